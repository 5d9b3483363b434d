//! Isolation that holds: memory, time, recursion, termination, restarts and CPU. Each test
//! asserts the typed error, then shows the plugin (where it should) and the host carry on.

use std::time::Duration;

use qirvo::{ByteSize, LoadError, Phase, PluginError, PluginRuntime, PluginState, RuntimeConfig};
use serde_json::json;

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread")]
async fn a_heap_hog_fails_alone_with_a_typed_error() {
    let (rt, _) = runtime();
    let hello = rt.load(plugin_fixture("hello")).await.unwrap();
    for export in ["exhaust", "exhaustLater"] {
        let hog = rt.load(plugin_fixture("hog")).await.unwrap();
        assert_eq!(hog.call("small", vec![]).await.unwrap(), json!(1));
        let err = hog.call(export, vec![]).await.unwrap_err();
        let PluginError::MemoryLimitExceeded { limit, used, .. } = err else {
            panic!("{export}: expected MemoryLimitExceeded, got {err:?}");
        };
        assert_eq!(limit, ByteSize::mib(16));
        assert!(used >= ByteSize::mib(8), "{export}: used {used}");
        assert_eq!(hog.state(), PluginState::Error);
        let heap = hog.heap();
        assert_eq!(heap.limit, ByteSize::mib(16));
        assert!(heap.peak >= heap.used && heap.peak.bytes() > 0);
        // Its isolate is gone; the host and the other plugin are not.
        assert!(matches!(
            hog.call("small", vec![]).await,
            Err(PluginError::Gone { .. })
        ));
        hog.unload().await.unwrap();
        assert_eq!(
            hello
                .call("greet", vec![json!("still here")])
                .await
                .unwrap(),
            json!("Hello, still here!")
        );
    }
    let heap = hello.heap();
    assert!(
        heap.used.bytes() > 0 && heap.limit == ByteSize::mib(64),
        "{heap:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn runaway_code_times_out_and_the_plugin_stays_usable() {
    let (rt, _) = runtime();
    let spin = rt.load(plugin_fixture("spin")).await.unwrap();
    let hello = rt.load(plugin_fixture("hello")).await.unwrap();
    for export in ["spin", "spinInPromise", "spinInTimer", "spinWithCatch"] {
        // Another plugin answers while this one spins.
        let (spun, greeted) = tokio::join!(spin.call(export, vec![]), async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            hello.call("greet", vec![json!("x")]).await
        });
        let err = spun.unwrap_err();
        assert!(
            matches!(&err, PluginError::Timeout { limit, phase: Phase::Call(n), .. } if *limit == Duration::from_millis(200) && n == export),
            "{export}: {err:?}"
        );
        assert_eq!(
            err.to_string(),
            format!("plugin spin: call {export}: timed out after 200 ms")
        );
        assert_eq!(greeted.unwrap(), json!("Hello, x!"));
        // Termination was cancelled: the next call runs normally.
        assert!(spin.call("count", vec![]).await.unwrap().as_u64().unwrap() >= 1);
        assert_eq!(spin.state(), PluginState::Initialized);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn awaits_that_never_settle_end_at_the_deadline() {
    let (rt, _) = runtime();
    let p = rt.load(plugin_fixture("stuck-await")).await.unwrap();
    for export in ["never", "slowTimer"] {
        let err = p.call(export, vec![]).await.unwrap_err();
        assert!(
            matches!(err, PluginError::Timeout { limit, .. } if limit == Duration::from_millis(300)),
            "{export}: {err:?}"
        );
    }
    // A per-call deadline overrides the manifest's.
    let err = p
        .call_with_timeout("never", vec![], Duration::from_millis(30))
        .await
        .unwrap_err();
    assert!(
        matches!(err, PluginError::Timeout { limit, .. } if limit == Duration::from_millis(30)),
        "{err:?}"
    );
    assert_eq!(p.call("quick", vec![]).await.unwrap(), json!("quick"));
}

#[tokio::test(flavor = "multi_thread")]
async fn terminate_stops_the_running_call_from_another_thread() {
    let (rt, _) = runtime();
    let spin = rt.load(plugin_fixture("spin")).await.unwrap();
    assert!(!spin.terminate(), "nothing is running yet");
    let killer = spin.clone();
    // From a plain thread: retry until the call is running, then stop it.
    let t = std::thread::spawn(move || {
        for _ in 0..1000 {
            std::thread::sleep(Duration::from_millis(10));
            if killer.terminate() {
                return true;
            }
        }
        false
    });
    let err = spin
        .call_with_timeout("spin", vec![], Duration::from_secs(60))
        .await
        .unwrap_err();
    assert!(t.join().unwrap(), "terminate reached a running call");
    assert!(matches!(err, PluginError::Terminated { .. }), "{err:?}");
    assert!(spin.call("count", vec![]).await.is_ok());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_interrupted_call_takes_its_timers_with_it() {
    let (rt, logs) = runtime();
    let dir = write_plugin(
        json!({ "id": "timer-leaver", "version": "1.0.0", "main": "main.js", "resources": { "timeout": 150 } }),
        r#"
        export default { start() { setInterval(() => console.log("background"), 10); } };
        export function leaveTimer() {
          setTimeout(() => console.log("late from the call"), 300);
          for (;;) {}
        }
        export async function leaveTimerAndWait() {
          setTimeout(() => console.log("late from the await"), 300);
          await new Promise(() => {});
        }
        "#,
    );
    let p = rt.load(dir.path()).await.unwrap();
    p.start().await.unwrap();
    for export in ["leaveTimer", "leaveTimerAndWait"] {
        let err = p.call(export, vec![]).await.unwrap_err();
        assert!(matches!(err, PluginError::Timeout { .. }), "{err:?}");
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let lines = logs.messages("timer-leaver");
    assert!(!lines.iter().any(|l| l.starts_with("late")), "{lines:?}");
    // Background work the call did not create goes on.
    let count = || {
        logs.messages("timer-leaver")
            .iter()
            .filter(|l| *l == "background")
            .count()
    };
    let before = count();
    let mut grew = false;
    for _ in 0..500 {
        tokio::time::sleep(Duration::from_millis(10)).await;
        if count() > before {
            grew = true;
            break;
        }
    }
    assert!(grew, "the background interval stopped");
}

#[tokio::test(flavor = "multi_thread")]
async fn deep_recursion_is_a_range_error_inside_the_plugin() {
    let (rt, _) = runtime();
    let p = rt.load(plugin_fixture("deep")).await.unwrap();
    let err = p.call("recurse", vec![]).await.unwrap_err();
    assert!(
        err.exception().unwrap().message.starts_with("RangeError"),
        "{err:?}"
    );
    assert_eq!(
        p.call("recurseAndCatch", vec![]).await.unwrap(),
        json!("caught RangeError")
    );
    assert_eq!(p.call("ok", vec![]).await.unwrap(), json!("ok"));
}

#[tokio::test(flavor = "multi_thread")]
async fn module_evaluation_has_a_deadline_too() {
    let (rt, _) = runtime();
    let manifest = |id: &str| json!({ "id": id, "version": "1.0.0", "main": "main.js", "resources": { "timeout": 150 } });
    let cases = [
        ("top-level-loop", "for (;;) {}"),
        ("top-level-await", "await new Promise(() => {});"),
        (
            "top-level-timer-loop",
            "await new Promise((r) => setTimeout(() => { for (;;) {} }, 1));",
        ),
    ];
    for (id, code) in cases {
        let dir = write_plugin(manifest(id), code);
        let err = rt.load(dir.path()).await.unwrap_err();
        assert!(
            matches!(
                &err,
                LoadError::Plugin(PluginError::Timeout {
                    phase: Phase::Evaluate,
                    ..
                })
            ),
            "{id}: {err:?}"
        );
        assert!(rt.plugins().is_empty());
    }
    // The process is fine and loads the next plugin normally.
    let hello = rt.load(plugin_fixture("hello")).await.unwrap();
    assert_eq!(
        hello.call("greet", vec![json!("y")]).await.unwrap(),
        json!("Hello, y!")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lifecycle_timeout_sends_the_plugin_to_error() {
    let (rt, _) = runtime();
    let dir = write_plugin(
        json!({ "id": "slow-start", "version": "1.0.0", "main": "main.js", "resources": { "timeout": 100 } }),
        "export default { start() { for (;;) {} } };",
    );
    let p = rt.load(dir.path()).await.unwrap();
    let err = p.start().await.unwrap_err();
    assert!(
        matches!(
            err,
            PluginError::Timeout {
                phase: Phase::Start,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(p.state(), PluginState::Error);
}

#[tokio::test(flavor = "multi_thread")]
async fn unhandled_rejections_are_logged_against_the_plugin() {
    let (rt, logs) = runtime();
    let p = rt.load(plugin_fixture("stuck-await")).await.unwrap();
    assert_eq!(
        p.call("rejectUnhandled", vec![]).await.unwrap(),
        json!("fine")
    );
    assert!(logs.wait_for("stuck-await", "nobody listens").await);
    assert!(logs.wait_for("stuck-await", "thrown in a timer").await);
    assert_eq!(p.call("quick", vec![]).await.unwrap(), json!("quick"));
}

#[tokio::test(flavor = "multi_thread")]
async fn oversized_arguments_are_refused_before_they_cross() {
    let (rt, _) = runtime();
    let p = rt.load(plugin_fixture("hog")).await.unwrap();
    let big = "x".repeat(8 * 1024 * 1024);
    let err = p.call("small", vec![json!(big)]).await.unwrap_err();
    assert!(matches!(err, PluginError::BadArgument { .. }), "{err:?}");
    assert_eq!(p.call("small", vec![]).await.unwrap(), json!(1));
}

const RESTARTER: &str = r#"
let calls = 0;
export default {
  initialize() { console.log("initialized"); },
  start() { console.log("started"); },
};
export function count() { return ++calls; }
export function exhaust() { const a = []; for (;;) a.push(new Array(1000).fill(Math.random())); }
"#;

#[tokio::test(flavor = "multi_thread")]
async fn on_failure_restarts_in_a_fresh_isolate() {
    let (rt, logs) = runtime();
    let dir = write_plugin(
        json!({ "id": "restarter", "version": "1.0.0", "main": "main.js",
                "resources": { "memory": "16MB" },
                "restart": { "policy": "on-failure", "maxRestarts": 1, "backoff": 10 } }),
        RESTARTER,
    );
    let p = rt.load(dir.path()).await.unwrap();
    p.start().await.unwrap();
    assert_eq!(p.call("count", vec![]).await.unwrap(), json!(1));
    assert_eq!(p.call("count", vec![]).await.unwrap(), json!(2));
    let err = p.call("exhaust", vec![]).await.unwrap_err();
    assert!(
        matches!(err, PluginError::MemoryLimitExceeded { .. }),
        "{err:?}"
    );
    // The next call waits for the restart; JS state starts over, the plugin runs again.
    assert_eq!(p.call("count", vec![]).await.unwrap(), json!(1));
    assert_eq!(p.state(), PluginState::Running);
    assert_eq!(p.restarts(), 1);
    let lines = logs.messages("restarter");
    assert_eq!(
        lines.iter().filter(|l| *l == "initialized").count(),
        2,
        "{lines:?}"
    );
    assert_eq!(
        lines.iter().filter(|l| *l == "started").count(),
        2,
        "{lines:?}"
    );
    // Out of restarts: the next failure is final.
    p.call("exhaust", vec![]).await.unwrap_err();
    assert!(matches!(
        p.call("count", vec![]).await,
        Err(PluginError::Gone { .. })
    ));
    assert_eq!(p.state(), PluginState::Error);
    assert_eq!(p.restarts(), 1);
}

/// Each restart gets a fresh isolate, however many there are (the engine keeps per-thread
/// tables that a long run of isolates on one thread would exhaust).
#[tokio::test(flavor = "multi_thread")]
async fn a_plugin_restarts_many_times_in_fresh_isolates() {
    let (rt, _) = runtime();
    let dir = write_plugin(
        json!({ "id": "many-restarts", "version": "1.0.0", "main": "main.js",
                "resources": { "memory": "4MB" },
                "restart": { "policy": "on-failure", "maxRestarts": 1000, "backoff": 0 } }),
        RESTARTER,
    );
    let p = rt.load(dir.path()).await.unwrap();
    p.start().await.unwrap();
    for round in 1..=80u32 {
        let n = p.call("count", vec![]).await;
        assert_eq!(
            n.as_ref().ok(),
            Some(&json!(1)),
            "round {round}: {n:?} {:?}",
            p.logs().last()
        );
        let err = p.call("exhaust", vec![]).await.unwrap_err();
        assert!(
            matches!(err, PluginError::MemoryLimitExceeded { .. }),
            "round {round}: {err:?}"
        );
    }
    assert_eq!(p.call("count", vec![]).await.unwrap(), json!(1));
    assert_eq!(p.restarts(), 80);
    assert_eq!(p.state(), PluginState::Running);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_default_policy_does_not_restart() {
    let (rt, _) = runtime();
    let dir = write_plugin(
        json!({ "id": "no-restart", "version": "1.0.0", "main": "main.js", "resources": { "memory": "16MB" } }),
        RESTARTER,
    );
    let p = rt.load(dir.path()).await.unwrap();
    p.call("exhaust", vec![]).await.unwrap_err();
    assert!(matches!(
        p.call("count", vec![]).await,
        Err(PluginError::Gone { .. })
    ));
    assert_eq!(p.restarts(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn cpu_time_is_accounted_and_a_plugin_over_its_share_is_throttled() {
    let config = RuntimeConfig {
        cpu_window: Duration::from_millis(300),
        cpu_cooldown: Duration::from_secs(30),
        ..RuntimeConfig::default()
    };
    let rt = PluginRuntime::new(config).unwrap();
    let dir = write_plugin(
        json!({ "id": "busy", "version": "1.0.0", "main": "main.js", "resources": { "cpu": 5 } }),
        "export function burn(ms) { const end = Date.now() + ms; let n = 0; while (Date.now() < end) n++; return n; }",
    );
    let p = rt.load(dir.path()).await.unwrap();
    let before = p.cpu().time;
    // Even on a loaded machine a thread spinning flat out gets more than 5% of a core.
    for _ in 0..40 {
        p.call("burn", vec![json!(50)]).await.unwrap();
        if p.cpu().throttled {
            break;
        }
    }
    let cpu = p.cpu();
    // The thread's CPU clock moved (how far depends on how loaded the machine is).
    assert!(cpu.time > before, "{cpu:?}");
    assert!(
        cpu.throttled,
        "a plugin burning a whole core against a 5% share is throttled: {cpu:?}"
    );
    assert_eq!(cpu.throttle_count, 1);
    assert!(p.logs().iter().any(|l| l.message.contains("throttled")));
    // Throttled is slowed, not broken.
    assert!(p.call("burn", vec![json!(1)]).await.is_ok());
}
