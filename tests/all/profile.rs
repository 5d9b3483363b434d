//! Profiling a plugin: a `.cpuprofile` whose hottest function is the plugin's own, at its
//! TS line; and the performance report's opportunities, each with its figures.

use std::time::Duration;

use qirvo::PluginError;
use serde_json::json;

use crate::helpers::{plugin_fixture, runtime};

fn fib_line() -> u32 {
    let text = std::fs::read_to_string(plugin_fixture("profiled/main.ts")).unwrap();
    text.lines().position(|l| l.ends_with("@line:fib")).unwrap() as u32 + 1
}

#[tokio::test(flavor = "multi_thread")]
async fn a_profile_finds_the_hot_function_at_its_ts_line() {
    let (rt, _) = runtime();
    let p = rt.load(plugin_fixture("profiled")).await.unwrap();
    assert!(matches!(
        p.stop_profiling().await,
        Err(PluginError::Profiler { .. })
    ));
    p.start_profiling(Duration::from_millis(1)).await.unwrap();
    assert!(matches!(
        p.start_profiling(Duration::from_millis(1)).await,
        Err(PluginError::Profiler { .. })
    ));
    p.call("hot", vec![json!(26)]).await.unwrap();
    let profile = p.stop_profiling().await.unwrap();
    assert!(profile.samples() >= 5, "{} samples", profile.samples());
    let hot = profile.hottest(3);
    assert_eq!(hot[0].function, "fib", "{hot:?}");
    assert_eq!(hot[0].url, "file:///plugin/main.ts");
    assert_eq!(hot[0].line, fib_line(), "the TS line, not the emitted JS");
    assert!(hot[0].share > 50.0, "{hot:?}");

    // The file DevTools opens.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plugin.cpuprofile");
    profile.write_to(&file).unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    for key in ["nodes", "samples", "timeDeltas", "startTime", "endTime"] {
        assert!(json.get(key).is_some(), "{key} missing");
    }
    let report = p.performance_report(Some(&profile));
    assert!(
        report
            .opportunities
            .iter()
            .any(|o| o.starts_with("hot function: fib")),
        "{report}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_report_names_sequential_storage_calls_and_a_growing_heap() {
    let (rt, _) = runtime();
    let p = rt.load(plugin_fixture("profiled")).await.unwrap();
    assert_eq!(
        p.call("manyReads", vec![json!(150)]).await.unwrap(),
        json!(11175)
    );
    for _ in 0..16 {
        p.call("grow", vec![]).await.unwrap();
        tokio::time::sleep(Duration::from_millis(110)).await;
    }
    let report = p.performance_report(None);
    let get = report
        .ops
        .iter()
        .find(|o| o.op == "op_qirvo_storage_get")
        .expect("storage.get timed");
    assert_eq!(get.calls, 150);
    assert_eq!(get.max_concurrent, 1);
    assert!(get.total > Duration::ZERO);
    assert!(
        report
            .opportunities
            .iter()
            .any(|o| o.contains("qirvo.storage.get was called 150 times, one at a time")),
        "{report}"
    );
    assert!(report.heap.growing, "{report}");
    assert!(
        report
            .opportunities
            .iter()
            .any(|o| o.starts_with("suspected leak")),
        "{report}"
    );
    // Printed, it is a readable report.
    let text = report.to_string();
    assert!(text.starts_with("performance report: profiled\n"), "{text}");
}
