//! What a plugin's global object holds (issue 12, family 6): exactly the documented names
//! (README "What a plugin sees") and the ECMAScript globals, nothing of the engine's own
//! (`__v8x_snapshot_intrinsics`, `__v8xPostForegroundTask`, `gc`, …). The full list is
//! written out here, so a new leak fails the test.

use serde_json::json;

use crate::helpers::*;

/// The ECMAScript globals QuickJS-ng provides (ES2025, explicit resource management and
/// `Temporal`/`Float16Array`, which it ships). Not here: QuickJS's `InternalError` and v8x's
/// `ShadowRealm`, which are not ECMAScript and are removed.
const ECMASCRIPT: &[&str] = &[
    "AggregateError",
    "Array",
    "ArrayBuffer",
    "AsyncDisposableStack",
    "Atomics",
    "BigInt",
    "BigInt64Array",
    "BigUint64Array",
    "Boolean",
    "DataView",
    "Date",
    "DisposableStack",
    "Error",
    "EvalError",
    "FinalizationRegistry",
    "Float16Array",
    "Float32Array",
    "Float64Array",
    "Function",
    "Infinity",
    "Int16Array",
    "Int32Array",
    "Int8Array",
    "Intl",
    "Iterator",
    "JSON",
    "Map",
    "Math",
    "NaN",
    "Number",
    "Object",
    "Promise",
    "Proxy",
    "RangeError",
    "ReferenceError",
    "Reflect",
    "RegExp",
    "Set",
    "SharedArrayBuffer",
    "String",
    "SuppressedError",
    "Symbol",
    "SyntaxError",
    "Temporal",
    "TypeError",
    "URIError",
    "Uint16Array",
    "Uint32Array",
    "Uint8Array",
    "Uint8ClampedArray",
    "WeakMap",
    "WeakRef",
    "WeakSet",
    "WebAssembly",
    "decodeURI",
    "decodeURIComponent",
    "encodeURI",
    "encodeURIComponent",
    "escape",
    "eval",
    "globalThis",
    "isFinite",
    "isNaN",
    "parseFloat",
    "parseInt",
    "undefined",
    "unescape",
];

/// What Qirvo adds for every plugin (README "What a plugin sees").
const QIRVO: &[&str] = &[
    "AbortController",
    "AbortSignal",
    "Blob",
    "ByteLengthQueuingStrategy",
    "CompressionStream",
    "CountQueuingStrategy",
    "Crypto",
    "CryptoKey",
    "CustomEvent",
    "DOMException",
    "DecompressionStream",
    "ErrorEvent",
    "Event",
    "EventTarget",
    "File",
    "FileReader",
    "FormData",
    "Headers",
    "MessageChannel",
    "MessageEvent",
    "MessagePort",
    "Navigator",
    "ProgressEvent",
    "ReadableByteStreamController",
    "ReadableStream",
    "ReadableStreamBYOBReader",
    "ReadableStreamBYOBRequest",
    "ReadableStreamDefaultController",
    "ReadableStreamDefaultReader",
    "Request",
    "Response",
    "SubtleCrypto",
    "TextDecoder",
    "TextDecoderStream",
    "TextEncoder",
    "TextEncoderStream",
    "TransformStream",
    "TransformStreamDefaultController",
    "URL",
    "URLPattern",
    "URLSearchParams",
    "WritableStream",
    "WritableStreamDefaultController",
    "WritableStreamDefaultWriter",
    "atob",
    "btoa",
    "clearInterval",
    "clearTimeout",
    "console",
    "crypto",
    "navigator",
    "performance",
    "qirvo",
    "queueMicrotask",
    "reportError",
    "setInterval",
    "setTimeout",
    "structuredClone",
];

const INSPECT: &str = r#"
export function globals() {
  const chain = [];
  for (let p = Object.getPrototypeOf(globalThis); p !== null; p = Object.getPrototypeOf(p)) {
    chain.push({
      isObjectPrototype: p === Object.prototype,
      isEventTargetPrototype: p === EventTarget.prototype,
      names: Object.getOwnPropertyNames(p).sort(),
      symbols: Object.getOwnPropertySymbols(p).map(String),
    });
  }
  const hidden = ["__v8x_snapshot_intrinsics", "__v8xPostForegroundTask", "__v8x_import_source",
    "__v8x_import_defer", "__v8xAtomicsRegisterWaiter", "__v8xAtomicsNotifyWaiters",
    "__v8xAtomicsCancelWaiter", "__v8xAtomicsNumWaitersForTesting",
    "__v8xAtomicsNumUnresolvedAsyncPromisesForTesting", "__v8xTemporalTimeZone",
    "__v8x_snapshot_module_exports", "__v8x_snapshot_context_data", "gc", "Deno", "__bootstrap",
    "InternalError", "ShadowRealm"];
  return {
    names: Object.getOwnPropertyNames(globalThis).sort(),
    symbols: Object.getOwnPropertySymbols(globalThis).map(String),
    chain,
    // Reachable by name, even if not listed (a getter, an unlisted binding)?
    reachable: hidden.filter((n) => {
      try {
        return typeof globalThis[n] !== "undefined" || n in globalThis || typeof eval(n) !== "undefined";
      } catch {
        return false;
      }
    }),
  };
}

