//! Per-plugin logs: every line goes to `tracing` (target `qirvo::plugin`, field `plugin`),
//! into a bounded buffer the host can read, and to the runtime's optional log sink.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use parking_lot::Mutex;

/// Severity of a plugin log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    Debug,
    Info,
    Warn,
    Error,
}

impl fmt::Display for LogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
        })
    }
}

/// One line a plugin logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    pub plugin: String,
    pub level: LogLevel,
    pub message: String,
    /// Structured fields: the object given as `qirvo.log.info(msg, fields)`'s second argument
    /// (empty for `console.*` and for Qirvo's own lines). Also sent to `tracing` as the
    /// field `fields` (its JSON text).
    pub fields: serde_json::Map<String, serde_json::Value>,
    pub time: SystemTime,
}

/// Receives every plugin log line as it is written (e.g. the CLI prints them).
pub type LogSink = Arc<dyn Fn(&LogEntry) + Send + Sync>;

/// The bounded recent log of one plugin. Oldest lines are dropped first.
pub(crate) struct LogBuffer {
    plugin: String,
    capacity: usize,
    lines: Mutex<VecDeque<LogEntry>>,
    sink: Option<LogSink>,
    /// Debug sessions following the log.
    followers: Mutex<Vec<tokio::sync::mpsc::UnboundedSender<LogEntry>>>,
}

/// Longest log line kept, in bytes; longer lines are cut (a plugin cannot flood the host).
const MAX_LINE: usize = 16 * 1024;

impl LogBuffer {
    pub(crate) fn new(plugin: &str, capacity: usize, sink: Option<LogSink>) -> Self {
        LogBuffer {
            plugin: plugin.to_string(),
            capacity,
            lines: Mutex::new(VecDeque::with_capacity(capacity.min(64))),
            sink,
            followers: Mutex::new(Vec::new()),
        }
    }

    pub(crate) fn push(&self, level: LogLevel, message: &str) {
        self.push_with_fields(level, message, serde_json::Map::new());
    }

    /// A line with structured fields (already checked by the op: a bounded JSON object).
    pub(crate) fn push_with_fields(
        &self,
        level: LogLevel,
        message: &str,
        fields: serde_json::Map<String, serde_json::Value>,
    ) {
        let message = if message.len() > MAX_LINE {
            let mut end = MAX_LINE;
            while !message.is_char_boundary(end) {
                end -= 1;
            }
            format!("{}… ({} bytes cut)", &message[..end], message.len() - end)
        } else {
            message.to_string()
        };
        let plugin = self.plugin.as_str();
        // tracing's field names are static: the plugin's fields travel as one JSON-valued
        // field, absent when there are none.
        let json = (!fields.is_empty()).then(|| serde_json::Value::Object(fields.clone()));
        let f = json.as_ref().map(tracing::field::display);
        match level {
            LogLevel::Debug => {
                tracing::debug!(target: "qirvo::plugin", plugin, fields = f, "{message}")
            }
            LogLevel::Info => {
                tracing::info!(target: "qirvo::plugin", plugin, fields = f, "{message}")
            }
            LogLevel::Warn => {
                tracing::warn!(target: "qirvo::plugin", plugin, fields = f, "{message}")
            }
            LogLevel::Error => {
                tracing::error!(target: "qirvo::plugin", plugin, fields = f, "{message}")
            }
        }
        let entry = LogEntry {
            plugin: self.plugin.clone(),
            level,
            message,
            fields,
            time: SystemTime::now(),
        };
        if let Some(sink) = &self.sink {
            sink(&entry);
        }
        {
            let mut followers = self.followers.lock();
            if !followers.is_empty() {
                followers.retain(|tx| tx.send(entry.clone()).is_ok());
            }
        }
        let mut lines = self.lines.lock();
        if lines.len() == self.capacity {
            lines.pop_front();
        }
        lines.push_back(entry);
    }

    /// Every line written from now on.
    pub(crate) fn subscribe(&self) -> tokio::sync::mpsc::UnboundedReceiver<LogEntry> {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        self.followers.lock().push(tx);
        rx
    }

    pub(crate) fn recent(&self) -> Vec<LogEntry> {
        self.lines.lock().iter().cloned().collect()
    }
}
