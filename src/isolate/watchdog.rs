//! One watchdog thread for the whole runtime.
//!
//! A plugin step (module evaluation, a lifecycle step, a call, a turn of its event loop)
//! arms the watchdog with a deadline and gets an [`Armed`] guard back. If the deadline
//! passes while the guard is live, the watchdog terminates the isolate's JS execution
//! (which stops even `for(;;){}`) and wakes the plugin thread (which ends a step that is
//! only waiting). The guard records why the step was stopped; dropping it disarms.
//!
//! The backstop: an interrupt the engine does not act on (a native that never polls, a
//! thread blocked in Rust) must not hold the host. When the watchdog interrupts a step it
//! also schedules a check at [`grace`] later; if that step is still running then, the
//! plugin is *abandoned*: its `on_abandon` callback marks it unresponsive (state `error`),
//! wakes everyone waiting on it, and its thread is never waited for again.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use deno_core::v8;
use parking_lot::{Condvar, Mutex};
use tokio::sync::Notify;

use crate::error::Phase;

/// How long past an interrupt a step may take to stop before its plugin is abandoned:
/// a quarter of the step's deadline, at least 1 s and at most 30 s. A `limit` of 800 ms
/// gives 1 s; 10 s gives 2.5 s.
pub(crate) fn grace(limit: Duration) -> Duration {
    (limit / 4).clamp(Duration::from_secs(1), Duration::from_secs(30))
}

/// What the backstop hands a target's `on_abandon` callback: the step that never stopped.
#[derive(Debug, Clone)]
pub(crate) struct Abandon {
    /// What the plugin was doing (`None`: a turn of its event loop, i.e. timers or
    /// other background work).
    pub phase: Option<Phase>,
    /// The step's deadline.
    pub limit: Duration,
    /// How long past the interrupt it was given.
    pub grace: Duration,
    /// The interrupt it did not stop for (its deadline, or the host).
    pub why: Option<Interrupt>,
}

type OnAbandon = Box<dyn FnOnce(Abandon) + Send>;

/// Why a plugin's running step was stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Interrupt {
    /// Its deadline passed.
    Deadline,
    /// Its heap reached the limit.
    Memory,
    /// The host asked (`PluginHandle::terminate`).
    Host,
}

/// A plugin isolate the watchdog (or the host) can interrupt from any thread.
pub(crate) struct Target {
    handle: v8::IsolateHandle,
    state: Mutex<TargetState>,
    /// Wakes the plugin thread when a step is interrupted while it waits.
    wake: Notify,
    /// Called once, on the watchdog thread, if a step outlives its interrupt by the grace.
    on_abandon: Mutex<Option<OnAbandon>>,
}

#[derive(Default)]
struct TargetState {
    /// The token of the step running now, if any.
    active: Option<u64>,
    /// Its deadline, while armed (not while suspended).
    deadline: Option<Instant>,
    /// While the step is paused in a debugger: the time it had left.
    suspended: Option<Duration>,
    /// Why that step was interrupted.
    interrupt: Option<Interrupt>,
    /// The running step's phase and deadline (for the backstop's report).
    phase: Option<Phase>,
    limit: Duration,
}

impl Target {
    pub(crate) fn new(handle: v8::IsolateHandle) -> Arc<Target> {
        Arc::new(Target {
            handle,
            state: Mutex::new(TargetState::default()),
            wake: Notify::new(),
            on_abandon: Mutex::new(None),
        })
    }

    /// HOSTAPI (issue 14): the running step's deadline, while armed (host calls run inside it).
    pub(crate) fn deadline(&self) -> Option<Instant> {
        self.state.lock().deadline
    }

    /// Sets what happens when the backstop gives up on this isolate's thread (once).
    pub(crate) fn set_on_abandon(&self, f: impl FnOnce(Abandon) + Send + 'static) {
        *self.on_abandon.lock() = Some(Box::new(f));
    }

    /// The token and deadline of the running step, if one is running and not paused.
    fn running(&self) -> Option<(u64, Duration)> {
        let st = self.state.lock();
        match (st.active, st.suspended) {
            (Some(token), None) => Some((token, st.limit)),
            _ => None,
        }
    }

