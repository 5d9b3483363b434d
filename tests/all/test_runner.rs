//! `qirvo test` as plugin authors expect it (issue 16): directories of plugins, failures
//! that name the plugin, file and line, a recap, `--filter`, `qirvo.test.only`,
//! `--fail-fast`, `--reporter junit|tap`, `--json`, and no test files as an error.

use std::process::{Command, Output};

use crate::helpers::{qirvo, text};

const MANY: &str = "fixtures/plugins/testrunner-many";

fn show(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    )
}

#[test]
fn no_test_files_is_an_error_naming_the_directory() {
    let out = qirvo(&["test", "fixtures/plugins/testrunner-empty"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let err = text(&out.stderr);
    assert!(
        err.contains("no test files in fixtures/plugins/testrunner-empty"),
        "{}",
        show(&out)
    );
    assert!(!text(&out.stdout).contains("passed"), "{}", show(&out));

    // A directory of plugins none of which has tests: the same, naming the directory.
    let parent = tempfile::tempdir().unwrap();
    for name in ["one", "two"] {
        let dir = parent.path().join(name);
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(
            dir.join("manifest.json"),
            format!(r#"{{"id":"{name}","version":"1.0.0","main":"main.js"}}"#),
        )
        .unwrap();
        std::fs::write(dir.join("main.js"), "export const x = 1;").unwrap();
    }
    let p = parent.path().to_str().unwrap();
    let out = qirvo(&["test", p]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        text(&out.stderr).contains(&format!("no test files in {p}")),
        "{}",
        show(&out)
    );
}

#[test]
fn a_directory_of_plugins_runs_each_plugins_tests() {
    let out = qirvo(&["test", MANY]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    for line in [
        "ok    runner-alpha > greet.test.ts > adds nothing",
        "FAIL  runner-alpha > greet.test.ts > weighs wrongly",
        "FAIL  runner-alpha > greet.test.ts > throws a TypeError",
        "ok    runner-beta > lib/math.test.js > doubles",
        "FAIL  runner-beta > lib/math.test.js > lists <differ> & \"quote\"",
        "skip  runner-beta > lib/math.test.js > later",
    ] {
        assert!(
            stdout.lines().any(|l| l.starts_with(line)),
            "missing {line:?} in\n{}",
            show(&out)
        );
    }
    // The plugin without tests is mentioned, not an error, in a directory of plugins.
    assert!(
        text(&out.stderr).contains("gamma: no test files"),
        "{}",
        show(&out)
    );
    assert_eq!(
        stdout.lines().last(),
        Some("2 passed, 3 failed, 1 skipped"),
        "{}",
        show(&out)
    );
}

#[test]
fn failures_name_the_plugin_file_and_line_without_internal_frames() {
    let out = qirvo(&["test", MANY]);
    let stdout = text(&out.stdout);
    // The failing assertion's line in the test file: inside a helper (4), a thrown
    // TypeError (17), a multi-line call in a .js file under lib/ (8).
    for place in [
        "runner-alpha: greet.test.ts:4:",
        "runner-alpha: greet.test.ts:17:",
        "runner-beta: lib/math.test.js:8:",
    ] {
        assert_eq!(
            stdout.matches(place).count(),
            2,
            "{place:?}: once under the test, once in the recap\n{}",
            show(&out)
        );
    }
    // The stack keeps the caller's frame in the test file...
    assert!(stdout.contains("greet.test.ts:12:"), "{}", show(&out));
    // ...and hides Qirvo's own.
    assert!(!stdout.contains("ext:"), "{}", show(&out));
    assert!(!stdout.contains("bootstrap.js"), "{}", show(&out));
    // Expected and actual, as plain text when stdout is not a terminal (no colour codes).
    assert!(
        stdout.contains("expected: { value: 2, unit: \"kg\" }"),
        "{}",
        show(&out)
    );
    assert!(
        stdout.contains("actual: { value: 3, unit: \"kg\" }"),
        "{}",
        show(&out)
    );
    assert!(!stdout.contains('\x1b'), "{}", show(&out));
    // The recap lists every failure after the run.
    let recap = stdout
        .split("failures (3):")
        .nth(1)
        .unwrap_or_else(|| panic!("no recap\n{}", show(&out)));
    for name in ["weighs wrongly", "throws a TypeError", "lists <differ>"] {
        assert!(
            recap.contains(name),
            "{name:?} not in the recap\n{}",
            show(&out)
        );
    }
}

#[test]
fn the_scaffold_names_plugin_file_and_line_of_a_failing_assertion() {
    for js in [false, true] {
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().join("scaffolded");
        let dir_s = dir.to_str().unwrap();
        let mut args = vec!["new", dir_s];
        if js {
            args.push("--js");
        }
        let out = qirvo(&args);
        assert_eq!(out.status.code(), Some(0), "{}", show(&out));
        let ext = if js { "js" } else { "ts" };
        let test_file = dir.join(format!("main.test.{ext}"));
        let source = std::fs::read_to_string(&test_file).unwrap();
        // Break the first assert.equal and find its line.
        let (index, line) = source
            .lines()
            .enumerate()
            .find(|(_, l)| l.contains("qirvo.assert.equal("))
            .expect("the scaffold's test asserts");
        let broken = line.replacen(
            "qirvo.assert.equal(",
            "qirvo.assert.equal(\"not this\", ",
            1,
        );
        let source = source.replacen(line, &broken, 1);
        std::fs::write(&test_file, source).unwrap();
        let manifest: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap())
                .unwrap();
        let id = manifest["id"].as_str().unwrap();
        let out = qirvo(&["test", dir_s]);
        assert_eq!(out.status.code(), Some(1), "{}", show(&out));
        let place = format!("{id}: main.test.{ext}:{}:", index + 1);
        assert!(
            text(&out.stdout).contains(&place),
            "{place:?} missing\n{}",
            show(&out)
        );
    }
}

#[test]
fn filter_selects_tests_by_substring_or_regex() {
    let out = qirvo(&["test", MANY, "--filter", "doubles"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("ok    runner-beta > lib/math.test.js > doubles"));
    assert_eq!(stdout.matches("ok    ").count(), 1, "{}", show(&out));
    assert_eq!(
        stdout.lines().last(),
        Some("1 passed, 0 failed, 5 filtered out"),
        "{}",
        show(&out)
    );

    let out = qirvo(&["test", MANY, "--filter", "/^(adds|doubles)$|TypeError/"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert_eq!(
        text(&out.stdout).lines().last(),
        Some("1 passed, 1 failed, 4 filtered out"),
        "{}",
        show(&out)
    );

    // A bad regular expression is a bad argument.
    let out = qirvo(&["test", MANY, "--filter", "/(/"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(
        text(&out.stderr).contains("not a regular expression"),
        "{}",
        show(&out)
    );
}

#[test]
fn test_only_runs_only_those_across_the_run() {
    let out = qirvo(&["test", "fixtures/plugins/testrunner-only"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    for line in [
        "skip  a.test.js > a: ordinary",
        "ok    a.test.js > a: focused",
        "FAIL  a.test.js > a: focused and failing",
        // No `.only` in b.test.js, but one in the run: skipped.
        "skip  b.test.js > b: ordinary",
    ] {
        assert!(
            stdout.lines().any(|l| l.starts_with(line)),
            "missing {line:?}\n{}",
            show(&out)
        );
    }
    assert!(!stdout.contains("must not run"), "{}", show(&out));
    assert_eq!(stdout.lines().last(), Some("1 passed, 1 failed, 2 skipped"));
}

#[test]
fn fail_fast_stops_at_the_first_failure() {
    let out = qirvo(&["test", MANY, "--fail-fast"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert_eq!(stdout.matches("FAIL  ").count(), 1, "{}", show(&out));
    assert!(stdout.contains("FAIL  runner-alpha > greet.test.ts > weighs wrongly"));
    // Nothing after it ran: not the rest of the file, not the next plugin.
    assert!(!stdout.contains("throws a TypeError"), "{}", show(&out));
    assert!(!stdout.contains("runner-beta"), "{}", show(&out));
    assert_eq!(
        stdout.lines().last(),
        Some("1 passed, 1 failed"),
        "{}",
        show(&out)
    );
}

#[test]
fn junit_report_for_ci() {
    let out = qirvo(&["test", MANY, "--reporter", "junit"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let xml = text(&out.stdout);
    assert!(
        xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites "),
        "{xml}"
    );
    assert!(xml.trim_end().ends_with("</testsuites>"), "{xml}");
    // Only the report on stdout.
    assert!(!xml.contains("passed,"), "{xml}");
    assert!(
        xml.contains("tests=\"6\" failures=\"3\" skipped=\"1\""),
        "{xml}"
    );
    assert!(
        xml.contains("<testsuite name=\"runner-beta/lib/math.test.js\" tests=\"3\" failures=\"1\""),
        "{xml}"
    );
    assert_eq!(xml.matches("<testcase ").count(), 6, "{xml}");
    assert_eq!(xml.matches("<failure ").count(), 3, "{xml}");
    assert_eq!(xml.matches("<skipped/>").count(), 1, "{xml}");
    // Names are escaped, and each failure says where.
    assert!(
        xml.contains("name=\"lists &lt;differ&gt; &amp; &quot;quote&quot;\""),
        "{xml}"
    );
    assert!(xml.contains("runner-alpha: greet.test.ts:4:"), "{xml}");
    // Every < opens a known element: nothing unescaped leaked from messages.
    for tag in xml.split('<').skip(1) {
        assert!(
            [
                "?xml",
                "testsuites",
                "/testsuites",
                "testsuite ",
                "/testsuite>",
                "testcase ",
                "/testcase>",
                "failure ",
                "/failure>",
                "skipped/>"
            ]
            .iter()
            .any(|t| tag.starts_with(t)),
            "unexpected <{tag}"
        );
    }

    // --reporter-out: the report in a file, the usual lines on stdout.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("junit.xml");
    let out = qirvo(&[
        "test",
        MANY,
        "--reporter",
        "junit",
        "--reporter-out",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let written = std::fs::read_to_string(&file).unwrap();
    // The same report but for the timings.
    let untimed = |s: &str| {
        regex::Regex::new(r#"time="[0-9.]+""#)
            .unwrap()
            .replace_all(s.trim_end(), "time")
            .into_owned()
    };
    assert_eq!(untimed(&written), untimed(&xml));
    assert_eq!(
        text(&out.stdout).lines().last(),
        Some("2 passed, 3 failed, 1 skipped")
    );
}

#[test]
fn tap_report() {
    let out = qirvo(&["test", MANY, "--reporter", "tap"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let tap = text(&out.stdout);
    let lines: Vec<&str> = tap.lines().collect();
    assert_eq!(lines[..2], ["TAP version 13", "1..6"], "{tap}");
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("not ok ")).count(),
        3,
        "{tap}"
    );
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("ok ")).count(),
        3,
        "{tap}"
    );
    assert!(
        lines.contains(&"ok 6 - runner-beta > lib/math.test.js > later # SKIP"),
        "{tap}"
    );
    assert!(
        lines.contains(&"ok 1 - runner-alpha > greet.test.ts > adds nothing"),
        "{tap}"
    );
    assert!(tap.contains("  at: \"greet.test.ts:4:"), "{tap}");
}

#[test]
fn json_report() {
    let out = qirvo(&["test", MANY, "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let doc: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}\n{}", show(&out)));
    assert_eq!(doc["passed"], 2);
    assert_eq!(doc["failed"], 3);
    assert_eq!(doc["skipped"], 1);
    let tests = doc["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 6);
    let weighs = tests
        .iter()
        .find(|t| t["name"] == "weighs wrongly")
        .unwrap();
    assert_eq!(weighs["plugin"], "runner-alpha");
    assert_eq!(weighs["file"], "greet.test.ts");
    assert_eq!(weighs["status"], "failed");
    assert!(
        weighs["location"]
            .as_str()
            .unwrap()
            .starts_with("greet.test.ts:4:")
    );
    assert_eq!(weighs["expected"], "{ value: 2, unit: \"kg\" }");
    assert_eq!(weighs["actual"], "{ value: 3, unit: \"kg\" }");
    assert!(!weighs["stack"].as_str().unwrap().contains("ext:"));
}

#[test]
fn tests_run_after_initialize_with_the_manifests_config_and_config_overrides() {
    const DIR: &str = "fixtures/plugins/testrunner-config";
    let out = qirvo(&["test", DIR]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(r#"config seen: {"greeting":"Hello","unit":"kg"}"#),
        "{}",
        show(&out)
    );
    // A test file that does not import the main module: initialize ran all the same.
    assert!(
        stdout.contains(r#"standalone saw: {"greeting":"Hello","unit":"kg"}"#),
        "{}",
        show(&out)
    );
    assert_eq!(stdout.lines().last(), Some("2 passed, 0 failed"));

    // --config is merged over the manifest's: its keys win, the others stay.
    let out = qirvo(&["test", DIR, "--config", r#"{"greeting":"Hej","extra":[1]}"#]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert!(
        text(&out.stdout).contains(r#"config seen: {"greeting":"Hej","unit":"kg","extra":[1]}"#),
        "{}",
        show(&out)
    );

    // Anything but a JSON object is a bad argument.
    for bad in ["[1]", "{nope", "\"text\""] {
        let out = qirvo(&["test", DIR, "--config", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", show(&out));
        assert!(text(&out.stderr).contains("--config"), "{}", show(&out));
    }
}

#[test]
fn a_test_files_export_const_config_is_merged_over_the_manifests_and_config() {
    const DIR: &str = "fixtures/plugins/testrunner-file-config";
    // Each line a test printed: what its file's initialize got, and how many times it ran.
    let seen = |out: &Output, file: &str| -> Vec<String> {
        text(&out.stdout)
            .lines()
            .filter_map(|l| l.strip_prefix(&format!("[runner-file-config] {file} ")))
            .map(str::to_string)
            .collect()
    };
    let out = qirvo(&["test", DIR]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    // The file with its own config: the manifest's, its keys replaced (shallow: `limits`
    // whole) and added; both of its tests see it, after one initialize.
    let own = r#"{"greeting":"Hej","unit":"kg","limits":{"min":1},"extra":[1,"two",null]} (initialized 1x)"#;
    assert_eq!(
        seen(&out, "own.test.ts"),
        [format!("saw: {own}"), format!("again: {own}")],
        "{}",
        show(&out)
    );
    // The file without: exactly the manifest's.
    assert_eq!(
        seen(&out, "plain.test.ts"),
        [r#"saw: {"greeting":"Hello","unit":"kg","limits":{"max":3}} (initialized 1x)"#],
        "{}",
        show(&out)
    );

    // --config goes over the manifest's, and the file's own config over both.
    let out = qirvo(&[
        "test",
        DIR,
        "--config",
        r#"{"unit":"lb","greeting":"Hi","limits":{"max":9}}"#,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let own = r#"{"greeting":"Hej","unit":"lb","limits":{"min":1},"extra":[1,"two",null]} (initialized 1x)"#;
    assert_eq!(
        seen(&out, "own.test.ts"),
        [format!("saw: {own}"), format!("again: {own}")],
        "{}",
        show(&out)
    );
    assert_eq!(
        seen(&out, "plain.test.ts"),
        [r#"saw: {"greeting":"Hi","unit":"lb","limits":{"max":9}} (initialized 1x)"#],
        "{}",
        show(&out)
    );
}

#[test]
fn a_bad_export_const_config_fails_its_file_naming_it_and_the_reason() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path();
    std::fs::write(
        dir.join("manifest.json"),
        r#"{"id":"bad-config","version":"1.0.0","main":"main.js","config":{"a":1}}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("main.js"),
        "export default { initialize(ctx) { globalThis.seen = ctx.config; } };\n",
    )
    .unwrap();
    // (the export, the reason the error gives)
    let cases = [
        ("[1, 2]", "config is an array, not a plain object"),
        ("5", "config is a number, not a plain object"),
        ("null", "config is null, not a plain object"),
        ("'text'", "config is a string, not a plain object"),
        ("undefined", "config is undefined, not a plain object"),
        ("new Map()", "config is a Map, not a plain object"),
        ("() => ({})", "config is a function, not a plain object"),
        (
            "{ when: new Date(0) }",
            "config.when is a Date, which JSON cannot hold",
        ),
        (
            "{ f() {} }",
            "config.f is a function, which JSON cannot hold",
        ),
        (
            "{ a: { b: [1, 10n] } }",
            "config.a.b[1] is a bigint, which JSON cannot hold",
        ),
        (
            "{ u: undefined }",
            "config.u is undefined, which JSON cannot hold",
        ),
        ("{ n: NaN }", "config.n is NaN, which JSON cannot hold"),
        (
            "{ s: Symbol('x') }",
            "config.s is a symbol, which JSON cannot hold",
        ),
        (
            "(() => { const c = { inner: {} }; c.inner.back = c; return c; })()",
            "config.inner.back refers back to an object that contains it (a cycle)",
        ),
        // An accessor is code, not JSON data: refused without being called.
        (
            "{ get boom() { throw new Error('no config for you'); } }",
            "config.boom is a getter, not plain JSON data",
        ),
        (
            "{ a: [1, { set x(v) {} }] }",
            "config.a[1].x is a setter, not plain JSON data",
        ),
        (
            "(() => { const a = [1]; Object.defineProperty(a, 0, { get() { return 2; } }); return { a }; })()",
            "config.a[0] is a getter, not plain JSON data",
        ),
        (
            "new Proxy({}, { getPrototypeOf() { throw new Error('no config for you'); } })",
            "reading its `export const config` threw: Error: no config for you",
        ),
    ];
    for (i, (value, reason)) in cases.iter().enumerate() {
        // Only one bad file at a time, beside a good one that still passes.
        for old in std::fs::read_dir(dir).unwrap() {
            let old = old.unwrap().path();
            if old.to_string_lossy().ends_with(".test.js") {
                std::fs::remove_file(old).unwrap();
            }
        }
        let name = format!("bad{i}.test.js");
        std::fs::write(
            dir.join(&name),
            format!("export const config = {value};\nqirvo.test('t', () => {{}});\n"),
        )
        .unwrap();
        std::fs::write(
            dir.join("good.test.js"),
            "export const config = { b: 2 };\nqirvo.test('sees a and b', () => qirvo.assert.equal(globalThis.seen, { a: 1, b: 2 }));\n",
        )
        .unwrap();
        let out = qirvo(&["test", dir.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{value}: {}", show(&out));
        let stdout = text(&out.stdout);
        assert!(
            stdout.contains(&format!("FAIL  {name} > (loading the test file)")),
            "{value}: {}",
            show(&out)
        );
        let expected = if reason.starts_with("reading") {
            format!("{name}: {reason}")
        } else {
            format!("{name}: its `export const config` is not usable: {reason}")
        };
        assert!(
            stdout.contains(&expected),
            "{value}: wanted {expected:?} in {}",
            show(&out)
        );
        assert!(
            stdout.contains("ok    good.test.js > sees a and b"),
            "{value}: {}",
            show(&out)
        );
        assert!(
            stdout.contains("1 passed, 1 failed"),
            "{value}: {}",
            show(&out)
        );
    }
}

#[test]
fn a_plugin_whose_initialize_throws_fails_its_test_files_with_the_reason() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path();
    std::fs::write(
        dir.join("manifest.json"),
        r#"{"id":"init-fails","version":"1.0.0","main":"main.js"}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("main.js"),
        "export default { initialize() { throw new Error('no database'); } };\n",
    )
    .unwrap();
    std::fs::write(dir.join("a.test.js"), "qirvo.test('t', () => {});\n").unwrap();
    let out = qirvo(&["test", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("FAIL  a.test.js > (loading the test file)"),
        "{}",
        show(&out)
    );
    assert!(stdout.contains("no database"), "{}", show(&out));
    assert!(stdout.contains("init-fails: main.js:1:"), "{}", show(&out));
}

#[test]
fn watch_runs_again_when_a_file_changes() {
    use std::io::BufRead;
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("watched");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(
        dir.join("manifest.json"),
        r#"{"id":"watched","version":"1.0.0","main":"main.js"}"#,
    )
    .unwrap();
    std::fs::write(dir.join("main.js"), "export const answer = () => 42;\n").unwrap();
    std::fs::write(
        dir.join("a.test.js"),
        "import { answer } from './main.js';\nqirvo.test('answers', () => qirvo.assert.equal(answer(), 42));\n",
    )
    .unwrap();
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_qirvo"))
        .args(["test", "--watch"])
        .arg(&dir)
        .arg("--data-dir")
        .arg(data.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let mut wait_for = |want: &str| -> bool {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
            match rx.recv_timeout(left) {
                Ok(line) => {
                    let hit = line == want;
                    seen.push(line);
                    if hit {
                        return true;
                    }
                }
                Err(_) => break,
            }
        }
        false
    };
    let first = wait_for("1 passed, 0 failed");
    // A change to the plugin's code: the tests run again, and now fail.
    std::fs::write(dir.join("main.js"), "export const answer = () => 41;\n").unwrap();
    let second = wait_for("0 passed, 1 failed");
    // A change to the test file counts too.
    std::fs::write(
        dir.join("a.test.js"),
        "import { answer } from './main.js';\nqirvo.test('answers', () => qirvo.assert.equal(answer(), 41));\n",
    )
    .unwrap();
    let third = wait_for("1 passed, 0 failed");
    let _ = child.kill();
    let _ = child.wait();
    assert!(first && second && third, "{seen:#?}");
}

/// The lcov records of `file` in `lcov`: its `FN…`, `DA` and summary lines.
fn lcov_record<'a>(lcov: &'a str, file: &str) -> Vec<&'a str> {
    let mut lines = lcov.lines();
    let start = lines
        .by_ref()
        .position(|l| l.starts_with("SF:") && l.ends_with(file));
    assert!(start.is_some(), "no SF for {file} in\n{lcov}");
    lines.take_while(|l| *l != "end_of_record").collect()
}

#[test]
fn coverage_writes_lcov_with_exact_hits_at_the_original_lines() {
    const DIR: &str = "fixtures/plugins/testrunner-coverage";
    let out_dir = tempfile::tempdir().unwrap();
    let cov = out_dir.path().join("cov");
    let arg = format!("--coverage={}", cov.display());
    let out = qirvo(&["test", DIR, &arg]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let lcov = std::fs::read_to_string(cov.join("lcov.info")).unwrap();
    // The TypeScript file at its own path, never a test file or an internal module.
    let root = std::fs::canonicalize(DIR).unwrap();
    assert!(
        lcov.starts_with(&format!("TN:\nSF:{}\n", root.join("main.ts").display())),
        "{lcov}"
    );
    assert_eq!(lcov.matches("SF:").count(), 1, "{lcov}");
    assert!(!lcov.contains("ext:") && !lcov.contains(".test."), "{lcov}");
    assert!(lcov.ends_with("end_of_record\n"), "{lcov}");
    // Two test files, each with its own isolate: the module's top level and initialize
    // ran twice, describe() 3 + 1 times with the `> 100` branch never taken, and
    // neverCalled() not at all. Types, interfaces and braces are not lines.
    assert_eq!(
        lcov_record(&lcov, "main.ts"),
        [
            "FN:9,describe",
            "FN:16,neverCalled",
            "FN:25,initialize",
            "FNDA:4,describe",
            "FNDA:0,neverCalled",
            "FNDA:2,initialize",
            "FNF:3",
            "FNH:2",
            "DA:7,2",
            "DA:10,4",
            "DA:11,0",
            "DA:13,4",
            "DA:17,0",
            "DA:18,0",
            "DA:22,2",
            "DA:24,2",
            "DA:26,2",
            "DA:27,4",
            "LF:10",
            "LH:7",
        ],
        "{lcov}"
    );
    // One summary line per file after the run.
    assert!(
        text(&out.stdout)
            .contains("coverage  70.0%  fixtures/plugins/testrunner-coverage/main.ts  (7/10 lines, 2/3 functions)"),
        "{}",
        show(&out)
    );

    // Test files only when asked: each with the lines its own run executed.
    let out = qirvo(&["test", DIR, &arg, "--coverage-include-tests"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let lcov = std::fs::read_to_string(cov.join("lcov.info")).unwrap();
    assert_eq!(lcov.matches("SF:").count(), 3, "{lcov}");
    let b = lcov_record(&lcov, "b.test.js");
    assert_eq!(
        b.iter()
            .filter(|l| l.starts_with("DA:"))
            .collect::<Vec<_>>(),
        [&"DA:3,1", &"DA:4,1"],
        "{lcov}"
    );

    // --json: stdout stays one JSON object, now with each file's counts.
    let out = qirvo(&["test", DIR, &arg, "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(
        doc["coverage"],
        serde_json::json!([{
            "file": root.join("main.ts"),
            "lines": 10, "linesHit": 7, "functions": 3, "functionsHit": 2
        }]),
        "{}",
        show(&out)
    );
    assert!(
        text(&out.stderr).contains("coverage  70.0%"),
        "{}",
        show(&out)
    );

    // A directory of plugins, some tests failing: the coverage is still written, one
    // record per plugin's main module (gamma has no tests, so none of its files loaded).
    let out = qirvo(&["test", MANY, &arg]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let lcov = std::fs::read_to_string(cov.join("lcov.info")).unwrap();
    let many = std::fs::canonicalize(MANY).unwrap();
    let files: Vec<&str> = lcov.lines().filter_map(|l| l.strip_prefix("SF:")).collect();
    assert_eq!(
        files,
        [
            many.join("alpha/main.ts").display().to_string(),
            many.join("beta/main.js").display().to_string()
        ],
        "{lcov}"
    );

    // Without --coverage: nothing measured, nothing written.
    let plain_dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_qirvo"))
        .args([
            "test",
            &std::fs::canonicalize(DIR).unwrap().display().to_string(),
        ])
        .current_dir(plain_dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert!(!text(&out.stdout).contains("coverage"), "{}", show(&out));
    assert!(!plain_dir.path().join("coverage").exists());

    // --coverage alone writes ./coverage/lcov.info.
    let out = Command::new(env!("CARGO_BIN_EXE_qirvo"))
        .args(["test", &root.display().to_string(), "--coverage"])
        .current_dir(plain_dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert!(plain_dir.path().join("coverage/lcov.info").is_file());
}

/// The `file:line:column` positions in the text, in order.
fn positions(s: &str) -> Vec<String> {
    s.split(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == '"')
        .filter_map(|w| {
            let w = w
                .trim_end_matches(',')
                .trim_start_matches("file:///plugin/");
            let mut parts = w.rsplitn(3, ':');
            let (col, line, file) = (parts.next()?, parts.next()?, parts.next()?);
            (col.parse::<u32>().is_ok()
                && line.parse::<u32>().is_ok()
                && (file.ends_with(".ts") || file.ends_with(".js")))
            .then(|| format!("{file}:{line}:{col}"))
        })
        .collect()
}

#[test]
fn error_columns_are_the_same_with_and_without_coverage() {
    // Coverage instruments the source (a site before every statement, on the statement's
    // own line), yet stacks, locations and recaps must name the columns the author wrote:
    // `throw` statements behind other statements on the same line, in TS and plain JS.
    const DIR: &str = "fixtures/plugins/columns";
    let cov_dir = tempfile::tempdir().unwrap();
    let cov = format!("--coverage={}", cov_dir.path().join("cov").display());
    let plain = qirvo(&["test", DIR]);
    let covered = qirvo(&["test", DIR, &cov]);
    assert_eq!(plain.status.code(), Some(1), "{}", show(&plain));
    assert_eq!(covered.status.code(), Some(1), "{}", show(&covered));
    let all = |o: &Output| format!("{}{}", text(&o.stdout), text(&o.stderr));
    let (p, c) = (all(&plain), all(&covered));
    // The `new` of each throw, counted by hand from the fixture's text.
    for expected in [
        "at check (file:///plugin/main.ts:4:85)",
        "at plain (file:///plugin/main.ts:9:39)",
        "at jsCheck (file:///plugin/helper.js:3:39)",
        "main.test.ts:4:79",
        "main.test.ts:6:45",
    ] {
        assert!(p.contains(expected), "{expected} in\n{}", show(&plain));
        assert!(c.contains(expected), "{expected} in\n{}", show(&covered));
    }
    assert_eq!(positions(&p), positions(&c), "\n{p}\n----\n{c}");

    let plain = qirvo(&["test", DIR, "--json"]);
    let covered = qirvo(&["test", DIR, &cov, "--json"]);
    let docs: Vec<serde_json::Value> = [&plain, &covered]
        .iter()
        .map(|o| serde_json::from_slice(&o.stdout).unwrap())
        .collect();
    let strip = |doc: &serde_json::Value| -> Vec<(String, String)> {
        doc["tests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["location"].as_str().unwrap().to_string(),
                    t["stack"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let (a, b) = (strip(&docs[0]), strip(&docs[1]));
    assert_eq!(a.len(), 3, "{a:?}");
    assert_eq!(a, b);
    assert!(a[0].1.contains("main.ts:4:85"), "{a:?}");
    assert!(a[2].1.contains("helper.js:3:39"), "{a:?}");
}

#[test]
fn load_errors_keep_their_columns_under_coverage_and_inspect() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("manifest.json"),
        r#"{ "id": "top-throws", "version": "1.0.0", "main": "main.ts" }"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("main.ts"),
        "const a: number = 1;\nconst b: number = 2; if (a < b) { const c: string = \"x\"; throw new Error(\"top \" + c); }\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("a.test.ts"),
        "qirvo.test(\"t\", () => {});\n",
    )
    .unwrap();
    let d = dir.path().to_str().unwrap();
    let cov_dir = tempfile::tempdir().unwrap();
    let cov = format!("--coverage={}", cov_dir.path().join("cov").display());
    for args in [
        vec!["run", d],
        vec!["run", "--inspect=127.0.0.1:0", d],
        vec!["test", d, "--json"],
        vec!["test", d, &cov, "--json"],
    ] {
        let out = qirvo(&args);
        let err = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert!(
            err.contains("at file:///plugin/main.ts:2:64"),
            "{args:?}: {}",
            show(&out)
        );
    }
}

#[test]
fn reporter_out_without_a_machine_readable_report_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.xml");
    let f = file.to_str().unwrap();
    for extra in [&[][..], &["--reporter", "pretty"][..]] {
        let mut args = vec!["test", MANY, "--reporter-out", f];
        args.extend_from_slice(extra);
        let out = qirvo(&args);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{}", show(&out));
        assert!(
            err.contains("--reporter-out")
                && err.contains("--reporter junit")
                && err.contains("--json"),
            "{err}"
        );
        assert!(!file.exists(), "nothing is written");
        assert!(
            !text(&out.stdout).contains("passed"),
            "no tests ran: {}",
            show(&out)
        );
    }
    // With a report format it writes that report there.
    for (extra, starts) in [
        (&["--reporter", "junit"][..], "<?xml"),
        (&["--reporter", "tap"][..], "TAP version 13"),
        (&["--json"][..], "{"),
    ] {
        let mut args = vec!["test", MANY, "--reporter-out", f];
        args.extend_from_slice(extra);
        let out = qirvo(&args);
        assert_ne!(out.status.code(), Some(2), "{}", show(&out));
        let written = std::fs::read_to_string(&file).unwrap();
        assert!(written.starts_with(starts), "{extra:?}: {written}");
        std::fs::remove_file(&file).unwrap();
    }
}

#[test]
fn control_characters_in_test_names_are_escaped_in_tap_and_pretty_output() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("manifest.json"),
        r#"{ "id": "odd-names", "version": "1.0.0", "main": "main.js" }"#,
    )
    .unwrap();
    std::fs::write(dir.path().join("main.js"), "export const x = 1;\n").unwrap();
    std::fs::write(
        dir.path().join("names.test.js"),
        concat!(
            "qirvo.test(\"line one\\nline two\", () => {});\n",
            "qirvo.test(\"tab\\there\\r\\u001b[31mred\\u0007\", () => { throw new Error(\"no\"); });\n",
            "qirvo.test(\"ok 99 - fake\\nnot ok 100 - fake\", () => {});\n",
        ),
    )
    .unwrap();
    let d = dir.path().to_str().unwrap();
    let out = qirvo(&["test", d, "--reporter", "tap"]);
    let tap = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    // Exactly one line per test, and only TAP's own line kinds.
    let tests: Vec<&str> = tap
        .lines()
        .filter(|l| l.starts_with("ok ") || l.starts_with("not ok "))
        .collect();
    assert_eq!(tests.len(), 3, "{tap}");
    for line in tap.lines() {
        assert!(
            ["TAP version 13", "1..", "ok ", "not ok ", "  "]
                .iter()
                .any(|p| line.starts_with(p)),
            "not a TAP line: {line:?} in\n{tap}"
        );
    }
    assert!(!tap.chars().any(|c| c.is_control() && c != '\n'), "{tap:?}");
    assert!(tap.contains("line one\\nline two"), "{tap}");
    assert!(tap.contains("tab\\there\\r\\u{1b}[31mred\\u{7}"), "{tap}");

    // The pretty output (not a terminal: no colour of its own) escapes them too.
    let out = qirvo(&["test", d]);
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(!all.chars().any(|c| c.is_control() && c != '\n'), "{all:?}");
    assert!(all.contains("tab\\there\\r\\u{1b}[31mred\\u{7}"), "{all}");
}

/// How many lines of `out`'s stdout contain `needle`.
fn lines_with(out: &Output, needle: &str) -> usize {
    text(&out.stdout)
        .lines()
        .filter(|l| l.contains(needle))
        .count()
}

/// Each test file's top level and the plugin's `initialize` ran exactly once.
fn each_file_once(out: &Output, files: &[&str]) {
    for f in files {
        for what in [
            format!("top level ran: {f}"),
            format!("initialize ran for {f}"),
        ] {
            assert_eq!(lines_with(out, &what), 1, "{what:?}\n{}", show(out));
        }
    }
}

#[test]
fn each_test_file_is_evaluated_and_initialized_once_with_only_filter_or_neither() {
    const ONCE: &str = "fixtures/plugins/testrunner-once";
    // `.only` in b.test.js: a.test.js (which mentions `.only`) and b.test.js are loaded to
    // find it; the run uses those isolates rather than loading them again.
    let out = qirvo(&["test", ONCE]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("ok    b.test.js > b: focused"),
        "{}",
        show(&out)
    );
    assert_eq!(
        stdout.lines().last(),
        Some("1 passed, 0 failed, 4 skipped"),
        "{}",
        show(&out)
    );
    // Every file, the ones whose tests are all skipped too, is evaluated and initialized
    // once (its top level has to run to register its tests).
    each_file_once(&out, &["a", "b", "c"]);

    // With --filter: files whose tests are all filtered out are still evaluated once.
    for filter in ["c: ordinary", "/^b: /", "nothing matches this"] {
        let out = qirvo(&["test", ONCE, "--filter", filter]);
        assert!(
            matches!(out.status.code(), Some(0)),
            "{filter}: {}",
            show(&out)
        );
        each_file_once(&out, &["a", "b", "c"]);
    }

    // No `.only` in the run (a.test.js still mentions it, so it is loaded to look).
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path();
    for f in [
        "manifest.json",
        "main.js",
        "a.test.js",
        "b.test.js",
        "c.test.js",
    ] {
        let body = std::fs::read_to_string(format!("{ONCE}/{f}")).unwrap();
        std::fs::write(dir.join(f), body.replace("qirvo.test.only(", "qirvo.test(")).unwrap();
    }
    let out = qirvo(&["test", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert_eq!(
        text(&out.stdout).lines().last(),
        Some("5 passed, 0 failed"),
        "{}",
        show(&out)
    );
    each_file_once(&out, &["a", "b", "c"]);
}

#[test]
fn a_config_getter_is_refused_unread_and_each_value_is_read_once() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path();
    std::fs::write(
        dir.join("manifest.json"),
        r#"{"id":"getter-config","version":"1.0.0","main":"main.js","config":{"a":1}}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("main.js"),
        "export default { initialize(ctx) { globalThis.seen = ctx.config; } };\n",
    )
    .unwrap();
    // A counting getter: refused as not plain JSON data, naming the file, never called.
    std::fs::write(
        dir.join("getter.test.js"),
        "let reads = 0;\nexport const config = { get greeting() { reads += 1; console.log(`getter read ${reads} times`); return 'Hi'; } };\nqirvo.test('t', () => {});\n",
    )
    .unwrap();
    // A proxy's `get` trap: the check copies each value once from its property descriptor
    // and merges that copy, so the trap never runs and what is merged is what was checked.
    std::fs::write(
        dir.join("proxy.test.js"),
        "export const config = new Proxy({ greeting: 'Hi', n: [1, 2] }, { get(t, k) { console.log(`get trap ran for ${String(k)}`); return k === 'greeting' ? new Date(0) : Reflect.get(t, k); } });\nqirvo.test('sees the checked data', () => qirvo.assert.equal(globalThis.seen, { a: 1, greeting: 'Hi', n: [1, 2] }));\n",
    )
    .unwrap();
    let out = qirvo(&["test", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("FAIL  getter.test.js > (loading the test file)"),
        "{}",
        show(&out)
    );
    assert!(
        stdout.contains(
            "getter.test.js: its `export const config` is not usable: config.greeting is a getter, not plain JSON data"
        ),
        "{}",
        show(&out)
    );
    assert!(
        stdout.contains("ok    proxy.test.js > sees the checked data"),
        "{}",
        show(&out)
    );
    let all = format!("{stdout}{}", text(&out.stderr));
    assert!(!all.contains("getter read"), "{}", show(&out));
    assert!(!all.contains("get trap ran"), "{}", show(&out));
    assert_eq!(
        stdout.lines().last(),
        Some("1 passed, 1 failed"),
        "{}",
        show(&out)
    );
}
