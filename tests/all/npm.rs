//! npm packages (issue 19): bare imports from the plugin's own node_modules/ by Node's
//! rules, CommonJS, Node's built-ins refused, links and `exports` leaving the plugin
//! refused, the manifest's import map, and `qirvo bundle`.
//!
//! Real packages are installed by `npm ci` into a temporary copy of
//! fixtures/plugins/npm-packages, once per test run. Without npm these tests print a note
//! and pass, except under `CI=true`, where they fail.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::{Value, json};

use crate::helpers::{plugin_fixture, qirvo, runtime, text};
use qirvo::LoadError;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dest = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), dest).unwrap();
        }
    }
}

/// The npm-packages fixture with its packages installed (once per test run), or `None`
/// (with a note) where npm is missing and this is not CI.
fn installed() -> Option<&'static Path> {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    DIR.get_or_init(|| {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true");
        let npm_works = std::process::Command::new("npm")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        if !npm_works {
            assert!(!ci, "CI=true but npm is not on PATH: the npm tests need it");
            eprintln!("note: npm is not on PATH; skipping the tests with real npm packages");
            return None;
        }
        let dir = tempfile::tempdir().unwrap().keep().join("npm-packages");
        copy_dir(&plugin_fixture("npm-packages"), &dir);
        let out = std::process::Command::new("npm")
            .args([
                "ci",
                "--no-audit",
                "--no-fund",
                "--ignore-scripts",
                "--loglevel=error",
            ])
            .current_dir(&dir)
            .output()
            .expect("run npm ci");
        assert!(
            out.status.success(),
            "npm ci failed in {}: {}{}",
            dir.display(),
            text(&out.stdout),
            text(&out.stderr)
        );
        Some(dir)
    })
    .as_deref()
}

/// A temporary copy of the npm-local fixture with its hand-made packages in node_modules/,
/// and a directory outside it that links lead to.
fn local() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("plugin");
    copy_dir(&plugin_fixture("npm-local"), &dir);
    std::fs::rename(dir.join("packages"), dir.join("node_modules")).unwrap();
    // Outside the plugin: a package a link leads to, and a file an `exports` target links to.
    let outside = tmp.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(
        outside.join("package.json"),
        r#"{"name":"linked","main":"index.js"}"#,
    )
    .unwrap();
    std::fs::write(outside.join("index.js"), "export const secret = 42;").unwrap();
    std::os::unix::fs::symlink(&outside, dir.join("node_modules/linked")).unwrap();
    std::os::unix::fs::symlink(
        outside.join("index.js"),
        dir.join("node_modules/evil/link.js"),
    )
    .unwrap();
    (tmp, dir)
}

