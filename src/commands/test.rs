//! `qirvo test`: run a plugin's `*.test.ts` / `*.test.js` files in its own isolate.
//!
//! A path is a plugin (it holds manifest.json) or a directory of plugins, as for
//! `qirvo run`. Each failure names the plugin, the file and the line of the failing
//! assertion; a recap of the failures ends the run. `--reporter junit|tap` and `--json`
//! print a machine-readable report instead (to stdout, or to `--reporter-out FILE`).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use qirvo::RuntimeConfig;
use qirvo::testing::{TestFilter, TestOptions, TestOutcome, TestReport, TestStatus};

use super::{Failure, Progress, load_failure, output};

/// Run plugins' *.test.ts / *.test.js files, each plugin in its own isolate.
#[derive(clap::Args)]
pub struct TestArgs {
    /// Plugin directories, or directories of plugins (default: the current directory).
    plugins: Vec<PathBuf>,
    /// Run only the tests whose name contains this text, or matches `/REGEX/`.
    #[arg(long, value_name = "TEXT|/REGEX/")]
    filter: Option<String>,
    /// Stop after the first failed test.
    #[arg(long)]
    fail_fast: bool,
    /// The report's format: `pretty` (default, for people), `junit` (JUnit XML, read by
    /// CI systems) or `tap` (TAP version 13).
    #[arg(long, value_enum, default_value_t = Reporter::Pretty)]
    reporter: Reporter,
    /// Write the `--reporter junit|tap` (or `--json`) report to FILE instead of stdout;
    /// the per-test lines then still go to stdout. Without one of those it is an error.
    #[arg(long, value_name = "FILE")]
    reporter_out: Option<PathBuf>,
    /// Print one JSON object: `{"passed":N,"failed":N,"skipped":N,"filtered":N,
    /// "tests":[{"plugin","file","name","status","durationMs","message","location",
    /// "stack","expected","actual"}]}`, with --coverage also `"coverage":[{"file",
    /// "lines","linesHit","functions","functionsHit"}]`.
    #[arg(long, conflicts_with = "reporter")]
    json: bool,
    /// A JSON object merged over the manifest's `config` (its keys win) for the
    /// plugin's `initialize`, which runs before each test file's tests. A test file's
    /// own `export const config = {...}` is merged over both.
    #[arg(long, value_name = "JSON")]
    config: Option<String>,
    /// Measure which statements of the plugins' source files ran and write lcov to
    /// DIR/lcov.info (default DIR: ./coverage), with a summary per file after the run.
    /// Test files are left out unless --coverage-include-tests.
    #[arg(
        long,
        value_name = "DIR",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "coverage"
    )]
    coverage: Option<PathBuf>,
    /// With --coverage: count the test files' own lines too.
    #[arg(long, requires = "coverage")]
    coverage_include_tests: bool,
    /// Run again whenever a file of the plugins changes (test files included; the data
    /// directory, hidden files and editor temp files ignored), until Ctrl-C.
    #[arg(long)]
    watch: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Reporter {
    Pretty,
    Junit,
    Tap,
}

pub async fn run(config: RuntimeConfig, args: TestArgs) -> Result<(), Failure> {
    // Like Jest's `--outputFile` (only with `--json`) and Deno's `--junit-path` (a report
    // format of its own): the file is for a machine-readable report, and a flag that would
    // do nothing is refused rather than ignored.
    if let Some(path) = &args.reporter_out
        && !args.json
        && args.reporter == Reporter::Pretty
    {
        return Err(Failure::bad_argument(format!(
            "--reporter-out {} needs a machine-readable report to write: add --reporter junit, \
             --reporter tap or --json (the pretty report always goes to the terminal)",
            path.display()
        )));
    }
    if args.watch {
        return watch(config, &args).await;
    }
    run_once(config, &args).await
}

