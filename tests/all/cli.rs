//! The `qirvo` binary as a shell user runs it.

use std::process::{Command, Output};

use crate::helpers::*;

fn qirvo(args: &[&str]) -> Output {
    let data = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_qirvo"))
        .args(args)
        .arg("--data-dir")
        .arg(data.path())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run qirvo")
}

/// How long a test waits for `qirvo run` to print its next line.
const LINE_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// Starts `qirvo run <args>` (stdout discarded); its stderr arrives line by line.
fn spawn_run(
    args: &[&str],
    data: &tempfile::TempDir,
) -> (std::process::Child, std::sync::mpsc::Receiver<String>) {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_qirvo"))
        .arg("run")
        .args(args)
        .arg("--data-dir")
        .arg(data.path())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run qirvo");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines() {
            let _ = tx.send(line.unwrap_or_default());
        }
    });
    (child, rx)
}

/// Ctrl-C: the graceful way to end `qirvo run`.
fn interrupt(child: &std::process::Child) {
    // SAFETY: kill(2) with the pid of a child we own and a valid signal.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGINT);
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn run_prints_plugin_lines_and_exits_cleanly() {
    let out = qirvo(&["run", "fixtures/plugins/hello", "--for", "50ms"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        [
            "[com.example.hello] initialize: com.example.hello 1.0.0",
            "[com.example.hello] start: running",
            "[com.example.hello] stop: stopping",
            "[com.example.hello] cleanup: done",
        ]
    );
}

#[test]
fn call_prints_the_json_result() {
    let out = qirvo(&["call", "fixtures/plugins/hello", "greet", "\"Ada\""]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).lines().last(), Some("\"Hello, Ada!\""));
    let out = qirvo(&[
        "call",
        "fixtures/plugins/plain-js",
        "echo",
        "1",
        "{\"a\":[true]}",
    ]);
    assert_eq!(text(&out.stdout).trim(), "[1,{\"a\":[true]}]");
}

#[test]
fn warnings_and_errors_go_to_stderr() {
    let out = qirvo(&["call", "fixtures/plugins/plain-js", "logLevels"]);
    assert_eq!(out.status.code(), Some(0));
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(stdout.contains("[plain-js] a log line"), "{stdout}");
    assert!(stderr.contains("[plain-js] a warn line"), "{stderr}");
    assert!(stderr.contains("[plain-js] an error line"), "{stderr}");
    assert!(!stdout.contains("warn line"));
}

#[test]
fn a_failing_plugin_exits_1_with_the_error_on_stderr() {
    let out = qirvo(&["call", "fixtures/plugins/plain-js", "fail", "\"boom\""]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("error: plugin plain-js: call fail: TypeError: boom\n"),
        "{stderr}"
    );
    assert!(stderr.contains("main.js:"), "the stack follows: {stderr}");

    let out = qirvo(&["run", "fixtures/plugins/init-throws", "--for", "0"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("database unreachable"));
}

#[test]
fn bad_input_exits_2() {
    let out = qirvo(&["validate", "fixtures/manifests/bad-memory"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("resources.memory: \"lots\" is not a size"),
        "{}",
        text(&out.stderr)
    );
    let out = qirvo(&["run", "fixtures/plugins/hello", "--for", "banana"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("\"banana\" is not a duration"));
    let out = qirvo(&["call", "fixtures/plugins/hello", "greet", "not-json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("is not JSON"));
    let out = qirvo(&["run", "fixtures/plugins/escape-import", "--for", "0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("outside the plugin directory"));
}

#[test]
fn validate_accepts_a_good_plugin() {
    let out = qirvo(&["validate", "fixtures/plugins/hello"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("com.example.hello 1.0.0"));
    let _ = plugin_fixture("hello");
}

#[test]
fn run_serves_metrics_and_a_status_table_for_a_directory_of_plugins() {
    use std::io::{BufRead, BufReader, Read, Write};
    let many = tempfile::tempdir().unwrap();
    for name in ["hello", "plain-js"] {
        let dest = many.path().join(name);
        std::fs::create_dir_all(&dest).unwrap();
        for f in std::fs::read_dir(plugin_fixture(name)).unwrap() {
            let f = f.unwrap();
            std::fs::copy(f.path(), dest.join(f.file_name())).unwrap();
        }
    }
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_qirvo"))
        .arg("run")
        .arg(many.path())
        .args([
            "--for",
            "60s",
            "--status",
            "--metrics-addr",
            "127.0.0.1:0",
            "--data-dir",
        ])
        .arg(data.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let addr = line
        .trim()
        .strip_prefix("metrics at http://")
        .and_then(|s| s.strip_suffix("/metrics"))
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_string();
    // Scrape until both plugins are running.
    let mut body = String::new();
    for _ in 0..100 {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        body.clear();
        s.read_to_string(&mut body).unwrap();
        if body.contains("qirvo_plugins{state=\"running\"} 2") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(body.starts_with("HTTP/1.1 200 OK"), "{body}");
    assert!(
        body.contains("qirvo_plugin_state{plugin=\"com.example.hello\",state=\"running\"} 1"),
        "{body}"
    );
    assert!(
        body.contains("qirvo_plugin_state{plugin=\"plain-js\",state=\"running\"} 1"),
        "{body}"
    );
    interrupt(&child);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("plugin") && stdout.contains("health"),
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("plain-js") && l.contains("running")),
        "{stdout}"
    );
}

#[test]
fn qirvo_test_runs_a_plugins_tests_and_fails_alone() {
    let out = qirvo(&["test", "fixtures/plugins/tested"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    for line in [
        "ok    main.test.ts > adds",
        "FAIL  main.test.ts > reports expected vs actual",
        "      expected: { sum: 5 }",
        "        actual: { sum: 4 }",
        "skip  main.test.ts > not ready yet",
        "FAIL  main.test.ts > hangs",
        "      timed out after 100 ms",
        "FAIL  main.test.ts > exhausts its heap",
        "ok    main.test.ts > fetch is stubbed by URL pattern",
        "ok    main.test.ts > storage is in memory and works",
        "ok    main.test.ts > rejections are assertions too",
    ] {
        assert!(
            stdout.lines().any(|l| l.starts_with(line)),
            "missing {line:?} in\n{stdout}"
        );
    }
    assert_eq!(stdout.lines().last(), Some("4 passed, 3 failed, 1 skipped"));
}

#[test]
fn qirvo_new_makes_a_plugin_that_runs_and_tests() {
    for js in [false, true] {
        let parent = tempfile::tempdir().unwrap();
        let dir = parent
            .path()
            .join(if js { "my-js-plugin" } else { "my-plugin" });
        let dir_s = dir.to_str().unwrap();
        let mut args = vec!["new", dir_s];
        if js {
            args.push("--js");
        }
        let out = qirvo(&args);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let ext = if js { "js" } else { "ts" };
        for f in [
            "manifest.json",
            &format!("main.{ext}"),
            &format!("main.test.{ext}"),
            "qirvo.d.ts",
            "tsconfig.json",
        ] {
            assert!(dir.join(f).exists(), "{f}");
        }
        let out = qirvo(&["test", dir_s]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        assert_eq!(text(&out.stdout).lines().last(), Some("2 passed, 0 failed"));
        let out = qirvo(&["run", dir_s, "--for", "0"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        // A second `new` into the same directory refuses rather than overwrite.
        let out = qirvo(&args);
        assert_eq!(out.status.code(), Some(2));
        assert!(
            text(&out.stderr).contains("already exists"),
            "{}",
            text(&out.stderr)
        );
    }
}

#[test]
fn run_watch_reloads_on_change_and_keeps_a_working_version() {
    use std::io::{BufRead, BufReader};
    use std::sync::mpsc;
    let dir = copy_plugin("hello", "watched");
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_qirvo"))
        .arg("run")
        .arg(dir.path())
        .args(["--watch", "--for", "120s", "--data-dir"])
        .arg(data.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel::<String>();
    for pipe in [
        Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ] {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
    }
    let wait_for = |text: &str| -> bool {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
            match rx.recv_timeout(left) {
                Ok(line) if line.contains(text) => return true,
                Ok(_) => {}
                Err(_) => return false,
            }
        }
        false
    };
    assert!(wait_for("start: running"));
    let main = dir.path().join("main.ts");
    let code = std::fs::read_to_string(&main).unwrap();
    std::fs::write(&main, code.replace("start: running", "start: version two")).unwrap();
    assert!(wait_for("start: version two"), "the new version started");
    std::fs::write(&main, "export default { this is not valid").unwrap();
    assert!(wait_for("keeping the running one"));
    interrupt(&child);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

#[test]
fn the_example_plugin_passes_its_own_tests() {
    let out = qirvo(&["test", "examples/plugins/counter"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert_eq!(text(&out.stdout).lines().last(), Some("2 passed, 0 failed"));
    let out = qirvo(&["validate", "examples/plugins/counter"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn run_inspect_serves_devtools_targets_on_loopback() {
    use std::io::{Read, Write};
    let data = tempfile::tempdir().unwrap();
    let (mut child, stderr) = spawn_run(
        &["fixtures/plugins/debuggee", "--inspect=127.0.0.1:0"],
        &data,
    );
    let addr = loop {
        let line = stderr
            .recv_timeout(LINE_WAIT)
            .expect("an inspector address");
        if let Some(rest) = line.strip_prefix("Debugger listening on http://") {
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };
    let line = stderr.recv_timeout(LINE_WAIT).unwrap();
    let prefix = format!("debuggee: ws://{addr}/debuggee/");
    assert!(line.trim().starts_with(&prefix), "{line}");
    let token = line.trim()[prefix.len()..].to_string();
    assert_eq!(token.len(), 32, "a 128-bit token: {line}");
    // The plugin is listed once it has loaded.
    let mut body = String::new();
    for _ in 0..200 {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        write!(s, "GET /json/list HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
        body.clear();
        s.read_to_string(&mut body).unwrap();
        if body.contains("\"debuggee\"") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(
        body.contains(&format!(
            "\"webSocketDebuggerUrl\":\"ws://{addr}/debuggee/{token}\""
        )),
        "{body}"
    );
    interrupt(&child);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

#[test]
fn run_inspect_refuses_a_public_address_and_nonsense() {
    let out = qirvo(&["run", "fixtures/plugins/debuggee", "--inspect=0.0.0.0:9229"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("not a loopback address"), "{stderr}");
    assert!(stderr.contains("--inspect-allow-remote"), "{stderr}");
    let out = qirvo(&["run", "fixtures/plugins/debuggee", "--inspect=nowhere"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("expected HOST:PORT"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn run_profile_writes_a_cpuprofile_and_prints_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hello.cpuprofile");
    let out = qirvo(&[
        "run",
        "fixtures/plugins/hello",
        "--for",
        "100ms",
        "--profile",
        file.to_str().unwrap(),
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert!(json["nodes"].is_array() && json["timeDeltas"].is_array());
    assert!(
        stderr.contains("profile of com.example.hello: "),
        "{stderr}"
    );
    assert!(
        stderr.contains("performance report: com.example.hello"),
        "{stderr}"
    );
}

#[test]
fn ctrl_c_ends_a_run_paused_at_inspect_brk() {
    let data = tempfile::tempdir().unwrap();
    let (mut child, rx) = spawn_run(
        &["fixtures/plugins/debuggee", "--inspect-brk=127.0.0.1:0"],
        &data,
    );
    // Waiting at the first statement for a debugger that never comes.
    loop {
        let line = rx
            .recv_timeout(LINE_WAIT)
            .expect("the inspector announces itself");
        if line.starts_with("Each plugin waits") {
            break;
        }
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    interrupt(&child);
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(15),
            "Ctrl-C did not end the paused run"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0));
    let rest: Vec<String> = rx.try_iter().collect();
    assert!(
        rest.iter()
            .any(|l| l.starts_with("interrupted while loading")),
        "{rest:?}"
    );
}
