//! The security monitor (issue 17): every [`SecurityEvent`] a plugin causes, seen by the
//! host ([`PluginRuntime::security`](crate::PluginRuntime::security)).
//!
//! Each event goes, on the thread that reports it and without blocking it, to:
//! - subscribers: a bounded broadcast ([`SECURITY_CHANNEL_CAPACITY`] events); a subscriber
//!   that falls behind loses the oldest events and the loss is counted
//!   ([`Security::dropped`]), so a slow subscriber never holds up a plugin;
//! - `tracing`, target `qirvo::security`, with the fields `plugin`, `kind`, `decision`,
//!   `rule` and `event` (the event as JSON): denials and kills at `warn`, the rest at `debug`;
//! - the counter `qirvo_security_events_total{plugin,kind,decision}` in `/metrics`;
//! - the audit file, when one is open ([`Security::open_audit_log`]);
//! - the quarantine policy: host callbacks ([`Security::set_policy`]) and declarative
//!   rules ([`Security::add_rule`]).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use parking_lot::{Mutex, RwLock};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;
use tokio::sync::broadcast;

use crate::host::runtime::RuntimeInner;
use crate::security::{Capability, Decision, EventKind, SecurityEvent};
use crate::security::{PluginWatch, Reporter, SecuritySink};

/// Events a subscriber may fall behind by before it loses the oldest.
pub const SECURITY_CHANNEL_CAPACITY: usize = 4096;
/// Audit lines queued for the writer thread before new ones are dropped (and counted).
const AUDIT_QUEUE: usize = 16_384;

/// A host callback that sees every event and may quarantine its plugin by returning the
/// reason. Runs on the reporting plugin's thread: it must be quick and must not block.
pub type SecurityPolicy = Arc<dyn Fn(&SecurityEvent) -> Option<String> + Send + Sync>;

/// A declarative quarantine rule: more than `max_denials` events with decision
/// [`Decision::Denied`] from one plugin within `window` quarantine it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuarantineRule {
    /// The rule's name, the `rule` of the `quarantined` event.
    pub name: String,
    /// Denials tolerated within the window (the next one quarantines).
    pub max_denials: u32,
    /// The sliding window.
    pub window: Duration,
}

impl QuarantineRule {
    /// "More than `max_denials` denials in `window`", named `denials>N/Ws`.
    pub fn denials(max_denials: u32, window: Duration) -> Self {
        QuarantineRule {
            name: format!("denials>{max_denials}/{}s", window.as_secs_f64()),
            max_denials,
            window,
        }
    }
}

/// What the monitor has seen of one plugin since the runtime started (across reloads).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecuritySummary {
    /// Events with decision `denied`, by kind of capability or event (`fetch`, `fs`,
    /// `storage`, `import`, …).
    pub denials: BTreeMap<String, u64>,
    /// Steps killed (timeout, memory, the host).
    pub kills: u64,
    /// The reason of its current quarantine, while it is quarantined.
    pub quarantined: Option<String>,
}

impl SecuritySummary {
    /// All denials.
    pub fn total_denials(&self) -> u64 {
        self.denials.values().sum()
    }
}

/// The runtime's security monitor. Cheap to clone.
#[derive(Clone)]
pub struct Security {
    pub(crate) inner: Arc<Monitor>,
}

impl std::fmt::Debug for Security {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Security")
            .field("dropped", &self.dropped())
            .finish_non_exhaustive()
    }
}