/// `--watch`: a run now, then one after each burst of changes under the given paths.
async fn watch(config: RuntimeConfig, args: &TestArgs) -> Result<(), Failure> {
    let paths = if args.plugins.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.plugins.clone()
    };
    let data_dir = config
        .data_dir
        .canonicalize()
        .unwrap_or_else(|_| config.data_dir.clone());
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    let roots: Vec<PathBuf> = paths
        .iter()
        .map(|p| p.canonicalize().unwrap_or_else(|_| p.clone()))
        .collect();
    let watched = roots.clone();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event
            && !matches!(event.kind, notify::EventKind::Access(_))
            && event.paths.iter().any(|p| !ignored(&watched, &data_dir, p))
        {
            let _ = tx.send(());
        }
    })
    .map_err(|e| anyhow::anyhow!("cannot watch for changes: {e}"))?;
    for root in &roots {
        notify::Watcher::watch(&mut watcher, root, notify::RecursiveMode::Recursive)
            .map_err(|e| anyhow::anyhow!("cannot watch {}: {e}", root.display()))?;
    }
    loop {
        if let Err(f) = run_once(config.clone(), args).await {
            // A bad argument will not get better by waiting.
            if f.code == 2 && f.error.downcast_ref::<super::BadInput>().is_some() {
                return Err(f);
            }
            output::error_line(format_args!("error: {:#}", f.error));
        }
        output::notice("watching for changes (Ctrl-C to stop)…");
        if rx.recv().await.is_none() {
            return Ok(());
        }
        // One run per burst (an editor's save is several events).
        loop {
            tokio::time::sleep(std::time::Duration::from_millis(150)).await;
            if rx.try_recv().is_err() {
                break;
            }
            while rx.try_recv().is_ok() {}
        }
        output::notice("change detected: running the tests again");
    }
}

/// Changes that never trigger a run: `qirvo run --watch`'s rule, except that test files
/// do count here.
fn ignored(roots: &[PathBuf], data_dir: &Path, path: &Path) -> bool {
    !roots
        .iter()
        .any(|r| !super::watch::ignored(r, data_dir, path, true))
}

/// `--coverage out/cov` (a space, not `=`) leaves `--coverage` at its default and makes
/// `out/cov` a plugin path: when that path does not exist, say what was probably meant.
fn coverage_hint(failure: Failure, path: &std::path::Path, args: &TestArgs) -> Failure {
    let defaulted = args.coverage.as_deref() == Some(std::path::Path::new("coverage"));
    if !defaulted || path.symlink_metadata().is_ok() {
        return failure;
    }
    Failure {
        code: failure.code,
        error: anyhow::anyhow!(
            "{}\nhint: did you mean --coverage={}? (the directory needs `=`)",
            failure.error,
            path.display()
        ),
    }
}

