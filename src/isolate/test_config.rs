//! A test file's own `export const config` (the `qirvo test` runner): the script the
//! plugin's thread runs over the file's module namespace, and the reading of its answer.

use std::path::Path;

/// Run in a test file's isolate with the file's module namespace, after it evaluated:
/// `undefined` when the file exports no `config`, else JSON text, `{"config": {...}}` or
/// `{"error": "why"}`. A config is a plain object of JSON data: its values are strings,
/// finite numbers, booleans, null, and arrays and plain objects of those (no functions,
/// `undefined`, symbols, bigints, class instances such as `Date`, cycles, or getters and
/// setters: an accessor is code, not data, so it is refused without being called), since
/// `initialize` gets exactly what a manifest's `config` could hold. Each property is read
/// once, from its descriptor, into a copy that is both checked and returned, so what is
/// merged is exactly what was checked.
pub(crate) const FILE_CONFIG_CHECK: &str = r#"(function (ns) {
  if (!("config" in ns)) return undefined;
  const value = ns.config;
  const plain = (v) => {
    const p = Object.getPrototypeOf(v);
    return p === Object.prototype || p === null;
  };
  const describe = (v) => {
    if (v === null) return "null";
    if (Array.isArray(v)) return "an array";
    if (typeof v === "object") {
      const name = Object.getPrototypeOf(v)?.constructor?.name;
      return typeof name === "string" && name !== "" ? `a ${name}` : "an object";
    }
    if (typeof v === "undefined") return "undefined";
    return `a ${typeof v}`;
  };
  if (typeof value !== "object" || value === null || Array.isArray(value) || !plain(value)) {
    return JSON.stringify({ error: `config is ${describe(value)}, not a plain object such as { greeting: "Hi" }` });
  }
  class Refused { constructor(why) { this.why = why; } }
  const open = [];
  // The JSON data of `v`, read once; throws Refused when it is not JSON data.
  const copy = (v, path) => {
    switch (typeof v) {
      case "string":
      case "boolean":
        return v;
      case "number":
        if (Number.isFinite(v)) return v;
        throw new Refused(`${path} is ${v}, which JSON cannot hold`);
      case "object": {
        if (v === null) return null;
        if (open.includes(v)) throw new Refused(`${path} refers back to an object that contains it (a cycle), which JSON cannot hold`);
        const array = Array.isArray(v);
        if (!array && !plain(v)) {
          throw new Refused(`${path} is ${describe(v)}, which JSON cannot hold (plain objects, arrays, strings, numbers, booleans and null only)`);
        }
        open.push(v);
        const out = array ? [] : {};
        const keys = array ? Array.from(v.keys(), String) : Object.keys(v);
        for (const k of keys) {
          const at = array ? `${path}[${k}]` : `${path}.${k}`;
          const d = Object.getOwnPropertyDescriptor(v, k);
          if (d === undefined) {
            out[k] = copy(undefined, at);
            continue;
          }
          if (!("value" in d)) {
            throw new Refused(`${at} is ${d.get ? "a getter" : "a setter"}, not plain JSON data (write the value itself)`);
          }
          const c = copy(d.value, at);
          Object.defineProperty(out, k, { value: c, enumerable: true, writable: true, configurable: true });
        }
        open.pop();
        return out;
      }
      default:
        throw new Refused(`${path} is ${describe(v)}, which JSON cannot hold`);
    }
  };
  let data;
  try {
    data = copy(value, "config");
  } catch (e) {
    if (e instanceof Refused) return JSON.stringify({ error: e.why });
    throw e;
  }
  return JSON.stringify({ config: data });
})"#;

/// The test file's own config from [`FILE_CONFIG_CHECK`]'s answer: `None` when it exports
/// none.
///
/// # Errors
/// `<file>: export const config …` and the reason, when it is not a plain object of JSON
/// data.
pub(crate) fn file_config(
    answer: Option<&str>,
    file: &Path,
) -> Result<Option<serde_json::Map<String, serde_json::Value>>, String> {
    let Some(answer) = answer else {
        return Ok(None);
    };
    let file = file.display();
    let answer = crate::json::parse(answer)
        .map_err(|e| format!("{file}: `export const config` cannot be read as JSON: {e}"))?;
    if let Some(why) = answer["error"].as_str() {
        return Err(format!(
            "{file}: its `export const config` is not usable: {why}"
        ));
    }
    match answer {
        serde_json::Value::Object(mut o) => match o.remove("config") {
            Some(serde_json::Value::Object(config)) => Ok(Some(config)),
            _ => Err(format!(
                "{file}: its `export const config` is not usable: not a plain object"
            )),
        },
        _ => Err(format!(
            "{file}: its `export const config` is not usable: not a plain object"
        )),
    }
}
