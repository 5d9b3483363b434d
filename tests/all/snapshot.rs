//! Isolates made from the startup snapshot run plugins exactly as isolates that evaluate
//! the web platform themselves: the web APIs, console, source-mapped stacks, and the
//! escape corpus.

use std::time::Duration;

use serde_json::json;

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread")]
async fn isolates_from_the_startup_snapshot_run_plugins_the_same() {
    let (rt, logs) = runtime();
    let ready =
        tokio::task::spawn_blocking(|| qirvo::wait_for_startup_snapshot(Duration::from_secs(180)))
            .await
            .unwrap();
    assert!(ready, "the startup snapshot was made");

    let p = rt.load(plugin_fixture("webapis")).await.unwrap();
    let out = p.call("exercise", vec![]).await.unwrap();
    assert_eq!(out["path"], "/a/b");
    assert_eq!(out["param"], "1");
    assert_eq!(out["bytes"], 6);
    assert_eq!(out["text"], "héllo");
    assert_eq!(out["b64"], "cWlydm8=");
    assert_eq!(out["clone"], json!({ "a": [1, { "b": 2 }] }));
    assert_eq!(out["aborted"], true);
    assert_eq!(out["event"], "pong");
    assert_eq!(out["uuid"], true);
    assert_eq!(out["waited"], true);
    assert_eq!(out["domException"], "AbortError");
    let age = out["originAge"].as_f64().unwrap();
    assert!((0.0..60_000.0).contains(&age), "time origin {age} ms old");
    assert!(logs.wait_for("webapis", "webapis: example.com").await);

    // Stacks still map to the TS lines.
    let t = rt.load(plugin_fixture("throws-stack")).await.unwrap();
    let err = t.call("explode", vec![json!("x")]).await.unwrap_err();
    assert!(
        err.exception()
            .unwrap()
            .stack
            .contains("file:///plugin/main.ts:9:")
    );

    // What the web platform changes on the engine's intrinsics holds in a snapshot isolate
    // too: an isolate made from the snapshot gets fresh intrinsic prototypes, so Intl's
    // locale methods are installed per isolate.
    let dir = write_plugin(
        json!({ "id": "snap-intrinsics", "version": "1.0.0", "main": "main.js" }),
        r#"export function f() {
          return [
            (1234567.891).toLocaleString("de-DE"),
            (12345n).toLocaleString("en-US"),
            [1234.5, new Date(0)].toLocaleString("en-US", { timeZone: "UTC" }),
            new Date(0).toLocaleDateString("en-US", { timeZone: "UTC" }),
            new Date(0).toLocaleTimeString("de-DE", { timeZone: "UTC" }),
            "a".localeCompare("B", "en"),
            "i".toLocaleUpperCase("tr"),
            new Event("x").timeStamp > 0,
            typeof crypto.subtle.digest,
            typeof new Response("x").body.getReader,
          ];
        }"#,
    );
    let i = rt.load(dir.path()).await.unwrap();
    assert_eq!(
        i.call("f", vec![]).await.unwrap(),
        json!([
            "1.234.567,891",
            "12,345",
            "1,234.5,1/1/1970, 12:00:00\u{202f}AM",
            "1/1/1970",
            "00:00:00",
            -1,
            "\u{130}",
            true,
            "function",
            "function"
        ])
    );

    crate::sandbox::escape_corpus(&rt, &logs).await;
}