async fn run_once(config: RuntimeConfig, args: &TestArgs) -> Result<(), Failure> {
    let paths = if args.plugins.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.plugins.clone()
    };
    // Each path: itself when it is a plugin, else its plugin subdirectories.
    let mut plugins: Vec<(PathBuf, bool)> = Vec::new();
    for path in &paths {
        let dirs = super::plugin_dirs(path).map_err(|f| coverage_hint(f, path, args))?;
        let named = dirs.len() == 1 && dirs[0] == *path;
        plugins.extend(dirs.into_iter().map(|d| (d, named)));
    }
    let filter = match &args.filter {
        Some(f) => Some(TestFilter::parse(f).map_err(Failure::bad_argument)?),
        None => None,
    };
    let test_config = test_config(args)?;
    let machine = args.json || args.reporter != Reporter::Pretty;
    // A machine-readable report on stdout: nothing else goes there.
    let lines_on_stdout = !machine || args.reporter_out.is_some();
    if !lines_on_stdout {
        output::plugin_lines_to_stderr();
    }
    let dirs: Vec<PathBuf> = plugins.iter().map(|(d, _)| d.clone()).collect();
    let mut options = TestOptions {
        filter,
        only: false,
        fail_fast: args.fail_fast,
        config: test_config,
        coverage: args.coverage.is_some(),
        coverage_tests: args.coverage_include_tests,
    };
    // The files the `.only` scan loads are run in those isolates: each file is evaluated
    // and its plugin initialized once.
    let (only, mut preloaded) = qirvo::testing::scan_only(&dirs, config.clone(), &options)
        .await
        .map_err(load_failure)?;
    if only {
        output::notice("qirvo.test.only is used: only those tests run, the others are skipped");
    }
    options.only = only;
    // Colour on a terminal, unless NO_COLOR (https://no-color.org) is set.
    let colour = std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let several = plugins.len() > 1;
    let mut total = TestReport::default();
    let mut without_tests = Vec::new();
    let progress = Progress::spinner();
    let mut done = 0usize;
    for (dir, named) in &plugins {
        progress.message(format!("testing {}…", dir.display()));
        let report = qirvo::testing::run_plugin_tests_preloaded(
            dir,
            config.clone(),
            &options,
            &mut preloaded,
            |o| {
                done += 1;
                if lines_on_stdout {
                    print_outcome(o, several, colour);
                }
                progress.message(format!("{done} tests run, testing {}…", dir.display()));
            },
        )
        .await
        .map_err(load_failure)?;
        if report.files.is_empty() {
            // A plugin named on the command line must have tests; in a directory of
            // plugins, one without is only mentioned.
            if *named {
                return Err(no_tests(dir));
            }
            output::notice(format_args!(
                "{}: no test files (*.test.ts, *.test.js), skipped",
                dir.display()
            ));
            without_tests.push(dir.clone());
        }
        let stopped = report.stopped;
        total.files.extend(report.files);
        total.outcomes.extend(report.outcomes);
        total.filtered += report.filtered;
        if let Some(c) = report.coverage {
            total.coverage.get_or_insert_with(Default::default).merge(c);
        }
        if stopped {
            total.stopped = true;
            break;
        }
    }
    drop(progress);
    if total.files.is_empty() {
        let dir = paths.first().cloned().unwrap_or_default();
        return Err(no_tests(&dir));
    }
    finish(&total, args, machine, lines_on_stdout)
}

/// `--config` as the object `qirvo.test.config` reads: empty when not given.
///
/// # Errors
/// A bad-argument [`Failure`] when the text is not JSON or not a JSON object.
fn test_config(args: &TestArgs) -> Result<serde_json::Map<String, serde_json::Value>, Failure> {
    match &args.config {
        None => Ok(serde_json::Map::new()),
        Some(text) => match serde_json::from_str(text) {
            Ok(serde_json::Value::Object(map)) => Ok(map),
            Ok(other) => Err(Failure::bad_argument(format!(
                "--config must be a JSON object such as '{{\"greeting\":\"Hi\"}}', not {other}"
            ))),
            Err(e) => Err(Failure::bad_argument(format!(
                "--config {text:?} is not JSON ({e}); give an object such as '{{\"greeting\":\"Hi\"}}'"
            ))),
        },
    }
}

/// Reports the run over all plugins: the machine-readable report (`machine`, to stdout or
/// `--reporter-out`), the recap and summary when lines go to stdout, the fail-fast notice,
/// the coverage files; fails with exit code 1 when a test failed.
fn finish(
    total: &TestReport,
    args: &TestArgs,
    machine: bool,
    lines_on_stdout: bool,
) -> Result<(), Failure> {
    if machine {
        let doc = if args.json {
            json_report(total).to_string()
        } else if args.reporter == Reporter::Junit {
            junit_report(total)
        } else {
            tap_report(total)
        };
        match &args.reporter_out {
            Some(path) => std::fs::write(path, doc + "\n").map_err(|e| Failure {
                code: 1,
                error: anyhow::anyhow!("cannot write the report to {}: {e}", path.display()),
            })?,
            None => output::println(doc),
        }
    }
    if lines_on_stdout {
        print_recap(total);
        let mut summary = total.summary();
        if total.filtered > 0 {
            summary.push_str(&format!(", {} filtered out", total.filtered));
        }
        output::println(summary);
    }
    if total.stopped {
        output::notice("--fail-fast: stopped at the first failure");
    }
    if let (Some(dir), Some(coverage)) = (&args.coverage, &total.coverage) {
        write_coverage(dir, coverage, lines_on_stdout)?;
    }
    if total.failed() > 0 {
        return Err(Failure {
            code: 1,
            error: anyhow::anyhow!(
                "{} of {} tests failed",
                total.failed(),
                total.outcomes.len()
            ),
        });
    }
    Ok(())
}

