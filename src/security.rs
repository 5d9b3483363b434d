//! The security record's vocabulary (issue 17): what a plugin tried to do and what the
//! runtime decided, as typed [`SecurityEvent`]s. The capabilities (`ext/`), the loader and
//! the plugin's thread (`isolate/`) report through a [`Reporter`] handed to them; the
//! runtime side (subscribers, audit file, metrics, quarantine) is `host/security.rs`. This
//! module uses nothing of the crate.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

/// One thing a plugin did or tried, and what the runtime decided.
///
/// Serialized (the audit file, one JSON object per line) flat: `time` (RFC 3339, UTC, ms),
/// `plugin`, `kind`, `decision`, `rule` (omitted when none), then the kind's own fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecurityEvent {
    /// When it happened.
    #[serde(with = "rfc3339")]
    pub time: SystemTime,
    /// The plugin's id.
    pub plugin: String,
    /// What the runtime decided.
    pub decision: Decision,
    /// The rule that decided, when one did: a fetch policy rule (`not-allowed`, `scheme`,
    /// `port`, `non-public-address`), `grant` (the capability is not granted), `path`,
    /// `quota`, `resources.timeout`, `resources.memory`, a quarantine rule's name…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// What happened, with its own fields.
    #[serde(flatten)]
    pub kind: EventKind,
}

impl SecurityEvent {
    /// An event of `plugin` now.
    pub fn new(
        plugin: impl Into<String>,
        decision: Decision,
        rule: Option<String>,
        kind: EventKind,
    ) -> Self {
        SecurityEvent {
            time: SystemTime::now(),
            plugin: plugin.into(),
            decision,
            rule,
            kind,
        }
    }

    /// The kind's stable name, as in the audit file and the metrics' `kind` label.
    pub fn kind_name(&self) -> &'static str {
        self.kind.name()
    }

    /// One line of JSON (no newline).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| {
            format!(
                r#"{{"plugin":{:?},"kind":"unserializable","error":{:?}}}"#,
                self.plugin,
                e.to_string()
            )
        })
    }
}

/// What the runtime decided about an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Decision {
    /// Permitted (an allowed request, an execution that ran).
    Allowed,
    /// Refused: the plugin got an error it can catch.
    Denied,
    /// The plugin's step was stopped (deadline, memory, the host).
    Killed,
    /// Slowed down (CPU share).
    Throttled,
    /// The plugin was taken out of service until the host acts.
    Quarantined,
    /// Seen, not acted on (an escape signal, an uncaught stack overflow).
    Observed,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allowed => "allowed",
            Decision::Denied => "denied",
            Decision::Killed => "killed",
            Decision::Throttled => "throttled",
            Decision::Quarantined => "quarantined",
            Decision::Observed => "observed",
        }
    }
}

/// A capability a plugin uses through the `qirvo` global or a web API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Capability {
    Fetch,
    Fs,
    Storage,
    /// Host API functions (`qirvo.host`).
    Host,
}

/// A limit the runtime enforces on a plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Limit {
    /// `resources.timeout` (or a call's own deadline) passed.
    Timeout,
    /// The heap reached `resources.memory`.
    Memory,
    /// Over its `resources.cpu` share.
    CpuThrottle,
    /// The JavaScript stack ran out (uncaught).
    StackOverflow,
    /// The host stopped the step (`PluginHandle::terminate`, a quarantine).
    Terminated,
}

/// What happened. Serialized with a `kind` tag: `network`, `permission_denied`,
/// `import_refused`, `limit`, `escape`, `execution_start`, `execution_end`, `quarantined`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum EventKind {
    /// One `fetch`: allowed (with its outcome) or denied by the network policy.
    Network {
        /// Upper-case HTTP method.
        method: String,
        /// The URL without credentials, with query values redacted ([`redact_url`]).
        url: String,
        /// The address connected to (`ip:port`), when a connection was made.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        address: Option<String>,
        /// The response status, when one came.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<u16>,
        /// Response body bytes read.
        bytes: u64,
        /// From the request's start to its end, in milliseconds.
        duration_ms: f64,
        /// Why it failed, when it did.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    /// A capability refused an operation (not granted, a path outside the plugin's
    /// directory, over quota).
    PermissionDenied {
        capability: Capability,
        /// The operation: `writeFile`, `set`, `fetch`, …
        operation: String,
        /// What it was applied to (a path, a key, a URL), possibly empty.
        target: String,
        /// The message the plugin got.
        reason: String,
    },
    /// An import the loader refused (bare, absolute, or outside the plugin directory).
    ImportRefused {
        specifier: String,
        referrer: String,
        reason: String,
    },
    /// A limit was hit.
    Limit {
        limit: Limit,
        /// The step it happened in (`call greet`, `initialize`, `background work`).
        phase: String,
        /// In words, with the figures.
        detail: String,
    },
    /// Plugin code touched something the runtime keeps from it: a removed global
    /// ([`REMOVED_GLOBALS`]) or the frozen `qirvo` global, seen in an uncaught error that
    /// ended a step. Decision `observed`, rule `escape`, once per target per load.
    Escape {
        /// The global's name (`Deno`, `process`, `qirvo`, …).
        target: String,
        /// In words, with the step.
        detail: String,
    },
    /// A step of the plugin's code began (a call, a lifecycle step, an event, a task).
    ExecutionStart { phase: String },
    /// It ended: its CPU time on the plugin's thread and its wall time, and how.
    ExecutionEnd {
        phase: String,
        cpu_us: u64,
        wall_us: u64,
        /// `ok`, `error`, `timeout`, `memory`, `terminated`, `quarantined`.
        outcome: String,
    },
    /// The plugin was stopped and put in `error` until the host acts.
    Quarantined { reason: String },
}

