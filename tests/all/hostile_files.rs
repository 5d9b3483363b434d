//! Untrusted files and source (issue 12, families 1c and 4): whatever a plugin directory
//! or data dir holds in place of a file — a FIFO, a directory, a device, a socket, a
//! symlink loop, a terabyte sparse file — and however deeply its source nests, loading
//! fails with an error naming the file and the reason, within seconds, through the API
//! and the `qirvo` binary; nothing blocks, nothing overflows a stack.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use qirvo::LoadError;
use serde_json::json;

use crate::helpers::*;

/// How long any hostile load may take before the test calls it a hang.
const PROMPT: Duration = Duration::from_secs(20);

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(
        unsafe { libc::mkfifo(c.as_ptr(), 0o644) },
        0,
        "mkfifo {}",
        path.display()
    );
}

/// A hostile thing at `path`, and the words its error must contain. The returned guard
/// keeps a socket listening.
fn plant(kind: &str, path: &Path) -> (Option<std::os::unix::net::UnixListener>, &'static str) {
    use std::os::unix::fs::symlink;
    match kind {
        "fifo" => {
            mkfifo(path);
            (None, "FIFO")
        }
        "directory" => {
            std::fs::create_dir(path).unwrap();
            (None, "directory")
        }
        "/dev/zero" => {
            symlink("/dev/zero", path).unwrap();
            (None, "device")
        }
        "/dev/urandom" => {
            symlink("/dev/urandom", path).unwrap();
            (None, "device")
        }
        "socket" => (
            Some(std::os::unix::net::UnixListener::bind(path).unwrap()),
            "socket",
        ),
        "sparse" => {
            let f = std::fs::File::create(path).unwrap();
            f.set_len(1 << 40).unwrap();
            (None, "limit")
        }
        "loop" => {
            symlink(path.file_name().unwrap(), path).unwrap();
            (None, "symbolic links")
        }
        other => panic!("unknown member {other}"),
    }
}

const MEMBERS: [&str; 7] = [
    "fifo",
    "directory",
    "/dev/zero",
    "/dev/urandom",
    "socket",
    "sparse",
    "loop",
];

