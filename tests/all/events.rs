//! `qirvo.events` between plugins and the host.

use std::time::{Duration, Instant};

use qirvo::{EventSource, PluginHandle};
use serde_json::{Value, json};

use crate::helpers::*;

async fn wait_received(p: &PluginHandle, n: usize) -> Vec<Value> {
    let start = Instant::now();
    loop {
        let got = p.call("received", vec![]).await.unwrap();
        let got = got.as_array().unwrap().clone();
        if got.len() >= n || start.elapsed() > Duration::from_secs(10) {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn plugins_and_the_host_exchange_events() {
    let (rt, logs) = runtime();
    let a_dir = copy_plugin("events", "listener");
    let b_dir = copy_plugin("events", "emitter");
    let a = rt.load(a_dir.path()).await.unwrap();
    let b = rt.load(b_dir.path()).await.unwrap();
    let mut host_sub = rt.events().subscribe("order.*").unwrap();

    // Plugin → plugins (both subscribed to order.*), and the host sees it too.
    let queued = b
        .call("emit", vec![json!("order.created"), json!({"id": 1})])
        .await
        .unwrap();
    assert_eq!(queued, json!(2));
    let got = wait_received(&a, 1).await;
    assert_eq!(
        got[0],
        json!({"name": "order.created", "source": "emitter", "payload": {"id": 1}})
    );
    let seen = tokio::time::timeout(Duration::from_secs(5), host_sub.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(seen.name, "order.created");
    assert_eq!(seen.source, EventSource::Plugin("emitter".into()));
    assert_eq!(seen.payload, json!({"id": 1}));

    // Host → plugins.
    assert_eq!(rt.events().emit("order.updated", json!([1, 2])).unwrap(), 2);
    let got = wait_received(&a, 2).await;
    assert_eq!(
        got[1],
        json!({"name": "order.updated", "source": "host", "payload": [1, 2]})
    );

    // In order per emitter.
    b.call("emitMany", vec![json!(50)]).await.unwrap();
    let got = wait_received(&a, 52).await;
    let seq: Vec<_> = got[2..]
        .iter()
        .map(|e| e["payload"]["i"].as_u64().unwrap())
        .collect();
    assert_eq!(seq, (0..50).collect::<Vec<_>>());

    // once fires once.
    rt.events().emit("ping", json!(null)).unwrap();
    rt.events().emit("ping", json!(null)).unwrap();
    let got = wait_received(&a, 53).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let pings = a
        .call("received", vec![])
        .await
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["name"] == "ping")
        .count();
    assert_eq!(pings, 1, "{got:?}");

    // A throwing handler and a spinning one are logged; other handlers and plugins go on.
    rt.events().emit("order.failed", json!({})).unwrap();
    rt.events().emit("spin.now", json!({})).unwrap();
    assert!(logs.wait_for("listener", "handler exploded").await);
    assert!(logs.wait_for("listener", "timed out").await);
    let got = wait_received(&a, 54).await;
    assert_eq!(
        got.last().unwrap()["name"],
        "order.failed",
        "the order.* handler still ran"
    );
    assert_eq!(
        a.call("emit", vec![json!("order.after"), json!(1)])
            .await
            .unwrap(),
        json!(2)
    );

    // Unloading removes subscriptions.
    a.unload().await.unwrap();
    assert_eq!(rt.events().emit("order.late", json!(1)).unwrap(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_names_and_large_payloads_are_refused() {
    let (rt, _) = runtime();
    let p = rt.load(plugin_fixture("events")).await.unwrap();
    assert_eq!(
        p.call("badEmit", vec![]).await.unwrap(),
        json!(vec!["TypeError"; 5])
    );
    assert!(rt.events().emit("bad name", json!(1)).is_err());
    assert!(rt.events().subscribe("a.*.b").is_err());
    assert!(
        rt.events()
            .emit("big", json!("x".repeat(70 * 1024)))
            .is_err()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_flood_of_events_is_bounded_per_subscriber() {
    let (rt, _) = runtime();
    let slow = write_plugin(
        json!({ "id": "slow-listener", "version": "1.0.0", "main": "main.js" }),
        r#"
        let got = 0;
        export default { initialize() { qirvo.events.on("flood.*", () => { const end = Date.now() + 1; while (Date.now() < end) {} got++; }); } };
        export function count() { return got; }
        "#,
    );
    let flooder = write_plugin(
        json!({ "id": "flooder", "version": "1.0.0", "main": "main.js", "resources": { "timeout": 60000 } }),
        r#"
        export async function flood(n) { let queued = 0; for (let i = 0; i < n; i++) queued += await qirvo.events.emit("flood.x", i); return queued; }
        export function subscribeMany(n) {
          for (let i = 0; i < n; i++) qirvo.events.on(`p${i}.x`, () => {});
        }
        "#,
    );
    let listener = rt.load(slow.path()).await.unwrap();
    let f = rt.load(flooder.path()).await.unwrap();
    let queued = f
        .call("flood", vec![json!(15_000)])
        .await
        .unwrap()
        .as_u64()
        .unwrap();
    // The listener's queue holds at most 10,000; the rest were dropped, not buffered.
    assert!(queued <= 10_000 + 2_000, "queued {queued}");
    assert!(queued > 0);
    assert!(
        listener
            .call("count", vec![])
            .await
            .unwrap()
            .as_u64()
            .unwrap()
            <= queued
    );
    // Subscriptions per plugin are bounded too.
    let err = f
        .call("subscribeMany", vec![json!(1_001)])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("at most 1000 patterns"), "{err}");
}
