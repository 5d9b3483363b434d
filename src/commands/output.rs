//! What the CLI prints, and where: plugin log lines filtered by `--log-level`, Qirvo's own
//! notices (silenced by `-q`), and the progress bar drawn by `indicatif` on a terminal.
//!
//! Plugin lines are printed by the runtime's log sink only; the `tracing` target
//! `qirvo::plugin` is always off on the CLI's subscriber, so `QIRVO_LOG` never prints a
//! line twice.

use std::io::Write;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use parking_lot::Mutex;
use qirvo::{LogEntry, LogLevel};

/// `--log-level`: the least severe plugin line (and Qirvo diagnostic) shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum Level {
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

impl Level {
    fn shows(self, line: LogLevel) -> bool {
        let needed = match line {
            LogLevel::Error => Level::Error,
            LogLevel::Warn => Level::Warn,
            LogLevel::Info => Level::Info,
            LogLevel::Debug => Level::Debug,
        };
        needed <= self
    }

    fn directive(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warn => "warn",
            Level::Info => "info",
            Level::Debug => "debug",
            Level::Trace => "trace",
        }
    }

    /// The `tracing` filter when `QIRVO_LOG` is not set: other crates at `warn` (or
    /// less), Qirvo's own targets at this level but never below `warn` unless asked.
    pub fn tracing_filter(self) -> String {
        let deps = self.min(Level::Warn).directive();
        let own = if self >= Level::Debug {
            self.directive()
        } else {
            deps
        };
        format!("{deps},qirvo={own}")
    }
}

struct Settings {
    level: Level,
    quiet: bool,
}

static SETTINGS: OnceLock<Settings> = OnceLock::new();
/// `qirvo call`: plugin lines go to stderr, so stdout holds only the result.
static LINES_TO_STDERR: AtomicBool = AtomicBool::new(false);
/// The progress bar being drawn, if any: lines are printed around it.
static BAR: Mutex<Option<indicatif::ProgressBar>> = Mutex::new(None);

/// Sets the output options once, from the global flags.
pub fn init(level: Level, quiet: bool) {
    let level = if quiet { Level::Error } else { level };
    let _ = SETTINGS.set(Settings { level, quiet });
}

fn settings() -> &'static Settings {
    SETTINGS.get_or_init(|| Settings {
        level: Level::Info,
        quiet: false,
    })
}

/// Whether `-q` was given.
pub fn quiet() -> bool {
    settings().quiet
}

/// Sends every plugin line to stderr from now on (`qirvo call`, `--json` output).
pub fn plugin_lines_to_stderr() {
    LINES_TO_STDERR.store(true, Ordering::Relaxed);
}

/// Runs `f` with the progress bar (if any) hidden, so a line never lands inside it.
fn around_bar(f: impl FnOnce()) {
    let bar = BAR.lock().clone();
    match bar {
        Some(bar) => bar.suspend(f),
        None => f(),
    }
}

/// The runtime's log sink: `[<plugin-id>] <text>`; debug and info to stdout (stderr under
/// `qirvo call`), warn and error to stderr; lines below `--log-level` are dropped.
pub fn print_log(entry: &LogEntry) {
    if !settings().level.shows(entry.level) {
        return;
    }
    let mut line = format!("[{}] {}", entry.plugin, entry.message);
    // Structured fields after the message, logfmt-style: key=value, a string bare unless it
    // needs quoting, anything else as JSON.
    for (key, value) in &entry.fields {
        let shown = match value {
            serde_json::Value::String(s)
                if !s.is_empty()
                    && !s
                        .chars()
                        .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '=')) =>
            {
                s.clone()
            }
            other => other.to_string(),
        };
        line.push_str(&format!(" {key}={shown}"));
    }
    line.push('\n');
    let to_stderr = matches!(entry.level, LogLevel::Warn | LogLevel::Error)
        || LINES_TO_STDERR.load(Ordering::Relaxed);
    // A closed pipe must not take the host down: ignore write errors.
    around_bar(|| {
        let _ = if to_stderr {
            std::io::stderr().lock().write_all(line.as_bytes())
        } else {
            std::io::stdout().lock().write_all(line.as_bytes())
        };
    });
}

/// Prints one of Qirvo's own informational lines to stderr, unless `-q`.
pub fn notice(message: impl std::fmt::Display) {
    if quiet() {
        return;
    }
    around_bar(|| {
        let _ = writeln!(std::io::stderr().lock(), "{message}");
    });
}

/// Prints an error line to stderr (shown even with `-q`), around the progress bar.
pub fn error_line(message: impl std::fmt::Display) {
    around_bar(|| {
        let _ = writeln!(std::io::stderr().lock(), "{message}");
    });
}

/// Prints a result line to stdout, around the progress bar.
pub fn println(message: impl std::fmt::Display) {
    around_bar(|| {
        let _ = writeln!(std::io::stdout().lock(), "{message}");
    });
}

/// A progress bar on stderr (`indicatif`), drawn only on a terminal and never under `-q`.
pub struct Progress {
    bar: indicatif::ProgressBar,
}

impl Progress {
    /// A bar counting `len` steps (e.g. plugins loaded).
    pub fn counted(len: u64) -> Self {
        let bar = indicatif::ProgressBar::with_draw_target(Some(len), Self::target());
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{spinner} [{pos}/{len}] {wide_msg}")
        {
            bar.set_style(style);
        }
        Self::install(bar)
    }

    /// A spinner with a message (e.g. tests running).
    pub fn spinner() -> Self {
        let bar = indicatif::ProgressBar::with_draw_target(None, Self::target());
        if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} {wide_msg}") {
            bar.set_style(style);
        }
        Self::install(bar)
    }

    fn target() -> indicatif::ProgressDrawTarget {
        if quiet() || !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
            indicatif::ProgressDrawTarget::hidden()
        } else {
            indicatif::ProgressDrawTarget::stderr()
        }
    }

    fn install(bar: indicatif::ProgressBar) -> Self {
        bar.enable_steady_tick(Duration::from_millis(120));
        *BAR.lock() = Some(bar.clone());
        Progress { bar }
    }

    pub fn message(&self, msg: impl Into<std::borrow::Cow<'static, str>>) {
        self.bar.set_message(msg);
    }

    pub fn inc(&self) {
        self.bar.inc(1);
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
        // One bar at a time: the CLI never nests them.
        *BAR.lock() = None;
    }
}
