//! Debugging `stop()` and cleanup tasks when the runtime shuts down (what `qirvo run
//! --inspect` does on Ctrl-C): with a session attached their breakpoints pause, the
//! pause suspends the step's deadline, and the shutdown waits for the resumed step.

use std::time::Duration;

use qirvo::{PauseReason, PluginRuntime, PluginState, RuntimeConfig};
use serde_json::json;

use crate::helpers::write_plugin;

const MAIN: &str = r#"let stopped = false;
let cleaned = 0;
export default {
  initialize(ctx) {
    ctx.addCleanupTask(() => {
      cleaned += 1; // @line:cleanup
    });
  },
  start() {},
  stop() {
    const why = "shutting down";
    stopped = true; // @line:stop
    return why;
  },
};
export function status() {
  return { stopped, cleaned };
}
"#;

fn line_of(name: &str) -> u32 {
    let marker = format!("@line:{name}");
    MAIN.lines().position(|l| l.ends_with(&marker)).unwrap() as u32 + 1
}

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread")]
async fn breakpoints_in_stop_and_cleanup_tasks_pause_during_shutdown() {
    let rt = PluginRuntime::new(RuntimeConfig {
        data_dir: tempfile::tempdir().unwrap().keep(),
        debug: true,
        ..RuntimeConfig::default()
    })
    .unwrap();
    let dir = write_plugin(
        json!({ "id": "stopper", "version": "1.0.0", "main": "main.js",
                "resources": { "memory": "32MB", "timeout": 300 } }),
        MAIN,
    );
    let p = rt.load(dir.path()).await.unwrap();
    p.start().await.unwrap();
    let session = rt.debug("stopper").unwrap();
    let in_stop = session.set_breakpoint("main.js", line_of("stop")).unwrap();
    let in_cleanup = session
        .set_breakpoint("main.js", line_of("cleanup"))
        .unwrap();

    let shutdown = tokio::spawn({
        let rt = rt.clone();
        async move { rt.shutdown().await }
    });
    let paused = session.wait_paused(WAIT).await.unwrap();
    assert_eq!(paused.reason, PauseReason::Breakpoint(vec![in_stop.id]));
    assert_eq!(session.call_stack().unwrap()[0].line, line_of("stop"));
    assert_eq!(
        session.evaluate("why").await.unwrap().value,
        Some(json!("shutting down"))
    );
    // Paused longer than the 300 ms deadline: a person is looking, the clock is stopped.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(session.is_paused());
    assert!(!shutdown.is_finished(), "the shutdown waits for stop()");
    session.resume().unwrap();

    let paused = session.wait_paused(WAIT).await.unwrap();
    assert_eq!(paused.reason, PauseReason::Breakpoint(vec![in_cleanup.id]));
    assert_eq!(session.call_stack().unwrap()[0].line, line_of("cleanup"));
    session.resume().unwrap();

    tokio::time::timeout(WAIT, shutdown)
        .await
        .expect("the shutdown ends once stop() is resumed")
        .unwrap();
    assert_eq!(p.state(), PluginState::Unloaded);
    assert!(
        !p.logs().iter().any(|l| l.message.contains("timed out")),
        "{:?}",
        p.logs()
    );
}

/// Without a session, nothing pauses a shutdown.
#[tokio::test(flavor = "multi_thread")]
async fn without_a_session_shutdown_does_not_pause() {
    let rt = PluginRuntime::new(RuntimeConfig {
        data_dir: tempfile::tempdir().unwrap().keep(),
        debug: true,
        ..RuntimeConfig::default()
    })
    .unwrap();
    let dir = write_plugin(
        json!({ "id": "stopper2", "version": "1.0.0", "main": "main.js",
                "resources": { "memory": "32MB", "timeout": 300 } }),
        MAIN,
    );
    let p = rt.load(dir.path()).await.unwrap();
    p.start().await.unwrap();
    let session = rt.debug("stopper2").unwrap();
    session.set_breakpoint("main.js", line_of("stop")).unwrap();
    session.end();
    tokio::time::timeout(WAIT, rt.shutdown())
        .await
        .expect("nothing holds the shutdown");
    assert_eq!(p.state(), PluginState::Unloaded);
}
