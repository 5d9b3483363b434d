// The debug agent: present only in a runtime with debugging enabled.
//
// Instrumented plugin code calls `__qirvo_dbg(site)` before each statement (a read of the
// armed flag; the check op only while something could stop here) and, when that says yes, `__qirvo_dbg_pause(site, frame)`, where `frame` is a
// closure that evaluates an expression in the statement's own scope. The pause op blocks
// this thread until a session resumes it, handing over requests (evaluate, read
// properties, list scopes) that the agent answers here, in the paused frame. Objects a
// session is shown are kept by id until the plugin resumes.

import { core, primordials } from "ext:core/mod.js";

const {
  ArrayIsArray,
  ArrayPrototypePush,
  Int32Array,
  Float64Array,
  MathMax,
  DatePrototypeToISOString,
  Error,
  ErrorPrototype,
  FunctionPrototypeToString,
  JSONParse,
  JSONStringify,
  MapPrototypeClear,
  MapPrototypeGet,
  MapPrototypeHas,
  MapPrototypeSet,
  NumberIsFinite,
  ObjectCreate,
  ObjectDefineProperty,
  ObjectGetOwnPropertyDescriptor,
  ObjectGetPrototypeOf,
  ObjectIs,
  ObjectKeys,
  ObjectPrototype,
  ArrayPrototype,
  ObjectPrototypeIsPrototypeOf,
  ReflectOwnKeys,
  RegExpPrototypeToString,
  SafeMap,
  StringPrototypeReplace,
  SymbolPrototypeToString,
  globalThis,
} = primordials;

const {
  op_qirvo_debug_check,
  op_qirvo_debug_pause,
  op_qirvo_debug_reply,
  op_qirvo_debug_names,
  op_qirvo_debug_conditions,
  op_qirvo_debug_flag,
  op_qirvo_debug_counting,
  op_qirvo_debug_set_agent,
} = core.ops;

const MAX_OBJECTS = 10000;
// A debug site as it reads after transpiling (see src/instrument.rs).
const SITE_PATTERN =
  /if\s*\(\s*__qirvo_dbgs?\(\d+\)\s*\)\s*__qirvo_dbg_pause\(\s*\d+\s*,\s*\(?__qirvo_e\)?\s*=>\s*eval\(__qirvo_e\)\s*\);?\s*/g;
const MAX_PROPERTIES = 1000;
const MAX_JSON = 64 * 1024;

// Evaluation in progress: breakpoints do not fire inside what a debugger runs.
let evaluating = 0;
const objects = new SafeMap();
let nextObject = 1;
const indirectEval = globalThis.eval;

function register(value) {
  if (objects.size >= MAX_OBJECTS) MapPrototypeClear(objects);
  const id = `${nextObject++}`;
  MapPrototypeSet(objects, id, value);
  return id;
}

function safe(f, fallback) {
  try {
    return f();
  } catch {
    return fallback;
  }
}

function className(value) {
  return safe(() => {
    const proto = ObjectGetPrototypeOf(value);
    if (proto === null) return "Object";
    const ctor = ObjectGetOwnPropertyDescriptor(proto, "constructor");
    const name = ctor && typeof ctor.value === "function" ? ctor.value.name : "";
    return typeof name === "string" && name !== "" ? name : "Object";
  }, "Object");
}

function isA(proto, value) {
  return proto !== undefined && safe(() => ObjectPrototypeIsPrototypeOf(proto, value), false);
}

// A JSON copy of plain data (objects and arrays whose prototypes are the built-ins).
function jsonCopy(value) {
  const proto = safe(() => ObjectGetPrototypeOf(value), undefined);
  if (proto !== ObjectPrototype && proto !== ArrayPrototype && proto !== null) return undefined;
  return safe(() => {
    const text = JSONStringify(value);
    return text !== undefined && text.length <= MAX_JSON ? JSONParse(text) : undefined;
  }, undefined);
}