async fn load_err(dir: &Path) -> String {
    let (rt, _logs) = runtime();
    let started = Instant::now();
    let r = tokio::time::timeout(PROMPT, rt.load(dir)).await;
    let r = r.unwrap_or_else(|_| panic!("loading {} hung", dir.display()));
    assert!(started.elapsed() < PROMPT);
    match r {
        Ok(_) => panic!("{} loaded", dir.display()),
        Err(e) => e.to_string(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_manifest_that_is_not_a_regular_file_is_refused_promptly() {
    for kind in MEMBERS {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.js"), "export const x = 1;").unwrap();
        let (_guard, reason) = plant(kind, &dir.path().join("manifest.json"));
        let (rt, _logs) = runtime();
        let r = tokio::time::timeout(PROMPT, rt.load(dir.path()))
            .await
            .unwrap_or_else(|_| panic!("{kind}: loading hung"));
        let Err(LoadError::Manifest(e)) = r else {
            panic!("{kind}: expected a manifest error, got {:?}", r.map(|_| ()))
        };
        let msg = e.to_string();
        assert!(
            msg.contains("manifest.json") && msg.contains(reason),
            "{kind}: {msg}"
        );
    }
    // Unreadable: only meaningful when not root (root reads anything).
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        use std::os::unix::fs::PermissionsExt;
        let dir = write_plugin(
            json!({"id": "locked", "version": "1.0.0", "main": "main.js"}),
            "",
        );
        let m = dir.path().join("manifest.json");
        std::fs::set_permissions(&m, std::fs::Permissions::from_mode(0o000)).unwrap();
        let msg = load_err(dir.path()).await;
        assert!(
            msg.contains("manifest.json") && msg.contains("ermission denied"),
            "{msg}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn modules_and_json_modules_that_are_not_regular_files_are_refused_promptly() {
    for kind in MEMBERS {
        // The entry module itself.
        let dir = write_plugin(
            json!({"id": "hostile-entry", "version": "1.0.0", "main": "main.js"}),
            "",
        );
        std::fs::remove_file(dir.path().join("main.js")).unwrap();
        let (_g1, reason) = plant(kind, &dir.path().join("main.js"));
        let msg = load_err(dir.path()).await;
        let reason_here = if kind == "/dev/zero" || kind == "/dev/urandom" {
            "outside"
        } else {
            reason
        };
        assert!(
            msg.contains("main.js") && (msg.contains(reason_here) || msg.contains(reason)),
            "entry {kind}: {msg}"
        );

        // An imported module, and a JSON module.
        for (import, file) in [
            (
                "import { y } from \"./lib.js\"; export const x = y;",
                "lib.js",
            ),
            (
                "import d from \"./data.json\" with { type: \"json\" }; export const x = d;",
                "data.json",
            ),
        ] {
            let dir = write_plugin(
                json!({"id": "hostile-import", "version": "1.0.0", "main": "main.js"}),
                import,
            );
            let (_g2, reason) = plant(kind, &dir.path().join(file));
            let msg = load_err(dir.path()).await;
            // A link to a device leads outside the plugin directory: refused for that.
            let ok = msg.contains(file) && (msg.contains(reason) || msg.contains("outside"));
            assert!(ok, "{file} {kind}: {msg}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn qirvo_fs_refuses_planted_files_that_are_not_regular() {
    let data = tempfile::tempdir().unwrap();
    let files = data.path().join("plugins").join("planted").join("files");
    std::fs::create_dir_all(&files).unwrap();
    mkfifo(&files.join("pipe"));
    std::fs::create_dir(files.join("dir")).unwrap();
    let _sock = std::os::unix::net::UnixListener::bind(files.join("sock")).unwrap();
    std::fs::File::create(files.join("big"))
        .unwrap()
        .set_len(1 << 40)
        .unwrap();
    std::os::unix::fs::symlink("/dev/zero", files.join("zero")).unwrap();
    std::os::unix::fs::symlink("loop", files.join("loop")).unwrap();
    let dir = write_plugin(
        json!({"id": "planted", "version": "1.0.0", "main": "main.js",
               "permissions": ["filesystem-access"], "resources": {"storage": "1MB"}}),
        r#"
        async function outcome(f) {
          try { await f(); return "ok"; } catch (e) { return `${e.name}: ${e.message}`; }
        }
        export async function probe(path) {
          return {
            read: await outcome(() => qirvo.fs.readFile(path)),
            text: await outcome(() => qirvo.fs.readTextFile(path)),
            write: await outcome(() => qirvo.fs.writeTextFile(path, "x")),
          };
        }
        "#,
    );
    let rt = qirvo::PluginRuntime::new(qirvo::RuntimeConfig {
        data_dir: data.path().to_path_buf(),
        ..qirvo::RuntimeConfig::default()
    })
    .unwrap();
    let p = rt.load(dir.path()).await.unwrap();
    for (path, reasons) in [
        ("pipe", &["FIFO"][..]),
        ("dir", &["directory"]),
        ("sock", &["socket"]),
        ("big", &["limit"]),
        ("zero", &["PermissionDenied"]),
        ("loop", &["PermissionDenied", "symbolic links"]),
    ] {
        let r = tokio::time::timeout(PROMPT, p.call("probe", vec![json!(path)]))
            .await
            .unwrap_or_else(|_| panic!("qirvo.fs on {path} hung"))
            .unwrap();
        for op in ["read", "text"] {
            let got = r[op].as_str().unwrap();
            assert!(
                reasons.iter().any(|r| got.contains(r)) && got.contains(path),
                "{op} {path}: {got}"
            );
        }
        let write = r["write"].as_str().unwrap();
        if path != "big" {
            assert!(write != "ok" && !write.is_empty(), "write {path}: {write}");
        }
    }
    // The FIFO is still a FIFO: no write went through it, and the plugin still answers.
    use std::os::unix::fs::FileTypeExt;
    assert!(
        std::fs::symlink_metadata(files.join("pipe"))
            .unwrap()
            .file_type()
            .is_fifo()
    );
    assert!(p.call("probe", vec![json!("fine.txt")]).await.is_ok());
}

/// Runs `qirvo <args>`; fails if it runs longer than PROMPT. Returns (exit code, stderr).
fn qirvo_within(args: &[&str], dir: &Path) -> (Option<i32>, String) {
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_qirvo"))
        .args(args)
        .arg(dir)
        .arg("--data-dir")
        .arg(data.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run qirvo");
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            use std::io::Read;
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut err)
                .unwrap();
            return (status.code(), err);
        }
        if started.elapsed() > PROMPT {
            let _ = child.kill();
            panic!("qirvo {args:?} {} hung", dir.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn the_cli_refuses_hostile_files_promptly() {
    for kind in ["fifo", "directory", "/dev/zero", "sparse", "loop"] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("main.js"),
            "export function f() { return 1; }",
        )
        .unwrap();
        let (_g, reason) = plant(kind, &dir.path().join("manifest.json"));
        for args in [&["run"][..], &["validate"], &["test"]] {
            let (code, err) = qirvo_within(args, dir.path());
            assert!(
                matches!(code, Some(1 | 2)),
                "{args:?} {kind}: exit {code:?}: {err}"
            );
            assert!(
                err.contains("manifest.json") && err.contains(reason),
                "{args:?} {kind}: {err}"
            );
        }
        // `call <dir> <export>`: the export follows the directory.
        let data = tempfile::tempdir().unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_qirvo"))
            .arg("call")
            .arg(dir.path())
            .arg("f")
            .arg("--data-dir")
            .arg(data.path())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            matches!(out.status.code(), Some(1 | 2)),
            "call {kind}: {err}"
        );
        assert!(
            err.contains("manifest.json") && err.contains(reason),
            "call {kind}: {err}"
        );
    }
    // A module that is a FIFO, through validate.
    let dir = write_plugin(
        json!({"id": "fifo-import", "version": "1.0.0", "main": "main.js"}),
        "import { y } from \"./lib.js\"; export const x = y;",
    );
    mkfifo(&dir.path().join("lib.js"));
    let (code, err) = qirvo_within(&["validate"], dir.path());
    assert!(
        matches!(code, Some(1 | 2)) && err.contains("lib.js") && err.contains("FIFO"),
        "{code:?}: {err}"
    );
}

// ---------------------------------------------------------------------------------------
// Deeply nested source (family 1c): refused with a LoadError naming the file and the
// reason, before swc or the engine recurses; never a stack overflow.

/// `(name, file, source)`: one member of the family each.
fn deep_members() -> Vec<(&'static str, &'static str, String)> {
    let n = 3000;
    let big = 100_000;
    vec![
        (
            "parens",
            "main.ts",
            format!(
                "export const v: number = {}1{};",
                "(".repeat(n),
                ")".repeat(n)
            ),
        ),
        (
            "parens js",
            "main.js",
            format!("export const v = {}1{};", "(".repeat(n), ")".repeat(n)),
        ),
        (
            "arrays",
            "main.ts",
            format!("export const v = {}{};", "[".repeat(n), "]".repeat(n)),
        ),
        (
            "objects",
            "main.ts",
            format!("export const v = {}1{};", "{a:".repeat(n), "}".repeat(n)),
        ),
        (
            "templates",
            "main.ts",
            format!("export const v = {}1{};", "`${".repeat(n), "}`".repeat(n)),
        ),
        (
            "functions",
            "main.ts",
            format!(
                "export const v = {}1{};",
                "(function(){return ".repeat(n),
                "})()".repeat(n)
            ),
        ),
        (
            "arrow chain",
            "main.ts",
            format!("export const v = {}1;", "(x) => ".repeat(big)),
        ),
        (
            "binary",
            "main.ts",
            format!("export const v = 1{};", "+1".repeat(big)),
        ),
        (
            "binary js",
            "main.js",
            format!("export const v = 1{};", "+1".repeat(big)),
        ),
        (
            "ternary",
            "main.ts",
            format!("const a = 1; export const v = {}0;", "a ? 1 : ".repeat(big)),
        ),
        (
            "unary",
            "main.js",
            format!("export const v = {}1;", "!".repeat(big)),
        ),
        (
            "member chain",
            "main.ts",
            format!(
                "const a: any = {{}}; export const v = () => a{};",
                ".b".repeat(big)
            ),
        ),
        (
            "call chain",
            "main.js",
            format!(
                "const f = () => f; export const v = () => f{};",
                "()".repeat(big)
            ),
        ),
        (
            "else if",
            "main.ts",
            format!("const a = 1; if (a) {{}}{}", " else if (a) {}".repeat(big)),
        ),
        (
            "ts types",
            "main.ts",
            format!(
                "export type T = {}number{};",
                "Array<".repeat(n),
                ">".repeat(n)
            ),
        ),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn deeply_nested_source_is_a_load_error_not_a_stack_overflow() {
    for (name, file, source) in deep_members() {
        let dir = write_plugin(
            json!({"id": "deep-source", "version": "1.0.0", "main": file}),
            &source,
        );
        let msg = load_err(dir.path()).await;
        assert!(msg.contains(file) && msg.contains("nests"), "{name}: {msg}");
    }
    // A JSON module nested 100,000 deep.
    let dir = write_plugin(
        json!({"id": "deep-json", "version": "1.0.0", "main": "main.js"}),
        "import d from \"./d.json\" with { type: \"json\" }; export const v = d;",
    );
    std::fs::write(
        dir.path().join("d.json"),
        format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)),
    )
    .unwrap();
    let msg = load_err(dir.path()).await;
    assert!(
        msg.contains("d.json") && msg.contains("nests"),
        "json: {msg}"
    );
    // A file over the module size limit.
    let dir = write_plugin(
        json!({"id": "huge-source", "version": "1.0.0", "main": "main.ts"}),
        "",
    );
    std::fs::write(
        dir.path().join("main.ts"),
        format!("// {}\nexport const v = 1;", "x".repeat(9 << 20)),
    )
    .unwrap();
    let msg = load_err(dir.path()).await;
    assert!(
        msg.contains("main.ts") && msg.contains("limit"),
        "huge: {msg}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn ordinary_nesting_and_long_files_still_load() {
    let mut src = String::new();
    // 100 levels of each kind, and 20,000 statements without semicolons.
    src.push_str(&format!(
        "export const parens = {}1{};\n",
        "(".repeat(100),
        ")".repeat(100)
    ));
    src.push_str(&format!(
        "export const arrays = {}{};\n",
        "[".repeat(100),
        "]".repeat(100)
    ));
    src.push_str(&format!("export const sum = 1{};\n", "+1".repeat(100)));
    src.push_str("export const re = /[(]+/.test(\"((\") ? `a${`b${1 + 2}`}` : '(';\n");
    for i in 0..20_000 {
        src.push_str(&format!("export const a{i}: number = {i} + 1\n"));
    }
    src.push_str("let x = 0\nif (x) { x = 1 } else if (x > 1) { x = 2 } else { x = 3 }\n");
    src.push_str("export function answer() { return parens + sum + a19999 + x }\n");
    let dir = write_plugin(
        json!({"id": "ordinary-source", "version": "1.0.0", "main": "main.ts"}),
        &src,
    );
    let (rt, _logs) = runtime();
    let p = rt.load(dir.path()).await.expect("ordinary source loads");
    assert_eq!(
        p.call("answer", vec![]).await.unwrap(),
        json!(1 + 101 + 20_000 + 3)
    );
}

#[test]
fn validate_reports_deep_source_with_an_exit_code_not_a_signal() {
    for (name, file, source) in deep_members()
        .into_iter()
        .filter(|(n, ..)| ["parens", "binary js", "ts types"].contains(n))
    {
        let dir = write_plugin(
            json!({"id": "deep-source", "version": "1.0.0", "main": file}),
            &source,
        );
        let (code, err) = qirvo_within(&["validate"], dir.path());
        assert!(matches!(code, Some(1 | 2)), "{name}: exit {code:?}: {err}");
        assert!(err.contains(file) && err.contains("nests"), "{name}: {err}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn nesting_just_under_the_limit_loads_or_fails_cleanly() {
    // Each kind of nesting just below the 1,000-level limit: the parser's own stack and
    // the engine's must take it (the engine may refuse with its own RangeError).
    let n = 990;
    let members: Vec<(&str, String)> = vec![
        (
            "parens",
            format!(
                "export const v = {}1{};",
                "(".repeat(n / 2),
                ")".repeat(n / 2)
            ),
        ),
        (
            "arrays",
            format!(
                "export const v = {}{};",
                "[".repeat(n / 2),
                "]".repeat(n / 2)
            ),
        ),
        (
            "objects",
            format!(
                "export const v = {}1{};",
                "{a:".repeat(n / 3),
                "}".repeat(n / 3)
            ),
        ),
        (
            "templates",
            format!("export const v = {}1{};", "`${".repeat(n), "}`".repeat(n)),
        ),
        (
            "functions",
            format!(
                "export const v = {}1{};",
                "(function(){return ".repeat(n / 6),
                "})()".repeat(n / 6)
            ),
        ),
        (
            "arrows",
            format!("export const v = {}1;", "(x) => ".repeat(n / 4)),
        ),
        (
            "binary",
            format!("export const v = 1{};", "+1".repeat(n - 10)),
        ),
        (
            "ternary",
            format!(
                "const a = 1; export const v = {}0;",
                "a ? 1 : ".repeat(n / 2 - 5)
            ),
        ),
        (
            "unary",
            format!("export const v = {}1;", "!".repeat(n - 10)),
        ),
        (
            "calls",
            format!(
                "const f = () => f; export const v = () => f{};",
                "()".repeat(n - 20)
            ),
        ),
        (
            "else if",
            format!(
                "const a = 1; if (a) {{}}{}",
                " else if (a) {}".repeat(n - 20)
            ),
        ),
        (
            "typeof",
            format!("export const v = {}1;", "typeof ".repeat(n - 10)),
        ),
    ];
    let (rt, _logs) = runtime();
    for (name, source) in members {
        for file in ["main.ts", "main.js"] {
            let dir = write_plugin(
                json!({"id": "near-limit", "version": "1.0.0", "main": file}),
                &source,
            );
            match tokio::time::timeout(PROMPT, rt.load(dir.path()))
                .await
                .expect("hung")
            {
                Ok(p) => p.unload().await.unwrap(),
                Err(e) => {
                    let msg = e.to_string();
                    assert!(
                        msg.contains("RangeError") || msg.contains("nests"),
                        "{name} {file}: {msg}"
                    );
                }
            }
        }
    }
    // Still alive.
    let p = rt.load(plugin_fixture("hello")).await.unwrap();
    assert!(p.call("greet", vec![json!("x")]).await.is_ok());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_module_size_cap_follows_the_memory_limit() {
    // 1/32 of resources.memory (parsing costs the host ~30 bytes per byte of source), at
    // most 8 MiB: a 3 MiB module is refused under 64MB and loads under 256MB.
    let source = format!("// {}\nexport const v = 1;\n", "x".repeat(3 << 20));
    let small = write_plugin(
        json!({"id": "cap-small", "version": "1.0.0", "main": "main.js", "resources": {"memory": "64MB"}}),
        &source,
    );
    let msg = load_err(small.path()).await;
    assert!(
        msg.contains("main.js") && msg.contains("2097152-byte limit"),
        "{msg}"
    );
    let large = write_plugin(
        json!({"id": "cap-large", "version": "1.0.0", "main": "main.js", "resources": {"memory": "256MB"}}),
        &source,
    );
    let (rt, _logs) = runtime();
    rt.load(large.path())
        .await
        .expect("3 MiB under 256MB loads");
}

#[tokio::test(flavor = "multi_thread")]
async fn debug_instrumentation_gets_the_same_protection() {
    // With debugging on, modules are parsed again to insert debug sites: deep source is
    // refused the same way, and near-limit source instruments on the parser's stack.
    let data = tempfile::tempdir().unwrap();
    let rt = qirvo::PluginRuntime::new(qirvo::RuntimeConfig {
        data_dir: data.path().to_path_buf(),
        debug: true,
        ..qirvo::RuntimeConfig::default()
    })
    .unwrap();
    for (name, file, source) in deep_members() {
        let dir = write_plugin(
            json!({"id": "deep-debug", "version": "1.0.0", "main": file}),
            &source,
        );
        let r = tokio::time::timeout(PROMPT, rt.load(dir.path()))
            .await
            .expect("hung");
        let msg = r.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(msg.contains(file) && msg.contains("nests"), "{name}: {msg}");
    }
    for (name, source) in [
        (
            "parens",
            format!("export const v = {}1{};", "(".repeat(495), ")".repeat(495)),
        ),
        (
            "functions",
            format!(
                "export const v = {}1{};",
                "(function(){return ".repeat(160),
                "})()".repeat(160)
            ),
        ),
        (
            "else if",
            format!(
                "let a = 1; if (a) {{}}{}",
                " else if (a) { a++ }".repeat(970)
            ),
        ),
        ("binary", format!("export const v = 1{};", "+1".repeat(980))),
    ] {
        let dir = write_plugin(
            json!({"id": "near-debug", "version": "1.0.0", "main": "main.ts"}),
            &source,
        );
        match tokio::time::timeout(PROMPT, rt.load(dir.path()))
            .await
            .expect("hung")
        {
            Ok(p) => p.unload().await.unwrap(),
            Err(e) => {
                let msg = e.to_string();
                assert!(
                    msg.contains("RangeError") || msg.contains("nests"),
                    "{name}: {msg}"
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_files_directory_holds_a_bounded_number_of_entries() {
    // Empty files cost no quota bytes, so the number of entries is capped (100,000):
    // loading and `remove` walk the tree, and that walk must stay bounded.
    let data = tempfile::tempdir().unwrap();
    let many = data
        .path()
        .join("plugins")
        .join("crowded")
        .join("files")
        .join("many");
    std::fs::create_dir_all(&many).unwrap();
    for i in 0..99_999 {
        std::fs::File::create(many.join(i.to_string())).unwrap();
    }
    let dir = write_plugin(
        json!({"id": "crowded", "version": "1.0.0", "main": "main.js",
               "permissions": ["filesystem-access"]}),
        r#"
        async function outcome(f) {
          try { await f(); return "ok"; } catch (e) { return `${e.name}: ${e.message}`; }
        }
        export async function probe() {
          return {
            write: await outcome(() => qirvo.fs.writeTextFile("x", "")),
            mkdir: await outcome(() => qirvo.fs.mkdir("a/b", { recursive: true })),
            overwrite: await outcome(() => qirvo.fs.writeTextFile("many/7", "seven")),
            remove: await outcome(() => qirvo.fs.remove("many", { recursive: true })),
            after: await outcome(() => qirvo.fs.writeTextFile("x", "")),
          };
        }
        "#,
    );
    let rt = qirvo::PluginRuntime::new(qirvo::RuntimeConfig {
        data_dir: data.path().to_path_buf(),
        ..qirvo::RuntimeConfig::default()
    })
    .unwrap();
    let p = rt.load(dir.path()).await.unwrap();
    let r = p.call("probe", vec![]).await.unwrap();
    for op in ["write", "mkdir"] {
        let got = r[op].as_str().unwrap();
        assert!(
            got.starts_with("QuotaExceededError") && got.contains("100000"),
            "{op}: {got}"
        );
    }
    assert_eq!(
        r["overwrite"],
        json!("ok"),
        "an existing file can be rewritten"
    );
    assert_eq!(r["remove"], json!("ok"));
    assert_eq!(r["after"], json!("ok"), "removing frees entries");
}
