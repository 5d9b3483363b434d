//! Metrics: per-plugin counters kept as the plugin runs, readable as a struct
//! ([`PluginRuntime::metrics`](crate::PluginRuntime::metrics)) or in the Prometheus text
//! format ([`PluginRuntime::metrics_text`](crate::PluginRuntime::metrics_text)), names
//! prefixed `qirvo_` and a `plugin` label on per-plugin series.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::host::plugin::PluginHandle;
use crate::isolate::cpu::CpuStats;
use crate::state::HeapStats;

type Labels = Vec<(String, String)>;

/// A per-plugin series: name, help, and how to read it from a plugin's figures.
type Series = (&'static str, &'static str, fn(&PluginMetrics) -> f64);

/// Runtime-wide series that accumulate across scrapes (latency histograms).
pub(crate) struct RuntimeSeries {
    latency: Family<Labels, Histogram, fn() -> Histogram>,
}

fn latency_histogram() -> Histogram {
    // 10 µs .. ~40 s.
    Histogram::new(prometheus_client::metrics::histogram::exponential_buckets(
        0.00001, 4.0, 12,
    ))
}

impl RuntimeSeries {
    pub(crate) fn new() -> Self {
        RuntimeSeries {
            latency: Family::new_with_constructor(latency_histogram),
        }
    }

    pub(crate) fn observe_call(&self, plugin: &str, took: Duration) {
        self.latency
            .get_or_create(&vec![("plugin".to_string(), plugin.to_string())])
            .observe(took.as_secs_f64());
    }

    pub(crate) fn forget(&self, plugin: &str) {
        self.latency
            .remove(&vec![("plugin".to_string(), plugin.to_string())]);
    }
}

/// One plugin's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct PluginMetrics {
    pub id: String,
    pub state: crate::state::PluginState,
    /// Since it last started running (or was loaded, when never started).
    pub uptime: Duration,
    /// When it last started running (or was loaded), by the wall clock; constant until it
    /// starts again (a restart, a reload). `None` before it first started.
    pub started_at: Option<SystemTime>,
    pub initialize_time: Duration,
    pub start_time: Duration,
    pub calls: u64,
    /// Failures by phase: `call`, `initialize`, `start`, `stop`, `event`, …
    pub errors: BTreeMap<String, u64>,
    pub heap: HeapStats,
    pub cpu: CpuStats,
    pub storage_bytes: u64,
    pub network_requests: u64,
    pub network_bytes: u64,
    pub restarts: u32,
    /// The latest health check, if any.
    pub healthy: Option<bool>,
    /// fetch requests in flight now.
    pub connections_active: u64,
    /// Calls of Qirvo's ops (the `qirvo` global, fetch, console), by op name.
    pub op_calls: BTreeMap<String, u64>,
}

/// Figures for the whole runtime.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RuntimeMetrics {
    pub plugins: Vec<PluginMetrics>,
    pub plugins_by_state: BTreeMap<String, usize>,
    pub totals: Totals,
    /// FLEET (issue 18): whether a store over the network (fleet mode's PostgreSQL)
    /// answered its last call or health probe; `None` for a local store.
    pub storage_reachable: Option<bool>,
}

/// Sums over the loaded plugins.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Totals {
    pub calls: u64,
    pub errors: u64,
    pub heap_used: u64,
    pub heap_limit: u64,
    pub cpu_time: Duration,
    pub storage_bytes: u64,
    pub network_requests: u64,
    pub network_bytes: u64,
    pub restarts: u64,
    /// Plugin threads abandoned since the runtime started (a step that did not stop within
    /// its deadline plus the grace; see `PluginError::Unresponsive`). Not a sum over the
    /// loaded plugins: it counts unloaded ones too.
    pub abandoned: u64,
}

