// The JS side of a Qirvo plugin isolate.
//
// Runs once per isolate, before any plugin code: installs the web APIs a plugin may use,
// builds the frozen `qirvo` global from permission-gated ops, hands the host its private
// entry points (lifecycle steps and export calls) through an op, and then removes every
// way back into the engine (`Deno`, `__bootstrap`, the op table).

import { core, internals, primordials } from "ext:core/mod.js";
import { installDebugAgent } from "ext:qirvo/debug.js";

const {
  ArrayPrototypePush,
  ArrayPrototypePop,
  ArrayIsArray,
  JSONParse,
  JSONStringify,
  ObjectFreeze,
  ObjectDefineProperty,
  ObjectKeys,
  ReflectApply,
  ArrayBufferIsView,
  ArrayBuffer,
  ArrayBufferPrototypeSlice,
  TypedArrayPrototypeSlice,
  Uint8Array,
  NumberIsInteger,
  MathMin,
  ObjectIs,
  ObjectHasOwn,
  ObjectAssign,
  ObjectGetPrototypeOf,
  ArrayPrototypeMap,
  StringPrototypeSplit,
  StringPrototypeIndexOf,
  DatePrototypeGetTime,
  NumberIsFinite,
  RegExpPrototypeTest,
  StringPrototypeToLowerCase,
  StringPrototypeToUpperCase,
  StringPrototypeTrim,
  StringPrototypeIncludes,
  ArrayPrototypeJoin,
  ArrayPrototypeSort,
  MapPrototypeKeys,
  SymbolIterator,
  MapPrototypeClear,
  ArrayPrototypeIncludes,
  TypedArrayPrototypeGetSymbolToStringTag,
  TypedArrayPrototypeGetByteLength,
  TypedArrayPrototypeGetByteOffset,
  TypedArrayPrototypeGetBuffer,
  NumberPrototypeToString,
  MapPrototypeGet,
  MapPrototypeSet,
  MapPrototypeDelete,
  MapPrototypeEntries,
  ArrayFrom,
  ArrayPrototypeFilter,
  SafeArrayIterator,
  SafeMap,
  StringPrototypeStartsWith,
  SafeSet,
  SetPrototypeAdd,
  SetPrototypeDelete,
  SetPrototypeHas,
  StringPrototypeEndsWith,
  StringPrototypeSlice,
  StringPrototypeIsWellFormed,
  StringPrototypeCharCodeAt,
  TypeError,
  globalThis,
} = primordials;

const {
  op_qirvo_log,
  op_qirvo_log_fields,
  op_qirvo_set_host,
  op_qirvo_storage_get,
  op_qirvo_storage_list,
  op_qirvo_storage_apply,
  op_qirvo_storage_usage,
  op_qirvo_events_emit,
  op_qirvo_events_subscribe,
  op_qirvo_events_unsubscribe,
  op_qirvo_fs_read,
  op_qirvo_fs_read_text,
  op_qirvo_fs_write,
  op_qirvo_fs_read_dir,
  op_qirvo_fs_mkdir,
  op_qirvo_fs_remove,
  op_qirvo_fs_stat,
  op_qirvo_fetch,
  op_qirvo_fetch_abort_handle,
  op_qirvo_fetch_abort,
  op_qirvo_schedule,
  op_qirvo_unschedule,
  // HOSTAPI (issue 14): present only for a plugin granted a host permission.
  op_qirvo_host_call,
  op_qirvo_host_call_async,
} = core.ops;

// The web platform, from js/web.js (in the startup snapshot when there is one).
const {
  cancelAllTimers,
  cancelStepWork,
  consoleMod,
  defineGlobal,
  describe,
  domException,
  encoding,
  nextStep,
  performanceMod,
  url,
} = internals.qirvoWeb;

// ---------------------------------------------------------------------------------------
// Web platform (from the startup snapshot when there is one), and its per-isolate setup.

performanceMod.setTimeOrigin();
core.setUnhandledPromiseRejectionHandler((_promise, reason) => {
  op_qirvo_log(3, `Unhandled promise rejection: ${describe(reason)}`);
  return true;
});
core.setReportExceptionCallback((err) => {
  op_qirvo_log(3, `Uncaught exception: ${describe(err)}`);
});

// ---------------------------------------------------------------------------------------
// The `qirvo` global

// The plugin this isolate runs: set once by `bind` (from the host, before any plugin code),
// so an isolate can be warmed before it knows its plugin.
let info;

