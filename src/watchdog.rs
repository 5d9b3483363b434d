//! One watchdog thread for the whole runtime.
//!
//! A plugin step (module evaluation, a lifecycle step, a call, a turn of its event loop)
//! arms the watchdog with a deadline and gets an [`Armed`] guard back. If the deadline
//! passes while the guard is live, the watchdog terminates the isolate's JS execution
//! (which stops even `for(;;){}`) and wakes the plugin thread (which ends a step that is
//! only waiting). The guard records why the step was stopped; dropping it disarms.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use deno_core::v8;
use parking_lot::{Condvar, Mutex};
use tokio::sync::Notify;

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
}

impl Target {
    pub(crate) fn new(handle: v8::IsolateHandle) -> Arc<Target> {
        Arc::new(Target {
            handle,
            state: Mutex::new(TargetState::default()),
            wake: Notify::new(),
        })
    }

    /// HOSTAPI (issue 14): the running step's deadline, while armed (host calls run inside it).
    pub(crate) fn deadline(&self) -> Option<Instant> {
        self.state.lock().deadline
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
    pub(crate) fn arm(&self, target: &Arc<Target>, timeout: Duration) -> Armed {
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
            target.interrupt(Interrupt::Deadline, Some(token));
        }
        match st.armed.keys().next().map(|(d, _)| *d) {
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
