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
  FunctionPrototypeCall,
  ObjectGetOwnPropertySymbols,
  ObjectPrototypeIsPrototypeOf,
  Symbol,
  SymbolPrototypeGetDescription,
  SymbolToStringTag,
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

const { op_qirvo_log, op_qirvo_random_fill, op_qirvo_user_agent } = core.ops;

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
defineGlobal("performance", performanceMod.performance);

// ---------------------------------------------------------------------------------------
// WEB (issue 15): the rest of the web platform a plugin author expects from Deno or a
// Worker. All of it is deno_web's code, evaluated here, so it lives in the startup
// snapshot: an isolate pays for it in snapshot size, not in start-up time.
const streams = core.loadExtScript("ext:deno_web/06_streams.js");
const file = core.loadExtScript("ext:deno_web/09_file.js");
const fileReader = core.loadExtScript("ext:deno_web/10_filereader.js");
const compression = core.loadExtScript("ext:deno_web/14_compression.js");
const urlPattern = core.loadExtScript("ext:deno_web/01_urlpattern.js");
const webidl = core.loadExtScript("ext:deno_webidl/00_webidl.js");

for (
  const name of new SafeArrayIterator([
    "ReadableStream",
    "ReadableStreamDefaultReader",
    "ReadableStreamBYOBReader",
    "ReadableStreamBYOBRequest",
    "ReadableStreamDefaultController",
    "ReadableByteStreamController",
    "WritableStream",
    "WritableStreamDefaultWriter",
    "WritableStreamDefaultController",
    "TransformStream",
    "TransformStreamDefaultController",
    "ByteLengthQueuingStrategy",
    "CountQueuingStrategy",
  ])
) defineGlobal(name, streams[name]);
defineGlobal("TextEncoderStream", encoding.TextEncoderStream);
defineGlobal("TextDecoderStream", encoding.TextDecoderStream);
defineGlobal("Blob", file.Blob);
defineGlobal("File", file.File);
defineGlobal("FileReader", fileReader.FileReader);
defineGlobal("ProgressEvent", event.ProgressEvent);
defineGlobal("CompressionStream", compression.CompressionStream);
defineGlobal("DecompressionStream", compression.DecompressionStream);
defineGlobal("URLPattern", urlPattern.URLPattern);

// Errors that ops raise as DOMExceptions (deno_error classes "DOMException<Name>"), e.g.
// atob("a") -> InvalidCharacterError. Without a builder the plugin saw `undefined`.
for (
  const name of new SafeArrayIterator([
    "InvalidCharacterError",
    "InvalidStateError",
    "IndexSizeError",
    "SyntaxError",
    "NotSupportedError",
    "OperationError",
    "DataError",
    "NetworkError",
    "AbortError",
    "TimeoutError",
    "QuotaExceededError",
    "NotFoundError",
    "TypeMismatchError",
    "InvalidAccessError",
  ])
) {
  core.registerErrorBuilder(`DOMException${name}`, (msg) => new domException.DOMException(msg, name));
}

// The global scope is an EventTarget, as a worker's is: `addEventListener`,
// `removeEventListener` and `dispatchEvent` work on `globalThis` (and called bare). Its
// prototype is an object of its own that inherits EventTarget.prototype and carries the
// WebIDL brand (bootstrap.js deletes the global object's own symbol-keyed properties).
// deno_web resolves a bare call's `this` to the global it was given here.
{
  const { ObjectCreate, ObjectSetPrototypeOf } = primordials;
  const globalScopePrototype = ObjectCreate(event.EventTarget.prototype);
  ObjectDefineProperty(globalScopePrototype, webidl.brand, { __proto__: null, value: webidl.brand });
  ObjectSetPrototypeOf(globalThis, globalScopePrototype);
  event.saveGlobalThisReference(globalThis);
}
// An exception nobody handled: a listener's (EventTarget, MessagePort, ...), or one that
// reportError reported, after the global's `error` listeners left it not canceled. deno_web
// would end the event loop with it (src/isolate/snapshot.rs routes it here); a plugin's
// uncaught exception is a line in its error log, and the plugin carries on.
internals.qirvoReportUnhandled = (error) => {
  op_qirvo_log(3, `Uncaught exception: ${describe(error)}`);
};
// reportError(e): fires an `error` ErrorEvent (cancelable; `error` is e) at the global
// scope; unless a listener cancels it (preventDefault), e is logged as an uncaught
// exception (the plugin's error log line). It never throws e again, and never ends the
// plugin.
defineGlobal("reportError", event.reportError);

