//! Waiting for another thread's answer: spin while it pays, park when it does not (issue 20).
//!
//! A call crosses threads twice (host task → plugin thread → host task), and a plugin awaiting
//! an async host function crosses twice more. Parking a thread and waking it costs a few
//! microseconds of system calls and scheduling on each side; looking for the answer in a loop
//! for a moment first saves that when the answer comes quickly. But a spinning thread holds a
//! core: when the machine has more runnable threads than cores, it holds the core the other
//! side needs to produce the answer, and the wait it meant to shorten becomes a time slice.
//! Measured on 2 cores with one busy thread per core, in a call's shape without Qirvo around it
//! (`tools/bench/wait_pingpong`: a tokio task and a thread with a current-thread runtime):
//! spinning round trips took ~50 µs p50 and 2–4 ms p99, parking ones 6–11 µs p50 and 10–55 µs
//! p99; yielding in the loop instead of spinning gave the core to a busy thread for a whole
//! slice (p99 4–16 ms), so the loop never yields: it spins or it parks.
//!
//! [`Adaptive`] is one waiting site's strategy, all in one place:
//! - **Only when a core is spare.** It spins only while the machine is not oversubscribed:
//!   the kernel's count of runnable threads (`/proc/loadavg`, sampled at most every
//!   [`SAMPLE_EVERY`] by whichever thread waits next) is at most the cores this process may
//!   use, and no recent spin was itself preempted (a gap of more than [`PREEMPTED`] between two
//!   looks means the spinner lost its core; spinning then stops everywhere for
//!   [`PREEMPTED_BACKOFF`]). Otherwise it parks at once.
//! - **Only as long as recent answers took.** The site's spin budget follows its recent waits:
//!   an answer that came within the site's maximum sets the budget to twice what it took
//!   (capped at the maximum); a slower one halves it, and below [`MIN_BUDGET`] it is zero, so a
//!   site whose answers keep coming late parks at once, and one fast answer (found after
//!   parking) turns spinning back on.
//!
//! The sites: the caller waiting for a call's reply (`host::plugin`), the plugin thread waiting
//! for its next command (`isolate::worker`), and the plugin thread waiting for an async host
//! function's reply (`ext::host_api`). Bottom layer: it imports nothing of the crate.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How often the runnable-thread count is read, at most.
pub const SAMPLE_EVERY: Duration = Duration::from_millis(20);
/// A gap this long between two looks of a spin means the spinner was preempted.
pub const PREEMPTED: Duration = Duration::from_micros(30);
/// How long every site parks at once after a spin was preempted.
pub const PREEMPTED_BACKOFF: Duration = Duration::from_millis(100);
/// A budget below this is zero: the site parks at once.
pub const MIN_BUDGET: Duration = Duration::from_micros(2);

/// How every site waits. [`Mode::Adaptive`] unless a benchmark forces another with [`force`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Spin only while it pays (the default; see the module docs).
    Adaptive,
    /// Always spin up to the site's maximum while the previous answer came within it, whatever
    /// the machine's load (the strategy before issue 20, kept for side-by-side benchmarks).
    Spin,
    /// Never spin: park at once.
    Park,
}

static MODE: AtomicU8 = AtomicU8::new(0);

/// Sets how every site in the process waits. For benchmarks comparing the strategies in one
/// run; hosts have no reason to call it.
pub fn force(mode: Mode) {
    MODE.store(
        match mode {
            Mode::Adaptive => 0,
            Mode::Spin => 1,
            Mode::Park => 2,
        },
        Ordering::Relaxed,
    );
}

/// The mode [`force`] set last ([`Mode::Adaptive`] if never).
pub fn mode() -> Mode {
    match MODE.load(Ordering::Relaxed) {
        1 => Mode::Spin,
        2 => Mode::Park,
        _ => Mode::Adaptive,
    }
}

/// One waiting site's spin budget. Shared by the threads that wait at the site; its updates
/// are relaxed (a lost update only costs one wait a slightly different budget).
#[derive(Debug)]
pub struct Adaptive {
    budget_ns: AtomicU64,
    max: Duration,
}

impl Adaptive {
    /// A site that spins for at most `max`, starting at `max`.
    pub const fn new(max: Duration) -> Self {
        Self {
            budget_ns: AtomicU64::new(u64::MAX),
            max,
        }
    }

