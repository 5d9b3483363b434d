//! What a plugin has done, counted as it runs: calls, errors, time in each phase and op,
//! network and storage use, heap samples. The plugin's thread and its ops (`isolate/`,
//! `ext/`) count into these; the host reads them (`host/metrics.rs` renders them as
//! metrics, `isolate/profile.rs` builds the performance report). They use nothing of the
//! crate.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::AtomicU64;
use std::time::{Instant, SystemTime};

use parking_lot::Mutex;

/// Counters one plugin accumulates (in its shared state).
#[derive(Default)]
pub(crate) struct PluginCounters {
    pub calls: AtomicU64,
    /// Failures by [`Failed::label`].
    pub errors: Mutex<BTreeMap<String, u64>>,
    pub initialize_us: AtomicU64,
    pub start_us: AtomicU64,
    pub started: Mutex<Option<Instant>>,
    /// The wall-clock time of `started`, fixed the first time it is read after each
    /// (re)start: `qirvo_plugin_start_time_seconds` must not move between scrapes.
    pub started_wall: Mutex<Option<(Instant, SystemTime)>>,
    pub storage_bytes: AtomicU64,
    pub net_requests: AtomicU64,
    pub net_bytes: AtomicU64,
    /// fetch requests in flight now.
    pub connections_active: AtomicU64,
    /// Peaks of the above, and of storage.
    pub connections_peak: AtomicU64,
    pub storage_peak: AtomicU64,
    /// Highest CPU share seen, in hundredths of a percent.
    pub cpu_share_peak: AtomicU64,
    /// Calls of Qirvo's own ops, by op name.
    pub ops: Mutex<BTreeMap<&'static str, u64>>,
    /// Time in Qirvo's own ops, by op name (for the performance report).
    pub op_time: Mutex<BTreeMap<&'static str, OpTiming>>,
    /// Heap samples, oldest first (for the performance report).
    pub heap_history: Mutex<HeapHistory>,
}

impl PluginCounters {
    /// When the plugin last started running (or was loaded), by the wall clock: the same
    /// value on every call until it starts again. `None` before it first did.
    pub(crate) fn started_at(&self) -> Option<SystemTime> {
        let started = (*self.started.lock())?;
        let mut wall = self.started_wall.lock();
        match *wall {
            Some((at, time)) if at == started => Some(time),
            _ => {
                let now = SystemTime::now();
                let time = now.checked_sub(started.elapsed()).unwrap_or(now);
                *wall = Some((started, time));
                Some(time)
            }
        }
    }

    /// Counts one failure of the plugin in `phase`.
    pub(crate) fn error(&self, phase: Failed) {
        *self
            .errors
            .lock()
            .entry(phase.label().to_string())
            .or_default() += 1;
    }
}

/// Where a plugin failed, as counted in [`PluginCounters::errors`]: the `phase` label of
/// `qirvo_plugin_errors_total` and the keys of `PluginMetrics::errors`. One label per
/// kind of step (a call's name, a task's id or an event's name would make a series each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failed {
    /// `initialize()` threw or timed out (the load failed).
    Initialize,
    Start,
    Stop,
    /// A call of an export (whatever the reason: a throw, a timeout, a gone plugin).
    Call,
    /// A `qirvo.scheduler` task's callback.
    Task,
    /// The plugin's handlers for an event.
    Event,
    /// The backstop gave up on the plugin's thread.
    Unresponsive,
}

impl Failed {
    /// The metric label.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Failed::Initialize => "initialize",
            Failed::Start => "start",
            Failed::Stop => "stop",
            Failed::Call => "call",
            Failed::Task => "task",
            Failed::Event => "event",
            Failed::Unresponsive => "unresponsive",
        }
    }
}

/// Per-op timing a plugin accumulates (in its counters), fed by op metrics events.
#[derive(Debug, Clone, Default)]
pub(crate) struct OpTiming {
    pub calls: u64,
    in_flight: u64,
    pub max_in_flight: u64,
    /// Σ in-flight × time: the summed duration of all calls.
    pub busy_ns: u128,
    last: Option<Instant>,
}

impl OpTiming {
    fn advance(&mut self, now: Instant) {
        if let Some(last) = self.last {
            self.busy_ns += u128::from(self.in_flight) * now.duration_since(last).as_nanos();
        }
        self.last = Some(now);
    }

    pub(crate) fn started(&mut self, now: Instant) {
        self.advance(now);
        self.calls += 1;
        self.in_flight += 1;
        self.max_in_flight = self.max_in_flight.max(self.in_flight);
    }

    pub(crate) fn ended(&mut self, now: Instant) {
        self.advance(now);
        self.in_flight = self.in_flight.saturating_sub(1);
    }
}

/// Heap samples kept per plugin (at most one per 100 ms: two minutes).
pub(crate) const HEAP_HISTORY: usize = 1200;

pub(crate) type HeapHistory = VecDeque<(Instant, u64)>;
