//! The manifest's `imports` (issue 19): an import map from bare module names, or prefixes
//! ending in `/`, to paths inside the plugin directory. The parser and the JSON Schema use
//! the same patterns ([`KEY`], [`FILE_TARGET`], [`PREFIX_TARGET`]) and bounds, so they
//! accept the same maps.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{MapAccess, Visitor};
use serde_json::{Value, json};

/// Most entries an import map may have.
pub(crate) const MAX_ENTRIES: usize = 1000;
/// Longest key, in characters.
pub(crate) const MAX_KEY: usize = 256;
/// Longest target, in characters.
pub(crate) const MAX_TARGET: usize = 1024;

/// A key: a bare module name, not starting with `.`, `/` or `#`, without spaces, control
/// characters, `:` or `\`.
pub(crate) const KEY: &str = r"^[^./#\x00-\x20:\\][^\x00-\x20:\\]*$";

/// One path component of a target: not empty, not `.` or `..`, no `/`, `\` or control
/// characters.
macro_rules! seg {
    () => {
        r"(?:[^/\\.\x00-\x1f][^/\\\x00-\x1f]*|\.[^/\\.\x00-\x1f][^/\\\x00-\x1f]*|\.\.[^/\\\x00-\x1f]+)"
    };
}
/// The target of a name: `./` and a file path inside the plugin directory.
pub(crate) const FILE_TARGET: &str = concat!(r"^\./(?:", seg!(), "/)*", seg!(), "$");
/// The target of a prefix (a key ending in `/`): `./` and a directory path ending in `/`.
pub(crate) const PREFIX_TARGET: &str = concat!(r"^\./(?:", seg!(), "/)*$");

/// The map as written: entries in order, a key given twice refused.
pub(crate) struct RawImports(Vec<(String, Value)>);

impl<'de> Deserialize<'de> for RawImports {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawImports;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of module names to paths")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawImports, A::Error> {
                let mut out: Vec<(String, Value)> = Vec::new();
                let mut seen = std::collections::HashSet::new();
                while let Some((k, v)) = map.next_entry::<String, Value>()? {
                    if !seen.insert(k.clone()) {
                        return Err(serde::de::Error::custom(format!("duplicate field `{k}`")));
                    }
                    out.push((k, v));
                }
                Ok(RawImports(out))
            }
        }
        d.deserialize_map(V)
    }
}

fn matches(pattern: &str, s: &str) -> bool {
    regex::Regex::new(pattern).is_ok_and(|re| re.is_match(s))
}

/// The validated map.
///
/// # Errors
/// A reason naming the entry: too many entries, a key that is not a bare name, a target
/// that is not a string, not `./`-relative, with a `..` or empty component, or a prefix
/// and target that do not both end in `/`.
pub(crate) fn validate(raw: Option<RawImports>) -> Result<BTreeMap<String, String>, String> {
    let Some(RawImports(entries)) = raw else {
        return Ok(BTreeMap::new());
    };
    if entries.len() > MAX_ENTRIES {
        return Err(format!(
            "has {} entries (at most {MAX_ENTRIES})",
            entries.len()
        ));
    }
    let mut out = BTreeMap::new();
    for (key, value) in entries {
        if key.chars().count() > MAX_KEY || !matches(KEY, &key) {
            return Err(format!(
                "{key:?} is not a module name (a bare name such as \"lodash\" or a prefix such as \"lib/\": not empty, not starting with '.', '/' or '#', no spaces, control characters, ':' or '\\', at most {MAX_KEY} characters)"
            ));
        }
        let Value::String(target) = value else {
            return Err(format!(
                "{key:?}: {value} is not a path (give a path inside the plugin such as \"./vendor/lodash.js\")"
            ));
        };
        let prefix = key.ends_with('/');
        let pattern = if prefix { PREFIX_TARGET } else { FILE_TARGET };
        if target.chars().count() > MAX_TARGET || !matches(pattern, &target) {
            let shape = if prefix {
                "a key ending in \"/\" maps to a directory: \"./\" then components, ending in \"/\", e.g. \"./vendor/lib/\""
            } else {
                "a name maps to a file: \"./\" then components, not ending in \"/\", e.g. \"./vendor/lodash.js\""
            };
            return Err(format!(
                "{key:?}: {target:?} is not a path inside the plugin directory ({shape}; no \"..\" or \".\" or empty components, no '\\' or control characters, at most {MAX_TARGET} characters)"
            ));
        }
        out.insert(key, target);
    }
    Ok(out)
}

/// The schema of `imports`.
pub(crate) fn schema() -> Value {
    let target = |pattern: &str, what: &str| {
        json!({
            "description": what,
            "type": "string",
            "pattern": pattern,
            "maxLength": MAX_TARGET
        })
    };
    json!({
        "description": "An import map: a bare module name (\"lodash\"), or a prefix ending in \"/\" (\"lib/\"), to a path inside the plugin directory (\"./vendor/lodash.js\", \"./vendor/lib/\"), consulted before node_modules/.",
        "anyOf": [
            {
                "type": "object",
                "maxProperties": MAX_ENTRIES,
                "propertyNames": { "type": "string", "pattern": KEY, "maxLength": MAX_KEY },
                "patternProperties": {
                    "/$": target(PREFIX_TARGET, "A prefix's directory, ending in \"/\"."),
                    "(?:^|[^/])$": target(FILE_TARGET, "A module's file.")
                },
                "additionalProperties": false
            },
            { "type": "null" }
        ]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(pairs: &[(&str, Value)]) -> Result<BTreeMap<String, String>, String> {
        validate(Some(RawImports(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )))
    }

    #[test]
    fn names_and_prefixes() {
        assert!(check(&[("lodash", json!("./vendor/lodash.js"))]).is_ok());
        assert!(check(&[("@s/p", json!("./v/p/index.mjs"))]).is_ok());
        assert!(check(&[("lib/", json!("./vendor/lib/"))]).is_ok());
        assert!(check(&[("lib/", json!("./"))]).is_ok());
        assert!(check(&[("fs", json!("./shims/fs.js"))]).is_ok());
        for (k, v) in [
            ("", json!("./a.js")),
            ("./a", json!("./a.js")),
            ("#a", json!("./a.js")),
            ("node:fs", json!("./a.js")),
            ("a b", json!("./a.js")),
            ("a", json!("a.js")),
            ("a", json!("./../a.js")),
            ("a", json!("./x/../a.js")),
            ("a", json!("./x//a.js")),
            ("a", json!("./x/")),
            ("a/", json!("./x")),
            ("a", json!(1)),
            ("a", json!("./x\\a.js")),
        ] {
            assert!(check(&[(k, v.clone())]).is_err(), "{k:?} -> {v}");
        }
    }
}