    /// A site that starts parked (budget zero) until a wait comes within `max`.
    pub const fn parked(max: Duration) -> Self {
        Self {
            budget_ns: AtomicU64::new(0),
            max,
        }
    }

    /// How long the next wait would spin before parking, on an idle machine.
    pub fn budget(&self) -> Duration {
        budget(&self.budget_ns, self.max)
    }

    /// Looks for the answer (`poll` returning `Some`) for up to the site's budget, if spinning
    /// pays now; `None` means park on the channel. `poll` is called at least once.
    pub fn spin<T>(&self, poll: impl FnMut() -> Option<T>) -> Option<T> {
        spin_with(&self.budget_ns, self.max, poll)
    }

    /// Records how long a whole wait took (spun or parked), which sets the next budget.
    pub fn record(&self, waited: Duration) {
        record_with(&self.budget_ns, self.max, waited);
    }
}

/// The budget a site's atomic holds (nanoseconds; anything over `max` is `max`).
fn budget(budget_ns: &AtomicU64, max: Duration) -> Duration {
    Duration::from_nanos(budget_ns.load(Ordering::Relaxed)).min(max)
}

/// [`Adaptive::spin`] for a site whose budget is an atomic held elsewhere (nanoseconds;
/// `u64::MAX` or anything over `max` means `max`, 0 means park at once).
pub fn spin_with<T>(
    budget_ns: &AtomicU64,
    max: Duration,
    mut poll: impl FnMut() -> Option<T>,
) -> Option<T> {
    if let Some(answer) = poll() {
        return Some(answer);
    }
    let current = budget(budget_ns, max);
    let budget = match mode() {
        Mode::Park => return None,
        Mode::Spin if current.is_zero() => return None,
        Mode::Spin => max,
        Mode::Adaptive if oversubscribed() => return None,
        Mode::Adaptive => current,
    };
    if budget.is_zero() {
        return None;
    }
    let start = Instant::now();
    let mut last = start;
    loop {
        for _ in 0..16 {
            std::hint::spin_loop();
        }
        if let Some(answer) = poll() {
            return Some(answer);
        }
        let now = Instant::now();
        if now.duration_since(last) > PREEMPTED && mode() == Mode::Adaptive {
            // This thread lost its core while spinning: the machine has no core to spare.
            LOAD.preempted(now);
            return None;
        }
        if now.duration_since(start) >= budget {
            return None;
        }
        last = now;
    }
}

/// [`Adaptive::record`] for a site whose budget is an atomic held elsewhere.
pub fn record_with(budget_ns: &AtomicU64, max: Duration, waited: Duration) {
    let max = u64::try_from(max.as_nanos()).unwrap_or(u64::MAX);
    let min = MIN_BUDGET.as_nanos() as u64;
    let waited = u64::try_from(waited.as_nanos()).unwrap_or(u64::MAX);
    let current = budget_ns.load(Ordering::Relaxed).min(max);
    let next = if waited <= max {
        // A longer spin would have caught it (or did): spin about twice that next time.
        waited.saturating_mul(2).clamp(min.min(max), max)
    } else {
        current / 2
    };
    budget_ns.store(if next < min { 0 } else { next }, Ordering::Relaxed);
}

/// Whether the machine has more runnable threads than this process has cores, or a spin was
/// preempted within [`PREEMPTED_BACKOFF`].
pub fn oversubscribed() -> bool {
    LOAD.oversubscribed(Instant::now())
}

/// The machine's load as the sites see it.
struct Load {
    /// When the runnable count was last read, in µs since [`epoch`] (+1, so 0 is never).
    sampled_us: AtomicU64,
    /// Until when (µs since [`epoch`]) the machine counts as oversubscribed.
    busy_until_us: AtomicU64,
}

static LOAD: Load = Load {
    sampled_us: AtomicU64::new(0),
    busy_until_us: AtomicU64::new(0),
};

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn micros_since_epoch(now: Instant) -> u64 {
    u64::try_from(now.saturating_duration_since(epoch()).as_micros()).unwrap_or(u64::MAX)
}

/// The cores this process may use (cgroup quotas and affinity included), read once.
fn cores() -> u32 {
    static CORES: OnceLock<u32> = OnceLock::new();
    *CORES.get_or_init(|| {
        std::thread::available_parallelism()
            .map_or(1, |n| u32::try_from(n.get()).unwrap_or(u32::MAX))
    })
}

