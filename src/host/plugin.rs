//! [`PluginHandle`]: the host's way to one loaded plugin. The plugin's isolate lives on its
//! own thread; the handle sends it commands over a channel and awaits the replies.

use std::fmt;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use crate::counters::Failed;
use crate::error::{Phase, PluginError};
use crate::ext::Inbox;
use crate::ext::events::bus::EventDelivery;
use crate::ext::log::buffer::LogEntry;
use crate::ext::scheduler::schedule::TaskRun;
use crate::host::runtime::RuntimeInner;
use crate::isolate::cpu::CpuStats;
use crate::isolate::shared::Shared;
use crate::isolate::watchdog::Interrupt;
use crate::manifest::Manifest;
use crate::state::{ExportInfo, HealthReport, HeapStats, HookPhase, PluginState};

pub(crate) use crate::isolate::command::Command;

/// The bus and the scheduler post to a plugin's thread through its command channel, held
/// weakly: a subscription or a task never keeps the thread alive.
impl Inbox for mpsc::WeakUnboundedSender<Command> {
    fn post_event(&self, event: EventDelivery) -> bool {
        self.upgrade()
            .is_some_and(|tx| tx.send(Command::Event(event)).is_ok())
    }

    fn post_task(&self, task: TaskRun) -> bool {
        self.upgrade()
            .is_some_and(|tx| tx.send(Command::RunTask(task)).is_ok())
    }
}

/// How long a caller looks for a quick call's reply before it parks, at most (`crate::wait`
/// decides whether it spins at all).
const CALLER_SPIN: Duration = Duration::from_micros(40);

/// A loaded plugin. Cheap to clone; every clone reaches the same plugin.
#[derive(Clone)]
pub struct PluginHandle {
    pub(crate) shared: Arc<Shared>,
    pub(crate) runtime: Weak<RuntimeInner>,
}

impl fmt::Debug for PluginHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PluginHandle")
            .field("id", &self.id())
            .field("state", &self.state())
            .finish()
    }
}

impl PluginHandle {
    /// The plugin's id from its manifest.
    pub fn id(&self) -> &str {
        &self.shared.manifest.id
    }

    /// The entry module's exports, in the module's order: what [`call`](Self::call) can
    /// name. Read once when the module was evaluated (no plugin code runs to list them).
    pub fn exports(&self) -> Vec<ExportInfo> {
        self.shared.exports.lock().clone()
    }

