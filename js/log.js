// qirvo.log: a plugin's log lines, with structured fields (issue 16).
//
// A module of the per-isolate `qirvo` extension (src/ext/host.rs), imported by bootstrap.js,
// which assembles the frozen `qirvo` global; evaluated before any plugin code, while the
// op table is still reachable.

import { core, internals, primordials } from "ext:core/mod.js";

const {
  ArrayIsArray,
  JSONStringify,
  StringPrototypeStartsWith,
  StringPrototypeSlice,
} = primordials;
const {
  op_qirvo_log,
  op_qirvo_log_fields,
} = core.ops;
const { describe } = internals.qirvoWeb;

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

export { logAt };