function remote(value, withJson = true) {
  switch (typeof value) {
    case "undefined":
      return { type: "undefined" };
    case "boolean":
    case "string":
      return { type: typeof value, value };
    case "number":
      if (NumberIsFinite(value) && !ObjectIs(value, -0)) {
        return { type: "number", value, description: `${value}` };
      }
      return {
        type: "number",
        unserializableValue: ObjectIs(value, -0) ? "-0" : `${value}`,
        description: ObjectIs(value, -0) ? "-0" : `${value}`,
      };
    case "bigint":
      return { type: "bigint", unserializableValue: `${value}n`, description: `${value}n` };
    case "symbol":
      return {
        type: "symbol",
        description: SymbolPrototypeToString(value),
        objectId: register(value),
      };
    case "function":
      return {
        type: "function",
        className: "Function",
        // Without the debug sites the loader inserted: the source as written.
        description: safe(
          () => StringPrototypeReplace(FunctionPrototypeToString(value), SITE_PATTERN, ""),
          "function",
        ),
        objectId: register(value),
      };
  }
  if (value === null) return { type: "object", subtype: "null", value: null };
  const out = { type: "object", className: className(value), objectId: register(value) };
  if (ArrayIsArray(value)) {
    out.subtype = "array";
    out.className = "Array";
    out.description = `Array(${value.length})`;
  } else if (isA(ErrorPrototype, value)) {
    out.subtype = "error";
    out.description = safe(() => `${value.stack || `${value.name}: ${value.message}`}`, "Error");
  } else if (out.className === "Date") {
    out.subtype = "date";
    out.description = safe(() => DatePrototypeToISOString(value), "Invalid Date");
  } else if (out.className === "RegExp") {
    out.subtype = "regexp";
    out.description = safe(() => RegExpPrototypeToString(value), "RegExp");
  } else if (out.className === "Map" || out.className === "Set") {
    out.subtype = out.className === "Map" ? "map" : "set";
    out.description = `${out.className}(${safe(() => value.size, 0)})`;
  } else if (out.className === "Promise") {
    out.subtype = "promise";
    out.description = "Promise";
  } else {
    out.description = out.className;
  }
  if (withJson) {
    const json = jsonCopy(value);
    if (json !== undefined) out.json = json;
    const p = preview(value, out);
    if (p !== undefined) out.preview = p;
  }
  return out;
}

const PREVIEW_PROPERTIES = 5;

// A one-line summary of an object's first properties (CDP's ObjectPreview), so a console
// shows `{sku: 'a', qty: 2}` rather than `Object`.
function preview(value, described) {
  return safe(() => {
    const keys = ObjectKeys(value);
    const properties = [];
    for (let i = 0; i < keys.length && properties.length < PREVIEW_PROPERTIES; i++) {
      const desc = ObjectGetOwnPropertyDescriptor(value, keys[i]);
      if (desc === undefined) continue;
      if (!("value" in desc)) {
        ArrayPrototypePush(properties, { name: keys[i], type: "accessor" });
        continue;
      }
      const v = desc.value;
      const entry = { name: keys[i], type: typeof v };
      if (v === null) {
        entry.type = "object";
        entry.subtype = "null";
        entry.value = "null";
      } else if (typeof v === "object") {
        entry.value = ArrayIsArray(v) ? `Array(${v.length})` : className(v);
        if (ArrayIsArray(v)) entry.subtype = "array";
      } else if (typeof v === "function") {
        entry.value = "";
      } else if (typeof v === "symbol") {
        entry.value = SymbolPrototypeToString(v);
      } else {
        entry.value = `${v}`;
      }
      ArrayPrototypePush(properties, entry);
    }
    const out = {
      type: "object",
      description: described.description,
      overflow: keys.length > properties.length,
      properties,
    };
    if (described.subtype !== undefined) out.subtype = described.subtype;
    return out;
  }, undefined);
}

function properties(objectId) {
  if (!MapPrototypeHas(objects, objectId)) return { missing: true };
  const value = MapPrototypeGet(objects, objectId);
  if ((typeof value !== "object" && typeof value !== "function") || value === null) {
    return { result: [] };
  }
  const result = [];
  const keys = safe(() => ReflectOwnKeys(value), []);
  for (let i = 0; i < keys.length && i < MAX_PROPERTIES; i++) {
    const key = keys[i];
    const desc = safe(() => ObjectGetOwnPropertyDescriptor(value, key), undefined);
    if (desc === undefined) continue;
    const prop = {
      name: typeof key === "symbol" ? SymbolPrototypeToString(key) : key,
      writable: !!desc.writable,
      configurable: !!desc.configurable,
      enumerable: !!desc.enumerable,
      isOwn: true,
    };
    if ("value" in desc) {
      prop.value = remote(desc.value, false);
    } else {
      if (desc.get) prop.get = remote(desc.get, false);
      if (desc.set) prop.set = remote(desc.set, false);
    }
    ArrayPrototypePush(result, prop);
  }
  return { result };
}

function evaluate(expression, frame) {
  evaluating++;
  try {
    const value = frame === undefined ? indirectEval(`${expression}`) : frame(`${expression}`);
    return { result: remote(value), thrown: false };
  } catch (err) {
    return { result: remote(err), thrown: true };
  } finally {
    evaluating--;
  }
}

// The scopes of a paused frame: its locals and its module's top level, as objects.
function scopes(site, frame) {
  const names = op_qirvo_debug_names(site);
  const out = [];
  const kinds = ["local", "module"];
  evaluating++;
  try {
    for (let k = 0; k < 2; k++) {
      const scope = ObjectCreate(null);
      const list = names[k];
      for (let i = 0; i < list.length; i++) {
        const name = list[i];
        // A name in its temporal dead zone (not declared yet) is left out.
        try {
          scope[name] = frame(name);
        } catch {
          // not visible here
        }
      }
      if (k === 0 || list.length > 0) {
        ArrayPrototypePush(out, { type: kinds[k], object: remote(scope, false) });
      }
    }
  } finally {
    evaluating--;
  }
  ArrayPrototypePush(out, { type: "global", object: remote(globalThis, false) });
  return out;
}