pub(crate) struct Monitor {
    tx: broadcast::Sender<SecurityEvent>,
    dropped: Arc<AtomicU64>,
    audit: Mutex<Option<AuditWriter>>,
    /// Events by plugin, kind and decision (for `/metrics`).
    counts: Mutex<BTreeMap<(String, &'static str, Decision), u64>>,
    summaries: Mutex<BTreeMap<String, SecuritySummary>>,
    policies: RwLock<Vec<SecurityPolicy>>,
    rules: RwLock<Vec<QuarantineRule>>,
    /// Recent denial times per plugin (as many as the strictest rule needs).
    windows: Mutex<HashMap<String, VecDeque<Instant>>>,
    /// Each plugin's current load, to quarantine it.
    watches: Mutex<HashMap<String, Weak<PluginWatch>>>,
    /// The runtime, to stop a quarantined plugin.
    pub(crate) runtime: Mutex<Weak<RuntimeInner>>,
}

impl Security {
    pub(crate) fn new() -> Self {
        let (tx, _) = broadcast::channel(SECURITY_CHANNEL_CAPACITY);
        Security {
            inner: Arc::new(Monitor {
                tx,
                dropped: Arc::default(),
                audit: Mutex::new(None),
                counts: Mutex::default(),
                summaries: Mutex::default(),
                policies: RwLock::default(),
                rules: RwLock::default(),
                windows: Mutex::default(),
                watches: Mutex::default(),
                runtime: Mutex::new(Weak::new()),
            }),
        }
    }

    /// A plugin's reporter, for one load of it: a new load starts with no quarantine and
    /// an empty denial window.
    pub(crate) fn reporter(&self, plugin: &str) -> Reporter {
        let watch = Arc::new(PluginWatch::default());
        self.inner
            .watches
            .lock()
            .insert(plugin.to_string(), Arc::downgrade(&watch));
        self.inner.windows.lock().remove(plugin);
        if let Some(s) = self.inner.summaries.lock().get_mut(plugin) {
            s.quarantined = None;
        }
        Reporter::new(plugin, self.inner.clone(), watch)
    }

    /// Receives every event from now on. Each subscription has its own bounded buffer of
    /// [`SECURITY_CHANNEL_CAPACITY`] events; when it falls behind, the oldest are lost
    /// and counted in [`dropped`](Self::dropped).
    pub fn subscribe(&self) -> SecuritySubscription {
        SecuritySubscription {
            rx: self.inner.tx.subscribe(),
            dropped: self.inner.dropped.clone(),
        }
    }

    /// Events subscribers lost by falling behind, and audit lines not written because
    /// the writer fell behind or failed, since the runtime started.
    pub fn dropped(&self) -> u64 {
        self.inner.dropped.load(Ordering::Relaxed)
    }

    /// Writes every event from now on to `path` as JSON lines, appending. Each line is
    /// written and flushed whole by a writer thread of its own, so a killed process loses
    /// at most events not yet written and never leaves half a line. When the file would
    /// pass `max_bytes` it is renamed `path.1` (an older `path.1` becoming `path.2`, up to
    /// `keep` old files; 0 keeps none) and a new one begun. Replaces an audit file opened
    /// before.
    ///
    /// # Errors
    /// The file cannot be opened for appending, or the writer thread cannot start.
    pub fn open_audit_log(
        &self,
        path: impl AsRef<Path>,
        max_bytes: u64,
        keep: u32,
    ) -> std::io::Result<()> {
        let writer = AuditWriter::open(
            path.as_ref().to_path_buf(),
            max_bytes,
            keep,
            self.inner.dropped.clone(),
        )?;
        *self.inner.audit.lock() = Some(writer);
        Ok(())
    }

    /// Adds a policy callback: it sees every event; returning `Some(reason)` quarantines
    /// the event's plugin (see [`quarantine`](Self::quarantine)).
    pub fn set_policy(
        &self,
        policy: impl Fn(&SecurityEvent) -> Option<String> + Send + Sync + 'static,
    ) {
        self.inner.policies.write().push(Arc::new(policy));
    }

    /// Adds a declarative quarantine rule.
    pub fn add_rule(&self, rule: QuarantineRule) {
        self.inner.rules.write().push(rule);
    }

    /// What the monitor has seen of each plugin, by id (plugins with no denial, kill or
    /// quarantine are left out).
    pub fn summary(&self) -> BTreeMap<String, SecuritySummary> {
        self.inner.summaries.lock().clone()
    }