impl EventKind {
    /// The `kind` tag.
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::Network { .. } => "network",
            EventKind::PermissionDenied { .. } => "permission_denied",
            EventKind::ImportRefused { .. } => "import_refused",
            EventKind::Limit { .. } => "limit",
            EventKind::Escape { .. } => "escape",
            EventKind::ExecutionStart { .. } => "execution_start",
            EventKind::ExecutionEnd { .. } => "execution_end",
            EventKind::Quarantined { .. } => "quarantined",
        }
    }
}

/// Where reported events go (the runtime's monitor implements it). Called on the plugin's
/// own thread, inside ops: must not block.
pub(crate) trait SecuritySink: Send + Sync {
    fn record(&self, event: SecurityEvent, plugin: &PluginWatch);
}

/// What the sink keeps about one load of a plugin: whether it has been quarantined and why
/// (the plugin's thread reads this between commands, its handle when a request fails), and
/// which escape signals it has already given.
#[derive(Default)]
pub(crate) struct PluginWatch {
    quarantined: OnceLock<String>,
    /// Escape targets already reported for this load (one event each).
    escapes: Mutex<Vec<&'static str>>,
}

impl PluginWatch {
    /// Marks the plugin quarantined for `reason`; false if it already was.
    pub(crate) fn quarantine(&self, reason: &str) -> bool {
        self.quarantined.set(reason.to_string()).is_ok()
    }

    pub(crate) fn is_quarantined(&self) -> bool {
        self.quarantined.get().is_some()
    }

    /// Why it was quarantined, once it has been.
    pub(crate) fn quarantine_reason(&self) -> Option<&str> {
        self.quarantined.get().map(String::as_str)
    }

    /// Whether `target` is the first escape of its kind for this load (then remembered).
    /// Targets come only from the finite set [`escape_in_error`] returns (each name of
    /// [`REMOVED_GLOBALS`], [`V8_HELPERS`] for every `__v8…` name, and `qirvo`), so no
    /// cap is needed and no number of distinct names can keep a later one out.
    fn first_escape(&self, target: &'static str) -> bool {
        let mut seen = self.escapes.lock().unwrap_or_else(|e| e.into_inner());
        if seen.contains(&target) {
            return false;
        }
        seen.push(target);
        true
    }
}

/// The one escape target every `__v8…` name (the engine's helpers) is recorded as: the
/// rest of such a name is plugin-chosen text and never reaches the record.
pub(crate) const V8_HELPERS: &str = "__v8*";

/// The globals the runtime removes from a plugin's isolate (the bootstrap deletes them) or
/// never gives it (Node's and Deno's), which a plugin touching them counts as an escape
/// signal. `__v8…` names (the engine's helpers) count too. What is seen of them is an
/// uncaught `ReferenceError` naming one (see [`escape_in_error`]).
pub const REMOVED_GLOBALS: &[&str] = &[
    "Deno",
    "__bootstrap",
    "gc",
    "InternalError",
    "ShadowRealm",
    "process",
    "require",
    "Bun",
];

