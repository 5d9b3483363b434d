//! CLI behaviour from issue 16 (CLIREST): manifest errors at the field's line and column,
//! Prometheus naming over a whole scrape, structured log fields, cleanup when `start()`
//! throws, and the plugin guide's examples. Everything runs through the built `qirvo`.

use std::path::Path;
use std::process::Command;

use crate::helpers::{qirvo, run_hello_with_metrics, text};

/// 1-based line and column (in characters) of byte `offset` in `s`.
fn line_col(s: &str, offset: usize) -> (usize, usize) {
    let before = &s[..offset];
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].chars().count() + 1)
}

/// A plugin directory whose manifest is `manifest` (written as is) with an empty main.js.
fn plugin_with_manifest(manifest: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("manifest.json"), manifest).unwrap();
    std::fs::write(dir.path().join("main.js"), "").unwrap();
    dir
}

/// Words that only a Rust programmer would understand.
const RUST_ISMS: [&str; 14] = [
    "Raw",
    "struct",
    "variant",
    "u32",
    "u64",
    "f64",
    "NetworkAccess",
    "FilesystemAccess",
    "sequence",
    "a map",
    "invalid type",
    "invalid value",
    "`",
    "OnFailure",
];

#[test]
fn manifest_errors_point_at_the_field_in_words_a_person_understands() {
    // (fields spliced into a valid pretty-printed manifest, the text the value starts at,
    //  the field path in the message, the reason)
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            r#""resources": { "memory": "lots" }"#,
            r#""lots""#,
            "resources.memory",
            r#""lots" is not a size (expected e.g. "128MB")"#,
        ),
        (
            r#""resources": { "memory": "1KB" }"#,
            r#""1KB""#,
            "resources.memory",
            r#""1KB" is out of range (4MB to 16GB)"#,
        ),
        (
            r#""resources": { "memory": "3.9999MB" }"#,
            r#""3.9999MB""#,
            "resources.memory",
            r#""3.9999MB" is out of range (4MB to 16GB)"#,
        ),
        (
            r#""resources": { "bandwidth": "0.5B/s" }"#,
            r#""0.5B/s""#,
            "resources.bandwidth",
            r#""0.5B/s" is out of range (1B/s to 1024GB/s)"#,
        ),
        (
            r#""resources": { "memory": [] }"#,
            "[]",
            "resources.memory",
            r#"[] is an array; give a size as a string, e.g. "128MB", or a number of bytes"#,
        ),
        (
            r#""resources": { "timeout": "5s" }"#,
            r#""5s""#,
            "resources.timeout",
            r#""5s" is a string; give milliseconds as a number, e.g. 5000"#,
        ),
        (
            r#""resources": { "timeout": -5 }"#,
            "-5",
            "resources.timeout",
            "-5 is a negative number; give milliseconds as a number, e.g. 5000",
        ),
        (
            r#""resources": { "cpu": "50%" }"#,
            r#""50%""#,
            "resources.cpu",
            r#""50%" is a string; give percent of one core as a number, e.g. 50"#,
        ),
        (
            r#""resources": { "bandwidth": 1000 }"#,
            "1000",
            "resources.bandwidth",
            r#"1000 is a number; give a rate as a string, e.g. "1MB/s""#,
        ),
        (
            r#""resources": { "maxConnections": 1.5 }"#,
            "1.5",
            "resources.maxConnections",
            "1.5 is not a whole number; give a whole number, e.g. 10",
        ),
        (
            r#""resources": []"#,
            "[]",
            "resources",
            "[] is an array; give an object, e.g. {",
        ),
        (
            r#""config": []"#,
            "[]",
            "config",
            r#"[] is an array; give an object, e.g. {"greeting": "hi"}"#,
        ),
        (
            r#""permissions": "network-access""#,
            r#""network-access""#,
            "permissions",
            r#""network-access" is a string; give a list of permission names, e.g. ["network-access"]"#,
        ),
        (
            r#""permissions": ["network-access", "network-access"]"#,
            r#""network-access"]"#,
            "permissions[1]",
            r#""network-access" is listed twice"#,
        ),
        (
            r#""permissions": ["filesystem-access", 7]"#,
            "7]",
            "permissions[1]",
            "7 is a number; give a permission name as a string",
        ),
        (
            r#""network": { "allowedHosts": ["api.example.com", "http://x/"] }"#,
            r#""http://x/""#,
            "network.allowedHosts[1]",
            "",
        ),
        (
            r#""restart": { "policy": "always" }"#,
            r#""always""#,
            "restart.policy",
            r#""always" is not one of the choices; give "never" or "on-failure""#,
        ),
        (
            r#""restart": { "policy": "on-failure", "maxRestarts": -1 }"#,
            "-1",
            "restart.maxRestarts",
            "-1 is a negative number; give a whole number from 1 to 1000",
        ),
        (
            r#""restart": { "policy": "on-failure", "maxRestarts": 5000000000 }"#,
            "5000000000",
            "restart.maxRestarts",
            "5000000000 is out of range; give a whole number from 1 to 1000",
        ),
        (
            r#""restart": { "maxRestarts": 2 }"#,
            r#"{ "maxRestarts""#,
            "restart",
            r#""policy" is required (give "never" or "on-failure")"#,
        ),
        (
            r#""mian": "main.js""#,
            r#""main.js""#,
            "mian",
            r#""mian" is not a field here (known: $schema, id, name"#,
        ),
    ];
    for (extra, value_text, field, reason) in cases {
        let manifest = format!(
            "{{\n  \"id\": \"located\",\n  \"version\": \"1.0.0\",\n  \"main\": \"main.js\",\n  {extra}\n}}\n"
        );
        let offset = manifest
            .rfind(value_text)
            .unwrap_or_else(|| panic!("{value_text} in {manifest}"));
        let (line, col) = line_col(&manifest, offset);
        let dir = plugin_with_manifest(&manifest);
        let out = qirvo(&["validate", dir.path().to_str().unwrap()]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{extra}: {stderr}");
        let want = format!("manifest.json:{line}:{col}: {field}: {reason}");
        assert!(
            stderr.contains(&want),
            "{extra}:\n want {want}\n got {stderr}"
        );
        for word in RUST_ISMS {
            assert!(!stderr.contains(word), "{extra}: {word:?} in {stderr}");
        }
    }

    // A field missing at the top level: the object that lacks it, at 1:1.
    let dir = plugin_with_manifest("{\n  \"id\": \"located\",\n  \"version\": \"1.0.0\"\n}\n");
    let stderr = text(&qirvo(&["validate", dir.path().to_str().unwrap()]).stderr);
    assert!(
        stderr.contains(r#"manifest.json:1:1: (top level): "main" is required (give the entry module's path as a string, e.g. "main.ts")"#),
        "{stderr}"
    );

    // Syntax errors carry serde_json's position (where the parser stopped).
    for (bad, line, col) in [
        ("{\n  \"id\": \"a\",\n}\n", 3, 1),
        ("{\n  \"id\": \"a\"\n  \"version\": \"1.0.0\"\n}", 3, 3),
        ("{\n  \"id\": 'a'\n}", 2, 9),
    ] {
        let dir = plugin_with_manifest(bad);
        let out = qirvo(&["validate", dir.path().to_str().unwrap()]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{bad}: {stderr}");
        let want = format!("manifest.json:{line}:{col}: not valid JSON: ");
        assert!(
            stderr.contains(&want),
            "{bad}:\n want {want}\n got {stderr}"
        );
        assert!(!stderr.contains(" at line "), "{stderr}");
    }
}

#[test]
fn manifest_errors_through_the_api_carry_the_position() {
    let text = "{\n  \"id\": \"a\",\n  \"version\": \"1.0.0\",\n  \"main\": \"m.ts\",\n  \"resources\": {\n\n    \"memory\": \"lots\"\n  }\n}";
    let err = qirvo::Manifest::parse(text, Path::new("manifest.json"), None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "manifest.json:7:15: resources.memory: \"lots\" is not a size (expected e.g. \"128MB\")"
    );
    match err {
        qirvo::ManifestError::Invalid { at, field, .. } => {
            assert_eq!(field, "resources.memory");
            assert_eq!(
                at,
                Some(qirvo::TextPosition {
                    line: 7,
                    column: 15
                })
            );
        }
        other => panic!("{other:?}"),
    }
    // Non-ASCII before the value: columns count characters.
    let text = "{\"name\": \"é—ü\", \"id\": \"a\", \"version\": \"1.0.0\", \"main\": \"m.ts\", \"resources\": {\"timeout\": \"5s\"}}";
    let err = qirvo::Manifest::parse(text, Path::new("manifest.json"), None).unwrap_err();
    let col = text[..text.find("\"5s\"").unwrap()].chars().count() + 1;
    assert!(
        err.to_string()
            .starts_with(&format!("manifest.json:1:{col}: resources.timeout: ")),
        "{err}"
    );
}

/// Scrapes `qirvo run fixtures/plugins/hello --metrics-addr PORT` in both formats once the
/// plugin runs, and checks Prometheus' naming rules over every family.
#[test]
fn every_metric_follows_prometheus_naming() {
    let (mut child, port, _line, _data) = run_hello_with_metrics();
    let get = |accept: &str| {
        let accept = accept.trim_end_matches("\r\n");
        let head = if accept.is_empty() {
            "GET /metrics HTTP/1.1".to_string()
        } else {
            format!("GET /metrics HTTP/1.1\r\n{accept}")
        };
        crate::helpers::http(("127.0.0.1", port), &head).1
    };
    for _ in 0..200 {
        if get("").contains("state=\"running\"} 1") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let text_body = get("");
    let om_body = get("Accept: application/openmetrics-text;version=1.0.0\r\n");
    let _ = child.kill();
    let _ = child.wait();

    let prom = openmetrics_parser::prometheus::parse_prometheus(&text_body)
        .unwrap_or_else(|e| panic!("not Prometheus text: {e:?}\n{text_body}"));
    let om = openmetrics_parser::openmetrics::parse_openmetrics(&om_body)
        .unwrap_or_else(|e| panic!("not OpenMetrics: {e:?}\n{om_body}"));

    for (format, body, parsed_families) in [
        ("0.0.4", &text_body, prom.families.len()),
        ("OpenMetrics", &om_body, om.families.len()),
    ] {
        // family name -> type, from the TYPE lines; each family once.
        let mut types = std::collections::BTreeMap::new();
        for l in body.lines() {
            if let Some(rest) = l.strip_prefix("# TYPE ") {
                let (name, kind) = rest.split_once(' ').unwrap();
                assert!(
                    types.insert(name.to_string(), kind.to_string()).is_none(),
                    "{format}: family {name} twice in\n{body}"
                );
            }
        }
        assert!(types.len() > 10, "{format}: {body}");
        assert_eq!(types.len(), parsed_families, "{format}: {body}");
        for name in types.keys() {
            assert!(name.starts_with("qirvo_"), "{format}: {name}");
            for bad in ["percent", "uptime", "_total_total"] {
                assert!(!name.contains(bad), "{format}: {name}");
            }
        }
        let mut counters = 0;
        for l in body
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let sample = l.split(['{', ' ']).next().unwrap();
            let value: f64 = l.rsplit(' ').next().unwrap().parse().unwrap();
            // The family a sample belongs to: the longest TYPE name it starts with.
            let (family, kind) = types
                .iter()
                .filter(|(n, _)| sample.starts_with(n.as_str()))
                .max_by_key(|(n, _)| n.len())
                .unwrap_or_else(|| panic!("{format}: {sample} has no TYPE"));
            if kind == "counter" {
                counters += 1;
                assert!(
                    sample.ends_with("_total") || sample.ends_with("_created"),
                    "{format}: counter sample {sample} (family {family})"
                );
                assert!(value >= 0.0, "{l}");
            }
            if sample.ends_with("_ratio") {
                assert!((0.0..=1.0).contains(&value), "{format}: {l}");
            }
            if sample.ends_with("_start_time_seconds") {
                assert!(
                    value > before - 600.0 && value <= before + 1.0,
                    "{format}: {l} is not a recent Unix time (now {before})"
                );
            }
            if sample.ends_with("_seconds") || sample.ends_with("_bytes") {
                assert!(value >= 0.0, "{format}: {l}");
            }
        }
        assert!(counters >= 5, "{format}: {body}");
        for family in [
            "qirvo_plugin_start_time_seconds",
            "qirvo_plugin_cpu_usage_ratio",
            "qirvo_plugin_heap_used_bytes",
        ] {
            assert_eq!(
                types.get(family).map(String::as_str),
                Some("gauge"),
                "{format}: {family}"
            );
        }
    }
}

/// A plugin directory with `main.js` as given.
fn plugin_with_main(id: &str, main_js: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("manifest.json"),
        format!(r#"{{"id": "{id}", "version": "1.0.0", "main": "main.js"}}"#),
    )
    .unwrap();
    std::fs::write(dir.path().join("main.js"), main_js).unwrap();
    dir
}

#[test]
fn log_fields_stay_structured_and_print_as_key_value_pairs() {
    let dir = plugin_with_main(
        "logfields",
        r#"
export default {};
export function place() {
  qirvo.log.info("order placed", { orderId: 42, customer: "Ada Lovelace", ok: true, tags: ["a", "b"], who: "ada" });
  qirvo.log.warn("plain line");
  qirvo.log.error("empty fields", {});
  return "done";
}
export function bad() {
  const out = [];
  for (const f of [[1, 2], "text", 7, null, { s: "x\uD800y" }, { big: "x".repeat(20000) }, { n: 10n }, (() => { const o = {}; o.o = o; return o; })()]) {
    try { qirvo.log.info("m", f); out.push("accepted"); } catch (e) { out.push(`${e.name}: ${e.message}`); }
  }
  return out;
}
"#,
    );
    let d = dir.path().to_str().unwrap();
    let out = qirvo(&["call", d, "place"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(text(&out.stdout).trim(), "\"done\"");
    assert!(
        stderr.contains(
            r#"[logfields] order placed orderId=42 customer="Ada Lovelace" ok=true tags=["a","b"] who=ada"#
        ),
        "{stderr}"
    );
    assert!(stderr.contains("[logfields] plain line\n"), "{stderr}");
    assert!(stderr.contains("[logfields] empty fields\n"), "{stderr}");
    assert!(
        !stderr.contains("{\"orderId\""),
        "fields are not text in the message: {stderr}"
    );

    // Logging never throws: fields that cannot be kept are replaced by what was wrong.
    let out = qirvo(&["call", d, "bad"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let got: Vec<String> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(got.iter().all(|g| g == "accepted"), "{got:?}");
    let want = [
        "fields must be an object, e.g. { orderId: 42 }, not an array",
        "fields must be an object, e.g. { orderId: 42 }, not string",
        "fields must be an object, e.g. { orderId: 42 }, not number",
        "fields must be an object, e.g. { orderId: 42 }, not null",
        "fields contain a string with a lone surrogate",
        "fields are 20010 bytes as JSON, more than the 16384 allowed",
        "fields are not JSON-serialisable",
        "fields are not JSON-serialisable",
    ];
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("[logfields] m fieldsRefused="))
        .collect();
    assert_eq!(lines.len(), want.len(), "{stderr}");
    for (line, w) in lines.iter().zip(want) {
        assert!(line.contains(w), "{line:?} should say {w:?}");
    }
}

/// What `tracing` saw from plugins (target `qirvo::plugin`): (message, `fields` field).
static TRACED: std::sync::Mutex<Vec<(String, Option<String>)>> = std::sync::Mutex::new(Vec::new());

struct Capture;

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Capture {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        struct V(String, Option<String>);
        impl tracing::field::Visit for V {
            fn record_debug(&mut self, f: &tracing::field::Field, v: &dyn std::fmt::Debug) {
                match f.name() {
                    "message" => self.0 = format!("{v:?}"),
                    "fields" => self.1 = Some(format!("{v:?}")),
                    _ => {}
                }
            }
        }
        if event.metadata().target() == "qirvo::plugin" {
            let mut v = V(String::new(), None);
            event.record(&mut v);
            TRACED.lock().unwrap().push((v.0, v.1));
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn log_fields_reach_tracing_as_a_field() {
    use tracing_subscriber::layer::SubscriberExt;
    let subscriber = tracing_subscriber::registry().with(Capture);
    // The only global subscriber in the test binary; it records plugin lines only.
    let _ = tracing::subscriber::set_global_default(subscriber);
    let (rt, _) = crate::helpers::runtime();
    let dir = plugin_with_main(
        "traced",
        r#"export default {};
export function go() { qirvo.log.warn("paid", { orderId: 7, note: "two words" }); console.log("no fields"); }"#,
    );
    let p = rt.load(dir.path()).await.unwrap();
    p.call("go", vec![]).await.unwrap();
    let traced = TRACED.lock().unwrap().clone();
    assert!(
        traced.contains(&(
            "paid".to_string(),
            Some(r#"{"orderId":7,"note":"two words"}"#.to_string())
        )),
        "{traced:?}"
    );
    assert!(
        traced.contains(&("no fields".to_string(), None)),
        "{traced:?}"
    );
}

#[test]
fn cleanup_tasks_run_when_start_throws_and_the_error_is_reported_once() {
    let dir = plugin_with_main(
        "start-fails",
        r#"let failed = false;
export default {
  initialize(ctx) {
    ctx.addCleanupTask(() => console.log("cleanup: closed the pool"));
    ctx.addCleanupTask(async () => { await null; console.log("cleanup: async one"); });
    setInterval(() => { if (failed) console.log("tick after failure"); }, 5);
  },
  async start() {
    await null;
    failed = true;
    throw new RangeError("port 80 is taken");
  },
};"#,
    );
    let out = qirvo(&["run", dir.path().to_str().unwrap(), "--for", "200ms"]);
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{all}");
    // Each cleanup task once, the last registered first.
    assert_eq!(
        all.matches("[start-fails] cleanup: closed the pool")
            .count(),
        1,
        "{all}"
    );
    assert_eq!(
        all.matches("[start-fails] cleanup: async one").count(),
        1,
        "{all}"
    );
    assert!(
        all.find("cleanup: async one").unwrap() < all.find("cleanup: closed the pool").unwrap(),
        "{all}"
    );
    assert!(
        !all.contains("tick after failure"),
        "timers stop with the failed start: {all}"
    );
    // The error once (its stack under it does not count as a second report).
    assert_eq!(all.matches("error: ").count(), 1, "{all}");
    assert_eq!(
        all.matches("start: RangeError: port 80 is taken").count(),
        1,
        "{all}"
    );
}

/// The plugin guide's file example: the line is taken from docs/plugin-guide.md itself, so
/// the test follows the guide; the parent directory is created as `mkdir -p` would.
#[test]
fn the_guides_write_text_file_example_creates_the_parent_directory() {
    let guide =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/plugin-guide.md"))
            .unwrap();
    let example = guide
        .lines()
        .find(|l| l.contains(".writeTextFile(\"cache/today.json\""))
        .expect("the guide shows writeTextFile into cache/")
        .trim()
        .to_string();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("manifest.json"),
        r#"{"id": "guide-files", "version": "1.0.0", "main": "main.ts",
            "permissions": ["filesystem-access"], "resources": {"storage": "1MB"}}"#,
    )
    .unwrap();
    std::fs::write(
        // TypeScript, as the guide's snippet is (`qirvo.fs!`).
        dir.path().join("main.ts"),
        format!(
            r#"export default {{}};
export async function guide() {{
  const data = {{ day: "monday", temp: 21 }};
  {example}
  return JSON.parse(await qirvo.fs.readTextFile("cache/today.json"));
}}
export async function deep() {{
  await qirvo.fs.writeTextFile("a/b/c/d.txt", "deep");
  await qirvo.fs.writeTextFile("a/b/other.txt", "sibling");
  return [await qirvo.fs.readTextFile("a/b/c/d.txt"), await qirvo.fs.readTextFile("a/b/other.txt")];
}}
export async function escape() {{
  try {{ await qirvo.fs.writeTextFile("../outside/x.txt", "no"); return "written"; }}
  catch (e) {{ return e.name; }}
}}
"#
        ),
    )
    .unwrap();
    let data = tempfile::tempdir().unwrap();
    let call = |f: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_qirvo"))
            .args(["call", dir.path().to_str().unwrap(), f, "--data-dir"])
            .arg(data.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{f}: {}", text(&out.stderr));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    assert_eq!(
        call("guide"),
        serde_json::json!({"day": "monday", "temp": 21})
    );
    assert_eq!(call("deep"), serde_json::json!(["deep", "sibling"]));
    assert_ne!(call("escape"), serde_json::json!("written"));
    let files = data.path().join("plugins/guide-files/files");
    assert!(files.join("cache/today.json").is_file(), "{files:?}");
    assert!(!data.path().join("plugins/guide-files/outside").exists());
}

/// Every fenced ```ts block of the plugin guide that is a whole plugin (it has
/// `export default`) loads, runs its lifecycle and stops cleanly; `…` placeholders in
/// bodies are elided.
#[test]
fn the_guides_complete_plugins_run() {
    let guide =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/plugin-guide.md"))
            .unwrap();
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in guide.lines() {
        match (&mut current, line.trim_start()) {
            (None, l) if l == "```ts" || l == "```typescript" => current = Some(String::new()),
            (Some(b), "```") => {
                blocks.push(std::mem::take(b));
                current = None;
            }
            (Some(b), _) => {
                b.push_str(line);
                b.push('\n');
            }
            _ => {}
        }
    }
    let plugins: Vec<_> = blocks
        .iter()
        .filter(|b| b.contains("export default"))
        .collect();
    assert!(!plugins.is_empty(), "the guide shows no complete plugin");
    for (i, code) in plugins.iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("manifest.json"),
            format!(r#"{{"id": "guide-{i}", "version": "1.0.0", "main": "main.ts"}}"#),
        )
        .unwrap();
        std::fs::write(dir.path().join("main.ts"), code.replace('…', "")).unwrap();
        let out = qirvo(&["run", dir.path().to_str().unwrap(), "--for", "0"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "guide example {i}:\n{code}\n{}",
            text(&out.stderr)
        );
        let out = qirvo(&["validate", dir.path().to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{code}\n{}", text(&out.stderr));
    }
}

#[test]
fn validate_evaluates_the_module_without_running_initialize_or_writing_anything() {
    // `initialize` counts its runs in storage and says so in the log; `start` too.
    let plugin = tempfile::tempdir().unwrap();
    std::fs::write(
        plugin.path().join("manifest.json"),
        r#"{ "id": "side-effects", "version": "1.0.0", "main": "main.ts" }"#,
    )
    .unwrap();
    std::fs::write(
        plugin.path().join("main.ts"),
        r#"export default {
  async initialize(): Promise<void> {
    const n = ((await qirvo.storage.get("runs")) as number | undefined) ?? 0;
    await qirvo.storage.set("runs", n + 1);
    console.log("initialize ran");
    qirvo.log.info("initialize logged");
  },
  start(): void { console.log("start ran"); },
};
export async function runs(): Promise<number> {
  return ((await qirvo.storage.get("runs")) as number | undefined) ?? 0;
}
"#,
    )
    .unwrap();
    let data = tempfile::tempdir().unwrap();
    let cwd = tempfile::tempdir().unwrap();
    let validate = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_qirvo"))
            .arg("validate")
            .arg(plugin.path())
            .args(extra)
            .current_dir(cwd.path())
            .output()
            .unwrap()
    };
    let data_arg = data.path().to_str().unwrap();
    for extra in [&[][..], &["--data-dir", data_arg][..], &["--json"][..]] {
        for _ in 0..2 {
            let out = validate(extra);
            let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
            assert_eq!(out.status.code(), Some(0), "{extra:?}: {all}");
            assert!(!all.contains(" ran") && !all.contains("logged"), "{all}");
        }
    }
    // No default data directory in the working directory, nothing in the given one, and
    // nothing beside the plugin.
    assert_eq!(std::fs::read_dir(cwd.path()).unwrap().count(), 0);
    assert_eq!(std::fs::read_dir(data.path()).unwrap().count(), 0);
    assert_eq!(std::fs::read_dir(plugin.path()).unwrap().count(), 2);
    // A module whose top level throws still fails validation.
    std::fs::write(
        plugin.path().join("main.ts"),
        "export function f(): number { return 1; }\nthrow new Error(\"broken at load\");\n",
    )
    .unwrap();
    let out = validate(&[]);
    assert_ne!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains("broken at load"),
        "{}",
        text(&out.stderr)
    );
    // And a module that does not compile.
    std::fs::write(plugin.path().join("main.ts"), "export function (\n").unwrap();
    let out = validate(&[]);
    assert_ne!(out.status.code(), Some(0), "{}", text(&out.stdout));
}

#[test]
fn address_and_path_mistakes_get_messages_without_internal_names() {
    let run = |args: &[&str]| {
        let out = qirvo(args);
        (out.status.code(), text(&out.stderr))
    };
    // A remote inspector address without the opt-in names the flag, not the Rust API.
    let (code, err) = run(&[
        "run",
        "fixtures/plugins/hello",
        "--inspect=0.0.0.0:0",
        "--for",
        "0",
    ]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--inspect-allow-remote"), "{err}");
    for internal in ["InspectorServer", "allow_remote", "::"] {
        assert!(!err.contains(internal), "{internal:?} in {err}");
    }
    // --metrics-addr examples use the metrics port; the inspector's keep theirs.
    for bad in ["abc", "localhost:http", "host:1"] {
        let (code, err) = run(&["run", "fixtures/plugins/hello", "--metrics-addr", bad]);
        assert_eq!(code, Some(2), "{err}");
        assert!(
            err.contains("is not an address") && err.contains("9464"),
            "{err}"
        );
        assert!(!err.contains("9229"), "{err}");
        let (code, err) = run(&["run", "fixtures/plugins/hello", &format!("--inspect={bad}")]);
        assert_eq!(code, Some(2), "{err}");
        assert!(err.contains("9229"), "{err}");
    }
    // A port that does not fit is out of range, whichever way it is written.
    for bad in [
        "99999",
        "localhost:70000",
        "127.0.0.1:65536",
        "[::1]:100000",
    ] {
        let (code, err) = run(&["run", "fixtures/plugins/hello", "--metrics-addr", bad]);
        assert_eq!(code, Some(2), "{bad}: {err}");
        assert!(err.contains("out of range"), "{bad}: {err}");
        assert!(!err.contains("is not an address"), "{bad}: {err}");
    }
    // `--coverage out/cov` (a space instead of `=`) hints at what was meant...
    let out_dir = tempfile::tempdir().unwrap();
    let cov = out_dir.path().join("cov");
    let cov = cov.to_str().unwrap();
    for args in [
        vec!["test", "--coverage", cov],
        vec![
            "test",
            "fixtures/plugins/testrunner-coverage",
            "--coverage",
            cov,
        ],
    ] {
        let (code, err) = run(&args);
        assert_eq!(code, Some(2), "{err}");
        assert!(
            err.contains(&format!("did you mean --coverage={cov}?")),
            "{err}"
        );
    }
    // ...but a missing plugin directory without --coverage gets no such hint.
    let (code, err) = run(&["test", cov]);
    assert_eq!(code, Some(2), "{err}");
    assert!(!err.contains("did you mean"), "{err}");
}

#[test]
fn quiet_new_prints_nothing_and_still_scaffolds() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("quiet plugin");
    let out = qirvo(&["new", dir.to_str().unwrap(), "-q"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        (text(&out.stdout), text(&out.stderr)),
        (String::new(), String::new())
    );
    assert!(dir.join("manifest.json").is_file());
    // Without -q the hint is there, naming the folder as one shell word.
    let dir = parent.path().join("loud");
    let out = qirvo(&["new", dir.to_str().unwrap()]);
    assert!(
        text(&out.stdout).starts_with("created "),
        "{}",
        text(&out.stdout)
    );
}