pub(crate) fn snapshot(handles: &[PluginHandle]) -> RuntimeMetrics {
    let mut out = RuntimeMetrics::default();
    for h in handles {
        let c = &h.shared.counters;
        // Before the literal: the `started` guard taken for `uptime` below lives to the
        // end of the statement, and `started_at` takes it too.
        let started_at = c.started_at();
        let m = PluginMetrics {
            id: h.id().to_string(),
            state: h.state(),
            uptime: c.started.lock().map(|t| t.elapsed()).unwrap_or_default(),
            started_at,
            initialize_time: Duration::from_micros(c.initialize_us.load(Ordering::Relaxed)),
            start_time: Duration::from_micros(c.start_us.load(Ordering::Relaxed)),
            calls: c.calls.load(Ordering::Relaxed),
            errors: c.errors.lock().clone(),
            heap: h.heap(),
            cpu: h.cpu(),
            storage_bytes: c.storage_bytes.load(Ordering::Relaxed),
            network_requests: c.net_requests.load(Ordering::Relaxed),
            network_bytes: c.net_bytes.load(Ordering::Relaxed),
            restarts: h.restarts(),
            healthy: h.health().map(|r| r.healthy),
            connections_active: c.connections_active.load(Ordering::Relaxed),
            op_calls: c
                .ops
                .lock()
                .iter()
                .map(|(k, v)| (k.to_string(), *v))
                .collect(),
        };
        *out.plugins_by_state.entry(m.state.to_string()).or_default() += 1;
        let t = &mut out.totals;
        t.calls += m.calls;
        t.errors += m.errors.values().sum::<u64>();
        t.heap_used += m.heap.used.bytes();
        t.heap_limit += m.heap.limit.bytes();
        t.cpu_time += m.cpu.time;
        t.storage_bytes += m.storage_bytes;
        t.network_requests += m.network_requests;
        t.network_bytes += m.network_bytes;
        t.restarts += u64::from(m.restarts);
        out.plugins.push(m);
    }
    out
}

fn gauge_family() -> Family<Labels, Gauge<f64, std::sync::atomic::AtomicU64>> {
    Family::default()
}

fn counter_family() -> Family<Labels, Counter<f64, std::sync::atomic::AtomicU64>> {
    Family::default()
}

/// The Prometheus text exposition of `metrics`.
pub(crate) fn encode_text(
    metrics: &RuntimeMetrics,
    series: &RuntimeSeries,
    host_api: &crate::ext::host_api::registry::HostApi,
    security: &crate::host::security::Security,
) -> String {
    // Families are written in registration order: keep this order.
    let mut reg = Registry::with_prefix("qirvo");
    register_plugin_gauges(&mut reg, metrics);
    register_plugin_counters(&mut reg, metrics);
    register_plugin_states(&mut reg, metrics);
    register_runtime(&mut reg, metrics, series);
    // The runtime-wide sums (heap, storage, plugin count) are `sum(...)` of the series
    // above; exporting them again would be a second family for the same figure.
    host_api.series().register(&mut reg);
    // SECURITY (issue 17): qirvo_security_events_total{plugin,kind,decision}.
    security.register(&mut reg, metrics.plugins.iter().map(|p| p.id.as_str()));
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = encode(&mut out, &reg);
    out
}

/// The `plugin` label of a per-plugin series.
fn plugin_label(id: &str) -> Labels {
    vec![("plugin".to_string(), id.to_string())]
}

/// One gauge per plugin for each figure of [`PluginMetrics`] that is a level; a figure
/// that is NaN (not known yet) is left out rather than exported.
fn register_plugin_gauges(reg: &mut Registry, metrics: &RuntimeMetrics) {
    let gauges: [Series; 10] = [
        // Prometheus naming (issue 16): a start time, not an uptime gauge (`time() - x`
        // gives the uptime and it survives a missed scrape); ratios in 0..1 with the unit
        // in the name; sums over plugins are left to PromQL rather than exported twice.
        (
            "plugin_start_time_seconds",
            "When the plugin last started running (or was loaded), in seconds since the Unix epoch",
            |m| {
                m.started_at
                    .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                    .map_or(0.0, |d| d.as_secs_f64())
            },
        ),
        (
            "plugin_initialize_duration_seconds",
            "How long initialize took",
            |m| m.initialize_time.as_secs_f64(),
        ),
        (
            "plugin_start_duration_seconds",
            "How long start took",
            |m| m.start_time.as_secs_f64(),
        ),
        ("plugin_heap_used_bytes", "JS heap in use", |m| {
            m.heap.used.bytes() as f64
        }),
        (
            "plugin_heap_limit_bytes",
            "JS heap limit (resources.memory)",
            |m| m.heap.limit.bytes() as f64,
        ),
        ("plugin_heap_peak_bytes", "Highest JS heap use seen", |m| {
            m.heap.peak.bytes() as f64
        }),
        (
            "plugin_cpu_usage_ratio",
            "Share of one core over the recent window, 0 to 1",
            |m| m.cpu.share / 100.0,
        ),
        (
            "plugin_throttled",
            "1 while the plugin is CPU-throttled",
            |m| f64::from(u8::from(m.cpu.throttled)),
        ),
        (
            "plugin_storage_bytes",
            "Bytes stored (qirvo.storage and files)",
            |m| m.storage_bytes as f64,
        ),
        (
            "plugin_healthy",
            "1 healthy, 0 unhealthy (absent before the first check)",
            |m| {
                m.healthy
                    .map(|h| f64::from(u8::from(h)))
                    .unwrap_or(f64::NAN)
            },
        ),
    ];
    for (name, help, get) in gauges {
        let fam = gauge_family();
        for m in &metrics.plugins {
            let v = get(m);
            if !v.is_nan() {
                fam.get_or_create(&plugin_label(&m.id)).set(v);
            }
        }
        reg.register(name, help, fam);
    }
}