// atob: forgiving-base64 decodes only the standard alphabet; deno_web's decoder also takes
// base64url's `-` and `_` (atob("--") returned bytes instead of throwing).
{
  const { RegExpPrototypeTest } = primordials;
  const urlAlphabet = /[-_]/;
  const atob = function atob(data) {
    const prefix = "Failed to execute 'atob'";
    webidl.requiredArguments(arguments.length, 1, prefix);
    data = webidl.converters.DOMString(data, prefix, "Argument 1");
    if (RegExpPrototypeTest(urlAlphabet, data)) {
      throw new domException.DOMException("Failed to decode base64: invalid character", "InvalidCharacterError");
    }
    return base64.atob(data);
  };
  defineGlobal("atob", atob);
}

// MessageChannel / MessagePort (deno_web's, over its message-port ops), and the
// structuredClone that goes with them: it takes `{ transfer }` (ArrayBuffers and
// MessagePorts), which detaches what it transfers.
const messagePort = core.loadExtScript("ext:deno_web/13_message_port.js");
defineGlobal("MessageChannel", messagePort.MessageChannel);
defineGlobal("MessagePort", messagePort.MessagePort);
// Node's ref()/unref()/hasRef() (whether a port keeps a Node process alive) mean nothing to
// a plugin, whose isolate lives as long as the plugin is loaded.
for (const name of new SafeArrayIterator(["ref", "unref", "hasRef"])) delete messagePort.MessagePort.prototype[name];
defineGlobal("MessageEvent", event.MessageEvent);
defineGlobal("structuredClone", messagePort.structuredClone);
// PORTFIX (issue 15 review) begin: the serialized bytes of the messages waiting in this
// isolate's MessagePorts (they sit in deno_web's Rust channel, outside the JS heap), at
// most the plugin's resources.memory; 13_message_port.js calls these (snapshot.rs,
// PORT_QUEUE). A post past the bound throws a DataCloneError and queues nothing.
{
  let queued = 0;
  let budget = -1;
  // What the channel keeps per message besides its bytes (the buffer's backing store and
  // the channel's slot): measured ~175 bytes a message for a flood of postMessage(0).
  const PER_MESSAGE = 256;
  const sizeOf = (data) =>
    PER_MESSAGE +
    (ArrayBufferIsView(data) ? TypedArrayPrototypeGetByteLength(data) : TypedArrayPrototypeGetByteLength(data.data));
  internals.qirvoPortPosting = (buffer) => {
    if (budget < 0) budget = core.ops.op_qirvo_port_budget();
    const bytes = PER_MESSAGE + TypedArrayPrototypeGetByteLength(buffer);
    if (bytes > budget - queued) {
      throw new domException.DOMException(
        `MessagePort.postMessage: ${bytes} bytes would take the messages waiting in this plugin's ` +
          `ports past its resources.memory limit of ${budget} bytes (${queued} bytes are waiting)`,
        "DataCloneError",
      );
    }
    queued += bytes;
  };
  internals.qirvoPortTaken = (data) => {
    queued = MathMax(0, queued - sizeOf(data));
  };
}
// PORTFIX end

