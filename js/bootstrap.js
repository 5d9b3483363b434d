// The JS side of a Qirvo plugin isolate.
//
// Runs once per isolate, before any plugin code: installs the web APIs a plugin may use,
// builds the frozen `qirvo` global from permission-gated ops, hands the host its private
// entry points (lifecycle steps and export calls) through an op, and then removes every
// way back into the engine (`Deno`, `__bootstrap`, the op table). Each capability's JS is a
// module of its own beside this one (js/storage.js, events.js, scheduler.js, fs.js,
// errors.js, log.js, host_api.js, testing.js; names.js is shared); they are evaluated
// first, as this module's imports.

import { core, internals, primordials } from "ext:core/mod.js";
import { installDebugAgent } from "ext:qirvo/debug.js";
// The capabilities behind `qirvo`, one module each (js/<capability>.js).
// names.js first: storage, events and fs use its helper (see js/storage.js).
import "ext:qirvo/names.js";
import { logAt } from "ext:qirvo/log.js";
import { storage } from "ext:qirvo/storage.js";
import { deliverEvent, events } from "ext:qirvo/events.js";
import { errors } from "ext:qirvo/errors.js";
import { fsApi } from "ext:qirvo/fs.js";
import { runTask, scheduler } from "ext:qirvo/scheduler.js";
import { assert, makeTestApi, runTest } from "ext:qirvo/testing.js";
import { buildHost, stubHost } from "ext:qirvo/host_api.js"; // HOSTAPI (issue 14)

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
  ArrayPrototypeIncludes,
  SafeArrayIterator,
  StringPrototypeStartsWith,
  SafeSet,
  SetPrototypeAdd,
  SetPrototypeDelete,
  SetPrototypeHas,
  TypeError,
  globalThis,
} = primordials;

const {
  op_qirvo_log,
  op_qirvo_uncaught,
  op_qirvo_set_host,
  op_qirvo_fetch,
  op_qirvo_fetch_abort_handle,
  op_qirvo_fetch_abort,
} = core.ops;

// The web platform, from js/web.js (in the startup snapshot when there is one).
const {
  cancelAllTimers,
  cancelStepWork,
  defineGlobal,
  describe,
  nextStep,
  performanceMod,
} = internals.qirvoWeb;

// ---------------------------------------------------------------------------------------
// Web platform (from the startup snapshot when there is one), and its per-isolate setup.

performanceMod.setTimeOrigin();
// Intl's locale methods on the intrinsics (Number/Date/String/... toLocale*, localeCompare):
// an isolate made from the snapshot has fresh intrinsic prototypes (js/intl.js). Absent
// on the v8 engine, whose Intl is V8's own.
internals.installIntlLocaleMethods?.();
// Errors that end background work: logged, and checked for escape signals (issue 17).
core.setUnhandledPromiseRejectionHandler((_promise, reason) => {
  op_qirvo_uncaught("Unhandled promise rejection", describe(reason));
  return true;
});
core.setReportExceptionCallback((err) => {
  op_qirvo_uncaught("Uncaught exception", describe(err));
});

// ---------------------------------------------------------------------------------------
// The `qirvo` global

// The plugin this isolate runs: set once by `bind` (from the host, before any plugin code),
// so an isolate can be warmed before it knows its plugin.
let info;

// ---------------------------------------------------------------------------------------
// Headers / Request / Response, and fetch (only with network-access): js/fetch.js (issue
// 15), in the startup snapshot; here only this isolate's `fetch` over its fetch ops.
const { makeFetch, fetchStubs } = internals.qirvoFetch;
const fetch = makeFetch({ op_qirvo_fetch, op_qirvo_fetch_abort_handle, op_qirvo_fetch_abort });

// ---------------------------------------------------------------------------------------
// Test mode: `qirvo.test`, with the stubs of fetch and of the host API.
const testApi = makeTestApi({
  stubFetch(pattern, response) {
    ArrayPrototypePush(fetchStubs, { pattern, response });
  },
  stubHost, // HOSTAPI (issue 14)
});

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
