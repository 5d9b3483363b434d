//! `fetch`: semantics, the allow-list policy (by name and on resolved addresses, at every
//! redirect), and limits, against a local server on 127.0.0.1.

use std::sync::atomic::Ordering;
use std::time::Duration;

use qirvo::{PluginError, PluginHandle, PluginRuntime};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::http;

/// Calls the fixture's `attempt(url[, init])`: `{ status }` or `{ error, message }`.
async fn attempt(p: &PluginHandle, args: Vec<Value>) -> Value {
    p.call("attempt", args).await.unwrap()
}

/// The fetch fixture with its manifest's network section and resources replaced.
async fn fetch_plugin(
    rt: &PluginRuntime,
    id: &str,
    allowed: Value,
    extra: Value,
) -> (tempfile::TempDir, PluginHandle) {
    let dir = copy_plugin("fetch", id);
    let path = dir.path().join("manifest.json");
    let mut m: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    m["network"]["allowedHosts"] = allowed;
    if let Some(extra) = extra.as_object() {
        for (k, v) in extra {
            m["resources"][k] = v.clone();
        }
    }
    std::fs::write(&path, m.to_string()).unwrap();
    let h = rt.load(dir.path()).await.unwrap();
    (dir, h)
}

#[tokio::test(flavor = "multi_thread")]
async fn fetch_speaks_http_like_a_browser() {
    let server = http::start().await;
    let base = format!("http://127.0.0.1:{}", server.port);
    let (rt, _) = runtime();
    let (_d, p) = fetch_plugin(
        &rt,
        "fetcher",
        json!([format!("127.0.0.1:{}", server.port)]),
        json!({}),
    )
    .await;
    let call = |name: &'static str, args: Vec<Value>| {
        let p = p.clone();
        async move { p.call(name, args).await.unwrap() }
    };
    assert_eq!(
        call("json", vec![json!(format!("{base}/json"))]).await,
        json!({"hello": "world"})
    );
    let got = call("get", vec![json!(format!("{base}/status/404"))]).await;
    assert_eq!(got["status"], 404);
    assert_eq!(got["ok"], false);
    assert_eq!(got["statusText"], "Not Found");
    assert_eq!(got["body"], "nope");
    let echo = call("post", vec![json!(format!("{base}/echo")), json!("text")]).await;
    assert_eq!(
        echo,
        json!({"method": "POST", "body": "plain text", "contentType": "text/plain;charset=UTF-8", "xTest": "yes"})
    );
    let echo = call("post", vec![json!(format!("{base}/echo")), json!("form")]).await;
    assert_eq!(echo["body"], "a=1&b=two+words");
    assert_eq!(
        echo["contentType"],
        "application/x-www-form-urlencoded;charset=UTF-8"
    );
    let echo = call("post", vec![json!(format!("{base}/echo")), json!("bytes")]).await;
    assert_eq!(echo["body"], "hi");
    let echo = call("post", vec![json!(format!("{base}/echo")), json!("json")]).await;
    assert_eq!(echo["contentType"], "application/json");
    // Redirects are followed (up to 5) and reported.
    let got = call("get", vec![json!(format!("{base}/redirect/3"))]).await;
    assert_eq!(
        (got["redirected"].clone(), got["body"].clone()),
        (json!(true), json!("done"))
    );
    assert!(got["url"].as_str().unwrap().ends_with("/redirect/0"));
    let got = call("attempt", vec![json!(format!("{base}/redirect/7"))]).await;
    assert!(
        got["message"].as_str().unwrap().contains("redirect"),
        "{got}"
    );
    assert_eq!(
        call("headersBehave", vec![]).await,
        json!({"a": "1, 2", "has": true, "entries": [["a", "1, 2"], ["b", "x"]], "bad": "TypeError", "resp": 201})
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_policy_refuses_private_addresses_however_spelled() {
    let server = http::start().await;
    let port = server.port;
    let (rt, _) = runtime();
    // An empty list allows public hosts only.
    let (_d, p) = fetch_plugin(&rt, "public-only", json!([]), json!({})).await;
    for url in [
        format!("http://127.0.0.1:{port}/json"),
        format!("http://127.1:{port}/json"),
        format!("http://2130706433:{port}/json"),
        format!("http://0x7f000001:{port}/json"),
        format!("http://[::ffff:127.0.0.1]:{port}/json"),
        format!("http://[::1]:{port}/json"),
        format!("http://localhost:{port}/json"),
        "http://169.254.169.254/latest/meta-data/".to_string(),
        "http://10.0.0.1/".to_string(),
        "ftp://example.com/file".to_string(),
        "file:///etc/passwd".to_string(),
    ] {
        let got = attempt(&p, vec![json!(url)]).await;
        assert_eq!(got["error"], "PermissionDenied", "{url}: {got}");
    }
    // Naming 127.0.0.1 with this port allows exactly that; a redirect to another host or
    // port is checked again and refused.
    let (_d, p) = fetch_plugin(
        &rt,
        "named",
        json!([format!("127.0.0.1:{port}")]),
        json!({}),
    )
    .await;
    assert_eq!(
        attempt(&p, vec![json!(format!("http://127.0.0.1:{port}/json"))]).await,
        json!({"status": 200})
    );
    let got = attempt(
        &p,
        vec![json!(format!(
            "http://127.0.0.1:{port}/redirect-to/localhost:PORT/json"
        ))],
    )
    .await;
    assert_eq!(got["error"], "PermissionDenied", "{got}");
    let got = attempt(
        &p,
        vec![json!(format!(
            "http://127.0.0.1:{}/json",
            port.wrapping_add(1)
        ))],
    )
    .await;
    assert_eq!(got["error"], "PermissionDenied", "another port: {got}");
    // Naming a host explicitly unlocks the loopback address it resolves to at connect time.
    let (_d, p) = fetch_plugin(
        &rt,
        "by-name",
        json!([format!("localhost:{port}")]),
        json!({}),
    )
    .await;
    assert_eq!(
        attempt(&p, vec![json!(format!("http://localhost:{port}/json"))]).await,
        json!({"status": 200})
    );
    let got = attempt(&p, vec![json!(format!("http://127.0.0.1:{port}/json"))]).await;
    assert_eq!(
        got["error"], "PermissionDenied",
        "the IP was not named: {got}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn limits_timeouts_aborts_and_body_caps() {
    let server = http::start().await;
    let base = format!("http://127.0.0.1:{}", server.port);
    let (rt, _) = runtime();
    let (_d, p) = fetch_plugin(
        &rt,
        "limited",
        json!([format!("127.0.0.1:{}", server.port)]),
        json!({"timeout": 1000}),
    )
    .await;
    let got = attempt(
        &p,
        vec![json!(format!("{base}/slow")), json!({"timeout": 100})],
    )
    .await;
    assert_eq!(got["error"], "TimeoutError", "{got}");
    assert_eq!(
        p.call("abortAfter", vec![json!(format!("{base}/slow")), json!(50)])
            .await
            .unwrap(),
        json!("AbortError")
    );
    let got = attempt(&p, vec![json!(format!("{base}/big"))]).await;
    assert!(
        got["message"].as_str().unwrap().contains("larger than"),
        "{got}"
    );
    // A request never outlives the call's deadline: the call times out (and the request
    // in flight is cancelled with it).
    let err = p
        .call_with_timeout(
            "get",
            vec![json!(format!("{base}/slow"))],
            Duration::from_millis(300),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, PluginError::Timeout { .. }), "{err:?}");
    // At most maxConnections (2) in flight.
    let statuses = p
        .call("concurrent", vec![json!(format!("{base}/count")), json!(6)])
        .await
        .unwrap();
    assert_eq!(statuses, json!([200, 200, 200, 200, 200, 200]));
    assert!(server.stats.max_active.load(Ordering::SeqCst) <= 2);
    assert!(server.stats.max_active.load(Ordering::SeqCst) >= 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn bandwidth_is_a_rate_on_bytes_read() {
    let server = http::start().await;
    let base = format!("http://127.0.0.1:{}", server.port);
    let (rt, _) = runtime();
    let (_d, p) = fetch_plugin(
        &rt,
        "slow-reader",
        json!([format!("127.0.0.1:{}", server.port)]),
        json!({"bandwidth": "64KB/s", "timeout": 10000}),
    )
    .await;
    let got = p
        .call("download", vec![json!(format!("{base}/bytes/131072"))])
        .await
        .unwrap();
    assert_eq!(got["bytes"], 131072);
    // 128KB at 64KB/s cannot arrive in much less than about 1 s (the first chunk is free).
    assert!(got["ms"].as_f64().unwrap() > 600.0, "{got}");
}

/// `redirect: "manual"` returns the 3xx itself (Deno's behaviour), `"error"` fails with a
/// TypeError on a redirect, `"follow"` (the default) follows with every hop checked again.
#[tokio::test(flavor = "multi_thread")]
async fn redirect_modes_follow_error_and_manual() {
    let server = http::start().await;
    let port = server.port;
    let base = format!("http://127.0.0.1:{port}");
    let (rt, _) = runtime();
    let (_d, p) = fetch_plugin(
        &rt,
        "redirects",
        json!([format!("127.0.0.1:{port}")]),
        json!({}),
    )
    .await;
    let redirect_of = |url: String, init: Value| {
        let p = p.clone();
        async move { p.call("redirectOf", vec![json!(url), init]).await.unwrap() }
    };
    // manual: the redirect response, unfollowed, with its Location.
    for n in [1, 3] {
        let url = format!("{base}/redirect/{n}");
        let got = redirect_of(url.clone(), json!({"redirect": "manual"})).await;
        assert_eq!(
            got,
            json!({"status": 302, "location": format!("/redirect/{}", n - 1), "redirected": false, "url": url}),
        );
    }
    // Not followed, so not refused either: the Location names a host the plugin may not
    // reach, and the plugin only sees where it points.
    let got = redirect_of(
        format!("{base}/redirect-to/localhost:PORT/json"),
        json!({"redirect": "manual"}),
    )
    .await;
    assert_eq!(got["status"], 302, "{got}");
    assert_eq!(
        got["location"],
        json!(format!("http://localhost:{port}/json"))
    );
    // error: a TypeError on any redirect, none on other responses.
    for path in [
        "/redirect/1",
        "/redirect/4",
        "/redirect-to/localhost:PORT/json",
    ] {
        let got = attempt(
            &p,
            vec![json!(format!("{base}{path}")), json!({"redirect": "error"})],
        )
        .await;
        assert_eq!(got["error"], "TypeError", "{path}: {got}");
        assert!(
            got["message"].as_str().unwrap().contains("redirect"),
            "{got}"
        );
    }
    assert_eq!(
        attempt(
            &p,
            vec![json!(format!("{base}/json")), json!({"redirect": "error"})]
        )
        .await,
        json!({"status": 200})
    );
    assert_eq!(
        attempt(
            &p,
            vec![
                json!(format!("{base}/status/404")),
                json!({"redirect": "error"})
            ]
        )
        .await,
        json!({"status": 404})
    );
    // follow, spelled out: followed, and every hop is checked again.
    let got = redirect_of(format!("{base}/redirect/2"), json!({"redirect": "follow"})).await;
    assert_eq!(got["status"], 200, "{got}");
    assert_eq!(got["redirected"], true, "{got}");
    let got = attempt(
        &p,
        vec![
            json!(format!("{base}/redirect-to/localhost:PORT/json")),
            json!({"redirect": "follow"}),
        ],
    )
    .await;
    assert_eq!(got["error"], "PermissionDenied", "{got}");
    // Anything else is refused before a request is made.
    let got = attempt(
        &p,
        vec![
            json!(format!("{base}/json")),
            json!({"redirect": "sometimes"}),
        ],
    )
    .await;
    assert_eq!(got["error"], "TypeError", "{got}");
}
