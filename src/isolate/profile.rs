//! Why is a plugin slow, or growing? CPU profiles in the `.cpuprofile` format Chrome
//! DevTools opens, and a per-plugin report of optimisation opportunities: heap that keeps
//! growing across collections, the hottest functions, and the ops where the plugin waits.
//!
//! Profiles come from the engine's inspector `Profiler` domain through a local session on
//! the plugin's own thread: V8's sampling profiler on the `v8` engine; on the `quickjs`
//! engine, v8x's profiler, which samples the plugin's stack from the engine's interrupt
//! handler (about every millisecond of running JS) and records the time the plugin waits
//! as `(idle)`. Positions in TypeScript files are mapped back to the `.ts` lines.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::manifest::ByteSize;

/// A CPU profile of one plugin, in Chrome's `.cpuprofile` format (`nodes`, `samples`,
/// `timeDeltas`, `startTime`, `endTime`).
#[derive(Debug, Clone, PartialEq)]
pub struct CpuProfile {
    json: Value,
}

/// A function where a profile found the plugin running.
#[derive(Debug, Clone, PartialEq)]
pub struct HotFunction {
    /// Empty for anonymous functions.
    pub function: String,
    pub url: String,
    /// 1-based, in the original source.
    pub line: u32,
    /// Samples with this function on top of the stack.
    pub samples: u64,
    pub self_time: Duration,
    /// Percent of the samples in which the plugin was running (not idle).
    pub share: f64,
}

impl CpuProfile {
    pub(crate) fn from_json(json: Value) -> CpuProfile {
        CpuProfile { json }
    }

    /// The profile as JSON.
    pub fn json(&self) -> &Value {
        &self.json
    }

    /// Writes the `.cpuprofile` file (DevTools: Performance panel, *Load profile*).
    pub fn write_to(&self, path: impl AsRef<Path>) -> std::io::Result<()> {
        std::fs::write(path, self.json.to_string())
    }

    /// Samples taken.
    pub fn samples(&self) -> usize {
        self.json["samples"].as_array().map_or(0, Vec::len)
    }

    /// Functions by self time, hottest first (idle time and the engine's own frames left
    /// out).
    pub fn hottest(&self, n: usize) -> Vec<HotFunction> {
        let nodes: HashMap<u64, &Value> = self.json["nodes"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|n| Some((n["id"].as_u64()?, n)))
                    .collect()
            })
            .unwrap_or_default();
        let samples = self.json["samples"].as_array().cloned().unwrap_or_default();
        let deltas = self.json["timeDeltas"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        // A sample's time is the delta to the next sample.
        let mut by_fn: BTreeMap<(String, String, u32), (u64, u64)> = BTreeMap::new();
        let mut busy = 0u64;
        for (i, id) in samples.iter().enumerate() {
            let Some(node) = id.as_u64().and_then(|id| nodes.get(&id)) else {
                continue;
            };
            let frame = &node["callFrame"];
            let name = frame["functionName"].as_str().unwrap_or("");
            if matches!(
                name,
                "(idle)" | "(root)" | "(program)" | "(garbage collector)"
            ) {
                continue;
            }
            let url = frame["url"].as_str().unwrap_or("");
            if url.starts_with("ext:") || url.is_empty() {
                // The runtime's own code: counted, attributed to no plugin function.
                busy += 1;
                continue;
            }
            let us = deltas.get(i + 1).and_then(Value::as_u64).unwrap_or(0);
            let line = frame["lineNumber"].as_i64().unwrap_or(-1) + 1;
            let e = by_fn
                .entry((name.to_string(), url.to_string(), line.max(0) as u32))
                .or_default();
            e.0 += 1;
            e.1 += us;
            busy += 1;
        }
        let mut out: Vec<HotFunction> = by_fn
            .into_iter()
            .map(|((function, url, line), (samples, us))| HotFunction {
                function,
                url,
                line,
                samples,
                self_time: Duration::from_micros(us),
                share: if busy == 0 {
                    0.0
                } else {
                    samples as f64 * 100.0 / busy as f64
                },
            })
            .collect();
        out.sort_by(|a, b| b.samples.cmp(&a.samples).then(a.url.cmp(&b.url)));
        out.truncate(n);
        out
    }

    /// Rewrites positions through `map(url, line, column)` (0-based), e.g. to original
    /// TypeScript lines.
    pub(crate) fn map_positions(&mut self, map: impl Fn(&str, u32, u32) -> Option<(u32, u32)>) {
        let Some(nodes) = self.json["nodes"].as_array_mut() else {
            return;
        };
        for node in nodes {
            let frame = &mut node["callFrame"];
            let (Some(url), Some(line), Some(col)) = (
                frame["url"].as_str().map(str::to_string),
                frame["lineNumber"].as_i64(),
                frame["columnNumber"].as_i64(),
            ) else {
                continue;
            };
            if line < 0 || col < 0 {
                continue;
            }
            if let Some((l, c)) = map(&url, line as u32, col as u32) {
                frame["lineNumber"] = l.into();
                frame["columnNumber"] = c.into();
            }
        }
    }
}

