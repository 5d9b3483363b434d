// qirvo.fs (only with filesystem-access): files in the plugin's own directory.
//
// A module of the per-isolate `qirvo` extension (src/ext/host.rs), imported by bootstrap.js,
// which assembles the frozen `qirvo` global; evaluated before any plugin code, while the
// op table is still reachable.

import { core, internals, primordials } from "ext:core/mod.js";

const {
  ObjectFreeze,
  ArrayBufferIsView,
  ArrayBuffer,
  Uint8Array,
  TypeError,
} = primordials;
const {
  op_qirvo_fs_read,
  op_qirvo_fs_read_text,
  op_qirvo_fs_write,
  op_qirvo_fs_read_dir,
  op_qirvo_fs_mkdir,
  op_qirvo_fs_remove,
  op_qirvo_fs_stat,
} = core.ops;
const { encoding } = internals.qirvoWeb;
// Shared helpers come through `internals`, set by the modules bootstrap.js imports first:
// a module imported from two places would be linked twice by v8x's QuickJS backend (a
// deno_core debug assertion), so each of these modules has one importer, bootstrap.js.
const { exactName } = internals.qirvoNames;

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

export { fsApi };