// navigator: only what is true of a plugin. Its JS runs on one thread, so
// hardwareConcurrency is 1 (a library sizing a worker pool gets the truth).
const illegal = Symbol("illegal constructor");
class Navigator {
  constructor(key = undefined) {
    if (key !== illegal) throw new TypeError("Illegal constructor");
  }
  get userAgent() {
    if (!ObjectPrototypeIsPrototypeOf(NavigatorPrototype, this)) throw new TypeError("Illegal invocation");
    return op_qirvo_user_agent();
  }
  get hardwareConcurrency() {
    if (!ObjectPrototypeIsPrototypeOf(NavigatorPrototype, this)) throw new TypeError("Illegal invocation");
    return 1;
  }
}
const NavigatorPrototype = Navigator.prototype;
ObjectDefineProperty(NavigatorPrototype, SymbolToStringTag, { __proto__: null, value: "Navigator", configurable: true });
defineGlobal("Navigator", Navigator);
defineGlobal("navigator", new Navigator(illegal));

// Event.timeStamp (ms since the time origin, like performance.now()) and the legacy
// initEvent(). deno_web's Event keeps its state under private symbols and leaves timeStamp
// at 0; they are found on a sample event, and the constructor's assignment of the
// attribute record goes through a setter on the prototype that stamps the time.
{
  const sample = new event.Event("sample");
  const sym = {};
  for (const s of new SafeArrayIterator(ObjectGetOwnPropertySymbols(sample))) sym[SymbolPrototypeGetDescription(s)] = s;
  const attributes = sym["[[attributes]]"];
  const now = performanceMod.performance.now;
  const perf = performanceMod.performance;
  ObjectDefineProperty(event.Event.prototype, attributes, {
    __proto__: null,
    set(value) {
      if (value !== null && typeof value === "object") value.timeStamp = FunctionPrototypeCall(now, perf);
      ObjectDefineProperty(this, attributes, { __proto__: null, value, writable: true, enumerable: true, configurable: true });
    },
    configurable: true,
  });
  const isEvent = (e) => ObjectPrototypeIsPrototypeOf(event.Event.prototype, e);
  ObjectDefineProperty(event.Event.prototype, "initEvent", {
    __proto__: null,
    value: function initEvent(type, bubbles = false, cancelable = false) {
      if (!isEvent(this)) throw new TypeError("Illegal invocation");
      webidl.requiredArguments(arguments.length, 1, "Failed to execute 'initEvent' on 'Event'");
      if (this[sym["[[dispatched]]"]]) return;
      const a = this[attributes];
      a.type = webidl.converters.DOMString(type, "Failed to execute 'initEvent' on 'Event'", "Argument 1");
      a.bubbles = !!bubbles;
      a.cancelable = !!cancelable;
      a.target = null;
      this[sym["[[stopPropagationFlag]]"]] = false;
      this[sym["[[stopImmediatePropagationFlag]]"]] = false;
      this[sym["[[canceledFlag]]"]] = false;
      this[sym["[[isTrusted]]"]] = false;
    },
    writable: true,
    enumerable: true,
    configurable: true,
  });
}
// end WEB (issue 15)

// CRYPTO (issue 15): the Web Crypto API is deno_crypto's (`crypto`, `Crypto`, `SubtleCrypto`,
// `CryptoKey`), evaluated into the startup snapshot. Its `crypto` object is a native
// (cppgc) object that cannot be made while the snapshot is built, so `globalThis.crypto` is
// a getter that makes it on first use: a plugin that never touches `crypto` pays nothing.
// deno_crypto brands each CryptoKey with ext/node's `kKeyObject`; Qirvo has no ext/node, so
// a symbol of its own stands in.
const { ArrayIsArray, ArrayPrototypeJoin, MathCeil, MathMax, StringPrototypeToUpperCase } = primordials;
if (internals.kKeyObject === undefined) internals.kKeyObject = Symbol("kKeyObject");
const cryptoMod = core.loadExtScript("ext:deno_crypto/00_crypto.js");

