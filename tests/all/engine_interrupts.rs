//! Builtins the watchdog must be able to stop (issue 12, family 2). Every member of the
//! `hostile-builtins` fixture keeps the engine in native code (array-likes with a huge
//! length, default sorts, quadratic string search, BigInt arithmetic, regexp backtracking,
//! JSON of a shared graph, `Atomics.wait`) far past its deadline; engine-scheduled jobs
//! (finalization callbacks, promise reactions) spin in their thousands. Each call must end
//! with a typed `Timeout` soon after its deadline, and the plugin and the host carry on.

use std::time::{Duration, Instant};

use qirvo::{PluginError, PluginHandle, PluginState};
use serde_json::json;

use crate::helpers::*;

/// The per-call deadline the hostile calls get.
const DEADLINE: Duration = Duration::from_millis(300);
/// How long after its deadline a call may take to return. Generous: the assertion is that
/// the call returns at all (unpatched, most members run for minutes or forever).
const GRACE: Duration = Duration::from_secs(3);

/// Calls `export(args)` with `deadline` and returns what a caller notices: the error if
/// it was not a `Timeout` with that limit, or a call that outlived deadline + grace.
async fn expect_timeout(
    p: &PluginHandle,
    export: &str,
    args: Vec<serde_json::Value>,
    deadline: Duration,
) -> Result<(), String> {
    let start = Instant::now();
    let result = p.call_with_timeout(export, args.clone(), deadline).await;
    let took = start.elapsed();
    // Printed only when something fails (a long passing log would push the failure out of
    // a truncated CI report): each member's outcome is in the error.
    match result {
        Err(PluginError::Timeout { limit, .. }) if limit == deadline => {}
        other => {
            return Err(format!(
                "{export}{args:?}: expected Timeout, got {other:?} after {took:?}"
            ));
        }
    }
    if took > deadline + GRACE {
        return Err(format!("{export}{args:?}: returned after {took:?}"));
    }
    Ok(())
}

/// The plugin answers a normal call at once: nothing the interrupted call started (a
/// native, queued finalization callbacks or promise jobs) still runs in its isolate.
async fn assert_answers(p: &PluginHandle, after: &str) {
    let start = Instant::now();
    assert_eq!(
        p.call("ping", vec![])
            .await
            .unwrap_or_else(|e| panic!("after {after}: {e}")),
        json!("pong"),
        "after {after}"
    );
    let took = start.elapsed();
    assert!(took < GRACE, "after {after}: ping took {took:?}");
    assert_eq!(p.state(), PluginState::Initialized, "after {after}");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_long_running_builtin_stops_at_its_deadline() {
    let (rt, _) = runtime();
    let p = rt.load(plugin_fixture("hostile-builtins")).await.unwrap();
    let hello = rt.load(plugin_fixture("hello")).await.unwrap();
    // Inputs too slow to build within a short deadline (big arrays, a huge BigInt).
    assert_eq!(
        p.call_with_timeout("prepare", vec![], Duration::from_secs(120))
            .await
            .unwrap(),
        json!(true)
    );
    let members: Vec<String> =
        serde_json::from_value(p.call("members", vec![]).await.unwrap()).unwrap();
    assert!(members.len() >= 30, "{members:?}");
    let mut failures = Vec::new();
    for member in &members {
        if let Err(e) = expect_timeout(&p, "run", vec![json!(member)], DEADLINE).await {
            failures.push(e);
        }
        // The interrupted builtin unwound: the same isolate answers the next call.
        assert_answers(&p, member).await;
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(
        hello.call("greet", vec![json!("x")]).await.unwrap(),
        json!("Hello, x!")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn engine_scheduled_callbacks_stop_with_the_call() {
    let (rt, _) = runtime();
    let p = rt.load(plugin_fixture("hostile-builtins")).await.unwrap();
    let hello = rt.load(plugin_fixture("hello")).await.unwrap();
    // 800,000 finalization callbacks that each spin, and 100,000 promise reactions that
    // each run for a while: one termination ends the whole batch, not one callback.
    for export in ["finalizers", "promiseJobs"] {
        let deadline = Duration::from_secs(1);
        if let Err(e) = expect_timeout(&p, export, vec![], deadline).await {
            panic!("{e}");
        }
        assert_answers(&p, export).await;
    }
    assert_eq!(
        hello.call("greet", vec![json!("y")]).await.unwrap(),
        json!("Hello, y!")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn atomics_wait_blocks_only_until_the_deadline() {
    let (rt, _) = runtime();
    let p = rt.load(plugin_fixture("hostile-builtins")).await.unwrap();
    // Blocking is allowed (as in Deno): a wait with a timeout times out by itself...
    assert_eq!(
        p.call("waitBriefly", vec![]).await.unwrap(),
        json!("timed-out")
    );
    // ...and a wait nothing will ever notify ends with the call's deadline.
    for member in ["atomicsWait", "atomicsWaitAsync"] {
        if let Err(e) = expect_timeout(&p, "run", vec![json!(member)], DEADLINE).await {
            panic!("{e}");
        }
        assert_answers(&p, member).await;
    }
}