/// Time the plugin spent in one of its ops (its calls into the host).
#[derive(Debug, Clone, PartialEq)]
pub struct OpStats {
    /// The op, e.g. `op_qirvo_storage_get`.
    pub op: String,
    pub calls: u64,
    /// Summed over calls: from the call to its result (for async ops, the wait).
    pub total: Duration,
    pub mean: Duration,
    /// Most calls of it in flight at once: 1 means the plugin always waited for one
    /// before making the next.
    pub max_concurrent: u64,
}

/// How the plugin's heap moved: the lowest figure in each quarter of the sampled window
/// (low points are after collections, so lows that keep rising are memory that survives
/// them).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HeapTrend {
    pub samples: usize,
    pub window: Duration,
    pub lows: Vec<ByteSize>,
    /// Every low above the one before, and the last 10% (and 1 MiB) above the first.
    pub growing: bool,
}

/// What the docs call optimisation opportunities, each with the figures behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct PerformanceReport {
    pub plugin: String,
    /// From the profile given, hottest first.
    pub hot_functions: Vec<HotFunction>,
    /// Its ops, by total time.
    pub ops: Vec<OpStats>,
    pub heap: HeapTrend,
    /// One line each, with figures.
    pub opportunities: Vec<String>,
}

impl fmt::Display for PerformanceReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "performance report: {}", self.plugin)?;
        if !self.hot_functions.is_empty() {
            writeln!(f, "  hottest functions (self time):")?;
            for h in &self.hot_functions {
                let name = if h.function.is_empty() {
                    "(anonymous)"
                } else {
                    &h.function
                };
                writeln!(
                    f,
                    "    {:5.1}%  {:>9.1} ms  {name}  {}:{}",
                    h.share,
                    h.self_time.as_secs_f64() * 1000.0,
                    short_url(&h.url),
                    h.line
                )?;
            }
        }
        if !self.ops.is_empty() {
            writeln!(f, "  ops (time from call to result):")?;
            for o in &self.ops {
                writeln!(
                    f,
                    "    {:<28} {:>7} calls  {:>9.1} ms total  {:>8.1} µs mean  max {} at once",
                    o.op,
                    o.calls,
                    o.total.as_secs_f64() * 1000.0,
                    o.mean.as_secs_f64() * 1e6,
                    o.max_concurrent
                )?;
            }
        }
        if self.heap.samples > 0 {
            let lows: Vec<String> = self.heap.lows.iter().map(|b| b.to_string()).collect();
            writeln!(
                f,
                "  heap lows over {:.0} s: {}{}",
                self.heap.window.as_secs_f64(),
                lows.join(" → "),
                if self.heap.growing { " (growing)" } else { "" }
            )?;
        }
        if self.opportunities.is_empty() {
            writeln!(f, "  no opportunities found")?;
        } else {
            writeln!(f, "  opportunities:")?;
            for o in &self.opportunities {
                writeln!(f, "    - {o}")?;
            }
        }
        Ok(())
    }
}