/// Writes `dir/lcov.info` and prints one line per file: the share of its lines that ran.
fn write_coverage(
    dir: &Path,
    coverage: &qirvo::testing::Coverage,
    on_stdout: bool,
) -> Result<(), Failure> {
    let cannot = |e: std::io::Error| Failure {
        code: 1,
        error: anyhow::anyhow!("cannot write coverage to {}: {e}", dir.display()),
    };
    std::fs::create_dir_all(dir).map_err(cannot)?;
    let file = dir.join("lcov.info");
    std::fs::write(&file, coverage.lcov()).map_err(cannot)?;
    let cwd = std::env::current_dir()
        .and_then(|d| d.canonicalize())
        .unwrap_or_default();
    let say = |line: String| {
        if on_stdout {
            output::println(line)
        } else {
            output::notice(line)
        }
    };
    for (path, f) in &coverage.files {
        let name = path.strip_prefix(&cwd).unwrap_or(&f.relative);
        let (found, hit) = f.line_counts();
        let (fns, fns_hit) = f.function_counts();
        let percent = if found == 0 {
            100.0
        } else {
            hit as f64 * 100.0 / found as f64
        };
        say(format!(
            "coverage {percent:5.1}%  {}  ({hit}/{found} lines, {fns_hit}/{fns} functions)",
            name.display()
        ));
    }
    output::notice(format_args!("coverage written to {}", file.display()));
    Ok(())
}

fn no_tests(dir: &Path) -> Failure {
    Failure {
        code: 1,
        error: anyhow::anyhow!(
            "no test files in {}: name them *.test.ts, *.test.mts, *.test.js or *.test.mjs",
            dir.display()
        ),
    }
}

fn label(o: &TestOutcome, several: bool) -> String {
    let name = one_line(&o.name);
    if several {
        format!("{} > {} > {name}", o.plugin, o.file.display())
    } else {
        format!("{} > {name}", o.file.display())
    }
}

/// A test name as one printable line: a newline, tab or other control character (which
/// would break a TAP line, or move the terminal's cursor) is shown escaped (`\n`, `\t`,
/// `\u{1b}`); other characters are kept as they are.
fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&c.escape_unicode().to_string()),
            c => out.push(c),
        }
    }
    out
}

/// Where a failure happened: `<plugin>: <file>:<line>:<col>` (the test file's frame).
fn place(o: &TestOutcome) -> String {
    match &o.location {
        Some(loc) => format!("{}: {loc}", o.plugin),
        None => format!("{}: {}", o.plugin, o.file.display()),
    }
}

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

fn print_outcome(o: &TestOutcome, several: bool, colour: bool) {
    let label = label(o, several);
    let ms = o.duration.as_secs_f64() * 1000.0;
    match o.status {
        TestStatus::Passed => output::println(format_args!("ok    {label} ({ms:.0} ms)")),
        TestStatus::Skipped => output::println(format_args!("skip  {label}")),
        TestStatus::Failed => {
            output::println(format_args!("FAIL  {label} ({ms:.0} ms)"));
            output::println(format_args!("      {}", place(o)));
            let message = o.message.as_deref().unwrap_or("");
            match (&o.diff, colour) {
                (Some((expected, actual)), true) => {
                    // The custom message (if any) precedes "expected: …".
                    for line in message.lines().take_while(|l| !l.starts_with("expected: ")) {
                        output::println(format_args!("      {line}"));
                    }
                    output::println(format_args!(
                        "      {RED}- expected{RESET}  {GREEN}+ actual{RESET}"
                    ));
                    for line in diff_lines(expected, actual) {
                        output::println(format_args!("      {line}"));
                    }
                }
                _ => {
                    for line in message.lines() {
                        output::println(format_args!("      {line}"));
                    }
                }
            }
            if let Some(stack) = &o.stack {
                for line in stack.lines() {
                    if colour {
                        output::println(format_args!("      {DIM}{line}{RESET}"));
                    } else {
                        output::println(format_args!("      {line}"));
                    }
                }
            }
        }
    }
}

