//! `Math.random()` is seeded afresh in every isolate: plugins in one runtime (made from the
//! startup snapshot, taken from the warm pool, or restarted in a fresh isolate) and
//! plugins in two processes never see the same sequence. Until the engine was set up
//! before the snapshot was made, every isolate of a process that made its snapshot got
//! deno_core's snapshotting seed (`--random-seed=42`): the same values everywhere, run
//! after run.

use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

use qirvo::{PluginError, PluginHandle, PluginRuntime, RuntimeConfig};

use crate::helpers::*;

/// The first three `Math.random()` values the plugin's isolate gave.
async fn first_values(p: &PluginHandle) -> Vec<f64> {
    let out = p.call("firstValues", vec![]).await.unwrap();
    let values: Vec<f64> = serde_json::from_value(out).unwrap();
    assert_eq!(values.len(), 3);
    for v in &values {
        assert!((0.0..1.0).contains(v), "Math.random() gave {v}");
    }
    values
}

/// Asserts that no two sequences share a value (each as exact bits).
fn assert_all_distinct(sequences: &[Vec<f64>]) {
    let mut seen = HashSet::new();
    for values in sequences {
        for v in values {
            assert!(
                seen.insert(v.to_bits()),
                "{v} appears twice in {sequences:?}"
            );
        }
    }
}

/// Copies the `random` fixture to `<parent>/<id>/` under the plugin id `id`.
fn random_plugin(parent: &Path, id: &str) -> std::path::PathBuf {
    let dir = parent.join(id);
    std::fs::create_dir_all(&dir).unwrap();
    let from = plugin_fixture("random");
    for file in ["main.js", "random.test.js"] {
        std::fs::copy(from.join(file), dir.join(file)).unwrap();
    }
    let mut manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(from.join("manifest.json")).unwrap())
            .unwrap();
    manifest["id"] = id.into();
    std::fs::write(dir.join("manifest.json"), manifest.to_string()).unwrap();
    dir
}

async fn until(what: &str, f: impl Fn() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(
            start.elapsed() < Duration::from_secs(180),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Loads `count` copies of the fixture into `rt` and returns their handles.
async fn load_many(
    rt: &PluginRuntime,
    parent: &Path,
    prefix: &str,
    count: usize,
) -> Vec<PluginHandle> {
    let mut handles = Vec::new();
    for i in 0..count {
        let dir = random_plugin(parent, &format!("{prefix}-{i}"));
        handles.push(rt.load(&dir).await.unwrap());
    }
    handles
}

#[tokio::test(flavor = "multi_thread")]
async fn every_isolate_gets_its_own_math_random_sequence() {
    let data_dir = tempfile::tempdir().unwrap();
    let plugins = tempfile::tempdir().unwrap();
    let config = |warm_isolates| RuntimeConfig {
        data_dir: data_dir.path().to_path_buf(),
        warm_isolates,
        ..RuntimeConfig::default()
    };

    // The first runtime of the process starts making the snapshot; every isolate below
    // starts from it.
    let rt = PluginRuntime::new(config(0)).unwrap();
    let ready =
        tokio::task::spawn_blocking(|| qirvo::wait_for_startup_snapshot(Duration::from_secs(180)))
            .await
            .unwrap();
    assert!(ready, "the startup snapshot was made");
    let handles = load_many(&rt, plugins.path(), "first", 6).await;
    let mut sequences = Vec::new();
    for p in &handles {
        sequences.push(first_values(p).await);
    }
    assert_all_distinct(&sequences);

    // A restart runs the plugin again in a fresh isolate: a fresh sequence too.
    let restarted = &handles[0];
    restarted.start().await.unwrap();
    let err = restarted.call("exhaust", vec![]).await.unwrap_err();
    assert!(
        matches!(err, PluginError::MemoryLimitExceeded { .. }),
        "{err:?}"
    );
    let after_restart = first_values(restarted).await;
    assert_eq!(restarted.restarts(), 1);
    sequences.push(after_restart);
    assert_all_distinct(&sequences);

    // A second runtime on the same data directory, with warm isolates (made from the
    // snapshot, several at once): three loads take them, two more are made on demand.
    let warm = PluginRuntime::new(config(3)).unwrap();
    until("the pool to warm", || warm.warm_pool().ready == 3).await;
    for p in load_many(&warm, plugins.path(), "warm", 5).await {
        sequences.push(first_values(&p).await);
    }
    assert!(warm.warm_pool().claimed >= 3, "{:?}", warm.warm_pool());
    assert_all_distinct(&sequences);

    warm.shutdown().await;
    rt.shutdown().await;
}

/// The first values each plugin's isolate logged (in `initialize`) while `qirvo` ran
/// with `args`, by plugin id.
fn qirvo_values(data_dir: &Path, args: &[&std::ffi::OsStr]) -> Vec<(String, Vec<f64>)> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_qirvo"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .output()
        .expect("run qirvo");
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{all}");
    let mut found = Vec::new();
    for line in all.lines() {
        let Some((head, values)) = line.split_once("random: ") else {
            continue;
        };
        let id = head
            .split(['[', ']'])
            .nth(1)
            .unwrap_or_else(|| panic!("no plugin id in {line:?}"));
        let values: Vec<f64> = values
            .split_whitespace()
            .map(|v| v.parse().unwrap_or_else(|_| panic!("{v:?} in {line:?}")))
            .collect();
        assert_eq!(values.len(), 3, "{line:?}");
        found.push((id.to_string(), values));
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

/// The reviewer's report: two plugins under `qirvo run` printed the same first value,
/// and the same again in every run (the process made its snapshot, and with it seeded
/// every isolate with deno_core's fixed snapshotting seed). `qirvo test` too.
#[test]
fn qirvo_run_and_test_give_each_plugin_and_each_process_its_own_values() {
    let plugins = tempfile::tempdir().unwrap();
    let data_dir = tempfile::tempdir().unwrap();
    for id in ["rnd-a", "rnd-b", "rnd-c"] {
        random_plugin(plugins.path(), id);
    }
    let dir = plugins.path().as_os_str();
    // A short run (the snapshot is still being made when it ends), a long one (it is
    // made, and cached), one that reads it from the cache, and two `qirvo test`s.
    let runs: [&[&str]; 5] = [
        &["run", "--for", "0"],
        &["run", "--for", "8s"],
        &["run", "--for", "0"],
        &["test"],
        &["test"],
    ];
    let mut sequences = Vec::new();
    for args in runs {
        let mut args: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_ref()).collect();
        args.insert(1, dir);
        let found = qirvo_values(data_dir.path(), &args);
        let ids: Vec<&str> = found.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, ["rnd-a", "rnd-b", "rnd-c"], "qirvo {args:?}");
        sequences.extend(found.into_iter().map(|(_, values)| values));
    }
    assert_all_distinct(&sequences);
}