fn short_url(url: &str) -> &str {
    url.rsplit('/').next().unwrap_or(url)
}

pub(crate) use crate::counters::{HEAP_HISTORY, HeapHistory, OpTiming};

pub(crate) fn heap_trend(history: &HeapHistory) -> HeapTrend {
    let n = history.len();
    if n < 8 {
        return HeapTrend {
            samples: n,
            window: window(history),
            lows: history.iter().map(|(_, b)| ByteSize(*b)).take(1).collect(),
            growing: false,
        };
    }
    let quarter = n / 4;
    let lows: Vec<u64> = (0..4)
        .map(|q| {
            let end = if q == 3 { n } else { (q + 1) * quarter };
            history
                .range(q * quarter..end)
                .map(|(_, b)| *b)
                .min()
                .unwrap_or(0)
        })
        .collect();
    let rising = lows.windows(2).all(|w| w[1] > w[0]);
    let (first, last) = (lows[0], lows[3]);
    let growing = rising && last > first + first / 10 && last - first >= 1 << 20;
    HeapTrend {
        samples: n,
        window: window(history),
        lows: lows.into_iter().map(ByteSize).collect(),
        growing,
    }
}

fn window(history: &HeapHistory) -> Duration {
    match (history.front(), history.back()) {
        (Some(a), Some(b)) => b.0.duration_since(a.0),
        _ => Duration::ZERO,
    }
}

/// The plugin-facing name of an op, for advice.
fn api_of(op: &str) -> &str {
    match op {
        "op_qirvo_storage_get" => "qirvo.storage.get",
        "op_qirvo_storage_apply" => "qirvo.storage.set/delete",
        "op_qirvo_storage_list" => "qirvo.storage.list",
        "op_qirvo_fetch" => "fetch",
        "op_qirvo_fs_read" | "op_qirvo_fs_read_text" => "qirvo.fs.read",
        "op_qirvo_fs_write" => "qirvo.fs.write",
        "op_qirvo_events_emit" => "qirvo.events.emit",
        other => other,
    }
}