// `fields` stay structured (issue 16): the host checks them (an object, bounded, well-formed
// Unicode) and hands them to tracing as a field, not as text inside the message.
// Logging never throws (like console.log): fields that cannot be kept (not an object, not
// JSON, over 16 KiB, a lone surrogate) are replaced by `{ fieldsRefused: "<why>" }`, so the
// line is still written and says what was wrong.
function logAt(level) {
  const refused = (text, why) =>
    op_qirvo_log_fields(level, text, JSONStringify({ fieldsRefused: why }));
  return (msg, fields) => {
    const text = typeof msg === "string" ? msg : describe(msg);
    if (fields === undefined) {
      op_qirvo_log(level, text);
      return;
    }
    if (fields === null || typeof fields !== "object" || ArrayIsArray(fields)) {
      const kind = fields === null ? "null" : ArrayIsArray(fields) ? "an array" : typeof fields;
      refused(text, `fields must be an object, e.g. { orderId: 42 }, not ${kind}`);
      return;
    }
    let json;
    try {
      json = JSONStringify(fields);
    } catch (e) {
      let detail = "";
      try {
        // A thrown Proxy or getter must not escape from a log call.
        if (typeof e?.message === "string") detail = ` (${e.message})`;
      } catch {}
      refused(text, `fields are not JSON-serialisable${detail}`);
      return;
    }
    try {
      op_qirvo_log_fields(level, text, json);
    } catch (e) {
      // The op's own checks (size, lone surrogates): the boundary is in Rust.
      let why = "fields refused";
      try {
        if (typeof e?.message === "string") why = e.message;
      } catch {}
      refused(text, StringPrototypeStartsWith(why, "qirvo.log: ") ? StringPrototypeSlice(why, 11) : why);
    }
  };
}

// ---------------------------------------------------------------------------------------
// qirvo.storage: JSON values or bytes, scoped to this plugin, atomic batches.

core.registerErrorBuilder(
  "QuotaExceededError",
  (msg) => new domException.QuotaExceededError(msg),
);

const textDecoder = new encoding.TextDecoder();

// A string that names something (a key, a path) must be well-formed Unicode: a lone
// surrogate has no UTF-8 form, and converting it to U+FFFD would make distinct names
// collide. The ops check this in Rust too (exact on engines whose strings reach Rust as
// UTF-16; see ops/names.rs).
function exactName(name, what) {
  if (StringPrototypeIsWellFormed(name)) return name;
  let at = 0;
  for (; at < name.length; at++) {
    const c = StringPrototypeCharCodeAt(name, at);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = StringPrototypeCharCodeAt(name, at + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        at++;
        continue;
      }
      break;
    }
    if (c >= 0xdc00 && c <= 0xdfff) break;
  }
  const unit = NumberPrototypeToString(StringPrototypeCharCodeAt(name, at), 16);
  throw new TypeError(`${what} contains a lone surrogate (U+${StringPrototypeToUpperCase(unit)}) at index ${at}: a name must be well-formed Unicode, or two distinct names would collide`);
}

function storageKey(key, fn) {
  if (typeof key !== "string") throw new TypeError(`storage.${fn}: key must be a string (got ${typeof key})`);
  return exactName(key, `storage.${fn}: key`);
}

function encodeValue(key, value) {
  if (ArrayBufferIsView(value)) {
    return { op: "set", key, bytes: new Uint8Array(TypedArrayPrototypeSlice(new Uint8Array(value.buffer, value.byteOffset, value.byteLength))) };
  }
  if (value instanceof ArrayBuffer) {
    return { op: "set", key, bytes: new Uint8Array(ArrayBufferPrototypeSlice(value, 0)) };
  }
  let json;
  try {
    json = JSONStringify(value);
  } catch (err) {
    throw new TypeError(`storage.set: value for ${JSONStringify(key)} is not JSON data: ${err.message}`);
  }
  if (json === undefined) {
    throw new TypeError(`storage.set: value for ${JSONStringify(key)} is not JSON data (${typeof value})`);
  }
  return { op: "set", key, json };
}

function decodeValue(stored) {
  if (stored === null || stored === undefined) return undefined;
  const { 0: kind, 1: bytes } = stored;
  return kind === 1 ? bytes : JSONParse(textDecoder.decode(bytes));
}

