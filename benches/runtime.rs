//! Runtime benchmarks: `cargo bench --bench runtime` (add `-- --quick` for a short run,
//! `-- --host` for the host API rows and the peer only, `-- --load` for the call rows quiet
//! and under load beside the peer only, `-- --density` for where an idle plugin's RSS goes,
//! `-- --cold` for a cold start by phase).
//!
//! Measures, on this machine, in one run: cold start (load → initialize done), call round
//! trip, RSS per idle plugin, termination delay past a deadline, time to kill a
//! heap-exhausting plugin, RSS before/after 50 exhausted plugins, RSS across 1,000 plugins
//! loaded and unloaded, and the p99 call latency of 49 plugins with and without a 50th
//! spinning. When `node` is on PATH, the peer (`../shared/peers/node-workers.js`) runs in the
//! same invocation and its figures are printed alongside.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use qirvo::{PluginError, PluginHandle, PluginRuntime, RuntimeConfig};
use serde_json::json;

fn rss_mb() -> f64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: f64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0.0);
    pages * 4096.0 / 1_048_576.0
}

fn pct(xs: &mut [f64], p: f64) -> f64 {
    xs.sort_by(|a, b| a.partial_cmp(b).unwrap());
    xs[((xs.len() as f64 * p) as usize).min(xs.len() - 1)]
}

fn plugin_dir(tmp: &Path, id: &str, manifest_extra: serde_json::Value, code: &str) -> PathBuf {
    let dir = tmp.join(id);
    std::fs::create_dir_all(&dir).unwrap();
    let mut m = json!({ "id": id, "version": "1.0.0", "main": "main.ts" });
    if let (Some(m), Some(extra)) = (m.as_object_mut(), manifest_extra.as_object()) {
        m.extend(extra.clone());
    }
    std::fs::write(dir.join("manifest.json"), m.to_string()).unwrap();
    std::fs::write(dir.join("main.ts"), code).unwrap();
    dir
}

const SMALL_TS: &str = r#"
let n = 0;
export default { initialize(ctx: { id: string }) { n = ctx.id.length; } };
export function add(a: number, b: number): number { return a + b + n * 0; }
export function spin(): never { for (;;) {} }
"#;

const HOG_TS: &str = r#"
export function exhaust(): never { const a: number[][] = []; for (;;) a.push(new Array(1000).fill(Math.random())); }
"#;

fn row(name: &str, value: String, note: &str) {
    println!("| {name:<48} | {value:>18} | {note}");
}

/// Bare deno_core on this thread: cold start (runtime + module), in-thread call, empty op.
fn floor() -> (f64, f64, f64) {
    use deno_core::{JsRuntime, RuntimeOptions, op2, v8};
    #[op2(fast)]
    fn op_floor_noop() {}
    deno_core::extension!(floor_ext, ops = [op_floor_noop]);
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    tokio.block_on(async {
        let url = deno_core::url::Url::parse("file:///floor.js").unwrap();
        let mut colds = Vec::new();
        let mut keep = None;
        for _ in 0..20 {
            let t = Instant::now();
            let mut js = JsRuntime::new(RuntimeOptions {
                extensions: vec![floor_ext::init()],
                ..Default::default()
            });
            let id = js
                .load_main_es_module_from_code(&url, "export function add(a, b) { return a + b; }")
                .await
                .unwrap();
            let eval = js.mod_evaluate(id);
            js.run_event_loop(Default::default()).await.unwrap();
            eval.await.unwrap();
            colds.push(t.elapsed().as_secs_f64() * 1e3);
            keep = Some((js, id));
        }
        let (mut js, id) = keep.unwrap();
        let ns = js.get_module_namespace(id).unwrap();
        let (f, args) = {
            deno_core::scope!(scope, &mut js);
            let ns = v8::Local::new(scope, ns);
            let key = v8::String::new(scope, "add").unwrap();
            let f = v8::Local::<v8::Function>::try_from(ns.get(scope, key.into()).unwrap()).unwrap();
            let a: v8::Local<v8::Value> = v8::Integer::new(scope, 1).into();
            (v8::Global::new(scope, f), vec![v8::Global::new(scope, a), v8::Global::new(scope, a)])
        };
        let mut calls = Vec::new();
        for _ in 0..20_000 {
            let t = Instant::now();
            js.call_with_args(&f, &args).await.unwrap();
            calls.push(t.elapsed().as_secs_f64() * 1e6);
        }
        let n = 1_000_000;
        let t = Instant::now();
        js.execute_script(
            "ops.js",
            format!("const {{ op_floor_noop }} = Deno.core.ops; for (let i = 0; i < {n}; i++) op_floor_noop();"),
        )
        .unwrap();
        let op = t.elapsed().as_secs_f64() * 1e6 / n as f64;
        (pct(&mut colds, 0.5), pct(&mut calls, 0.5), op)
    })
}

/// What the measurements share: the runtime most of them load into, a scratch
/// directory, and whether this is a `--quick` run.
struct Bench<'a> {
    rt: &'a PluginRuntime,
    tmp: &'a Path,
    quick: bool,
}

impl Bench<'_> {
    /// `full` iterations, or `q` in a `--quick` run.
    fn scale(&self, full: usize, q: usize) -> usize {
        if self.quick { q } else { full }
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let scale = |full: usize, q: usize| if quick { q } else { full };
    let tmp = tempfile::tempdir().unwrap();
    // One measurement alone: `--load` (issue 20: the call rows quiet and under load, beside
    // the peer), `--density` (the RSS breakdown), `--cold` (the cold start by phase),
    // `--npm` (issue 19: plugins importing npm packages).
    let single = ["--load", "--density", "--cold", "--npm"]
        .into_iter()
        .find(|flag| std::env::args().any(|a| a == *flag));
    if let Some(flag) = single {
        let rt = PluginRuntime::new(RuntimeConfig {
            data_dir: tmp.path().join("data"),
            ..RuntimeConfig::default()
        })
        .unwrap();
        let b = Bench {
            rt: &rt,
            tmp: tmp.path(),
            quick,
        };
        qirvo::wait_for_startup_snapshot(Duration::from_secs(600));
        match flag {
            "--load" => under_load(&b).await,
            "--density" => density(&b).await,
            "--cold" => cold_breakdown(&b).await,
            _ => npm_cold_start(&b).await,
        }
        return;
    }
    if std::env::args().any(|a| a == "--host") {
        let rows = host_api_rows(tmp.path(), scale(20_000, 2_000)).await;
        let peer = run_peer(scale(20000, 2000));
        host_api_vs_peer(rows, peer.as_ref());
        return;
    }
    let rt = PluginRuntime::new(RuntimeConfig {
        data_dir: tmp.path().join("data"),
        ..RuntimeConfig::default()
    })
    .unwrap();
    let b = Bench {
        rt: &rt,
        tmp: tmp.path(),
        quick,
    };
    let base_rss = startup_snapshot().await;
    let mut handles = cold_starts(&b, base_rss).await;
    cold_start_without_snapshot(&b).await;
    cold_start_from_pool(&b).await;
    debug_cost(&b).await;
    floor_rows();
    call_round_trip(&b, &handles[0]).await;
    p99_beside_a_spinner(&b, &handles).await;
    termination_delay(&b, &handles[0]).await;
    for h in &handles {
        h.unload().await.unwrap();
    }
    handles.clear();
    heap_hogs(&b).await;
    load_unload_cycles(&b).await;
    storage_ops(&b).await;
    storage_ops_postgres(&b).await; // FLEET (issue 18)
    event_fan_out(&b).await;
    throughput(&b).await;
    security_flood(&b).await; // SECURITY (issue 17)
    many_plugins(&b).await;
    npm_cold_start(&b).await; // NPM (issue 19)
    under_load(&b).await; // PERF (issue 20)

    // The host API: plugin -> host -> plugin round trips, sync and async.
    let host = host_api_rows(tmp.path(), scale(20_000, 2_000)).await;

    // The peer, in the same run.
    let peer = run_peer(scale(20000, 2000));
    host_api_vs_peer(host, peer.as_ref());
}

