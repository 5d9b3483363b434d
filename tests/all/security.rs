//! The security monitor (issue 17): each capability use and violation is one typed event,
//! seen by subscribers, counted in /metrics, written to the audit file; a quarantine rule
//! stops a probing plugin while its neighbours keep answering.

use std::time::Duration;

use qirvo::{
    Capability, Decision, Limit, PluginError, PluginHandle, PluginRuntime, PluginState,
    QuarantineRule, SecurityEvent, SecurityEventKind, SecuritySubscription,
};
use serde_json::{Value, json};

use crate::helpers::*;

/// Everything the subscription has received so far.
fn drain(sub: &mut SecuritySubscription) -> Vec<SecurityEvent> {
    std::iter::from_fn(|| sub.try_recv()).collect()
}

/// The events of `kind` (its `kind` tag) among `events`.
fn of_kind<'a>(events: &'a [SecurityEvent], kind: &str) -> Vec<&'a SecurityEvent> {
    events.iter().filter(|e| e.kind_name() == kind).collect()
}

/// Exactly one event of `kind`, or a panic listing what came.
fn one<'a>(events: &'a [SecurityEvent], kind: &str) -> &'a SecurityEvent {
    let found = of_kind(events, kind);
    assert_eq!(found.len(), 1, "one {kind} event expected: {events:#?}");
    found[0]
}

async fn probe(rt: &PluginRuntime, id: &str) -> (tempfile::TempDir, PluginHandle) {
    let dir = copy_plugin("probe", id);
    let h = rt.load(dir.path()).await.unwrap();
    (dir, h)
}

/// A one-route HTTP server on 127.0.0.1: every request gets `200` and a 5-byte body.
async fn server() -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let _ = s.read(&mut buf).await;
                let _ = s
                    .write_all(
                        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello",
                    )
                    .await;
            });
        }
    });
    port
}