impl Load {
    fn oversubscribed(&self, now: Instant) -> bool {
        let now_us = micros_since_epoch(now).saturating_add(1);
        let sampled = self.sampled_us.load(Ordering::Relaxed);
        let every = SAMPLE_EVERY.as_micros() as u64;
        if (sampled == 0 || now_us.saturating_sub(sampled) >= every)
            && self
                .sampled_us
                .compare_exchange(sampled, now_us, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            // This thread won the sample: read the runnable count (until the next sample,
            // the machine counts as oversubscribed when it was over the cores).
            if let Some(running) = std::fs::read_to_string("/proc/loadavg")
                .ok()
                .as_deref()
                .and_then(runnable)
                && running > cores()
            {
                self.busy_until(now_us.saturating_add(every));
            }
        }
        self.busy_until_us.load(Ordering::Relaxed) > now_us
    }

    fn preempted(&self, now: Instant) {
        let now_us = micros_since_epoch(now).saturating_add(1);
        self.busy_until(now_us.saturating_add(PREEMPTED_BACKOFF.as_micros() as u64));
    }

    fn busy_until(&self, until_us: u64) {
        self.busy_until_us.fetch_max(until_us, Ordering::Relaxed);
    }
}

/// The number of runnable threads in `/proc/loadavg`'s text (`"0.52 0.58 0.59 3/467 12345"`:
/// the fourth field's numerator, this thread included).
fn runnable(loadavg: &str) -> Option<u32> {
    loadavg
        .split_whitespace()
        .nth(3)?
        .split('/')
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_runnable_count() {
        assert_eq!(runnable("0.52 0.58 0.59 3/467 12345\n"), Some(3));
        assert_eq!(runnable("0.00 0.01 0.05 12/1024 1"), Some(12));
        assert_eq!(runnable("0.52 0.58"), None);
        assert_eq!(runnable("a b c x/y z"), None);
        assert_eq!(runnable(""), None);
    }

    #[test]
    fn quick_answers_set_the_budget_and_late_ones_turn_spinning_off() {
        let site = Adaptive::new(Duration::from_micros(40));
        assert_eq!(site.budget(), Duration::from_micros(40));
        site.record(Duration::from_micros(5));
        assert_eq!(site.budget(), Duration::from_micros(10));
        site.record(Duration::from_micros(30));
        assert_eq!(
            site.budget(),
            Duration::from_micros(40),
            "capped at the maximum"
        );
        // Answers later than the maximum halve the budget until it is zero.
        let mut halvings = 0;
        while !site.budget().is_zero() {
            site.record(Duration::from_millis(3));
            halvings += 1;
            assert!(halvings < 10, "the budget never reached zero");
        }
        assert_eq!(halvings, 5, "40 → 20 → 10 → 5 → 2.5 → 0 µs");
        // One quick answer (found after parking) turns spinning back on.
        site.record(Duration::from_micros(12));
        assert_eq!(site.budget(), Duration::from_micros(24));
        // A very quick one still spins at least the minimum.
        site.record(Duration::from_nanos(100));
        assert_eq!(site.budget(), MIN_BUDGET);
    }

    #[test]
    fn an_answer_already_there_is_taken_and_a_missing_one_ends_the_spin() {
        let site = Adaptive::new(Duration::from_micros(40));
        assert_eq!(site.spin(|| Some(7)), Some(7));
        let mut looks = 0;
        assert_eq!(
            site.spin(|| {
                looks += 1;
                None::<()>
            }),
            None
        );
        assert!(looks >= 1);
        // A site at zero looks exactly once.
        let idle = Adaptive::new(Duration::ZERO);
        let mut looks = 0;
        assert_eq!(
            idle.spin(|| {
                looks += 1;
                None::<()>
            }),
            None
        );
        assert_eq!(looks, 1);
    }

    #[test]
    fn a_preempted_spin_counts_as_oversubscribed_for_a_while() {
        let load = Load {
            sampled_us: AtomicU64::new(u64::MAX), // no /proc sample during this test
            busy_until_us: AtomicU64::new(0),
        };
        let now = Instant::now();
        load.preempted(now);
        assert!(load.oversubscribed(now));
        assert!(load.oversubscribed(now + PREEMPTED_BACKOFF / 2));
        assert!(!load.oversubscribed(now + PREEMPTED_BACKOFF * 2));
    }
}
