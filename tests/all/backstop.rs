//! The host's backstop: whatever the engine does, a step that does not stop after its
//! deadline (here: a plugin thread blocked in Rust by the test hook
//! `__qirvoTestBlockNative`, which no engine interrupt reaches) ends for its caller with
//! `Timeout` by the deadline plus the grace; the plugin is marked unresponsive (`error`),
//! its thread abandoned and counted, and nothing waits for that thread again: not
//! unload, shutdown, nor the runtime's drop. The other plugins carry on.

use std::time::Duration;

use qirvo::{Phase, PluginError, PluginHandle, PluginRuntime, PluginState};
use serde_json::{Value, json};

use crate::helpers::*;

/// Longer than any deadline + grace here: reaching it means something waited on a stuck
/// thread (the test then fails rather than hangs).
const LIVENESS: Duration = Duration::from_secs(20);

const BLOCKER: &str = r#"
let blockIn = null;
const block = (ms) => __qirvoTestBlockNative(ms);
export default {
  initialize(ctx) {
    blockIn = ctx.config.blockIn ?? null;
    if (blockIn === "initialize") block(Infinity);
    ctx.addCleanupTask(() => { if (blockIn === "cleanup") block(Infinity); });
  },
  start() { if (blockIn === "start") block(Infinity); },
  stop() { if (blockIn === "stop") block(Infinity); },
  healthCheck() { if (blockIn === "healthCheck") block(Infinity); return true; },
};
export function blockFor(ms) { block(ms); return "unblocked"; }
export function echo(x) { return x; }
export function blockLater(ms) { setTimeout(() => block(Infinity), ms); return "scheduled"; }
export function blockOnEvent() { qirvo.events.on("block.now", () => block(Infinity)); return "subscribed"; }
export function subscribe() { qirvo.events.on("ping", () => qirvo.log.info("pinged")); return "subscribed"; }
"#;

fn blocker(id: &str, timeout_ms: u64, block_in: Option<&str>) -> tempfile::TempDir {
    write_plugin(
        json!({
            "id": id, "version": "1.0.0", "main": "main.js",
            "resources": { "memory": "32MB", "timeout": timeout_ms },
            "config": { "blockIn": block_in },
        }),
        BLOCKER,
    )
}

fn hook_runtime() -> (PluginRuntime, Logs) {
    let (rt, logs) = runtime();
    rt.enable_test_block_native();
    (rt, logs)
}

async fn live<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(LIVENESS, f)
        .await
        .unwrap_or_else(|_| panic!("{what} waited on an abandoned thread"))
}

async fn hello(rt: &PluginRuntime) -> PluginHandle {
    rt.load(plugin_fixture("hello")).await.unwrap()
}

async fn greets(h: &PluginHandle) {
    assert_eq!(
        h.call("greet", vec![json!("x")]).await.unwrap(),
        json!("Hello, x!")
    );
}