// deno_crypto runs each job on tokio's blocking pool, where neither the plugin's deadline nor
// its heap limit reaches, and the isolate's thread waits for those jobs when the plugin
// stops. So work that would hold a thread for minutes, or allocate outside the heap, is
// refused up front with an OperationError naming the limit:
// - PBKDF2: iterations x output blocks (a block is one hash length) above 5,000,000, about
//   3 s of one core for SHA-1 on the CI machine (a step's default deadline is 5 s; OWASP's
//   2023 advice is 600,000 iterations for SHA-256), and output above 1,048,576 bits;
// - HMAC keys (generateKey, deriveKey) above 1,048,576 bits;
// - RSA keys (generateKey) above 8192 bits (16384 takes minutes to generate).
// The checked members are read once and passed on as own data properties of a copy whose
// prototype is the caller's object, so a getter cannot show the check one value and
// deno_crypto another.
const CRYPTO_PBKDF2_WORK = 5_000_000;
const CRYPTO_MAX_BITS = 1_048_576;
const CRYPTO_MAX_RSA_BITS = 8192;
const CRYPTO_HASH_BYTES = { __proto__: null, "SHA-1": 20, "SHA-256": 32, "SHA-384": 48, "SHA-512": 64 };
function cryptoRefuse(message) {
  throw new domException.DOMException(message, "OperationError");
}
// `{ name, ...pinned }` over `algorithm` when it is a dictionary; a string is returned as is.
function cryptoPin(algorithm) {
  if (algorithm === null || (typeof algorithm !== "object" && typeof algorithm !== "function")) {
    return { algorithm, name: typeof algorithm === "string" ? StringPrototypeToUpperCase(algorithm) : "" };
  }
  const raw = algorithm.name;
  if (raw === undefined) return { algorithm, name: "" };
  const name = `${raw}`;
  return { algorithm: { __proto__: algorithm, name }, name: StringPrototypeToUpperCase(name) };
}
function cryptoPinNumber(pinned, member) {
  const value = pinned.algorithm[member];
  if (value === undefined) return undefined;
  const n = +value;
  ObjectDefineProperty(pinned.algorithm, member, { __proto__: null, value: n, writable: true, enumerable: true, configurable: true });
  return n;
}
function cryptoHashBytes(pinned) {
  const hash = pinned.algorithm.hash;
  const raw = hash !== null && typeof hash === "object" ? hash.name : hash;
  if (raw === undefined) return 20;
  const hashName = `${raw}`;
  ObjectDefineProperty(pinned.algorithm, "hash", { __proto__: null, value: hashName, writable: true, enumerable: true, configurable: true });
  return CRYPTO_HASH_BYTES[StringPrototypeToUpperCase(hashName)] ?? 20;
}
// Checks a PBKDF2 derivation of `bits` bits; `pinned` is the pinned PBKDF2 params.
function cryptoCheckPbkdf2(pinned, bits) {
  const iterations = cryptoPinNumber(pinned, "iterations");
  const hashBytes = cryptoHashBytes(pinned);
  if (typeof bits === "number" && bits > CRYPTO_MAX_BITS) {
    cryptoRefuse(`PBKDF2: a length of ${bits} bits is more than Qirvo derives (${CRYPTO_MAX_BITS})`);
  }
  const blocks = MathCeil((typeof bits === "number" && bits > 0 ? bits : 0) / 8 / hashBytes);
  if (typeof iterations === "number" && iterations * MathMax(blocks, 1) > CRYPTO_PBKDF2_WORK) {
    cryptoRefuse(`PBKDF2: ${iterations} iterations for ${blocks} block(s) is more work than Qirvo does in one call (iterations x blocks at most ${CRYPTO_PBKDF2_WORK})`);
  }
}
// Checks an HMAC key's `length` (generateKey, deriveKey's derived key type).
function cryptoCheckHmacLength(pinned) {
  const length = cryptoPinNumber(pinned, "length");
  if (typeof length === "number" && length > CRYPTO_MAX_BITS) {
    cryptoRefuse(`HMAC: a key of ${length} bits is more than Qirvo makes (${CRYPTO_MAX_BITS})`);
  }
  return length;
}
// `keyUsages` is a sequence of the KeyUsage enum: WebIDL refuses a value outside it with a
// TypeError (deno_crypto throws a SyntaxError, the error for a usage the key cannot have).
const CRYPTO_KEY_USAGES = ["encrypt", "decrypt", "sign", "verify", "deriveKey", "deriveBits", "wrapKey", "unwrapKey"];
function cryptoCheckUsages(keyUsages) {
  if (!ArrayIsArray(keyUsages)) return keyUsages;
  const copy = ArrayFrom(new SafeArrayIterator(keyUsages));
  for (let i = 0; i < copy.length; i++) {
    const usage = `${copy[i]}`;
    if (!ArrayPrototypeIncludes(CRYPTO_KEY_USAGES, usage)) {
      throw new TypeError(`'${usage}' is not a valid key usage (one of ${ArrayPrototypeJoin(CRYPTO_KEY_USAGES, ", ")})`);
    }
    copy[i] = usage;
  }
  return copy;
}
{
  const SubtleCryptoPrototype = cryptoMod.SubtleCrypto.prototype;
  const { deriveBits, deriveKey, generateKey, importKey, unwrapKey } = SubtleCryptoPrototype;
  const wrapped = {
    async importKey(format, keyData, algorithm, extractable, keyUsages) {
      return await ReflectApply(importKey, this, [format, keyData, algorithm, extractable, cryptoCheckUsages(keyUsages)]);
    },
    async unwrapKey(format, wrappedKey, unwrappingKey, unwrapAlgorithm, unwrappedKeyAlgorithm, extractable, keyUsages) {
      return await ReflectApply(unwrapKey, this, [format, wrappedKey, unwrappingKey, unwrapAlgorithm, unwrappedKeyAlgorithm, extractable, cryptoCheckUsages(keyUsages)]);
    },
    async deriveBits(algorithm, baseKey, length = undefined) {
      const pinned = cryptoPin(algorithm);
      if (pinned.name === "PBKDF2") {
        if (length !== undefined && length !== null) length = +length;
        cryptoCheckPbkdf2(pinned, length);
      }
      return await ReflectApply(deriveBits, this, [pinned.algorithm, baseKey, length]);
    },
    async deriveKey(algorithm, baseKey, derivedKeyType, extractable, keyUsages) {
      const pinned = cryptoPin(algorithm);
      const derived = cryptoPin(derivedKeyType);
      let bits = 256;
      if (derived.name === "HMAC") bits = cryptoCheckHmacLength(derived) ?? 1024;
      if (pinned.name === "PBKDF2") cryptoCheckPbkdf2(pinned, bits);
      return await ReflectApply(deriveKey, this, [pinned.algorithm, baseKey, derived.algorithm, extractable, cryptoCheckUsages(keyUsages)]);
    },
    async generateKey(algorithm, extractable, keyUsages) {
      const pinned = cryptoPin(algorithm);
      if (pinned.name === "HMAC") cryptoCheckHmacLength(pinned);
      if (pinned.name === "RSASSA-PKCS1-V1_5" || pinned.name === "RSA-PSS" || pinned.name === "RSA-OAEP") {
        const bits = cryptoPinNumber(pinned, "modulusLength");
        if (typeof bits === "number" && bits > CRYPTO_MAX_RSA_BITS) {
          cryptoRefuse(`${pinned.algorithm.name}: a modulusLength of ${bits} bits is more than Qirvo generates (${CRYPTO_MAX_RSA_BITS})`);
        }
      }
      return await ReflectApply(generateKey, this, [pinned.algorithm, extractable, cryptoCheckUsages(keyUsages)]);
    },
  };
  // Each keeps its name and the `length` WebIDL gives it.
  for (const { 0: name, 1: arity } of new SafeArrayIterator([["deriveBits", 2], ["deriveKey", 5], ["generateKey", 3], ["importKey", 5], ["unwrapKey", 7]])) {
    ObjectDefineProperty(wrapped[name], "length", { __proto__: null, value: arity, configurable: true });
    ObjectDefineProperty(SubtleCryptoPrototype, name, {
      __proto__: null,
      value: wrapped[name],
      writable: true,
      enumerable: true,
      configurable: true,
    });
  }
}