function makeAtomic() {
  const changes = [];
  let committed = false;
  const batch = {
    set(key, value) {
      ArrayPrototypePush(changes, encodeValue(storageKey(key, "atomic().set"), value));
      return batch;
    },
    delete(key) {
      ArrayPrototypePush(changes, { op: "delete", key: storageKey(key, "atomic().delete") });
      return batch;
    },
    clear() {
      ArrayPrototypePush(changes, { op: "clear" });
      return batch;
    },
    async commit() {
      if (committed) throw new TypeError("this batch was already committed");
      committed = true;
      op_qirvo_storage_apply(changes);
    },
  };
  return ObjectFreeze(batch);
}

const storage = ObjectFreeze({
  async get(key) {
    return decodeValue(op_qirvo_storage_get(storageKey(key, "get")));
  },
  async set(key, value) {
    op_qirvo_storage_apply([encodeValue(storageKey(key, "set"), value)]);
  },
  async delete(key) {
    op_qirvo_storage_apply([{ op: "delete", key: storageKey(key, "delete") }]);
  },
  async list(options = {}) {
    const prefix = options?.prefix ?? "";
    if (typeof prefix !== "string") throw new TypeError("storage.list: prefix must be a string");
    exactName(prefix, "storage.list: prefix");
    const limit = options?.limit ?? 100;
    if (typeof limit !== "number") throw new TypeError("storage.list: limit must be a number");
    // Rust checks the range (a RangeError for NaN, negatives, fractions) and caps it at 1000.
    const rows = op_qirvo_storage_list(prefix, limit);
    const out = [];
    for (let i = 0; i < rows.length; i++) {
      ArrayPrototypePush(out, { key: rows[i][0], value: decodeValue(rows[i][1]) });
    }
    return out;
  },
  async clear() {
    op_qirvo_storage_apply([{ op: "clear" }]);
  },
  atomic: makeAtomic,
  /** Bytes used by keys and values. */
  async usage() {
    return op_qirvo_storage_usage();
  },
});

// ---------------------------------------------------------------------------------------
// qirvo.events: a dotted-name event bus shared with other plugins and the host.

const handlers = new SafeMap(); // pattern -> [{ fn, once }]

function eventMatches(pattern, name) {
  if (pattern === "*") return true;
  if (StringPrototypeEndsWith(pattern, "*")) {
    return StringPrototypeStartsWith(name, StringPrototypeSlice(pattern, 0, -1));
  }
  return pattern === name;
}

function addHandler(pattern, fn, once) {
  if (typeof pattern !== "string") throw new TypeError("events.on: pattern must be a string");
  exactName(pattern, "events.on: pattern");
  if (typeof fn !== "function") throw new TypeError("an event handler must be a function");
  let list = MapPrototypeGet(handlers, pattern);
  if (list === undefined) {
    op_qirvo_events_subscribe(pattern); // validates the pattern
    list = [];
    MapPrototypeSet(handlers, pattern, list);
  }
  ArrayPrototypePush(list, { fn, once });
}

function removeHandler(pattern, fn) {
  const list = MapPrototypeGet(handlers, pattern);
  if (list === undefined) return;
  const kept = ArrayPrototypeFilter(list, (h) => h.fn !== fn);
  if (kept.length === 0) {
    MapPrototypeDelete(handlers, pattern);
    op_qirvo_events_unsubscribe(pattern);
  } else {
    MapPrototypeSet(handlers, pattern, kept);
  }
}

const events = ObjectFreeze({
  on(pattern, fn) {
    addHandler(pattern, fn, false);
  },
  once(pattern, fn) {
    addHandler(pattern, fn, true);
  },
  off(pattern, fn) {
    removeHandler(pattern, fn);
  },
  /** Emits to every subscriber; resolves to how many plugins it was queued for. */
  async emit(name, payload = null) {
    if (typeof name !== "string") throw new TypeError("events.emit: name must be a string");
    exactName(name, "events.emit: name");
    let json;
    try {
      json = JSONStringify(payload);
    } catch (err) {
      throw new TypeError(`events.emit: payload is not JSON data: ${err.message}`);
    }
    if (json === undefined) throw new TypeError(`events.emit: payload is not JSON data (${typeof payload})`);
    return op_qirvo_events_emit(name, json);
  },
});

async function deliverEvent(name, payloadJson, source) {
  nextStep();
  const payload = JSONParse(payloadJson);
  const meta = ObjectFreeze({ name, source });
  const matching = [];
  for (const { 0: pattern, 1: list } of new SafeArrayIterator(ArrayFrom(MapPrototypeEntries(handlers)))) {
    if (!eventMatches(pattern, name)) continue;
    for (let i = 0; i < list.length; i++) ArrayPrototypePush(matching, { pattern, handler: list[i] });
  }
  for (let i = 0; i < matching.length; i++) {
    const { pattern, handler } = matching[i];
    if (handler.once) removeHandler(pattern, handler.fn);
    try {
      await handler.fn(payload, meta);
    } catch (err) {
      op_qirvo_log(3, `event handler for ${name} failed: ${describe(err)}`);
    }
  }
  return "null";
}