    /// The validated manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.shared.manifest
    }

    /// The plugin directory it was loaded from.
    pub fn dir(&self) -> &Path {
        &self.shared.dir
    }

    /// The current lifecycle state.
    pub fn state(&self) -> PluginState {
        *self.shared.state.lock()
    }

    /// Heap used, peak and limit, as of the plugin's last step.
    pub fn heap(&self) -> HeapStats {
        *self.shared.heap.lock()
    }

    /// CPU time used so far, the recent share of one core, and throttling.
    pub fn cpu(&self) -> CpuStats {
        let mut stats = *self.shared.cpu.lock();
        if let Some(now) = self.shared.clock.read() {
            stats.time = stats.time.max(now);
        }
        stats
    }

    /// The latest health report, if the plugin has been checked.
    pub fn health(&self) -> Option<HealthReport> {
        self.shared.health.lock().back().cloned()
    }

    /// Recent health reports, oldest first (at most 20).
    pub fn health_history(&self) -> Vec<HealthReport> {
        self.shared.health.lock().iter().cloned().collect()
    }

    /// How many times the plugin has been restarted in a fresh isolate.
    pub fn restarts(&self) -> u32 {
        self.shared.restarts.load(Ordering::Relaxed)
    }

    /// Asks the engine to collect garbage now; returns the heap afterwards.
    pub async fn collect_garbage(&self) -> Result<HeapStats, PluginError> {
        let (tx, rx) = oneshot::channel();
        if self
            .shared
            .tx
            .send(Command::CollectGarbage { reply: tx })
            .is_err()
        {
            return Err(self.gone());
        }
        let abandoned = self.shared.abandon_wake.notified();
        let mut abandoned = std::pin::pin!(abandoned);
        abandoned.as_mut().enable();
        if self.shared.is_abandoned() {
            return Err(self.unresponsive().unwrap_or_else(|| self.gone()));
        }
        tokio::select! {
            biased;
            r = rx => r.map_err(|_| self.gone()),
            _ = abandoned => Err(self.unresponsive().unwrap_or_else(|| self.gone())),
        }
    }

    /// Test mode only: the tests the entry module registered (`[{ name, skip, timeout }]`).
    pub(crate) async fn list_tests(&self) -> Result<serde_json::Value, PluginError> {
        self.request(Phase::TestList, |reply| Command::Test {
            index: -1,
            timeout: None,
            reply,
        })
        .await
    }

    /// Test mode only: runs test `index`; `{ status, message? }`.
    pub(crate) async fn run_test(
        &self,
        index: i32,
        timeout: Option<Duration>,
    ) -> Result<serde_json::Value, PluginError> {
        self.request(Phase::Test(format!("#{index}")), |reply| Command::Test {
            index,
            timeout,
            reply,
        })
        .await
    }

    /// The plugin's recent log lines (console and `qirvo.log`), oldest first.
    pub fn logs(&self) -> Vec<LogEntry> {
        self.shared.logs.recent()
    }

    /// Runs the plugin's `start()`: `initialized` → `starting` → `running`.
    ///
    /// # Errors
    /// [`PluginError::InvalidState`] unless the plugin is `initialized`; if `start` throws
    /// or times out the plugin goes to `error` and the error carries why.
    pub async fn start(&self) -> Result<(), PluginError> {
        self.hooks(HookPhase::PreStart).await?;
        self.request(Phase::Start, |reply| Command::Start { reply })
            .await
            .inspect_err(|_| self.shared.counters.error(Failed::Start))?;
        self.hooks(HookPhase::PostStart).await
    }

    /// Runs a phase's lifecycle hooks; a failing critical hook is the transition's error.
    async fn hooks(&self, phase: HookPhase) -> Result<(), PluginError> {
        let Some(rt) = self.runtime.upgrade() else {
            return Ok(());
        };
        rt.run_hooks(phase, &self.shared.manifest, self)
            .await
            .map_err(|f| f.into_plugin_error(self.id()))
    }

    /// Runs the plugin's `stop()` and then its cleanup tasks (newest first):
    /// `running` → `stopping` → `stopped`. A no-op when the plugin is not running.
    pub async fn stop(&self) -> Result<(), PluginError> {
        if self.state() != PluginState::Running {
            return Ok(());
        }
        self.hooks(HookPhase::PreStop).await?;
        self.request(Phase::Stop, |reply| Command::Stop { reply })
            .await
            .inspect_err(|_| self.shared.counters.error(Failed::Stop))?;
        self.hooks(HookPhase::PostStop).await
    }

    /// Calls the exported function `name` with JSON arguments and returns its JSON result,
    /// awaiting it if it returns a promise. The plugin's `resources.timeout` applies.
    ///
    /// # Errors
    /// [`PluginError::NoSuchExport`], [`PluginError::Exception`] when it throws,
    /// [`PluginError::Timeout`] past the deadline (the plugin stays usable),
    /// [`PluginError::MemoryLimitExceeded`] (the plugin goes to `error`),
    /// [`PluginError::BadReturnValue`] when the result is not JSON data.
    pub async fn call(
        &self,
        name: &str,
        args: Vec<serde_json::Value>,
    ) -> Result<serde_json::Value, PluginError> {
        self.call_inner(name, args, None).await
    }

    /// [`call`](Self::call) with its own deadline instead of `resources.timeout`.
    pub async fn call_with_timeout(
        &self,
        name: &str,
        args: Vec<serde_json::Value>,
        timeout: Duration,
    ) -> Result<serde_json::Value, PluginError> {
        self.call_inner(name, args, Some(timeout)).await
    }

    async fn call_inner(
        &self,
        name: &str,
        args: Vec<serde_json::Value>,
        timeout: Option<Duration>,
    ) -> Result<serde_json::Value, PluginError> {
        // HOSTAPI (issue 14): a host function calling back into the plugin it serves.
        if let Some(function) = crate::ext::host_api::registry::reentered(self.id()) {
            return Err(crate::ext::host_api::registry::reentry_error(
                self.id(),
                name,
                function,
            ));
        }
        let started = std::time::Instant::now();
        let (reply, mut rx) = oneshot::channel();
        let sent = if self.shared.is_abandoned() {
            Ok(())
        } else {
            self.shared.tx.send(Command::Call {
                name: name.to_string(),
                args,
                timeout,
                reply,
            })
        };
        let result = if let Some(e) = self.unresponsive() {
            Err(e)
        } else if sent.is_err() {
            Err(self.gone())
        } else {
            // While calls come back within a few thread wake-ups and the machine has a core
            // to spare, look for the reply briefly before parking (`crate::wait`).
            let poll = || match rx.try_recv() {
                Ok(r) => Some(r),
                Err(oneshot::error::TryRecvError::Empty) => None,
                Err(oneshot::error::TryRecvError::Closed) => Some(Err(self.gone())),
            };
            let early = crate::wait::spin_with(&self.shared.last_call_us, CALLER_SPIN, poll);
            match early {
                Some(r) => r,
                None => self.await_reply(rx, Phase::Call(name.to_string())).await,
            }
        };
        crate::wait::record_with(&self.shared.last_call_us, CALLER_SPIN, started.elapsed());
        let counters = &self.shared.counters;
        counters.calls.fetch_add(1, Ordering::Relaxed);
        if result.is_err() {
            counters.error(Failed::Call);
        }
        if let Some(rt) = self.runtime.upgrade() {
            rt.series.observe_call(self.id(), started.elapsed());
        }
        result
    }

    /// Runs the plugin's `healthCheck()` (true when it has none). A throw, a false result
    /// or a timeout all mean unhealthy.
    pub async fn health_check(&self) -> Result<bool, PluginError> {
        self.request(Phase::HealthCheck, |reply| Command::HealthCheck { reply })
            .await
    }

    /// Stops the plugin if it is running, disposes its isolate and removes it from the
    /// runtime. Its state becomes `unloaded`. Unloading twice is a no-op.
    pub async fn unload(&self) -> Result<(), PluginError> {
        if self.state() == PluginState::Unloaded {
            return Ok(());
        }
        // A critical pre-unload hook can refuse the unload: the plugin then stays loaded,
        // with everything it holds.
        self.hooks(HookPhase::PreUnload).await?;
        let was_running = self.state() == PluginState::Running;
        if was_running {
            self.hooks(HookPhase::PreStop).await?;
        }
        // With a debugger attached and nothing paused, `stop()` and the cleanup tasks run
        // with its breakpoints live, so they can be debugged (a pause suspends the step's
        // deadline: a person is looking at it). Otherwise, and once stopped, a debugger
        // cannot hold an unloading plugin: its breakpoints stop firing and a paused step
        // goes on.
        let debugged = self
            .shared
            .debug
            .as_ref()
            .is_some_and(|d| d.has_sessions() && !d.is_paused());
        let stopped = if debugged && was_running {
            self.request(Phase::Stop, |reply| Command::Stop { reply })
                .await
                .inspect_err(|_| self.shared.counters.error(Failed::Stop))
        } else {
            Ok(())
        };
        if let Some(debug) = &self.shared.debug {
            debug.disable();
        }
        let result = {
            match self
                .request(Phase::Stop, |reply| Command::Unload { reply })
                .await
            {
                // The thread is already gone (the plugin failed earlier), or abandoned
                // (never waited for): nothing to stop.
                // SECURITY (issue 17): a quarantined plugin's thread is gone too.
                Err(
                    PluginError::Gone { .. }
                    | PluginError::Unresponsive { .. }
                    | PluginError::Quarantined { phase: None, .. },
                ) => Ok(()),
                other => other,
            }
        };
        let result = stopped.and(result);
        self.shared.set_state(PluginState::Unloaded);
        if let Some(rt) = self.runtime.upgrade() {
            rt.remove(self.id(), &self.shared);
            rt.series.forget(self.id());
        }
        // The unload has happened: what it held goes back now (if its thread has not
        // already done so on its way out), before the post-unload hooks.
        self.shared.end();
        if was_running && result.is_ok() {
            self.hooks(HookPhase::PostStop).await?;
        }
        self.hooks(HookPhase::PostUnload).await?;
        result
    }

    /// Stops whatever the plugin is running right now (a call, a lifecycle step), from any
    /// thread. The interrupted step fails with [`PluginError::Terminated`]. Returns whether
    /// anything was running.
    pub fn terminate(&self) -> bool {
        let target = self.shared.target.lock().clone();
        // Through the watchdog, so the backstop also covers a step that ignores it.
        let rt = self.runtime.upgrade();
        let stopped = target.is_some_and(|t| match &rt {
            Some(rt) => rt.watchdog.interrupt(&t, Interrupt::Host),
            None => t.interrupt(Interrupt::Host, None),
        });
        // A step paused in a debugger is let go, so the termination takes effect.
        if let Some(debug) = &self.shared.debug {
            debug.release();
        }
        stopped
    }

    /// Starts sampling the plugin's CPU use (every `interval`, at least 100 µs; Chrome's
    /// default is 1 ms) until [`stop_profiling`](Self::stop_profiling).
    ///
    /// # Errors
    /// [`PluginError::Profiler`] when it is already profiling.
    pub async fn start_profiling(&self, interval: Duration) -> Result<(), PluginError> {
        let interval = interval.max(Duration::from_micros(100));
        self.request(Phase::Profiler, |reply| Command::Profile {
            start: Some(interval),
            reply,
        })
        .await
        .map(|_| ())
    }

    /// Stops the profiler and returns the profile (`.cpuprofile`, TS lines mapped).
    ///
    /// # Errors
    /// [`PluginError::Profiler`] when it was not profiling.
    pub async fn stop_profiling(&self) -> Result<crate::CpuProfile, PluginError> {
        let json = self
            .request(Phase::Profiler, |reply| Command::Profile {
                start: None,
                reply,
            })
            .await?;
        Ok(crate::CpuProfile::from_json(json.unwrap_or_default()))
    }

    /// Profiles the plugin for `duration` (1 ms samples).
    pub async fn profile_for(&self, duration: Duration) -> Result<crate::CpuProfile, PluginError> {
        self.start_profiling(Duration::from_millis(1)).await?;
        tokio::time::sleep(duration).await;
        self.stop_profiling().await
    }

    /// Optimisation opportunities, with the figures behind them: the hottest functions
    /// of `profile` (if given), where the plugin waits in its ops, and whether its heap
    /// keeps growing across collections.
    pub fn performance_report(
        &self,
        profile: Option<&crate::CpuProfile>,
    ) -> crate::PerformanceReport {
        let ops = self.shared.counters.op_time.lock().clone();
        let heap = self.shared.counters.heap_history.lock().clone();
        crate::isolate::profile::build_report(self.id(), profile, &ops, &heap)
    }

    /// Whether the plugin is paused in a debugger now.
    pub fn is_paused_in_debugger(&self) -> bool {
        self.shared.debug.as_ref().is_some_and(|d| d.is_paused())
    }

    pub(crate) async fn debug_request(
        &self,
        request: serde_json::Value,
    ) -> Result<serde_json::Value, PluginError> {
        self.request(Phase::Debugger, |reply| Command::Debug { request, reply })
            .await
    }

    /// Sends a command and awaits its reply. `phase` is the step the command runs (its
    /// caller gets `Timeout` if that step is the one the backstop gave up on).
    async fn request<T>(
        &self,
        phase: Phase,
        make: impl FnOnce(oneshot::Sender<Result<T, PluginError>>) -> Command,
    ) -> Result<T, PluginError> {
        if let Some(e) = self.unresponsive() {
            return Err(e);
        }
        let (tx, rx) = oneshot::channel();
        if self.shared.tx.send(make(tx)).is_err() {
            return Err(self.gone());
        }
        self.await_reply(rx, phase).await
    }

    /// Awaits a reply from the plugin thread, or the backstop giving up on that thread,
    /// whichever comes first: a plugin the engine cannot stop never holds its caller past
    /// its deadline plus the grace. The caller whose step was the one stuck gets
    /// `Timeout` (`Terminated` if the host had terminated it); others waiting behind it
    /// get `Unresponsive`.
    async fn await_reply<T>(
        &self,
        rx: oneshot::Receiver<Result<T, PluginError>>,
        phase: Phase,
    ) -> Result<T, PluginError> {
        let abandoned = self.shared.abandon_wake.notified();
        let mut abandoned = std::pin::pin!(abandoned);
        abandoned.as_mut().enable();
        if !self.shared.is_abandoned() {
            tokio::select! {
                biased;
                r = rx => return r.unwrap_or_else(|_| Err(self.gone())),
                _ = abandoned => {}
            }
        }
        match self.shared.abandoned.get() {
            Some(a) if a.phase.as_ref() == Some(&phase) && a.why == Some(Interrupt::Host) => {
                Err(PluginError::Terminated {
                    id: self.id().to_string(),
                    phase,
                })
            }
            Some(a) if a.phase.as_ref() == Some(&phase) => Err(PluginError::Timeout {
                id: self.id().to_string(),
                phase,
                limit: a.limit,
            }),
            _ => Err(self.unresponsive().unwrap_or_else(|| self.gone())),
        }
    }

    /// Why the plugin is unresponsive, if the backstop gave up on its thread: a step did
    /// not stop within its deadline plus the grace. Such a plugin is in `error`; unload it.
    pub fn unresponsive(&self) -> Option<PluginError> {
        self.shared
            .abandoned
            .get()
            .map(|a| PluginError::Unresponsive {
                id: self.id().to_string(),
                phase: a.phase.clone(),
                limit: a.limit,
                grace: a.grace,
            })
    }

    fn gone(&self) -> PluginError {
        // SECURITY (issue 17): a quarantined plugin's requests say so, with the reason.
        if self.state() == PluginState::Error
            && let Some(reason) = self
                .runtime
                .upgrade()
                .and_then(|rt| rt.security.quarantined(self.id()))
        {
            return PluginError::Quarantined {
                id: self.id().to_string(),
                phase: None,
                reason,
            };
        }
        PluginError::Gone {
            id: self.id().to_string(),
            state: self.state(),
        }
    }
}

