// qirvo.events: a dotted-name event bus shared with other plugins and the host, and the
// host entry point that delivers an event to this plugin's handlers.
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
  MapPrototypeGet,
  MapPrototypeSet,
  MapPrototypeDelete,
  MapPrototypeEntries,
  ArrayFrom,
  ArrayPrototypeFilter,
  SafeArrayIterator,
  SafeMap,
  StringPrototypeStartsWith,
  StringPrototypeEndsWith,
  StringPrototypeSlice,
  TypeError,
} = primordials;
const {
  op_qirvo_events_subscribe,
  op_qirvo_events_unsubscribe,
  op_qirvo_events_emit,
  op_qirvo_log,
} = core.ops;
const { describe, nextStep } = internals.qirvoWeb;
// Shared helpers come through `internals`, set by the modules bootstrap.js imports first:
// a module imported from two places would be linked twice by v8x's QuickJS backend (a
// deno_core debug assertion), so each of these modules has one importer, bootstrap.js.
const { exactName } = internals.qirvoNames;

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

export { deliverEvent, events };