    /// The backstop's check: the step `token` was interrupted a grace ago; if it is still
    /// running (and not paused in a debugger), give up on the thread. Returns whether it
    /// did.
    fn abandon_if_stuck(&self, token: u64, grace: Duration) -> bool {
        let report = {
            let st = self.state.lock();
            if st.active != Some(token) || st.suspended.is_some() {
                return false;
            }
            Abandon {
                phase: st.phase.clone(),
                limit: st.limit,
                grace,
                why: st.interrupt,
            }
        };
        let Some(f) = self.on_abandon.lock().take() else {
            return false;
        };
        f(report);
        true
    }

    /// Interrupts the running step for `why`, if a step is running and was not already
    /// interrupted. Returns whether it did.
    pub(crate) fn interrupt(&self, why: Interrupt, token: Option<u64>) -> bool {
        let mut st = self.state.lock();
        let Some(active) = st.active else {
            return false;
        };
        if token.is_some_and(|t| t != active) || st.interrupt.is_some() {
            return false;
        }
        st.interrupt = Some(why);
        self.handle.terminate_execution();
        self.wake.notify_waiters();
        true
    }

    /// Records an interrupt raised on the plugin's own thread (the heap-limit callback),
    /// whether or not a step is armed, and terminates execution.
    pub(crate) fn interrupt_here(&self, why: Interrupt) {
        let mut st = self.state.lock();
        if st.interrupt.is_none() {
            st.interrupt = Some(why);
        }
        self.handle.terminate_execution();
        self.wake.notify_waiters();
    }

    /// A future that completes when the running step is interrupted. Create it before the
    /// step starts so no wake-up is missed.
    pub(crate) fn interrupted(&self) -> tokio::sync::futures::Notified<'_> {
        self.wake.notified()
    }
}

/// The deadlines of the steps running now, shared by the plugin threads and the
/// watchdog thread. Arming and disarming take the lock briefly; the watchdog thread is
/// only woken when a new deadline is earlier than the one it sleeps until.
struct Deadlines {
    state: Mutex<DeadlineState>,
    wake: Condvar,
}

#[derive(Default)]
struct DeadlineState {
    armed: BTreeMap<(Instant, u64), Arc<Target>>,
    /// Backstop checks: (when, step token) of interrupted steps, with their grace.
    backstops: BTreeMap<(Instant, u64), (Arc<Target>, Duration)>,
    /// When the watchdog thread will next look, if it is sleeping with a timeout.
    sleeping_until: Option<Instant>,
    shutdown: bool,
}

/// The runtime's watchdog thread. Stops when dropped.
pub(crate) struct Watchdog {
    deadlines: Arc<Deadlines>,
    next: AtomicU64,
}

impl Watchdog {
    pub(crate) fn spawn() -> std::io::Result<Watchdog> {
        let deadlines = Arc::new(Deadlines {
            state: Mutex::new(DeadlineState::default()),
            wake: Condvar::new(),
        });
        let d = deadlines.clone();
        std::thread::Builder::new()
            .name("qirvo-watchdog".into())
            .spawn(move || run(&d))?;
        Ok(Watchdog {
            deadlines,
            next: AtomicU64::new(1),
        })
    }

    /// Arms a deadline for a step of `target`. The returned guard must be
    /// [`finish`](Armed::finish)ed (or dropped) when the step ends.
    pub(crate) fn arm(
        &self,
        target: &Arc<Target>,
        timeout: Duration,
        phase: Option<&Phase>,
    ) -> Armed {
        let token = self.next.fetch_add(1, Ordering::Relaxed);
        let deadline = Instant::now()
            .checked_add(timeout)
            .unwrap_or_else(far_future);
        {
            let mut st = target.state.lock();
            st.active = Some(token);
            st.deadline = Some(deadline);
            st.suspended = None;
            st.interrupt = None;
            st.limit = timeout;
            if st.phase.as_ref() != phase {
                st.phase = phase.cloned();
            }
        }
        let mut st = self.deadlines.state.lock();
        st.armed.insert((deadline, token), target.clone());
        if st.sleeping_until.is_none_or(|w| deadline < w) {
            self.deadlines.wake.notify_one();
        }
        drop(st);
        Armed {
            token,
            target: target.clone(),
            deadlines: self.deadlines.clone(),
            done: false,
        }
    }

