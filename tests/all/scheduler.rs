//! `qirvo.scheduler` and host jobs: runs, skips, cancellation, and stopping with the plugin.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use qirvo::{Schedule, TaskOwner};
use serde_json::json;

use crate::helpers::*;

const PLUGIN: &str = r#"
let ticks = 0, slow = 0, once = 0, cronRuns = 0;
let tick;
export default {
  start() {
    tick = qirvo.scheduler.every("20ms", () => { ticks++; });
    qirvo.scheduler.every("20ms", async () => { slow++; await new Promise((r) => setTimeout(r, 100)); });
    qirvo.scheduler.at(new Date(Date.now() + 30), () => { once++; });
    qirvo.scheduler.cron("* * * * * *", () => { cronRuns++; });
  },
};
export function counts() { return { ticks, slow, once, cronRuns }; }
export function cancelTick() { return tick.cancel(); }
export function bad() {
  const out = [];
  for (const f of [() => qirvo.scheduler.every("1ms", () => {}), () => qirvo.scheduler.every("soon", () => {}),
                   () => qirvo.scheduler.cron("not cron", () => {}), () => qirvo.scheduler.at("tomorrow", () => {})]) {
    try { f(); out.push("accepted"); } catch (e) { out.push(e.name); }
  }
  return out;
}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn plugin_tasks_run_skip_cancel_and_stop_with_the_plugin() {
    let (rt, _) = runtime();
    let dir = write_plugin(
        json!({ "id": "cronic", "version": "1.0.0", "main": "main.js" }),
        PLUGIN,
    );
    let p = rt.load(dir.path()).await.unwrap();
    p.start().await.unwrap();
    assert_eq!(
        p.call("bad", vec![]).await.unwrap(),
        // An interval under the 10 ms minimum is out of range: a RangeError.
        json!(["RangeError", "TypeError", "TypeError", "TypeError"])
    );
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let c = p.call("counts", vec![]).await.unwrap();
    assert!(c["ticks"].as_u64().unwrap() >= 10, "{c}");
    assert_eq!(c["once"], 1, "{c}");
    assert!(c["cronRuns"].as_u64().unwrap() >= 1, "{c}");
    // The slow task (100 ms a run, due every 20 ms) had runs skipped, and they are counted.
    let tasks = rt.scheduler().list();
    let mine: Vec<_> = tasks
        .iter()
        .filter(|t| t.owner == TaskOwner::Plugin("cronic".into()))
        .collect();
    assert_eq!(
        mine.len(),
        3,
        "the one-off task is gone after its run: {mine:?}"
    );
    assert!(mine.iter().any(|t| t.skipped > 0), "{mine:?}");
    assert!(mine.iter().all(|t| t.next_run.is_some()));
    assert!(c["slow"].as_u64().unwrap() < c["ticks"].as_u64().unwrap());
    // Cancelling one task stops its runs.
    assert_eq!(p.call("cancelTick", vec![]).await.unwrap(), json!(true));
    let before = p.call("counts", vec![]).await.unwrap()["ticks"]
        .as_u64()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(
        p.call("counts", vec![]).await.unwrap()["ticks"]
            .as_u64()
            .unwrap(),
        before
    );
    // Stopping ends all of its tasks.
    p.stop().await.unwrap();
    assert!(
        rt.scheduler()
            .list()
            .iter()
            .all(|t| t.owner != TaskOwner::Plugin("cronic".into()))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_host_schedules_jobs_on_the_same_scheduler() {
    let (rt, _) = runtime();
    let runs = Arc::new(AtomicUsize::new(0));
    let r = runs.clone();
    let id = rt
        .scheduler()
        .schedule("sweep", Schedule::every("20ms").unwrap(), move || {
            let r = r.clone();
            async move {
                r.fetch_add(1, Ordering::SeqCst);
            }
        });
    let listed = rt.scheduler().list();
    assert!(
        listed
            .iter()
            .any(|t| t.name == "health-check" && t.owner == TaskOwner::Host),
        "{listed:?}"
    );
    assert!(listed.iter().any(|t| t.id == id && t.name == "sweep"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(runs.load(Ordering::SeqCst) >= 3);
    assert!(rt.scheduler().cancel(id));
    let n = runs.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(runs.load(Ordering::SeqCst), n);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_plugin_cannot_schedule_without_bound() {
    let (rt, _) = runtime();
    let dir = write_plugin(
        json!({ "id": "hoarder", "version": "1.0.0", "main": "main.js" }),
        "export function hoard(n) { for (let i = 0; i < n; i++) qirvo.scheduler.every(\"1h\", () => {}); }",
    );
    let p = rt.load(dir.path()).await.unwrap();
    let err = p.call("hoard", vec![json!(1_001)]).await.unwrap_err();
    assert!(
        err.to_string().contains("at most 1000 scheduled tasks"),
        "{err}"
    );
    let n = rt
        .scheduler()
        .list()
        .iter()
        .filter(|t| t.owner == TaskOwner::Plugin("hoarder".into()))
        .count();
    assert_eq!(n, 1000);
}

/// A failing scheduled task, a timed-out event handler and a failing health check are named
/// as what they are, not as calls.
#[tokio::test(flavor = "multi_thread")]
async fn failures_name_the_task_event_or_health_check_they_came_from() {
    let (rt, logs) = runtime();
    let dir = write_plugin(
        json!({ "id": "phases", "version": "1.0.0", "main": "main.js", "resources": { "timeout": 300 } }),
        r#"
        let task;
        export default {
          start() {
            task = qirvo.scheduler.every("20ms", () => { throw new Error("task broke"); });
            qirvo.events.on("order.created", () => { for (;;) {} });
          },
          healthCheck() { throw new Error("sick"); },
        };
        export function taskId() { return task.id; }
        "#,
    );
    let p = rt.load(dir.path()).await.unwrap();
    p.start().await.unwrap();
    let id = p.call("taskId", vec![]).await.unwrap();
    let task = format!("plugin phases: scheduled task {id}: Error: task broke");
    assert!(
        logs.wait_for("phases", &task).await,
        "{:?}",
        logs.messages("phases").last()
    );
    rt.events().emit("order.created", json!({})).unwrap();
    assert!(
        logs.wait_for(
            "phases",
            "plugin phases: event order.created: timed out after 300 ms"
        )
        .await,
        "{:?}",
        logs.messages("phases").last()
    );
    let err = p.health_check().await.unwrap_err();
    assert!(
        matches!(
            &err,
            qirvo::PluginError::Exception {
                phase: qirvo::Phase::HealthCheck,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().starts_with("plugin phases: health check: "),
        "{err}"
    );
    assert!(
        !logs
            .messages("phases")
            .iter()
            .any(|m| m.contains(": call ")),
        "{:?}",
        logs.messages("phases").last()
    );
}

/// FLEET (issue 18): a task's optional `name` (its identity across a fleet) is checked:
/// its type, length and characters, and that no other task of the plugin has it; errors
/// name the task. A cancelled task's name is free again, and the task is listed under it.
#[tokio::test(flavor = "multi_thread")]
async fn task_names_are_checked_and_listed() {
    let (rt, _) = runtime();
    let dir = write_plugin(
        json!({ "id": "namer", "version": "1.0.0", "main": "main.js" }),
        r#"
        const noop = () => {};
        let fast = 0;
        function attempt(f) {
          try { f(); return "accepted"; } catch (e) { return `${e.name}: ${e.message}`; }
        }
        export function bad() {
          return [
            attempt(() => qirvo.scheduler.every("1h", noop, { name: 42 })),
            attempt(() => qirvo.scheduler.cron("0 0 * * * *", noop, { name: null })),
            attempt(() => qirvo.scheduler.at(Date.now() + 3600000, noop, "sweep")),
            attempt(() => qirvo.scheduler.every("1h", noop, null)),
            attempt(() => qirvo.scheduler.every("1h", noop, { name: "" })),
            attempt(() => qirvo.scheduler.every("1h", noop, { name: "x".repeat(129) })),
            attempt(() => qirvo.scheduler.every("1h", noop, { name: "two words" })),
            attempt(() => qirvo.scheduler.every("1h", noop, { name: "caf\u00e9" })),
            attempt(() => qirvo.scheduler.every("1h", noop, { name: "a#1" })),
            attempt(() => qirvo.scheduler.every("1h", noop, { name: "lone\ud800" })),
          ];
        }
        let sweep;
        export function good() {
          sweep = qirvo.scheduler.every("1h", noop, { name: "sweep" });
          qirvo.scheduler.every("20ms", () => { fast++; }, { name: "fast" });
          qirvo.scheduler.cron("0 0 * * * *", noop, { name: "x".repeat(128) });
          qirvo.scheduler.at(Date.now() + 3600000, noop, { name: "Report:daily/v2.1_a-b" });
          // Unnamed tasks with the same spec, and an empty options object, stay allowed.
          qirvo.scheduler.every("1h", noop);
          qirvo.scheduler.every("1h", noop, {});
          return [
            attempt(() => qirvo.scheduler.cron("0 0 * * * *", noop, { name: "sweep" })),
            attempt(() => qirvo.scheduler.every("20ms", noop, { name: "fast" })),
          ];
        }
        export function reuse() {
          const first = sweep.cancel();
          sweep = qirvo.scheduler.every("2h", noop, { name: "sweep" });
          return first;
        }
        export function runs() { return fast; }
        "#,
    );
    let p = rt.load(dir.path()).await.unwrap();
    let bad = p.call("bad", vec![]).await.unwrap();
    let bad: Vec<&str> = bad
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let expect = [
        "TypeError: scheduler.every: options.name must be a string (got number)",
        "TypeError: scheduler.cron: options.name must be a string (got null)",
        "TypeError: scheduler.at: options must be an object",
        "TypeError: scheduler.every: options must be an object",
        "RangeError: scheduler.every: a task name is 1 to 128 characters (got 0)",
        "RangeError: scheduler.every: a task name is 1 to 128 characters (got 129)",
        "TypeError: scheduler.every: task name \"two words\" has ' '",
        "TypeError: scheduler.every: task name \"caf\u{e9}\" has '\u{e9}'",
        "TypeError: scheduler.every: task name \"a#1\" has '#'",
        "TypeError: scheduler.every: task name \"lone",
    ];
    assert_eq!(bad.len(), expect.len(), "{bad:?}");
    for (got, want) in bad.iter().zip(expect) {
        assert!(
            got.starts_with(want),
            "{got:?} does not start with {want:?}"
        );
    }
    // None of those was scheduled.
    let mine = || {
        rt.scheduler()
            .list()
            .into_iter()
            .filter(|t| t.owner == TaskOwner::Plugin("namer".into()))
            .collect::<Vec<_>>()
    };
    assert!(mine().is_empty(), "{:?}", mine());

    let dup = p.call("good", vec![]).await.unwrap();
    assert_eq!(
        dup,
        json!([
            "Error: scheduler.cron: a task named \"sweep\" is already scheduled; cancel it first or choose another name",
            "Error: scheduler.every: a task named \"fast\" is already scheduled; cancel it first or choose another name",
        ])
    );
    let names: Vec<String> = mine().into_iter().map(|t| t.name).collect();
    assert_eq!(
        names,
        [
            "sweep".to_string(),
            "fast".into(),
            "x".repeat(128),
            "Report:daily/v2.1_a-b".into(),
            "every 1h".into(),
            "every 1h".into(),
        ]
    );
    // A named task runs like any other.
    let ran = async || {
        for _ in 0..200 {
            if p.call("runs", vec![]).await.unwrap().as_u64() >= Some(3) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    };
    assert!(ran().await, "the task named fast ran");
    // Cancelled, its name can be given again.
    assert_eq!(p.call("reuse", vec![]).await.unwrap(), json!(true));
    let sweep: Vec<_> = mine().into_iter().filter(|t| t.name == "sweep").collect();
    assert_eq!(sweep.len(), 1, "{sweep:?}");
    assert_eq!(sweep[0].schedule, "every 7200000 ms");
    // Another plugin may use the same names.
    let other = write_plugin(
        json!({ "id": "namer2", "version": "1.0.0", "main": "main.js" }),
        "export function go() { qirvo.scheduler.every(\"1h\", () => {}, { name: \"sweep\" }); return 1; }",
    );
    let p2 = rt.load(other.path()).await.unwrap();
    assert_eq!(p2.call("go", vec![]).await.unwrap(), json!(1));
}
