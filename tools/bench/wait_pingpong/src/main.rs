// A call's shape in Qirvo: a tokio task sends a command to a thread that runs a current-thread
// runtime and answers on a oneshot; both sides wait for the other. Prints p50/p99 of 20,000 round
// trips per strategy, with BUSY busy threads in the process (default 0).
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

static MODE: AtomicU64 = AtomicU64::new(0);
// The strategies: 0 spin up to the budget (the wait before issue 20), 1 park at once,
// 2 yield (at most 8 times) instead of spinning, 3 park at once when /proc/loadavg counts more
// runnable threads than cores (else spin), 4 like 3 but yield for up to 10 us when oversubscribed.
fn oversub() -> bool {
    static AT: AtomicU64 = AtomicU64::new(0);
    static OV: AtomicBool = AtomicBool::new(false);
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    let now = START.get_or_init(Instant::now).elapsed().as_micros() as u64;
    let at = AT.load(Ordering::Relaxed);
    if now.wrapping_sub(at) > 20_000
        && AT
            .compare_exchange(at, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    {
        let s = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
        let running: u32 = s
            .split_whitespace()
            .nth(3)
            .and_then(|f| f.split('/').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        OV.store(
            running as usize > std::thread::available_parallelism().map_or(1, |n| n.get()),
            Ordering::Relaxed,
        );
    }
    OV.load(Ordering::Relaxed)
}

fn spin_for<T>(budget: Duration, mut poll: impl FnMut() -> Option<T>) -> Option<T> {
    let mode = MODE.load(Ordering::Relaxed);
    let budget = match mode {
        1 => return poll(),
        3 if oversub() => return poll(),
        4 if oversub() => Duration::from_micros(10),
        _ => budget,
    };
    let t = Instant::now();
    let mut yields = 0;
    loop {
        if let Some(v) = poll() {
            return Some(v);
        }
        if t.elapsed() >= budget {
            return None;
        }
        if mode == 2 || (mode == 4 && oversub()) {
            std::thread::yield_now();
            yields += 1;
            if yields > 8 {
                return None;
            }
        } else {
            for _ in 0..32 {
                std::hint::spin_loop();
            }
        }
    }
}

type Cmd = (u64, oneshot::Sender<u64>);

fn plugin(mut rx: mpsc::UnboundedReceiver<Cmd>) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let mut hot = false;
        loop {
            let w = Instant::now();
            let cmd = if hot {
                match spin_for(Duration::from_micros(50), || match rx.try_recv() {
                    Ok(c) => Some(Some(c)),
                    Err(mpsc::error::TryRecvError::Disconnected) => Some(None),
                    _ => None,
                }) {
                    Some(c) => c,
                    None => rx.recv().await,
                }
            } else {
                rx.recv().await
            };
            hot = w.elapsed() < Duration::from_micros(100);
            let Some((v, reply)) = cmd else { return };
            let _ = reply.send(v + 1);
        }
    });
}

async fn call(tx: &mpsc::UnboundedSender<Cmd>, v: u64, last: &AtomicU64) -> u64 {
    let t = Instant::now();
    let (r, mut rx) = oneshot::channel();
    tx.send((v, r)).unwrap();
    let mut early = None;
    if last.load(Ordering::Relaxed) < 40 {
        early = spin_for(Duration::from_micros(40), || match rx.try_recv() {
            Ok(v) => Some(v),
            _ => None,
        });
    }
    let out = match early {
        Some(v) => v,
        None => rx.await.unwrap(),
    };
    last.store(t.elapsed().as_micros() as u64, Ordering::Relaxed);
    out
}

fn pct(xs: &mut Vec<f64>, p: f64) -> f64 {
    xs.sort_by(|a, b| a.partial_cmp(b).unwrap());
    xs[((xs.len() as f64 * p) as usize).min(xs.len() - 1)]
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let busy: usize = std::env::var("BUSY")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    for _ in 0..busy {
        let s = stop.clone();
        std::thread::spawn(move || {
            let mut x = 0u64;
            while !s.load(Ordering::Relaxed) {
                x = x.wrapping_mul(31).wrapping_add(1);
                std::hint::black_box(x);
            }
        });
    }
    for mode in [0u64, 1, 2, 3, 4] {
        MODE.store(mode, Ordering::Relaxed);
        let (tx, rx) = mpsc::unbounded_channel();
        let h = std::thread::spawn(move || plugin(rx));
        let last = AtomicU64::new(0);
        for i in 0..2000 {
            call(&tx, i, &last).await;
        }
        let mut lat = Vec::new();
        let cpu0 = cpu();
        let t0 = Instant::now();
        for i in 0..20000 {
            let t = Instant::now();
            call(&tx, i, &last).await;
            lat.push(t.elapsed().as_secs_f64() * 1e6);
        }
        let wall = t0.elapsed().as_secs_f64();
        let cpu = cpu() - cpu0;
        drop(tx);
        h.join().unwrap();
        println!(
            "busy={busy} mode={mode} p50={:.1} p99={:.1} cpu/wall={:.2}",
            pct(&mut lat, 0.5),
            pct(&mut lat, 0.99),
            cpu / wall
        );
    }
    stop.store(true, Ordering::Relaxed);
}
fn cpu() -> f64 {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap();
    let f: Vec<&str> = s.rsplit(')').next().unwrap().split_whitespace().collect();
    (f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap()) / 100.0
}
