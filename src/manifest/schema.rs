//! The JSON Schema (Draft 2020-12) of `manifest.json`, built from the rules the parser
//! applies: the limits come from [`LIMITS`](super::limits::LIMITS), the patterns below mirror
//! `valid_id`, `semver` and `validate_main`. A test runs fixtures and edge manifests through
//! both and requires the same verdict. Valid in Ajv's strict mode (every keyword next to its
//! `type`, no `format`, no union types).

use serde_json::{Map, Value, json};

use super::Permission;
use super::limits::{self, LIMITS, positive_range};

/// The schema's `$id`.
const SCHEMA_ID: &str = "urn:qirvo:schema:manifest:v1";

/// What JSON Schema cannot say, and Qirvo checks when it loads the manifest.
const NOT_IN_SCHEMA: &str = "Qirvo also checks what JSON Schema cannot express: a field given twice in the text is refused; each network.allowedHosts entry must be a host, a *.suffix wildcard, an IP or a CIDR range with an optional :port; main must exist as a regular file inside the plugin directory (not through a link outside it); a host permission (\"namespace:verb\") must be declared by the host application.";

/// `0` or a number from 1 to 2^64-1 without leading zeros (semver's numeric parts).
fn semver_number() -> String {
    format!("(?:0|{})", positive_range(1, u64::MAX))
}

/// The `version` pattern: what `semver::Version::parse` takes.
fn version_pattern() -> String {
    let n = semver_number();
    let pre = "(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)";
    let build = "[0-9A-Za-z-]+";
    format!("^{n}\\.{n}\\.{n}(?:-{pre}(?:\\.{pre})*)?(?:\\+{build}(?:\\.{build})*)?$")
}

/// The `main` pattern: a relative path, no `..` component, whose last component is
/// `<something>.ts|.mts|.js|.mjs`.
const MAIN_PATTERN: &str = concat!(
    "^(?:(?:\\.|\\.?[^/.][^/]*|\\.\\.[^/]+)/", // a first component (not empty, not ..)
    "(?:(?:\\.?|\\.?[^/.][^/]*|\\.\\.[^/]+)/)*)?", // more components (may be empty, not ..)
    "[^/]+\\.(?:ts|mts|js|mjs)$"
);

fn nullable(schema: Value) -> Value {
    json!({ "anyOf": [schema, { "type": "null" }] })
}

/// The properties of an object group (`resources.`, `restart.`) from the table.
fn limit_properties(prefix: &str) -> Map<String, Value> {
    LIMITS
        .into_iter()
        .filter_map(|l| {
            let name = l.field.strip_prefix(prefix)?;
            Some((name.to_string(), l.schema()))
        })
        .collect()
}

/// The JSON Schema of `manifest.json`.
pub(crate) fn manifest_schema() -> Value {
    let builtins: Vec<&str> = Permission::ALL.iter().map(|p| p.as_str()).collect();
    let mut restart_props = limit_properties("restart.");
    restart_props.insert(
        "policy".into(),
        json!({
            "description": "\"never\": the plugin stays in error; \"on-failure\": restart it, with backoff.",
            "type": "string",
            "enum": ["never", "on-failure"]
        }),
    );
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Qirvo plugin manifest",
        "description": format!("A Qirvo plugin manifest (manifest.json in the plugin directory). {NOT_IN_SCHEMA}"),
        "type": "object",
        "properties": {
            "$schema": {
                "description": "The schema an editor validates this file against (ignored by Qirvo).",
                "anyOf": [{ "type": "string" }, { "type": "null" }]
            },
            "id": {
                "description": "Unique plugin id: lowercase letters, digits, '.', '_' or '-', starting with a letter or digit, at most 128 characters.",
                "type": "string",
                "pattern": "^[a-z0-9][a-z0-9._-]{0,127}$"
            },
            "name": {
                "description": "Display name (defaults to the id); not only whitespace.",
                "anyOf": [{ "type": "string", "pattern": "\\S" }, { "type": "null" }]
            },
            "version": {
                "description": "Semantic version, e.g. \"1.0.0\" (numbers without leading zeros, at most 2^64-1).",
                "type": "string",
                "pattern": version_pattern()
            },
            "description": nullable(json!({ "type": "string" })),
            "main": {
                "description": "The entry module (.ts, .mts, .js or .mjs), relative to the plugin directory, without '..' components.",
                "type": "string",
                "pattern": MAIN_PATTERN
            },
            "permissions": {
                "description": "Capabilities the plugin asks for, each once; everything else is denied.",
                "type": "array",
                "uniqueItems": true,
                "items": {
                    "anyOf": [
                        { "type": "string", "enum": builtins },
                        {
                            "description": "A permission the host application declares: \"namespace:verb\", e.g. \"orders:read\".",
                            "type": "string",
                            "pattern": "^[a-z][a-z0-9_-]*:[a-z][a-z0-9_-]*$",
                            "maxLength": 64
                        }
                    ]
                }
            },
            "network": {
                "type": "object",
                "properties": {
                    "allowedHosts": {
                        "description": "Hosts fetch may reach: \"api.example.com\", \"*.example.com\", an IP, a CIDR range, each with an optional \":port\" (checked by Qirvo, not by this schema). Empty: public hosts only.",
                        "type": "array",
                        "items": { "type": "string" }
                    }
                },
                "additionalProperties": false
            },
            "resources": {
                "type": "object",
                "properties": limit_properties("resources."),
                "additionalProperties": false
            },
            "config": {
                "description": "Handed to `initialize` as `ctx.config`.",
                "anyOf": [{ "type": "object" }, { "type": "null" }]
            },
            "imports": super::imports::schema(),
            "restart": {
                "description": "What happens when the plugin is killed for memory or a lifecycle timeout.",
                "anyOf": [
                    {
                        "type": "object",
                        "properties": restart_props,
                        "required": ["policy"],
                        "additionalProperties": false,
                        "if": {
                            "type": "object",
                            "properties": { "policy": { "type": "string", "const": "never" } }
                        },
                        "then": {
                            "description": "maxRestarts and backoff only apply to the \"on-failure\" policy.",
                            "type": "object",
                            "properties": {
                                "maxRestarts": { "type": "null" },
                                "backoff": { "type": "null" }
                            }
                        }
                    },
                    { "type": "null" }
                ]
            }
        },
        "required": ["id", "version", "main"],
        "additionalProperties": false
    })
}

/// The Markdown table of limits for the docs (`qirvo schema --markdown`).
pub(crate) fn limits_markdown() -> String {
    limits::markdown()
}