// ---------------------------------------------------------------------------------------
// Errors ops raise, as classes a plugin can catch and test with instanceof.

class PermissionDenied extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = "PermissionDenied";
  }
}
class NotFound extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = "NotFound";
  }
}
core.registerErrorClass("PermissionDenied", PermissionDenied);
core.registerErrorClass("NotFound", NotFound);
// HOSTAPI (issue 14): the other kinds a host function fails with (each error also has
// `code` and `function`; NotFound and PermissionDenied above are reused).
class InvalidArgument extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = "InvalidArgument";
  }
}
class Unavailable extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = "Unavailable";
  }
}
class HostError extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = "HostError";
  }
}
core.registerErrorClass("InvalidArgument", InvalidArgument);
core.registerErrorClass("Unavailable", Unavailable);
core.registerErrorClass("HostError", HostError);
// end HOSTAPI
const errors = ObjectFreeze({
  PermissionDenied,
  NotFound,
  QuotaExceededError: domException.QuotaExceededError,
  InvalidArgument,
  Unavailable,
  HostError,
});

// ---------------------------------------------------------------------------------------
// qirvo.fs (only with filesystem-access): files in the plugin's own directory.

function fsPath(path, fn) {
  // (Rust refuses paths with lone surrogates, which would name another file.)
  if (typeof path !== "string") throw new TypeError(`fs.${fn}: path must be a string (got ${typeof path})`);
  return exactName(path, `fs.${fn}: path`);
}
function toBytes(data) {
  if (typeof data === "string") return new encoding.TextEncoder().encode(data);
  if (ArrayBufferIsView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw new TypeError("writeFile expects bytes (Uint8Array) or, for writeTextFile, a string");
}
// Present only when the fs ops are (registered only for a plugin granted
// filesystem-access).
const fsApi = op_qirvo_fs_read !== undefined
  ? ObjectFreeze({
    async readFile(path) {
      return op_qirvo_fs_read(fsPath(path, "readFile"));
    },
    async readTextFile(path) {
      return op_qirvo_fs_read_text(fsPath(path, "readTextFile"));
    },
    async writeFile(path, data) {
      op_qirvo_fs_write(fsPath(path, "writeFile"), toBytes(data));
    },
    async writeTextFile(path, text) {
      if (typeof text !== "string") throw new TypeError("writeTextFile expects a string");
      op_qirvo_fs_write(fsPath(path, "writeTextFile"), toBytes(text));
    },
    async readDir(path = ".") {
      return op_qirvo_fs_read_dir(fsPath(path, "readDir"));
    },
    async mkdir(path, options = {}) {
      op_qirvo_fs_mkdir(fsPath(path, "mkdir"), !!options?.recursive);
    },
    async remove(path, options = {}) {
      op_qirvo_fs_remove(fsPath(path, "remove"), !!options?.recursive);
    },
    async stat(path) {
      const s = op_qirvo_fs_stat(fsPath(path, "stat"));
      return { ...s, mtime: s.mtime === null ? null : new Date(s.mtime) };
    },
  })
  : undefined;

// ---------------------------------------------------------------------------------------
// Headers / Request / Response, and fetch (only with network-access): js/fetch.js (issue
// 15), in the startup snapshot; here only this isolate's `fetch` over its fetch ops.
const { makeFetch, fetchStubs } = internals.qirvoFetch;
const fetch = makeFetch({ op_qirvo_fetch, op_qirvo_fetch_abort_handle, op_qirvo_fetch_abort });

// ---------------------------------------------------------------------------------------
// qirvo.scheduler: every / cron / at, on the runtime's scheduler.

const scheduledTasks = new SafeMap(); // id -> fn

function scheduleTask(kind, spec, fn) {
  if (typeof fn !== "function") throw new TypeError(`scheduler.${kind} expects a function`);
  const id = op_qirvo_schedule(kind, spec);
  MapPrototypeSet(scheduledTasks, id, fn);
  return ObjectFreeze({
    id,
    cancel() {
      MapPrototypeDelete(scheduledTasks, id);
      return op_qirvo_unschedule(id);
    },
  });
}

const scheduler = ObjectFreeze({
  every(interval, fn) {
    if (typeof interval !== "string") throw new TypeError("scheduler.every: interval must be a string such as \"30s\"");
    return scheduleTask("every", interval, fn);
  },
  cron(expression, fn) {
    if (typeof expression !== "string") throw new TypeError("scheduler.cron: expression must be a string such as \"0 */5 * * * *\"");
    return scheduleTask("cron", expression, fn);
  },
  at(date, fn) {
    // Rust checks the range (a RangeError before 1970 or after JavaScript's last date).
    const ms = date instanceof Date ? DatePrototypeGetTime(date) : date;
    if (typeof ms !== "number") throw new TypeError("scheduler.at: date must be a Date or milliseconds since the epoch");
    if (!NumberIsFinite(ms)) throw new TypeError(`scheduler.at: date must be a valid Date or a finite number (got ${ms})`);
    return scheduleTask("at", `${ms}`, fn);
  },
});

async function runTask(id, once) {
  nextStep();
  const fn = MapPrototypeGet(scheduledTasks, id);
  if (once) MapPrototypeDelete(scheduledTasks, id);
  if (fn !== undefined) await fn();
  return "null";
}

// ---------------------------------------------------------------------------------------
// Test mode (the `qirvo test` runner): qirvo.test, qirvo.assert, fetch stubs.

const registeredTests = [];

class AssertionError extends Error {
  constructor(message, details) {
    super(message);
    this.name = "AssertionError";
    if (details) {
      this.expected = details.expected;
      this.actual = details.actual;
    }
  }
}

function show(v) {
  try {
    return consoleMod.inspect(v, { colors: false, depth: 6 });
  } catch {
    return String(v);
  }
}

function deepEqual(a, b, seen = new SafeMap()) {
  if (ObjectIs(a, b)) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (MapPrototypeGet(seen, a) === b) return true;
  MapPrototypeSet(seen, a, b);
  if (ObjectGetPrototypeOf(a) !== ObjectGetPrototypeOf(b)) return false;
  if (a instanceof Date) return DatePrototypeGetTime(a) === DatePrototypeGetTime(b);
  if (ArrayBufferIsView(a)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!ObjectIs(a[i], b[i])) return false;
    return true;
  }
  if (a instanceof Map || a instanceof Set) {
    const ea = ArrayFrom(a), eb = ArrayFrom(b);
    return ea.length === eb.length && deepEqual(ea, eb, seen);
  }
  const ka = ObjectKeys(a), kb = ObjectKeys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    if (!ObjectHasOwn(b, ka[i]) || !deepEqual(a[ka[i]], b[ka[i]], seen)) return false;
  }
  return true;
}