function answer(request, site, frame) {
  try {
    switch (request.op) {
      case "evaluate":
        return evaluate(request.expression, request.frame === 0 ? frame : undefined);
      case "properties":
        return properties(request.objectId);
      case "scopes":
        return frame === undefined ? [] : scopes(site, frame);
      case "coverage":
        return coverage();
      default:
        return { error: `unknown debug request ${request.op}` };
    }
  } catch (err) {
    return { error: safe(() => `${err}`, "the request failed") };
  }
}

// Atomics.load as the engine had it before any plugin code ran (a plain read if absent).
const AtomicsLoad = typeof globalThis.Atomics?.load === "function"
  ? globalThis.Atomics.load
  : (array, index) => array[index];

// Set by the host when a statement might stop; read without an op (see ArmedFlag). Taken
// at the first statement: the host binds the isolate to its plugin after the bootstrap.
let armedFlag;
let flagTaken = false;

// Executions of each site (statement) so far, by site id: read by the host for coverage
// (`qirvo test --coverage`, the "coverage" request). Grown as modules add sites.
let counts = new Float64Array(256);

// More sites than any plugin's source could hold (8 MiB modules): a bad id from plugin
// code calling the hook itself is ignored rather than grown to.
const MAX_SITES = 1 << 22;

function count(site) {
  if (!(site >= 0 && site < MAX_SITES)) return;
  if (site >= counts.length) {
    const grown = new Float64Array(MathMax(site + 1, counts.length * 2));
    for (let i = 0; i < counts.length; i++) grown[i] = counts[i];
    counts = grown;
  }
  counts[site]++;
}

// `[[site, executions], ...]` for every site that ran.
function coverage() {
  const out = [];
  for (let i = 0; i < counts.length; i++) {
    if (counts[i] !== 0) ArrayPrototypePush(out, [i, counts[i]]);
  }
  return out;
}

// Whether statements count their runs (`qirvo test --coverage`; a debugging session alone
// does not pay for counting). Like the flag, asked at the first statement.
let counting = false;

function bindToPlugin() {
  flagTaken = true;
  counting = op_qirvo_debug_counting();
  const flag = op_qirvo_debug_flag();
  if (flag !== undefined) armedFlag = new Int32Array(flag);
}

function check(site) {
  if (!flagTaken) bindToPlugin();
  if (counting) count(site);
  if (evaluating !== 0) return false;
  if (armedFlag !== undefined && AtomicsLoad(armedFlag, 0) === 0) return false;
  return op_qirvo_debug_check(site);
}

// A `debugger;` statement stops whenever a session is attached: it always asks.
function checkStatement(site) {
  if (!flagTaken) bindToPlugin();
  if (counting) count(site);
  return evaluating === 0 && op_qirvo_debug_check(site);
}


// Conditional breakpoints: true when one of the conditions holds in the frame (one that
// throws does not).
function anyCondition(conditions, frame) {
  evaluating++;
  try {
    for (let i = 0; i < conditions.length; i++) {
      try {
        if (frame(conditions[i])) return true;
      } catch {
        // a condition that throws is false
      }
    }
    return false;
  } finally {
    evaluating--;
  }
}

function pause(site, frame) {
  if (evaluating !== 0) return;
  const conditions = op_qirvo_debug_conditions(site);
  if (conditions !== null && !anyCondition(conditions, frame)) return;
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 200;
  const stack = safe(() => `${new Error().stack}`, "");
  Error.stackTraceLimit = limit;
  let request = op_qirvo_debug_pause(site, stack);
  if (request === null) return;
  while (request !== null) {
    request = op_qirvo_debug_reply(answer(request, site, frame));
  }
  // Resumed: what the session was shown is released.
  MapPrototypeClear(objects);
}

// A request while the plugin is not paused (global scope), as JSON text.
function request(requestJson) {
  return JSONStringify(answer(JSONParse(requestJson), 0, undefined));
}

export function installDebugAgent() {
  if (typeof op_qirvo_debug_check !== "function") return;
  const hidden = { writable: false, configurable: false, enumerable: false };
  ObjectDefineProperty(globalThis, "__qirvo_dbg", { ...hidden, value: check });
  ObjectDefineProperty(globalThis, "__qirvo_dbgs", { ...hidden, value: checkStatement });
  ObjectDefineProperty(globalThis, "__qirvo_dbg_pause", { ...hidden, value: pause });
  op_qirvo_debug_set_agent(request);
}
