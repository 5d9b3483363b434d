//! The event bus: plugins emit and subscribe through `qirvo.events`; the host emits to
//! plugins and subscribes to what they emit through [`PluginRuntime::events`].
//!
//! Delivery to a plugin is a command on its channel, so it is asynchronous and in order
//! per emitter. A handler that throws or times out is logged against its plugin and does
//! not affect other subscribers.
//!
//! With a fleet store (PostgreSQL), the bus also has an [`EventTransport`]: what is
//! published here is sent to the other replicas, and what they publish is delivered here
//! (once, in order per emitter) as if emitted locally, but never sent on again.
//!
//! [`PluginRuntime::events`]: crate::PluginRuntime::events

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, Weak};

use parking_lot::RwLock;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use tokio::sync::broadcast;

use crate::ext::Inbox;

/// Largest event payload, as JSON text.
pub const MAX_PAYLOAD: usize = 64 * 1024;

/// Who emitted an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventSource {
    Host,
    Plugin(String),
}

/// An event as host subscribers see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub name: String,
    pub payload: serde_json::Value,
    pub source: EventSource,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum EventError {
    #[error("event name {0:?} is not dotted words (letters, digits, '_' or '-', separated by '.')")]
    BadName(String),
    #[error("event pattern {0:?} is not an event name, a \"prefix.*\" pattern or \"*\"")]
    BadPattern(String),
    #[error("event payload is {size} bytes of JSON, more than the {MAX_PAYLOAD}-byte limit")]
    TooLarge { size: usize },
}

pub(crate) fn check_name(name: &str) -> Result<(), EventError> {
    let ok = !name.is_empty()
        && name.len() <= 256
        && name.split('.').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
        });
    if ok {
        Ok(())
    } else {
        Err(EventError::BadName(name.to_string()))
    }
}

pub(crate) fn check_pattern(pattern: &str) -> Result<(), EventError> {
    if pattern == "*" {
        return Ok(());
    }
    let base = pattern.strip_suffix(".*").unwrap_or(pattern);
    check_name(base).map_err(|_| EventError::BadPattern(pattern.to_string()))
}

/// `a.b` matches `a.b`; `a.*` matches every name under `a.`; `*` matches everything.
pub(crate) fn matches(pattern: &str, name: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => pattern == name,
    }
}

/// An event on its way to one plugin's handlers (`qirvo.events`).
pub(crate) struct EventDelivery {
    pub name: String,
    /// The payload as JSON text.
    pub payload: String,
    pub source: EventSource,
    /// The subscriber's queue length and bytes, decremented once handled.
    pub pending: Arc<AtomicUsize>,
    pub pending_bytes: Arc<AtomicUsize>,
}

struct Subscriber {
    patterns: Vec<String>,
    inbox: Arc<dyn Inbox>,
    /// Events queued for this plugin and not yet handled, and their payload bytes.
    pending: Arc<AtomicUsize>,
    pending_bytes: Arc<AtomicUsize>,
    /// Events dropped because the queue was full.
    dropped: AtomicU64,
}

/// Most events queued for one plugin; past this, new events for it are dropped (and
/// counted), so a flood from another plugin cannot grow the host's memory without bound.
pub const MAX_QUEUED: usize = 10_000;
/// Most payload bytes queued for one plugin (same rule).
pub const MAX_QUEUED_BYTES: usize = 16 * 1024 * 1024;
/// Most patterns one plugin may subscribe to.
pub const MAX_PATTERNS: usize = 1_000;

/// Carries events between the replicas of a fleet. Implemented by the PostgreSQL fleet
/// store; another engine (NATS, ...) implements the same two calls.
pub(crate) trait EventTransport: Send + Sync {
    /// Sends an event published on this replica to the others, after the ones sent
    /// before it. Never waits: a failure is logged, not returned.
    fn send(&self, name: &str, payload_json: &str, source: &EventSource);
    /// Starts delivering the other replicas' events to `bus` with [`Bus::deliver`].
    fn start(self: Arc<Self>, bus: Weak<Bus>);
}

pub(crate) struct Bus {
    plugins: RwLock<HashMap<String, Subscriber>>,
    host: broadcast::Sender<Event>,
    transport: OnceLock<Arc<dyn EventTransport>>,
}

impl Bus {
    pub(crate) fn new() -> Arc<Bus> {
        let (host, _) = broadcast::channel(1024);
        Arc::new(Bus {
            plugins: RwLock::new(HashMap::new()),
            host,
            transport: OnceLock::new(),
        })
    }

    /// Connects this bus to the other replicas of a fleet (once; later calls are ignored).
    pub(crate) fn attach(self: &Arc<Self>, transport: Arc<dyn EventTransport>) {
        if self.transport.set(transport.clone()).is_ok() {
            transport.start(Arc::downgrade(self));
        }
    }

    /// An event from another replica: delivered here only.
    pub(crate) fn deliver(&self, name: &str, payload_json: &str, source: &EventSource) -> usize {
        self.publish_here(name, payload_json, source)
    }

    pub(crate) fn subscribe(
        &self,
        plugin: &str,
        inbox: &Arc<dyn Inbox>,
        pattern: &str,
    ) -> Result<(), String> {
        let mut plugins = self.plugins.write();
        let sub = plugins
            .entry(plugin.to_string())
            .or_insert_with(|| Subscriber {
                patterns: Vec::new(),
                inbox: inbox.clone(),
                pending: Arc::default(),
                pending_bytes: Arc::default(),
                dropped: AtomicU64::new(0),
            });
        if !sub.patterns.iter().any(|p| p == pattern) {
            if sub.patterns.len() >= MAX_PATTERNS {
                return Err(format!(
                    "a plugin may subscribe to at most {MAX_PATTERNS} patterns"
                ));
            }
            sub.patterns.push(pattern.to_string());
        }
        Ok(())
    }