/// The per-plugin counters: one series per plugin, then errors by phase and op calls by op.
fn register_plugin_counters(reg: &mut Registry, metrics: &RuntimeMetrics) {
    let counters: [Series; 6] = [
        ("plugin_calls", "Calls of the plugin's exports", |m| {
            m.calls as f64
        }),
        (
            "plugin_cpu_seconds",
            "CPU time of the plugin's thread",
            |m| m.cpu.time.as_secs_f64(),
        ),
        (
            "plugin_throttled_seconds",
            "Time spent CPU-throttled",
            |m| m.cpu.throttled_time.as_secs_f64(),
        ),
        ("plugin_network_requests", "fetch requests made", |m| {
            m.network_requests as f64
        }),
        (
            "plugin_network_bytes",
            "Response bytes read by fetch",
            |m| m.network_bytes as f64,
        ),
        ("plugin_restarts", "Restarts in a fresh isolate", |m| {
            f64::from(m.restarts)
        }),
    ];
    for (name, help, get) in counters {
        let fam = counter_family();
        for m in &metrics.plugins {
            fam.get_or_create(&plugin_label(&m.id)).inc_by(get(m));
        }
        reg.register(name, help, fam);
    }
    let errors = counter_family();
    for m in &metrics.plugins {
        for (phase, n) in &m.errors {
            errors
                .get_or_create(&vec![
                    ("plugin".to_string(), m.id.clone()),
                    ("phase".to_string(), phase.clone()),
                ])
                .inc_by(*n as f64);
        }
    }
    reg.register("plugin_errors", "Failures by phase", errors);
    let ops = counter_family();
    for m in &metrics.plugins {
        for (op, n) in &m.op_calls {
            ops.get_or_create(&vec![
                ("plugin".to_string(), m.id.clone()),
                ("op".to_string(), op.clone()),
            ])
            .inc_by(*n as f64);
        }
    }
    reg.register("plugin_op_calls", "Calls of Qirvo's ops by op", ops);
}

/// Connections in flight and lifecycle state per plugin, and the plugin count by state.
fn register_plugin_states(reg: &mut Registry, metrics: &RuntimeMetrics) {
    let active = gauge_family();
    for m in &metrics.plugins {
        active
            .get_or_create(&plugin_label(&m.id))
            .set(m.connections_active as f64);
    }
    reg.register(
        "plugin_connections_active",
        "fetch requests in flight",
        active,
    );
    let state = gauge_family();
    for m in &metrics.plugins {
        state
            .get_or_create(&vec![
                ("plugin".to_string(), m.id.clone()),
                ("state".to_string(), m.state.to_string()),
            ])
            .set(1.0);
    }
    reg.register(
        "plugin_state",
        "1 for the plugin's current lifecycle state",
        state,
    );
    let by_state = gauge_family();
    for (s, n) in &metrics.plugins_by_state {
        by_state
            .get_or_create(&vec![("state".to_string(), s.clone())])
            .set(*n as f64);
    }
    reg.register("plugins", "Loaded plugins by state", by_state);
}

/// The runtime-wide families: abandoned threads and the call latency histogram.
fn register_runtime(reg: &mut Registry, metrics: &RuntimeMetrics, series: &RuntimeSeries) {
    // RUNTIME (issue 12): abandoned plugin threads, as qirvo_plugins_abandoned_total.
    let abandoned: Counter<f64, AtomicU64> = Counter::default();
    abandoned.inc_by(metrics.totals.abandoned as f64);
    reg.register(
        "plugins_abandoned",
        "Plugin threads abandoned: a step that did not stop within its deadline plus the grace",
        abandoned,
    );
    reg.register(
        "plugin_call_duration_seconds",
        "Call latency seen by the host",
        series.latency.clone(),
    );
    // FLEET (issue 18): qirvo_storage_up, only with a store over the network.
    if let Some(up) = metrics.storage_reachable {
        let gauge: Gauge<f64, AtomicU64> = Gauge::default();
        gauge.set(if up { 1.0 } else { 0.0 });
        reg.register(
            "storage_up",
            "1 when the fleet store (PostgreSQL) answered its last call or health probe, else 0",
            gauge,
        );
    }
}
