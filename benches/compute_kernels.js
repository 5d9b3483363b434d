// Compute kernels for the cost of the engine's interrupt polls and for Qirvo-vs-Node rows
// (BENCHMARKS.md). Plain script: defines KERNELS (name -> function returning a checksum)
// and nothing else, so it runs in QuickJS's runner (benches/poll-cost.sh), inside a Qirvo
// plugin and in Node (benches/compute.rs). Each kernel takes ~50-300 ms in QuickJS.
var KERNELS = {
  // Recursion: calls and arithmetic, the interpreter's own polls.
  fib: function () {
    function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
    return fib(28);
  },
  // JSON round trip of a 1,000-item document (polled once per value).
  json: function () {
    var items = [];
    for (var i = 0; i < 1000; i++) {
      items.push({ id: i, sku: "sku-" + i, qty: i % 7, price: i * 1.25, tags: ["a", "b", "c"], ok: i % 2 === 0 });
    }
    var doc = { items: items, total: 1000 };
    var n = 0;
    for (var r = 0; r < 20; r++) n += JSON.parse(JSON.stringify(doc)).items.length;
    return n;
  },
  // Sort 100,000 numbers with a comparator (polled once per comparison).
  sortComparator: function () {
    var a = [];
    for (var i = 0; i < 100000; i++) a.push((i * 7919) % 100003);
    a.sort(function (x, y) { return x - y; });
    return a[500];
  },
  // Default sort of 50,000 strings (the polled default comparator).
  sortDefault: function () {
    var a = [];
    for (var i = 0; i < 50000; i++) a.push("k" + ((i * 7919) % 50021));
    a.sort();
    return a[500].length;
  },
  // Regex scan: every e-mail-like token of a 200 KB text (one poll per exec).
  regex: function () {
    var line = "lorem ipsum jo@example.com dolor sit amet, ann@test.org consectetur 12345 ";
    var text = "";
    for (var i = 0; i < 10000; i++) text += line;
    var n = 0;
    var re = /\b\w+@\w+\.(com|org)\b/g;
    while (re.exec(text) !== null) n++;
    return n + text.replace(/\d+/g, "#").length;
  },
  // String building and searching: concatenation, split, join, indexOf.
  strings: function () {
    var s = "";
    for (var i = 0; i < 300000; i++) s += String.fromCharCode(97 + (i % 26));
    var parts = s.split("z");
    var joined = parts.join("-");
    var n = 0;
    for (var j = 0; j < 200; j++) n += joined.indexOf("xy-ab", j * 100);
    return n + joined.length + s.repeat(3).padEnd(1200000, ".").length;
  },
  // Map/Set insertion, lookup and iteration.
  mapSet: function () {
    var m = new Map();
    var st = new Set();
    for (var i = 0; i < 30000; i++) {
      m.set("k" + i, i);
      st.add(i * 3);
    }
    var sum = 0;
    for (var j = 0; j < 30000; j++) {
      if (st.has(j)) sum += m.get("k" + j);
    }
    m.forEach(function (v) { sum += v & 1; });
    return sum;
  },
  // Typed-array arithmetic plus the typed-array builtins (fill, set, indexOf, sort).
  typedArrays: function () {
    var n = 1 << 18;
    var a = new Float64Array(n);
    var b = new Float64Array(n);
    for (var i = 0; i < n; i++) a[i] = i * 0.5;
    for (var r = 0; r < 4; r++) {
      for (var k = 0; k < n; k++) b[k] = a[k] * 1.0001 + b[k];
    }
    var c = new Int32Array(n);
    for (var q = 0; q < n; q++) c[q] = (q * 7919) % 65521;
    c.sort();
    b.fill(1, 0, 1000);
    a.set(b.subarray(0, 1000), 5000);
    return b[12345] + c[1000] + a.indexOf(1);
  },
};