pub(crate) fn build_report(
    plugin: &str,
    profile: Option<&CpuProfile>,
    ops: &BTreeMap<&'static str, OpTiming>,
    heap: &HeapHistory,
) -> PerformanceReport {
    let hot_functions = profile.map(|p| p.hottest(10)).unwrap_or_default();
    let mut ops: Vec<OpStats> = ops
        .iter()
        .filter(|(_, t)| t.calls > 0)
        .map(|(name, t)| {
            let total = Duration::from_nanos(t.busy_ns.min(u64::MAX as u128) as u64);
            OpStats {
                op: name.to_string(),
                calls: t.calls,
                total,
                mean: total / (t.calls.min(u32::MAX as u64) as u32).max(1),
                max_concurrent: t.max_in_flight,
            }
        })
        .collect();
    ops.sort_by_key(|o| std::cmp::Reverse(o.total));
    let heap = heap_trend(heap);

    let mut opportunities = Vec::new();
    if heap.growing {
        let lows: Vec<String> = heap.lows.iter().map(|b| b.to_string()).collect();
        opportunities.push(format!(
            "suspected leak: the heap's low point rose in every quarter of the last {:.0} s ({}); memory is surviving collections",
            heap.window.as_secs_f64(),
            lows.join(" → ")
        ));
    }
    if let Some(top) = hot_functions.first()
        && top.share >= 20.0
        && top.samples >= 10
    {
        opportunities.push(format!(
            "hot function: {} ({}:{}) is {:.0}% of the time the plugin runs ({:.1} ms self time)",
            if top.function.is_empty() {
                "(anonymous)"
            } else {
                &top.function
            },
            short_url(&top.url),
            top.line,
            top.share,
            top.self_time.as_secs_f64() * 1000.0
        ));
    }
    for o in &ops {
        let batched = matches!(
            o.op.as_str(),
            "op_qirvo_storage_get" | "op_qirvo_storage_apply"
        );
        if batched && o.calls >= 100 && o.max_concurrent == 1 {
            opportunities.push(format!(
                "{} was called {} times, one at a time ({:.1} ms waiting, {:.1} µs each): read related keys with one qirvo.storage.list({{ prefix }}), write them with one qirvo.storage.atomic()…commit()",
                api_of(&o.op),
                o.calls,
                o.total.as_secs_f64() * 1000.0,
                o.mean.as_secs_f64() * 1e6
            ));
        } else if o.op == "op_qirvo_fetch" && o.calls >= 10 && o.max_concurrent == 1 {
            opportunities.push(format!(
                "fetch was called {} times, one at a time ({:.1} ms waiting): independent requests can run together with Promise.all",
                o.calls,
                o.total.as_secs_f64() * 1000.0
            ));
        }
    }
    PerformanceReport {
        plugin: plugin.to_string(),
        hot_functions,
        ops,
        heap,
        opportunities,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn hottest_counts_self_samples_and_skips_idle() {
        let p = CpuProfile::from_json(serde_json::json!({
            "nodes": [
                { "id": 1, "callFrame": { "functionName": "(root)", "url": "", "lineNumber": -1, "columnNumber": -1 }, "children": [2, 4] },
                { "id": 2, "callFrame": { "functionName": "outer", "url": "file:///p/main.ts", "lineNumber": 4, "columnNumber": 0 }, "children": [3] },
                { "id": 3, "callFrame": { "functionName": "inner", "url": "file:///p/main.ts", "lineNumber": 9, "columnNumber": 2 }, "children": [] },
                { "id": 4, "callFrame": { "functionName": "(idle)", "url": "", "lineNumber": -1, "columnNumber": -1 }, "children": [] }
            ],
            "samples": [3, 3, 3, 2, 4, 4],
            "timeDeltas": [0, 1000, 1000, 1000, 1000, 1000],
            "startTime": 0, "endTime": 6000
        }));
        let hot = p.hottest(5);
        assert_eq!(hot[0].function, "inner");
        assert_eq!(hot[0].line, 10);
        assert_eq!(hot[0].samples, 3);
        assert_eq!(hot[0].share, 75.0);
        assert_eq!(hot[1].function, "outer");
        assert_eq!(hot.len(), 2);
    }

    #[test]
    fn op_timing_sums_overlapping_calls() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut t = OpTiming::default();
        t.started(t0);
        t.started(t0 + ms(1));
        t.ended(t0 + ms(3));
        t.ended(t0 + ms(4));
        // Two calls of 3 ms each (0–3 and 1–4), overlapping.
        assert_eq!(t.busy_ns, 6_000_000);
        assert_eq!(t.max_in_flight, 2);
        assert_eq!(t.calls, 2);
    }

    #[test]
    fn a_heap_whose_lows_keep_rising_is_a_suspected_leak() {
        let t0 = Instant::now();
        let mut h = HeapHistory::new();
        for i in 0..40u64 {
            // Saw-tooth (collections) on a rising floor.
            let floor = 4_000_000 + i * 200_000;
            h.push_back((
                t0 + Duration::from_millis(i * 100),
                floor + (i % 3) * 500_000,
            ));
        }
        let trend = heap_trend(&h);
        assert!(trend.growing, "{trend:?}");
        let mut flat = HeapHistory::new();
        for i in 0..40u64 {
            flat.push_back((
                t0 + Duration::from_millis(i * 100),
                4_000_000 + (i % 5) * 800_000,
            ));
        }
        assert!(!heap_trend(&flat).growing);
    }
}