    /// Stops the clock of `target`'s running step (it is paused in a debugger): its
    /// deadline cannot pass until [`resume`](Self::resume).
    pub(crate) fn suspend(&self, target: &Arc<Target>) {
        let mut d = self.deadlines.state.lock();
        let mut st = target.state.lock();
        if let (Some(token), Some(deadline)) = (st.active, st.deadline.take()) {
            d.armed.remove(&(deadline, token));
            st.suspended = Some(deadline.saturating_duration_since(Instant::now()));
        }
    }

    /// Starts the clock of a suspended step again with the time it had left.
    pub(crate) fn resume(&self, target: &Arc<Target>) {
        let mut d = self.deadlines.state.lock();
        let mut st = target.state.lock();
        if let (Some(token), Some(left)) = (st.active, st.suspended.take()) {
            let deadline = Instant::now().checked_add(left).unwrap_or_else(far_future);
            st.deadline = Some(deadline);
            d.armed.insert((deadline, token), target.clone());
            if d.sleeping_until.is_none_or(|w| deadline < w) {
                self.deadlines.wake.notify_one();
            }
        }
    }
}

impl Watchdog {
    /// Interrupts `target`'s running step for the host and schedules the backstop for it.
    /// Returns whether a step was running.
    pub(crate) fn interrupt(&self, target: &Arc<Target>, why: Interrupt) -> bool {
        let running = target.running();
        if !target.interrupt(why, None) {
            return false;
        }
        if let Some((token, limit)) = running {
            let mut st = self.deadlines.state.lock();
            schedule_backstop(&mut st, target, token, limit);
            self.deadlines.wake.notify_one();
        }
        true
    }
}

fn schedule_backstop(st: &mut DeadlineState, target: &Arc<Target>, token: u64, limit: Duration) {
    let grace = grace(limit);
    let when = Instant::now().checked_add(grace).unwrap_or_else(far_future);
    st.backstops.insert((when, token), (target.clone(), grace));
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.deadlines.state.lock().shutdown = true;
        self.deadlines.wake.notify_one();
    }
}

fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(86400 * 365)
}

/// A live deadline. Finishing it (or dropping it) disarms the watchdog.
pub(crate) struct Armed {
    token: u64,
    target: Arc<Target>,
    deadlines: Arc<Deadlines>,
    done: bool,
}

impl Armed {
    /// Ends the step: disarms, and returns why it was interrupted, if it was. When it
    /// was, the caller must cancel the isolate's pending termination.
    pub(crate) fn finish(mut self) -> Option<Interrupt> {
        self.done = true;
        self.disarm()
    }

    fn disarm(&mut self) -> Option<Interrupt> {
        let mut d = self.deadlines.state.lock();
        let mut st = self.target.state.lock();
        if st.active == Some(self.token) {
            if let Some(deadline) = st.deadline.take() {
                d.armed.remove(&(deadline, self.token));
            }
            st.active = None;
            st.suspended = None;
        }
        st.interrupt.take()
    }
}

impl Drop for Armed {
    fn drop(&mut self) {
        if !self.done {
            self.disarm();
        }
    }
}

fn run(deadlines: &Deadlines) {
    let mut st = deadlines.state.lock();
    loop {
        if st.shutdown {
            return;
        }
        // Fire every deadline that has passed.
        let now = Instant::now();
        while let Some(entry) = st.armed.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let ((_, token), target) = entry.remove_entry();
            let limit = target.state.lock().limit;
            if target.interrupt(Interrupt::Deadline, Some(token)) {
                schedule_backstop(&mut st, &target, token, limit);
            }
        }
        // Give up on steps that outlived their interrupt by the grace. The callback runs
        // without the deadlines lock: it only touches the plugin's shared state.
        let now = Instant::now();
        let mut due = Vec::new();
        while let Some(entry) = st.backstops.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let ((_, token), (target, grace)) = entry.remove_entry();
            due.push((target, token, grace));
        }
        if !due.is_empty() {
            parking_lot::MutexGuard::unlocked(&mut st, || {
                for (target, token, grace) in due {
                    target.abandon_if_stuck(token, grace);
                }
            });
            continue;
        }
        let next_deadline = st.armed.keys().next().map(|(d, _)| *d);
        let next_backstop = st.backstops.keys().next().map(|(d, _)| *d);
        let next = match (next_deadline, next_backstop) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        match next {
            Some(next) => {
                st.sleeping_until = Some(next);
                deadlines.wake.wait_until(&mut st, next);
            }
            None => {
                st.sleeping_until = None;
                deadlines.wake.wait(&mut st);
            }
        }
    }
}
