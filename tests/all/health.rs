//! Health checks on an interval, their history, and `plugin.health.changed` events.

use std::time::Duration;

use qirvo::{PluginRuntime, RuntimeConfig};
use serde_json::json;

use crate::helpers::*;

async fn next(changes: &mut qirvo::EventSubscription) -> qirvo::Event {
    tokio::time::timeout(Duration::from_secs(10), changes.recv())
        .await
        .unwrap()
        .unwrap()
}

const PLUGIN: &str = r#"
let mode = "ok";
export default {
  healthCheck() {
    if (mode === "throw") throw new Error("db down");
    if (mode === "hang") return new Promise(() => {});
    return mode === "ok";
  },
};
export function set(m) { mode = m; }
"#;

#[tokio::test(flavor = "multi_thread")]
async fn health_is_checked_recorded_and_announced() {
    let rt = PluginRuntime::new(RuntimeConfig {
        data_dir: tempfile::tempdir().unwrap().keep(),
        health_interval: Some(Duration::from_millis(50)),
        ..RuntimeConfig::default()
    })
    .unwrap();
    let mut changes = rt.events().subscribe("plugin.health.changed").unwrap();
    let dir = write_plugin(
        json!({ "id": "patient", "version": "1.0.0", "main": "main.js", "resources": { "timeout": 200 } }),
        PLUGIN,
    );
    let p = rt.load(dir.path()).await.unwrap();
    p.start().await.unwrap();
    // Healthy from the start: the first report is recorded, no change is announced.
    for _ in 0..200 {
        if p.health().is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(p.health().unwrap().healthy);

    p.call("set", vec![json!("false")]).await.unwrap();
    let e = next(&mut changes).await;
    assert_eq!(
        e.payload,
        json!({"plugin": "patient", "healthy": false, "issues": ["healthCheck() returned false"]})
    );
    p.call("set", vec![json!("ok")]).await.unwrap();
    let e = next(&mut changes).await;
    assert_eq!(e.payload["healthy"], true);
    p.call("set", vec![json!("throw")]).await.unwrap();
    let e = next(&mut changes).await;
    assert!(
        e.payload["issues"][0].as_str().unwrap().contains("db down"),
        "{e:?}"
    );
    p.call("set", vec![json!("ok")]).await.unwrap();
    next(&mut changes).await;
    p.call("set", vec![json!("hang")]).await.unwrap();
    let e = next(&mut changes).await;
    assert!(
        e.payload["issues"][0]
            .as_str()
            .unwrap()
            .contains("timed out"),
        "{e:?}"
    );

    let history = p.health_history();
    assert!(
        history.len() >= 5 && history.len() <= 20,
        "{}",
        history.len()
    );
    assert!(history.iter().any(|r| r.healthy) && history.iter().any(|r| !r.healthy));
    // An on-demand pass reports every plugin.
    let reports = rt.check_health().await;
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].0, "patient");
}