const assert = ObjectFreeze({
  AssertionError,
  equal(actual, expected, message) {
    if (!deepEqual(actual, expected)) {
      throw new AssertionError(
        `${message ? message + "\n" : ""}expected: ${show(expected)}\n  actual: ${show(actual)}`,
        { expected, actual },
      );
    }
  },
  notEqual(actual, expected, message) {
    if (deepEqual(actual, expected)) {
      throw new AssertionError(`${message ? message + "\n" : ""}expected a value other than ${show(expected)}`);
    }
  },
  ok(value, message) {
    if (!value) throw new AssertionError(message ?? `expected a truthy value, got ${show(value)}`);
  },
  throws(fn, message) {
    try {
      fn();
    } catch (err) {
      return err;
    }
    throw new AssertionError(message ?? "expected the function to throw");
  },
  async rejects(fnOrPromise, message) {
    try {
      await (typeof fnOrPromise === "function" ? fnOrPromise() : fnOrPromise);
    } catch (err) {
      return err;
    }
    throw new AssertionError(message ?? "expected a rejection");
  },
});

function registerTest(name, fn, options, skip, only = false) {
  if (typeof name !== "string") throw new TypeError("a test needs a name");
  if (typeof fn !== "function") throw new TypeError(`test ${JSONStringify(name)} needs a function`);
  const timeout = options?.timeout;
  if (timeout !== undefined && (typeof timeout !== "number" || !(timeout > 0))) {
    throw new TypeError(`test ${JSONStringify(name)}: timeout must be a positive number of ms`);
  }
  ArrayPrototypePush(registeredTests, { name, fn, skip, only, timeout });
}
const testApi = ObjectFreeze(ObjectAssign(
  (name, fn, options) => registerTest(name, fn, options, false),
  {
    skip: (name, fn, options) => registerTest(name, fn, options, true),
    // TESTRUNNER (issue 16): when any test of a run is `.only`, only those run.
    only: (name, fn, options) => registerTest(name, fn, options, false, true),
    stubFetch(pattern, response) {
      ArrayPrototypePush(fetchStubs, { pattern, response });
    },
    stubHost, // HOSTAPI (issue 14)
  },
));

