//! The lifecycle a host drives: load → initialize → start → call → stop → unload.

use std::time::Duration;

use qirvo::{LoadError, LogLevel, Phase, PluginError, PluginState};
use serde_json::json;

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread")]
async fn hello_runs_its_whole_lifecycle() {
    let (rt, logs) = runtime();
    let hello = rt.load(plugin_fixture("hello")).await.unwrap();
    assert_eq!(hello.id(), "com.example.hello");
    assert_eq!(hello.state(), PluginState::Initialized);
    assert_eq!(
        logs.messages("com.example.hello"),
        ["initialize: com.example.hello 1.0.0"]
    );

    hello.start().await.unwrap();
    assert_eq!(hello.state(), PluginState::Running);
    assert_eq!(
        hello.call("greet", vec![json!("Ada")]).await.unwrap(),
        json!("Hello, Ada!")
    );
    // The interval started in start() keeps ticking between calls.
    let first = hello
        .call("ticksSoFar", vec![])
        .await
        .unwrap()
        .as_u64()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let second = hello
        .call("ticksSoFar", vec![])
        .await
        .unwrap()
        .as_u64()
        .unwrap();
    assert!(
        second > first,
        "timers should run while the plugin is idle ({first} then {second})"
    );
    assert!(hello.health_check().await.unwrap());

    hello.stop().await.unwrap();
    assert_eq!(hello.state(), PluginState::Stopped);
    let lines = logs.messages("com.example.hello");
    assert_eq!(
        lines,
        [
            "initialize: com.example.hello 1.0.0",
            "start: running",
            "stop: stopping",
            "cleanup: done"
        ]
    );
    // The host can read the same lines from the plugin's own buffer.
    let buffered: Vec<_> = hello.logs().into_iter().map(|e| e.message).collect();
    assert_eq!(buffered, lines);

    // Stopping again is a no-op; starting a stopped plugin is an error naming both.
    hello.stop().await.unwrap();
    let err = hello.start().await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot start plugin com.example.hello in state stopped"
    );
    assert!(matches!(
        err,
        PluginError::InvalidState {
            state: PluginState::Stopped,
            ..
        }
    ));
    let err = hello.call("greet", vec![json!("x")]).await.unwrap_err();
    assert!(matches!(err, PluginError::InvalidState { .. }), "{err}");

    hello.unload().await.unwrap();
    assert_eq!(hello.state(), PluginState::Unloaded);
    assert!(rt.plugin("com.example.hello").is_none());
    hello.unload().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn stopping_cancels_pending_timers() {
    let (rt, logs) = runtime();
    let dir = write_plugin(
        json!({ "id": "timers", "version": "1.0.0", "main": "main.js" }),
        r#"
        export default {
          start() {
            setInterval(() => console.log("tick"), 5);
            setTimeout(() => console.log("late timeout"), 100);
          },
        };
        "#,
    );
    let p = rt.load(dir.path()).await.unwrap();
    p.start().await.unwrap();
    assert!(logs.wait_for("timers", "tick").await);
    p.stop().await.unwrap();
    let ticks = logs.messages("timers").len();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let after = logs.messages("timers");
    assert_eq!(after.len(), ticks, "nothing ran after stop: {after:?}");
    assert!(!after.iter().any(|l| l == "late timeout"));
}

