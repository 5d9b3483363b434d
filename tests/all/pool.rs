//! The warm isolate pool: loads take ready isolates, each bound to its own plugin (its id,
//! logs, storage and grants, nothing of the isolate's placeholder or of other plugins), and
//! the pool fills again with the shape of the plugins being loaded.

use std::time::{Duration, Instant};

use qirvo::{PluginRuntime, RuntimeConfig};
use serde_json::json;

use crate::helpers::write_plugin;

const MAIN: &str = r#"
export function whoami() { console.log(`I am ${qirvo.plugin.id}`); return qirvo.plugin.id; }
export function grants() { return [typeof fetch, typeof qirvo.fs, qirvo.plugin.permissions]; }
export async function put(v) { await qirvo.storage.set("k", v); }
export async function get() { return (await qirvo.storage.get("k")) ?? null; }
export async function fetchOther() {
  try { await fetch("http://192.0.2.1/"); return "fetched"; } catch (e) { return String(e); }
}
"#;

fn plugin(id: &str, permissions: &[&str]) -> tempfile::TempDir {
    write_plugin(
        json!({ "id": id, "version": "1.0.0", "main": "main.js", "permissions": permissions,
                "network": { "allowedHosts": ["127.0.0.1"] } }),
        MAIN,
    )
}

async fn until(what: &str, f: impl Fn() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn loads_take_warm_isolates_bound_to_their_own_plugin() {
    let rt = PluginRuntime::new(RuntimeConfig {
        data_dir: tempfile::tempdir().unwrap().keep(),
        warm_isolates: 2,
        ..RuntimeConfig::default()
    })
    .unwrap();
    until("the pool to warm", || rt.warm_pool().ready == 2).await;

    let (a_dir, b_dir) = (plugin("warm-a", &[]), plugin("warm-b", &[]));
    let a = rt.load(a_dir.path()).await.unwrap();
    let b = rt.load(b_dir.path()).await.unwrap();
    let stats = rt.warm_pool();
    assert_eq!((stats.claimed, stats.missed), (2, 0));
    // Each is its own plugin: identity, logs, storage, grants.
    assert_eq!(a.call("whoami", vec![]).await.unwrap(), json!("warm-a"));
    assert_eq!(b.call("whoami", vec![]).await.unwrap(), json!("warm-b"));
    assert_eq!(a.logs().last().unwrap().message, "I am warm-a");
    assert_eq!(b.logs().last().unwrap().message, "I am warm-b");
    a.call("put", vec![json!(1)]).await.unwrap();
    assert_eq!(b.call("get", vec![]).await.unwrap(), json!(null));
    assert_eq!(a.call("get", vec![]).await.unwrap(), json!(1));
    assert_eq!(
        a.call("grants", vec![]).await.unwrap(),
        json!(["undefined", "undefined", []])
    );
    a.start().await.unwrap();
    assert_eq!(a.state(), qirvo::PluginState::Running);
    // The pool fills again.
    until("the pool to refill", || rt.warm_pool().ready == 2).await;

    // A plugin of another shape (network) makes its own isolate; the pool then warms that
    // shape, and the next such plugin gets a warm isolate with its own grants and
    // allow-list (not the placeholder's).
    let (n1, n2) = (
        plugin("warm-net-1", &["network-access"]),
        plugin("warm-net-2", &["network-access"]),
    );
    let first = rt.load(n1.path()).await.unwrap();
    assert_eq!(rt.warm_pool().missed, 1);
    until("network isolates", || rt.warm_pool().ready == 2).await;
    let second = rt.load(n2.path()).await.unwrap();
    assert_eq!(rt.warm_pool().claimed, 3);
    for p in [&first, &second] {
        assert_eq!(
            p.call("grants", vec![]).await.unwrap(),
            json!(["function", "undefined", ["network-access"]])
        );
        let refused = p.call("fetchOther", vec![]).await.unwrap();
        assert!(
            refused.as_str().unwrap().contains("192.0.2.1"),
            "the allow-list holds: {refused}"
        );
    }
    second.unload().await.unwrap();
    a.unload().await.unwrap();
}
