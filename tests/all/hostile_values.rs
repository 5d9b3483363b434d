//! Hostile thrown values (issue 12, family 1): whatever a plugin throws or rejects with —
//! no prototype, symbols, proxies whose every trap throws, getters that throw, 10 MB and
//! ill-formed strings, cycles — reaches the host as a typed `PluginError::Exception` on
//! every path (calls, lifecycle steps, module evaluation), or is logged against the plugin
//! (event handlers, scheduled tasks, timers, unhandled rejections), and the host and the
//! plugins keep answering. Fixture: `fixtures/plugins/hostile-throws/`.

use std::time::{Duration, Instant};

use qirvo::{LoadError, Phase, PluginError, PluginHandle, PluginRuntime};
use serde_json::json;

use crate::helpers::*;

const FIXTURE: &str = "hostile-throws";

/// The corpus, as the fixture lists it (so a member added there is tested here).
async fn corpus(p: &PluginHandle) -> Vec<String> {
    let names = p.call("names", vec![]).await.unwrap();
    let names: Vec<String> = serde_json::from_value(names).unwrap();
    assert!(names.len() >= 25, "the corpus shrank: {names:?}");
    names
}

/// The plugin and an unrelated one both still answer.
async fn both_answer(p: &PluginHandle, other: &PluginHandle, after: &str) {
    assert_eq!(
        p.call("ping", vec![]).await.unwrap(),
        json!("pong"),
        "the plugin stopped answering after {after}"
    );
    assert_eq!(
        other.call("greet", vec![json!("Ada")]).await.unwrap(),
        json!("Hello, Ada!"),
        "another plugin stopped answering after {after}"
    );
}

fn assert_exception(err: &PluginError, what: &str) -> String {
    match err {
        PluginError::Exception { exception, .. } => {
            assert!(
                !exception.message.is_empty(),
                "{what}: an exception with an empty message"
            );
            exception.message.clone()
        }
        other => panic!("{what}: expected PluginError::Exception, got {other:?}"),
    }
}

async fn load_with_config(
    rt: &PluginRuntime,
    id: &str,
    config: serde_json::Value,
) -> (tempfile::TempDir, Result<PluginHandle, LoadError>) {
    let dir = copy_plugin(FIXTURE, id);
    let manifest = dir.path().join("manifest.json");
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
    json["config"] = config;
    std::fs::write(&manifest, json.to_string()).unwrap();
    let loaded = rt.load(dir.path()).await;
    (dir, loaded)
}

#[tokio::test(flavor = "multi_thread")]
async fn every_hostile_value_thrown_from_a_call_is_a_typed_exception() {
    let (rt, _logs) = runtime();
    let p = rt.load(plugin_fixture(FIXTURE)).await.unwrap();
    let other = rt.load(plugin_fixture("hello")).await.unwrap();
    let names = corpus(&p).await;
    for name in &names {
        for export in ["throwSync", "throwAsync", "returnRejection"] {
            let err = p
                .call(export, vec![json!(name)])
                .await
                .expect_err("a throwing export must fail");
            let message = assert_exception(&err, &format!("{export}({name})"));
            assert!(
                matches!(&err, PluginError::Exception { phase: Phase::Call(c), .. } if c == export),
                "{export}({name}): wrong phase in {err:?}"
            );
            // A description is bounded: a 10 MB thrown string is not copied whole.
            assert!(
                message.len() <= 1 << 20,
                "{export}({name}): a {} byte message",
                message.len()
            );
        }
        assert_eq!(
            p.call("catchAndSurvive", vec![json!(name)]).await.unwrap(),
            json!("caught")
        );
        both_answer(&p, &other, name).await;
    }
    // Values that cannot be shown say so rather than failing; ordinary ones keep their text.
    let described = |name: &'static str| {
        let p = p.clone();
        async move {
            let err = p.call("throwSync", vec![json!(name)]).await.unwrap_err();
            assert_exception(&err, name)
        }
    };
    assert_eq!(
        described("every-trap-throws").await,
        "(a value that cannot be shown)"
    );
    assert_eq!(described("symbol-described").await, "Symbol(x)");
    assert_eq!(described("null").await, "null");
    assert_eq!(described("bigint").await, big_2_pow_200());
    assert_eq!(described("plain-object").await, "#<Object>");
    assert!(described("error-subclass-stack-bomb").await.len() < 200);
}

