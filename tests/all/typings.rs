//! The typings match the runtime (issue 15): `js/qirvo.d.ts` under the scaffold's
//! tsconfig (`qirvo new`: the ECMAScript lib, no "DOM") declares the globals a plugin
//! isolate has and the members of the main classes, both ways; the scaffold's tsconfig
//! type-checks the documented features; every ts/js block in README.md and docs/*.md
//! type-checks under it.
//!
//! The declarations are read by `tsc` itself (any version: only its command line and its
//! `file(line,col): error` lines are relied on): a generated file states, per subject, the
//! names the runtime has as a union type and asks tsc for the difference with `keyof` of
//! the declaration, each way; a non-empty difference is a type error whose message lists it.
//! Skipped, with a line on stderr, when `tsc` is not on PATH (CI installs it).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::json;

use crate::helpers::*;

fn tsc() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("tsc"))
        .find(|p| p.is_file())
}

/// A fresh `qirvo new` TypeScript plugin in a temporary directory.
fn scaffold() -> (tempfile::TempDir, PathBuf) {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("typed-plugin");
    let out = qirvo(&["new", "-q", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    (parent, dir)
}

/// `tsc -p dir`: (success, the `file(line,col): error` lines and their continuations).
fn run_tsc(tsc: &Path, dir: &Path) -> (bool, String) {
    let out = std::process::Command::new(tsc)
        .current_dir(dir)
        .args(["-p", ".", "--noErrorTruncation", "--pretty", "false"])
        .output()
        .unwrap();
    (
        out.status.success(),
        format!("{}{}", text(&out.stdout), text(&out.stderr)),
    )
}

/// Reads, in a plugin isolate with every built-in permission, the global names and the
/// string-keyed members of the main classes (an instance's own and inherited ones, up to
/// the ECMAScript prototype it extends; statics apart) and of the global objects.
const PROBE: &str = r#"
const BASES = new Set([Object.prototype, Function.prototype, Error.prototype]);
function members(obj) {
  const out = new Set();
  for (let p = obj; p !== null && !BASES.has(p); p = Object.getPrototypeOf(p)) {
    for (const n of Object.getOwnPropertyNames(p)) out.add(n);
  }
  out.delete("constructor");
  return [...out].sort();
}
// How to make an instance (its own properties count too); null: read the prototype.
const CLASSES = {
  Headers: () => new Headers(),
  Request: () => new Request("https://example.com/"),
  Response: () => new Response("x"),
  FormData: () => new FormData(),
  URL: () => new URL("https://example.com/"),
  URLSearchParams: () => new URLSearchParams("a=1"),
  Blob: () => new Blob([]),
  File: () => new File([], "f.txt"),
  FileReader: () => new FileReader(),
  ReadableStream: () => new ReadableStream(),
  WritableStream: () => new WritableStream(),
  TransformStream: () => new TransformStream(),
  CompressionStream: () => new CompressionStream("gzip"),
  DecompressionStream: () => new DecompressionStream("gzip"),
  TextEncoder: () => new TextEncoder(),
  TextDecoder: () => new TextDecoder(),
  TextEncoderStream: () => new TextEncoderStream(),
  TextDecoderStream: () => new TextDecoderStream(),
  AbortController: () => new AbortController(),
  AbortSignal: () => AbortSignal.abort(),
  Event: () => new Event("x"),
  EventTarget: () => new EventTarget(),
  CustomEvent: () => new CustomEvent("x"),
  ErrorEvent: () => new ErrorEvent("x"),
  DOMException: () => new DOMException("x"),
  URLPattern: () => new URLPattern({ pathname: "/a/:id" }),
  ProgressEvent: () => new ProgressEvent("x"),
  MessageChannel: () => new MessageChannel(),
  MessagePort: () => new MessageChannel().port1,
  MessageEvent: () => new MessageEvent("message"),
  Navigator: null,
  Crypto: null,
  CryptoKey: null,
  SubtleCrypto: null,
};
export function probe() {
  const classes = {};
  for (const [name, make] of Object.entries(CLASSES)) {
    const C = globalThis[name];
    if (typeof C !== "function") continue;
    let instance = C.prototype;
    try {
      if (make) instance = make();
    } catch {}
    classes[name] = {
      instance: members(instance),
      static: Object.getOwnPropertyNames(C)
        .filter((n) => !["length", "name", "prototype"].includes(n))
        .sort(),
    };
  }
  const objects = {};
  for (const name of ["qirvo", "crypto", "performance", "console", "navigator", "WebAssembly"]) {
    if (globalThis[name] !== undefined) objects[name] = members(globalThis[name]);
  }
  // The global scope's own names, and what it inherits as an EventTarget.
  const globals = new Set(Object.getOwnPropertyNames(globalThis));
  for (let p = Object.getPrototypeOf(globalThis); p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const n of Object.getOwnPropertyNames(p)) if (n !== "constructor") globals.add(n);
  }
  return { globals: [...globals].sort(), classes, objects };
}
"#;

/// Members a plugin can see that are deliberately not declared, with the reason: the
/// class or object they are on (`"*"`: any, e.g. every `EventTarget` subclass), the name.
const UNDECLARED_ON_PURPOSE: &[(&str, &str, &str)] = &[
    (
        "*",
        "initialized",
        "deno_web's internal getter (Deno has it too); not part of the DOM standard",
    ),
    (
        "*",
        "getParent",
        "deno_web's internal hook for event paths (Deno has it too); not standard",
    ),
    (
        "Crypto",
        "toString",
        "deno_crypto's classes carry a static `toString` of their own; every function has one",
    ),
    (
        "CryptoKey",
        "toString",
        "deno_crypto's classes carry a static `toString` of their own; every function has one",
    ),
    (
        "SubtleCrypto",
        "toString",
        "deno_crypto's classes carry a static `toString` of their own; every function has one",
    ),
    (
        "console",
        "indentLevel",
        "deno_web's console keeps its group depth there; not standard",
    ),
];

/// The members of `qirvo` present only under `qirvo test` (declared, documented so).
const TEST_ONLY: &[&str] = &["assert", "test"];

/// One comparison: what the runtime has, and the TypeScript type of the declared names.
struct Subject {
    label: String,
    runtime: Vec<String>,
    declared: String,
}

fn strings(v: &serde_json::Value) -> Vec<String> {
    serde_json::from_value(v.clone()).unwrap()
}

fn subjects(seen: &serde_json::Value) -> Vec<Subject> {
    let ignored = |owner: &str, name: &str| {
        UNDECLARED_ON_PURPOSE
            .iter()
            .any(|(o, n, _)| (*o == owner || *o == "*") && *n == name)
    };
    let keep = |owner: &str, names: Vec<String>| -> Vec<String> {
        names.into_iter().filter(|n| !ignored(owner, n)).collect()
    };
    let mut out = vec![Subject {
        label: "globals".into(),
        runtime: keep("globals", strings(&seen["globals"])),
        declared: "keyof typeof globalThis".into(),
    }];
    let classes: BTreeMap<String, serde_json::Value> =
        serde_json::from_value(seen["classes"].clone()).unwrap();
    for (name, m) in classes {
        // The ECMAScript `Error` members DOMException inherits are the ES lib's business.
        let base = if name == "DOMException" {
            " | keyof Error"
        } else {
            ""
        };
        let mut instance = keep(&name, strings(&m["instance"]));
        if name == "DOMException" {
            instance.retain(|n| !["name", "message", "stack", "cause"].contains(&n.as_str()));
        }
        out.push(Subject {
            label: format!("{name} (instance)"),
            runtime: instance,
            declared: format!("Exclude<keyof {name}, never{base}>"),
        });
        out.push(Subject {
            label: format!("{name} (static)"),
            runtime: keep(&name, strings(&m["static"])),
            declared: format!("Exclude<keyof typeof {name}, \"prototype\">"),
        });
    }
    let objects: BTreeMap<String, serde_json::Value> =
        serde_json::from_value(seen["objects"].clone()).unwrap();
    for (name, m) in objects {
        let mut runtime = keep(&name, strings(&m));
        if name == "qirvo" {
            runtime.extend(TEST_ONLY.iter().map(|s| s.to_string()));
        }
        out.push(Subject {
            label: name.clone(),
            runtime,
            declared: format!("keyof typeof {name}"),
        });
    }
    out
}

/// The check file: per subject, two exported constants whose types are the differences;
/// each is `true` only when its difference is empty. Returns it and, per line, the
/// subject and direction it checks.
fn check_file(subjects: &[Subject]) -> (String, BTreeMap<usize, String>) {
    let mut lines = vec![
        "// Generated by tests/all/typings.rs.".to_string(),
        "type Strs<T> = T extends string ? T : never;".to_string(),
        "type None<T> = [T] extends [never] ? true : T;".to_string(),
    ];
    let mut owner = BTreeMap::new();
    for (i, s) in subjects.iter().enumerate() {
        let union = if s.runtime.is_empty() {
            "never".to_string()
        } else {
            s.runtime
                .iter()
                .map(|n| serde_json::to_string(n).unwrap())
                .collect::<Vec<_>>()
                .join(" | ")
        };
        let mut push = |line: String, what: String| {
            lines.push(line);
            owner.insert(lines.len(), what);
        };
        // Both sides are written out on each line: an alias (`type R = ...`) would be
        // printed by its name in tsc's message, not by its members.
        let declared = format!("`${{Strs<{}>}}`", s.declared);
        push(
            format!(
                "export const undeclared{i}: None<`${{Exclude<{union}, {declared}>}}`> = true;"
            ),
            format!("{}: at run time but not declared", s.label),
        );
        push(
            format!("export const absent{i}: None<`${{Exclude<{declared}, {union}>}}`> = true;"),
            format!("{}: declared but not at run time", s.label),
        );
    }
    (lines.join("\n") + "\n", owner)
}

/// The mismatches tsc reported on `file`, one line each: what, and tsc's message.
fn mismatches(output: &str, file: &str, owner: &BTreeMap<usize, String>) -> Vec<String> {
    let prefix = format!("{file}(");
    let mut found = Vec::new();
    for line in output.lines() {
        let Some(rest) = line.strip_prefix(&prefix) else {
            continue;
        };
        let number: usize = rest
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let what = owner
            .get(&number)
            .cloned()
            .unwrap_or_else(|| format!("line {number}"));
        // "Type 'true' is not assignable to type '"a" | "b"'." -> a, b
        let names: Vec<&str> = match rest.split_once("to type '") {
            Some((_, t)) => t.split('"').skip(1).step_by(2).collect(),
            None => Vec::new(),
        };
        if names.is_empty() {
            found.push(format!("{what}: {line}"));
        } else {
            found.push(format!("{what}: {}", names.join(", ")));
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread")]
async fn the_typings_declare_exactly_the_globals_and_members_a_plugin_has() {
    let Some(tsc) = tsc() else {
        eprintln!("skipped: no tsc on PATH (npm install -g typescript)");
        return;
    };
    let (rt, _logs) = runtime();
    let plugin = write_plugin(
        json!({ "id": "typings-probe", "version": "1.0.0", "main": "main.js",
                "permissions": ["network-access", "filesystem-access"] }),
        PROBE,
    );
    let p = rt.load(plugin.path()).await.unwrap();
    let seen = p.call("probe", vec![]).await.unwrap();
    p.unload().await.unwrap();
    // The main classes are all there to compare (a missing one is also a globals mismatch).
    for class in [
        "Headers",
        "Request",
        "Response",
        "URL",
        "TextEncoder",
        "Event",
    ] {
        assert!(seen["classes"][class].is_object(), "{class}: {seen}");
    }

    let (_parent, dir) = scaffold();
    // The declarations under test are the source tree's (`qirvo new` writes the same file).
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("js/qirvo.d.ts"),
        dir.join("qirvo.d.ts"),
    )
    .unwrap();
    let subjects = subjects(&seen);
    let (check, owner) = check_file(&subjects);
    std::fs::write(dir.join("typings_check.ts"), &check).unwrap();
    let (ok, output) = run_tsc(&tsc, &dir);
    let found = mismatches(&output, "typings_check.ts", &owner);
    assert!(
        found.is_empty(),
        "js/qirvo.d.ts and the runtime differ:\n  {}\n\ntsc said:\n{output}",
        found.join("\n  ")
    );
    // Nothing else failed either (the scaffold itself type-checks).
    assert!(ok, "{output}");
}

#[test]
fn the_comparison_names_a_mismatch_each_way() {
    let Some(tsc) = tsc() else {
        eprintln!("skipped: no tsc on PATH (npm install -g typescript)");
        return;
    };
    // A runtime with a member the declarations lack, and without one they declare.
    let mut headers: Vec<String> = [
        "append", "delete", "entries", "forEach", "get", "has", "keys", "set", "values",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    headers.push("frobnicate".into());
    let subjects = [Subject {
        label: "Headers (instance)".into(),
        runtime: headers,
        declared: "Exclude<keyof Headers, never>".into(),
    }];
    let (_parent, dir) = scaffold();
    let (check, owner) = check_file(&subjects);
    std::fs::write(dir.join("typings_check.ts"), &check).unwrap();
    let (_ok, output) = run_tsc(&tsc, &dir);
    let found = mismatches(&output, "typings_check.ts", &owner);
    assert_eq!(
        found,
        [
            "Headers (instance): at run time but not declared: frobnicate",
            "Headers (instance): declared but not at run time: getSetCookie",
        ],
        "{output}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn qirvo_test_and_assert_exist_only_under_the_test_runner() {
    // The probe above counts them as present; here is where they are.
    let dir = write_plugin(
        json!({ "id": "typings-test-only", "version": "1.0.0", "main": "main.js" }),
        "export function names() { return Object.getOwnPropertyNames(qirvo).sort(); }\n",
    );
    std::fs::write(
        dir.path().join("main.test.js"),
        r#"import { names } from "./main.js";
qirvo.test("test and assert are there", () => {
  qirvo.assert.ok(typeof qirvo.test === "function");
  qirvo.assert.ok(typeof qirvo.assert.equal === "function");
  qirvo.assert.ok(names().includes("test") && names().includes("assert"));
});
"#,
    )
    .unwrap();
    let (rt, _logs) = runtime();
    let p = rt.load(dir.path()).await.unwrap();
    let names = strings(&p.call("names", vec![]).await.unwrap());
    p.unload().await.unwrap();
    for only in TEST_ONLY {
        assert!(!names.contains(&only.to_string()), "{names:?}");
    }
    let out = qirvo(&["test", dir.path().to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// A fenced ts/js block of a markdown file: where it starts, its language, its text.
struct Block {
    line: usize,
    lang: String,
    code: String,
}

fn code_blocks(markdown: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Option<Block> = None;
    for (i, line) in markdown.lines().enumerate() {
        let fence = line.trim_start();
        if let Some(mut block) = open.take() {
            if fence.starts_with("```") {
                blocks.push(block);
            } else {
                block.code.push_str(line);
                block.code.push('\n');
                open = Some(block);
            }
        } else if let Some(info) = fence.strip_prefix("```") {
            open = Some(Block {
                line: i + 1,
                lang: info.split([' ', ',']).next().unwrap_or("").to_string(),
                code: String::new(),
            });
        }
    }
    assert!(open.is_none(), "an unclosed ``` block");
    blocks
        .into_iter()
        .filter(|b| ["ts", "typescript", "js", "javascript"].contains(&b.lang.as_str()))
        .collect()
}

/// Every ts/js block of README.md and docs/*.md, as a module of one plugin per markdown
/// file (the scaffold's tsconfig and qirvo.d.ts, and the orders example's host-api.d.ts
/// for the blocks that call `qirvo.host.orders`). A block's first line may say
/// `// file: NAME` (later blocks import it by that name) or `// tsc: skip (why)` for a
/// block that is deliberately partial; the reason is required.
#[test]
fn every_ts_and_js_block_in_the_docs_type_checks_under_the_scaffold_config() {
    let Some(tsc) = tsc() else {
        eprintln!("skipped: no tsc on PATH (npm install -g typescript)");
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut docs = vec![root.join("README.md")];
    let mut guides: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    guides.sort();
    docs.extend(guides);
    let mut failures = Vec::new();
    let mut checked = 0;
    for doc in &docs {
        let name = doc.strip_prefix(root).unwrap().display().to_string();
        let blocks = code_blocks(&std::fs::read_to_string(doc).unwrap());
        if blocks.is_empty() {
            continue;
        }
        let (_parent, dir) = scaffold();
        // The blocks stand alone: not the scaffold's own main.ts and its test.
        std::fs::remove_file(dir.join("main.ts")).unwrap();
        std::fs::remove_file(dir.join("main.test.ts")).unwrap();
        std::fs::copy(
            root.join("examples/plugins/orders/host-api.d.ts"),
            dir.join("host-api.d.ts"),
        )
        .unwrap();
        let mut files = Vec::new();
        for b in &blocks {
            let first = b.code.lines().next().unwrap_or("").trim();
            if let Some(why) = first.strip_prefix("// tsc: skip") {
                let why = why.trim().trim_start_matches(['(', '-', '—', ':', ' ']);
                assert!(
                    why.trim_end_matches(')').trim().len() > 3,
                    "{name}:{}: `// tsc: skip` needs a reason",
                    b.line
                );
                continue;
            }
            let js = b.lang.starts_with('j');
            let file = match first.strip_prefix("// file: ") {
                Some(f) => f.trim().to_string(),
                None => format!("block_{}.{}", b.line, if js { "js" } else { "ts" }),
            };
            // A plugin's files are ES modules (top-level await included); JS is checked too.
            let head = if js { "// @ts-check\n" } else { "" };
            std::fs::write(dir.join(&file), format!("{head}{}\nexport {{}};\n", b.code)).unwrap();
            files.push((file, b.line));
            checked += 1;
        }
        let (ok, output) = run_tsc(&tsc, &dir);
        if !ok {
            // Name each error by the markdown line it comes from.
            let mut said = output.clone();
            for (file, line) in &files {
                said = said.replace(
                    &format!("{file}("),
                    &format!("{name} block at line {line} ({file}:"),
                );
            }
            failures.push(said);
        }
    }
    assert!(checked >= 5, "only {checked} blocks found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// What the guides promise a plugin can write: a JSON import `with { type: "json" }`, a
/// `.js` helper imported from TypeScript (typed from its JSDoc), iterating `Headers`. The
/// scaffold's tsconfig accepts them under `strict`, they run, and what a plugin does not
/// have (the DOM's `document`, `localStorage`, `WebSocket`) does not compile.
#[test]
fn the_scaffold_tsconfig_type_checks_the_documented_features_and_not_the_dom() {
    let Some(tsc) = tsc() else {
        eprintln!("skipped: no tsc on PATH (npm install -g typescript)");
        return;
    };
    let (_parent, dir) = scaffold();
    let tsconfig = std::fs::read_to_string(dir.join("tsconfig.json")).unwrap();
    assert!(!tsconfig.to_lowercase().contains("dom"), "{tsconfig}");
    std::fs::write(
        dir.join("words.json"),
        r#"{ "greeting": "hello", "count": 2 }"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("util.js"),
        "/** @param {string} s */\nexport function shout(s) {\n  return s.toUpperCase() + \"!\";\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("features.ts"),
        r#"import words from "./words.json" with { type: "json" };
import { shout } from "./util.js";

export function headerLines(): string[] {
  const headers = new Headers({ "X-B": "2", "x-a": "1" });
  const lines: string[] = [];
  for (const [name, value] of headers) lines.push(`${name}=${value}`);
  const copy: Record<string, string> = Object.fromEntries(headers.entries());
  return [...lines, String(Object.keys(copy).length)];
}

export function greeting(): string {
  const n: number = words.count;
  return shout(words.greeting).repeat(n);
}
"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("features.test.ts"),
        r#"import { greeting, headerLines } from "./features.ts";

qirvo.test("documented features run", () => {
  qirvo.assert.equal(headerLines(), ["x-a=1", "x-b=2", "2"]);
  qirvo.assert.equal(greeting(), "HELLO!HELLO!");
});
"#,
    )
    .unwrap();
    let (ok, output) = run_tsc(&tsc, &dir);
    assert!(ok, "{output}");
    let out = qirvo(&["test", dir.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert_eq!(text(&out.stdout).lines().last(), Some("3 passed, 0 failed"));

    // Wrong code is refused: the DOM's globals, and the JSON's and the helper's types.
    std::fs::write(
        dir.join("wrong.ts"),
        r#"import words from "./words.json" with { type: "json" };
import { shout } from "./util.js";
export const a = document.title;
export const b = localStorage.getItem("k");
export const c = new WebSocket("wss://example.com/");
export const d: string = words.count;
export const e: number = shout("x");
export const f = window;
"#,
    )
    .unwrap();
    let (ok, output) = run_tsc(&tsc, &dir);
    assert!(!ok, "tsc accepted wrong code");
    for line in 3..=8 {
        assert!(
            output.contains(&format!("wrong.ts({line},")),
            "no error on wrong.ts line {line}:\n{output}"
        );
    }
    assert_eq!(output.matches("wrong.ts(").count(), 6, "{output}");
}

/// The example plugins (examples/plugins/*) type-check under the scaffold's tsconfig too.
#[test]
fn the_example_plugins_type_check_under_the_scaffold_config() {
    let Some(tsc) = tsc() else {
        eprintln!("skipped: no tsc on PATH (npm install -g typescript)");
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (_parent, dir) = scaffold();
    let mut config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("tsconfig.json")).unwrap()).unwrap();
    config["files"] = json!([root.join("js/qirvo.d.ts")]);
    config["include"] = json!([root.join("examples/plugins/**/*.ts")]);
    std::fs::write(dir.join("tsconfig.json"), config.to_string()).unwrap();
    std::fs::remove_file(dir.join("main.ts")).unwrap();
    std::fs::remove_file(dir.join("main.test.ts")).unwrap();
    let (ok, output) = run_tsc(&tsc, &dir);
    assert!(ok, "{output}");
}
