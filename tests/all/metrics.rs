//! Metrics as a struct and in the Prometheus text format.

use serde_json::json;

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread")]
async fn metrics_count_what_plugins_do() {
    let (rt, _) = runtime();
    let hello = rt.load(plugin_fixture("hello")).await.unwrap();
    hello.start().await.unwrap();
    hello.call("greet", vec![json!("a")]).await.unwrap();
    hello.call("greet", vec![json!("b")]).await.unwrap();
    hello.call("missing", vec![]).await.unwrap_err();
    let store = rt.load(plugin_fixture("storage")).await.unwrap();
    store
        .call("set", vec![json!("k"), json!("v")])
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(120)).await;
    store.call("get", vec![json!("k")]).await.unwrap();

    let m = rt.metrics();
    assert_eq!(m.plugins_by_state.get("running"), Some(&1));
    assert_eq!(m.plugins_by_state.get("initialized"), Some(&1));
    let h = m
        .plugins
        .iter()
        .find(|p| p.id == "com.example.hello")
        .unwrap();
    assert_eq!(h.calls, 3);
    assert_eq!(h.state, qirvo::PluginState::Running);
    // Serialized as the same lowercase word the text format and `qirvo run` print.
    assert_eq!(serde_json::to_value(h.state).unwrap(), json!("running"));
    assert_eq!(format!("{:<9}|", h.state), "running  |");
    assert_eq!(h.errors.get("call"), Some(&1));
    assert!(h.initialize_time.as_nanos() > 0 && h.start_time.as_nanos() > 0);
    assert!(h.heap.used.bytes() > 0 && h.cpu.time.as_nanos() > 0);
    assert_eq!(m.totals.calls, 5);
    assert_eq!(m.totals.errors, 1);
    let s = m.plugins.iter().find(|p| p.id == "storage").unwrap();
    assert!(s.storage_bytes > 0, "{s:?}");

    let text = rt.metrics_text();
    for line in [
        "qirvo_plugin_calls_total{plugin=\"com.example.hello\"} 3",
        "qirvo_plugin_errors_total{plugin=\"com.example.hello\",phase=\"call\"} 1",
        "qirvo_plugin_state{plugin=\"com.example.hello\",state=\"running\"} 1",
        "qirvo_plugins{state=\"running\"} 1",
        "qirvo_plugin_call_duration_seconds_count{plugin=\"com.example.hello\"} 3",
        "# TYPE qirvo_plugin_heap_used_bytes gauge",
        "# TYPE qirvo_plugin_cpu_seconds counter",
        "# TYPE qirvo_plugin_cpu_usage_ratio gauge",
        "# TYPE qirvo_plugin_start_time_seconds gauge",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
    // One HELP/TYPE block per metric family, whatever the number of plugins.
    assert_eq!(
        text.matches("# TYPE qirvo_plugin_heap_used_bytes gauge")
            .count(),
        1
    );
    hello.unload().await.unwrap();
    assert!(
        !rt.metrics_text().contains("com.example.hello"),
        "unloaded plugins leave no series"
    );
}

/// The value of `series` for the hello plugin in a text scrape.
fn hello_value(text: &str, series: &str) -> String {
    let prefix = format!("{series}{{plugin=\"com.example.hello\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no {prefix} in\n{text}"))
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn plugin_start_time_is_constant_between_scrapes_and_moves_on_restart() {
    let (rt, _) = runtime();
    let hello = rt.load(plugin_fixture("hello")).await.unwrap();
    hello.start().await.unwrap();
    const SERIES: &str = "qirvo_plugin_start_time_seconds";
    let first = hello_value(&rt.metrics_text(), SERIES);
    let mut struct_times = Vec::new();
    for _ in 0..5 {
        tokio::time::sleep(std::time::Duration::from_millis(15)).await;
        hello.call("greet", vec![json!("a")]).await.unwrap();
        assert_eq!(hello_value(&rt.metrics_text(), SERIES), first);
        let m = rt.metrics();
        struct_times.push(m.plugins[0].started_at.unwrap());
    }
    assert!(
        struct_times.windows(2).all(|w| w[0] == w[1]),
        "{struct_times:?}"
    );
    // Seconds since the epoch, close to now.
    let value: f64 = first.parse().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert!(value <= now && now - value < 60.0, "{value} vs {now}");

    // Started again (stopped, unloaded and loaded anew): a new, later start time, constant
    // in turn.
    hello.stop().await.unwrap();
    hello.unload().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let hello = rt.load(plugin_fixture("hello")).await.unwrap();
    hello.start().await.unwrap();
    let second = hello_value(&rt.metrics_text(), SERIES);
    assert!(
        second.parse::<f64>().unwrap() > value,
        "{second} after {first}"
    );
    tokio::time::sleep(std::time::Duration::from_millis(15)).await;
    assert_eq!(hello_value(&rt.metrics_text(), SERIES), second);
}

/// `GET /metrics` on `qirvo run --metrics-addr` picks its format from the `Accept` entry
/// with the highest `q` among the formats it serves, as Prometheus does.
#[test]
fn metrics_endpoint_honours_accept_q_values_and_versions() {
    let (mut child, port, _line, _data) = run_hello_with_metrics();
    let content_type = |accept: &str| {
        let accept = accept.trim_end_matches("\r\n");
        let head = if accept.is_empty() {
            "GET /metrics HTTP/1.1".to_string()
        } else {
            format!("GET /metrics HTTP/1.1\r\n{accept}")
        };
        let (headers, body) = crate::helpers::http(("127.0.0.1", port), &head);
        let ct = headers
            .lines()
            .find_map(|l| l.strip_prefix("content-type: "))
            .unwrap_or_else(|| panic!("no content-type in {headers}"))
            .to_string();
        (ct, body.to_string())
    };
    const OM: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    const TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";
    for (accept, expected) in [
        ("", TEXT),
        (
            "Accept: application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1\r\n",
            OM,
        ),
        ("Accept: application/openmetrics-text\r\n", OM),
        (
            "Accept: text/plain;q=1, application/openmetrics-text;q=0.1\r\n",
            TEXT,
        ),
        (
            "Accept: text/plain;q=0.2, application/openmetrics-text;q=0.9\r\n",
            OM,
        ),
        (
            "Accept: text/plain;q=0.5, application/openmetrics-text;q=0.5\r\n",
            OM,
        ),
        (
            "Accept: application/openmetrics-text;version=2.0.0\r\n",
            TEXT,
        ),
        ("Accept: application/openmetrics-text;q=0\r\n", TEXT),
        ("Accept: */*\r\n", TEXT),
        // One Accept split over two header lines.
        (
            "Accept: application/openmetrics-text;q=0.3\r\nAccept: text/plain;q=0.8\r\n",
            TEXT,
        ),
    ] {
        let (ct, body) = content_type(accept);
        assert_eq!(ct, expected, "for {accept:?}");
        // The body is in the format announced.
        assert_eq!(
            body.contains("# EOF"),
            expected == OM,
            "for {accept:?}\n{body}"
        );
    }
    let _ = child.kill();
    let _ = child.wait();
}
