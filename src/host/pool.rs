//! The warm isolate pool ([`RuntimeConfig::warm_isolates`](crate::RuntimeConfig::warm_isolates)):
//! isolates made ahead of time, each on its own thread, with the web platform and the
//! bootstrap already evaluated, so `load` only binds one to its plugin and evaluates the
//! plugin's own code.
//!
//! A warm isolate fits plugins of one [`Shape`] (its heap limit and network grant, fixed
//! when it is made; `isolate/shape.rs` decides which plugins that is). No isolate is ever
//! used twice: a claimed isolate becomes its plugin's, and a restart makes a fresh one.
//! The pool keeps itself filled with isolates of the shape of the last plugin loaded (the
//! default manifest's shape at first).

use std::sync::{Arc, Weak};

use parking_lot::Mutex;

use crate::ext::events::bus::Bus;
use crate::ext::scheduler::schedule::Scheduler;
use crate::isolate::shape::Shape;
use crate::isolate::worker::{self, Claim};

struct Warm {
    shape: Shape,
    claim: std::sync::mpsc::Sender<Box<Claim>>,
}

#[derive(Default)]
struct PoolState {
    ready: Vec<Warm>,
    /// Being made, by shape.
    warming: Vec<Shape>,
    /// The shape the pool fills with.
    wanted: Option<Shape>,
}

/// How the warm pool is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WarmPoolStats {
    /// Ready now.
    pub ready: usize,
    /// Loads that took a warm isolate.
    pub claimed: u64,
    /// Loads that found none that fit (and made their own).
    pub missed: u64,
}

pub(crate) struct Pool {
    size: usize,
    snapshot: bool,
    claimed: std::sync::atomic::AtomicU64,
    missed: std::sync::atomic::AtomicU64,
    stack_size: usize,
    bus: Arc<Bus>,
    scheduler: Scheduler,
    state: Mutex<PoolState>,
    me: Weak<Pool>,
}

impl Pool {
    pub(crate) fn new(
        size: usize,
        snapshot: bool,
        stack_size: usize,
        bus: Arc<Bus>,
        scheduler: Scheduler,
        first: Shape,
    ) -> Arc<Pool> {
        let pool = Arc::new_cyclic(|me| Pool {
            size,
            snapshot,
            claimed: Default::default(),
            missed: Default::default(),
            stack_size,
            bus,
            scheduler,
            state: Mutex::new(PoolState::default()),
            me: me.clone(),
        });
        pool.fill(first);
        pool
    }

    pub(crate) fn stats(&self) -> WarmPoolStats {
        use std::sync::atomic::Ordering::Relaxed;
        WarmPoolStats {
            ready: self.state.lock().ready.len(),
            claimed: self.claimed.load(Relaxed),
            missed: self.missed.load(Relaxed),
        }
    }

    /// Hands `claim` to a warm isolate of `shape`, if one is ready; gives it back if not.
    /// Either way the pool then fills with that shape.
    pub(crate) fn claim(&self, shape: Shape, mut claim: Box<Claim>) -> Result<(), Box<Claim>> {
        let result = loop {
            let warm = {
                let mut st = self.state.lock();
                st.ready
                    .iter()
                    .position(|w| w.shape == shape)
                    .map(|i| st.ready.swap_remove(i))
            };
            let Some(warm) = warm else {
                break Err(claim);
            };
            match warm.claim.send(claim) {
                Ok(()) => break Ok(()),
                // Its thread is gone: try the next.
                Err(std::sync::mpsc::SendError(c)) => claim = c,
            }
        };
        let counter = if result.is_ok() {
            &self.claimed
        } else {
            &self.missed
        };
        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.fill(shape);
        result
    }

    /// Makes isolates of `shape` until the pool holds `size` of them (ready or being
    /// made); isolates of other shapes make room.
    fn fill(&self, shape: Shape) {
        let missing = {
            let mut st = self.state.lock();
            st.wanted = Some(shape);
            let have = st.ready.iter().filter(|w| w.shape == shape).count()
                + st.warming.iter().filter(|s| **s == shape).count();
            let need = self.size.saturating_sub(have);
            // Isolates of other shapes make room (dropping a warm isolate's sender ends
            // its thread).
            while st.ready.len() + st.warming.len() + need > self.size
                && let Some(i) = st.ready.iter().position(|w| w.shape != shape)
            {
                st.ready.swap_remove(i);
            }
            let room = self.size.saturating_sub(st.ready.len() + st.warming.len());
            let missing = need.min(room);
            for _ in 0..missing {
                st.warming.push(shape);
            }
            missing
        };
        for _ in 0..missing {
            let me = self.me.clone();
            let spawned = worker::spawn_warm(
                shape,
                self.snapshot,
                self.bus.clone(),
                self.scheduler.clone(),
                self.stack_size,
                move |made| {
                    let Some(pool) = me.upgrade() else {
                        return;
                    };
                    let mut st = pool.state.lock();
                    if let Some(i) = st.warming.iter().position(|s| *s == shape) {
                        st.warming.swap_remove(i);
                    }
                    match made {
                        // Kept only while it is still wanted.
                        Ok(claim) if st.wanted == Some(shape) => {
                            st.ready.push(Warm { shape, claim })
                        }
                        Ok(_) => {}
                        Err(e) => {
                            tracing::warn!(target: "qirvo::pool", "cannot make a warm isolate: {e}")
                        }
                    }
                },
            );
            if let Err(e) = spawned {
                tracing::warn!(target: "qirvo::pool", "cannot start a warm isolate's thread: {e}");
                let mut st = self.state.lock();
                if let Some(i) = st.warming.iter().position(|s| *s == shape) {
                    st.warming.swap_remove(i);
                }
            }
        }
    }
}
