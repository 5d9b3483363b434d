// The web platform of a Qirvo plugin isolate: deno_web's APIs as globals, console to the
// host's log, tracked timers, crypto randomness.
//
// Nothing here depends on the plugin: this module is evaluated into the runtime's startup
// snapshot once, and every isolate starts with it. Per-isolate setup (the time origin, the
// rejection and exception handlers, the `qirvo` global) is in bootstrap.js.

import { core, internals, primordials } from "ext:core/mod.js";

const {
  ArrayBufferIsView,
  ArrayFrom,
  ArrayPrototypeIncludes,
  MapPrototypeClear,
  MapPrototypeDelete,
  MapPrototypeEntries,
  MapPrototypeKeys,
  MapPrototypeSet,
  NumberPrototypeToString,
  ObjectDefineProperty,
  ObjectFreeze,
  ReflectApply,
  SafeArrayIterator,
  SafeMap,
  String,
  StringPrototypeEndsWith,
  StringPrototypeSlice,
  TypedArrayPrototypeGetBuffer,
  TypedArrayPrototypeGetByteLength,
  TypedArrayPrototypeGetByteOffset,
  TypedArrayPrototypeGetSymbolToStringTag,
  Uint8Array,
  globalThis,
} = primordials;

const { op_qirvo_log, op_qirvo_random_fill } = core.ops;

const consoleMod = core.loadExtScript("ext:deno_web/01_console.js");
const timers = core.loadExtScript("ext:deno_web/02_timers.js");
const url = core.loadExtScript("ext:deno_web/00_url.js");
const encoding = core.loadExtScript("ext:deno_web/08_text_encoding.js");
const base64 = core.loadExtScript("ext:deno_web/05_base64.js");
const event = core.loadExtScript("ext:deno_web/02_event.js");
const abort = core.loadExtScript("ext:deno_web/03_abort_signal.js");
const domException = core.loadExtScript("ext:deno_web/01_dom_exception.js");
const structuredCloneMod = core.loadExtScript("ext:deno_web/02_structured_clone.js");
const performanceMod = core.loadExtScript("ext:deno_web/15_performance.js");

// console.* -> the host's log (tracing + the plugin's log buffer).
function printToHost(msg, level) {
  if (StringPrototypeEndsWith(msg, "\n")) msg = StringPrototypeSlice(msg, 0, -1);
  op_qirvo_log(level, msg);
}
// Log lines are text for the host's log, never terminal colour codes.
consoleMod.setNoColorFns(() => true, () => true);
const console = new consoleMod.Console(printToHost);

function defineGlobal(name, value) {
  ObjectDefineProperty(globalThis, name, {
    __proto__: null,
    value,
    writable: true,
    enumerable: false,
    configurable: true,
  });
}

