// Qirvo's stand-in for web-platform-tests' testharness.js, written for Qirvo (not copied).
//
// Evaluated as a classic script (indirect eval) in a plugin isolate before a test file's
// `// META: script=` dependencies and the test itself. It offers the part of the harness
// API that the `.any.js` tests we run use (test / async_test / promise_test, the assert_*
// family, EventWatcher, step_timeout, setup / done) and records one result per subtest.
// tools/wpt/run.py drives it: after the scripts ran, it awaits `__wptResults(ms)`.
(function () {
  "use strict";
  const G = globalThis;
  if (typeof G.self === "undefined") G.self = G;
  // The harness's description of the global: a worker-like scope (no window, no DOM).
  G.GLOBAL = {
    isWindow: () => false,
    isWorker: () => false,
    isShadowRealm: () => false,
  };

  class AssertionError extends Error {
    constructor(message) {
      super(message);
      this.name = "AssertionError";
    }
  }
  class SkipTest extends Error {}
  // testharness.js exposes it; some tests throw or check it themselves.
  G.AssertionError = AssertionError;

  function show(v) {
    try {
      if (typeof v === "string") return JSON.stringify(v);
      if (typeof v === "number" && Object.is(v, -0)) return "-0";
      if (typeof v === "bigint") return `${v}n`;
      if (typeof v === "symbol") return String(v);
      if (v === null || typeof v !== "object" && typeof v !== "function") return String(v);
      if (Array.isArray(v)) return `[${v.map(show).join(", ")}]`;
      if (typeof v === "function") return `function "${v.name}"`;
      if (v instanceof Error) return `object "${v.name}: ${v.message}"`;
      return `object "${Object.prototype.toString.call(v)}"`;
    } catch {
      return "<value>";
    }
  }
  G.format_value = show;

  function fail(desc, what) {
    const err = new AssertionError(desc ? `${what} (${desc})` : what);
    if (current === null && singleTest) singleTest.failWith(err);
    throw err;
  }
  function same(a, b) {
    return Object.is(a, b);
  }

  // ---- assertions ------------------------------------------------------------------
  const A = {
    assert_true(v, d) {
      if (v !== true) fail(d, `expected true, got ${show(v)}`);
    },
    assert_false(v, d) {
      if (v !== false) fail(d, `expected false, got ${show(v)}`);
    },
    assert_equals(a, e, d) {
      if (typeof a !== typeof e) fail(d, `expected (${typeof e}) ${show(e)} but got (${typeof a}) ${show(a)}`);
      if (!same(a, e)) fail(d, `expected ${show(e)} but got ${show(a)}`);
    },
    assert_not_equals(a, e, d) {
      if (same(a, e)) fail(d, `got disallowed value ${show(a)}`);
    },
    assert_in_array(a, list, d) {
      if (!list.some((x) => same(x, a))) fail(d, `value ${show(a)} not in array ${show(list)}`);
    },
    assert_array_equals(a, e, d) {
      if (typeof a !== "object" || a === null || !("length" in a)) fail(d, `value is ${show(a)}, expected array`);
      if (a.length !== e.length) fail(d, `lengths differ, expected array ${show(e)} length ${e.length}, got ${show(a)} length ${a.length}`);
      for (let i = 0; i < e.length; i++) {
        if (Object.prototype.hasOwnProperty.call(a, i) !== Object.prototype.hasOwnProperty.call(e, i)) fail(d, `property ${i} presence differs`);
        if (!same(a[i], e[i])) fail(d, `expected ${show(e[i])} at index ${i}, got ${show(a[i])}`);
      }
    },
    assert_array_approx_equals(a, e, eps, d) {
      if (a.length !== e.length) fail(d, `lengths differ: ${a.length} vs ${e.length}`);
      for (let i = 0; i < e.length; i++) {
        if (Math.abs(a[i] - e[i]) > eps) fail(d, `index ${i}: expected ${show(e[i])} +/- ${eps}, got ${show(a[i])}`);
      }
    },
    assert_approx_equals(a, e, eps, d) {
      if (typeof a !== "number") fail(d, `expected a number, got ${show(a)}`);
      if (!(Math.abs(a - e) <= eps) && !same(a, e)) fail(d, `expected ${show(e)} +/- ${eps} but got ${show(a)}`);
    },
    assert_less_than(a, e, d) {
      if (typeof a !== "number" || !(a < e)) fail(d, `expected a number less than ${show(e)}, got ${show(a)}`);
    },
    assert_greater_than(a, e, d) {
      if (typeof a !== "number" || !(a > e)) fail(d, `expected a number greater than ${show(e)}, got ${show(a)}`);
    },
    assert_less_than_equal(a, e, d) {
      if (typeof a !== "number" || !(a <= e)) fail(d, `expected a number <= ${show(e)}, got ${show(a)}`);
    },
    assert_greater_than_equal(a, e, d) {
      if (typeof a !== "number" || !(a >= e)) fail(d, `expected a number >= ${show(e)}, got ${show(a)}`);
    },
    assert_between_inclusive(a, lo, hi, d) {
      if (typeof a !== "number" || !(a >= lo && a <= hi)) fail(d, `expected a number in [${lo}, ${hi}], got ${show(a)}`);
    },
    assert_between_exclusive(a, lo, hi, d) {
      if (typeof a !== "number" || !(a > lo && a < hi)) fail(d, `expected a number in (${lo}, ${hi}), got ${show(a)}`);
    },
    assert_regexp_match(a, re, d) {
      if (!re.test(a)) fail(d, `expected ${show(a)} to match ${re}`);
    },
    assert_class_string(o, cls, d) {
      const got = Object.prototype.toString.call(o);
      if (got !== `[object ${cls}]`) fail(d, `expected [object ${cls}], got ${got}`);
    },
    assert_own_property(o, p, d) {
      if (!Object.prototype.hasOwnProperty.call(o, p)) fail(d, `expected own property ${show(p)}`);
    },
    assert_not_own_property(o, p, d) {
      if (Object.prototype.hasOwnProperty.call(o, p)) fail(d, `unexpected own property ${show(p)}`);
    },
    assert_inherits(o, p, d) {
      if (typeof o !== "object" && typeof o !== "function" || o === null) fail(d, "not an object");
      if (Object.prototype.hasOwnProperty.call(o, p)) fail(d, `property ${show(p)} is own, expected inherited`);
      if (!(p in o)) fail(d, `property ${show(p)} not found on the prototype chain`);
    },
    assert_idl_attribute(o, p, d) {
      A.assert_inherits(o, p, d);
    },
    assert_readonly(o, p, d) {
      const before = o[p];
      try {
        o[p] = "changed";
      } catch {}
      if (!same(o[p], before)) {
        try {
          o[p] = before;
        } catch {}
        fail(d, `property ${show(p)} is writable`);
      }
    },
    assert_unreached(d) {
      fail(d, "reached unreachable code");
    },
    assert_implements(cond, d) {
      if (!cond) throw new SkipTest(d || "not implemented");
    },
    assert_implements_optional(cond, d) {
      if (!cond) throw new SkipTest(d || "optional feature not implemented");
    },
    assert_object_equals(a, e, d) {
      const seen = [];
      (function cmp(x, y, path) {
        if (typeof y !== "object" || y === null) {
          if (!same(x, y)) fail(d, `${path}: expected ${show(y)}, got ${show(x)}`);
          return;
        }
        if (seen.includes(y)) return;
        seen.push(y);
        if (typeof x !== "object" || x === null) fail(d, `${path}: expected an object, got ${show(x)}`);
        for (const k of Object.keys(y)) {
          if (!(k in x)) fail(d, `${path}: missing property ${k}`);
          cmp(x[k], y[k], `${path}.${k}`);
        }
        for (const k of Object.keys(x)) if (!(k in y)) fail(d, `${path}: unexpected property ${k}`);
      })(a, e, "value");
    },
    assert_throws_js(ctor, fn, d) {
      let threw = false;
      let err;
      try {
        fn();
      } catch (e) {
        threw = true;
        err = e;
      }
      if (!threw) fail(d, `${show(fn)} did not throw`);
      checkJsError(ctor, err, d);
    },
    assert_throws_exactly(value, fn, d) {
      let threw = false;
      let err;
      try {
        fn();
      } catch (e) {
        threw = true;
        err = e;
      }
      if (!threw) fail(d, `${show(fn)} did not throw`);
      if (!same(err, value)) fail(d, `threw ${show(err)}, expected ${show(value)}`);
    },
    assert_throws_dom(type, ctorOrFn, maybeFn, d) {
      let fn = ctorOrFn;
      let ctor = G.DOMException;
      if (typeof maybeFn === "function") {
        ctor = ctorOrFn;
        fn = maybeFn;
      } else d = maybeFn;
      let threw = false;
      let err;
      try {
        fn();
      } catch (e) {
        threw = true;
        err = e;
      }
      if (!threw) fail(d, `${show(fn)} did not throw`);
      checkDomError(type, ctor, err, d);
    },
  };

  // QuotaExceededError is a DOMException subclass with optional requested/quota numbers.
  function checkQuotaError(err, requested, quota, d) {
    checkDomError("QuotaExceededError", G.DOMException, err, d);
    if (requested !== null && requested !== undefined && !same(err.requested, requested)) fail(d, `requested is ${show(err.requested)}, expected ${show(requested)}`);
    if (quota !== null && quota !== undefined && !same(err.quota, quota)) fail(d, `quota is ${show(err.quota)}, expected ${show(quota)}`);
  }
  A.assert_throws_quotaexceedederror = (fn, requested, quota, d) => {
    let threw = false;
    let err;
    try {
      fn();
    } catch (e) {
      threw = true;
      err = e;
    }
    if (!threw) fail(d, `${show(fn)} did not throw`);
    checkQuotaError(err, requested, quota, d);
  };

  function checkJsError(ctor, err, d) {
    if (typeof err !== "object" || err === null) fail(d, `threw ${show(err)}, expected a ${ctor.name}`);
    if (err.constructor !== ctor) fail(d, `threw ${show(err)} (constructor ${err.constructor && err.constructor.name}), expected a ${ctor.name}`);
    if (err.name !== ctor.name) fail(d, `threw ${show(err)} with name ${show(err.name)}, expected ${ctor.name}`);
  }

  // DOMException names and their legacy codes.
  const DOM_CODES = {
    IndexSizeError: 1, HierarchyRequestError: 3, WrongDocumentError: 4, InvalidCharacterError: 5,
    NoModificationAllowedError: 7, NotFoundError: 8, NotSupportedError: 9, InUseAttributeError: 10,
    InvalidStateError: 11, SyntaxError: 12, InvalidModificationError: 13, NamespaceError: 14,
    InvalidAccessError: 15, TypeMismatchError: 17, SecurityError: 18, NetworkError: 19, AbortError: 20,
    URLMismatchError: 21, QuotaExceededError: 22, TimeoutError: 23, InvalidNodeTypeError: 24,
    DataCloneError: 25, EncodingError: 0, NotReadableError: 0, UnknownError: 0, ConstraintError: 0,
    DataError: 0, TransactionInactiveError: 0, ReadOnlyError: 0, VersionError: 0, OperationError: 0,
    NotAllowedError: 0, OptOutError: 0,
  };
  const LEGACY_CONSTANTS = {
    INDEX_SIZE_ERR: "IndexSizeError", HIERARCHY_REQUEST_ERR: "HierarchyRequestError",
    INVALID_CHARACTER_ERR: "InvalidCharacterError", NOT_FOUND_ERR: "NotFoundError",
    NOT_SUPPORTED_ERR: "NotSupportedError", INVALID_STATE_ERR: "InvalidStateError", SYNTAX_ERR: "SyntaxError",
    INVALID_ACCESS_ERR: "InvalidAccessError", TYPE_MISMATCH_ERR: "TypeMismatchError", SECURITY_ERR: "SecurityError",
    NETWORK_ERR: "NetworkError", ABORT_ERR: "AbortError", QUOTA_EXCEEDED_ERR: "QuotaExceededError",
    TIMEOUT_ERR: "TimeoutError", DATA_CLONE_ERR: "DataCloneError",
  };
  function checkDomError(type, ctor, err, d) {
    let name = type;
    if (typeof type === "number") name = Object.keys(DOM_CODES).find((k) => DOM_CODES[k] === type);
    else if (type in LEGACY_CONSTANTS) name = LEGACY_CONSTANTS[type];
    if (typeof err !== "object" || err === null) fail(d, `threw ${show(err)}, expected a DOMException ${name}`);
    if (!(err instanceof ctor)) fail(d, `threw ${show(err)}, expected a DOMException ${name}`);
    if (err.name !== name) fail(d, `threw a DOMException named ${show(err.name)}, expected ${name}`);
    if (name in DOM_CODES && err.code !== DOM_CODES[name]) fail(d, `DOMException ${name} has code ${err.code}, expected ${DOM_CODES[name]}`);
  }

  Object.assign(G, A);

  // ---- tests -------------------------------------------------------------------------
  const tests = [];
  const promiseQueue = [];
  let promiseRunning = false;
  let explicitDone = false;
  let doneCalled = false;
  let completionCallbacks = [];
  let singleTest = null;
  const names = new Map();
  let current = null;

  function uniqueName(name) {
    const n = names.get(name) || 0;
    names.set(name, n + 1);
    return n === 0 ? name : `${name} (#${n + 1})`;
  }

  class Test {
    constructor(name, props) {
      this.name = uniqueName(name === undefined || name === "" ? "(unnamed test)" : String(name));
      this.properties = props || {};
      this.status = null; // "PASS" | "FAIL" | "TIMEOUT" | "NOTRUN" | "PRECONDITION_FAILED"
      this.message = "";
      this.cleanups = [];
      this.timers = [];
      this.finishWaiters = [];
      tests.push(this);
    }
    get phase() {
      return this.status === null ? "running" : "done";
    }
    step(fn, thisObj, ...args) {
      if (this.status !== null) return undefined;
      const prev = current;
      current = this;
      try {
        return fn.apply(thisObj === undefined ? this : thisObj, args);
      } catch (e) {
        this.failWith(e);
        return undefined;
      } finally {
        current = prev;
      }
    }
    step_func(fn, thisObj) {
      const t = this;
      return function (...args) {
        return t.step(fn, thisObj === undefined ? this : thisObj, ...args);
      };
    }
    step_func_done(fn, thisObj) {
      const t = this;
      return function (...args) {
        const r = fn ? t.step(fn, thisObj === undefined ? this : thisObj, ...args) : undefined;
        t.done();
        return r;
      };
    }
    unreached_func(d) {
      return this.step_func(() => A.assert_unreached(d));
    }
    step_timeout(fn, ms, ...args) {
      const id = setTimeout(this.step_func(() => fn(...args)), ms);
      this.timers.push(id);
      return id;
    }
    step_wait_func(cond, fn, d, timeout = 3000, interval = 50) {
      const start = Date.now();
      const poll = this.step_func(() => {
        if (cond()) fn();
        else if (Date.now() - start > timeout) A.assert_unreached(d || "step_wait_func timed out");
        else this.step_timeout(poll, interval);
      });
      poll();
    }
    step_wait(cond, d, timeout = 3000, interval = 50) {
      return new Promise((resolve, reject) => {
        const start = Date.now();
        const poll = () => {
          let ok = false;
          try {
            ok = cond();
          } catch (e) {
            reject(e);
            return;
          }
          if (ok) resolve();
          else if (Date.now() - start > timeout) reject(new AssertionError(d || "step_wait timed out"));
          else setTimeout(poll, interval);
        };
        poll();
      });
    }
    step_wait_func_done(cond, fn, d, timeout, interval) {
      this.step_wait_func(cond, () => {
        if (fn) fn();
        this.done();
      }, d, timeout, interval);
    }
    add_cleanup(fn) {
      this.cleanups.push(fn);
    }
    failWith(e) {
      if (this.status !== null) return;
      if (e instanceof SkipTest) this.finish("PRECONDITION_FAILED", e.message);
      else if (e instanceof AssertionError) this.finish("FAIL", e.message);
      else this.finish("FAIL", `threw ${show(e)}${e && e.stack ? `\n${String(e.stack).split("\n").slice(0, 4).join("\n")}` : ""}`);
    }
    done() {
      if (this.status === null) this.finish("PASS", "");
    }
    force_timeout() {
      this.finish("TIMEOUT", "forced timeout");
    }
    finish(status, message) {
      if (this.status !== null) return;
      this.status = status;
      this.message = message;
      for (const id of this.timers) clearTimeout(id);
      const cleanups = this.cleanups;
      this.cleanups = [];
      const pending = [];
      for (const fn of cleanups) {
        try {
          const r = fn();
          if (r && typeof r.then === "function") pending.push(r);
        } catch (e) {
          if (this.status === "PASS") {
            this.status = "FAIL";
            this.message = `cleanup threw ${show(e)}`;
          }
        }
      }
      const wake = () => {
        for (const w of this.finishWaiters) w();
        this.finishWaiters = [];
        maybeComplete();
      };
      if (pending.length) Promise.allSettled(pending).then(wake);
      else wake();
    }
    whenFinished() {
      return this.status !== null && this.cleanups.length === 0
        ? Promise.resolve()
        : new Promise((r) => this.finishWaiters.push(r));
    }
  }

  G.test = function test(fn, name, props) {
    const t = new Test(name, props);
    t.step(fn, t, t);
    if (t.status === null) t.done();
    return t;
  };
  G.async_test = function async_test(fn, name, props) {
    if (typeof fn !== "function") {
      props = name;
      name = fn;
      fn = undefined;
    }
    const t = new Test(name, props);
    if (fn) t.step(fn, t, t);
    return t;
  };
  G.promise_test = function promise_test(fn, name, props) {
    const t = new Test(name, props);
    t.pending = true;
    promiseQueue.push([t, fn]);
    runPromiseTests();
    return t;
  };
  async function runPromiseTests() {
    if (promiseRunning) return;
    promiseRunning = true;
    // Let the file's synchronous part finish first, as the real harness does.
    await null;
    while (promiseQueue.length) {
      const [t, fn] = promiseQueue.shift();
      t.pending = false;
      current = t;
      let p;
      try {
        p = fn.call(t, t);
      } catch (e) {
        t.failWith(e);
        await t.whenFinished();
        continue;
      }
      if (!p || typeof p.then !== "function") {
        t.finish("FAIL", "promise_test: the function did not return a promise");
        await t.whenFinished();
        continue;
      }
      try {
        await p;
        t.done();
      } catch (e) {
        t.failWith(e);
      }
      await t.whenFinished();
    }
    promiseRunning = false;
    maybeComplete();
  }
  G.promise_setup = function promise_setup(fn) {
    const t = { name: "promise_setup" };
    promiseQueue.unshift([new Test("(promise_setup)"), fn]);
    return t;
  };

  function rejectsWith(t, p, check, d) {
    return Promise.resolve(p).then(
      () => t.step(() => A.assert_unreached(`should have rejected: ${d || ""}`)) ?? failOut(t),
      (e) => {
        check(e);
      },
    );
  }
  function failOut() {
    throw new AssertionError("should have rejected");
  }
  G.promise_rejects_js = (t, ctor, p, d) =>
    Promise.resolve(p).then(() => {
      throw new AssertionError(`promise resolved, expected a ${ctor.name} rejection${d ? ` (${d})` : ""}`);
    }, (e) => checkJsError(ctor, e, d));
  G.promise_rejects_dom = (t, type, ctorOrP, pOrD, d) => {
    let ctor = G.DOMException;
    let p = ctorOrP;
    if (typeof ctorOrP === "function" && pOrD && typeof pOrD.then === "function") {
      ctor = ctorOrP;
      p = pOrD;
    } else d = pOrD;
    return Promise.resolve(p).then(() => {
      throw new AssertionError(`promise resolved, expected a DOMException ${type}${d ? ` (${d})` : ""}`);
    }, (e) => checkDomError(type, ctor, e, d));
  };
  G.promise_rejects_quotaexceedederror = (t, p, requested, quota, d) =>
    Promise.resolve(p).then(() => {
      throw new AssertionError(`promise resolved, expected a QuotaExceededError${d ? ` (${d})` : ""}`);
    }, (e) => checkQuotaError(e, requested, quota, d));
  G.promise_rejects_exactly = (t, value, p, d) =>
    Promise.resolve(p).then(() => {
      throw new AssertionError(`promise resolved, expected rejection with ${show(value)}${d ? ` (${d})` : ""}`);
    }, (e) => {
      if (!same(e, value)) fail(d, `rejected with ${show(e)}, expected ${show(value)}`);
    });
  void rejectsWith;

  G.setup = function setup(fnOrProps, maybeProps) {
    const props = typeof fnOrProps === "object" ? fnOrProps : maybeProps || {};
    if (props.explicit_done) explicitDone = true;
    // single_test: the whole file is one test, passed by done(), failed by an
    // uncaught assertion (see the runner's error hook below).
    if (props.single_test && !singleTest) {
      singleTest = new Test(props.title || "(single test)");
      explicitDone = true;
    }
    if (typeof fnOrProps === "function") fnOrProps();
  };
  G.done = function done() {
    doneCalled = true;
    if (singleTest) singleTest.done();
    maybeComplete();
  };
  G.add_completion_callback = (fn) => completionCallbacks.push(fn);
  G.add_result_callback = () => {};
  G.add_start_callback = () => {};
  G.step_timeout = (fn, ms, ...args) => setTimeout(fn, ms, ...args);
  // An assertion that fails outside any test (e.g. in a bare timer callback) fails a
  // single_test file; elsewhere it is only logged by the plugin's host.
  G.__wptUncaught = (e) => {
    if (singleTest) singleTest.failWith(e);
  };
  G.generate_tests = function generate_tests(fn, cases, props) {
    for (const [name, ...args] of cases) G.test(() => fn(...args), name, props);
  };
  G.timeout = () => {};
  G.fetch_json = (url) => fetch(url).then((r) => r.json());
  G.fetch_tests_from_worker = () => {};

  // EventWatcher: waits for events of given types on a target, in order.
  G.EventWatcher = function EventWatcher(t, target, types, timeoutPromise) {
    if (typeof types === "string") types = [types];
    let waiting = null;
    let expected = null;
    let recorded = [];
    const handler = t.step_func((ev) => {
      if (!waiting) A.assert_unreached(`unexpected event ${ev.type}`);
      A.assert_equals(ev.type, expected[0], "event type");
      recorded.push(ev);
      expected.shift();
      if (expected.length === 0) {
        const w = waiting;
        waiting = null;
        const r = recorded;
        recorded = [];
        w(r.length === 1 ? r[0] : r);
      }
    });
    for (const ty of types) target.addEventListener(ty, handler);
    this.wait_for = (wanted, opts) => {
      expected = Array.isArray(wanted) ? [...wanted] : [wanted];
      const record = opts && opts.record === "all";
      return new Promise((resolve) => {
        waiting = record ? resolve : (r) => resolve(Array.isArray(r) ? r[r.length - 1] : r);
      });
    };
    this.stop_watching = () => {
      for (const ty of types) target.removeEventListener(ty, handler);
    };
    t.add_cleanup(() => this.stop_watching());
    void timeoutPromise;
  };

  function maybeComplete() {
    if (!finishing) return;
    if (tests.some((t) => t.status === null) || promiseRunning || promiseQueue.length) return;
    if (explicitDone && !doneCalled) return;
    finishing();
  }
  let finishing = null;

  // Names and messages go back as JSON text, which cannot carry a lone surrogate (several
  // tests name themselves after the input they feed): such a code unit is written out as
  // its `\uXXXX` escape.
  function wellFormed(s) {
    if (typeof s !== "string") return s;
    return s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
      (c) => "\\u" + c.charCodeAt(0).toString(16).toUpperCase());
  }

  // The runner's entry point: every subtest's result once all are done, or after `ms`
  // (the ones still running are TIMEOUT, the ones never started NOTRUN).
  G.__wptResults = function (ms, loadError) {
    return new Promise((resolve) => {
      const report = (timedOut) => {
        finishing = null;
        clearTimeout(timer);
        if (timedOut) {
          for (const t of tests) {
            if (t.status === null) {
              t.status = t.pending ? "NOTRUN" : "TIMEOUT";
              t.message = t.pending ? "never started (an earlier test did not finish)" : "did not finish in time";
            }
          }
        }
        for (const cb of completionCallbacks) {
          try {
            cb(tests, { status: 0 });
          } catch {}
        }
        resolve({
          harness: loadError ? `ERROR: ${loadError}` : timedOut ? "TIMEOUT" : "OK",
          tests: tests.map((t) => ({ name: wellFormed(t.name), status: t.status, message: wellFormed(t.message) })),
        });
      };
      const timer = setTimeout(() => report(true), ms);
      finishing = () => report(false);
      if (loadError && tests.length === 0) report(false);
      else maybeComplete();
    });
  };
})();
