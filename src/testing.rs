//! The plugin test runner behind `qirvo test`: runs a plugin's `*.test.ts` / `*.test.js`
//! files inside the plugin's own isolate, under its manifest's permissions, with an
//! in-memory store, one test per step (so each has its own deadline), and a fresh isolate
//! when a test leaves the plugin unusable (an exhausted heap fails that test alone).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::config::RuntimeConfig;
use crate::error::{LoadError, PluginError};
use crate::runtime::PluginRuntime;
use crate::storage::StorageKind;

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
    /// The test file, relative to the plugin directory.
    pub file: PathBuf,
    pub name: String,
    pub status: TestStatus,
    /// Why it failed (for assertions: expected vs actual).
    pub message: Option<String>,
    pub duration: Duration,
}

/// The results of a run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TestReport {
    pub outcomes: Vec<TestOutcome>,
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
    mut config: RuntimeConfig,
    mut on_outcome: impl FnMut(&TestOutcome),
) -> Result<TestReport, LoadError> {
    config.storage = StorageKind::Memory;
    config.health_interval = None;
    // The manifest first (HARDEN, issue 12): a bad one is an error even with no test files.
    crate::manifest::Manifest::from_dir(dir)?;
    let files = test_files(dir).map_err(|source| LoadError::Directory {
        dir: dir.to_path_buf(),
        source,
    })?;
    let mut report = TestReport::default();
    for file in files {
        let mut record = |o: TestOutcome| {
            on_outcome(&o);
            report.outcomes.push(o);
        };
        // A runtime per file: nothing one file does reaches another.
        let runtime = PluginRuntime::new(config.clone()).map_err(|e| LoadError::Module {
            id: String::new(),
            message: e.to_string(),
        })?;
        let started = Instant::now();
        let mut plugin = match runtime.load_for_test(dir, &file).await {
            Ok(p) => p,
            Err(LoadError::Manifest(e)) => return Err(LoadError::Manifest(e)),
            Err(e) => {
                record(TestOutcome {
                    file: file.clone(),
                    name: "(loading the test file)".into(),
                    status: TestStatus::Failed,
                    message: Some(e.to_string()),
                    duration: started.elapsed(),
                });
                continue;
            }
        };
        let list = match plugin.list_tests().await {
            Ok(serde_json::Value::Array(list)) => list,
            other => {
                record(TestOutcome {
                    file: file.clone(),
                    name: "(listing tests)".into(),
                    status: TestStatus::Failed,
                    message: Some(format!("{other:?}")),
                    duration: started.elapsed(),
                });
                continue;
            }
        };
        for (index, t) in list.iter().enumerate() {
            let name = t["name"].as_str().unwrap_or("?").to_string();
            let timeout = t["timeout"]
                .as_f64()
                .map(|ms| Duration::from_secs_f64(ms / 1000.0));
            let started = Instant::now();
            let (status, message) = match plugin.run_test(index as i32, timeout).await {
                Ok(v) => match v["status"].as_str() {
                    Some("passed") => (TestStatus::Passed, None),
                    Some("skipped") => (TestStatus::Skipped, None),
                    _ => (
                        TestStatus::Failed,
                        v["message"].as_str().map(str::to_string),
                    ),
                },
                Err(e) => (TestStatus::Failed, Some(test_error(&e))),
            };
            record(TestOutcome {
                file: file.clone(),
                name,
                status,
                message,
                duration: started.elapsed(),
            });
            // A test that exhausted the heap took the isolate with it: the rest of the file
            // runs in a fresh one.
            if !matches!(
                plugin.state(),
                crate::PluginState::Initialized | crate::PluginState::Running
            ) {
                let _ = plugin.unload().await;
                match runtime.load_for_test(dir, &file).await {
                    Ok(p) => plugin = p,
                    Err(_) => break,
                }
            }
        }
        let _ = plugin.unload().await;
    }
    Ok(report)
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