    /// Quarantines a loaded plugin now: whatever it runs is stopped (that step fails with
    /// [`PluginError::Quarantined`](crate::PluginError::Quarantined) naming it, with
    /// `reason`), its isolate is disposed and it stays in `error`, not restarted, until the
    /// host unloads it (and, if it wishes, loads it again, which starts afresh); every
    /// request to it meanwhile fails with `Quarantined` too. A `quarantined` event records
    /// `reason`. Returns false when no such plugin is loaded or it is already quarantined.
    pub fn quarantine(&self, plugin: &str, reason: &str) -> bool {
        let watch = self
            .inner
            .watches
            .lock()
            .get(plugin)
            .and_then(Weak::upgrade);
        let Some(watch) = watch else {
            return false;
        };
        if watch.is_quarantined() {
            return false;
        }
        self.inner.record(
            SecurityEvent::new(
                plugin,
                Decision::Quarantined,
                Some("host".into()),
                EventKind::Quarantined {
                    reason: reason.to_string(),
                },
            ),
            &watch,
        );
        self.inner.stop(plugin, &watch, reason, "host")
    }

    /// The reason a plugin is quarantined, while it is.
    pub fn quarantined(&self, plugin: &str) -> Option<String> {
        self.inner
            .summaries
            .lock()
            .get(plugin)
            .and_then(|s| s.quarantined.clone())
    }

    /// Registers `qirvo_security_events_total` in a metrics registry, with series for the
    /// `loaded` plugins only (an unloaded plugin leaves no series; its counts resume if it
    /// is loaded again).
    pub(crate) fn register<'a>(&self, reg: &mut Registry, loaded: impl Iterator<Item = &'a str>) {
        let family: Family<Vec<(String, String)>, Counter> = Family::default();
        let counts = self.inner.counts.lock();
        for id in loaded {
            let first = (id.to_string(), "", Decision::Allowed);
            for ((plugin, kind, decision), n) in counts.range(first..) {
                if plugin != id {
                    break;
                }
                family
                    .get_or_create(&vec![
                        ("plugin".to_string(), plugin.clone()),
                        ("kind".to_string(), kind.to_string()),
                        ("decision".to_string(), decision.as_str().to_string()),
                    ])
                    .inc_by(*n);
            }
        }
        reg.register(
            "security_events",
            "Security events by plugin, kind and decision",
            family,
        );
    }
}

/// A subscription to the security events ([`Security::subscribe`]).
pub struct SecuritySubscription {
    rx: broadcast::Receiver<SecurityEvent>,
    dropped: Arc<AtomicU64>,
}

