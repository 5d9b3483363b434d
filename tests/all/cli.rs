//! The `qirvo` binary as a shell user runs it.

use std::process::Command;

use crate::helpers::*;

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
    let plugin = write_plugin(
        serde_json::json!({"id": "levels", "version": "1.0.0", "main": "main.js"}),
        "export default { start() { console.debug('d-line'); console.log('l-line'); \
         console.info('i-line'); console.warn('w-line'); console.error('e-line'); } };",
    );
    let dir = plugin.path().to_str().unwrap();
    let out = qirvo(&["run", dir, "--for", "0"]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(stdout, "[levels] l-line\n[levels] i-line\n");
    assert_eq!(stderr, "[levels] w-line\n[levels] e-line\n");
    let out = qirvo(&["run", dir, "--for", "0", "--log-level", "warn"]);
    assert_eq!(text(&out.stdout), "");
    let out = qirvo(&["run", dir, "--for", "0", "-q"]);
    assert_eq!(
        (text(&out.stdout), text(&out.stderr)),
        (String::new(), "[levels] e-line\n".to_string())
    );
    // QIRVO_LOG turning the plugin target on never prints a line twice.
    let out = Command::new(env!("CARGO_BIN_EXE_qirvo"))
        .args(["run", dir, "--for", "0", "--data-dir"])
        .arg(tempfile::tempdir().unwrap().path())
        .env("QIRVO_LOG", "trace")
        .output()
        .unwrap();
    let both = text(&out.stdout) + text(&out.stderr).as_str();
    assert_eq!(both.matches("w-line").count(), 1, "{both}");
    assert_eq!(both.matches("i-line").count(), 1, "{both}");
    // Under `call`, every plugin line goes to stderr and stdout holds only the result.
    let out = qirvo(&["call", "fixtures/plugins/plain-js", "logLevels"]);
    assert_eq!(out.status.code(), Some(0));
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(stdout, "null\n");
    assert!(stderr.contains("[plain-js] a log line"), "{stderr}");
    assert!(stderr.contains("[plain-js] a warn line"), "{stderr}");
    assert!(stderr.contains("[plain-js] an error line"), "{stderr}");
    // Debug lines are hidden unless asked for.
    assert!(!stderr.contains("a debug line"), "{stderr}");
    let out = qirvo(&[
        "--log-level",
        "debug",
        "call",
        "fixtures/plugins/plain-js",
        "logLevels",
    ]);
    assert!(text(&out.stderr).contains("[plain-js] a debug line"));
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
        s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
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
            .any(|l| l.starts_with("interrupted (SIGINT) while loading")),
        "{rest:?}"
    );
}

