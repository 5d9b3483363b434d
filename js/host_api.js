// HOSTAPI (issue 14): qirvo.host.<namespace>.<function>(...args), the host's own API.
// Only the functions the plugin's grants cover exist; the ops check the grant again.
// SECURITY (issue 17): a read of a function the host registered but the plugin was not
// granted throws qirvo.errors.PermissionDenied (and the runtime records it); names the host
// never registered are plain absent.
//
// A module of the per-isolate `qirvo` extension (src/ext/host.rs), imported by bootstrap.js,
// which assembles the frozen `qirvo` global; evaluated before any plugin code, while the
// op table is still reachable.

import { core, internals, primordials } from "ext:core/mod.js";

const {
  ArrayIsArray,
  JSONParse,
  JSONStringify,
  ObjectFreeze,
  ObjectKeys,
  ReflectApply,
  ArrayBufferIsView,
  ArrayBuffer,
  Uint8Array,
  ObjectHasOwn,
  StringPrototypeIndexOf,
  MapPrototypeGet,
  MapPrototypeSet,
  ArrayFrom,
  SafeArrayIterator,
  SafeMap,
  StringPrototypeSlice,
  TypeError,
} = primordials;
const {
  op_qirvo_host_call_async,
  op_qirvo_host_call,
  op_qirvo_host_denied, // SECURITY (issue 17): registered in every isolate
} = core.ops;
const { ObjectPrototype, ObjectCreate, ReflectGet } = primordials;
// Shared helpers come through `internals`, set by the modules bootstrap.js imports first:
// a module imported from two places would be linked twice by v8x's QuickJS backend (a
// deno_core debug assertion), so each of these modules has one importer, bootstrap.js.
const { NotFound } = internals.qirvoErrors;
const { show } = internals.qirvoTesting;

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
// SECURITY (issue 17): what `qirvo.host` and its namespaces answer for a name they do not
// hold. They are frozen objects whose prototype is one of these lookups, so a granted
// function is an ordinary property read; only a missing name asks the runtime, which refuses
// an ungranted host function (PermissionDenied with `code` and `function`, and one
// permission_denied event per read) and answers `false` for anything else (undefined here).
function namespaceLookup(ns) {
  return new Proxy(ObjectFreeze({ __proto__: null }), {
    get(_t, name) {
      if (typeof name === "string") op_qirvo_host_denied(ns, name, true);
      return undefined;
    },
  });
}
function hostLookup() {
  const base = ObjectFreeze(ObjectCreate(ObjectPrototype));
  // A namespace of only ungranted functions: one object per name, asked for on first read.
  const ungranted = new SafeMap();
  return new Proxy(base, {
    get(target, name, receiver) {
      if (typeof name === "string") {
        let ns = MapPrototypeGet(ungranted, name);
        if (ns === undefined && op_qirvo_host_denied(name, "", false)) {
          ns = ObjectFreeze({ __proto__: namespaceLookup(name) });
          MapPrototypeSet(ungranted, name, ns);
        }
        if (ns !== undefined) return ns;
      }
      return ReflectGet(target, name, receiver);
    },
  });
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
    (namespaces[ns] ??= { __proto__: testMode ? null : namespaceLookup(ns) })[fname] = call;
  }
  if (!testMode) {
    const host = { __proto__: hostLookup() };
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

export { buildHost, stubHost };