/// 2^200 in decimal.
fn big_2_pow_200() -> String {
    "1606938044258990275541962092341162602522202993782792835301376".to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_values_in_every_lifecycle_step_are_typed_exceptions() {
    let (rt, _logs) = runtime();
    let other = rt.load(plugin_fixture("hello")).await.unwrap();
    let lister = rt.load(plugin_fixture(FIXTURE)).await.unwrap();
    let names = corpus(&lister).await;
    let steps = ["initialize", "start", "stop", "healthCheck"];
    // Every member once, and every (step, sync/async) pair several times.
    for (i, name) in names.iter().enumerate() {
        let step = steps[i % steps.len()];
        let is_async = (i / steps.len()) % 2 == 1;
        let id = format!("hostile-{i}");
        let config = json!({ step: name, "async": is_async });
        let what = format!(
            "{step} ({}) throwing {name}",
            if is_async { "async" } else { "sync" }
        );
        let (_dir, loaded) = load_with_config(&rt, &id, config).await;
        let err = match step {
            "initialize" => match loaded {
                Err(LoadError::Plugin(e)) => e,
                Err(other) => panic!("{what}: expected a plugin error, got {other:?}"),
                Ok(_) => panic!("{what}: loaded although initialize threw"),
            },
            _ => {
                let p = loaded.unwrap_or_else(|e| panic!("{what}: load failed: {e}"));
                let err = match step {
                    "start" => p.start().await.expect_err(&what),
                    "stop" => {
                        p.start().await.unwrap();
                        p.stop().await.expect_err(&what)
                    }
                    _ => p.health_check().await.expect_err(&what),
                };
                let _ = p.unload().await;
                err
            }
        };
        assert_exception(&err, &what);
        both_answer(&lister, &other, &what).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hostile_value_thrown_by_module_evaluation_is_a_typed_exception() {
    let (rt, _logs) = runtime();
    let other = rt.load(plugin_fixture("hello")).await.unwrap();
    let lister = rt.load(plugin_fixture(FIXTURE)).await.unwrap();
    let names = corpus(&lister).await;
    for (i, name) in names.iter().enumerate() {
        for (kind, body) in [
            ("sync", format!("throw hostile({name:?});\n")),
            ("async", format!("await null;\nthrow hostile({name:?});\n")),
        ] {
            let dir = copy_plugin(FIXTURE, &format!("toplevel-{kind}-{i}"));
            std::fs::write(
                dir.path().join("main.js"),
                format!(
                    "import {{ hostile }} from \"./hostile.js\";\n{body}export default {{}};\n"
                ),
            )
            .unwrap();
            let what = format!("top-level {kind} throw of {name}");
            // Evaluation failures are load errors carrying the exception's message.
            match rt.load(dir.path()).await {
                Err(LoadError::Plugin(e)) => {
                    assert_exception(&e, &what);
                    assert!(
                        matches!(
                            e,
                            PluginError::Exception {
                                phase: Phase::Evaluate,
                                ..
                            }
                        ),
                        "{what}: {e:?}"
                    );
                }
                Err(LoadError::Module { message, .. }) => {
                    assert!(!message.is_empty(), "{what}: an empty message");
                    assert!(
                        message.len() <= 1 << 20,
                        "{what}: a {} byte message",
                        message.len()
                    );
                }
                Err(e) => panic!("{what}: expected the exception, got {e:?}"),
                Ok(_) => panic!("{what}: loaded"),
            }
        }
        both_answer(&lister, &other, name).await;
    }
}

/// Waits until the plugin's log buffer has `count` error lines containing `text`.
async fn wait_for_logged(p: &PluginHandle, text: &str, count: usize) -> usize {
    let start = Instant::now();
    loop {
        let n = p.logs().iter().filter(|e| e.message.contains(text)).count();
        if n >= count || start.elapsed() > Duration::from_secs(20) {
            return n;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_values_from_handlers_tasks_timers_and_rejections_are_logged() {
    let (rt, _logs) = runtime();
    let other = rt.load(plugin_fixture("hello")).await.unwrap();
    let p = rt.load(plugin_fixture(FIXTURE)).await.unwrap();
    p.start().await.unwrap();
    let names = corpus(&p).await;

    // Event handlers, sync and async.
    for name in &names {
        rt.events()
            .emit("hostile.throw", json!({ "name": name }))
            .unwrap();
        rt.events()
            .emit("hostile.reject", json!({ "name": name }))
            .unwrap();
    }
    let handled = wait_for_logged(&p, "event handler for hostile.", names.len() * 2).await;
    assert_eq!(handled, names.len() * 2, "every failing handler is logged");
    both_answer(&p, &other, "event handlers").await;

    // Scheduled tasks: each failure is logged as a task failure.
    for name in &names {
        assert_eq!(
            p.call("scheduleThrow", vec![json!(name)]).await.unwrap(),
            json!("scheduled")
        );
    }
    let failed = wait_for_logged(&p, "task", names.len() * 2).await;
    assert!(
        failed >= names.len() * 2,
        "{failed} of {} task failures logged",
        names.len() * 2
    );
    both_answer(&p, &other, "scheduled tasks").await;

    // Timer callbacks and unhandled rejections.
    for name in &names {
        assert_eq!(
            p.call("throwFromTimer", vec![json!(name)]).await.unwrap(),
            json!("fired"),
            "after a timer threw {name}"
        );
        both_answer(&p, &other, name).await;
    }
    let rejections = wait_for_logged(&p, "Unhandled promise rejection", names.len()).await;
    let lines: Vec<String> = p
        .logs()
        .into_iter()
        .map(|e| e.message)
        .filter(|m| m.contains("Unhandled promise rejection"))
        .map(|m| m.chars().take(120).collect())
        .collect();
    // At least one per member (a Proxy's throwing `then` trap can add its own).
    assert!(rejections >= names.len(), "{lines:#?}");
    p.stop().await.unwrap();
}