#[test]
fn call_prints_only_the_result_and_reads_input_and_json() {
    // Plugin lines on stderr: the result pipes cleanly into a JSON tool.
    let out = qirvo(&["call", "fixtures/plugins/hello", "greet", "\"Ada\""]);
    assert_eq!(text(&out.stdout), "\"Hello, Ada!\"\n");
    assert!(text(&out.stderr).contains("[com.example.hello] start: running"));

    // --input FILE: one JSON array of arguments.
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("args.json");
    std::fs::write(&input, "[1, {\"a\": [true]}]").unwrap();
    let out = qirvo(&[
        "call",
        "fixtures/plugins/plain-js",
        "echo",
        "--input",
        input.to_str().unwrap(),
    ]);
    assert_eq!(text(&out.stdout), "[1,{\"a\":[true]}]\n");

    // --input -: from standard input; --json wraps the outcome.
    let mut child = Command::new(env!("CARGO_BIN_EXE_qirvo"))
        .args([
            "call",
            "fixtures/plugins/hello",
            "greet",
            "--input",
            "-",
            "--json",
            "--data-dir",
        ])
        .arg(dir.path().join("data"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"[\"Bob\"]").unwrap();
    let out = child.wait_with_output().unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc,
        serde_json::json!({"ok": true, "result": "Hello, Bob!"})
    );

    // A failure under --json is JSON too, with the error's kind; the exit code is kept.
    let out = qirvo(&[
        "call",
        "fixtures/plugins/plain-js",
        "fail",
        "\"boom\"",
        "--json",
    ]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", text(&out.stdout)));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["error"]["kind"], "Exception");
    assert!(
        doc["error"]["message"].as_str().unwrap().contains("boom"),
        "{doc}"
    );
    assert!(
        doc["error"]["stack"].as_str().unwrap().contains("main.js"),
        "{doc}"
    );
    let out = qirvo(&["call", "fixtures/plugins/plain-js", "nope", "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["error"]["kind"], "BadInput");

    // Input that is not an array of arguments is bad input.
    std::fs::write(&input, "{\"a\": 1}").unwrap();
    let out = qirvo(&[
        "call",
        "fixtures/plugins/plain-js",
        "echo",
        "--input",
        input.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("expected a JSON array"),
        "{}",
        text(&out.stderr)
    );
    std::fs::write(&input, "[1,").unwrap();
    let out = qirvo(&[
        "call",
        "fixtures/plugins/plain-js",
        "echo",
        "--input",
        input.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let out = qirvo(&[
        "call",
        "fixtures/plugins/plain-js",
        "echo",
        "1",
        "--input",
        "-",
    ]);
    assert_eq!(out.status.code(), Some(2), "arguments and --input together");
}

#[test]
fn call_of_a_missing_export_or_argument_is_bad_input_before_start() {
    let out = qirvo(&["call", "fixtures/plugins/hello", "notAFunction"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no export \"notAFunction\""), "{stderr}");
    assert!(
        stderr.contains("greet(1)") && stderr.contains("ticksSoFar(0)"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("start: running"),
        "start() must not run: {stderr}"
    );
    assert_eq!(text(&out.stdout), "");

    let out = qirvo(&["call", "fixtures/plugins/hello", "greet"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("greet takes 1 argument, got 0"), "{stderr}");
    assert!(!stderr.contains("start: running"), "{stderr}");

    // The default export is an object here: not callable.
    let out = qirvo(&["call", "fixtures/plugins/hello", "default"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("is not a function"));
}

#[test]
fn validate_json_lists_the_exports() {
    let out = qirvo(&["validate", "fixtures/plugins/hello", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["ok"], true);
    assert_eq!(doc["id"], "com.example.hello");
    assert_eq!(doc["version"], "1.0.0");
    let greet = doc["exports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "greet")
        .cloned();
    assert_eq!(
        greet,
        Some(serde_json::json!({"name": "greet", "function": true, "params": 1}))
    );

    let broken = write_plugin(
        serde_json::json!({"id": "b", "version": "x", "main": "main.js"}),
        "",
    );
    let out = qirvo(&["validate", broken.path().to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["ok"], false);
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("version"),
        "{doc}"
    );
}

#[test]
fn run_status_json_is_one_json_line_per_report() {
    let out = qirvo(&[
        "run",
        "fixtures/plugins/hello",
        "--for",
        "0",
        "--status",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // Stdout holds only the JSON lines (plugin lines go to stderr).
    let reports: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(reports.len(), 2, "one when started, one at exit");
    let first = &reports[0][0];
    assert_eq!(first["id"], "com.example.hello");
    assert_eq!(first["state"], "running");
    assert!(first["heap_used_bytes"].as_u64().unwrap() > 0);
    assert_eq!(first["heap_limit_bytes"], 64 * 1024 * 1024);
    let share = first["cpu_share"].as_f64().unwrap();
    assert!(
        (0.0..=1.0).contains(&share),
        "a ratio, not percent: {share}"
    );
}

/// SIGTERM (Docker, systemd, Kubernetes) ends a run like Ctrl-C: stop() and the cleanup
/// tasks run, exit 0. A second signal during a slow stop forces the exit.
#[test]
fn sigterm_stops_plugins_cleanly_and_a_second_signal_forces() {
    use std::io::BufRead;
    let plugin = write_plugin(
        serde_json::json!({"id": "slow-stop", "version": "1.0.0", "main": "main.js",
                           "resources": {"timeout": 20000}}),
        "export default {
           initialize(ctx) { ctx.addCleanupTask(() => console.error('cleanup ran')); },
           start() { console.error('started'); },
           async stop() {
             console.error('stopping');
             if (qirvo.plugin.id === 'slow-stop' && globalThis.slow) await new Promise((r) => setTimeout(r, 15000));
           },
         };
         export function beSlow() { globalThis.slow = true; }",
    );
    let term = |child: &std::process::Child| unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
    };
    let spawn = || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_qirvo"))
            .args(["run", plugin.path().to_str().unwrap(), "--data-dir"])
            .arg(tempfile::tempdir().unwrap().path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr).lines() {
                let _ = tx.send(line.unwrap_or_default());
            }
        });
        (child, rx)
    };
    let (mut child, rx) = spawn();
    assert_eq!(rx.recv_timeout(LINE_WAIT).unwrap(), "[slow-stop] started");
    term(&child);
    assert_eq!(child.wait().unwrap().code(), Some(0));
    let rest: Vec<String> = rx.iter().collect();
    assert!(
        rest.iter().any(|l| l.contains("terminated (SIGTERM)")),
        "{rest:?}"
    );
    assert!(
        rest.contains(&"[slow-stop] stopping".to_string()),
        "{rest:?}"
    );
    assert!(
        rest.contains(&"[slow-stop] cleanup ran".to_string()),
        "{rest:?}"
    );

    // Make stop() slow through a global the module sets: a plugin whose stop takes 15 s.
    let main = plugin.path().join("main.js");
    let src = std::fs::read_to_string(&main).unwrap();
    std::fs::write(
        &main,
        src.replace("start() {", "start() { globalThis.slow = true;"),
    )
    .unwrap();
    let (mut child, rx) = spawn();
    assert_eq!(rx.recv_timeout(LINE_WAIT).unwrap(), "[slow-stop] started");
    term(&child);
    loop {
        let line = rx.recv_timeout(LINE_WAIT).unwrap();
        if line == "[slow-stop] stopping" {
            break;
        }
    }
    let forced_at = std::time::Instant::now();
    term(&child);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert!(
        forced_at.elapsed() < std::time::Duration::from_secs(10),
        "the second signal forces"
    );
}

#[test]
fn new_names_the_plugin_after_its_folder_and_points_at_the_schema() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("My Plugin");
    let out = qirvo(&["new", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // The hint quotes a path with a space so it can be pasted into a shell.
    assert!(
        text(&out.stdout).contains(&format!("qirvo run '{}'", dir.display())),
        "{}",
        text(&out.stdout)
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["name"], "My Plugin");
    assert_eq!(manifest["id"], "my-plugin");
    assert_eq!(manifest["$schema"], "./manifest.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.schema.json")).unwrap())
            .unwrap();
    assert_eq!(schema, qirvo::manifest_schema());
    assert!(
        std::fs::read_to_string(dir.join(".gitignore"))
            .unwrap()
            .contains(".qirvo/")
    );
    let out = qirvo(&["validate", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    // `qirvo new .` is named after the current folder.
    let here = parent.path().join("Widget");
    std::fs::create_dir(&here).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_qirvo"))
        .args(["new", "."])
        .current_dir(&here)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(here.join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(
        (manifest["name"].as_str(), manifest["id"].as_str()),
        (Some("Widget"), Some("widget"))
    );
}

#[test]
fn schema_out_and_completions() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("m.schema.json");
    let out = qirvo(&["schema", "--out", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(written, qirvo::manifest_schema());
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef qirvo"),
        ("fish", "complete -c qirvo"),
    ] {
        let out = qirvo(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let script = text(&out.stdout);
        assert!(script.contains(marker), "{shell}: {script}");
        assert!(
            script.contains("inspect-brk") && script.contains("metrics-addr"),
            "{shell}"
        );
    }
    let out = qirvo(&["completions", "powershell-not"]);
    assert_eq!(out.status.code(), Some(2));
}

/// A scrape in both formats, parsed by a real OpenMetrics/Prometheus parser; `HEAD`;
/// `--metrics-addr PORT`.
#[test]
fn metrics_endpoint_negotiates_its_format() {
    let (mut child, port, line, _data) = run_hello_with_metrics();
    assert_eq!(
        line.trim(),
        format!("metrics at http://127.0.0.1:{port}/metrics")
    );
    let request = |head: &str| crate::helpers::http(("127.0.0.1", port), head);
    // Until the plugin is running.
    for _ in 0..100 {
        if request("GET /metrics HTTP/1.1")
            .1
            .contains("state=\"running\"} 1")
        {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let (headers, text_body) = request("GET /metrics HTTP/1.1");
    assert!(
        headers.contains("content-type: text/plain; version=0.0.4"),
        "{headers}"
    );
    openmetrics_parser::prometheus::parse_prometheus(&text_body)
        .unwrap_or_else(|e| panic!("not Prometheus text: {e:?}\n{text_body}"));
    assert!(!text_body.contains("# EOF"));

    let (headers, om_body) = request(
        "GET /metrics HTTP/1.1\r\nAccept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5",
    );
    assert!(
        headers.contains("content-type: application/openmetrics-text; version=1.0.0"),
        "{headers}"
    );
    let exposition = openmetrics_parser::openmetrics::parse_openmetrics(&om_body)
        .unwrap_or_else(|e| panic!("not OpenMetrics: {e:?}\n{om_body}"));
    assert!(exposition.families.keys().any(|k| k.starts_with("qirvo_")));

    let (headers, body) = request("HEAD /metrics HTTP/1.1");
    assert!(headers.starts_with("HTTP/1.1 200"), "{headers}");
    assert!(body.is_empty());
    let (headers, _) = request("POST /metrics HTTP/1.1\r\nContent-Length: 0");
    assert!(headers.starts_with("HTTP/1.1 405"), "{headers}");
    let (headers, _) = request("GET /nope HTTP/1.1");
    assert!(headers.starts_with("HTTP/1.1 404"), "{headers}");
    interrupt(&child);
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

/// `--watch` on native file events: `initialize` runs once per version (its side effect,
/// a request, is counted by a local server), and the data directory inside the plugin
/// folder, test files and editor temp files never trigger a reload.
#[test]
fn run_watch_initializes_once_per_version_and_ignores_data_tests_and_temp_files() {
    use std::io::{BufRead, BufReader, Read, Write};
    let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = server.local_addr().unwrap().port();
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    {
        let hits = hits.clone();
        std::thread::spawn(move || {
            for conn in server.incoming() {
                let Ok(mut conn) = conn else { continue };
                let mut buf = [0u8; 4096];
                let _ = conn.read(&mut buf);
                hits.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let _ = conn.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
                );
            }
        });
    }
    let plugin = write_plugin(
        serde_json::json!({"id": "watched-init", "version": "1.0.0", "main": "main.js",
            "permissions": ["network-access"], "network": {"allowedHosts": ["127.0.0.1"]}}),
        &format!(
            "export default {{
               async initialize() {{ await (await fetch('http://127.0.0.1:{port}/init')).text(); }},
               async start() {{ await qirvo.storage.set('started', Date.now()); console.log('version one'); }},
             }};"
        ),
    );
    let root = plugin.path();
    std::fs::write(root.join("main.test.js"), "qirvo.test('t', () => {});").unwrap();
    // The data directory inside the plugin folder, under a name that is not hidden.
    let data = root.join("data");
    let mut child = Command::new(env!("CARGO_BIN_EXE_qirvo"))
        .arg("run")
        .arg(root)
        .args(["--watch", "--for", "120s", "--data-dir"])
        .arg(&data)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
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
    let mut seen = Vec::new();
    let wait_for = |text: &str, seen: &mut Vec<String>| -> bool {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
            match rx.recv_timeout(left) {
                Ok(line) => {
                    let hit = line.contains(text);
                    seen.push(line);
                    if hit {
                        return true;
                    }
                }
                Err(_) => return false,
            }
        }
        false
    };
    assert!(wait_for("version one", &mut seen), "{seen:?}");
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 1);
    // Writes the runtime makes under the data dir, a test file, editor temp files: none reloads.
    std::fs::write(root.join("main.test.js"), "qirvo.test('t2', () => {});").unwrap();
    std::fs::write(root.join("main.js~"), "backup").unwrap();
    std::fs::write(root.join(".main.js.swp"), "swap").unwrap();
    std::fs::write(root.join("4913"), "").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let main = root.join("main.js");
    let code = std::fs::read_to_string(&main).unwrap();
    std::fs::write(&main, code.replace("version one", "version two")).unwrap();
    assert!(wait_for("version two", &mut seen), "{seen:?}");
    let reloads = seen
        .iter()
        .filter(|l| l.contains("changed: reloading"))
        .count();
    assert_eq!(reloads, 1, "only the change to main.js reloads: {seen:?}");
    // One initialize for the new version: the proof before the swap ran none.
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 2);

    // A version whose initialize fails goes back to the previous one.
    std::fs::write(
        &main,
        "export default { initialize() { throw new Error('broken init'); }, start() { console.log('never'); } };",
    )
    .unwrap();
    assert!(
        wait_for("went back to the previous version", &mut seen),
        "{seen:?}"
    );
    let failed_at = seen
        .iter()
        .position(|l| l.contains("the new version failed"))
        .unwrap();
    // (stdout and stderr are read apart: the start line may come before or after.)
    let restarted = seen[failed_at..]
        .iter()
        .any(|l| l == "[watched-init] version two")
        || wait_for("version two", &mut seen);
    assert!(restarted, "the previous version started again: {seen:?}");
    interrupt(&child);
    assert_eq!(child.wait().unwrap().code(), Some(0));
}
