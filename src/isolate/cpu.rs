//! CPU accounting and throttling for a plugin thread.
//!
//! Each plugin runs on its own thread, so the thread's CPU clock
//! (`CLOCK_THREAD_CPUTIME_ID`) is exactly the plugin's CPU time. The governor measures
//! the share of one core used over a sliding window; a plugin over its `resources.cpu`
//! share is throttled for a cooldown: after each piece of work it waits long enough that
//! its share falls to about half its limit.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

/// CPU figures of one plugin.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CpuStats {
    /// CPU time used by the plugin's thread so far (all isolates it has had).
    pub time: Duration,
    /// Share of one core, in percent, over the last window.
    pub share: f64,
    /// Whether the plugin is throttled now.
    pub throttled: bool,
    /// Time the plugin has spent throttled, in total.
    pub throttled_time: Duration,
    /// How often it has been throttled.
    pub throttle_count: u64,
}

/// The CPU time of the calling thread.
pub(crate) fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into a valid timespec we own.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// A clock another thread can read for this thread's CPU time, while this thread lives.
#[derive(Default)]
pub(crate) struct ThreadClock {
    #[cfg(target_os = "linux")]
    clock: Mutex<Option<libc::clockid_t>>,
    #[cfg(not(target_os = "linux"))]
    clock: Mutex<Option<()>>,
    /// CPU time of the plugin's earlier threads (each restart runs on a new thread).
    carried: Mutex<Duration>,
}

impl ThreadClock {
    /// Registers the calling thread's clock.
    pub(crate) fn attach(&self) {
        #[cfg(target_os = "linux")]
        {
            let mut id: libc::clockid_t = 0;
            // SAFETY: pthread_self is the calling thread; id is a valid out pointer.
            if unsafe { libc::pthread_getcpuclockid(libc::pthread_self(), &mut id) } == 0 {
                *self.clock.lock() = Some(id);
            }
        }
    }

    /// Unregisters it; must run on the thread before it exits. Its CPU time carries over
    /// to the next thread the plugin runs on.
    pub(crate) fn detach(&self) {
        if let Some(t) = self.read() {
            *self.carried.lock() = t;
        }
        *self.clock.lock() = None;
    }

    /// The thread's CPU time now, if it is still running.
    pub(crate) fn read(&self) -> Option<Duration> {
        #[cfg(target_os = "linux")]
        {
            // Holding the lock keeps the thread from detaching (and exiting) meanwhile.
            let guard = self.clock.lock();
            let id = (*guard)?;
            let mut ts = libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            };
            // SAFETY: the clock id belongs to a live thread (see above).
            if unsafe { libc::clock_gettime(id, &mut ts) } != 0 {
                return None;
            }
            Some(*self.carried.lock() + Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = self.clock.lock();
            None
        }
    }
}

/// Decides when a plugin is over its CPU share and how long its next work must wait.
#[derive(Clone)]
pub(crate) struct Governor {
    /// `resources.cpu`, percent of one core.
    limit: f64,
    window: Duration,
    cooldown: Duration,
    samples: VecDeque<(Instant, Duration)>,
    throttled_until: Option<Instant>,
    throttled_since: Option<Instant>,
    pub(crate) stats: CpuStats,
}

/// What the governor decided after a piece of work.
pub(crate) enum Verdict {
    Ok,
    /// Newly throttled: share over the limit.
    Throttled {
        share: f64,
    },
    /// The cooldown ended.
    Released,
}

impl Governor {
    pub(crate) fn new(limit: f64, window: Duration, cooldown: Duration) -> Self {
        let mut samples = VecDeque::new();
        samples.push_back((Instant::now(), thread_cpu_time()));
        Governor {
            limit,
            window,
            cooldown,
            samples,
            throttled_until: None,
            throttled_since: None,
            stats: CpuStats::default(),
        }
    }

    /// Records the CPU used by the piece of work that just ended (`work` of CPU time) and
    /// returns the verdict and how long the plugin must wait before its next work.
    pub(crate) fn account(&mut self, work: Duration) -> (Verdict, Duration) {
        let now = Instant::now();
        let cpu = thread_cpu_time();
        self.samples.push_back((now, cpu));
        while self.samples.len() > 2 && now.duration_since(self.samples[1].0) >= self.window {
            self.samples.pop_front();
        }
        let (t0, c0) = self.samples[0];
        let elapsed = now.duration_since(t0);
        let share = if elapsed.is_zero() {
            0.0
        } else {
            cpu.saturating_sub(c0).as_secs_f64() / elapsed.as_secs_f64() * 100.0
        };
        self.stats.time = cpu;
        // A share over a very short span (right after start) says little: report it once
        // the window spans long enough to judge, as throttling does.
        let judged = elapsed >= self.window.min(Duration::from_secs(1));
        self.stats.share = if judged { share } else { 0.0 };

        let mut verdict = Verdict::Ok;
        if let Some(until) = self.throttled_until {
            if now >= until {
                self.release(now);
                verdict = Verdict::Released;
            }
        } else if self.limit < 100.0
            && elapsed >= self.window.min(Duration::from_secs(1))
            && share > self.limit
        {
            self.throttled_until = Some(now + self.cooldown);
            self.throttled_since = Some(now);
            self.stats.throttled = true;
            self.stats.throttle_count += 1;
            verdict = Verdict::Throttled { share };
        }
        let delay = if self.stats.throttled {
            // Wait so that work / (work + wait) is half the limit.
            let target = (self.limit / 200.0).max(0.005);
            work.mul_f64(1.0 / target - 1.0)
        } else {
            Duration::ZERO
        };
        (verdict, delay)
    }

    fn release(&mut self, now: Instant) {
        if let Some(since) = self.throttled_since.take() {
            self.stats.throttled_time += now.duration_since(since);
        }
        self.throttled_until = None;
        self.stats.throttled = false;
    }

    /// Current figures, with the throttled time counted up to now.
    pub(crate) fn snapshot(&self) -> CpuStats {
        let mut s = self.stats;
        if let Some(since) = self.throttled_since {
            s.throttled_time += since.elapsed();
        }
        s
    }
}