async function runTest(index) {
  nextStep();
  if (index < 0) {
    return JSONStringify(ArrayPrototypeMap(registeredTests, (t) => ({ name: t.name, skip: t.skip, only: t.only, timeout: t.timeout ?? null })));
  }
  const t = registeredTests[index];
  if (t === undefined) return JSONStringify({ status: "failed", message: `no test ${index}` });
  if (t.skip) return JSONStringify({ status: "skipped" });
  try {
    await t.fn();
    return JSONStringify({ status: "passed" });
  } catch (err) {
    // TESTRUNNER (issue 16): the headline, the (source-mapped) stack apart so the runner can
    // find the test file's line, and expected/actual for a diff.
    let message;
    let stack = null;
    let diff = null;
    try {
      if (!(err instanceof Error)) throw err;
      message = err instanceof AssertionError ? err.message : `${err.name}: ${err.message}`;
      if (typeof err.stack === "string") stack = err.stack;
      if (err instanceof AssertionError && ObjectHasOwn(err, "expected")) {
        diff = { expected: show(err.expected), actual: show(err.actual) };
      }
    } catch {
      // not an Error, or one with hostile getters: described as before
      message = describe(err);
      stack = null;
    }
    return JSONStringify({ status: "failed", message, stack, diff });
  }
}

// ---------------------------------------------------------------------------------------
// HOSTAPI (issue 14): qirvo.host.<namespace>.<function>(...args), the host's own API.
// Only the functions the plugin's grants cover exist; the ops check the grant again.

