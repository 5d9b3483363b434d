//! `qirvo.fs`: scoped to `<data_dir>/plugins/<id>/files/`, only with filesystem-access.

use qirvo::{PluginRuntime, RuntimeConfig};
use serde_json::json;

use crate::helpers::*;

fn runtime_at(dir: &std::path::Path) -> PluginRuntime {
    PluginRuntime::new(RuntimeConfig {
        data_dir: dir.to_path_buf(),
        ..RuntimeConfig::default()
    })
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn files_round_trip_inside_the_plugin_directory() {
    let data = tempfile::tempdir().unwrap();
    let rt = runtime_at(data.path());
    let p = rt.load(plugin_fixture("files")).await.unwrap();
    let r = p.call("roundTrip", vec![]).await.unwrap();
    assert_eq!(
        r,
        json!({"text": "héllo", "bytes": [1, 2, 3], "list": ["blob.bin:f", "notes:d"], "size": 3,
               "isFile": true, "mtime": true, "gone": "NotFound"})
    );
    // It really is the plugin's own directory under data_dir.
    let on_disk = data.path().join("plugins/files/files/blob.bin");
    assert_eq!(std::fs::read(on_disk).unwrap(), [1, 2, 3]);
}

#[tokio::test(flavor = "multi_thread")]
async fn paths_and_links_cannot_leave_the_directory() {
    let data = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("passwd"), "secret").unwrap();
    let files = data.path().join("plugins/files/files");
    std::fs::create_dir_all(&files).unwrap();
    std::os::unix::fs::symlink(outside.path(), files.join("link-out")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("passwd"), files.join("passwd-link")).unwrap();
    let rt = runtime_at(data.path());
    let p = rt.load(plugin_fixture("files")).await.unwrap();
    let r = p.call("escapes", vec![]).await.unwrap();
    for (name, outcome) in r.as_object().unwrap() {
        assert_eq!(outcome, "PermissionDenied", "{name}: {r}");
    }
    assert!(!data.path().join("plugins/files/escape.txt").exists());
    assert!(
        data.path().join("plugins/files/files").exists(),
        "root not removed"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn file_bytes_count_against_the_storage_quota() {
    let data = tempfile::tempdir().unwrap();
    let rt = runtime_at(data.path());
    let p = rt.load(plugin_fixture("files")).await.unwrap();
    assert_eq!(
        p.call("fill", vec![json!(100 * 1024)]).await.unwrap(),
        json!("QuotaExceededError")
    );
    assert_eq!(
        p.call("fill", vec![json!(50 * 1024)]).await.unwrap(),
        json!("ok")
    );
    // 50KB of files + 20KB of storage > 64KB.
    assert_eq!(
        p.call("storeAfterFiles", vec![]).await.unwrap(),
        json!("QuotaExceededError")
    );
    assert_eq!(
        p.call("fill", vec![json!(1024)]).await.unwrap(),
        json!("ok"),
        "shrinking is allowed"
    );
    assert_eq!(
        p.call("storeAfterFiles", vec![]).await.unwrap(),
        json!("ok")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn without_the_permission_there_is_no_fs() {
    let data = tempfile::tempdir().unwrap();
    let rt = runtime_at(data.path());
    let p = rt.load(plugin_fixture("no-files")).await.unwrap();
    assert_eq!(
        p.call("probe", vec![]).await.unwrap(),
        // `host`: the host API's functions (HOSTAPI, issue 14), an empty object here.
        json!({"fs": "undefined", "keys": ["errors", "events", "host", "log", "plugin", "scheduler", "storage"]})
    );
    assert!(!data.path().join("plugins/no-files/files").exists());
}
