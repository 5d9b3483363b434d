//! Deep but ordinary JSON crosses between host and plugin (arguments, results, event
//! payloads): serde_json's default limit of 128 levels is not Qirvo's. Past Qirvo's own
//! bound (1,000 levels) a value is refused with a typed error, never a stack overflow.

use qirvo::PluginError;
use serde_json::{Value, json};

use crate::helpers::*;

const DEEP: &str = r#"
export function nested(n) {
  let v = 1;
  for (let i = 0; i < n; i++) v = i % 2 ? { k: v } : [v];
  return v;
}
export function depth(v) {
  let n = 0;
  while (typeof v === "object" && v !== null) { v = Array.isArray(v) ? v[0] : v.k; n++; }
  return n;
}
export function echo(v) { return v; }
export async function emitNested(n) { await qirvo.events.emit("deep.payload", nested(n)); return n; }
"#;

fn nested(n: usize) -> Value {
    let mut v = json!(1);
    for i in 0..n {
        v = if i % 2 == 1 {
            json!({ "k": v })
        } else {
            json!([v])
        };
    }
    v
}

#[tokio::test(flavor = "multi_thread")]
async fn deep_but_ordinary_json_crosses_and_a_hostile_depth_is_a_typed_error() {
    let (rt, _) = runtime();
    let dir = write_plugin(
        json!({ "id": "deep-json", "version": "1.0.0", "main": "main.js",
                "resources": { "memory": "64MB", "timeout": 5000 } }),
        DEEP,
    );
    let p = rt.load(dir.path()).await.unwrap();
    for n in [129, 200, 500, 1000] {
        // Returned,
        assert_eq!(
            p.call("nested", vec![json!(n)]).await.unwrap(),
            nested(n),
            "{n} levels"
        );
        // passed in,
        assert_eq!(p.call("depth", vec![nested(n)]).await.unwrap(), json!(n));
        // and both.
        assert_eq!(p.call("echo", vec![nested(n)]).await.unwrap(), nested(n));
    }
    // Event payloads reach host subscribers whole.
    let mut sub = rt.events().subscribe("deep.*").unwrap();
    p.call("emitNested", vec![json!(300)]).await.unwrap();
    let ev = sub.recv().await.unwrap();
    assert_eq!(ev.payload, nested(300));
    // Past the bound, and far past it: a typed error, and the plugin carries on.
    for n in [1001, 5000, 100_000] {
        match p.call("nested", vec![json!(n)]).await {
            Err(PluginError::BadReturnValue { reason, .. }) => {
                assert!(
                    reason.contains("deep") || reason.contains("stack"),
                    "{n}: {reason}"
                )
            }
            Err(PluginError::Exception { exception, .. }) => {
                assert!(
                    exception.message.contains("RangeError") || exception.message.contains("stack"),
                    "{n}: {exception:?}"
                )
            }
            other => panic!("{n} levels: {other:?}"),
        }
    }
    assert_eq!(p.call("depth", vec![json!(7)]).await.unwrap(), json!(0));
}
