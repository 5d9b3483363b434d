//! What a plugin module may load and see, and how values cross the boundary.

use qirvo::{LoadError, LogLevel, PluginError};
use serde_json::json;

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread")]
async fn relative_ts_js_and_json_imports_work() {
    let (rt, _) = runtime();
    let p = rt.load(plugin_fixture("imports")).await.unwrap();
    assert_eq!(p.call("compute", vec![json!(5)]).await.unwrap(), json!(11));
    assert_eq!(
        p.call("loud", vec![json!("hey")]).await.unwrap(),
        json!("HEY!")
    );
    assert_eq!(
        p.call("name", vec![]).await.unwrap(),
        json!("imports-fixture")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn imports_outside_the_directory_are_refused() {
    let (rt, _) = runtime();
    let err = rt.load(plugin_fixture("escape-import")).await.unwrap_err();
    assert!(matches!(err, LoadError::Module { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("\"../hello/main.ts\""), "{msg}");
    assert!(msg.contains("./main.ts"), "names the importing file: {msg}");
    assert!(msg.contains("outside the plugin directory"), "{msg}");

    let err = rt
        .load(plugin_fixture("bare-import"))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("\"lodash\"") && err.contains("bare specifiers"),
        "{err}"
    );
    assert!(rt.plugins().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn dynamic_imports_cannot_leave_the_plugin() {
    let (rt, _) = runtime();
    let p = rt.load(plugin_fixture("plain-js")).await.unwrap();
    for spec in [
        "https://example.com/x.js",
        "ext:core/mod.js",
        "ext:qirvo/bootstrap.js",
        "node:fs",
        "/etc/passwd",
        "file:///etc/passwd",
        "../hello/main.ts",
        "./missing.js",
        "lodash",
    ] {
        let err = p
            .call("dynamicImport", vec![json!(spec)])
            .await
            .unwrap_err();
        assert!(
            matches!(err, PluginError::Exception { .. }),
            "{spec}: {err:?}"
        );
    }
    // The plugin is fine afterwards.
    assert_eq!(p.call("scale", vec![json!(2)]).await.unwrap(), json!(6));
}

#[tokio::test(flavor = "multi_thread")]
async fn plugin_globals_are_the_web_platform_and_qirvo_only() {
    let (rt, _) = runtime();
    let p = rt.load(plugin_fixture("plain-js")).await.unwrap();
    let g = p.call("globals", vec![]).await.unwrap();
    assert_eq!(g["deno"], "undefined");
    assert_eq!(g["bootstrap"], "undefined");
    assert_eq!(g["fetch"], "undefined", "no network-access, no fetch");
    assert_eq!(g["qirvo"], "object");
    assert_eq!(g["qirvoId"], "plain-js");
    assert_eq!(g["url"], "1");
    assert_eq!(g["text"], "héllo");
    assert_eq!(g["base64"], "cWlydm8=");
    assert_eq!(g["clone"], json!({"a": [1, 2]}));
}

#[tokio::test(flavor = "multi_thread")]
async fn web_platform_apis_work() {
    let (rt, _) = runtime();
    let p = rt.load(plugin_fixture("plain-js")).await.unwrap();
    let w = p.call("webCrypto", vec![]).await.unwrap();
    assert_eq!(
        w,
        json!({
            "distinct": true, "uuid": true, "uuidsDiffer": true,
            "tooBig": "QuotaExceededError", "floats": "TypeMismatchError",
            "now": true, "microtask": "function", "abortReason": "why", "event": 1,
            "searchParams": "a=1&b=x+y", "domException": "AbortError"
        })
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn calls_carry_json_both_ways() {
    let (rt, _) = runtime();
    let p = rt.load(plugin_fixture("plain-js")).await.unwrap();
    // Config reached initialize.
    assert_eq!(p.call("scale", vec![json!(5)]).await.unwrap(), json!(15));
    let args = vec![
        json!("é€😀"),
        json!(null),
        json!({"a": [1, {"b": true}]}),
        json!(1.5),
    ];
    assert_eq!(p.call("echo", args.clone()).await.unwrap(), json!(args));
    assert_eq!(
        p.call("later", vec![json!(5), json!("v")]).await.unwrap(),
        json!("v")
    );
    assert_eq!(
        p.call("returnsUndefined", vec![]).await.unwrap(),
        json!(null)
    );
    // JS state persists across calls.
    assert_eq!(p.call("remember", vec![json!(1)]).await.unwrap(), json!(1));
    assert_eq!(p.call("remember", vec![json!(2)]).await.unwrap(), json!(2));
}

#[tokio::test(flavor = "multi_thread")]
async fn call_errors_are_typed() {
    let (rt, _) = runtime();
    let p = rt.load(plugin_fixture("plain-js")).await.unwrap();
    let err = p.call("fail", vec![json!("boom")]).await.unwrap_err();
    assert_eq!(err.exception().unwrap().message, "TypeError: boom");
    let err = p
        .call("rejectLater", vec![json!("later boom")])
        .await
        .unwrap_err();
    assert_eq!(err.exception().unwrap().message, "Error: later boom");
    for name in ["nope", "notAFunction"] {
        let err = p.call(name, vec![]).await.unwrap_err();
        assert!(
            matches!(err, PluginError::NoSuchExport { .. }),
            "{name}: {err:?}"
        );
    }
    for (name, reason) in [
        ("returnsFunction", "is a function"),
        ("returnsBigInt", "is a BigInt"),
        ("returnsCycle", "cyclic"),
    ] {
        let err = p.call(name, vec![]).await.unwrap_err();
        assert!(
            matches!(&err, PluginError::BadReturnValue { reason: r, .. } if r.contains(reason)),
            "{name}: {err:?}"
        );
    }
    // Still healthy after all that.
    assert_eq!(p.call("scale", vec![json!(1)]).await.unwrap(), json!(3));
}

#[tokio::test(flavor = "multi_thread")]
async fn typescript_stacks_point_at_the_original_lines() {
    let (rt, _) = runtime();
    let p = rt.load(plugin_fixture("throws-stack")).await.unwrap();
    let err = p.call("explode", vec![json!("x")]).await.unwrap_err();
    let stack = &err.exception().unwrap().stack;
    // Module URLs name the file inside the plugin, never the host's path.
    assert!(stack.contains("file:///plugin/main.ts:9:"), "{stack}");
    assert!(stack.contains("file:///plugin/main.ts:14:"), "{stack}");
    assert!(!stack.contains("fixtures/plugins"), "{stack}");
    assert!(
        !stack.contains("ext:qirvo"),
        "host frames are hidden: {stack}"
    );
    // The stack a plugin sees itself is mapped too.
    let inside = p.call("stackInside", vec![]).await.unwrap();
    assert!(inside.as_str().unwrap().contains("main.ts:9:"), "{inside}");
}

#[tokio::test(flavor = "multi_thread")]
async fn console_levels_reach_the_host() {
    let (rt, _) = runtime();
    let p = rt.load(plugin_fixture("plain-js")).await.unwrap();
    p.call("logLevels", vec![]).await.unwrap();
    let logs = p.logs();
    // qirvo.log's fields stay structured (issue 16), console lines have none.
    let fields: Vec<_> = logs
        .iter()
        .map(|e| serde_json::Value::Object(e.fields.clone()))
        .collect();
    assert_eq!(fields.last(), Some(&serde_json::json!({"n": 1})));
    assert!(
        fields[..fields.len() - 1]
            .iter()
            .all(|f| f == &serde_json::json!({}))
    );
    let got: Vec<_> = logs.into_iter().map(|e| (e.level, e.message)).collect();
    assert_eq!(
        got,
        [
            (LogLevel::Debug, "a debug line".to_string()),
            (LogLevel::Info, "a log line".to_string()),
            (LogLevel::Info, "an info line".to_string()),
            (LogLevel::Warn, "a warn line".to_string()),
            (LogLevel::Error, "an error line".to_string()),
            (LogLevel::Info, "structured".to_string()),
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn broken_manifests_name_file_field_and_reason() {
    let (rt, _) = runtime();
    let cases = [
        ("bad-json", "not valid JSON"),
        ("unknown-field", "mian: \"mian\" is not a field here"),
        (
            "bad-memory",
            "resources.memory: \"lots\" is not a size (expected e.g. \"128MB\")",
        ),
        (
            "main-outside",
            "main: \"../main.ts\" escapes the plugin directory",
        ),
        ("main-missing", "main: \"nope.ts\" does not exist"),
        (
            "unknown-permission",
            "permissions[0]: \"root-access\" is not a known permission",
        ),
        ("bad-id", "id: \"Not Valid\" is not a valid id"),
        ("bad-version", "version: \"v1\" is not a semantic version"),
    ];
    for (name, expected) in cases {
        let err = rt.load(fixture("manifests").join(name)).await.unwrap_err();
        assert!(matches!(err, LoadError::Manifest(_)), "{name}: {err:?}");
        let msg = err.to_string();
        assert!(
            msg.contains(&format!("{name}/manifest.json:")),
            "{name}: {msg}"
        );
        assert!(msg.contains(expected), "{name}: {msg}");
    }
    let err = rt.load(fixture("no-such-plugin")).await.unwrap_err();
    assert!(err.to_string().contains("no-such-plugin"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn transpiled_code_is_cached_and_still_source_mapped() {
    let data = tempfile::tempdir().unwrap();
    let rt = qirvo::PluginRuntime::new(qirvo::RuntimeConfig {
        data_dir: data.path().to_path_buf(),
        ..Default::default()
    })
    .unwrap();
    for round in 0..2 {
        let p = rt.load(plugin_fixture("throws-stack")).await.unwrap();
        let err = p.call("explode", vec![json!("x")]).await.unwrap_err();
        let stack = &err.exception().unwrap().stack;
        assert!(
            stack.contains("file:///plugin/main.ts:9:"),
            "round {round}: {stack}"
        );
        p.unload().await.unwrap();
        let cached = std::fs::read_dir(data.path().join("cache/transpiled"))
            .unwrap()
            .count();
        assert_eq!(cached, 2, "one entry (code + map) for the one TS module");
    }
}

/// What a plugin learns of where it lives: `import.meta` and its own stacks name files
/// inside the plugin (`file:///plugin/…`), never a path of the host.
#[tokio::test(flavor = "multi_thread")]
async fn module_urls_and_stacks_show_no_host_paths() {
    let (rt, _) = runtime();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("manifest.json"),
        json!({"id": "where-am-i", "version": "1.0.0", "main": "src/main.js"}).to_string(),
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("src/lib")).unwrap();
    std::fs::write(
        dir.path().join("src/lib/util.js"),
        "export const where = () => ({ url: import.meta.url, filename: import.meta.filename, \
         dirname: import.meta.dirname, stack: new Error('x').stack });",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("src/main.js"),
        "import { where } from './lib/util.js';\n\
         export function here() { return { main: import.meta.url, ...where() }; }\n\
         export function throwIt() { throw new Error('boom'); }",
    )
    .unwrap();
    let p = rt.load(dir.path()).await.unwrap();
    let v = p.call("here", vec![]).await.unwrap();
    assert_eq!(v["main"], "file:///plugin/src/main.js");
    assert_eq!(v["url"], "file:///plugin/src/lib/util.js");
    assert_eq!(v["filename"], "/plugin/src/lib/util.js");
    assert_eq!(v["dirname"], "/plugin/src/lib");
    let host = dir.path().to_string_lossy().into_owned();
    let stack = v["stack"].as_str().unwrap();
    assert!(
        stack.contains("file:///plugin/src/lib/util.js:1:"),
        "{stack}"
    );
    assert!(!stack.contains(&host), "{stack}");
    let err = p.call("throwIt", vec![]).await.unwrap_err();
    let stack = &err.exception().unwrap().stack;
    assert!(stack.contains("file:///plugin/src/main.js:3:"), "{stack}");
    assert!(!stack.contains(&host), "{stack}");
    // `..` past the plugin's top is still refused.
    std::fs::write(
        dir.path().join("src/main.js"),
        "import '../../../etc/passwd.js';",
    )
    .unwrap();
    let (rt2, _) = runtime();
    let e = rt2.load(dir.path()).await.unwrap_err().to_string();
    assert!(e.contains("outside the plugin directory"), "{e}");
}
