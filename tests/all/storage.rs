//! `qirvo.storage`: values, scoping, atomic batches, quota, persistence and durability,
//! against every store: memory, SQLite and (with `QIRVO_TEST_POSTGRES_URL`, see
//! `fleet.rs`) PostgreSQL.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use qirvo::{PluginRuntime, PurgeError, RuntimeConfig, StorageKind};
use serde_json::json;

use crate::fleet::{postgres_kind, postgres_url};
use crate::helpers::*;

/// Every store, for the test named `test`: SQLite, memory, and PostgreSQL in a schema of
/// the test's own when there is a test database.
async fn every_store(test: &str) -> Vec<StorageKind> {
    let mut kinds = vec![StorageKind::Sqlite, StorageKind::Memory];
    if let Some(url) = postgres_url() {
        kinds.push(postgres_kind(&url, &format!("qirvo_t_storage_{test}")).await);
    }
    kinds
}

/// The stores that outlive a runtime: SQLite, and PostgreSQL when there is one.
async fn durable_stores(test: &str) -> Vec<StorageKind> {
    let mut kinds = every_store(test).await;
    kinds.retain(|k| *k != StorageKind::Memory);
    kinds
}

fn runtime_at(dir: &std::path::Path, storage: StorageKind) -> PluginRuntime {
    PluginRuntime::new(RuntimeConfig {
        data_dir: dir.to_path_buf(),
        storage,
        ..RuntimeConfig::default()
    })
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn values_lists_batches_and_quota() {
    for kind in every_store("values").await {
        let data = tempfile::tempdir().unwrap();
        let rt = runtime_at(data.path(), kind.clone());
        let p = rt.load(plugin_fixture("storage")).await.unwrap();
        let call = |name: &'static str, args: Vec<serde_json::Value>| {
            let p = p.clone();
            async move { p.call(name, args).await.unwrap() }
        };
        call(
            "set",
            vec![json!("user/1"), json!({"name": "Ada", "tags": ["x"]})],
        )
        .await;
        call("set", vec![json!("user/2"), json!(null)]).await;
        call("set", vec![json!("other"), json!(3.5)]).await;
        assert_eq!(
            call("get", vec![json!("user/1")]).await,
            json!({"name": "Ada", "tags": ["x"]})
        );
        assert_eq!(
            call("get", vec![json!("user/2")]).await,
            json!(null),
            "null is a value"
        );
        assert_eq!(
            call("get", vec![json!("nope")]).await,
            json!({"missing": true})
        );
        assert_eq!(
            call("list", vec![json!("user/")]).await,
            json!(["user/1", "user/2"])
        );
        assert_eq!(
            call("list", vec![json!(""), json!(1)]).await,
            json!(["other"])
        );
        assert_eq!(
            call("bytesRoundTrip", vec![]).await,
            json!([1, 0, 1, 254, 255])
        );
        call("atomicSwap", vec![json!("user/1"), json!("other")]).await;
        assert_eq!(
            call("get", vec![json!("other")]).await,
            json!({"name": "Ada", "tags": ["x"]})
        );
        call("del", vec![json!("other")]).await;
        assert_eq!(
            call("get", vec![json!("other")]).await,
            json!({"missing": true})
        );
        // Over the 4KB quota: a QuotaExceededError, and nothing of the batch written.
        assert_eq!(
            call("overQuota", vec![]).await,
            json!({"name": "QuotaExceededError", "isQuota": true, "small": null}),
            "{kind:?}"
        );
        assert_eq!(call("badValues", vec![]).await, json!(vec!["TypeError"; 5]));
        let used = call("usage", vec![]).await.as_u64().unwrap();
        assert!(used > 0 && used < 4096, "{used}");
        call("clear", vec![]).await;
        assert_eq!(call("usage", vec![]).await, json!(0));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn plugins_never_see_each_others_keys() {
    for kind in every_store("scoping").await {
        plugins_never_see_each_others_keys_in(kind).await;
    }
}

async fn plugins_never_see_each_others_keys_in(kind: StorageKind) {
    let data = tempfile::tempdir().unwrap();
    let rt = runtime_at(data.path(), kind);
    let a_dir = copy_plugin("storage", "tenant-a");
    let b_dir = copy_plugin("storage", "tenant-b");
    let a = rt.load(a_dir.path()).await.unwrap();
    let b = rt.load(b_dir.path()).await.unwrap();
    for key in [
        "secret",
        "../tenant-b/secret",
        "%",
        "tenant-b\u{0}secret",
        "'; DROP TABLE kv; --",
    ] {
        a.call("set", vec![json!(key), json!("a's")]).await.unwrap();
        assert_eq!(
            b.call("get", vec![json!(key)]).await.unwrap(),
            json!({"missing": true}),
            "{key:?}"
        );
    }
    assert_eq!(b.call("list", vec![json!("")]).await.unwrap(), json!([]));
    assert_eq!(
        a.call("list", vec![json!("")])
            .await
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        5
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unload_keeps_data_and_purge_removes_it() {
    for kind in durable_stores("purge").await {
        unload_keeps_data_and_purge_removes_it_in(kind).await;
    }
}

async fn unload_keeps_data_and_purge_removes_it_in(kind: StorageKind) {
    let data = tempfile::tempdir().unwrap();
    let rt = runtime_at(data.path(), kind.clone());
    let p = rt.load(plugin_fixture("storage")).await.unwrap();
    p.call("set", vec![json!("kept"), json!([1, 2])])
        .await
        .unwrap();
    assert!(matches!(
        rt.purge("storage").await,
        Err(PurgeError::Loaded { .. })
    ));
    p.unload().await.unwrap();
    // A new runtime over the same data directory (or database) sees it.
    drop(rt);
    let rt = runtime_at(data.path(), kind);
    let p = rt.load(plugin_fixture("storage")).await.unwrap();
    assert_eq!(
        p.call("get", vec![json!("kept")]).await.unwrap(),
        json!([1, 2])
    );
    p.unload().await.unwrap();
    rt.purge("storage").await.unwrap();
    let p = rt.load(plugin_fixture("storage")).await.unwrap();
    assert_eq!(
        p.call("get", vec![json!("kept")]).await.unwrap(),
        json!({"missing": true})
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_memory_store_writes_nothing_to_disk() {
    let data = tempfile::tempdir().unwrap();
    let rt = runtime_at(data.path(), StorageKind::Memory);
    let p = rt.load(plugin_fixture("storage")).await.unwrap();
    p.call("set", vec![json!("k"), json!(1)]).await.unwrap();
    p.unload().await.unwrap();
    let p = rt.load(plugin_fixture("storage")).await.unwrap();
    assert_eq!(
        p.call("get", vec![json!("k")]).await.unwrap(),
        json!(1),
        "kept for the runtime's life"
    );
    assert!(!data.path().join("plugins").exists());
}

/// A value whose `set` resolved survives the host being killed with SIGKILL right after.
#[test]
fn acknowledged_writes_survive_sigkill() {
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_qirvo"))
        .args([
            "call",
            "fixtures/plugins/storage",
            "stream",
            "1000000",
            "--data-dir",
        ])
        .arg(data.path())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        // `qirvo call` prints the plugin's lines on stderr (stdout holds only the result).
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut last_acked = None;
    for line in BufReader::new(child.stderr.take().unwrap()).lines() {
        let line = line.unwrap();
        if let Some(n) = line.strip_prefix("[storage] acked ") {
            let n: u64 = n.parse().unwrap();
            last_acked = Some(n);
            if n >= 300 {
                // Kill the instant after an acknowledgement.
                child.kill().unwrap();
                break;
            }
        }
    }
    child.wait().unwrap();
    let last = last_acked.expect("the child acknowledged writes");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let qrt = runtime_at(data.path(), StorageKind::Sqlite);
        let p = qrt.load(plugin_fixture("storage")).await.unwrap();
        for i in 0..=last {
            let v = p
                .call("get", vec![json!(format!("stream/{i:06}"))])
                .await
                .unwrap();
            assert_eq!(
                v,
                json!({"i": i}),
                "acknowledged write {i} of {last} was lost"
            );
        }
    });
}