#[tokio::test(flavor = "multi_thread")]
async fn unload_stops_a_running_plugin_first() {
    let (rt, logs) = runtime();
    let hello = rt.load(plugin_fixture("hello")).await.unwrap();
    hello.start().await.unwrap();
    hello.unload().await.unwrap();
    let lines = logs.messages("com.example.hello");
    assert_eq!(lines.last().map(String::as_str), Some("cleanup: done"));
    assert!(rt.plugins().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn one_id_loads_once() {
    let (rt, _) = runtime();
    let first = rt.load(plugin_fixture("hello")).await.unwrap();
    let err = rt.load(plugin_fixture("hello")).await.unwrap_err();
    assert!(
        matches!(err, LoadError::AlreadyLoaded { ref id } if id == "com.example.hello"),
        "{err}"
    );
    assert_eq!(rt.plugins().len(), 1);
    // The first is untouched, and after unloading it the id is free again.
    assert_eq!(
        first.call("greet", vec![json!("B")]).await.unwrap(),
        json!("Hello, B!")
    );
    first.unload().await.unwrap();
    let again = rt.load(plugin_fixture("hello")).await.unwrap();
    assert_eq!(
        rt.plugin("com.example.hello").unwrap().state(),
        again.state()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn initialize_that_throws_fails_the_load_with_message_and_stack() {
    let (rt, logs) = runtime();
    let err = rt.load(plugin_fixture("init-throws")).await.unwrap_err();
    let LoadError::Plugin(PluginError::Exception {
        phase, exception, ..
    }) = &err
    else {
        panic!("expected an exception, got {err:?}");
    };
    assert_eq!(*phase, Phase::Initialize);
    assert_eq!(exception.message, "Error: database unreachable");
    assert!(
        exception.stack.contains("file:///plugin/main.ts:4:"),
        "{}",
        exception.stack
    );
    assert_eq!(
        err.to_string(),
        "plugin init-throws: initialize: Error: database unreachable"
    );
    assert!(
        rt.plugins().is_empty(),
        "a failed load leaves nothing registered"
    );
    assert_eq!(logs.messages("init-throws"), ["about to fail"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn start_that_throws_sends_the_plugin_to_error() {
    let (rt, _) = runtime();
    let p = rt.load(plugin_fixture("start-throws")).await.unwrap();
    let err = p.start().await.unwrap_err();
    assert!(
        matches!(&err, PluginError::Exception { phase: Phase::Start, exception, .. } if exception.message == "RangeError: port 80 is taken"),
        "{err:?}"
    );
    assert_eq!(p.state(), PluginState::Error);
    assert!(p.call("ping", vec![]).await.is_err());
    p.unload().await.unwrap();
    assert!(rt.plugins().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn cleanup_tasks_run_newest_first_even_when_one_throws() {
    let (rt, logs) = runtime();
    let p = rt.load(plugin_fixture("cleanup")).await.unwrap();
    p.start().await.unwrap();
    p.stop().await.unwrap();
    assert_eq!(p.state(), PluginState::Stopped);
    let lines = logs.messages("cleanup");
    assert_eq!(lines[..3], ["stop", "cleanup 3", "cleanup 2"]);
    assert!(lines[3].contains("cleanup 2 failed"), "{lines:?}");
    assert_eq!(lines[4], "cleanup 1");
    let failure = p
        .logs()
        .into_iter()
        .find(|e| e.message.contains("cleanup 2 failed"))
        .unwrap();
    assert_eq!(failure.level, LogLevel::Error);
}

#[tokio::test(flavor = "multi_thread")]
async fn many_plugins_load_and_run_at_once() {
    let (rt, _) = runtime();
    let dirs: Vec<_> = (0..16)
        .map(|i| copy_plugin("hello", &format!("hello-{i}")))
        .collect();
    let handles = futures::future::try_join_all(dirs.iter().map(|d| rt.load(d.path())))
        .await
        .unwrap();
    assert_eq!(rt.plugins().len(), 16);
    let replies =
        futures::future::try_join_all(handles.iter().map(|h| h.call("greet", vec![json!(h.id())])))
            .await
            .unwrap();
    for (h, r) in handles.iter().zip(replies) {
        assert_eq!(r, json!(format!("Hello, {}!", h.id())));
    }
    rt.shutdown().await;
    assert!(rt.plugins().is_empty());
    assert!(handles.iter().all(|h| h.state() == PluginState::Unloaded));
}

#[tokio::test(flavor = "multi_thread")]
async fn dropping_the_runtime_stops_every_plugin() {
    let (rt, logs) = runtime();
    let hello = rt.load(plugin_fixture("hello")).await.unwrap();
    hello.start().await.unwrap();
    drop(rt);
    assert!(logs.wait_for("com.example.hello", "cleanup: done").await);
}