/// The escape signal an uncaught error's text shows, if any: `(target, detail)`.
///
/// - `ReferenceError: X is not defined` with `X` in [`REMOVED_GLOBALS`]: target `X`; any
///   `__v8…` name: target [`V8_HELPERS`]. The plugin touched a removed global.
/// - `TypeError: Cannot assign to read only property 'qirvo'`: it assigned the frozen
///   `qirvo` global.
///
/// The target is always one of that finite set (never text taken from `text`), so the
/// record holds no plugin-chosen names. Only the first line of `text` is read. A plugin
/// can throw such an error itself; that forged signal looks the same and is recorded
/// the same (it names only a listed global, once per load).
pub(crate) fn escape_in_error(text: &str) -> Option<(&'static str, String)> {
    let line = text.lines().next().unwrap_or("");
    let line = line.strip_prefix("Uncaught ").unwrap_or(line);
    let line = line.strip_prefix("(in promise) ").unwrap_or(line);
    if let Some(rest) = line.strip_prefix("ReferenceError: ") {
        let name = rest.strip_suffix(" is not defined")?;
        let target = if name.starts_with("__v8") {
            V8_HELPERS
        } else {
            REMOVED_GLOBALS.iter().copied().find(|g| *g == name)?
        };
        return Some((
            target,
            format!("touched the removed global {target} (uncaught ReferenceError)"),
        ));
    }
    if line.starts_with("TypeError: Cannot assign to read only property 'qirvo' ") {
        return Some((
            "qirvo",
            "assigned the frozen global qirvo (uncaught TypeError)".to_string(),
        ));
    }
    None
}

/// A plugin's handle on the security record, handed to its ops (in the `OpState`), its
/// loader and its thread. Cheap to clone.
#[derive(Clone)]
pub(crate) struct Reporter {
    plugin: Arc<str>,
    sink: Option<Arc<dyn SecuritySink>>,
    watch: Arc<PluginWatch>,
}

impl Reporter {
    pub(crate) fn new(plugin: &str, sink: Arc<dyn SecuritySink>, watch: Arc<PluginWatch>) -> Self {
        Reporter {
            plugin: plugin.into(),
            sink: Some(sink),
            watch,
        }
    }

    /// Reports nothing (a warm isolate not yet bound to a plugin).
    pub(crate) fn inert() -> Self {
        Reporter {
            plugin: "".into(),
            sink: None,
            watch: Arc::default(),
        }
    }

    pub(crate) fn report(&self, decision: Decision, rule: Option<&str>, kind: EventKind) {
        if let Some(sink) = &self.sink {
            sink.record(
                SecurityEvent::new(&*self.plugin, decision, rule.map(str::to_string), kind),
                &self.watch,
            );
        }
    }

    /// A capability refused `operation` on `target` with `reason` under `rule`.
    pub(crate) fn denied(
        &self,
        capability: Capability,
        rule: &str,
        operation: &str,
        target: &str,
        reason: &str,
    ) {
        self.report(
            Decision::Denied,
            Some(rule),
            EventKind::PermissionDenied {
                capability,
                operation: operation.to_string(),
                target: target.to_string(),
                reason: reason.chars().take(MAX_FIELD).collect(),
            },
        );
    }

    pub(crate) fn watch(&self) -> &PluginWatch {
        &self.watch
    }

    /// An escape signal: plugin code touched `target`, which the runtime keeps from it.
    /// Reported once per target per load of the plugin (decision `observed`: the plugin is
    /// not stopped for it; a host policy may quarantine on it).
    /// `target` is one of [`escape_in_error`]'s finite set.
    pub(crate) fn escape(&self, target: &'static str, detail: &str) {
        if self.sink.is_none() || !self.watch.first_escape(target) {
            return;
        }
        self.report(
            Decision::Observed,
            Some("escape"),
            EventKind::Escape {
                target: target.to_string(),
                detail: detail.chars().take(MAX_FIELD).collect(),
            },
        );
    }
}

/// Longest text field an event carries from a plugin, in characters.
pub(crate) const MAX_FIELD: usize = 1024;

/// The rule [`redact_url`] applies, named in the docs: userinfo is dropped, every query
/// value is replaced by `REDACTED` (names stay: `?token=REDACTED&page=REDACTED`), the
/// fragment is dropped, and the result is cut at [`MAX_FIELD`] characters.
pub const URL_REDACTION_RULE: &str = "strip-userinfo+redact-query-values";

/// `url` as an event carries it: no credentials, no query values, no fragment.
/// Text that is not a URL is kept only up to its first `?`, `#` or `@`-free prefix.
pub fn redact_url(url: &str) -> String {
    let Ok(mut u) = deno_core::url::Url::parse(url) else {
        let cut = url.find(['?', '#']).unwrap_or(url.len());
        let s = &url[..cut];
        let s = s.rsplit_once('@').map(|(_, h)| h).unwrap_or(s);
        return s.chars().take(MAX_FIELD).collect();
    };
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.set_fragment(None);
    if u.query().is_some() {
        let names: Vec<String> = u.query_pairs().map(|(k, _)| k.into_owned()).collect();
        if names.is_empty() {
            u.set_query(None);
        } else {
            let mut q = u.query_pairs_mut();
            q.clear();
            for k in &names {
                q.append_pair(k, "REDACTED");
            }
        }
    }
    u.as_str().chars().take(MAX_FIELD).collect()
}

