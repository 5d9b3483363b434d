//! What a plugin's handle (`host/plugin.rs`) and its thread (`worker.rs`) share: the
//! plugin's manifest, state, logs, figures and current isolate, the backstop's verdict
//! ([`Shared::abandon`]), and [`Shared::end`], the one cleanup path that gives back what
//! the plugin held of its runtime when it has ended.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};

use parking_lot::Mutex;
use tokio::sync::mpsc;

use crate::ext::events::bus::Bus;
use crate::ext::log::buffer::LogBuffer;
use crate::ext::scheduler::schedule::Scheduler;
use crate::isolate::command::Command;
use crate::isolate::cpu::{CpuStats, ThreadClock};
use crate::isolate::watchdog::Target;
use crate::manifest::Manifest;
use crate::state::{ExportInfo, HealthReport, HeapStats, PluginState};

/// What the handle and the plugin thread share.
pub(crate) struct Shared {
    pub manifest: Arc<Manifest>,
    pub dir: PathBuf,
    pub state: Mutex<PluginState>,
    pub logs: Arc<LogBuffer>,
    pub heap: Mutex<HeapStats>,
    /// The current isolate, while there is one.
    pub target: Mutex<Option<Arc<Target>>>,
    pub tx: mpsc::UnboundedSender<Command>,
    /// The plugin thread's CPU clock.
    pub clock: ThreadClock,
    pub cpu: Mutex<CpuStats>,
    /// Restarts in fresh isolates so far.
    pub restarts: AtomicU32,
    /// Recent health reports, oldest first (kept and capped by the host's health checks).
    pub health: Mutex<VecDeque<HealthReport>>,
    pub counters: Arc<crate::counters::PluginCounters>,
    /// Loaded by the test runner: `qirvo.test` and friends are installed.
    pub test_mode: bool,
    /// Debugging state, when the runtime loads plugins for debugging.
    pub debug: Option<Arc<crate::debug::pause::DebugShared>>,
    /// The caller's spin budget for a call's reply, in ns (`crate::wait::spin_with`; starts
    /// at `u64::MAX`, the most).
    pub last_call_us: std::sync::atomic::AtomicU64,
    /// Set once when the backstop gives up on the plugin's thread (see `abandon`).
    pub abandoned: OnceLock<crate::isolate::watchdog::Abandon>,
    /// Wakes every request waiting on the plugin when it is abandoned.
    pub abandon_wake: tokio::sync::Notify,
    /// The entry module's exports, read once it has been evaluated.
    pub exports: Mutex<Vec<ExportInfo>>,
    /// Loaded by `PluginRuntime::check`: evaluated, never initialized.
    pub evaluate_only: bool,
    /// What the plugin holds of its runtime, given back once by [`Shared::end`].
    pub holdings: Holdings,
    /// Set by [`Shared::end`].
    pub ended: std::sync::atomic::AtomicBool,
}

/// What a loaded plugin holds of its runtime: its event subscriptions, its scheduled tasks
/// and its allocation from the budgets. [`Shared::end`] gives them back.
pub(crate) struct Holdings {
    pub bus: Arc<Bus>,
    pub scheduler: Scheduler,
    /// Where the plugin's allocation goes back (the host's resource manager).
    pub resources: Arc<dyn Allocations>,
}

/// The runtime's record of what each loaded plugin was allocated from its budgets,
/// implemented by the host's resource manager. The plugin's thread never allocates;
/// [`Shared::end`] only gives a plugin's allocation back.
pub(crate) trait Allocations: Send + Sync {
    /// Gives `plugin`'s allocation back; a no-op when it holds none.
    fn release(&self, plugin: &str);
}

impl Shared {
    pub(crate) fn set_state(&self, state: PluginState) {
        let mut s = self.state.lock();
        // An abandoned plugin stays in `error` (its late thread cannot move it) until the
        // host unloads it.
        if self.abandoned.get().is_some() && state != PluginState::Unloaded {
            return;
        }
        if *s != state {
            tracing::debug!(target: "qirvo::lifecycle", plugin = %self.manifest.id, from = %*s, to = %state, "state change");
            *s = state;
        }
    }
}

impl Shared {
    /// The backstop gave up on the plugin's thread: it is `error`, every waiter is woken
    /// with an error, and nothing waits for the thread again. Runs on the watchdog thread,
    /// so it only touches this shared state. Returns false if it was already abandoned.
    /// `count` (the runtime's abandoned-thread counter) goes up before anyone is woken.
    pub(crate) fn abandon(
        &self,
        report: crate::isolate::watchdog::Abandon,
        count: &std::sync::atomic::AtomicU64,
    ) -> bool {
        let what = report
            .phase
            .as_ref()
            .map(|p| p.to_string())
            .unwrap_or_else(|| "background work".into());
        if self.abandoned.set(report.clone()).is_err() {
            return false;
        }
        {
            let mut s = self.state.lock();
            if *s != PluginState::Unloaded {
                *s = PluginState::Error;
            }
        }
        self.counters.error(crate::counters::Failed::Unresponsive);
        count.fetch_add(1, Ordering::Relaxed);
        tracing::error!(target: "qirvo::lifecycle", plugin = %self.manifest.id, step = %what, limit = ?report.limit, grace = ?report.grace, "unresponsive: its thread did not stop after its deadline; abandoned");
        self.logs.push(
            crate::ext::log::buffer::LogLevel::Error,
            &format!(
                "unresponsive: {what} did not stop within {} after its {} deadline; the plugin's thread was abandoned",
                crate::error::fmt_duration(report.grace),
                crate::error::fmt_duration(report.limit)
            ),
        );
        self.abandon_wake.notify_waiters();
        // Nothing waits for the thread again: the plugin has ended.
        self.end();
        true
    }

    pub(crate) fn is_abandoned(&self) -> bool {
        self.abandoned.get().is_some()
    }

    /// The one cleanup path, run when the plugin has ended: unloaded (after its isolate
    /// has gone, never before a hook that can refuse the unload), failed for good, unable
    /// to continue a restart, stopped because its runtime was dropped, or abandoned by
    /// the backstop. Its event subscriptions and scheduled tasks go and its allocation
    /// returns to the runtime's budgets. Runs once per load (a later load of the same id
    /// has its own); returns whether this call did it.
    pub(crate) fn end(&self) -> bool {
        if self.ended.swap(true, Ordering::AcqRel) {
            return false;
        }
        let id = &self.manifest.id;
        self.holdings.bus.remove(id);
        self.holdings.scheduler.remove_plugin(id);
        self.holdings.resources.release(id);
        tracing::debug!(target: "qirvo::lifecycle", plugin = %id, "ended: subscriptions, tasks and allocation given back");
        true
    }
}
