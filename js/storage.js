// qirvo.storage: JSON values or bytes, scoped to this plugin, atomic batches.
//
// A module of the per-isolate `qirvo` extension (src/ext/host.rs), imported by bootstrap.js,
// which assembles the frozen `qirvo` global; evaluated before any plugin code, while the
// op table is still reachable.

import { core, internals, primordials } from "ext:core/mod.js";

const {
  ArrayPrototypePush,
  JSONParse,
  JSONStringify,
  ObjectFreeze,
  ArrayBufferIsView,
  ArrayBuffer,
  ArrayBufferPrototypeSlice,
  TypedArrayPrototypeSlice,
  Uint8Array,
  TypeError,
} = primordials;
const {
  op_qirvo_storage_apply,
  op_qirvo_storage_get,
  op_qirvo_storage_list,
  op_qirvo_storage_usage,
} = core.ops;
const { domException, encoding } = internals.qirvoWeb;
// Shared helpers come through `internals`, set by the modules bootstrap.js imports first:
// a module imported from two places would be linked twice by v8x's QuickJS backend (a
// deno_core debug assertion), so each of these modules has one importer, bootstrap.js.
const { exactName } = internals.qirvoNames;

core.registerErrorBuilder(
  "QuotaExceededError",
  (msg) => new domException.QuotaExceededError(msg),
);

const textDecoder = new encoding.TextDecoder();

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

export { storage };
