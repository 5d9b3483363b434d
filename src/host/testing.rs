//! The plugin test runner behind `qirvo test`: runs a plugin's `*.test.ts` / `*.test.js`
//! files inside the plugin's own isolate, under its manifest's permissions, with an
//! in-memory store, one test per step (so each has its own deadline), and a fresh isolate
//! when a test leaves the plugin unusable (an exhausted heap fails that test alone).
//!
//! Each test file gets an isolate of its own in which the plugin's main module is
//! evaluated and its `initialize(ctx)` runs with the manifest's `config` (merged with
//! [`TestOptions::config`]) before any test, as under `qirvo call`; `start` does not run.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub use crate::host::coverage::{Coverage, FileCoverage};

use crate::error::{LoadError, PluginError};
use crate::ext::storage::store::StorageKind;
use crate::host::config::RuntimeConfig;
use crate::host::runtime::PluginRuntime;

/// How a test ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestStatus {
    Passed,
    Failed,
    Skipped,
}

/// One test's result.
#[derive(Debug, Clone, PartialEq)]
pub struct TestOutcome {
    /// The plugin's id (from its manifest).
    pub plugin: String,
    /// The test file, relative to the plugin directory.
    pub file: PathBuf,
    pub name: String,
    pub status: TestStatus,
    /// Why it failed (for assertions: expected vs actual).
    pub message: Option<String>,
    /// Where it failed: the test file's innermost frame in the error's (source-mapped)
    /// stack, as `<file relative to the plugin>:<line>:<column>`; `None` when the stack has
    /// no frame in the test file (a timeout, a non-Error thrown).
    pub location: Option<String>,
    /// The failure's stack frames (`at …` lines) without Qirvo's internal `ext:` frames.
    pub stack: Option<String>,
    /// For a failed `qirvo.assert.equal`: the expected and actual values as printed.
    pub diff: Option<(String, String)>,
    pub duration: Duration,
}

/// The results of a run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TestReport {
    pub outcomes: Vec<TestOutcome>,
    /// The test files found (relative to the plugin directory); empty when there are none.
    pub files: Vec<PathBuf>,
    /// Tests left out by [`TestOptions::filter`].
    pub filtered: usize,
    /// Whether the run stopped at its first failure ([`TestOptions::fail_fast`]).
    pub stopped: bool,
    /// With [`TestOptions::coverage`]: the statements and functions of the plugin's source
    /// files that ran, by absolute path.
    pub coverage: Option<Coverage>,
}

/// Which tests a name selects: a substring, or a regular expression (`/…/` on the
/// command line).
#[derive(Debug, Clone)]
pub enum TestFilter {
    Substring(String),
    Regex(regex::Regex),
}

impl TestFilter {
    /// `/regex/` is a regular expression, anything else a substring.
    ///
    /// # Errors
    /// The regular expression's own error when `/…/` does not compile.
    pub fn parse(s: &str) -> Result<Self, String> {
        match s.strip_prefix('/').and_then(|r| r.strip_suffix('/')) {
            Some(re) if s.len() >= 2 => regex::Regex::new(re)
                .map(TestFilter::Regex)
                .map_err(|e| format!("--filter {s:?} is not a regular expression: {e}")),
            _ => Ok(TestFilter::Substring(s.to_string())),
        }
    }

    pub fn matches(&self, name: &str) -> bool {
        match self {
            TestFilter::Substring(s) => name.contains(s.as_str()),
            TestFilter::Regex(r) => r.is_match(name),
        }
    }
}

/// How [`run_plugin_tests_with`] selects and stops.
#[derive(Debug, Clone, Default)]
pub struct TestOptions {
    /// Only tests whose name matches run; the others are counted in
    /// [`TestReport::filtered`] and not reported.
    pub filter: Option<TestFilter>,
    /// Only tests registered with `qirvo.test.only` run; the others are reported as
    /// skipped. Set it when [`uses_only`] finds one anywhere in the run.
    pub only: bool,
    /// Stop after the first failed test.
    pub fail_fast: bool,
    /// Merged over the manifest's `config` (these keys win) for the plugin's
    /// `initialize`, which runs before each test file's tests. A test file's own
    /// `export const config` is merged over the result (its keys win).
    pub config: serde_json::Map<String, serde_json::Value>,
    /// Measure statement coverage of the plugin's source files into
    /// [`TestReport::coverage`]. Loads the plugin instrumented as for a debugger (a check
    /// before every statement), so only when asked. Default false.
    pub coverage: bool,
    /// With `coverage`: the test files' own lines count too. Default false.
    pub coverage_tests: bool,
}