// `crypto` is [SameObject] and read-only on the global scope (the WebCrypto spec, section 10); assigning to it
// replaces it for the plugin, as in browsers' sloppy mode and Deno.
//
// deno_crypto's classes carry internal statics (`Crypto.create`, `Crypto.registerSymbols`,
// `SubtleCrypto.create`, `CryptoKey.importSync`/`exportNodeMaterial`/`fromCloneData`) that
// its JS calls on the classes. A plugin does not see them: they are taken off the classes
// here, put back only while the `crypto` singleton is made (native code only, no plugin
// code runs in between), and the CryptoKey structured-clone hook calls its own copy.
const cryptoStatics = [];
{
  const { ArrayPrototypePush, ObjectGetOwnPropertyDescriptor, ReflectDeleteProperty } = primordials;
  let fromCloneData;
  for (
    const { 0: C, 1: names } of new SafeArrayIterator([
      [cryptoMod.Crypto, ["create", "registerSymbols"]],
      [cryptoMod.SubtleCrypto, ["create"]],
      [cryptoMod.CryptoKey, ["exportNodeMaterial", "fromCloneData", "importSync"]],
    ])
  ) {
    for (const name of new SafeArrayIterator(names)) {
      const desc = ObjectGetOwnPropertyDescriptor(C, name);
      if (desc === undefined) continue;
      if (name === "fromCloneData") fromCloneData = desc.value;
      ArrayPrototypePush(cryptoStatics, [C, name, desc]);
      ReflectDeleteProperty(C, name);
    }
  }
  if (fromCloneData !== undefined) {
    core.getCloneableDeserializers().CryptoKey = (data) => FunctionPrototypeCall(fromCloneData, cryptoMod.CryptoKey, data);
  }
}
let cryptoSingleton;
function makeCryptoSingleton() {
  const { ReflectDeleteProperty } = primordials;
  for (const { 0: C, 1: name, 2: desc } of new SafeArrayIterator(cryptoStatics)) ObjectDefineProperty(C, name, desc);
  try {
    return cryptoMod.crypto;
  } finally {
    for (const { 0: C, 1: name } of new SafeArrayIterator(cryptoStatics)) ReflectDeleteProperty(C, name);
  }
}
ObjectDefineProperty(globalThis, "crypto", {
  __proto__: null,
  get() {
    return cryptoSingleton ??= makeCryptoSingleton();
  },
  set(value) {
    defineGlobal("crypto", value);
  },
  enumerable: false,
  configurable: true,
});
// Each class is its prototype's `constructor` (`key.constructor === CryptoKey`). v8x made
// the prototype's `constructor` the function of the latest FunctionTemplate::GetFunction
// call, which need not be the class exposed here (the engine keeps the first one now;
// vendor/PATCHES.md, v8x-template-constructor.patch).
for (const C of new SafeArrayIterator([cryptoMod.Crypto, cryptoMod.SubtleCrypto, cryptoMod.CryptoKey])) {
  ObjectDefineProperty(C.prototype, "constructor", { __proto__: null, value: C, writable: true, enumerable: false, configurable: true });
}
defineGlobal("Crypto", cryptoMod.Crypto);
defineGlobal("SubtleCrypto", cryptoMod.SubtleCrypto);
defineGlobal("CryptoKey", cryptoMod.CryptoKey);
// end CRYPTO

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
  compression,
  encoding,
  event,
  file,
  fileReader,
  nextStep,
  performanceMod,
  streams,
  structuredCloneMod,
  timers,
  url,
  urlPattern,
});