fn is_unresponsive(e: &PluginError, id: &str, phase: Option<Phase>) -> bool {
    matches!(e, PluginError::Unresponsive { id: i, phase: p, limit, grace }
        if i == id && *p == phase && *grace >= Duration::from_secs(1) && *limit > Duration::ZERO)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_call_the_engine_cannot_stop_times_out_and_the_plugin_is_abandoned() {
    let (rt, logs) = hook_runtime();
    let other = hello(&rt).await;
    let _d = blocker("stuck", 300, None);
    let p = rt.load(_d.path()).await.unwrap();
    p.start().await.unwrap();

    // The stuck call and one queued behind it.
    let (stuck, queued) = live("the calls", async {
        tokio::join!(p.call("blockFor", vec![json!("Infinity")]), async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            p.call("echo", vec![json!(1)]).await
        })
    })
    .await;
    match stuck.unwrap_err() {
        PluginError::Timeout { id, phase, limit } => {
            assert_eq!(id, "stuck");
            assert_eq!(phase, Phase::Call("blockFor".into()));
            assert_eq!(limit, Duration::from_millis(300));
        }
        e => panic!("{e:?}"),
    }
    let queued = queued.unwrap_err();
    assert!(
        is_unresponsive(&queued, "stuck", Some(Phase::Call("blockFor".into()))),
        "{queued:?}"
    );
    // Marked unresponsive, with its reason.
    assert_eq!(p.state(), PluginState::Error);
    let why = p.unresponsive().expect("marked unresponsive");
    assert!(
        why.to_string().contains("call blockFor did not stop"),
        "{why}"
    );
    assert!(logs.wait_for("stuck", "abandoned").await);
    // Every request now fails at once, with the reason.
    for r in [
        live("a call", p.call("echo", vec![json!(2)]))
            .await
            .map(|_| ()),
        live("a health check", p.health_check()).await.map(|_| ()),
        live("gc", p.collect_garbage()).await.map(|_| ()),
    ] {
        let e = r.unwrap_err();
        assert!(matches!(e, PluginError::Unresponsive { .. }), "{e:?}");
    }
    // Counted in the metrics.
    assert_eq!(rt.metrics().totals.abandoned, 1);
    assert!(
        rt.metrics_text()
            .contains("qirvo_plugins_abandoned_total 1"),
        "{}",
        rt.metrics_text()
    );
    // The other plugin carries on.
    greets(&other).await;
    // Unloading does not wait for the thread, and the id can be used again at once.
    live("unload", p.unload()).await.unwrap();
    assert_eq!(p.state(), PluginState::Unloaded);
    assert!(rt.plugin("stuck").is_none());
    let again = live("reload", rt.load(_d.path())).await.unwrap();
    assert_eq!(again.call("echo", vec![json!(3)]).await.unwrap(), json!(3));
    greets(&other).await;
    live("shutdown", rt.shutdown()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn lifecycle_steps_that_never_stop_are_bounded_too() {
    let (rt, _logs) = hook_runtime();
    let other = hello(&rt).await;
    // start
    let _a = blocker("stuck-start", 200, Some("start"));
    let a = rt.load(_a.path()).await.unwrap();
    let e = live("start", a.start()).await.unwrap_err();
    assert!(
        matches!(
            &e,
            PluginError::Timeout {
                phase: Phase::Start,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(a.state(), PluginState::Error);
    // stop, and cleanup tasks (which run as part of stop)
    for (id, block_in) in [("stuck-stop", "stop"), ("stuck-cleanup", "cleanup")] {
        let _d = blocker(id, 200, Some(block_in));
        let p = rt.load(_d.path()).await.unwrap();
        p.start().await.unwrap();
        let e = live("stop", p.stop()).await.unwrap_err();
        assert!(
            matches!(
                &e,
                PluginError::Timeout {
                    phase: Phase::Stop,
                    ..
                }
            ),
            "{id}: {e:?}"
        );
        assert_eq!(p.state(), PluginState::Error);
        assert!(p.unresponsive().is_some(), "{id}");
        live("unload", p.unload()).await.unwrap();
    }
    // healthCheck
    let _h = blocker("stuck-health", 200, Some("healthCheck"));
    let h = rt.load(_h.path()).await.unwrap();
    let e = live("health check", h.health_check()).await.unwrap_err();
    assert!(
        matches!(
            &e,
            PluginError::Timeout {
                phase: Phase::HealthCheck,
                ..
            }
        ),
        "{e:?}"
    );
    // initialize: the load fails, in time.
    let _i = blocker("stuck-init", 200, Some("initialize"));
    let e = live("load", rt.load(_i.path())).await.unwrap_err();
    assert!(e.to_string().contains("timed out"), "{e}");
    // A plugin whose stop() blocks: unload, then shutdown, do not wait for it.
    let _u = blocker("stuck-unload", 200, Some("stop"));
    let u = rt.load(_u.path()).await.unwrap();
    u.start().await.unwrap();
    let _ = live("unload", u.unload()).await;
    assert_eq!(u.state(), PluginState::Unloaded);
    let _s = blocker("stuck-shutdown", 200, Some("stop"));
    let s = rt.load(_s.path()).await.unwrap();
    s.start().await.unwrap();
    greets(&other).await;
    live("shutdown", rt.shutdown()).await;
    assert!(rt.plugins().is_empty());
    assert_eq!(rt.metrics().totals.abandoned, 7);
}

#[tokio::test(flavor = "multi_thread")]
async fn events_timers_and_host_termination_are_backstopped() {
    let (rt, _logs) = hook_runtime();
    let other = hello(&rt).await;
    // An event handler that never stops.
    let _e = blocker("stuck-event", 200, None);
    let e = rt.load(_e.path()).await.unwrap();
    e.call("blockOnEvent", vec![]).await.unwrap();
    rt.events().emit("block.now", json!({})).unwrap();
    wait_for_state(&e, PluginState::Error).await;
    assert!(
        is_unresponsive(
            &e.unresponsive().unwrap(),
            "stuck-event",
            Some(Phase::Event("block.now".into()))
        ),
        "{:?}",
        e.unresponsive()
    );
    // A timer callback (background work, no caller waiting).
    let _t = blocker("stuck-timer", 200, None);
    let t = rt.load(_t.path()).await.unwrap();
    t.call("blockLater", vec![json!(10)]).await.unwrap();
    wait_for_state(&t, PluginState::Error).await;
    assert!(
        is_unresponsive(&t.unresponsive().unwrap(), "stuck-timer", None),
        "{:?}",
        t.unresponsive()
    );
    // The host's terminate() on a step that ignores it: the caller gets Terminated.
    let _h = blocker("stuck-terminate", 60_000, None);
    let h = rt.load(_h.path()).await.unwrap();
    let (r, _) = live("terminate", async {
        tokio::join!(h.call("blockFor", vec![json!("Infinity")]), async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            assert!(h.terminate());
        })
    })
    .await;
    let r = r.unwrap_err();
    assert!(matches!(r, PluginError::Terminated { .. }), "{r:?}");
    assert_eq!(h.state(), PluginState::Error);
    greets(&other).await;
    assert_eq!(rt.metrics().totals.abandoned, 3);
    // Dropping the runtime does not wait for the abandoned threads either.
    live("drop", async move { drop(rt) }).await;
}

/// A thread that comes back after it was abandoned ends quietly: it touches nothing the
/// plugin's successor (same id) now owns.
#[tokio::test(flavor = "multi_thread")]
async fn a_thread_that_comes_back_late_ends_without_touching_its_successor() {
    let (rt, logs) = hook_runtime();
    let _d = blocker("late", 200, None);
    let p = rt.load(_d.path()).await.unwrap();
    let e = live("call", p.call("blockFor", vec![json!(2500)]))
        .await
        .unwrap_err();
    assert!(matches!(e, PluginError::Timeout { .. }), "{e:?}");
    live("unload", p.unload()).await.unwrap();
    // Its successor subscribes to an event while the old thread is still blocked.
    let next = rt.load(_d.path()).await.unwrap();
    next.call("subscribe", vec![]).await.unwrap();
    // The old thread wakes up (2.5 s) and ends.
    tokio::time::sleep(Duration::from_millis(3000)).await;
    assert_eq!(p.state(), PluginState::Unloaded);
    assert_eq!(next.state(), PluginState::Initialized);
    rt.events().emit("ping", Value::Null).unwrap();
    assert!(
        logs.wait_for("late", "pinged").await,
        "the successor's subscription is intact"
    );
    assert_eq!(next.call("echo", vec![json!(4)]).await.unwrap(), json!(4));
    assert_eq!(rt.metrics().totals.abandoned, 1);
}

async fn wait_for_state(p: &PluginHandle, state: PluginState) {
    live("state", async {
        while p.state() != state {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
}