impl TestReport {
    fn count(&self, s: TestStatus) -> usize {
        self.outcomes.iter().filter(|o| o.status == s).count()
    }
    pub fn passed(&self) -> usize {
        self.count(TestStatus::Passed)
    }
    pub fn failed(&self) -> usize {
        self.count(TestStatus::Failed)
    }
    pub fn skipped(&self) -> usize {
        self.count(TestStatus::Skipped)
    }

    /// `N passed, N failed` (and `, N skipped` when any were).
    pub fn summary(&self) -> String {
        let mut s = format!("{} passed, {} failed", self.passed(), self.failed());
        if self.skipped() > 0 {
            s.push_str(&format!(", {} skipped", self.skipped()));
        }
        s
    }
}

/// The test files of a plugin, sorted: `*.test.{ts,mts,js,mjs}` anywhere under `dir`
/// (hidden directories and `node_modules` skipped).
pub fn test_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let ty = entry.file_type()?;
            if ty.is_dir() {
                if !name.starts_with('.') && name != "node_modules" {
                    walk(root, &entry.path(), out)?;
                }
            } else if ty.is_file()
                && [".test.ts", ".test.mts", ".test.js", ".test.mjs"]
                    .iter()
                    .any(|s| name.ends_with(s))
                && let Ok(rel) = entry.path().strip_prefix(root)
            {
                out.push(rel.to_path_buf());
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out)?;
    out.sort();
    Ok(out)
}

/// Runs every test file of the plugin in `dir`, reporting each outcome as it happens.
///
/// # Errors
/// A [`LoadError`] when the manifest is bad or a test file does not load (a file that
/// fails to evaluate is reported as one failed test instead).
pub async fn run_plugin_tests(
    dir: &Path,
    config: RuntimeConfig,
    on_outcome: impl FnMut(&TestOutcome),
) -> Result<TestReport, LoadError> {
    run_plugin_tests_with(dir, config, &TestOptions::default(), on_outcome).await
}

/// Whether any test file of the plugins in `dirs` registers a `qirvo.test.only` test
/// (the files that mention `.only` are loaded and listed to be sure). For a run, use
/// [`scan_only`], which keeps what it loaded so that no file is evaluated twice.
///
/// # Errors
/// As [`run_plugin_tests`], for a bad manifest or a plugin directory that cannot be read.
pub async fn uses_only(dirs: &[PathBuf], config: RuntimeConfig) -> Result<bool, LoadError> {
    let (only, preloaded) = scan_only(dirs, config, &TestOptions::default()).await?;
    preloaded.unload().await;
    Ok(only)
}

/// Test files that [`scan_only`] already loaded: each evaluated and its plugin initialized
/// (or its load error), for [`run_plugin_tests_preloaded`] to run instead of loading them
/// again. Dropping it unloads them.
#[derive(Default)]
pub struct Preloaded {
    /// (plugin directory as given, test file, its runtime, the loaded plugin or the error)
    files: Vec<(
        PathBuf,
        PathBuf,
        PluginRuntime,
        Result<crate::PluginHandle, LoadError>,
    )>,
}

impl Preloaded {
    fn take(
        &mut self,
        dir: &Path,
        file: &Path,
    ) -> Option<(PluginRuntime, Result<crate::PluginHandle, LoadError>)> {
        let at = self
            .files
            .iter()
            .position(|(d, f, ..)| d == dir && f == file)?;
        let (_, _, runtime, loaded) = self.files.swap_remove(at);
        Some((runtime, loaded))
    }

    /// Unloads the files that were not run.
    pub async fn unload(self) {
        for (_, _, _, loaded) in self.files {
            if let Ok(plugin) = loaded {
                let _ = plugin.unload().await;
            }
        }
    }
}