#[tokio::test(flavor = "multi_thread")]
async fn real_packages_load_from_the_plugins_node_modules() {
    let Some(dir) = installed() else { return };
    let (rt, _) = runtime();
    let p = rt.load(dir).await.unwrap();
    let good = p
        .call("check", vec![json!({"name": "ada", "age": 36})])
        .await
        .unwrap();
    assert_eq!(good["valid"], true, "{good}");
    assert_eq!(
        good["uuid"], true,
        "uuid's browser build, with crypto: {good}"
    );
    assert_eq!(
        good["sha256"],
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(good["ms"], json!([7_200_000, "2s"]));
    assert_eq!(good["chunk"], json!([[1, 2], [3, 4], [5]]));
    // zod validates for real: each bad field is named.
    let bad = p
        .call("check", vec![json!({"name": "", "age": 1.5})])
        .await
        .unwrap();
    assert_eq!(bad["valid"], false);
    assert_eq!(bad["issues"], json!(["name", "age"]));
}

#[tokio::test(flavor = "multi_thread")]
async fn commonjs_exports_conditions_and_the_import_map() {
    let (_tmp, dir) = local();
    let (rt, _) = runtime();
    let p = rt.load(&dir).await.unwrap();
    let s = p.call("summary", vec![]).await.unwrap();
    assert_eq!(
        s,
        json!({
            // CommonJS: named exports, a relative require without extension, JSON.
            "twice": 8,
            "version": "4.5.6",
            // A require cycle sees the unfinished exports, as in Node.
            "cycle": "function",
            "filename": "/plugin/node_modules/cjs-lib/index.js",
            // "worker" wins over "default" and "node" is never matched; #imports work.
            "which": "worker:internal",
            // A subpath pattern.
            "feature": "a",
            // The manifest's import map: a name and a prefix.
            "vendored": "vendored",
            "tool": "tool",
        })
    );
    // Errors a CommonJS module gets from require() name the call and the reason.
    let e = p.call("requireError", vec![json!("fs")]).await.unwrap();
    let e = e.as_str().unwrap();
    assert!(
        e.contains("require(\"fs\")")
            && e.contains("./node_modules/cjs-lib/index.js")
            && e.contains("Node built-in")
            && e.contains("qirvo.fs"),
        "{e}"
    );
    let e = p
        .call("requireError", vec![json!("left-pad")])
        .await
        .unwrap();
    assert!(
        e.as_str().unwrap().contains("string literal"),
        "a computed require is refused: {e}"
    );
    // A CommonJS stack frame names the package file and its own line.
    let stack = p.call("cjsStack", vec![]).await.unwrap();
    assert!(
        stack
            .as_str()
            .unwrap()
            .contains("/plugin/node_modules/cjs-lib/index.js?qirvo-cjs:11:"),
        "{stack}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn imports_that_leave_the_plugin_or_name_nothing_are_refused_by_name() {
    let (_tmp, dir) = local();
    let (rt, _) = runtime();
    let p = rt.load(&dir).await.unwrap();
    let cases: &[(&str, &[&str])] = &[
        // A node_modules entry that is a link to a directory outside.
        (
            "linked",
            &[
                "is refused",
                "./node_modules/linked",
                "outside the plugin directory",
            ],
        ),
        // `exports` pointing at a link to a file outside.
        (
            "evil",
            &[
                "is refused",
                "./node_modules/evil/link.js",
                "outside the plugin directory",
            ],
        ),
        // `exports` pointing up out of the package: not a valid target (Node's rule).
        (
            "pat/escape",
            &[
                "Invalid \"exports\" target",
                "./node_modules/pat/package.json",
            ],
        ),
        // Not exported.
        (
            "pat/features/private/x",
            &["\"./features/private/x\" is not exported"],
        ),
        (
            "pat/features/zz",
            &["package \"pat\" has no module \"pat/features/zz\""],
        ),
        (
            "left-pad",
            &[
                "package \"left-pad\" is not installed",
                "npm install left-pad",
            ],
        ),
        (
            "@scope/none/sub",
            &[
                "package \"@scope/none\" is not installed",
                "npm install @scope/none",
            ],
        ),
        ("#nothing", &["\"#nothing\""]),
        (
            "node:fs",
            &[
                "is refused",
                "node:fs is a Node built-in",
                "qirvo.fs",
                "fetch",
            ],
        ),
        ("path", &["is refused", "node:path is a Node built-in"]),
        ("crypto", &["is refused", "crypto.subtle"]),
    ];
    for (spec, wants) in cases {
        let e = p.call("importError", vec![json!(spec)]).await.unwrap();
        let e = e.as_str().unwrap();
        assert!(
            e.contains(&format!("import {spec:?} from ./main.ts")),
            "{e}"
        );
        for w in *wants {
            assert!(e.contains(w), "{spec}: wanted {w:?} in {e}");
        }
        assert!(
            !e.contains(dir.to_str().unwrap()),
            "no host path in the message: {e}"
        );
    }
    // The plugin still works afterwards.
    assert_eq!(p.call("summary", vec![]).await.unwrap()["twice"], 8);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_package_fails_the_load_naming_it() {
    let dir = crate::helpers::write_plugin(
        json!({"id": "npm-missing", "version": "1.0.0", "main": "main.js"}),
        "import { z } from \"zod\"; export const x = z;",
    );
    let (rt, _) = runtime();
    let err = rt.load(dir.path()).await.unwrap_err();
    assert!(matches!(err, LoadError::Module { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("package \"zod\" is not installed") && msg.contains("npm install zod"),
        "{msg}"
    );
}

#[test]
fn the_import_map_is_validated_and_the_schema_agrees() {
    let schema = qirvo::manifest_schema();
    let v = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&schema)
        .unwrap();
    let cases: Vec<(Value, bool)> = vec![
        (json!({"lodash": "./vendor/lodash.js"}), true),
        (
            json!({"@s/p": "./v/p/index.mjs", "lib/": "./vendor/lib/"}),
            true,
        ),
        (json!({"fs": "./shims/fs.js"}), true),
        (json!({"lib/": "./"}), true),
        (json!({"a": "./..x/.y/z..js"}), true),
        (json!({}), true),
        (Value::Null, true),
        (json!({"": "./a.js"}), false),
        (json!({"./a": "./a.js"}), false),
        (json!({"/a": "./a.js"}), false),
        (json!({"#a": "./a.js"}), false),
        (json!({"node:fs": "./a.js"}), false),
        (json!({"a b": "./a.js"}), false),
        (json!({"a\\b": "./a.js"}), false),
        (json!({"a": "a.js"}), false),
        (json!({"a": "/a.js"}), false),
        (json!({"a": "./../a.js"}), false),
        (json!({"a": "./x/../a.js"}), false),
        (json!({"a": "./x/./a.js"}), false),
        (json!({"a": "./x//a.js"}), false),
        (json!({"a": "./x/"}), false),
        (json!({"a/": "./x"}), false),
        (json!({"a": "./x\\a.js"}), false),
        (json!({"a": "./x\ta.js"}), false),
        (json!({"a": 1}), false),
        (json!({"a": null}), false),
        (json!(["./a.js"]), false),
        (json!("./a.js"), false),
        (json!({ "k".repeat(256): "./a.js" }), true),
        (json!({ "k".repeat(257): "./a.js" }), false),
        (json!({"a": format!("./{}", "x".repeat(1022))}), true),
        (json!({"a": format!("./{}", "x".repeat(1023))}), false),
        (
            Value::Object(
                (0..1000)
                    .map(|i| (format!("p{i}"), json!("./a.js")))
                    .collect(),
            ),
            true,
        ),
        (
            Value::Object(
                (0..1001)
                    .map(|i| (format!("p{i}"), json!("./a.js")))
                    .collect(),
            ),
            false,
        ),
    ];
    for (imports, ok) in cases {
        let m = json!({"id": "e", "version": "1.0.0", "main": "m.ts", "imports": imports});
        let parser = qirvo::Manifest::parse(&m.to_string(), Path::new("manifest.json"), None);
        let shown = m.to_string().chars().take(120).collect::<String>();
        assert_eq!(parser.is_ok(), ok, "parser on {shown}: {:?}", parser.err());
        assert_eq!(v.is_valid(&m), ok, "schema on {shown}");
        if let Err(e) = parser {
            let e = e.to_string();
            assert!(e.contains("imports"), "names the field: {e}");
        }
    }
    // A key given twice is refused (which JSON Schema cannot see).
    let twice =
        r#"{"id":"e","version":"1.0.0","main":"m.ts","imports":{"a":"./a.js","a":"./b.js"}}"#;
    let e = qirvo::Manifest::parse(twice, Path::new("manifest.json"), None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("given twice"), "{e}");
    let parsed = qirvo::Manifest::parse(
        r#"{"id":"e","version":"1.0.0","main":"m.ts","imports":{"lib/":"./vendor/lib/"}}"#,
        Path::new("manifest.json"),
        None,
    )
    .unwrap();
    assert_eq!(
        parsed.imports.get("lib/").map(String::as_str),
        Some("./vendor/lib/")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bundled_plugin_runs_the_same_and_its_stack_names_the_original_file() {
    let Some(dir) = installed() else { return };
    let out = tempfile::tempdir().unwrap();
    let bundled = out.path().join("bundled");
    let r = qirvo(&[
        "bundle",
        dir.to_str().unwrap(),
        "--out",
        bundled.to_str().unwrap(),
    ]);
    assert!(r.status.success(), "{}", text(&r.stderr));
    // One module, its source map and the manifest: no node_modules.
    let mut files: Vec<String> = std::fs::read_dir(&bundled)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, ["main.js", "main.js.map", "manifest.json"]);
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(bundled.join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["main"], "main.js");
    assert_eq!(manifest["id"], "com.example.npm-packages");

    let (rt, _) = runtime();
    let original = rt.load(dir).await.unwrap();
    let (rt2, _) = runtime();
    let packed = rt2.load(&bundled).await.unwrap();
    for input in [json!({"name": "ada", "age": 36}), json!({"age": -1})] {
        let a = original.call("check", vec![input.clone()]).await.unwrap();
        let b = packed.call("check", vec![input]).await.unwrap();
        assert_eq!(a, b);
    }
    let a = original.call("crash", vec![]).await.unwrap();
    let b = packed.call("crash", vec![]).await.unwrap();
    let first_frame = |s: &Value| s.as_str().unwrap().lines().nth(1).unwrap_or("").to_string();
    assert!(
        first_frame(&b).contains("file:///plugin/src/util.ts:3:"),
        "{b}"
    );
    assert_eq!(first_frame(&a), first_frame(&b));
}

#[test]
fn bundle_refuses_bad_arguments_clearly() {
    let hello = plugin_fixture("hello");
    let hello = hello.to_str().unwrap();
    // Not a plugin directory.
    let r = qirvo(&["bundle", "/nonexistent/plugin"]);
    assert_eq!(r.status.code(), Some(2));
    assert!(
        text(&r.stderr).contains("/nonexistent/plugin"),
        "{}",
        text(&r.stderr)
    );
    // The output is the plugin directory itself.
    let r = qirvo(&["bundle", hello, "--out", hello]);
    assert_eq!(r.status.code(), Some(2));
    assert!(
        text(&r.stderr).contains("is the plugin directory itself"),
        "{}",
        text(&r.stderr)
    );
    // An esbuild that is not there.
    let out = tempfile::tempdir().unwrap();
    let r = qirvo(&[
        "bundle",
        hello,
        "--out",
        out.path().to_str().unwrap(),
        "--esbuild",
        "/nonexistent/esbuild",
    ]);
    assert_eq!(r.status.code(), Some(2));
    let e = text(&r.stderr);
    assert!(
        e.contains("/nonexistent/esbuild") && e.contains("npm install --save-dev esbuild"),
        "{e}"
    );
    // An --out that is a file.
    let file = out.path().join("file");
    std::fs::write(&file, "x").unwrap();
    let r = qirvo(&["bundle", hello, "--out", file.to_str().unwrap()]);
    assert_eq!(r.status.code(), Some(2));
    assert!(
        text(&r.stderr).contains("not a directory"),
        "{}",
        text(&r.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn package_modules_go_through_the_transpile_cache() {
    let (_tmp, dir) = local();
    let data = tempfile::tempdir().unwrap();
    let config = || qirvo::RuntimeConfig {
        data_dir: data.path().to_path_buf(),
        code_cache: true,
        ..qirvo::RuntimeConfig::default()
    };
    let cached = || {
        std::fs::read_dir(data.path().join("cache/transpiled"))
            .map(|d| d.count())
            .unwrap_or(0)
    };
    let rt = qirvo::PluginRuntime::new(config()).unwrap();
    let p = rt.load(&dir).await.unwrap();
    let first = p.call("summary", vec![]).await.unwrap();
    let after_first = cached();
    // main.ts, and each CommonJS-or-ESM decision for the package .js files.
    assert!(after_first >= 4, "{after_first} entries");
    p.unload().await.unwrap();
    let rt = qirvo::PluginRuntime::new(config()).unwrap();
    let p = rt.load(&dir).await.unwrap();
    assert_eq!(p.call("summary", vec![]).await.unwrap(), first);
    assert_eq!(cached(), after_first, "the second load reuses every entry");
}

/// The esbuild the npm-packages fixture installs, or `None` (with the note) without npm.
fn esbuild() -> Option<PathBuf> {
    Some(installed()?.join("node_modules/.bin/esbuild"))
}

/// Writes `files` (path, contents) under `dir`, creating directories.
fn write_files(dir: &Path, files: &[(&str, &str)]) {
    for (path, body) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    }
}

/// Every file under `dir` whose contents hold `needle`.
fn files_holding(dir: &Path, needle: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for e in entries.flatten() {
        let ft = e.file_type().unwrap();
        if ft.is_dir() {
            found.extend(files_holding(&e.path(), needle));
        } else if ft.is_file()
            && std::fs::read(e.path()).is_ok_and(|b| String::from_utf8_lossy(&b).contains(needle))
        {
            found.push(e.path());
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread")]
async fn bundle_refuses_inputs_outside_the_plugin_as_the_loader_does_and_writes_nothing() {
    let Some(esbuild) = esbuild() else { return };
    const SECRET: &str = "SECRET-7f3a";
    // (case, files in the plugin, links in the plugin -> paths outside, manifest imports)
    type Case = (
        &'static str,
        Vec<(&'static str, &'static str)>,
        Vec<(&'static str, &'static str)>,
        Value,
    );
    let cases: Vec<Case> = vec![
        (
            "a CommonJS require climbing out of a package",
            vec![
                (
                    "main.js",
                    "import c from \"evil\"; export function f() { return c; }",
                ),
                (
                    "node_modules/evil/package.json",
                    r#"{"name":"evil","main":"index.js"}"#,
                ),
                (
                    "node_modules/evil/index.js",
                    "module.exports = require(\"../../../devcreds.json\");",
                ),
            ],
            vec![],
            json!({}),
        ),
        (
            "a node_modules entry linked to a directory outside",
            vec![(
                "main.js",
                "import { s } from \"y\"; export function f() { return s; }",
            )],
            vec![("node_modules/y", "outside")],
            json!({}),
        ),
        (
            "an ES import climbing out of a package",
            vec![
                (
                    "main.js",
                    "import { a } from \"esc\"; export function f() { return a; }",
                ),
                (
                    "node_modules/esc/package.json",
                    r#"{"name":"esc","type":"module","main":"index.js"}"#,
                ),
                (
                    "node_modules/esc/index.js",
                    "import \"../../../secret.mjs\"; export const a = 1;",
                ),
            ],
            vec![],
            json!({}),
        ),
        (
            "an import-map target that is a link outside",
            vec![(
                "main.js",
                "import { s } from \"cfg\"; export function f() { return s; }",
            )],
            vec![("vendor/cfg.js", "outside/index.js")],
            json!({"cfg": "./vendor/cfg.js"}),
        ),
    ];
    for (what, files, links, imports) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let base = tmp.path();
        write_files(
            base,
            &[
                ("devcreds.json", &format!("{{\"token\": \"{SECRET}\"}}")),
                ("secret.mjs", &format!("globalThis.leak = \"{SECRET}\";")),
                ("outside/package.json", r#"{"name":"y","main":"index.js"}"#),
                (
                    "outside/index.js",
                    &format!("export const s = \"{SECRET}\";"),
                ),
            ],
        );
        let plugin = base.join("plugin");
        let mut manifest =
            json!({"id": "com.example.escape", "version": "1.0.0", "main": "main.js"});
        if imports.as_object().is_some_and(|m| !m.is_empty()) {
            manifest["imports"] = imports;
        }
        let manifest = manifest.to_string();
        write_files(&plugin, &[("manifest.json", manifest.as_str())]);
        write_files(&plugin, &files);
        for (link, target) in links {
            let l = plugin.join(link);
            std::fs::create_dir_all(l.parent().unwrap()).unwrap();
            std::os::unix::fs::symlink(base.join(target), l).unwrap();
        }
        // The loader refuses it...
        let (rt, _) = runtime();
        let err = rt.load(&plugin).await.map(|_| ()).unwrap_err().to_string();
        assert!(
            err.contains("outside the plugin directory"),
            "{what}: loader: {err}"
        );
        // ...and so does the bundler, naming the outside file, writing nothing.
        let out = base.join("out");
        let r = qirvo(&[
            "bundle",
            plugin.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--esbuild",
            esbuild.to_str().unwrap(),
        ]);
        let e = text(&r.stderr);
        assert!(!r.status.success(), "{what}: bundled: {e}");
        assert!(
            e.contains("leads outside the plugin directory") && e.contains(base.to_str().unwrap()),
            "{what}: {e}"
        );
        assert!(!e.contains("panicked"), "{what}: {e}");
        assert!(!out.exists(), "{what}: --out was written");
        let held: Vec<PathBuf> = files_holding(base, SECRET)
            .into_iter()
            .filter(|p| !p.starts_with(base.join("outside")))
            .filter(|p| {
                !["devcreds.json", "secret.mjs"]
                    .iter()
                    .any(|f| *p == base.join(f))
            })
            .collect();
        assert!(
            held.is_empty(),
            "{what}: the secret was copied into {held:?}"
        );
        let leftovers: Vec<_> = std::fs::read_dir(base)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".qirvo-bundle"))
            .collect();
        assert!(leftovers.is_empty(), "{what}: {leftovers:?}");
    }
    // The control: the same require staying inside the plugin bundles and runs.
    let tmp = tempfile::tempdir().unwrap();
    let plugin = tmp.path().join("plugin");
    write_files(
        &plugin,
        &[
            (
                "manifest.json",
                r#"{"id":"com.example.inside","version":"1.0.0","main":"main.js"}"#,
            ),
            (
                "main.js",
                "import c from \"ok\"; export function f() { return c.token; }",
            ),
            ("creds.json", "{\"token\": \"inside\"}"),
            (
                "node_modules/ok/package.json",
                r#"{"name":"ok","main":"index.js"}"#,
            ),
            (
                "node_modules/ok/index.js",
                "module.exports = require(\"../../creds.json\");",
            ),
        ],
    );
    let out = tmp.path().join("out");
    let r = qirvo(&[
        "bundle",
        plugin.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--esbuild",
        esbuild.to_str().unwrap(),
    ]);
    assert!(r.status.success(), "{}", text(&r.stderr));
    let (rt, _) = runtime();
    let p = rt.load(&out).await.unwrap();
    assert_eq!(p.call("f", vec![]).await.unwrap(), "inside");
}

#[test]
fn bundle_out_never_overwrites_what_is_not_its_own_bundle() {
    let Some(esbuild) = esbuild() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let plugin = tmp.path().join("plugin");
    // The usual tsc layout: the plugin's main is dist/main.js.
    write_files(
        &plugin,
        &[
            (
                "manifest.json",
                r#"{"id":"com.example.tsc","version":"1.0.0","main":"dist/main.js"}"#,
            ),
            ("dist/main.js", "export function f() { return 1; }"),
        ],
    );
    let bundle = |out: Option<&Path>| {
        let mut args = vec![
            "bundle".to_string(),
            plugin.to_str().unwrap().to_string(),
            "--esbuild".into(),
            esbuild.to_str().unwrap().into(),
        ];
        if let Some(out) = out {
            args.extend(["--out".into(), out.to_str().unwrap().into()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        qirvo(&args)
    };
    let refused = |out: &Path, want: &str| {
        let before = files_holding(out, "");
        let contents: Vec<Vec<u8>> = before.iter().map(|p| std::fs::read(p).unwrap()).collect();
        let r = bundle(Some(out));
        let e = text(&r.stderr);
        assert_eq!(r.status.code(), Some(2), "{}: {e}", out.display());
        assert!(
            e.contains(want),
            "{}: wanted {want:?} in {e}",
            out.display()
        );
        assert!(!e.contains("    at "), "no Node stack: {e}");
        let after = files_holding(out, "");
        assert_eq!(before, after, "{}", out.display());
        for (p, c) in before.iter().zip(contents) {
            assert_eq!(std::fs::read(p).unwrap(), c, "{} changed", p.display());
        }
    };
    // The plugin's own dist/ holds its main module.
    refused(&plugin.join("dist"), "holds the plugin's main module");
    // Another plugin's directory.
    let other = tmp.path().join("other");
    write_files(
        &other,
        &[
            (
                "manifest.json",
                r#"{"id":"com.example.other","version":"1.0.0","main":"main.js"}"#,
            ),
            ("main.js", "export const mine = 1;"),
        ],
    );
    refused(&other, "is not a bundle of com.example.tsc");
    // A directory of something else.
    let notes = tmp.path().join("notes");
    write_files(&notes, &[("todo.txt", "keep me")]);
    refused(&notes, "is not a bundle");
    // An ancestor of the plugin.
    refused(tmp.path(), "is an ancestor of the plugin directory");
    // A previous bundle of the same plugin with a stranger file in it.
    let default_out = plugin.join("qirvo-bundle");
    // The default output cannot collide with dist/; bundling twice replaces the bundle.
    for _ in 0..2 {
        let r = bundle(None);
        assert!(r.status.success(), "{}", text(&r.stderr));
    }
    let mut files: Vec<String> = std::fs::read_dir(&default_out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, ["main.js", "main.js.map", "manifest.json"]);
    assert_eq!(
        std::fs::read_to_string(plugin.join("dist/main.js")).unwrap(),
        "export function f() { return 1; }"
    );
    write_files(&default_out, &[("extra.txt", "mine")]);
    refused(&default_out, "holds \"extra.txt\"");
}

#[test]
fn bundle_help_says_whose_esbuild_it_runs() {
    let r = qirvo(&["bundle", "--help"]);
    let out = text(&r.stdout);
    assert!(
        out.contains("node_modules/.bin/esbuild") && out.contains("plugins you trust"),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn resolver_errors_name_the_map_entry_the_bad_json_and_the_link_loop() {
    // (case, manifest imports, main.js, files, links (link -> target inside), wanted, unwanted)
    type Case = (
        &'static str,
        Value,
        &'static str,
        Vec<(&'static str, &'static str)>,
        Vec<(&'static str, &'static str)>,
        Vec<&'static str>,
    );
    let cases: Vec<Case> = vec![
        (
            "an import-map target that is missing",
            json!({"gone": "./vendor/gone.js"}),
            "import \"gone\";",
            vec![],
            vec![],
            vec!["\"gone\"", "./vendor/gone.js", "missing"],
        ),
        (
            "an import-map prefix whose file is missing",
            json!({"lib/": "./vendor/lib/"}),
            "import \"lib/nope.js\";",
            vec![("vendor/lib/there.js", "export {};")],
            vec![],
            vec!["\"lib/nope.js\"", "./vendor/lib/nope.js", "missing"],
        ),
        (
            "a malformed package.json",
            json!({}),
            "import \"bad\";",
            vec![
                (
                    "node_modules/bad/package.json",
                    "{\n  \"name\": \"bad\",\n  \"main\": \n}",
                ),
                ("node_modules/bad/index.js", "export {};"),
            ],
            vec![],
            vec![
                "package.json of \"bad\"",
                "is not valid JSON",
                "at line 4 column",
            ],
        ),
        (
            "a link loop",
            json!({}),
            "import \"loop\";",
            vec![],
            vec![
                ("node_modules/loop", "node_modules/loop2"),
                ("node_modules/loop2", "node_modules/loop"),
            ],
            vec!["link loop", "node_modules/loop"],
        ),
    ];
    for (what, imports, main, files, links, wants) in cases {
        let mut manifest =
            json!({"id": "com.example.errors", "version": "1.0.0", "main": "main.js"});
        if imports.as_object().is_some_and(|m| !m.is_empty()) {
            manifest["imports"] = imports;
        }
        let dir = crate::helpers::write_plugin(manifest, main);
        write_files(dir.path(), &files);
        for (link, target) in links {
            let l = dir.path().join(link);
            std::fs::create_dir_all(l.parent().unwrap()).unwrap();
            std::os::unix::fs::symlink(dir.path().join(target), l).unwrap();
        }
        let (rt, _) = runtime();
        let msg = rt
            .load(dir.path())
            .await
            .map(|_| ())
            .unwrap_err()
            .to_string();
        for w in wants {
            assert!(msg.contains(w), "{what}: wanted {w:?} in {msg}");
        }
        for bad in ["not installed", "npm install .", "JSONError", "{ path:"] {
            assert!(!msg.contains(bad), "{what}: {bad:?} in {msg}");
        }
        assert!(
            !msg.contains(dir.path().to_str().unwrap()),
            "{what}: no host path: {msg}"
        );
    }
}