const BYTES_TAG = "$qirvo:bytes";
function hostArgReplacer(_key, value) {
  if (ArrayBufferIsView(value)) {
    return ArrayFrom(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
  }
  if (value instanceof ArrayBuffer) return ArrayFrom(new Uint8Array(value));
  return value;
}
function hostBytesReviver(_key, value) {
  if (value !== null && typeof value === "object" && !ArrayIsArray(value) && ObjectHasOwn(value, BYTES_TAG)) {
    const keys = ObjectKeys(value);
    if (keys.length === 1 && ArrayIsArray(value[BYTES_TAG])) return new Uint8Array(value[BYTES_TAG]);
  }
  return value;
}
const { PromiseResolve, PromiseReject } = primordials;
function hostArgs(name, args) {
  // The replacer (bytes as arrays of numbers) only when an argument is an object.
  let objects = false;
  for (let i = 0; i < args.length; i++) {
    if (typeof args[i] === "object" && args[i] !== null) {
      objects = true;
      break;
    }
  }
  let text;
  try {
    text = objects ? JSONStringify(args, hostArgReplacer) : JSONStringify(args);
  } catch (err) {
    throw new TypeError(`${name}: the arguments are not JSON data: ${err?.message ?? err}`);
  }
  return text;
}
function hostFunction(f) {
  const { index, name, bytes } = f;
  const decode = bytes ? (text) => JSONParse(text, hostBytesReviver) : (text) => JSONParse(text);
  if (f.async) {
    return async (...args) => decode(await op_qirvo_host_call_async(index, hostArgs(name, args)));
  }
  // Sync: no async function around it, the settled promise is made directly.
  return (...args) => {
    try {
      return PromiseResolve(decode(op_qirvo_host_call(index, hostArgs(name, args))));
    } catch (err) {
      return PromiseReject(err);
    }
  };
}
// Test mode: stubs by function name (`qirvo.test.stubHost`).
const hostStubs = new SafeMap();
function buildHost(functions, testMode) {
  const real = new SafeMap();
  const namespaces = { __proto__: null };
  for (let i = 0; i < functions.length; i++) {
    const f = functions[i];
    const dot = StringPrototypeIndexOf(f.name, ".");
    const ns = StringPrototypeSlice(f.name, 0, dot);
    const fname = StringPrototypeSlice(f.name, dot + 1);
    const call = hostFunction(f);
    MapPrototypeSet(real, f.name, call);
    (namespaces[ns] ??= { __proto__: null })[fname] = call;
  }
  if (!testMode) {
    const host = {};
    for (const ns of new SafeArrayIterator(ObjectKeys(namespaces))) host[ns] = ObjectFreeze(namespaces[ns]);
    return ObjectFreeze(host);
  }
  // Under `qirvo test` any qirvo.host.<ns>.<fn> can be called: a stub answers first, then
  // the real host function (when the runtime has one granted), else it rejects.
  const nsCache = new SafeMap();
  return new Proxy(ObjectFreeze({}), {
    get(_t, ns) {
      if (typeof ns !== "string") return undefined;
      let p = MapPrototypeGet(nsCache, ns);
      if (p === undefined) {
        const fnCache = new SafeMap();
        p = new Proxy(ObjectFreeze({}), {
          get(_t2, fname) {
            if (typeof fname !== "string") return undefined;
            let fn = MapPrototypeGet(fnCache, fname);
            if (fn === undefined) {
              const full = `${ns}.${fname}`;
              fn = async (...args) => {
                const stub = MapPrototypeGet(hostStubs, full);
                if (stub !== undefined) return await ReflectApply(stub, undefined, args);
                const r = MapPrototypeGet(real, full);
                if (r !== undefined) return await ReflectApply(r, undefined, args);
                throw new NotFound(`${full} is not stubbed (qirvo.test.stubHost("${full}", fn)) and the host does not provide it`);
              };
              MapPrototypeSet(fnCache, fname, fn);
            }
            return fn;
          },
        });
        MapPrototypeSet(nsCache, ns, p);
      }
      return p;
    },
  });
}
function stubHost(name, fn) {
  if (typeof name !== "string" || StringPrototypeIndexOf(name, ".") <= 0) {
    throw new TypeError(`stubHost expects a function name such as "orders.get", got ${show(name)}`);
  }
  if (typeof fn !== "function") throw new TypeError(`stubHost(${JSONStringify(name)}) expects a function`);
  MapPrototypeSet(hostStubs, name, fn);
}
// end HOSTAPI

// Binds the isolate to its plugin: builds the frozen `qirvo` global for its identity and
// grants. Called once by the host (JSON in), before the plugin's modules load.
function bind(infoJson) {
  if (info !== undefined) throw new TypeError("already bound");
  info = JSONParse(infoJson);
  const granted = (p) => ArrayPrototypeIncludes(info.permissions, p);
  if (granted("network-access") && op_qirvo_fetch !== undefined) {
    defineGlobal("fetch", fetch);
  }
  const fs = granted("filesystem-access") ? fsApi : undefined;
  const testMode = info.testMode === true;
  const qirvo = ObjectFreeze({
    plugin: ObjectFreeze({
      id: info.id,
      name: info.name,
      version: info.version,
      permissions: ObjectFreeze(info.permissions),
    }),
    errors,
    scheduler,
    ...(testMode ? { test: testApi, assert } : {}),
    ...(fs !== undefined ? { fs } : {}),
    // HOSTAPI (issue 14): the host's own functions (only those granted; in test mode, stubs).
    host: buildHost(info.hostFunctions ?? [], testMode),
    storage,
    events,
    log: ObjectFreeze({
      debug: logAt(0),
      info: logAt(1),
      warn: logAt(2),
      error: logAt(3),
    }),
  });
  ObjectDefineProperty(globalThis, "qirvo", {
    __proto__: null,
    value: qirvo,
    writable: false,
    enumerable: false,
    configurable: false,
  });
}

// ---------------------------------------------------------------------------------------
// Host entry points (private: reachable only from Rust)

// RUNTIME (issue 12): the same bound as the host's JSON (src/json.rs MAX_DEPTH).
const MAX_DEPTH = 1000;

// Converts a plugin's value to JSON text, refusing what JSON cannot carry faithfully.
function toJson(value) {
  const seen = new SafeSet();
  function check(v, path, depth) {
    if (depth > MAX_DEPTH) throw new TypeError(`${path} is nested more than ${MAX_DEPTH} levels deep`);
    switch (typeof v) {
      case "undefined":
      case "boolean":
      case "string":
        return;
      case "number":
        return;
      case "bigint":
        throw new TypeError(`${path} is a BigInt`);
      case "symbol":
        throw new TypeError(`${path} is a Symbol`);
      case "function":
        throw new TypeError(`${path} is a function`);
    }
    if (v === null) return;
    if (typeof v.toJSON === "function") return;
    if (SetPrototypeHas(seen, v)) throw new TypeError(`${path} is a cyclic reference`);
    SetPrototypeAdd(seen, v);
    if (ArrayIsArray(v)) {
      for (let i = 0; i < v.length; i++) check(v[i], `${path}[${i}]`, depth + 1);
    } else {
      const keys = ObjectKeys(v);
      for (let i = 0; i < keys.length; i++) check(v[keys[i]], `${path}.${keys[i]}`, depth + 1);
    }
    SetPrototypeDelete(seen, v);
  }
  check(value, "value", 0);
  const text = JSONStringify(value);
  return text === undefined ? "null" : text;
}

const cleanupTasks = [];

function makeContext(config) {
  return ObjectFreeze({
    id: info.id,
    name: info.name,
    version: info.version,
    config,
    addCleanupTask(fn) {
      if (typeof fn !== "function") throw new TypeError("addCleanupTask expects a function");
      ArrayPrototypePush(cleanupTasks, fn);
    },
  });
}

async function runCleanupTasks() {
  while (cleanupTasks.length > 0) {
    const task = ArrayPrototypePop(cleanupTasks);
    try {
      await task();
    } catch (err) {
      op_qirvo_log(3, `cleanup task failed: ${describe(err)}`);
    }
  }
}

// step: "initialize" | "start" | "stop" | "healthCheck"
async function lifecycle(step, ns, configJson) {
  nextStep();
  const plugin = ns.default;
  const target = plugin !== null && (typeof plugin === "object" || typeof plugin === "function")
    ? plugin
    : undefined;
  const method = target === undefined ? undefined : target[step];
  if (step === "initialize") {
    const ctx = makeContext(JSONParse(configJson));
    if (typeof method === "function") await ReflectApply(method, target, [ctx]);
    return "null";
  }
  if (step === "stop") {
    // `failed`, not `failure !== undefined`: `throw undefined` is a failure too (ENGINE-B).
    let failed = false;
    let failure;
    try {
      if (typeof method === "function") await ReflectApply(method, target, []);
    } catch (err) {
      failed = true;
      failure = err;
    }
    await runCleanupTasks();
    // A stopped plugin runs nothing more: its pending timers are cancelled.
    cancelAllTimers();
    if (failed) throw failure;
    return "null";
  }
  if (step === "healthCheck") {
    if (typeof method !== "function") return "true";
    return (await ReflectApply(method, target, [])) ? "true" : "false";
  }
  if (step === "start") {
    // A failed start releases what initialize set up (issue 16): its cleanup tasks run
    // (each once: they are popped), its timers stop, then the one error goes to the host.
    try {
      if (typeof method === "function") await ReflectApply(method, target, []);
    } catch (err) {
      await runCleanupTasks();
      cancelAllTimers();
      throw err;
    }
    return "null";
  }
  if (typeof method === "function") await ReflectApply(method, target, []);
  return "null";
}

// Calls an exported function with JSON arguments; resolves to JSON text, or to
// { badReturn: reason } when the result is not JSON data.
async function callExport(fn, argsJson) {
  nextStep();
  const args = JSONParse(argsJson);
  const result = await ReflectApply(fn, undefined, args);
  try {
    return toJson(result);
  } catch (err) {
    return { badReturn: err.message };
  }
}

op_qirvo_set_host(bind, lifecycle, callExport, deliverEvent, cancelStepWork, runTask, runTest);

// With debugging enabled (only then are its ops registered), the debug agent.
installDebugAgent();

// ---------------------------------------------------------------------------------------
// Seal the way back into the engine.

delete globalThis.Deno;
delete globalThis.__bootstrap;

// ENGINE-B (issue 12, family 6) begin: the engine's own globals. v8x installs its helpers on
// the global object (`__v8x*`, `__v8qjs*`, `__v82jsc*`, and `gc`); its JS captured what it
// needs when it was installed, so a plugin's global object holds only the documented names
// (tests/all/globals.rs lists them). Also gone: what is not ECMAScript, QuickJS's
// `InternalError` and v8x's `ShadowRealm` (a second realm whose global is not sealed).
{
  const { ObjectGetOwnPropertyNames, ObjectGetOwnPropertySymbols, ReflectDeleteProperty } = primordials;
  const engineOnly = ["gc", "InternalError", "ShadowRealm"];
  for (const name of new SafeArrayIterator(ObjectGetOwnPropertyNames(globalThis))) {
    if (ArrayPrototypeIncludes(engineOnly, name) || StringPrototypeStartsWith(name, "__v8")) {
      ReflectDeleteProperty(globalThis, name);
    }
  }
  // Symbol-keyed globals are internals too (the Temporal polyfill's slot accessors, which it
  // captured when it was evaluated).
  for (const key of new SafeArrayIterator(ObjectGetOwnPropertySymbols(globalThis))) {
    ReflectDeleteProperty(globalThis, key);
  }
}
// ENGINE-B end.