/// Typed calls: the counterpart of the host functions' serde types.
impl PluginHandle {
    /// [`call`](Self::call) with serde types in and out. `args` is a tuple for several
    /// arguments (`(1, "a")`), `()` for none, a `Vec` for a list of arguments; anything
    /// else is the one argument. The result is deserialized into `R`.
    ///
    /// # Errors
    /// As [`call`](Self::call); [`PluginError::BadArgument`] when `args` is not JSON data,
    /// [`PluginError::BadReturnValue`] when the result is not an `R`.
    pub async fn call_typed<R: serde::de::DeserializeOwned>(
        &self,
        name: &str,
        args: impl serde::Serialize,
    ) -> Result<R, PluginError> {
        let args = match serde_json::to_value(args) {
            Ok(serde_json::Value::Array(a)) => a,
            Ok(serde_json::Value::Null) => Vec::new(),
            Ok(v) => vec![v],
            Err(e) => {
                return Err(PluginError::BadArgument {
                    id: self.id().to_string(),
                    name: name.to_string(),
                    index: 0,
                    reason: e.to_string(),
                });
            }
        };
        let v = self.call(name, args).await?;
        serde_json::from_value(v).map_err(|e| PluginError::BadReturnValue {
            id: self.id().to_string(),
            name: name.to_string(),
            reason: format!("not a {}: {e}", std::any::type_name::<R>()),
        })
    }
}