// The engine's helpers still work with their globals gone.
export async function engineStillWorks() {
  const sab = new Int32Array(new SharedArrayBuffer(16));
  const waited = Atomics.waitAsync(sab, 0, 0, 1000);
  Atomics.notify(sab, 0, 1);
  const woken = waited.async ? await waited.value : waited.value;
  const date = new Intl.DateTimeFormat("en-US", { timeZone: "UTC" }).format(new Date(0));
  return { woken, date: typeof date, instant: typeof Temporal.Now.instant().epochMilliseconds };
}
"#;

fn expected(extra: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = ECMASCRIPT
        .iter()
        .chain(QIRVO)
        .chain(extra)
        .map(|s| s.to_string())
        .collect();
    names.sort();
    names
}

fn diff(actual: &[String], expected: &[String]) -> String {
    let extra: Vec<_> = actual.iter().filter(|n| !expected.contains(n)).collect();
    let missing: Vec<_> = expected.iter().filter(|n| !actual.contains(n)).collect();
    format!("not documented: {extra:?}; missing: {missing:?}")
}

async fn inspect(manifest: serde_json::Value) -> serde_json::Value {
    let (rt, _logs) = runtime();
    let dir = write_plugin(manifest, INSPECT);
    let p = rt.load(dir.path()).await.unwrap();
    let seen = p.call("globals", vec![]).await.unwrap();
    let works = p.call("engineStillWorks", vec![]).await.unwrap();
    assert_eq!(
        works,
        json!({ "woken": "ok", "date": "string", "instant": "number" }),
        "Atomics.waitAsync, Intl and Temporal work without the engine's globals"
    );
    p.unload().await.unwrap();
    seen
}

fn names(v: &serde_json::Value) -> Vec<String> {
    serde_json::from_value(v.clone()).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_plugin_sees_exactly_the_documented_globals() {
    let seen = inspect(json!({ "id": "globals", "version": "1.0.0", "main": "main.js" })).await;
    let actual = names(&seen["names"]);
    let want = expected(&[]);
    assert_eq!(actual, want, "{}", diff(&actual, &want));
    assert_eq!(seen["symbols"], json!([]), "symbol-keyed globals");
    assert_eq!(
        seen["reachable"],
        json!([]),
        "engine internals reachable by name"
    );

    // globalThis is an EventTarget (WEB, issue 15): it inherits from a prototype of its own
    // that holds nothing but the WebIDL brand, then EventTarget.prototype, then
    // Object.prototype, which holds only its standard members.
    let chain = seen["chain"].as_array().unwrap();
    assert_eq!(chain.len(), 3, "prototype chain of globalThis: {chain:?}");
    assert_eq!(chain[0]["names"], json!([]), "the global scope's prototype");
    assert_eq!(chain[0]["symbols"], json!(["Symbol([[webidl.brand]])"]));
    assert_eq!(chain[1]["isEventTargetPrototype"], json!(true));
    let chain = &chain[2..];
    assert_eq!(chain[0]["isObjectPrototype"], json!(true));
    let mut object_prototype = vec![
        "__defineGetter__",
        "__defineSetter__",
        "__lookupGetter__",
        "__lookupSetter__",
        "__proto__",
        "constructor",
        "hasOwnProperty",
        "isPrototypeOf",
        "propertyIsEnumerable",
        "toLocaleString",
        "toString",
        "valueOf",
    ];
    object_prototype.sort();
    assert_eq!(names(&chain[0]["names"]), object_prototype);
    assert_eq!(chain[0]["symbols"], json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_granted_capability_adds_only_its_global() {
    let seen = inspect(json!({
        "id": "globals-net",
        "version": "1.0.0",
        "main": "main.js",
        "permissions": ["network-access"],
        "network": { "allowedHosts": ["127.0.0.1"] }
    }))
    .await;
    let actual = names(&seen["names"]);
    let want = expected(&["fetch"]);
    assert_eq!(actual, want, "{}", diff(&actual, &want));
    assert_eq!(seen["reachable"], json!([]));
}