    pub(crate) fn unsubscribe(&self, plugin: &str, pattern: &str) {
        let mut plugins = self.plugins.write();
        if let Some(sub) = plugins.get_mut(plugin) {
            sub.patterns.retain(|p| p != pattern);
            if sub.patterns.is_empty() {
                plugins.remove(plugin);
            }
        }
    }

    /// Drops every subscription of a plugin (on unload or failure).
    pub(crate) fn remove(&self, plugin: &str) {
        self.plugins.write().remove(plugin);
    }

    /// Sends an event to every subscribed plugin and host subscriber, here and on the
    /// other replicas of a fleet; returns how many plugins here it was queued for.
    pub(crate) fn publish(&self, name: &str, payload_json: &str, source: &EventSource) -> usize {
        if let Some(transport) = self.transport.get() {
            transport.send(name, payload_json, source);
        }
        self.publish_here(name, payload_json, source)
    }

    fn publish_here(&self, name: &str, payload_json: &str, source: &EventSource) -> usize {
        let mut delivered = 0;
        for sub in self.plugins.read().values() {
            if !sub.patterns.iter().any(|p| matches(p, name)) {
                continue;
            }
            if sub.pending.load(Ordering::Relaxed) >= MAX_QUEUED
                || sub.pending_bytes.load(Ordering::Relaxed) + payload_json.len() > MAX_QUEUED_BYTES
            {
                let n = sub.dropped.fetch_add(1, Ordering::Relaxed) + 1;
                if n == 1 || n.is_power_of_two() {
                    tracing::warn!(target: "qirvo::events", event = name, dropped = n, "a subscriber's queue is full: event dropped");
                }
                continue;
            }
            sub.pending.fetch_add(1, Ordering::Relaxed);
            sub.pending_bytes
                .fetch_add(payload_json.len(), Ordering::Relaxed);
            let sent = sub.inbox.post_event(EventDelivery {
                name: name.to_string(),
                payload: payload_json.to_string(),
                source: source.clone(),
                pending: sub.pending.clone(),
                pending_bytes: sub.pending_bytes.clone(),
            });
            if sent {
                delivered += 1;
            } else {
                sub.pending.fetch_sub(1, Ordering::Relaxed);
                sub.pending_bytes
                    .fetch_sub(payload_json.len(), Ordering::Relaxed);
            }
        }
        if self.host.receiver_count() > 0 {
            // RUNTIME (issue 12): deep but ordinary payloads parse (src/json.rs).
            let payload = crate::json::parse(payload_json).unwrap_or(serde_json::Value::Null);
            let _ = self.host.send(Event {
                name: name.to_string(),
                payload,
                source: source.clone(),
            });
        }
        delivered
    }
}

/// The host's side of the event bus, from [`PluginRuntime::events`](crate::PluginRuntime::events).
#[derive(Clone)]
pub struct Events {
    pub(crate) bus: Arc<Bus>,
}

impl Events {
    /// Emits an event to every plugin subscribed to it; returns how many plugins it was
    /// queued for.
    ///
    /// # Errors
    /// [`EventError`] for a malformed name or a payload over 64 KiB.
    pub fn emit(&self, name: &str, payload: serde_json::Value) -> Result<usize, EventError> {
        check_name(name)?;
        let json = payload.to_string();
        if json.len() > MAX_PAYLOAD {
            return Err(EventError::TooLarge { size: json.len() });
        }
        Ok(self.bus.publish(name, &json, &EventSource::Host))
    }

    /// Subscribes to events matching `pattern` (`"a.b"`, `"a.*"` or `"*"`), from plugins and
    /// the host. A subscriber that falls more than 1024 events behind skips the oldest.
    pub fn subscribe(&self, pattern: &str) -> Result<EventSubscription, EventError> {
        check_pattern(pattern)?;
        Ok(EventSubscription {
            pattern: pattern.to_string(),
            rx: self.bus.host.subscribe(),
        })
    }
}

/// A stream of events matching one pattern.
pub struct EventSubscription {
    pattern: String,
    rx: broadcast::Receiver<Event>,
}

impl EventSubscription {
    /// The next matching event; `None` once the runtime is gone.
    pub async fn recv(&mut self) -> Option<Event> {
        loop {
            match self.rx.recv().await {
                Ok(e) if matches(&self.pattern, &e.name) => return Some(e),
                Ok(_) => continue,
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!(target: "qirvo::events", skipped = n, pattern = %self.pattern, "host subscriber fell behind");
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_patterns() {
        assert!(check_name("order.created").is_ok());
        assert!(check_name("a").is_ok());
        for bad in ["", ".a", "a.", "a..b", "a b", "a.*", "*"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
        for good in ["*", "a.*", "a.b.*", "a.b"] {
            assert!(check_pattern(good).is_ok(), "{good}");
        }
        assert!(matches("a.*", "a.b"));
        assert!(matches("a.*", "a.b.c"));
        assert!(!matches("a.*", "a"));
        assert!(!matches("a.*", "ab.c"));
        assert!(matches("a.b", "a.b"));
        assert!(!matches("a.b", "a.b.c"));
        assert!(matches("*", "x.y"));
    }
}