impl SecuritySubscription {
    /// The next event; `None` once the runtime is gone. Events lost because this
    /// subscription fell behind are counted and skipped.
    pub async fn recv(&mut self) -> Option<SecurityEvent> {
        loop {
            match self.rx.recv().await {
                Ok(e) => return Some(e),
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    self.dropped.fetch_add(n, Ordering::Relaxed);
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }

    /// The next event if one is waiting.
    pub fn try_recv(&mut self) -> Option<SecurityEvent> {
        loop {
            match self.rx.try_recv() {
                Ok(e) => return Some(e),
                Err(broadcast::error::TryRecvError::Lagged(n)) => {
                    self.dropped.fetch_add(n, Ordering::Relaxed);
                }
                Err(_) => return None,
            }
        }
    }
}

impl SecuritySink for Monitor {
    fn record(&self, event: SecurityEvent, watch: &PluginWatch) {
        let kind = event.kind_name();
        let decision = event.decision;
        *self
            .counts
            .lock()
            .entry((event.plugin.clone(), kind, decision))
            .or_default() += 1;
        let json = event.to_json();
        let rule = event.rule.as_deref().unwrap_or("");
        match decision {
            Decision::Denied | Decision::Killed | Decision::Quarantined => {
                tracing::warn!(target: "qirvo::security", plugin = %event.plugin, kind, decision = decision.as_str(), rule, event = %json, "security event")
            }
            _ => {
                tracing::debug!(target: "qirvo::security", plugin = %event.plugin, kind, decision = decision.as_str(), rule, event = %json, "security event")
            }
        }
        if let Some(audit) = &*self.audit.lock() {
            audit.write(json);
        }
        self.tally(&event);
        let verdict = self.judge(&event);
        let plugin = event.plugin.clone();
        if self.tx.receiver_count() > 0 {
            let _ = self.tx.send(event);
        }
        if let Some((rule, reason)) = verdict
            && !watch.is_quarantined()
        {
            // Recorded before the plugin is stopped, so the record says why.
            self.record(
                SecurityEvent::new(
                    &*plugin,
                    Decision::Quarantined,
                    Some(rule.clone()),
                    EventKind::Quarantined {
                        reason: reason.clone(),
                    },
                ),
                watch,
            );
            self.stop(&plugin, watch, &reason, &rule);
        }
    }
}

impl Monitor {
    /// Counts denials and kills per plugin (for `--status`).
    fn tally(&self, event: &SecurityEvent) {
        let what = match (&event.decision, &event.kind) {
            (Decision::Denied, EventKind::Network { .. }) => "fetch",
            (Decision::Denied, EventKind::PermissionDenied { capability, .. }) => {
                match capability {
                    Capability::Fetch => "fetch",
                    Capability::Fs => "fs",
                    Capability::Storage => "storage",
                    Capability::Host => "host",
                }
            }
            (Decision::Denied, EventKind::ImportRefused { .. }) => "import",
            (Decision::Denied, _) => "other",
            (Decision::Killed, _) => "kill",
            (Decision::Quarantined, EventKind::Quarantined { reason }) => {
                self.summaries
                    .lock()
                    .entry(event.plugin.clone())
                    .or_default()
                    .quarantined = Some(reason.clone());
                return;
            }
            _ => return,
        };
        let mut s = self.summaries.lock();
        let s = s.entry(event.plugin.clone()).or_default();
        if what == "kill" {
            s.kills += 1;
        } else {
            *s.denials.entry(what.to_string()).or_default() += 1;
        }
    }

    /// The policies' and rules' verdict on `event`: the rule's name and the reason, when
    /// its plugin is to be quarantined.
    fn judge(&self, event: &SecurityEvent) -> Option<(String, String)> {
        if matches!(event.kind, EventKind::Quarantined { .. }) {
            return None;
        }
        for p in self.policies.read().iter() {
            if let Some(reason) = p(event) {
                return Some(("policy".to_string(), reason));
            }
        }
        if event.decision != Decision::Denied {
            return None;
        }
        let rules = self.rules.read();
        if rules.is_empty() {
            return None;
        }
        let now = Instant::now();
        let mut windows = self.windows.lock();
        let times = windows.entry(event.plugin.clone()).or_default();
        times.push_back(now);
        let keep = rules
            .iter()
            .map(|r| r.max_denials as usize + 1)
            .max()
            .unwrap_or(1);
        while times.len() > keep {
            times.pop_front();
        }
        for r in rules.iter() {
            let within = times
                .iter()
                .rev()
                .take_while(|t| now.saturating_duration_since(**t) <= r.window)
                .count();
            if within > r.max_denials as usize {
                return Some((
                    r.name.clone(),
                    format!(
                        "{within} denials within {} (rule {}: at most {})",
                        crate::error::fmt_duration(r.window),
                        r.name,
                        r.max_denials
                    ),
                ));
            }
        }
        None
    }

    /// Marks the plugin quarantined and stops it: its running step is interrupted, and
    /// its thread, woken, disposes the isolate and leaves it in `error`.
    fn stop(&self, plugin: &str, watch: &PluginWatch, reason: &str, rule: &str) -> bool {
        if !watch.quarantine(reason) {
            return false;
        }
        self.summaries
            .lock()
            .entry(plugin.to_string())
            .or_default()
            .quarantined = Some(reason.to_string());
        tracing::warn!(target: "qirvo::security", plugin, rule, reason, "quarantined");
        let Some(rt) = self.runtime.lock().upgrade() else {
            return true;
        };
        if let Some(handle) = rt.plugin_handle(plugin) {
            // Stop what it runs now, and wake its thread: between commands it sees the
            // mark, disposes the isolate and stays in `error`.
            handle.terminate();
            let (reply, _) = tokio::sync::oneshot::channel();
            let _ = handle
                .shared
                .tx
                .send(crate::host::plugin::Command::CollectGarbage { reply });
        }
        true
    }
}

/// The audit file's writer thread and its queue.
struct AuditWriter {
    tx: std::sync::mpsc::SyncSender<String>,
    dropped: Arc<AtomicU64>,
}

impl AuditWriter {
    fn open(
        path: PathBuf,
        max_bytes: u64,
        keep: u32,
        dropped: Arc<AtomicU64>,
    ) -> std::io::Result<Self> {
        let file = open_append(&path)?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        let (tx, rx) = std::sync::mpsc::sync_channel::<String>(AUDIT_QUEUE);
        let lost = dropped.clone();
        std::thread::Builder::new()
            .name("qirvo-audit".into())
            .spawn(move || {
                let mut log = AuditFile {
                    path,
                    file,
                    size,
                    max_bytes,
                    keep,
                };
                for line in rx {
                    if let Err(e) = log.append(line) {
                        lost.fetch_add(1, Ordering::Relaxed);
                        tracing::error!(target: "qirvo::security", path = %log.path.display(), error = %e, "cannot write the audit file");
                    }
                }
            })?;
        Ok(AuditWriter { tx, dropped })
    }

    fn write(&self, line: String) {
        if self.tx.try_send(line).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

fn open_append(path: &Path) -> std::io::Result<File> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
}

/// The audit file, rotated by size (a few lines of our own: rename `f.(n-1)` → `f.n`, …,
/// `f` → `f.1`, reopen).
struct AuditFile {
    path: PathBuf,
    file: File,
    size: u64,
    max_bytes: u64,
    keep: u32,
}

impl AuditFile {
    /// Appends one line with one `write` (no buffering: what was written is in the
    /// file, whole, when this returns).
    fn append(&mut self, mut line: String) -> std::io::Result<()> {
        line.push('\n');
        let len = line.len() as u64;
        if self.size > 0 && self.size.saturating_add(len) > self.max_bytes {
            self.rotate()?;
        }
        self.file.write_all(line.as_bytes())?;
        self.file.flush()?;
        self.size = self.size.saturating_add(len);
        Ok(())
    }

    fn rotate(&mut self) -> std::io::Result<()> {
        let name = |n: u32| {
            let mut p = self.path.clone().into_os_string();
            p.push(format!(".{n}"));
            PathBuf::from(p)
        };
        if self.keep == 0 {
            std::fs::remove_file(&self.path)?;
        } else {
            for n in (1..self.keep).rev() {
                let from = name(n);
                if from.exists() {
                    std::fs::rename(&from, name(n + 1))?;
                }
            }
            std::fs::rename(&self.path, name(1))?;
        }
        self.file = open_append(&self.path)?;
        self.size = 0;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_audit_file_rotates_by_size_and_keeps_whole_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let mut f = AuditFile {
            file: open_append(&path).unwrap(),
            path: path.clone(),
            size: 0,
            max_bytes: 100,
            keep: 2,
        };
        for i in 0..20 {
            f.append(format!("{{\"n\":{i},\"pad\":\"{}\"}}", "x".repeat(20)))
                .unwrap();
        }
        for p in [
            path.clone(),
            dir.path().join("audit.jsonl.1"),
            dir.path().join("audit.jsonl.2"),
        ] {
            let text = std::fs::read_to_string(&p).unwrap();
            assert!(text.len() <= 100, "{}", p.display());
            for line in text.lines() {
                serde_json::from_str::<serde_json::Value>(line).unwrap();
            }
        }
        assert!(!dir.path().join("audit.jsonl.3").exists());
    }

    #[test]
    fn a_rule_quarantines_past_its_count_within_its_window() {
        let s = Security::new();
        s.add_rule(QuarantineRule::denials(2, Duration::from_secs(60)));
        let r = s.reporter("probe");
        for i in 0..3 {
            assert!(!r.watch().is_quarantined(), "after {i}");
            r.denied(
                Capability::Fs,
                "path",
                "readFile",
                "/etc/passwd",
                "absolute",
            );
        }
        assert!(r.watch().is_quarantined());
        assert!(
            s.quarantined("probe")
                .is_some_and(|r| r.contains("3 denials"))
        );
        assert_eq!(s.summary()["probe"].total_denials(), 3);
    }
}