/// A line diff of expected (`-`, red) against actual (`+`, green), by `similar`.
fn diff_lines(expected: &str, actual: &str) -> Vec<String> {
    let diff = similar::TextDiff::from_lines(expected, actual);
    diff.iter_all_changes()
        .map(|change| {
            let text = change.value().trim_end_matches('\n');
            match change.tag() {
                similar::ChangeTag::Delete => format!("{RED}- {text}{RESET}"),
                similar::ChangeTag::Insert => format!("{GREEN}+ {text}{RESET}"),
                similar::ChangeTag::Equal => format!("  {text}"),
            }
        })
        .collect()
}

/// The failures again, one line each, after everything ran.
fn print_recap(total: &TestReport) {
    let failures: Vec<&TestOutcome> = total
        .outcomes
        .iter()
        .filter(|o| o.status == TestStatus::Failed)
        .collect();
    if failures.is_empty() {
        return;
    }
    output::println("");
    output::println(format_args!("failures ({}):", failures.len()));
    for o in failures {
        let first = o
            .message
            .as_deref()
            .and_then(|m| m.lines().next())
            .unwrap_or("failed");
        output::println(format_args!(
            "  {} > {}: {first}",
            place(o),
            one_line(&o.name)
        ));
    }
    output::println("");
}

fn status_word(s: TestStatus) -> &'static str {
    match s {
        TestStatus::Passed => "passed",
        TestStatus::Failed => "failed",
        TestStatus::Skipped => "skipped",
    }
}

fn json_report(total: &TestReport) -> serde_json::Value {
    let tests: Vec<serde_json::Value> = total
        .outcomes
        .iter()
        .map(|o| {
            serde_json::json!({
                "plugin": o.plugin,
                "file": o.file,
                "name": o.name,
                "status": status_word(o.status),
                "durationMs": o.duration.as_secs_f64() * 1000.0,
                "message": o.message,
                "location": o.location,
                "stack": o.stack,
                "expected": o.diff.as_ref().map(|d| &d.0),
                "actual": o.diff.as_ref().map(|d| &d.1),
            })
        })
        .collect();
    let mut doc = serde_json::json!({
        "passed": total.passed(),
        "failed": total.failed(),
        "skipped": total.skipped(),
        "filtered": total.filtered,
        "stopped": total.stopped,
        "tests": tests,
    });
    // With --coverage: each file's line and function counts (the lcov has the lines).
    if let Some(coverage) = &total.coverage {
        let files: Vec<serde_json::Value> = coverage
            .files
            .iter()
            .map(|(path, f)| {
                let (lines, lines_hit) = f.line_counts();
                let (functions, functions_hit) = f.function_counts();
                serde_json::json!({
                    "file": path,
                    "lines": lines,
                    "linesHit": lines_hit,
                    "functions": functions,
                    "functionsHit": functions_hit,
                })
            })
            .collect();
        doc["coverage"] = serde_json::Value::Array(files);
    }
    doc
}

/// Text made safe for XML content and attributes (characters XML 1.0 forbids dropped).
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' | '\t' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

fn failure_text(o: &TestOutcome) -> String {
    let mut text = place(o);
    if let Some(m) = &o.message {
        text.push('\n');
        text.push_str(m);
    }
    if let Some(s) = &o.stack {
        text.push('\n');
        text.push_str(s);
    }
    text
}