/// Whether any test file of the plugins in `dirs` registers a `qirvo.test.only` test, and
/// the files loaded to find out. The files that mention `.only` are loaded exactly as
/// [`run_plugin_tests_preloaded`] loads them (same `config` and `options`: the top level
/// evaluated, `initialize` run with the merged config) and kept, so that the run uses
/// those isolates: every file is evaluated and initialized once.
///
/// # Errors
/// As [`run_plugin_tests`], for a plugin directory that cannot be read or a runtime that
/// cannot be created (a file that does not load is kept and reported by the run).
pub async fn scan_only(
    dirs: &[PathBuf],
    config: RuntimeConfig,
    options: &TestOptions,
) -> Result<(bool, Preloaded), LoadError> {
    let config = run_config(config, options);
    let mut preloaded = Preloaded::default();
    for dir in dirs {
        let files = test_files(dir).map_err(|source| LoadError::Directory {
            dir: dir.to_path_buf(),
            source,
        })?;
        for file in files {
            let text = std::fs::read_to_string(dir.join(&file)).unwrap_or_default();
            if !text.contains(".only") {
                continue;
            }
            let runtime = PluginRuntime::new(config.clone()).map_err(|e| LoadError::Module {
                id: String::new(),
                message: e.to_string(),
            })?;
            let loaded = runtime.load_for_test(dir, &file, &options.config).await;
            let only = match &loaded {
                Ok(plugin) => match plugin.list_tests().await {
                    Ok(serde_json::Value::Array(list)) => list
                        .iter()
                        .any(|t| t["only"] == serde_json::Value::Bool(true)),
                    _ => false,
                },
                Err(_) => false,
            };
            preloaded
                .files
                .push((dir.clone(), file.clone(), runtime, loaded));
            if only {
                return Ok((true, preloaded));
            }
        }
    }
    Ok((false, preloaded))
}

/// `config` as a test run uses it: an in-memory store, no health checks, and with
/// [`TestOptions::coverage`] the debugger's instrumentation.
fn run_config(mut config: RuntimeConfig, options: &TestOptions) -> RuntimeConfig {
    config.storage = StorageKind::Memory;
    config.health_interval = None;
    if options.coverage {
        // The debugger's instrumentation counts each statement's executions.
        config.debug = true;
        config.coverage = true;
        config.break_on_start = false;
    }
    config
}

/// [`run_plugin_tests`] with a filter, `.only` and fail-fast ([`TestOptions`]).
///
/// # Errors
/// As [`run_plugin_tests`].
pub async fn run_plugin_tests_with(
    dir: &Path,
    config: RuntimeConfig,
    options: &TestOptions,
    on_outcome: impl FnMut(&TestOutcome),
) -> Result<TestReport, LoadError> {
    let mut none = Preloaded::default();
    run_plugin_tests_preloaded(dir, config, options, &mut none, on_outcome).await
}