/// Waits for the startup snapshot, prints the table's header and how long the snapshot
/// took; returns the process RSS (MB) before any plugin is loaded.
async fn startup_snapshot() -> f64 {
    // Isolates start from the startup snapshot once it is made (in the background, once
    // per process): measure with it ready, and separately without.
    let snap_started = Instant::now();
    let snap_ready = tokio::task::spawn_blocking(|| {
        qirvo::wait_for_startup_snapshot(std::time::Duration::from_secs(600))
    })
    .await
    .unwrap();
    let snap_took = snap_started.elapsed().as_secs_f64();
    let base_rss = rss_mb();
    println!("| measure | Qirvo | notes");
    println!("|---|---|---");
    row(
        "startup snapshot made (once per process)",
        format!("{snap_took:.2} s"),
        if snap_ready {
            "background thread; kept under <data_dir>/cache/snapshot"
        } else {
            "NOT READY: figures below are without it"
        },
    );
    base_rss
}

/// Cold start of small TS plugins, the RSS each costs idle, and the warm transpile cache.
/// Returns the loaded plugins, which the call measurements use.
async fn cold_starts(b: &Bench<'_>, base_rss: f64) -> Vec<PluginHandle> {
    // Cold start: load → initialize done, for a small TS plugin.
    let mut starts = Vec::new();
    let mut handles = Vec::new();
    let n_idle = b.scale(100, 20);
    for i in 0..n_idle {
        let dir = plugin_dir(b.tmp, &format!("idle-{i}"), json!({}), SMALL_TS);
        let t = Instant::now();
        handles.push(b.rt.load(&dir).await.unwrap());
        starts.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let per_plugin = (rss_mb() - base_rss) / n_idle as f64;
    row(
        "cold start p50 (load → initialized)",
        format!("{:.2} ms", pct(&mut starts, 0.5)),
        "small TS plugin, transpile cache cold, from the startup snapshot",
    );
    row(
        "cold start p99",
        format!("{:.2} ms", pct(&mut starts, 0.99)),
        "",
    );
    row(
        &format!("RSS per idle plugin ({n_idle} loaded)"),
        format!("{per_plugin:.2} MB"),
        &format!("process RSS {:.0} MB", rss_mb()),
    );

    // Warm transpile cache: the same plugins loaded again (each one unloaded first).
    let mut warm = Vec::new();
    for (i, handle) in handles.iter_mut().take(n_idle.min(20)).enumerate() {
        let dir = b.tmp.join(format!("idle-{i}"));
        handle.unload().await.unwrap();
        let t = Instant::now();
        *handle = b.rt.load(&dir).await.unwrap();
        warm.push(t.elapsed().as_secs_f64() * 1e3);
    }
    row(
        "cold start p50, transpile cache warm",
        format!("{:.2} ms", pct(&mut warm, 0.5)),
        "same plugins loaded again",
    );
    handles
}

/// Without the snapshot: every isolate evaluates the web platform itself.
async fn cold_start_without_snapshot(b: &Bench<'_>) {
    let plain = PluginRuntime::new(RuntimeConfig {
        data_dir: b.tmp.join("data-nosnap"),
        startup_snapshot: false,
        ..RuntimeConfig::default()
    })
    .unwrap();
    let mut times = Vec::new();
    for i in 0..b.scale(20, 5) {
        let dir = plugin_dir(b.tmp, &format!("nosnap-{i}"), json!({}), SMALL_TS);
        let t = Instant::now();
        let h = plain.load(&dir).await.unwrap();
        times.push(t.elapsed().as_secs_f64() * 1e3);
        h.unload().await.unwrap();
    }
    row(
        "cold start p50 without the snapshot",
        format!("{:.2} ms", pct(&mut times, 0.5)),
        "startup_snapshot: false, transpile cache cold",
    );
}

/// A warm isolate from the pool (and a warm transpile cache): load only binds it.
async fn cold_start_from_pool(b: &Bench<'_>) {
    let pooled = PluginRuntime::new(RuntimeConfig {
        data_dir: b.tmp.join("data-pool"),
        warm_isolates: 2,
        ..RuntimeConfig::default()
    })
    .unwrap();
    let n = b.scale(20, 5);
    let dirs: Vec<_> = (0..n)
        .map(|i| plugin_dir(b.tmp, &format!("pool-{i}"), json!({}), SMALL_TS))
        .collect();
    // Fill the transpile cache first.
    for d in &dirs {
        pooled.load(d).await.unwrap().unload().await.unwrap();
    }
    let mut times = Vec::new();
    for d in &dirs {
        // Steady state: the pool has refilled since the last load.
        while pooled.warm_pool().ready < 2 {
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
        let t = Instant::now();
        let h = pooled.load(d).await.unwrap();
        times.push(t.elapsed().as_secs_f64() * 1e3);
        h.unload().await.unwrap();
    }
    let stats = pooled.warm_pool();
    row(
        "cold start p50, warm isolate (pool) + transpile cache warm",
        format!("{:.2} ms", pct(&mut times, 0.5)),
        &format!(
            "warm_isolates: 2; {} of {} loads took a warm isolate",
            stats.claimed,
            stats.claimed + stats.missed
        ),
    );
    row(
        "cold start p99, warm isolate",
        format!("{:.2} ms", pct(&mut times, 0.99)),
        "",
    );
}

/// What debugging costs: a loop of 1,000,000 statements, plain, instrumented
/// (RuntimeConfig::debug, no debugger attached), and with a session attached but nothing
/// armed (each statement still reads only the isolate's armed flag, no op).
async fn debug_cost(b: &Bench<'_>) {
    const LOOP_TS: &str = "export function work(n: number): number { let s = 0; for (let i = 0; i < n; i++) { s += i % 7; } return s; }\n";
    let mut times = Vec::new();
    for (label, debug, attach) in [
        ("plain", false, false),
        ("instrumented", true, false),
        ("instrumented + session", true, true),
    ] {
        let drt = PluginRuntime::new(RuntimeConfig {
            data_dir: b.tmp.join(format!("data-debug-{}", times.len())),
            debug,
            ..RuntimeConfig::default()
        })
        .unwrap();
        let dir = plugin_dir(b.tmp, &format!("loop-{}", times.len()), json!({}), LOOP_TS);
        let h = drt.load(&dir).await.unwrap();
        let _session = attach.then(|| drt.debug(h.id()).unwrap());
        let mut ms = Vec::new();
        for _ in 0..b.scale(5, 2) {
            let t = Instant::now();
            h.call("work", vec![json!(1_000_000)]).await.unwrap();
            ms.push(t.elapsed().as_secs_f64() * 1e3);
        }
        times.push((label, pct(&mut ms, 0.5)));
    }
    let plain = times[0].1;
    for (label, ms) in &times {
        row(
            &format!("1M-statement loop, {label}"),
            format!("{ms:.1} ms"),
            &format!("{:.1}× plain", ms / plain),
        );
    }
}

/// The floor: bare deno_core on one thread, no Qirvo around it.
fn floor_rows() {
    let (floor_cold, floor_call, floor_op) = std::thread::spawn(floor).join().unwrap();
    row(
        "floor: bare JsRuntime + module, p50",
        format!("{floor_cold:.2} ms"),
        "deno_core alone, no web APIs",
    );
    row(
        "floor: in-thread call p50",
        format!("{floor_call:.2} µs"),
        "call_with_args, no channel",
    );
    row(
        "floor: empty op per call",
        format!("{floor_op:.3} µs"),
        "sync op in a JS loop",
    );
}

/// Call round trip.
async fn call_round_trip(b: &Bench<'_>, p: &PluginHandle) {
    let mut lat = Vec::new();
    for i in 0..b.scale(20_000, 2_000) {
        let t = Instant::now();
        p.call("add", vec![json!(i), json!(1)]).await.unwrap();
        lat.push(t.elapsed().as_secs_f64() * 1e6);
    }
    row(
        "call round trip p50",
        format!("{:.1} µs", pct(&mut lat, 0.5)),
        "host → export → host, JSON args",
    );
    row(
        "call round trip p99",
        format!("{:.1} µs", pct(&mut lat, 0.99)),
        "",
    );
}

/// p99 latency of 49 plugins with and without a 50th spinning (the 50th is terminated).
async fn p99_beside_a_spinner(b: &Bench<'_>, handles: &[PluginHandle]) {
    let others = &handles[1..50.min(handles.len())];
    let mut quiet = Vec::new();
    for round in 0..b.scale(40, 10) {
        for h in others {
            let t = Instant::now();
            h.call("add", vec![json!(round), json!(1)]).await.unwrap();
            quiet.push(t.elapsed().as_secs_f64() * 1e6);
        }
    }
    let spinner = handles[0].clone();
    let spin = tokio::spawn(async move {
        let _ = spinner
            .call_with_timeout("spin", vec![], Duration::from_secs(3600))
            .await;
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut noisy = Vec::new();
    for round in 0..b.scale(40, 10) {
        for h in others {
            let t = Instant::now();
            h.call("add", vec![json!(round), json!(1)]).await.unwrap();
            noisy.push(t.elapsed().as_secs_f64() * 1e6);
        }
    }
    handles[0].terminate();
    let _ = spin.await;
    row(
        &format!("p99 call, {} others, no spinner", others.len()),
        format!("{:.1} µs", pct(&mut quiet, 0.99)),
        "",
    );
    row(
        &format!("p99 call, {} others, 1 spinning", others.len()),
        format!("{:.1} µs", pct(&mut noisy, 0.99)),
        "2 cores: the spinner holds one",
    );
}

/// Termination delay past the deadline.
async fn termination_delay(b: &Bench<'_>, p: &PluginHandle) {
    let mut delays = Vec::new();
    let deadline = Duration::from_millis(20);
    for _ in 0..b.scale(100, 20) {
        let t = Instant::now();
        let e = p
            .call_with_timeout("spin", vec![], deadline)
            .await
            .unwrap_err();
        assert!(matches!(e, PluginError::Timeout { .. }));
        delays.push((t.elapsed() - deadline).as_secs_f64() * 1e3);
    }
    row(
        "termination delay past deadline p50",
        format!("{:.2} ms", pct(&mut delays, 0.5)),
        "for(;;){} with a 20 ms deadline",
    );
    row(
        "termination delay past deadline p99",
        format!("{:.2} ms", pct(&mut delays, 0.99)),
        "",
    );
}

/// Heap exhaustion: time to kill, and RSS before/after 50 exhausted plugins.
async fn heap_hogs(b: &Bench<'_>) {
    let before = rss_mb();
    let mut kills = Vec::new();
    for i in 0..b.scale(50, 10) {
        let dir = plugin_dir(
            b.tmp,
            &format!("hog-{i}"),
            json!({ "resources": { "memory": "32MB" } }),
            HOG_TS,
        );
        let h = b.rt.load(&dir).await.unwrap();
        let t = Instant::now();
        let e = h.call("exhaust", vec![]).await.unwrap_err();
        assert!(matches!(e, PluginError::MemoryLimitExceeded { .. }), "{e}");
        kills.push(t.elapsed().as_secs_f64() * 1e3);
        h.unload().await.unwrap();
    }
    let after = rss_mb();
    row(
        "time to kill a heap hog p50 (32MB limit)",
        format!("{:.1} ms", pct(&mut kills, 0.5)),
        "from call to MemoryLimitExceeded",
    );
    row(
        &format!("RSS before → after {} exhausted plugins", kills.len()),
        format!("{before:.0} → {after:.0} MB"),
        "",
    );
}

/// RSS across 1,000 plugins loaded and unloaded.
async fn load_unload_cycles(b: &Bench<'_>) {
    let dir = plugin_dir(b.tmp, "cycle", json!({}), SMALL_TS);
    let cycles = b.scale(1000, 100);
    let mut samples = Vec::new();
    for i in 0..cycles {
        let h = b.rt.load(&dir).await.unwrap();
        h.call("add", vec![json!(1), json!(2)]).await.unwrap();
        h.unload().await.unwrap();
        if i % (cycles / 5) == 0 || i == cycles - 1 {
            samples.push(format!("{:.0}", rss_mb()));
        }
    }
    row(
        &format!("RSS over {cycles} load/unload cycles"),
        format!("{} MB", samples.join(" → ")),
        "sampled every fifth",
    );
}

/// The storage bench plugin: per-call cost of set, get and a trivial op (usage), each
/// measured inside one call. Shared by the SQLite and PostgreSQL rows.
const STORE_TS: &str = r#"
export async function sets(n: number): Promise<number> {
  const t = performance.now();
  for (let i = 0; i < n; i++) await qirvo.storage.set(`k${i % 1000}`, { i, s: "value" });
  return (performance.now() - t) / n;
}
export async function gets(n: number): Promise<number> {
  const t = performance.now();
  for (let i = 0; i < n; i++) await qirvo.storage.get(`k${i % 1000}`);
  return (performance.now() - t) / n;
}
export async function noop(n: number): Promise<number> {
  const t = performance.now();
  for (let i = 0; i < n; i++) await qirvo.storage.usage();
  return (performance.now() - t) / n;
}
"#;

/// qirvo.storage per-call cost (SQLite, WAL), measured inside one call.
async fn storage_ops(b: &Bench<'_>) {
    let dir = plugin_dir(
        b.tmp,
        "store-bench",
        json!({ "resources": { "storage": "64MB" } }),
        STORE_TS,
    );
    let h = b.rt.load(&dir).await.unwrap();
    let n = b.scale(20_000, 2_000);
    let set_us = h
        .call("sets", vec![json!(n)])
        .await
        .unwrap()
        .as_f64()
        .unwrap()
        * 1000.0;
    let get_us = h
        .call("gets", vec![json!(n)])
        .await
        .unwrap()
        .as_f64()
        .unwrap()
        * 1000.0;
    let noop_us = h
        .call("noop", vec![json!(n)])
        .await
        .unwrap()
        .as_f64()
        .unwrap()
        * 1000.0;
    row(
        "qirvo.storage.set per call (SQLite WAL)",
        format!("{set_us:.1} µs"),
        "await inside the plugin, 1,000 keys",
    );
    row("qirvo.storage.get per call", format!("{get_us:.1} µs"), "");
    row(
        "trivial op per call (storage.usage)",
        format!("{noop_us:.2} µs"),
        "op + promise, no I/O",
    );
    h.unload().await.unwrap();
}

/// FLEET (issue 18): qirvo.storage get/set over PostgreSQL (fleet mode), beside the SQLite
/// rows, when `QIRVO_BENCH_POSTGRES_URL` (or `QIRVO_TEST_POSTGRES_URL`) names a database.
/// Uses the schema `qirvo_bench` (its rows for the bench plugin are removed after).
async fn storage_ops_postgres(b: &Bench<'_>) {
    let Some(url) = ["QIRVO_BENCH_POSTGRES_URL", "QIRVO_TEST_POSTGRES_URL"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|u| !u.is_empty()))
    else {
        row(
            "qirvo.storage.set per call (PostgreSQL)",
            "skipped".into(),
            "set QIRVO_BENCH_POSTGRES_URL",
        );
        return;
    };
    let rt = PluginRuntime::new(RuntimeConfig {
        data_dir: b.tmp.join("data-pg"),
        storage: qirvo::StorageKind::Postgres(qirvo::PostgresStorage {
            schema: "qirvo_bench".into(),
            ..qirvo::PostgresStorage::new(url)
        }),
        health_interval: None,
        ..RuntimeConfig::default()
    })
    .unwrap();
    let dir = plugin_dir(
        b.tmp,
        "store-bench-pg",
        json!({ "resources": { "storage": "64MB" } }),
        STORE_TS,
    );
    let h = rt.load(&dir).await.unwrap();
    let n = b.scale(5_000, 500);
    let us = |v: serde_json::Value| v.as_f64().unwrap_or(f64::NAN) * 1000.0;
    let set_us = us(h.call("sets", vec![json!(n)]).await.unwrap());
    let get_us = us(h.call("gets", vec![json!(n)]).await.unwrap());
    row(
        "qirvo.storage.set per call (PostgreSQL)",
        format!("{set_us:.1} µs"),
        "fleet mode, local server, one transaction per set",
    );
    row(
        "qirvo.storage.get per call (PostgreSQL)",
        format!("{get_us:.1} µs"),
        "fleet mode, local server",
    );
    h.unload().await.unwrap();
    let _ = rt.purge("store-bench-pg").await;
}

/// Event fan-out: one emit delivered to 100 subscribed plugins (each answers).
async fn event_fan_out(b: &Bench<'_>) {
    let fan = b.scale(100, 20);
    let mut subs = Vec::new();
    for i in 0..fan {
        let dir = plugin_dir(
            b.tmp,
            &format!("fan-{i}"),
            json!({}),
            "export default { initialize() { qirvo.events.on(\"bench.ping\", () => qirvo.events.emit(\"bench.pong\", 1)); } };",
        );
        subs.push(b.rt.load(&dir).await.unwrap());
    }
    let mut pongs = b.rt.events().subscribe("bench.pong").unwrap();
    let mut fanout = Vec::new();
    for _ in 0..10 {
        let t = Instant::now();
        assert_eq!(b.rt.events().emit("bench.ping", json!(null)).unwrap(), fan);
        for _ in 0..fan {
            pongs.recv().await.unwrap();
        }
        fanout.push(t.elapsed().as_secs_f64() * 1e3);
    }
    row(
        &format!("event fan-out to {fan} plugins, p50"),
        format!("{:.2} ms", pct(&mut fanout, 0.5)),
        "emit → every handler ran and answered",
    );
    for s in &subs {
        s.unload().await.unwrap();
    }
    drop(subs);
}

/// Throughput: calls per second across all cores, many plugins, many callers.
async fn throughput(b: &Bench<'_>) {
    let mut pool = Vec::new();
    for i in 0..b.scale(50, 10) {
        let dir = plugin_dir(b.tmp, &format!("tp-{i}"), json!({}), SMALL_TS);
        pool.push(b.rt.load(&dir).await.unwrap());
    }
    let pool = std::sync::Arc::new(pool);
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let until = Instant::now() + Duration::from_secs(if b.quick { 1 } else { 3 });
    let mut tasks = Vec::new();
    for w in 0..64 {
        let pool = pool.clone();
        let calls = calls.clone();
        tasks.push(tokio::spawn(async move {
            let mut i = w;
            while Instant::now() < until {
                pool[i % pool.len()]
                    .call("add", vec![json!(1), json!(2)])
                    .await
                    .unwrap();
                calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                i += 7;
            }
        }));
    }
    let t = Instant::now();
    for task in tasks {
        task.await.unwrap();
    }
    let rate = calls.load(std::sync::atomic::Ordering::Relaxed) as f64 / t.elapsed().as_secs_f64();
    row(
        &format!("throughput, {} plugins, 64 callers", pool.len()),
        format!("{rate:.0} calls/s"),
        "all cores",
    );
    for p in pool.iter() {
        p.unload().await.unwrap();
    }
    drop(pool);
}

/// Many plugins: the cost of a health pass and a metrics scrape.
async fn many_plugins(b: &Bench<'_>) {
    let many = b.scale(1000, 50);
    let mut handles = Vec::new();
    let before = rss_mb();
    for i in 0..many {
        let dir = plugin_dir(b.tmp, &format!("many-{i}"), json!({}), SMALL_TS);
        handles.push(b.rt.load(&dir).await.unwrap());
    }
    let per = (rss_mb() - before) / many as f64;
    let mut health = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let reports = b.rt.check_health().await;
        assert_eq!(reports.len(), many);
        health.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let mut scrape = Vec::new();
    let mut bytes = 0;
    for _ in 0..20 {
        let t = Instant::now();
        bytes = b.rt.metrics_text().len();
        scrape.push(t.elapsed().as_secs_f64() * 1e3);
    }
    row(
        &format!("health pass, {many} plugins (p50)"),
        format!("{:.1} ms", pct(&mut health, 0.5)),
        &format!(
            "{:.1} µs per plugin",
            pct(&mut health, 0.5) * 1000.0 / many as f64
        ),
    );
    row(
        &format!("metrics scrape, {many} plugins (p50)"),
        format!("{:.1} ms", pct(&mut scrape, 0.5)),
        &format!("{} KB of text", bytes / 1024),
    );
    row(
        &format!("RSS per idle plugin ({many} loaded)"),
        format!("{per:.2} MB"),
        "",
    );
    for h in &handles {
        h.unload().await.unwrap();
    }
    drop(handles);
}

/// Runs the Node peer (`../shared/peers/node-workers.js`) and prints its figures.
fn run_peer(calls: usize) -> Option<serde_json::Value> {
    let peer = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/peers/node-workers.js");
    match std::process::Command::new("node")
        .arg(&peer)
        .args(["--plugins", "50", "--calls", &calls.to_string()])
        .output()
    {
        Ok(out) if out.status.success() => {
            let text = String::from_utf8_lossy(&out.stdout);
            println!("\npeer: {}", text.trim());
            serde_json::from_str(text.trim()).ok()
        }
        Ok(out) => {
            println!(
                "\npeer failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
            None
        }
        Err(e) => {
            println!("\npeer not run (node: {e})");
            None
        }
    }
}

// ---------------------------------------------------------------------------------------
// Host API (issue 14): a plugin awaiting a host function, timed inside the plugin (like the
// peer's worker -> main round trip).

const HOST_TS: &str = r#"
export async function loop(kind: string, n: number) {
  const f = kind === "sync" ? qirvo.host.bench.sync : qirvo.host.bench.async;
  const lat = new Array(n);
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await f(i);
    lat[i] = performance.now() - t;
  }
  lat.sort((a: number, b: number) => a - b);
  return { p50: lat[Math.floor(n * 0.5)] * 1000, p99: lat[Math.floor(n * 0.99)] * 1000 };
}
// Mean µs per iteration of the same loop, timed as a whole (no clock reads inside).
export async function mean(kind: string, n: number) {
  const f = kind === "sync" ? qirvo.host.bench.sync : qirvo.host.bench.async;
  const t = performance.now();
  if (kind === "await") {
    for (let i = 0; i < n; i++) await i;
  } else if (kind === "clock") {
    for (let i = 0; i < n; i++) performance.now();
  } else {
    for (let i = 0; i < n; i++) await f(i);
  }
  return ((performance.now() - t) * 1000) / n;
}
"#;

/// p50 and p99 (µs) of the sync and async host function round trips.
struct HostRows {
    sync: (f64, f64),
    async_: (f64, f64),
}

async fn host_api_rows(tmp: &Path, n: usize) -> HostRows {
    use qirvo::{HostApi, HostCallContext};
    let mut api = HostApi::new();
    api.permission("bench:call", "benchmark").unwrap();
    api.func(
        "bench.sync",
        "bench:call",
        |_: &HostCallContext, (i,): (u64,)| Ok(i + 1),
    )
    .unwrap();
    api.func_async(
        "bench.async",
        "bench:call",
        |_: HostCallContext, (i,): (u64,)| async move { Ok(i + 1) },
    )
    .unwrap();
    let rt = PluginRuntime::new(RuntimeConfig {
        data_dir: tmp.join("host-data"),
        host_api: api,
        ..RuntimeConfig::default()
    })
    .unwrap();
    let dir = plugin_dir(
        tmp,
        "bench-host",
        json!({ "permissions": ["bench:call"], "resources": { "timeout": 60000 } }),
        HOST_TS,
    );
    let p = rt.load(&dir).await.unwrap();
    let mut out = HostRows {
        sync: (0.0, 0.0),
        async_: (0.0, 0.0),
    };
    for kind in ["sync", "async"] {
        // Warm up, then measure.
        p.call("loop", vec![json!(kind), json!(1000)])
            .await
            .unwrap();
        let r = p.call("loop", vec![json!(kind), json!(n)]).await.unwrap();
        let (p50, p99) = (
            r["p50"].as_f64().unwrap_or(f64::NAN),
            r["p99"].as_f64().unwrap_or(f64::NAN),
        );
        if kind == "sync" {
            out.sync = (p50, p99);
        } else {
            out.async_ = (p50, p99);
        }
        row(
            &format!("host fn round trip, {kind}, p50"),
            format!("{p50:.2} µs"),
            if kind == "sync" {
                "plugin → host (plugin thread) → plugin"
            } else {
                "plugin → host's tokio runtime → plugin"
            },
        );
        row(
            &format!("host fn round trip, {kind}, p99"),
            format!("{p99:.2} µs"),
            "",
        );
    }
    for kind in ["sync", "async", "await", "clock"] {
        let us = p.call("mean", vec![json!(kind), json!(n)]).await.unwrap();
        row(
            &format!("host fn loop, {kind}, mean"),
            format!("{:.2} µs", us.as_f64().unwrap_or(f64::NAN)),
            match kind {
                "await" => "the `await` alone (no call)",
                "clock" => "one performance.now()",
                _ => "per iteration, no clock reads inside",
            },
        );
    }
    p.unload().await.unwrap();
    out
}

fn host_api_vs_peer(host: HostRows, peer: Option<&serde_json::Value>) {
    let node = peer.and_then(|p| p["host_call_us_p50"].as_f64());
    match node {
        Some(node) => {
            row(
                "peer: worker → main → worker p50",
                format!("{node:.2} µs"),
                "Node worker_threads postMessage",
            );
            row(
                "host fn async p50 / peer's",
                format!("{:.2}", host.async_.0 / node),
                "target ≤ 0.33",
            );
            row(
                "host fn sync p50 / peer's",
                format!("{:.2}", host.sync.0 / node),
                "target sync ≤ 2 µs",
            );
        }
        None => println!("(no peer figures to compare the host API rows with)"),
    }
}

// SECURITY (issue 17): a flood of denials from one plugin must not slow another.

const FLOODER_TS: &str = r#"
export async function flood(): Promise<number> {
  let n = 0;
  for (;;) {
    for (let i = 0; i < 200; i++) {
      try { await fetch(`https://internal-${i}.example.com/?token=x`); } catch { n++; }
    }
    await new Promise((r) => setTimeout(r, 0));
  }
}
"#;

/// Call latency of a quiet plugin: alone, beside a plugin flooding denials with nobody
/// subscribed, and with a subscriber reading every event.
async fn security_flood(b: &Bench<'_>) {
    let rt = PluginRuntime::new(RuntimeConfig {
        data_dir: b.tmp.join("security-data"),
        ..RuntimeConfig::default()
    })
    .unwrap();
    let quiet = rt
        .load(plugin_dir(b.tmp, "sec-quiet", json!({}), SMALL_TS))
        .await
        .unwrap();
    let flooder = rt
        .load(plugin_dir(
            b.tmp,
            "sec-flooder",
            json!({ "permissions": ["network-access"], "network": { "allowedHosts": ["127.0.0.1"] },
                    "resources": { "timeout": 3600000, "memory": "512MB" } }),
            FLOODER_TS,
        ))
        .await
        .unwrap();
    let n = b.scale(20_000, 2_000);
    let measure = |quiet: PluginHandle| async move {
        let mut lat = Vec::with_capacity(n);
        for i in 0..n {
            let t = Instant::now();
            quiet.call("add", vec![json!(i), json!(1)]).await.unwrap();
            lat.push(t.elapsed().as_secs_f64() * 1e6);
        }
        (pct(&mut lat, 0.5), pct(&mut lat, 0.99))
    };
    let alone = measure(quiet.clone()).await;
    let f = flooder.clone();
    let flood = tokio::spawn(async move { f.call("flood", vec![]).await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let unsubscribed = measure(quiet.clone()).await;
    let mut sub = rt.security().subscribe();
    let reader = tokio::spawn(async move {
        let mut seen = 0u64;
        while sub.recv().await.is_some() {
            seen += 1;
        }
        seen
    });
    let subscribed = measure(quiet.clone()).await;
    // The flood's call holds the flooder's thread: stop it there.
    flooder.terminate();
    let _ = flood.await;
    let denied = rt
        .security()
        .summary()
        .get("sec-flooder")
        .map_or(0, |s| s.total_denials());
    reader.abort();
    for (name, (p50, p99)) in [
        ("quiet plugin call, alone", alone),
        ("… beside a denial flood, no subscriber", unsubscribed),
        ("… beside a denial flood, 1 subscriber", subscribed),
    ] {
        row(name, format!("{p50:.1} / {p99:.1} µs"), "p50 / p99");
    }
    row(
        "denials recorded during the flood",
        format!("{denied}"),
        &format!("{} lost by the subscriber", rt.security().dropped()),
    );
    rt.shutdown().await;
}
// end SECURITY

// ---------------------------------------------------------------------------------------
// PERF (issue 20): the call figures under load, quiet and loaded side by side in one run,
// for the adaptive wait (`qirvo::wait`) and the old always-spin wait, and the Node peer
// under the same load.

/// One busy thread per core, in this process, until dropped: the load the loaded columns
/// are measured under (the Node peer runs while they spin too).
struct Load {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Load {
    fn start() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let threads = (0..cores)
            .map(|_| {
                let stop = stop.clone();
                std::thread::spawn(move || {
                    let mut x = 1u64;
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        for _ in 0..1000 {
                            x = std::hint::black_box(
                                x.wrapping_mul(6364136223846793005).wrapping_add(1),
                            );
                        }
                    }
                })
            })
            .collect();
        Load { stop, threads }
    }
}

impl Drop for Load {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// The call figures one column holds.
#[derive(Clone, Copy, Default)]
struct CallFigures {
    rt_p50: f64,
    rt_p99: f64,
    many_p50: f64,
    many_p99: f64,
    throughput: f64,
    /// CPU seconds the process used per wall second while the round trips ran (the busy
    /// threads included when loaded).
    rt_cpu: f64,
}

fn process_cpu_s() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

async fn call_figures(plugins: &[PluginHandle], n: usize, secs: f64) -> CallFigures {
    let p = &plugins[0];
    for i in 0..200 {
        p.call("add", vec![json!(i), json!(1)]).await.unwrap();
    }
    let mut lat = Vec::with_capacity(n);
    let cpu = process_cpu_s();
    let wall = Instant::now();
    for i in 0..n {
        let t = Instant::now();
        p.call("add", vec![json!(i), json!(1)]).await.unwrap();
        lat.push(t.elapsed().as_secs_f64() * 1e6);
    }
    let rt_cpu = (process_cpu_s() - cpu) / wall.elapsed().as_secs_f64();
    // Round robin over the plugins, one call at a time.
    let mut many = Vec::new();
    for round in 0..(n / plugins.len()).max(10) {
        for h in plugins {
            let t = Instant::now();
            h.call("add", vec![json!(round), json!(1)]).await.unwrap();
            many.push(t.elapsed().as_secs_f64() * 1e6);
        }
    }
    // Throughput: 64 callers over the plugins.
    let pool = std::sync::Arc::new(plugins.to_vec());
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let until = Instant::now() + Duration::from_secs_f64(secs);
    let t = Instant::now();
    let tasks: Vec<_> = (0..64)
        .map(|w| {
            let (pool, calls) = (pool.clone(), calls.clone());
            tokio::spawn(async move {
                let mut i = w;
                while Instant::now() < until {
                    pool[i % pool.len()]
                        .call("add", vec![json!(1), json!(2)])
                        .await
                        .unwrap();
                    calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    i += 7;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    CallFigures {
        rt_p50: pct(&mut lat, 0.5),
        rt_p99: pct(&mut lat, 0.99),
        many_p50: pct(&mut many, 0.5),
        many_p99: pct(&mut many, 0.99),
        throughput: calls.load(std::sync::atomic::Ordering::Relaxed) as f64
            / t.elapsed().as_secs_f64(),
        rt_cpu,
    }
}

/// The median of each figure over the rounds.
fn median_figures(mut runs: Vec<CallFigures>) -> CallFigures {
    let m = |f: fn(&CallFigures) -> f64| {
        let mut xs: Vec<f64> = runs.iter().map(f).collect();
        pct(&mut xs, 0.5)
    };
    let out = CallFigures {
        rt_p50: m(|c| c.rt_p50),
        rt_p99: m(|c| c.rt_p99),
        many_p50: m(|c| c.many_p50),
        many_p99: m(|c| c.many_p99),
        throughput: m(|c| c.throughput),
        rt_cpu: m(|c| c.rt_cpu),
    };
    runs.clear();
    out
}

/// Quiet and loaded columns for the adaptive wait and the old always-spin wait, measured in
/// alternation (rounds of quiet, loaded for each), then the Node peer quiet and loaded.
async fn under_load(b: &Bench<'_>) {
    let rt = PluginRuntime::new(RuntimeConfig {
        data_dir: b.tmp.join("data-load"),
        health_interval: None,
        ..RuntimeConfig::default()
    })
    .unwrap();
    let mut plugins = Vec::new();
    for i in 0..50 {
        let dir = plugin_dir(b.tmp, &format!("load-{i}"), json!({}), SMALL_TS);
        plugins.push(rt.load(&dir).await.unwrap());
    }
    let n = b.scale(20_000, 4_000);
    let secs = if b.quick { 1.0 } else { 2.0 };
    let rounds = if b.quick { 2 } else { 3 };
    let modes = [qirvo::wait::Mode::Adaptive, qirvo::wait::Mode::Spin];
    let mut cols: Vec<[Vec<CallFigures>; 2]> = modes.iter().map(|_| [vec![], vec![]]).collect();
    for _ in 0..rounds {
        for (m, mode) in modes.iter().enumerate() {
            qirvo::wait::force(*mode);
            cols[m][0].push(call_figures(&plugins, n, secs).await);
            let load = Load::start();
            cols[m][1].push(call_figures(&plugins, n, secs).await);
            drop(load);
        }
    }
    qirvo::wait::force(qirvo::wait::Mode::Adaptive);
    for p in &plugins {
        p.unload().await.unwrap();
    }
    let peer_quiet = run_peer_quiet(b.scale(20_000, 4_000));
    let many_quiet = run_many_peer(n, secs);
    let (peer_loaded, many_loaded) = {
        let _load = Load::start();
        (
            run_peer_quiet(b.scale(20_000, 4_000)),
            run_many_peer(n, secs),
        )
    };
    let cols: Vec<[CallFigures; 2]> = cols
        .into_iter()
        .map(|[q, l]| [median_figures(q), median_figures(l)])
        .collect();
    let peers = LoadPeers {
        peer_quiet,
        peer_loaded,
        many_quiet,
        many_loaded,
    };
    print_under_load(&cols, &peers, rounds);
    rt.shutdown().await;
}

/// The Node peers' figures beside `under_load`'s: the shared peer (round trip) and the
/// 50-worker peer, each quiet and under the same load.
struct LoadPeers {
    peer_quiet: Option<serde_json::Value>,
    peer_loaded: Option<serde_json::Value>,
    many_quiet: Option<serde_json::Value>,
    many_loaded: Option<serde_json::Value>,
}

/// Prints `under_load`'s table: per row, the adaptive wait and the always-spin wait
/// (`cols[0]`, `cols[1]`, each `[quiet, loaded]`) beside the Node peers.
fn print_under_load(cols: &[[CallFigures; 2]], peers: &LoadPeers, rounds: usize) {
    let LoadPeers {
        peer_quiet,
        peer_loaded,
        many_quiet,
        many_loaded,
    } = peers;
    let node = |p: &Option<serde_json::Value>, k: &str| {
        p.as_ref().and_then(|p| p[k].as_f64()).unwrap_or(f64::NAN)
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "\ncalls quiet and under load ({cores} busy threads in this process, one per core; median of {rounds} alternating rounds)\n"
    );
    println!(
        "| row | adaptive wait, quiet | adaptive wait, loaded | always spin (before), quiet | always spin (before), loaded | Node peer, quiet | Node peer, loaded |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let [aq, al] = cols[0];
    let [sq, sl] = cols[1];
    let line = |name: &str, f: fn(&CallFigures) -> f64, unit: &str, nq: f64, nl: f64| {
        let fmt = |v: f64| {
            if v.is_nan() {
                "–".to_string()
            } else if unit == "calls/s" {
                format!("{v:.0} {unit}")
            } else {
                format!("{v:.1} {unit}")
            }
        };
        println!(
            "| {name} | {} | {} | {} | {} | {} | {} |",
            fmt(f(&aq)),
            fmt(f(&al)),
            fmt(f(&sq)),
            fmt(f(&sl)),
            fmt(nq),
            fmt(nl)
        );
    };
    line(
        "call round trip p50",
        |c| c.rt_p50,
        "µs",
        node(peer_quiet, "call_roundtrip_us_p50"),
        node(peer_loaded, "call_roundtrip_us_p50"),
    );
    line(
        "call round trip p99",
        |c| c.rt_p99,
        "µs",
        node(peer_quiet, "call_roundtrip_us_p99"),
        node(peer_loaded, "call_roundtrip_us_p99"),
    );
    line(
        "process CPU per wall second during the round trips",
        |c| c.rt_cpu,
        "",
        f64::NAN,
        f64::NAN,
    );
    line(
        "50 plugins round robin, call p50",
        |c| c.many_p50,
        "µs",
        node(many_quiet, "many_call_us_p50"),
        node(many_loaded, "many_call_us_p50"),
    );
    line(
        "50 plugins round robin, call p99",
        |c| c.many_p99,
        "µs",
        node(many_quiet, "many_call_us_p99"),
        node(many_loaded, "many_call_us_p99"),
    );
    line(
        "throughput, 50 plugins, 64 callers",
        |c| c.throughput,
        "calls/s",
        node(many_quiet, "throughput_calls_per_s"),
        node(many_loaded, "throughput_calls_per_s"),
    );
    let ratio = |a: f64, n: f64| a / n;
    println!(
        "\nround trip p50 / Node's: quiet {:.2}, loaded {:.2} (target loaded ≤ 0.30); always spin: quiet {:.2}, loaded {:.2}",
        ratio(aq.rt_p50, node(peer_quiet, "call_roundtrip_us_p50")),
        ratio(al.rt_p50, node(peer_loaded, "call_roundtrip_us_p50")),
        ratio(sq.rt_p50, node(peer_quiet, "call_roundtrip_us_p50")),
        ratio(sl.rt_p50, node(peer_loaded, "call_roundtrip_us_p50")),
    );
}

/// The 50-plugin Node peer (benches/node_many_peer.js, adapted from the shared peer): calls
/// round robin and throughput, as `call_figures` measures them.
fn run_many_peer(calls: usize, secs: f64) -> Option<serde_json::Value> {
    let peer = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/node_many_peer.js");
    let out = std::process::Command::new("node")
        .arg(&peer)
        .args(["--plugins", "50", "--calls", &calls.to_string()])
        .args(["--secs", &secs.to_string()])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| serde_json::from_slice(&out.stdout).ok())
        .flatten()
}

/// The Node peer's JSON, without printing it.
fn run_peer_quiet(calls: usize) -> Option<serde_json::Value> {
    let peer = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/peers/node-workers.js");
    let out = std::process::Command::new("node")
        .arg(&peer)
        .args(["--plugins", "50", "--calls", &calls.to_string()])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| serde_json::from_slice(&out.stdout).ok())
        .flatten()
}
// end PERF

// ---------------------------------------------------------------------------------------
// PERF (issue 20): where an idle plugin's RSS goes, and where a cold start's time goes.

/// Resident KB of this process's mappings, by kind, from /proc/self/smaps: thread stacks
/// (anonymous read-write mappings of `stack_kb`, give or take the guard page), other anonymous memory (the
/// malloc heap and arenas: JS heaps, engine bookkeeping, runtimes, connections), and file
/// mappings (the binary, libraries, SQLite's -shm files).
#[derive(Clone, Copy, Default, Debug)]
struct Smaps {
    stacks_kb: f64,
    anon_kb: f64,
    file_kb: f64,
}

fn smaps(stack_kb: u64) -> Smaps {
    let text = std::fs::read_to_string("/proc/self/smaps").unwrap_or_default();
    let mut out = Smaps::default();
    let (mut size, mut anon, mut rw) = (0u64, false, false);
    for line in text.lines() {
        let mut f = line.split_whitespace();
        let Some(first) = f.next() else { continue };
        if first.contains('-') && !first.ends_with(':') {
            // A mapping's header: "start-end perms offset dev inode [path]".
            let perms = f.next().unwrap_or("");
            let path = f.nth(3);
            rw = perms.starts_with("rw");
            anon = path.is_none_or(|p| p.starts_with('[') && p != "[vdso]" && p != "[vvar]");
            size = 0;
            continue;
        }
        let kb = f.next().and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        match first {
            "Size:" => size = kb,
            "Rss:" => {
                let kb = kb as f64;
                if anon && rw && size.abs_diff(stack_kb) <= 8 {
                    out.stacks_kb += kb;
                } else if anon {
                    out.anon_kb += kb;
                } else {
                    out.file_kb += kb;
                }
            }
            _ => {}
        }
    }
    out
}

/// RSS (MB) `n` copies of a thing cost, each made by `make` on a thread of its own (with the
/// plugin threads' stack size) that then parks until the probe ends.
fn per_thread_cost(
    n: usize,
    stack: usize,
    make: impl Fn(usize) -> Box<dyn std::any::Any> + Send + Sync + 'static,
) -> f64 {
    let make = std::sync::Arc::new(make);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (tx, rx) = std::sync::mpsc::channel();
    let before = rss_mb();
    let threads: Vec<_> = (0..n)
        .map(|i| {
            let (make, stop, tx) = (make.clone(), stop.clone(), tx.clone());
            std::thread::Builder::new()
                .stack_size(stack)
                .spawn(move || {
                    let thing = make(i);
                    tx.send(()).unwrap();
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        std::thread::park();
                    }
                    drop(thing);
                })
                .unwrap()
        })
        .collect();
    for _ in 0..n {
        rx.recv().unwrap();
    }
    let per = (rss_mb() - before) / n as f64;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for t in threads {
        t.thread().unpark();
        t.join().unwrap();
    }
    per
}

/// The density breakdown at `n` idle plugins.
async fn density(b: &Bench<'_>) {
    let n = b.scale(1000, 200);
    let stack = RuntimeConfig::default().thread_stack_size;
    let stack_kb = (stack / 1024) as u64;
    let rt = PluginRuntime::new(RuntimeConfig {
        data_dir: b.tmp.join("data-density"),
        health_interval: None,
        ..RuntimeConfig::default()
    })
    .unwrap();
    // One plugin first, so what every runtime holds once is not counted per plugin.
    let first = rt
        .load(plugin_dir(b.tmp, "dense-first", json!({}), SMALL_TS))
        .await
        .unwrap();
    let (rss0, maps0) = (rss_mb(), smaps(stack_kb));
    let mut handles = Vec::new();
    for i in 0..n {
        let dir = plugin_dir(b.tmp, &format!("dense-{i}"), json!({}), SMALL_TS);
        handles.push(rt.load(&dir).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (rss1, maps1) = (rss_mb(), smaps(stack_kb));
    let mut heap = Vec::new();
    for h in handles.iter().take(50) {
        heap.push(h.collect_garbage().await.unwrap().used.0 as f64 / 1_048_576.0);
    }
    let heap_mb = pct(&mut heap, 0.5);
    let per = (rss1 - rss0) / n as f64;
    let per_kb = |a: f64, b: f64| (b - a) / 1024.0 / n as f64;
    let stacks = per_kb(maps0.stacks_kb, maps1.stacks_kb);
    let anon = per_kb(maps0.anon_kb, maps1.anon_kb);
    let file = per_kb(maps0.file_kb, maps1.file_kb);
    for h in &handles {
        h.unload().await.unwrap();
    }
    first.unload().await.unwrap();
    drop(handles);
    rt.shutdown().await;

    // What each piece costs alone, on threads like the plugins' (n of each).
    let probes = n.min(200);
    let thread = per_thread_cost(probes, stack, |_| Box::new(()));
    let tokio_rt = per_thread_cost(probes, stack, |_| {
        Box::new(
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
        )
    });
    let db_dir = b.tmp.join("density-sqlite");
    std::fs::create_dir_all(&db_dir).unwrap();
    let sqlite = per_thread_cost(probes, stack, move |i| {
        let conn = rusqlite::Connection::open(db_dir.join(format!("{i}.sqlite3"))).unwrap();
        conn.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;
             CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY NOT NULL, kind INTEGER NOT NULL,
             value BLOB NOT NULL) WITHOUT ROWID;",
        )
        .unwrap();
        let _: i64 = conn
            .query_row("SELECT COALESCE(SUM(length(value)), 0) FROM kv", [], |r| {
                r.get(0)
            })
            .unwrap();
        Box::new(conn)
    });
    println!("\nRSS per idle plugin at {n} plugins, and where it goes (MB per plugin)\n");
    println!("| part | MB per plugin | how it is measured |");
    println!("|---|---:|---|");
    let r = |name: &str, v: f64, how: &str| println!("| {name} | {v:.2} | {how} |");
    r(
        "RSS per idle plugin",
        per,
        "process RSS before and after, divided by the plugins",
    );
    r(
        "… thread stacks (touched pages)",
        stacks,
        "smaps: anonymous rw mappings of the stack size",
    );
    r(
        "… other anonymous memory",
        anon,
        "smaps: malloc heap and arenas",
    );
    r(
        "… file mappings",
        file,
        "smaps: SQLite -shm files, binary pages",
    );
    r(
        "JS heap in use after a GC (p50 of 50)",
        heap_mb,
        "the engine's allocated bytes, malloc overhead included (PluginHandle::collect_garbage)",
    );
    r(
        "a parked thread alone",
        thread,
        &format!("{probes} threads with the plugin stack size"),
    );
    r(
        "… with a current-thread tokio runtime (enable_all)",
        tokio_rt - thread,
        "difference to the bare thread",
    );
    r(
        "… with an open SQLite connection (WAL, the kv table)",
        sqlite - thread,
        "difference to the bare thread",
    );
    r(
        "the rest: engine bookkeeping, allocator slack",
        per - heap_mb - thread - (tokio_rt - thread) - (sqlite - thread),
        "RSS per plugin minus the parts above",
    );
}

/// Where a cold start's time goes: the `qirvo::timing` events of each load.
#[derive(Default)]
struct Phases(std::sync::Mutex<Vec<(String, &'static str, u64)>>);

static PHASES: Phases = Phases(std::sync::Mutex::new(Vec::new()));

struct PhaseLayer;

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for PhaseLayer {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        #[derive(Default)]
        struct V {
            plugin: String,
            phase: Option<&'static str>,
            us: u64,
        }
        impl tracing::field::Visit for V {
            fn record_u64(&mut self, f: &tracing::field::Field, v: u64) {
                if f.name() == "us" {
                    self.us = v;
                }
            }
            fn record_str(&mut self, f: &tracing::field::Field, v: &str) {
                match f.name() {
                    "plugin" => self.plugin = v.to_string(),
                    "phase" => {
                        self.phase = [
                            "states",
                            "engine",
                            "bind",
                            "module",
                            "evaluate",
                            "initialize",
                        ]
                        .into_iter()
                        .find(|p| *p == v)
                    }
                    _ => {}
                }
            }
            fn record_debug(&mut self, _: &tracing::field::Field, _: &dyn std::fmt::Debug) {}
        }
        if event.metadata().target() != "qirvo::timing" {
            return;
        }
        let mut v = V::default();
        event.record(&mut v);
        if let Some(phase) = v.phase {
            PHASES.0.lock().unwrap().push((v.plugin, phase, v.us));
        }
    }
}

async fn cold_breakdown(b: &Bench<'_>) {
    use tracing_subscriber::layer::SubscriberExt;
    let filter = tracing_subscriber::filter::Targets::new()
        .with_target("qirvo::timing", tracing::Level::DEBUG);
    let _ = tracing::subscriber::set_global_default(
        tracing_subscriber::registry()
            .with(tracing_subscriber::Layer::with_filter(PhaseLayer, filter)),
    );
    for (label, snapshot) in [("from the snapshot", true), ("without the snapshot", false)] {
        let rt = PluginRuntime::new(RuntimeConfig {
            data_dir: b.tmp.join(format!("data-cold-{snapshot}")),
            startup_snapshot: snapshot,
            health_interval: None,
            ..RuntimeConfig::default()
        })
        .unwrap();
        let n = b.scale(40, 15);
        let mut totals = Vec::new();
        let mut ids = Vec::new();
        PHASES.0.lock().unwrap().clear();
        for i in 0..n {
            let id = format!("cold-{snapshot}-{i}");
            let dir = plugin_dir(b.tmp, &id, json!({}), SMALL_TS);
            let t = Instant::now();
            let h = rt.load(&dir).await.unwrap();
            totals.push(t.elapsed().as_secs_f64() * 1e3);
            h.unload().await.unwrap();
            ids.push(id);
        }
        let events = std::mem::take(&mut *PHASES.0.lock().unwrap());
        println!("\ncold start {label}, by phase (p50 over {n} loads, ms; transpile cache cold)\n");
        println!("| phase | p50 ms |");
        println!("|---|---:|");
        let mut sum = 0.0;
        for phase in [
            "states",
            "engine",
            "bind",
            "module",
            "evaluate",
            "initialize",
        ] {
            let mut xs: Vec<f64> = events
                .iter()
                .filter(|(_, p, _)| *p == phase)
                .map(|(_, _, us)| *us as f64 / 1e3)
                .collect();
            if xs.is_empty() {
                continue;
            }
            let p50 = pct(&mut xs, 0.5);
            sum += p50;
            println!("| {phase} | {p50:.2} |");
        }
        let total = pct(&mut totals, 0.5);
        println!(
            "| the rest: manifest, thread and runtime start, hand-offs (p50s, so only roughly additive) | {:.2} |",
            total - sum
        );
        println!("| load → initialized, total | {total:.2} |");
        rt.shutdown().await;
    }
}
// end PERF

// ---------------------------------------------------------------------------------------
// NPM (issue 19): cold start of a plugin importing an npm package, with the transpile cache
// cold (a fresh data directory) and warm (the same data directory, a new runtime). Run only
// these rows with `cargo bench --bench runtime -- --npm`. Needs npm (skipped with a note).

const NPM_ZOD_TS: &str = r#"import { z } from "zod";
const Order = z.object({ id: z.number().int(), items: z.array(z.string()).min(1) });
export function check(input: unknown): boolean { return Order.safeParse(input).success; }
"#;
const NPM_LODASH_TS: &str = r#"import _ from "lodash";
export function check(input: number[]): number[][] { return _.chunk(input, 2); }
"#;

async fn npm_cold_start(b: &Bench<'_>) {
    for (name, package, version, code) in [
        ("zod", "zod", "3.23.8", NPM_ZOD_TS),
        ("lodash (CommonJS)", "lodash", "4.17.21", NPM_LODASH_TS),
    ] {
        let dir = b.tmp.join(format!("npm-{package}"));
        std::fs::create_dir_all(&dir).unwrap();
        let manifest =
            json!({"id": format!("npm-{package}"), "version": "1.0.0", "main": "main.ts"});
        std::fs::write(dir.join("manifest.json"), manifest.to_string()).unwrap();
        std::fs::write(dir.join("main.ts"), code).unwrap();
        let pkg = json!({"private": true, "dependencies": {package: version}});
        std::fs::write(dir.join("package.json"), pkg.to_string()).unwrap();
        let installed = std::process::Command::new("npm")
            .args([
                "install",
                "--no-audit",
                "--no-fund",
                "--ignore-scripts",
                "--loglevel=error",
            ])
            .current_dir(&dir)
            .output()
            .is_ok_and(|o| o.status.success());
        if !installed {
            row(
                &format!("cold start importing {name}"),
                "skipped".into(),
                "npm install failed or npm is missing",
            );
            continue;
        }
        let load = |data: PathBuf| {
            let dir = dir.clone();
            async move {
                let rt = PluginRuntime::new(RuntimeConfig {
                    data_dir: data,
                    ..RuntimeConfig::default()
                })
                .unwrap();
                let t = Instant::now();
                let h = rt.load(&dir).await.unwrap();
                let ms = t.elapsed().as_secs_f64() * 1e3;
                h.unload().await.unwrap();
                ms
            }
        };
        let n = b.scale(10, 3);
        let mut cold = Vec::new();
        for i in 0..n {
            cold.push(load(b.tmp.join(format!("npm-cold-{package}-{i}"))).await);
        }
        let warm_dir = b.tmp.join(format!("npm-warm-{package}"));
        load(warm_dir.clone()).await;
        let mut warm = Vec::new();
        for _ in 0..n {
            warm.push(load(warm_dir.clone()).await);
        }
        row(
            &format!("cold start p50 importing {name}, cache cold"),
            format!("{:.2} ms", pct(&mut cold, 0.5)),
            "fresh data dir: resolve, read, transpile main.ts, CommonJS check, compile",
        );
        row(
            &format!("cold start p50 importing {name}, cache warm"),
            format!("{:.2} ms", pct(&mut warm, 0.5)),
            "same data dir, new runtime: transpiled TS and CommonJS checks from the cache",
        );
    }
}