defineGlobal("console", console);
// Timers are tracked, with the host step (call, lifecycle step, event) that created them,
// so that an interrupted step's timers are cancelled with it, and stopping the plugin
// cancels every one still pending.
const { clearTimeout: rawClearTimer } = timers;
const liveTimers = new SafeMap(); // id -> step
let stepId = 0;
// A new host step (call, lifecycle step, event, task) begins.
function nextStep() {
  stepId++;
}
function trackedTimeout(callback, delay, ...args) {
  let id;
  const run = typeof callback === "function"
    ? (...a) => {
      MapPrototypeDelete(liveTimers, id);
      return ReflectApply(callback, globalThis, a);
    }
    : callback;
  id = ReflectApply(timers.setTimeout, globalThis, [run, delay, ...new SafeArrayIterator(args)]);
  MapPrototypeSet(liveTimers, id, stepId);
  return id;
}
function trackedInterval(callback, delay, ...args) {
  const id = ReflectApply(timers.setInterval, globalThis, [callback, delay, ...new SafeArrayIterator(args)]);
  MapPrototypeSet(liveTimers, id, stepId);
  return id;
}
function clearTracked(id) {
  MapPrototypeDelete(liveTimers, id);
  rawClearTimer(id);
}
function cancelAllTimers() {
  for (const id of new SafeArrayIterator(ArrayFrom(MapPrototypeKeys(liveTimers)))) rawClearTimer(id);
  MapPrototypeClear(liveTimers);
}
// The host calls this when the current step was interrupted (deadline or terminate).
function cancelStepWork() {
  for (const { 0: id, 1: step } of new SafeArrayIterator(ArrayFrom(MapPrototypeEntries(liveTimers)))) {
    if (step === stepId) clearTracked(id);
  }
}
defineGlobal("setTimeout", trackedTimeout);
defineGlobal("setInterval", trackedInterval);
defineGlobal("clearTimeout", clearTracked);
defineGlobal("clearInterval", clearTracked);
defineGlobal("URL", url.URL);
defineGlobal("URLSearchParams", url.URLSearchParams);
defineGlobal("TextEncoder", encoding.TextEncoder);
defineGlobal("TextDecoder", encoding.TextDecoder);
defineGlobal("atob", base64.atob);
defineGlobal("btoa", base64.btoa);
defineGlobal("Event", event.Event);
defineGlobal("EventTarget", event.EventTarget);
defineGlobal("CustomEvent", event.CustomEvent);
defineGlobal("ErrorEvent", event.ErrorEvent);
defineGlobal("AbortController", abort.AbortController);
defineGlobal("AbortSignal", abort.AbortSignal);
// (HARDEN, issue 12) deno's timers treat a delay over 2^31-1 ms as 1 ms (Node's overflow
// rule), so AbortSignal.timeout(2 ** 53 - 1) would abort at once. A valid delay that long
// waits the longest a timer can: 2^31-1 ms, 24.8 days. Invalid ones are still refused by
// the original ([EnforceRange]: a TypeError).
{
  const timeout = abort.AbortSignal.timeout;
  ObjectDefineProperty(abort.AbortSignal, "timeout", {
    __proto__: null,
    value: function timeout_(millis) {
      const max = 2147483647;
      const capped = typeof millis === "number" && millis > max && millis <= 9007199254740991 ? max : millis;
      return ReflectApply(timeout, this, arguments.length === 0 ? [] : [capped]);
    },
    writable: true,
    enumerable: false,
    configurable: true,
  });
  ObjectDefineProperty(abort.AbortSignal.timeout, "name", { __proto__: null, value: "timeout" });
}
defineGlobal("DOMException", domException.DOMException);
defineGlobal("structuredClone", structuredCloneMod.structuredClone);
defineGlobal("performance", performanceMod.performance);

// crypto.getRandomValues / randomUUID (Web Crypto's non-subtle part).
const INTEGER_ARRAYS = ["Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array", "Uint32Array", "BigInt64Array", "BigUint64Array"];
function getRandomValues(array) {
  const tag = ArrayBufferIsView(array) ? TypedArrayPrototypeGetSymbolToStringTag(array) : undefined;
  if (tag === undefined || !ArrayPrototypeIncludes(INTEGER_ARRAYS, tag)) {
    throw new domException.DOMException("getRandomValues expects an integer typed array", "TypeMismatchError");
  }
  if (TypedArrayPrototypeGetByteLength(array) > 65536) {
    throw new domException.QuotaExceededError(`getRandomValues: ${TypedArrayPrototypeGetByteLength(array)} bytes is more than 65536`);
  }
  op_qirvo_random_fill(new Uint8Array(TypedArrayPrototypeGetBuffer(array), TypedArrayPrototypeGetByteOffset(array), TypedArrayPrototypeGetByteLength(array)));
  return array;
}
function randomUUID() {
  const b = new Uint8Array(16);
  op_qirvo_random_fill(b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  let hex = "";
  for (let i = 0; i < 16; i++) {
    hex += NumberPrototypeToString(b[i] + 0x100, 16).slice(1);
    if (i === 3 || i === 5 || i === 7 || i === 9) hex += "-";
  }
  return hex;
}
defineGlobal("crypto", ObjectFreeze({ getRandomValues, randomUUID }));

// Errors that escape a timer callback or a promise nobody awaits are logged against the
// plugin; they never take the plugin (or the host) down.
function describe(err) {
  try {
    if (err && typeof err === "object" && typeof err.stack === "string") return err.stack;
    return String(err);
  } catch {
    return "<unprintable error>";
  }
}


// For bootstrap.js, through deno_core's internals (not reachable by plugin code): a module
// in the startup snapshot is not imported again by the modules evaluated after it.
internals.qirvoWeb = ObjectFreeze({
  abort,
  base64,
  cancelAllTimers,
  cancelStepWork,
  console,
  consoleMod,
  defineGlobal,
  describe,
  domException,
  encoding,
  event,
  nextStep,
  performanceMod,
  structuredCloneMod,
  timers,
  url,
});