/// [`run_plugin_tests_with`], running the files of `dir` that [`scan_only`] (called with
/// the same `config` and `options`) already loaded in those isolates instead of loading
/// them again; it takes them out of `preloaded`.
///
/// # Errors
/// As [`run_plugin_tests`].
pub async fn run_plugin_tests_preloaded(
    dir: &Path,
    config: RuntimeConfig,
    options: &TestOptions,
    preloaded: &mut Preloaded,
    mut on_outcome: impl FnMut(&TestOutcome),
) -> Result<TestReport, LoadError> {
    let config = run_config(config, options);
    // The manifest first (HARDEN, issue 12): a bad one is an error even with no test files.
    let manifest = crate::manifest::Manifest::from_dir(dir)?;
    let plugin_id = manifest.id.clone();
    let files = test_files(dir).map_err(|source| LoadError::Directory {
        dir: dir.to_path_buf(),
        source,
    })?;
    let root = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let mut report = TestReport {
        files: files.clone(),
        coverage: options.coverage.then(Coverage::default),
        ..TestReport::default()
    };
    for file in files {
        if report.stopped {
            break;
        }
        let record =
            |report: &mut TestReport, on_outcome: &mut dyn FnMut(&TestOutcome), o: TestOutcome| {
                on_outcome(&o);
                if o.status == TestStatus::Failed && options.fail_fast {
                    report.stopped = true;
                }
                report.outcomes.push(o);
            };
        let failed = |name: &str, message: String, started: Instant| TestOutcome {
            plugin: plugin_id.clone(),
            file: file.clone(),
            name: name.to_string(),
            status: TestStatus::Failed,
            message: Some(message),
            location: None,
            stack: None,
            diff: None,
            duration: started.elapsed(),
        };
        // A runtime per file: nothing one file does reaches another. A file the `.only`
        // scan loaded runs in that isolate: its top level and `initialize` ran once.
        let started = Instant::now();
        let (runtime, loaded) = open_file(dir, &file, &config, options, preloaded).await?;
        let mut plugin = match loaded {
            Ok(p) => p,
            Err(LoadError::Manifest(e)) => return Err(LoadError::Manifest(e)),
            Err(e) => {
                let mut o = failed("(loading the test file)", e.to_string(), started);
                if let Some(x) = exception_of(&e) {
                    o.location = locate(&x.stack, &root);
                    o.stack = internal_frames_hidden(&x.stack);
                }
                record(&mut report, &mut on_outcome, o);
                continue;
            }
        };
        let list = match plugin.list_tests().await {
            Ok(serde_json::Value::Array(list)) => list,
            other => {
                record(
                    &mut report,
                    &mut on_outcome,
                    failed("(listing tests)", format!("{other:?}"), started),
                );
                continue;
            }
        };
        for (index, t) in list.iter().enumerate() {
            if report.stopped {
                break;
            }
            let name = t["name"].as_str().unwrap_or("?").to_string();
            if let Some(filter) = &options.filter
                && !filter.matches(&name)
            {
                report.filtered += 1;
                continue;
            }
            let Ok(index) = i32::try_from(index) else {
                break;
            };
            let mut o = TestOutcome {
                status: TestStatus::Skipped,
                message: None,
                ..failed(&name, String::new(), Instant::now())
            };
            if options.only && t["only"] != serde_json::Value::Bool(true) {
                record(&mut report, &mut on_outcome, o);
                continue;
            }
            run_case(&plugin, index, t, &root, &mut o).await;
            record(&mut report, &mut on_outcome, o);
            // A test that exhausted the heap took the isolate with it: the rest of the file
            // runs in a fresh one.
            if !matches!(
                plugin.state(),
                crate::PluginState::Initialized | crate::PluginState::Running
            ) {
                collect_coverage(&plugin, &root, options, &mut report).await;
                let _ = plugin.unload().await;
                match runtime.load_for_test(dir, &file, &options.config).await {
                    Ok(p) => plugin = p,
                    Err(_) => break,
                }
            }
        }
        collect_coverage(&plugin, &root, options, &mut report).await;
        let _ = plugin.unload().await;
    }
    Ok(report)
}

/// The runtime and loaded plugin for one test file: the isolate the `.only` scan already
/// loaded it in (taken out of `preloaded`), else a fresh runtime per file, so nothing one
/// file does reaches another.
///
/// # Errors
/// [`LoadError::Module`] when the runtime cannot be created; a failed load is returned
/// inside the pair, for the caller to report as a failed outcome.
async fn open_file(
    dir: &Path,
    file: &Path,
    config: &RuntimeConfig,
    options: &TestOptions,
    preloaded: &mut Preloaded,
) -> Result<(PluginRuntime, Result<crate::PluginHandle, LoadError>), LoadError> {
    if let Some(p) = preloaded.take(dir, file) {
        return Ok(p);
    }
    let runtime = PluginRuntime::new(config.clone()).map_err(|e| LoadError::Module {
        id: String::new(),
        message: e.to_string(),
    })?;
    let loaded = runtime.load_for_test(dir, file, &options.config).await;
    Ok((runtime, loaded))
}

