//! The `qirvo` subcommands, one file each, and what they share: the exit-code-carrying
//! [`Failure`], argument parsers, plugin output and the list of plugin directories.

pub mod call;
pub mod metrics_http;
pub mod new;
pub mod run;
pub mod schema;
pub mod test;
pub mod validate;
pub mod watch;

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use qirvo::{LoadError, LogEntry, LogLevel};

pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let bad = || format!("{s:?} is not a duration (expected e.g. 0, 500ms, 10s, 2m)");
    let split = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().map_err(|_| bad())?;
    let secs = match unit {
        "" if n == 0.0 => 0.0,
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(bad()),
    };
    Duration::try_from_secs_f64(secs).map_err(|_| bad())
}

pub fn parse_json(s: &str) -> Result<serde_json::Value, String> {
    serde_json::from_str(s)
        .map_err(|e| format!("{s:?} is not JSON ({e}); quote strings, e.g. '\"text\"'"))
}

/// A one-line progress display on stderr, shown only on a terminal (quiet when piped).
pub struct Progress {
    on: bool,
}

impl Progress {
    pub fn new() -> Self {
        Progress {
            on: std::io::IsTerminal::is_terminal(&std::io::stderr()),
        }
    }
    pub fn show(&self, msg: &str) {
        if self.on {
            eprint!("\r\x1b[2K{msg}");
        }
    }
    pub fn clear(&self) {
        if self.on {
            eprint!("\r\x1b[2K");
        }
    }
}

/// An error with the exit code it maps to.
pub struct Failure {
    pub code: u8,
    pub error: anyhow::Error,
}

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure {
            code: 1,
            error: e.into(),
        }
    }
}

pub fn load_failure(e: LoadError) -> Failure {
    let code = match &e {
        LoadError::Manifest(_) | LoadError::Directory { .. } | LoadError::Module { .. } => 2,
        _ => 1,
    };
    Failure {
        code,
        error: e.into(),
    }
}

pub fn print_log(entry: &LogEntry) {
    let line = format!("[{}] {}\n", entry.plugin, entry.message);
    // A closed pipe must not take the host down: ignore write errors.
    match entry.level {
        LogLevel::Debug | LogLevel::Info => {
            let _ = std::io::stdout().lock().write_all(line.as_bytes());
        }
        LogLevel::Warn | LogLevel::Error => {
            let _ = std::io::stderr().lock().write_all(line.as_bytes());
        }
    }
}
/// The plugin directories under `path`: itself when it holds a manifest, else each
/// subdirectory that does.
pub fn plugin_dirs(path: &std::path::Path) -> Result<Vec<PathBuf>, Failure> {
    // Anything named manifest.json (even a symlink loop or a FIFO) makes this a plugin
    // directory: reading it then says what is wrong with it.
    let has_manifest =
        |dir: &std::path::Path| dir.join(qirvo::MANIFEST_FILE).symlink_metadata().is_ok();
    if has_manifest(path) {
        return Ok(vec![path.to_path_buf()]);
    }
    let entries = std::fs::read_dir(path).map_err(|e| Failure {
        code: 2,
        error: anyhow::anyhow!("{}: {e}", path.display()),
    })?;
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| has_manifest(p))
        .collect();
    dirs.sort();
    if dirs.is_empty() {
        return Err(Failure {
            code: 2,
            error: anyhow::anyhow!(
                "{}: no {} here or in its subdirectories",
                path.display(),
                qirvo::MANIFEST_FILE
            ),
        });
    }
    Ok(dirs)
}