/// A duration in whole microseconds, saturating.
pub(crate) fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

mod rfc3339 {
    use std::time::SystemTime;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
        let t: chrono::DateTime<chrono::Utc> = (*t).into();
        s.serialize_str(&t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SystemTime, D::Error> {
        let s = String::deserialize(d)?;
        chrono::DateTime::parse_from_rfc3339(&s)
            .map(|t| t.with_timezone(&chrono::Utc).into())
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_credentials_query_values_and_fragments() {
        assert_eq!(
            redact_url("https://user:pw@api.example.com:8443/a/b?token=s3cret&page=2#frag"),
            "https://api.example.com:8443/a/b?token=REDACTED&page=REDACTED"
        );
        assert_eq!(redact_url("http://example.com/?"), "http://example.com/");
        assert_eq!(redact_url("http://u@example.com/x"), "http://example.com/x");
        assert_eq!(redact_url("not a url?secret=1"), "not a url");
        assert_eq!(redact_url("x@y?z"), "y");
        assert!(
            redact_url(&format!("https://e.com/{}", "a".repeat(5000)))
                .chars()
                .count()
                <= MAX_FIELD
        );
    }

    #[test]
    fn escape_signals_are_read_from_uncaught_errors_only_for_kept_names() {
        for (text, target) in [
            (
                "ReferenceError: Deno is not defined\n    at f (file:///main.js:1:1)",
                "Deno",
            ),
            ("Uncaught ReferenceError: process is not defined", "process"),
            ("ReferenceError: require is not defined", "require"),
            ("ReferenceError: __bootstrap is not defined", "__bootstrap"),
            ("ReferenceError: __v8x_internal is not defined", "__v8*"),
            (
                "ReferenceError: __v8\u{1b}[2J\u{7}fake is not defined",
                "__v8*",
            ),
            (
                "TypeError: Cannot assign to read only property 'qirvo' of object '#<Object>'",
                "qirvo",
            ),
        ] {
            assert_eq!(
                escape_in_error(text).map(|(t, _)| t).as_deref(),
                Some(target),
                "{text}"
            );
        }
        for text in [
            "ReferenceError: foo is not defined",
            "ReferenceError: Deno is not a function",
            "TypeError: Cannot assign to read only property 'get' of object '#<Object>'",
            "TypeError: Cannot assign to read only property 'qirvos' of object '#<Object>'",
            "plugin p: call f: ReferenceError: Deno is not defined",
            "Error: ReferenceError: nothing\nReferenceError: Deno is not defined",
            "",
        ] {
            assert_eq!(escape_in_error(text), None, "{text}");
        }
    }

    #[test]
    fn one_escape_event_per_target_per_load() {
        let w = PluginWatch::default();
        assert!(w.first_escape("Deno"));
        assert!(!w.first_escape("Deno"));
        assert!(w.first_escape("process"));
        // Any number of distinct `__v8…` names is one target, so the real names that
        // follow are still recorded.
        for i in 0..100 {
            let text = format!("ReferenceError: __v8x{i} is not defined");
            if let Some((target, _)) = escape_in_error(&text) {
                assert_eq!(w.first_escape(target), i == 0, "{text}");
            }
        }
        assert!(w.first_escape("require"));
        assert_eq!(w.escapes.lock().unwrap().len(), 4);
        assert!(w.quarantine("why"));
        assert!(!w.quarantine("again"));
        assert_eq!(w.quarantine_reason(), Some("why"));
    }

    #[test]
    fn events_serialize_flat_and_round_trip() {
        let e = SecurityEvent::new(
            "p",
            Decision::Denied,
            Some("not-allowed".into()),
            EventKind::Network {
                method: "GET".into(),
                url: "https://evil.com/".into(),
                address: None,
                status: None,
                bytes: 0,
                duration_ms: 0.5,
                error: Some("refused".into()),
            },
        );
        let v: serde_json::Value = serde_json::from_str(&e.to_json()).unwrap();
        assert_eq!(v["kind"], "network");
        assert_eq!(v["decision"], "denied");
        assert_eq!(v["rule"], "not-allowed");
        assert_eq!(v["url"], "https://evil.com/");
        let back: SecurityEvent = serde_json::from_str(&e.to_json()).unwrap();
        assert_eq!(back.kind, e.kind);
    }
}