/// Runs the test at `index` of `plugin`'s list (`t` is its entry: `timeout` in ms, if any)
/// and fills `o` from the answer: the harness's `{status, message?, stack?, diff?}`, or the
/// error that ended the call; `o.duration` is the time the call took. `root` is the plugin
/// directory a failure's location is made relative to.
async fn run_case(
    plugin: &crate::PluginHandle,
    index: i32,
    t: &serde_json::Value,
    root: &Path,
    o: &mut TestOutcome,
) {
    let timeout = t["timeout"]
        .as_f64()
        .and_then(|ms| Duration::try_from_secs_f64(ms / 1000.0).ok());
    let started = Instant::now();
    match plugin.run_test(index, timeout).await {
        Ok(v) => match v["status"].as_str() {
            Some("passed") => o.status = TestStatus::Passed,
            Some("skipped") => {}
            _ => {
                o.status = TestStatus::Failed;
                o.message = v["message"].as_str().map(str::to_string);
                if let Some(stack) = v["stack"].as_str() {
                    o.location = locate(stack, root);
                    o.stack = internal_frames_hidden(stack);
                }
                if let (Some(e), Some(a)) =
                    (v["diff"]["expected"].as_str(), v["diff"]["actual"].as_str())
                {
                    o.diff = Some((e.to_string(), a.to_string()));
                }
            }
        },
        Err(e) => {
            o.status = TestStatus::Failed;
            o.message = Some(test_error(&e));
            if let PluginError::Exception { exception, .. } = &e {
                o.location = locate(&exception.stack, root);
                o.stack = internal_frames_hidden(&exception.stack);
            }
        }
    }
    o.duration = started.elapsed();
}

/// Adds what `plugin` ran to the report's coverage (with [`TestOptions::coverage`]): the
/// agent's count per site, placed by the debug state's site table. A plugin that can no
/// longer answer (its heap exhausted) adds nothing.
async fn collect_coverage(
    plugin: &crate::PluginHandle,
    root: &Path,
    options: &TestOptions,
    report: &mut TestReport,
) {
    let (Some(coverage), Some(debug)) = (report.coverage.as_mut(), plugin.shared.debug.clone())
    else {
        return;
    };
    let Ok(serde_json::Value::Array(ran)) = plugin
        .debug_request(serde_json::json!({ "op": "coverage" }))
        .await
    else {
        return;
    };
    let (scripts, sites) = debug.coverage_map();
    let mut hits = vec![0u64; sites.len()];
    for pair in &ran {
        if let (Some(site), Some(n)) = (pair[0].as_u64(), pair[1].as_f64())
            && let Some(slot) = usize::try_from(site).ok().and_then(|s| hits.get_mut(s))
        {
            // Counts are whole numbers below 2^53.
            *slot = n as u64;
        }
    }
    let is_test = |file: &str| {
        [".test.ts", ".test.mts", ".test.js", ".test.mjs"]
            .iter()
            .any(|s| file.ends_with(s))
    };
    for (index, (url, file, source)) in scripts.iter().enumerate() {
        if is_test(file) && !options.coverage_tests {
            continue;
        }
        let relative = Path::new(file);
        let path = root.join(relative);
        let mut at = std::collections::HashMap::new();
        for (site, &(script, line, column)) in sites.iter().enumerate() {
            if script == index {
                let n = hits.get(site).copied().unwrap_or(0);
                coverage.add_statement(&path, relative, line, column, n);
                *at.entry((line, column)).or_insert(0) += n;
            }
        }
        let Ok(specifier) = deno_core::ModuleSpecifier::parse(url) else {
            continue;
        };
        let media_type = deno_ast::MediaType::from_specifier(&specifier);
        let Ok(functions) = crate::debug::instrument::functions(&specifier, source, media_type)
        else {
            continue;
        };
        for f in functions {
            // A function without a statement of its own cannot be counted.
            let Some(first) = f.first_site else { continue };
            let n = at.get(&first).copied().unwrap_or(0);
            coverage.add_function(&path, relative, (f.line, f.column, &f.name), n);
        }
    }
}

fn test_error(e: &PluginError) -> String {
    match e {
        PluginError::Exception { exception, .. } => exception.stack.clone(),
        PluginError::Timeout { limit, .. } => format!("timed out after {} ms", limit.as_millis()),
        PluginError::MemoryLimitExceeded { limit, .. } => {
            format!("exhausted its memory limit of {limit}")
        }
        other => other.to_string(),
    }
}