/// JUnit XML: one `<testsuite>` per plugin and test file, one `<testcase>` per test.
fn junit_report(total: &TestReport) -> String {
    let mut suites: Vec<(String, Vec<&TestOutcome>)> = Vec::new();
    for o in &total.outcomes {
        let key = format!("{}/{}", o.plugin, o.file.display());
        match suites.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(o),
            None => suites.push((key, vec![o])),
        }
    }
    let secs = |os: &[&TestOutcome]| -> f64 { os.iter().map(|o| o.duration.as_secs_f64()).sum() };
    let all: Vec<&TestOutcome> = total.outcomes.iter().collect();
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str(&format!(
        "<testsuites name=\"qirvo test\" tests=\"{}\" failures=\"{}\" skipped=\"{}\" time=\"{:.3}\">\n",
        total.outcomes.len(),
        total.failed(),
        total.skipped(),
        secs(&all)
    ));
    for (name, os) in &suites {
        let failed = os.iter().filter(|o| o.status == TestStatus::Failed).count();
        let skipped = os
            .iter()
            .filter(|o| o.status == TestStatus::Skipped)
            .count();
        x.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failed}\" errors=\"0\" skipped=\"{skipped}\" time=\"{:.3}\">\n",
            xml(name),
            os.len(),
            secs(os)
        ));
        for o in os {
            x.push_str(&format!(
                "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" time=\"{:.3}\"",
                xml(&o.name),
                xml(name),
                xml(&o.file.display().to_string()),
                o.duration.as_secs_f64()
            ));
            match o.status {
                TestStatus::Passed => x.push_str("/>\n"),
                TestStatus::Skipped => x.push_str(">\n      <skipped/>\n    </testcase>\n"),
                TestStatus::Failed => {
                    let first = o
                        .message
                        .as_deref()
                        .and_then(|m| m.lines().next())
                        .unwrap_or("failed");
                    x.push_str(&format!(
                        ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>\n",
                        xml(first),
                        xml(&failure_text(o))
                    ));
                }
            }
        }
        x.push_str("  </testsuite>\n");
    }
    x.push_str("</testsuites>");
    x
}

/// TAP version 13: `ok N - plugin > file > name`, a YAML block under each failure.
fn tap_report(total: &TestReport) -> String {
    let mut t = format!("TAP version 13\n1..{}\n", total.outcomes.len());
    for (i, o) in total.outcomes.iter().enumerate() {
        // `#` starts a directive in TAP: keep it out of the description.
        // One line per test: control characters in a name are escaped.
        let desc = format!(
            "{} > {} > {}",
            o.plugin,
            o.file.display(),
            one_line(&o.name)
        )
        .replace('#', "\\#");
        let n = i + 1;
        match o.status {
            TestStatus::Passed => t.push_str(&format!("ok {n} - {desc}\n")),
            TestStatus::Skipped => t.push_str(&format!("ok {n} - {desc} # SKIP\n")),
            TestStatus::Failed => {
                t.push_str(&format!("not ok {n} - {desc}\n  ---\n"));
                let yaml = |s: &str| serde_json::Value::from(s).to_string();
                if let Some(m) = &o.message {
                    t.push_str(&format!("  message: {}\n", yaml(m)));
                }
                if let Some(loc) = &o.location {
                    t.push_str(&format!("  at: {}\n", yaml(loc)));
                }
                if let Some((e, a)) = &o.diff {
                    t.push_str(&format!("  expected: {}\n  actual: {}\n", yaml(e), yaml(a)));
                }
                if let Some(s) = &o.stack {
                    t.push_str(&format!("  stack: {}\n", yaml(s)));
                }
                t.push_str("  ...\n");
            }
        }
    }
    if total.stopped {
        t.push_str("Bail out! --fail-fast: stopped at the first failure\n");
    }
    t.trim_end().to_string()
}