#[tokio::test(flavor = "multi_thread")]
async fn a_denied_fetch_is_one_network_event_without_secrets() {
    let (rt, _) = runtime();
    let (_d, p) = probe(&rt, "probe-denied").await;
    // A family of refusals, each by its own rule, each with credentials or secrets in it.
    let cases = [
        (
            "https://user:pw@evil.example.com/a?token=s3cret#f",
            "not-allowed",
            "https://evil.example.com/a?token=REDACTED",
        ),
        (
            "ftp://127.0.0.1/file?k=v",
            "scheme",
            "ftp://127.0.0.1/file?k=REDACTED",
        ),
        (
            "http://10.0.0.1/x?password=p",
            "not-allowed",
            "http://10.0.0.1/x?password=REDACTED",
        ),
    ];
    for (url, rule, shown) in cases {
        let mut sub = rt.security().subscribe();
        let got = p
            .call("fetchUrl", vec![json!(url), json!("post")])
            .await
            .unwrap();
        assert_eq!(got["error"], "PermissionDenied", "{url}: {got}");
        let events = drain(&mut sub);
        let e = one(&events, "network");
        assert_eq!(e.plugin, "probe-denied");
        assert_eq!(e.decision, Decision::Denied, "{url}");
        assert_eq!(e.rule.as_deref(), Some(rule), "{url}");
        let SecurityEventKind::Network {
            method,
            url: recorded,
            status,
            address,
            ..
        } = &e.kind
        else {
            unreachable!()
        };
        assert_eq!(method, "POST");
        assert_eq!(recorded, shown);
        assert_eq!((*status, address.as_deref()), (None, None));
        // Nothing of the secrets anywhere in the event, nor in its JSON.
        let line = e.to_json();
        for secret in ["s3cret", "pw@", "#f", "=v", "=p\""] {
            assert!(!line.contains(secret), "{secret} in {line}");
        }
    }
    let summary = rt.security().summary();
    assert_eq!(summary["probe-denied"].denials["fetch"], 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_allowed_fetch_is_one_network_event_with_its_outcome() {
    let port = server().await;
    let (rt, _) = runtime();
    let (_d, p) = probe(&rt, "probe-allowed").await;
    let mut sub = rt.security().subscribe();
    let got = p
        .call(
            "fetchUrl",
            vec![json!(format!("http://127.0.0.1:{port}/data?api_key=k1"))],
        )
        .await
        .unwrap();
    assert_eq!(got, json!({"status": 200, "bytes": 5}));
    let events = drain(&mut sub);
    let e = one(&events, "network");
    assert_eq!(e.decision, Decision::Allowed);
    assert_eq!(e.rule, None);
    let SecurityEventKind::Network {
        method,
        url,
        address,
        status,
        bytes,
        duration_ms,
        error,
    } = &e.kind
    else {
        unreachable!()
    };
    assert_eq!(method, "GET");
    assert_eq!(
        url,
        &format!("http://127.0.0.1:{port}/data?api_key=REDACTED")
    );
    assert_eq!(
        address.as_deref(),
        Some(format!("127.0.0.1:{port}").as_str())
    );
    assert_eq!((*status, *bytes, error), (Some(200), 5, &None));
    assert!(*duration_ms > 0.0);
    // The call around it: its start and its end, with CPU time.
    let start = one(&events, "execution_start");
    assert!(
        matches!(&start.kind, SecurityEventKind::ExecutionStart { phase } if phase == "call fetchUrl")
    );
    let end = one(&events, "execution_end");
    let SecurityEventKind::ExecutionEnd {
        phase,
        cpu_us,
        wall_us,
        outcome,
    } = &end.kind
    else {
        unreachable!()
    };
    assert_eq!((phase.as_str(), outcome.as_str()), ("call fetchUrl", "ok"));
    assert!(*cpu_us > 0 && wall_us >= cpu_us, "{cpu_us} {wall_us}");
    assert!(
        !rt.security().summary().contains_key("probe-allowed"),
        "no denial to count"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_fs_path_is_one_permission_denied_event() {
    let (rt, _) = runtime();
    let (_d, p) = probe(&rt, "probe-fs").await;
    for path in [
        "/etc/passwd",
        "../../../etc/passwd",
        "a/../../secret",
        "C:/x/../../y",
    ] {
        let mut sub = rt.security().subscribe();
        let got = p.call("readFile", vec![json!(path)]).await.unwrap();
        let events = drain(&mut sub);
        if got["error"] != "PermissionDenied" {
            // (a relative path that stays inside is simply not found)
            assert!(
                of_kind(&events, "permission_denied").is_empty(),
                "{path}: {events:#?}"
            );
            continue;
        }
        let e = one(&events, "permission_denied");
        assert_eq!(
            (e.decision, e.rule.as_deref()),
            (Decision::Denied, Some("path")),
            "{path}"
        );
        let SecurityEventKind::PermissionDenied {
            capability,
            operation,
            target,
            reason,
        } = &e.kind
        else {
            unreachable!()
        };
        assert_eq!(*capability, Capability::Fs);
        assert_eq!(operation, "readTextFile");
        assert_eq!(target, path);
        assert_eq!(
            reason,
            got["message"].as_str().unwrap(),
            "the message the plugin got"
        );
    }
    assert!(rt.security().summary()["probe-fs"].denials["fs"] >= 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_over_quota_write_is_one_permission_denied_event() {
    let (rt, _) = runtime();
    let (_d, p) = probe(&rt, "probe-quota").await;
    let mut sub = rt.security().subscribe();
    assert_eq!(
        p.call("store", vec![json!("small"), json!(1)])
            .await
            .unwrap(),
        json!({"ok": true})
    );
    assert!(of_kind(&drain(&mut sub), "permission_denied").is_empty());
    let got = p
        .call("store", vec![json!("big"), json!(100)])
        .await
        .unwrap();
    assert_eq!(got["error"], "QuotaExceededError", "{got}");
    let events = drain(&mut sub);
    let e = one(&events, "permission_denied");
    assert_eq!(
        (e.decision, e.rule.as_deref()),
        (Decision::Denied, Some("quota"))
    );
    let SecurityEventKind::PermissionDenied {
        capability, target, ..
    } = &e.kind
    else {
        unreachable!()
    };
    assert_eq!((*capability, target.as_str()), (Capability::Storage, "big"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_timeout_kill_is_one_limit_event() {
    let (rt, _) = runtime();
    let (_d, p) = probe(&rt, "probe-spin").await;
    let mut sub = rt.security().subscribe();
    let err = p
        .call_with_timeout("spin", vec![], Duration::from_millis(200))
        .await
        .unwrap_err();
    assert!(matches!(err, PluginError::Timeout { .. }), "{err}");
    let events = drain(&mut sub);
    let e = one(&events, "limit");
    assert_eq!(
        (e.decision, e.rule.as_deref()),
        (Decision::Killed, Some("resources.timeout"))
    );
    let SecurityEventKind::Limit { limit, phase, .. } = &e.kind else {
        unreachable!()
    };
    assert_eq!((*limit, phase.as_str()), (Limit::Timeout, "call spin"));
    let end = one(&events, "execution_end");
    assert!(
        matches!(&end.kind, SecurityEventKind::ExecutionEnd { outcome, .. } if outcome == "timeout")
    );
    // The plugin goes on answering.
    assert_eq!(p.call("ping", vec![]).await.unwrap(), "pong");
    assert_eq!(rt.security().summary()["probe-spin"].kills, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_memory_kill_is_one_limit_event() {
    let (rt, _) = runtime();
    let (_d, p) = probe(&rt, "probe-hog").await;
    let mut sub = rt.security().subscribe();
    let err = p.call("hog", vec![]).await.unwrap_err();
    assert!(
        matches!(err, PluginError::MemoryLimitExceeded { .. }),
        "{err}"
    );
    let events = drain(&mut sub);
    let e = one(&events, "limit");
    assert_eq!(
        (e.decision, e.rule.as_deref()),
        (Decision::Killed, Some("resources.memory"))
    );
    let SecurityEventKind::Limit {
        limit,
        phase,
        detail,
    } = &e.kind
    else {
        unreachable!()
    };
    assert_eq!((*limit, phase.as_str()), (Limit::Memory, "call hog"));
    assert!(
        detail.contains("32.0 MiB") || detail.contains("32"),
        "{detail}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_import_outside_the_plugin_is_one_refused_import_event() {
    let (rt, _) = runtime();
    let mut sub = rt.security().subscribe();
    for (i, spec) in [
        "node:fs",
        "/etc/passwd",
        "../../outside.js",
        "https://evil.example.com/x.js",
    ]
    .iter()
    .enumerate()
    {
        let id = format!("importer-{i}");
        let dir = write_plugin(
            json!({"id": id, "version": "1.0.0", "main": "main.js"}),
            &format!("import x from {spec:?}; export default {{}};"),
        );
        assert!(rt.load(dir.path()).await.is_err(), "{spec}");
        let events: Vec<_> = drain(&mut sub)
            .into_iter()
            .filter(|e| e.plugin == id)
            .collect();
        let e = one(&events, "import_refused");
        assert_eq!(e.decision, Decision::Denied);
        let SecurityEventKind::ImportRefused { specifier, .. } = &e.kind else {
            unreachable!()
        };
        assert_eq!(specifier, spec);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_quarantine_rule_stops_a_probing_plugin_while_its_neighbour_answers() {
    let (rt, _) = runtime();
    rt.security()
        .add_rule(QuarantineRule::denials(5, Duration::from_secs(60)));
    let (_d, prober) = probe(&rt, "prober").await;
    let (_n, neighbour) = probe(&rt, "neighbour").await;
    let mut sub = rt.security().subscribe();
    // Five denials are tolerated; the sixth quarantines, in the middle of the call, which
    // fails saying so and why.
    let err = prober.call("probe", vec![json!(1000)]).await.unwrap_err();
    match &err {
        PluginError::Quarantined {
            id,
            phase: Some(phase),
            reason,
        } => {
            assert_eq!(
                (id.as_str(), phase.to_string().as_str()),
                ("prober", "call probe")
            );
            assert!(reason.contains("6 denials"), "{reason}");
        }
        other => panic!("expected Quarantined, got {other:?}"),
    }
    assert!(err.to_string().contains("quarantined"), "{err}");
    let events = drain(&mut sub);
    // Recorded right after the sixth denial (a few more may slip in before the engine
    // notices the termination: it is checked between instructions, not after each op).
    let at = events
        .iter()
        .position(|e| e.kind_name() == "quarantined")
        .unwrap();
    let before = of_kind(&events[..at], "network").len();
    assert_eq!(before, 6, "{events:#?}");
    assert!(
        of_kind(&events, "network").len() < 100,
        "stopped soon after"
    );
    let q = one(&events, "quarantined");
    assert_eq!(
        (q.plugin.as_str(), q.decision),
        ("prober", Decision::Quarantined)
    );
    assert_eq!(q.rule.as_deref(), Some("denials>5/60s"));
    // It goes to `error` and stays there: not restarted, its calls refused.
    for _ in 0..500 {
        if prober.state() == PluginState::Error {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(prober.state(), PluginState::Error);
    // Every later request says it is quarantined, and why.
    for _ in 0..3 {
        match prober.call("ping", vec![]).await {
            Err(PluginError::Quarantined {
                phase: None,
                reason,
                ..
            }) => assert!(reason.contains("6 denials"), "{reason}"),
            other => panic!("expected Quarantined, got {other:?}"),
        }
    }
    assert!(matches!(
        prober.health_check().await,
        Err(PluginError::Quarantined { .. })
    ));
    assert!(
        rt.security()
            .quarantined("prober")
            .is_some_and(|r| r.contains("6 denials"))
    );
    // The neighbour never noticed.
    for _ in 0..20 {
        assert_eq!(neighbour.call("ping", vec![]).await.unwrap(), "pong");
    }
    assert_eq!(neighbour.state(), PluginState::Initialized);
    // The host brings it back: unload, load again (a fresh start, no quarantine).
    prober.unload().await.unwrap();
    let again = rt.load(_d.path()).await.unwrap();
    assert_eq!(again.call("ping", vec![]).await.unwrap(), "pong");
    assert_eq!(rt.security().quarantined("prober"), None);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_host_policy_quarantines_on_its_own_terms() {
    let (rt, _) = runtime();
    // This host tolerates no attempt on the file system at all.
    rt.security().set_policy(|e| match &e.kind {
        SecurityEventKind::PermissionDenied {
            capability: Capability::Fs,
            target,
            ..
        } => Some(format!(
            "tried the file system outside its directory: {target}"
        )),
        _ => None,
    });
    let (_d, p) = probe(&rt, "curious").await;
    let (_n, other) = probe(&rt, "other").await;
    let mut sub = rt.security().subscribe();
    // The policy stops the call that tried.
    match p.call("readFile", vec![json!("/etc/shadow")]).await {
        Err(PluginError::Quarantined {
            phase: Some(_),
            reason,
            ..
        }) => assert!(reason.contains("/etc/shadow"), "{reason}"),
        other => panic!("expected Quarantined, got {other:?}"),
    }
    let events = drain(&mut sub);
    let q = one(&events, "quarantined");
    assert_eq!(q.rule.as_deref(), Some("policy"));
    for _ in 0..500 {
        if p.state() == PluginState::Error {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(p.state(), PluginState::Error);
    assert_eq!(other.call("ping", vec![]).await.unwrap(), "pong");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_subscriber_loses_events_counted_and_never_blocks_a_plugin() {
    let (rt, _) = runtime();
    let dir = write_plugin(
        json!({"id": "flood", "version": "1.0.0", "main": "main.js",
               "permissions": ["network-access"], "network": {"allowedHosts": ["127.0.0.1"]},
               "resources": {"memory": "256MB", "timeout": 600000}}),
        "export async function probe(n) {
           let refused = 0;
           for (let i = 0; i < n; i++) {
             try { await fetch(`https://internal-${i}.example.com/?token=x`); } catch { refused++; }
           }
           return refused;
         }",
    );
    let p = rt.load(dir.path()).await.unwrap();
    let mut idle = rt.security().subscribe(); // never read until the end
    let n = qirvo::SECURITY_CHANNEL_CAPACITY + 1000;
    let refused = p
        .call_with_timeout("probe", vec![json!(n)], Duration::from_secs(600))
        .await
        .unwrap();
    assert_eq!(refused, json!(n));
    // Only the flood's own events: a health check that ran after the long call may add its
    // execution events while this drains.
    let kept = of_kind(&drain(&mut idle), "network").len();
    assert!(kept <= qirvo::SECURITY_CHANNEL_CAPACITY, "{kept}");
    assert!(
        rt.security().dropped() >= 1000,
        "{}",
        rt.security().dropped()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_count_events_by_plugin_kind_and_decision() {
    let (rt, _) = runtime();
    let (_d, p) = probe(&rt, "counted").await;
    p.call("probe", vec![json!(3)]).await.unwrap();
    let text = rt.metrics_text();
    assert!(
        text.contains(
            r#"qirvo_security_events_total{plugin="counted",kind="network",decision="denied"} 3"#
        ),
        "{text}"
    );
    assert!(
        text.contains(r#"qirvo_security_events_total{plugin="counted",kind="execution_end",decision="allowed"}"#),
        "{text}"
    );
}

/// The audit file written by `qirvo run --audit-log`, with the process killed (SIGKILL)
/// while a plugin floods it: every line is whole, valid JSON.
#[test]
fn the_audit_file_is_json_lines_and_survives_kill_9() {
    let data = tempfile::tempdir().unwrap();
    let audit = data.path().join("audit.jsonl");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_qirvo"))
        .args([
            "run",
            "fixtures/plugins/prober",
            "--for",
            "60s",
            "--audit-log",
        ])
        .arg(&audit)
        .arg("--data-dir")
        .arg(data.path())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Until the file holds a good many lines (the plugin probes every millisecond).
    let start = std::time::Instant::now();
    while start.elapsed() < Duration::from_secs(60) {
        let lines = std::fs::read_to_string(&audit)
            .map(|t| t.lines().count())
            .unwrap_or(0);
        if lines >= 200 {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let text = std::fs::read_to_string(&audit).unwrap();
    assert!(text.ends_with('\n'), "the last line is whole");
    let events: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:?}")))
        .collect();
    assert!(events.len() >= 200, "{}", events.len());
    let denied = events
        .iter()
        .find(|e| e["kind"] == "network" && e["decision"] == "denied")
        .expect("a denied request");
    assert_eq!(denied["plugin"], "prober");
    assert_eq!(denied["rule"], "not-allowed");
    assert_eq!(denied["method"], "GET");
    assert!(
        denied["url"].as_str().unwrap().ends_with("?token=REDACTED"),
        "{denied}"
    );
    assert!(denied["time"].as_str().unwrap().ends_with('Z'));
    // Each line is an event the library can read back.
    let typed: SecurityEvent = serde_json::from_value(denied.clone()).unwrap();
    assert_eq!(typed.decision, Decision::Denied);
}

#[test]
fn run_status_shows_denials_per_plugin() {
    let out = qirvo(&[
        "run",
        "fixtures/plugins/prober",
        "--for",
        "1s",
        "--status",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let last: Value = text(&out.stdout)
        .lines()
        .last()
        .map(|l| serde_json::from_str(l).unwrap())
        .unwrap();
    let prober = &last[0];
    assert_eq!(prober["id"], "prober");
    assert!(prober["denials"]["fetch"].as_u64().unwrap() > 0, "{prober}");
    assert_eq!(prober["quarantined"], Value::Null);
    // And in the table, with a quarantine and its reason.
    let out = qirvo(&[
        "run",
        "fixtures/plugins/prober",
        "--for",
        "1s",
        "--status",
        "--quarantine",
        "3/60s",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    assert!(table.contains("denied"), "{table}");
    let row = table
        .lines()
        .rev()
        .find(|l| l.starts_with("prober"))
        .unwrap();
    assert!(row.contains("error"), "{table}");
    assert!(table.contains("quarantined: 4 denials"), "{table}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cpu_throttle_is_one_limit_event_per_episode_not_per_slice() {
    // A window short enough to judge quickly; a cooldown long enough that the test sees one
    // episode whatever the machine's speed.
    let config = qirvo::RuntimeConfig {
        data_dir: tempfile::tempdir().unwrap().keep(),
        cpu_window: Duration::from_millis(300),
        cpu_cooldown: Duration::from_secs(60),
        ..qirvo::RuntimeConfig::default()
    };
    let rt = PluginRuntime::new(config).unwrap();
    let dir = write_plugin(
        json!({ "id": "burner", "version": "1.0.0", "main": "main.js", "resources": { "cpu": 5 } }),
        "export function burn(ms) { const end = Date.now() + ms; let n = 0; while (Date.now() < end) n++; return n; }",
    );
    // Subscribed before the load: loading alone can take the plugin over 5% of a core.
    let mut sub = rt.security().subscribe();
    let p = rt.load(dir.path()).await.unwrap();
    // Even on a loaded machine a thread spinning flat out gets more than 5% of a core.
    let mut calls = 0;
    while !p.cpu().throttled {
        assert!(calls < 100, "never throttled: {:?}", p.cpu());
        p.call("burn", vec![json!(50)]).await.unwrap();
        calls += 1;
    }
    // More slices of work while throttled: slowed, each accounted, no new event.
    for _ in 0..5 {
        p.call("burn", vec![json!(20)]).await.unwrap();
    }
    let events = drain(&mut sub);
    let e = one(&events, "limit");
    assert_eq!(
        (e.plugin.as_str(), e.decision, e.rule.as_deref()),
        ("burner", Decision::Throttled, Some("resources.cpu"))
    );
    let SecurityEventKind::Limit {
        limit,
        phase,
        detail,
    } = &e.kind
    else {
        unreachable!()
    };
    // The step it began in (the load's or a call's, depending on the machine).
    assert_eq!(*limit, Limit::CpuThrottle);
    assert!(!phase.is_empty());
    assert!(detail.contains("over its 5% share"), "{detail}");
    assert_eq!(p.cpu().throttle_count, 1);
    // A throttle is not a denial or a kill.
    assert!(!rt.security().summary().contains_key("burner"));
}

#[tokio::test(flavor = "multi_thread")]
async fn touching_a_removed_global_or_replacing_qirvo_is_one_escape_event_each() {
    let (rt, _) = runtime();
    let (_d, p) = probe(&rt, "probe-escape").await;
    let mut sub = rt.security().subscribe();
    // Library-style feature checks see nothing and record nothing.
    assert_eq!(
        p.call("featureChecks", vec![]).await.unwrap(),
        json!(["undefined", "undefined", "undefined"])
    );
    // A caught ReferenceError is the plugin's own business (not seen).
    assert_eq!(
        p.call("touchRequireCaught", vec![]).await.unwrap(),
        "ReferenceError"
    );
    assert!(of_kind(&drain(&mut sub), "escape").is_empty());
    // Each uncaught touch fails the call as before; the first of each is recorded.
    for (export, error) in [
        ("touchDeno", "ReferenceError"),
        ("touchDeno", "ReferenceError"),
        ("touchProcess", "ReferenceError"),
        ("replaceQirvo", "TypeError"),
        ("replaceQirvo", "TypeError"),
        ("touchProcess", "ReferenceError"),
    ] {
        let err = p.call(export, vec![]).await.unwrap_err();
        let text = err
            .exception()
            .map(|e| e.message.clone())
            .unwrap_or_default();
        assert!(text.contains(error), "{export}: {err}");
    }
    let events = drain(&mut sub);
    let escapes: Vec<(&str, &str)> = of_kind(&events, "escape")
        .into_iter()
        .map(|e| {
            assert_eq!(
                (e.plugin.as_str(), e.decision, e.rule.as_deref()),
                ("probe-escape", Decision::Observed, Some("escape"))
            );
            let SecurityEventKind::Escape { target, detail } = &e.kind else {
                unreachable!()
            };
            (target.as_str(), detail.as_str())
        })
        .collect();
    let targets: Vec<&str> = escapes.iter().map(|(t, _)| *t).collect();
    assert_eq!(targets, ["Deno", "process", "qirvo"], "{events:#?}");
    assert!(escapes[0].1.contains("call touchDeno"), "{escapes:?}");
    assert!(escapes[2].1.contains("call replaceQirvo"), "{escapes:?}");
    // The plugin is otherwise unaffected: not stopped, not counted as denied or killed.
    assert_eq!(p.call("ping", vec![]).await.unwrap(), "pong");
    assert!(!rt.security().summary().contains_key("probe-escape"));
}

/// The escape events' `(target, detail)` among `events`, each checked to be `plugin`'s
/// observed escape.
fn escapes<'a>(events: &'a [SecurityEvent], plugin: &str) -> Vec<(&'a str, &'a str)> {
    of_kind(events, "escape")
        .into_iter()
        .map(|e| {
            assert_eq!(
                (e.plugin.as_str(), e.decision, e.rule.as_deref()),
                (plugin, Decision::Observed, Some("escape"))
            );
            let SecurityEventKind::Escape { target, detail } = &e.kind else {
                unreachable!()
            };
            (target.as_str(), detail.as_str())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn forged_escape_errors_cannot_keep_real_touches_out_of_the_record() {
    let (rt, _) = runtime();
    let dir = write_plugin(
        json!({ "id": "escape-flood", "version": "1.0.0", "main": "main.js" }),
        r#"
export function fake(name) { throw new ReferenceError(name + " is not defined"); }
export function touch(which) {
  if (which === "Deno") return Deno.core;
  if (which === "process") return process.env;
  return require("fs");
}
"#,
    );
    let p = rt.load(dir.path()).await.unwrap();
    let mut sub = rt.security().subscribe();
    // Many distinct engine-helper-looking names (more than any per-load cap), some with
    // control characters and long text, and a name nobody removed: one `__v8*` event.
    let mut names: Vec<String> = (0..100).map(|i| format!("__v8x{i}")).collect();
    names.push("__v8\u{1b}[2J\u{7}evil".to_string());
    names.push(format!("__v8{}", "y".repeat(5000)));
    names.push("notAGlobal".to_string());
    for name in &names {
        let err = p.call("fake", vec![json!(name)]).await.unwrap_err();
        assert!(err.to_string().contains("ReferenceError"), "{err}");
    }
    // The real touches that follow are still recorded, once each.
    for which in ["Deno", "process", "require", "Deno", "process"] {
        let err = p.call("touch", vec![json!(which)]).await.unwrap_err();
        assert!(err.to_string().contains("ReferenceError"), "{which}: {err}");
    }
    let events = drain(&mut sub);
    let found = escapes(&events, "escape-flood");
    let targets: Vec<&str> = found.iter().map(|(t, _)| *t).collect();
    assert_eq!(
        targets,
        ["__v8*", "Deno", "process", "require"],
        "{events:#?}"
    );
    // Nothing the plugin chose reaches the record: no control character, no long text.
    for (target, detail) in &found {
        assert!(
            !detail.chars().any(char::is_control) && detail.len() < 200,
            "{target}: {detail:?}"
        );
    }
    assert!(found[1].1.contains("call touch"), "{found:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_module_evaluation_touching_a_removed_global_fails_and_is_one_escape() {
    let (rt, _) = runtime();
    let dir = write_plugin(
        json!({ "id": "escape-eval", "version": "1.0.0", "main": "main.js" }),
        r#"const text = Deno.readTextFileSync("/etc/passwd");
export function f() { return text; }
"#,
    );
    let mut sub = rt.security().subscribe();
    let err = rt.load(dir.path()).await.unwrap_err();
    assert!(err.to_string().contains("Deno is not defined"), "{err}");
    let events = drain(&mut sub);
    let found = escapes(&events, "escape-eval");
    assert_eq!(found.len(), 1, "{events:#?}");
    assert_eq!(found[0].0, "Deno");
    assert!(found[0].1.contains("evaluating the module"), "{found:?}");
    let ends: Vec<&str> = of_kind(&events, "execution_end")
        .into_iter()
        .filter_map(|e| match &e.kind {
            SecurityEventKind::ExecutionEnd { phase, outcome, .. }
                if phase == "evaluating the module" =>
            {
                Some(outcome.as_str())
            }
            _ => None,
        })
        .collect();
    assert_eq!(ends, ["error"], "{events:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn twenty_thousand_denied_fetches_fit_in_a_small_heap() {
    let (rt, _) = runtime();
    // The smallest heap a plugin may ask for; 5,000 denials in one call used to fill 32MB.
    let dir = write_plugin(
        json!({
            "id": "denied-many",
            "version": "1.0.0",
            "main": "main.js",
            "permissions": ["network-access"],
            "network": { "allowedHosts": ["127.0.0.1"] },
            "resources": { "memory": "4MB", "timeout": 600000 }
        }),
        r#"
export async function probe(n) {
  let refused = 0;
  for (let i = 0; i < n; i++) {
    try {
      await fetch(`https://internal-${i}.example.com/admin?token=secret${i}`);
    } catch (e) {
      if (e.name === "PermissionDenied") refused++;
    }
  }
  return refused;
}
export function ping() { return "pong"; }
"#,
    );
    let p = rt.load(dir.path()).await.unwrap();
    assert_eq!(
        p.call("probe", vec![json!(20_000)]).await.unwrap(),
        json!(20_000)
    );
    assert_eq!(p.call("ping", vec![]).await.unwrap(), "pong");
    assert_eq!(
        rt.security().summary()["denied-many"].denials["fetch"],
        20_000
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn escapes_in_background_work_are_recorded_once_each() {
    let (rt, logs) = runtime();
    let dir = write_plugin(
        json!({ "id": "escape-background", "version": "1.0.0", "main": "main.js" }),
        r#"
export function arm() {
  setTimeout(() => process.env.HOME, 0);
  setTimeout(() => process.env.HOME, 0);
  queueMicrotask(() => Deno.readTextFileSync("/etc/passwd"));
  (async () => { await null; require("fs"); })();
  setTimeout(() => { globalThis.qirvo = {}; }, 0);
  setTimeout(() => { throw new ReferenceError("notAGlobal is not defined"); }, 0);
  return "armed";
}
export function ping() { return "pong"; }
"#,
    );
    let p = rt.load(dir.path()).await.unwrap();
    let mut sub = rt.security().subscribe();
    assert_eq!(p.call("arm", vec![]).await.unwrap(), "armed");
    let mut events = Vec::new();
    let wanted = ["Deno", "process", "qirvo", "require"];
    let waited = tokio::time::timeout(std::time::Duration::from_secs(30), async {
        loop {
            let mut targets: Vec<&str> = escapes(&events, "escape-background")
                .into_iter()
                .map(|(t, _)| t)
                .collect();
            targets.sort_unstable();
            if targets == wanted {
                break;
            }
            match sub.recv().await {
                Some(e) => events.push(e),
                None => break,
            }
        }
    })
    .await;
    assert!(waited.is_ok(), "escape events seen: {events:#?}");
    // Each background touch is still logged as before, and the plugin carries on.
    assert_eq!(p.call("ping", vec![]).await.unwrap(), "pong");
    events.extend(drain(&mut sub));
    let escapes = escapes(&events, "escape-background");
    assert!(
        escapes
            .iter()
            .all(|(_, d)| d.contains("in background work")),
        "{escapes:?}"
    );
    let mut targets: Vec<&str> = escapes.iter().map(|(t, _)| *t).collect();
    targets.sort_unstable();
    assert_eq!(targets, wanted, "one event per name: {events:#?}");
    let logged = logs.messages("escape-background").join("\n");
    assert!(logged.contains("Uncaught exception"), "{logged}");
    assert!(logged.contains("Unhandled promise rejection"), "{logged}");
    assert!(logged.contains("notAGlobal"), "{logged}");
}