fn exception_of(e: &LoadError) -> Option<&crate::error::JsException> {
    match e {
        LoadError::Plugin(p) => p.exception(),
        _ => None,
    }
}

/// A stack frame's location: `(file:///path:L:C)` or `at file:///path:L:C` → the path, L, C.
fn frame_location(line: &str) -> Option<(&str, u32, u32)> {
    let line = line.trim();
    let rest = line.strip_prefix("at ")?;
    let loc = match (rest.rfind('('), rest.strip_suffix(')')) {
        (Some(open), Some(inner)) => inner.get(open + 1..)?,
        _ => rest,
    };
    let mut parts = loc.rsplitn(3, ':');
    let col = parts.next()?.parse().ok()?;
    let line_no = parts.next()?.parse().ok()?;
    Some((parts.next()?, line_no, col))
}

/// The innermost frame of `stack` in a file of the plugin at `root` (not `ext:`), as
/// `<path relative to root>:<line>:<column>`; test files first, then any plugin file.
pub fn locate(stack: &str, root: &Path) -> Option<String> {
    let frames: Vec<(PathBuf, u32, u32)> = stack
        .lines()
        .filter_map(frame_location)
        .filter_map(|(url, l, c)| {
            let path = url.strip_prefix("file://")?;
            // Module URLs name the plugin's files under the host path or, where the loader
            // hides it, under `file:///plugin/`.
            let path = Path::new(path);
            let rel = path
                .strip_prefix(root)
                .or_else(|_| path.strip_prefix("/plugin"))
                .ok()?;
            Some((rel.to_path_buf(), l, c))
        })
        .collect();
    let is_test = |p: &Path| {
        let name = p.to_string_lossy();
        [".test.ts", ".test.mts", ".test.js", ".test.mjs"]
            .iter()
            .any(|s| name.ends_with(s))
    };
    frames
        .iter()
        .find(|(p, _, _)| is_test(p))
        .or_else(|| frames.first())
        .map(|(p, l, c)| format!("{}:{l}:{c}", p.display()))
}

/// The `at …` lines of `stack` without Qirvo's internal (`ext:`) frames; `None` if none
/// are left.
pub fn internal_frames_hidden(stack: &str) -> Option<String> {
    let frames: Vec<&str> = stack
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("at ") && !l.contains("ext:"))
        .collect();
    (!frames.is_empty()).then(|| frames.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_the_test_files_frame_and_hides_internal_ones() {
        let stack = "AssertionError: expected: 2\n  actual: 1\n    at Object.equal (ext:qirvo/bootstrap.js:823:13)\n    at helper (file:///p/lib.ts:3:5)\n    at Object.fn (file:///p/sub/a.test.ts:14:22)\n    at runTest (ext:qirvo/bootstrap.js:884:13)";
        let root = Path::new("/p");
        assert_eq!(locate(stack, root).as_deref(), Some("sub/a.test.ts:14:22"));
        assert_eq!(
            internal_frames_hidden(stack).as_deref(),
            Some("at helper (file:///p/lib.ts:3:5)\nat Object.fn (file:///p/sub/a.test.ts:14:22)")
        );
        // No test-file frame: the innermost plugin frame; none at all: no location.
        assert_eq!(
            locate("Error\n    at f (file:///p/lib.ts:9:1)", root).as_deref(),
            Some("lib.ts:9:1")
        );
        assert_eq!(locate("Error\n    at ext:qirvo/x.js:1:1", root), None);
        assert_eq!(
            locate("Error\n    at f (file:///plugin/t/b.test.ts:7:2)", root).as_deref(),
            Some("t/b.test.ts:7:2")
        );
        assert_eq!(
            locate("Error\n    at file:///p/a.test.js:2:3", root).as_deref(),
            Some("a.test.js:2:3")
        );
    }

    #[test]
    fn filters_by_substring_or_regex() {
        let f = TestFilter::parse("add").unwrap();
        assert!(f.matches("adds numbers") && !f.matches("subtracts"));
        let f = TestFilter::parse("/^a.d$/").unwrap();
        assert!(f.matches("add") && !f.matches("adds"));
        assert!(TestFilter::parse("/(/").is_err());
        assert!(TestFilter::parse("/").unwrap().matches("a/b"));
    }
}
