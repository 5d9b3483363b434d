//! The escape corpus (fixtures/plugins/escape): every attempt fails cleanly, nothing of
//! the host is reached, and the host and other plugins are unaffected.

use qirvo::{PluginError, PluginState};
use serde_json::json;

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread")]
async fn no_escape_attempt_reaches_the_host() {
    let (rt, logs) = runtime();
    escape_corpus(&rt, &logs).await;
}

/// Runs every escape attempt and checks the host is untouched.
pub async fn escape_corpus(rt: &qirvo::PluginRuntime, logs: &Logs) {
    let hello = rt.load(plugin_fixture("hello")).await.unwrap();
    let escape = rt.load(plugin_fixture("escape")).await.unwrap();
    let names: Vec<String> =
        serde_json::from_value(escape.call("list", vec![]).await.unwrap()).unwrap();
    assert!(names.len() >= 14, "{names:?}");
    for name in &names {
        let outcome = escape.call("attempt", vec![json!(name)]).await;
        match (name.as_str(), outcome) {
            // Throws an AggregateError whose inner error has a throwing `message` getter.
            ("aggregateErrors", Err(PluginError::Exception { exception, .. })) => {
                assert!(
                    exception.message.contains("AggregateError"),
                    "{exception:?}"
                );
            }
            // A finalizer that spins forever runs within the call, under its deadline: the
            // one right outcome is Timeout (by the deadline plus the host's grace at worst).
            ("finalizers", Err(PluginError::Timeout { limit, .. })) => {
                assert_eq!(limit, std::time::Duration::from_millis(1000));
            }
            ("pollutePrototypes", Ok(v)) => assert_eq!(v, json!("polluted")),
            (_, Ok(report)) => {
                assert_eq!(report["escaped"], json!(false), "{name} escaped: {report}");
            }
            (_, Err(e)) => panic!("{name}: {e:?}"),
        }
        // The host and the other plugin are unaffected after every attempt.
        assert_eq!(
            hello.call("greet", vec![json!(name)]).await.unwrap(),
            json!(format!("Hello, {name}!"))
        );
    }
    // After prototype pollution and monkey-patched built-ins (JSON, Reflect.apply,
    // Promise.prototype.then, …) the host's arguments still arrive intact and lifecycle
    // steps still run: the host's side of the isolate holds its own copies.
    assert_eq!(
        escape.call("sum", vec![json!(2), json!(3)]).await.unwrap(),
        json!(5)
    );
    assert_eq!(
        escape
            .call("pick", vec![json!({"a": {"b": [1, 7]}})])
            .await
            .unwrap(),
        json!(7)
    );
    escape.start().await.unwrap();
    assert!(escape.health_check().await.unwrap());
    escape.stop().await.unwrap();
    assert_eq!(escape.state(), PluginState::Stopped);
    // Log lines from hostile arguments are plain, bounded text.
    for line in logs.messages("escape") {
        assert!(
            line.len() <= 17 * 1024,
            "a log line of {} bytes",
            line.len()
        );
        assert!(!line.contains('\u{1b}'), "no terminal escapes: {line:?}");
    }
}
