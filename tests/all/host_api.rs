//! Host APIs (`RuntimeConfig::host_api`, `qirvo.host`): permission-gated, typed,
//! cancellable functions of the host, driven through real plugins
//! (fixtures/plugins/host-orders, host-other, host-unknown, host-tested).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use qirvo::{
    Bytes, HostApi, HostCallContext, HostError, LoadError, ManifestError, Permission, PluginError,
    PluginRuntime, RuntimeConfig,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::helpers::plugin_fixture;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
struct Line {
    sku: String,
    qty: u32,
}

/// An order, as the host keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
struct Order {
    id: u64,
    customer: String,
    lines: Vec<Line>,
    /// A note from the customer.
    note: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct Query {
    customer: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
struct NewOrder {
    customer: String,
    lines: Vec<Line>,
}

/// What the host functions saw.
#[derive(Default)]
struct Probe {
    sleeping: AtomicBool,
    cancelled: AtomicBool,
    dropped: AtomicBool,
    running: AtomicUsize,
    peak: AtomicUsize,
    runtime: OnceLock<PluginRuntime>,
}

struct SetOnDrop(Arc<Probe>);
impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.dropped.store(true, Ordering::SeqCst);
    }
}

fn orders() -> Vec<Order> {
    vec![
        Order {
            id: 1,
            customer: "ada".into(),
            lines: vec![Line {
                sku: "pen".into(),
                qty: 3,
            }],
            note: Some("gift wrap".into()),
        },
        Order {
            id: 2,
            customer: "grace".into(),
            lines: vec![
                Line {
                    sku: "ink".into(),
                    qty: 1,
                },
                Line {
                    sku: "nib".into(),
                    qty: 4,
                },
            ],
            note: None,
        },
    ]
}

fn kind_error(kind: &str) -> HostError {
    match kind {
        "not_found" => HostError::NotFound("no such thing".into()),
        "permission_denied" => HostError::PermissionDenied("not yours".into()),
        "invalid_argument" => HostError::InvalidArgument("qty must be positive".into()),
        "unavailable" => HostError::Unavailable("try later".into()),
        _ => HostError::custom("OUT_OF_STOCK", "no pens left"),
    }
}

fn host_api(probe: &Arc<Probe>) -> HostApi {
    let mut api = HostApi::new();
    api.permission("orders:read", "Read orders")
        .unwrap()
        .permission("orders:write", "Create orders")
        .unwrap()
        .permission("test:errors", "Fail on purpose")
        .unwrap()
        .permission("test:slow", "Take time")
        .unwrap()
        .permission("test:boom", "Panic")
        .unwrap()
        .permission("test:loop", "Call plugins back")
        .unwrap();
    api.func_async(
        "orders.get",
        "orders:read",
        |_ctx: HostCallContext, (id,): (u64,)| async move {
            orders()
                .into_iter()
                .find(|o| o.id == id)
                .ok_or_else(|| HostError::NotFound(format!("no order {id}")))
        },
    )
    .unwrap()
    .func(
        "orders.count",
        "orders:read",
        |_ctx: &HostCallContext, (): ()| Ok(orders().len() as u32),
    )
    .unwrap()
    .func(
        "orders.find",
        "orders:read",
        |_ctx: &HostCallContext, q: Query| {
            Ok(orders()
                .into_iter()
                .filter(|o| o.customer == q.customer)
                .collect::<Vec<_>>())
        },
    )
    .unwrap()
    .func(
        "orders.receipt",
        "orders:read",
        |_ctx: &HostCallContext, (id,): (u64,)| Ok(Bytes(format!("receipt {id}").into_bytes())),
    )
    .unwrap()
    .func(
        "orders.checksum",
        "orders:read",
        |_ctx: &HostCallContext, (b,): (Vec<u8>,)| Ok(b.iter().map(|&x| u32::from(x)).sum::<u32>()),
    )
    .unwrap()
    .func_async(
        "orders.create",
        "orders:write",
        |ctx: HostCallContext, n: NewOrder| async move {
            Ok(Order {
                id: 3,
                customer: format!("{} via {}", n.customer, ctx.plugin_id()),
                lines: n.lines,
                note: None,
            })
        },
    )
    .unwrap()
    .func(
        "errs.raise",
        "test:errors",
        |_: &HostCallContext, (kind,): (String,)| Err::<(), _>(kind_error(&kind)),
    )
    .unwrap()
    .func_async(
        "errs.raiseAsync",
        "test:errors",
        |_: HostCallContext, (kind,): (String,)| async move { Err::<(), _>(kind_error(&kind)) },
    )
    .unwrap()
    .func(
        "boom.sync",
        "test:boom",
        |_: &HostCallContext, (): ()| -> Result<(), HostError> {
            panic!("the host function blew up")
        },
    )
    .unwrap()
    .func_async(
        "boom.async",
        "test:boom",
        |_: HostCallContext, (): ()| async move {
            tokio::task::yield_now().await;
            if true {
                panic!("the async host function blew up");
            }
            Ok(())
        },
    )
    .unwrap();
    let p = probe.clone();
    api.func_async(
        "slow.sleep",
        "test:slow",
        move |ctx: HostCallContext, (ms,): (u64,)| {
            let p = p.clone();
            async move {
                let token = ctx.cancellation().clone();
                let watcher = p.clone();
                tokio::spawn(async move {
                    token.cancelled().await;
                    watcher.cancelled.store(true, Ordering::SeqCst);
                });
                let _guard = SetOnDrop(p.clone());
                p.sleeping.store(true, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(ms)).await;
                Ok("woke")
            }
        },
    )
    .unwrap();
    let p = probe.clone();
    api.func_async(
        "slow.wait",
        "test:slow",
        move |_ctx: HostCallContext, (ms,): (u64,)| {
            let p = p.clone();
            async move {
                let now = p.running.fetch_add(1, Ordering::SeqCst) + 1;
                p.peak.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(ms)).await;
                p.running.fetch_sub(1, Ordering::SeqCst);
                Ok(ms)
            }
        },
    )
    .unwrap();
    let p = probe.clone();
    api.func_async(
        "loop.call",
        "test:loop",
        move |_ctx: HostCallContext, (plugin, export, arg): (String, String, Value)| {
            let p = p.clone();
            async move {
                let rt = p
                    .runtime
                    .get()
                    .ok_or_else(|| HostError::Unavailable("no runtime".into()))?;
                let handle = rt
                    .plugin(&plugin)
                    .ok_or_else(|| HostError::NotFound(format!("no plugin {plugin}")))?;
                handle
                    .call(&export, vec![arg])
                    .await
                    .map_err(|e| HostError::Unavailable(e.to_string()))
            }
        },
    )
    .unwrap();
    api.max_in_flight(2);
    api
}

fn runtime_with(probe: &Arc<Probe>, f: impl FnOnce(&mut RuntimeConfig)) -> PluginRuntime {
    let mut config = RuntimeConfig {
        data_dir: tempfile::tempdir().unwrap().keep(),
        host_api: host_api(probe),
        ..RuntimeConfig::default()
    };
    f(&mut config);
    let rt = PluginRuntime::new(config).unwrap();
    let _ = probe.runtime.set(rt.clone());
    rt
}

async fn call(p: &qirvo::PluginHandle, path: &str, args: &[Value]) -> Value {
    let mut all = vec![json!(path)];
    all.extend_from_slice(args);
    p.call("call", all).await.unwrap()
}

async fn until(what: &str, f: impl Fn() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "waited too long for {what}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[derive(Deserialize)]
struct Reply<T> {
    ok: T,
}

#[tokio::test(flavor = "multi_thread")]
async fn granted_functions_return_typed_data() {
    let probe = Arc::new(Probe::default());
    let rt = runtime_with(&probe, |_| {});
    let p = rt.load(plugin_fixture("host-orders")).await.unwrap();

    // Async, one tuple argument, a struct back (typed both ways with call_typed).
    let r: Reply<Order> = p.call_typed("call", ("orders.get", 2)).await.unwrap();
    assert_eq!(r.ok, orders()[1]);
    let r: Reply<Order> = p.call_typed("call", ("orders.get", 1)).await.unwrap();
    assert_eq!(r.ok.note.as_deref(), Some("gift wrap"));
    // Sync, no arguments.
    assert_eq!(call(&p, "orders.count", &[]).await, json!({ "ok": 2 }));
    // One object argument (a struct), a list back.
    let found = call(&p, "orders.find", &[json!({ "customer": "grace" })]).await;
    assert_eq!(found["ok"][0]["id"], json!(2));
    assert_eq!(found["ok"].as_array().map(Vec::len), Some(1));
    // Bytes: Bytes comes back as a Uint8Array; Vec<u8> takes a Uint8Array or numbers.
    assert_eq!(
        p.call("bytes", vec![]).await.unwrap(),
        json!({ "isU8": true, "text": "receipt 2", "sum": 256, "sumArray": 9 })
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_ungranted_function_is_not_listed_and_is_refused_when_read() {
    let probe = Arc::new(Probe::default());
    let rt = runtime_with(&probe, |_| {});
    let p = rt.load(plugin_fixture("host-orders")).await.unwrap();
    // host-orders is not granted orders:write: orders.create is not listed, and reading it
    // throws PermissionDenied (SECURITY, issue 17; see the tests below).
    assert_eq!(
        p.call("shape", vec![]).await.unwrap(),
        json!({
            "boom": ["async", "sync"],
            "errs": ["raise", "raiseAsync"],
            "loop": ["call"],
            "orders": ["checksum", "count", "find", "get", "receipt"],
            "slow": ["sleep", "wait"],
        })
    );
    assert_eq!(
        call(
            &p,
            "orders.create",
            &[json!({ "customer": "x", "lines": [] })]
        )
        .await["error"]["name"],
        json!("PermissionDenied")
    );
    // A plugin granted only test:loop sees only loop.call.
    let other = rt.load(plugin_fixture("host-other")).await.unwrap();
    assert_eq!(
        other.call("shape", vec![]).await.unwrap(),
        json!({ "loop": ["call"] })
    );
    // A plugin with no host permission has an empty qirvo.host (and no host ops).
    let hello = rt.load(plugin_fixture("hello")).await.unwrap();
    assert!(hello.call("greet", vec![json!("x")]).await.is_ok());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_argument_is_a_type_error_naming_it() {
    let probe = Arc::new(Probe::default());
    let rt = runtime_with(&probe, |_| {});
    let p = rt.load(plugin_fixture("host-orders")).await.unwrap();
    let cases: Vec<(&str, Vec<Value>, &str)> = vec![
        (
            "orders.get",
            vec![json!("x")],
            "orders.get: argument 1: invalid type: string \"x\", expected u64",
        ),
        (
            "orders.get",
            vec![json!(-1)],
            "orders.get: argument 1: invalid value: integer `-1`, expected u64",
        ),
        (
            "orders.get",
            vec![json!(1.5)],
            "orders.get: argument 1: invalid type: floating point `1.5`, expected u64",
        ),
        (
            "orders.find",
            vec![json!({ "customer": 5 })],
            "orders.find: argument 1: customer: invalid type: integer `5`, expected a string",
        ),
        (
            "orders.find",
            vec![json!({ "customer": "a", "extra": 1 })],
            "orders.find: argument 1: extra: unknown field `extra`, expected `customer`",
        ),
        (
            "orders.find",
            vec![],
            "orders.find: takes exactly 1 argument",
        ),
        (
            "orders.count",
            vec![json!(1)],
            "orders.count: takes no arguments, got 1",
        ),
        (
            "orders.checksum",
            vec![json!([1, 300])],
            "orders.checksum: argument 1: 1: invalid value: integer `300`, expected u8",
        ),
        (
            "loop.call",
            vec![json!("a")],
            "loop.call: arguments: invalid length 1, expected a tuple of size 3",
        ),
    ];
    for (path, args, message) in cases {
        let r = call(&p, path, &args).await;
        assert_eq!(
            r["error"]["name"],
            json!("TypeError"),
            "{path} {args:?}: {r}"
        );
        assert_eq!(r["error"]["isTypeError"], json!(true), "{path}: {r}");
        assert_eq!(r["error"]["message"], json!(message), "{path} {args:?}");
        assert_eq!(r["error"]["code"], json!("INVALID_ARGUMENT"));
    }
    // A lone surrogate is refused, not replaced (it would name another customer).
    let r = p.call("loneSurrogate", vec![]).await.unwrap();
    assert_eq!(r["error"]["name"], json!("TypeError"), "{r}");
    assert_eq!(
        r["error"]["message"],
        json!(
            "orders.find: argument 1: customer: a string holds a lone surrogate (not well-formed Unicode)"
        )
    );
    // Nothing bad reached the host function: no errors other than these were counted.
    let m = rt
        .host_api()
        .metrics()
        .into_iter()
        .find(|m| m.plugin == "host-orders" && m.function == "orders.get")
        .unwrap();
    assert_eq!(m.errors.get("type"), Some(&3));
}

#[tokio::test(flavor = "multi_thread")]
async fn each_host_error_kind_arrives_as_its_class_and_code() {
    let probe = Arc::new(Probe::default());
    let rt = runtime_with(&probe, |_| {});
    let p = rt.load(plugin_fixture("host-orders")).await.unwrap();
    let kinds = [
        ("not_found", "NotFound", "NOT_FOUND", "no such thing"),
        (
            "permission_denied",
            "PermissionDenied",
            "PERMISSION_DENIED",
            "not yours",
        ),
        (
            "invalid_argument",
            "InvalidArgument",
            "INVALID_ARGUMENT",
            "qty must be positive",
        ),
        ("unavailable", "Unavailable", "UNAVAILABLE", "try later"),
        ("custom", "HostError", "OUT_OF_STOCK", "no pens left"),
    ];
    for f in ["errs.raise", "errs.raiseAsync"] {
        for (kind, class, code, message) in kinds {
            let r = call(&p, f, &[json!(kind)]).await;
            assert_eq!(
                r["error"],
                json!({
                    "name": class,
                    "message": message,
                    "code": code,
                    "function": f,
                    "isTypeError": false,
                    "isItsClass": true,
                }),
                "{f}({kind})"
            );
        }
    }
    // The host's own NotFound from a real lookup.
    let r = call(&p, "orders.get", &[json!(99)]).await;
    assert_eq!(r["error"]["name"], json!("NotFound"));
    assert_eq!(r["error"]["message"], json!("no order 99"));
    let m = rt.host_api().metrics();
    let raise = m.iter().find(|m| m.function == "errs.raise").unwrap();
    assert_eq!(raise.calls, 5);
    for k in [
        "not_found",
        "permission_denied",
        "invalid_argument",
        "unavailable",
        "custom",
    ] {
        assert_eq!(raise.errors.get(k), Some(&1), "{k}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_panicking_host_function_leaves_host_and_plugin_usable() {
    let probe = Arc::new(Probe::default());
    let rt = runtime_with(&probe, |_| {});
    let p = rt.load(plugin_fixture("host-orders")).await.unwrap();
    let other = rt.load(plugin_fixture("host-other")).await.unwrap();
    for f in ["boom.sync", "boom.async", "boom.sync"] {
        let r = call(&p, f, &[]).await;
        assert_eq!(r["error"]["name"], json!("HostError"), "{f}: {r}");
        assert_eq!(r["error"]["code"], json!("INTERNAL"), "{f}");
        assert_eq!(
            r["error"]["message"],
            json!(format!("{f}: the host function failed (internal error)"))
        );
        // The plugin, its host functions and the other plugins carry on.
        assert_eq!(call(&p, "orders.count", &[]).await, json!({ "ok": 2 }));
        assert_eq!(
            call(&p, "orders.get", &[json!(1)]).await["ok"]["id"],
            json!(1)
        );
        assert_eq!(
            other.call("echo", vec![json!("y")]).await.unwrap(),
            json!("other: y")
        );
    }
    let boom = rt
        .host_api()
        .metrics()
        .into_iter()
        .find(|m| m.function == "boom.sync")
        .unwrap();
    assert_eq!(boom.errors.get("internal"), Some(&2));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_host_call_past_the_deadline_is_cancelled_and_the_plugin_carries_on() {
    let probe = Arc::new(Probe::default());
    let rt = runtime_with(&probe, |_| {});
    let p = rt.load(plugin_fixture("host-orders")).await.unwrap();
    // host-orders' timeout is 1.5 s; the host function would sleep 30 s.
    let r = p.call("sleepInHost", vec![json!(30_000)]).await;
    assert!(matches!(r, Err(PluginError::Timeout { .. })), "{r:?}");
    // On the host side: the future was dropped and the context's cancellation fired.
    until("the host future to be dropped", || {
        probe.dropped.load(Ordering::SeqCst)
    })
    .await;
    until("the cancellation to fire", || {
        probe.cancelled.load(Ordering::SeqCst)
    })
    .await;
    // The plugin's next calls work, host calls included.
    assert_eq!(p.call("echo", vec![json!(5)]).await.unwrap(), json!(5));
    assert_eq!(
        call(&p, "orders.get", &[json!(2)]).await["ok"]["id"],
        json!(2)
    );
    assert_eq!(
        call(&p, "slow.sleep", &[json!(1)]).await,
        json!({ "ok": "woke" })
    );

    // Terminated by the host: the same.
    for flag in [&probe.sleeping, &probe.dropped, &probe.cancelled] {
        flag.store(false, Ordering::SeqCst);
    }
    let p2 = p.clone();
    let task = tokio::spawn(async move { p2.call("sleepInHost", vec![json!(30_000)]).await });
    until("the host function to start", || {
        probe.sleeping.load(Ordering::SeqCst)
    })
    .await;
    assert!(p.terminate());
    let r = task.await.unwrap();
    assert!(matches!(r, Err(PluginError::Terminated { .. })), "{r:?}");
    until("the host future to be dropped", || {
        probe.dropped.load(Ordering::SeqCst)
    })
    .await;
    until("the cancellation to fire", || {
        probe.cancelled.load(Ordering::SeqCst)
    })
    .await;
    assert_eq!(call(&p, "orders.count", &[]).await, json!({ "ok": 2 }));

    // Unloaded while a background host call is in flight: cancelled too.
    for flag in [&probe.sleeping, &probe.dropped, &probe.cancelled] {
        flag.store(false, Ordering::SeqCst);
    }
    let p2 = p.clone();
    let task = tokio::spawn(async move { p2.call("sleepInHost", vec![json!(30_000)]).await });
    until("the host function to start", || {
        probe.sleeping.load(Ordering::SeqCst)
    })
    .await;
    p.unload().await.unwrap();
    let _ = task.await.unwrap();
    until("the host future to be dropped", || {
        probe.dropped.load(Ordering::SeqCst)
    })
    .await;
    until("the cancellation to fire", || {
        probe.cancelled.load(Ordering::SeqCst)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn host_calls_in_flight_are_bounded() {
    let probe = Arc::new(Probe::default());
    let rt = runtime_with(&probe, |_| {}); // max_in_flight(2)
    let p = rt.load(plugin_fixture("host-orders")).await.unwrap();
    assert_eq!(
        p.call("flood", vec![json!(5), json!(300)]).await.unwrap(),
        json!([
            "ok",
            "ok",
            "TOO_MANY_CALLS",
            "TOO_MANY_CALLS",
            "TOO_MANY_CALLS"
        ])
    );
    assert_eq!(probe.peak.load(Ordering::SeqCst), 2);
    // The slots are free again once those calls end.
    assert_eq!(
        p.call("flood", vec![json!(2), json!(1)]).await.unwrap(),
        json!(["ok", "ok"])
    );
    let r = call(&p, "slow.wait", &[json!(1)]).await;
    assert_eq!(r, json!({ "ok": 1 }));
    // The default bound is documented and applies without a setting.
    assert_eq!(qirvo::DEFAULT_MAX_IN_FLIGHT, 64);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_host_function_calling_back_into_its_plugin_fails_at_once_and_others_are_served() {
    let probe = Arc::new(Probe::default());
    let rt = runtime_with(&probe, |_| {});
    let p = rt.load(plugin_fixture("host-orders")).await.unwrap();
    let _other = rt.load(plugin_fixture("host-other")).await.unwrap();
    // plugin -> host -> another plugin: served.
    assert_eq!(
        call(
            &p,
            "loop.call",
            &[json!("host-other"), json!("echo"), json!("x")]
        )
        .await,
        json!({ "ok": "other: x" })
    );
    // plugin -> host -> the same plugin: a clear error at once (not the step's timeout).
    let r = call(
        &p,
        "loop.call",
        &[json!("host-orders"), json!("echo"), json!("x")],
    )
    .await;
    assert_eq!(r["error"]["name"], json!("Unavailable"), "{r}");
    let message = r["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("echo: called from inside its own host call loop.call"),
        "{message}"
    );
    // A plugin may call the host that calls another plugin that calls the host.
    assert_eq!(
        call(
            &p,
            "loop.call",
            &[json!("host-other"), json!("echo"), json!(1)]
        )
        .await,
        json!({ "ok": "other: 1" })
    );
    assert_eq!(
        p.call("echo", vec![json!("still here")]).await.unwrap(),
        json!("still here")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_undeclared_host_permission_is_refused_at_load_naming_the_known_ones() {
    let probe = Arc::new(Probe::default());
    let rt = runtime_with(&probe, |_| {});
    match rt.load(plugin_fixture("host-unknown")).await {
        Err(LoadError::Manifest(ManifestError::Invalid { field, reason, .. })) => {
            assert_eq!(field, "permissions");
            assert!(
                reason.contains("\"orders:delete\" is not a known permission"),
                "{reason}"
            );
            for known in [
                "network-access",
                "filesystem-access",
                "orders:read",
                "orders:write",
            ] {
                assert!(reason.contains(known), "{reason}");
            }
        }
        other => panic!("expected a manifest error, got {other:?}"),
    }
    // A runtime without a host API knows no host permission at all.
    let bare = PluginRuntime::new(RuntimeConfig {
        data_dir: tempfile::tempdir().unwrap().keep(),
        ..RuntimeConfig::default()
    })
    .unwrap();
    match bare.load(plugin_fixture("host-other")).await {
        Err(LoadError::Manifest(ManifestError::Invalid { reason, .. })) => {
            assert!(
                reason.contains("\"test:loop\" is not a known permission"),
                "{reason}"
            );
        }
        other => panic!("expected a manifest error, got {other:?}"),
    }
    // A name that is not even shaped namespace:verb is refused by the manifest parser.
    let m = qirvo::Manifest::parse(
        r#"{"id":"a","version":"1.0.0","main":"m.ts","permissions":["Orders:Read"]}"#,
        std::path::Path::new("manifest.json"),
        None,
    );
    assert!(matches!(m, Err(ManifestError::Invalid { .. })), "{m:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn allowed_permissions_covers_host_permissions() {
    let probe = Arc::new(Probe::default());
    let rt = runtime_with(&probe, |c| {
        c.allowed_permissions = Some(
            [Permission::host("test:loop").unwrap()]
                .into_iter()
                .collect(),
        );
    });
    assert!(rt.load(plugin_fixture("host-other")).await.is_ok());
    let e = rt
        .load(plugin_fixture("host-orders"))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("permission orders:read is not allowed by this runtime"),
        "{e}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_warm_pool_leaves_host_api_plugins_their_own_isolate() {
    let probe = Arc::new(Probe::default());
    let rt = runtime_with(&probe, |c| c.warm_isolates = 1);
    until("the pool to warm", || rt.warm_pool().ready == 1).await;
    let p = rt.load(plugin_fixture("host-orders")).await.unwrap();
    assert_eq!(call(&p, "orders.count", &[]).await, json!({ "ok": 2 }));
    assert_eq!(
        call(&p, "orders.get", &[json!(1)]).await["ok"]["id"],
        json!(1)
    );
    // The warm isolate is still there, unclaimed: host functions are registered per plugin.
    let stats = rt.warm_pool();
    assert_eq!((stats.claimed, stats.ready), (0, 1));
}

#[tokio::test(flavor = "multi_thread")]
async fn host_calls_are_counted_per_function_and_plugin() {
    let probe = Arc::new(Probe::default());
    let rt = runtime_with(&probe, |_| {});
    let p = rt.load(plugin_fixture("host-orders")).await.unwrap();
    for _ in 0..3 {
        call(&p, "orders.get", &[json!(1)]).await;
    }
    call(&p, "orders.get", &[json!(42)]).await;
    let m = rt
        .host_api()
        .metrics()
        .into_iter()
        .find(|m| m.plugin == "host-orders" && m.function == "orders.get")
        .unwrap();
    assert_eq!(m.calls, 4);
    assert_eq!(m.errors.get("not_found"), Some(&1));
    let text = rt.metrics_text();
    assert!(
        text.contains("qirvo_host_calls_total{plugin=\"host-orders\",function=\"orders.get\"} 4"),
        "{text}"
    );
    assert!(text.contains(
        "qirvo_host_call_errors_total{plugin=\"host-orders\",function=\"orders.get\",kind=\"not_found\"} 1"
    ));
    assert!(text.contains(
        "qirvo_host_call_duration_seconds_count{plugin=\"host-orders\",function=\"orders.get\"} 4"
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn plugin_tests_stub_the_host_or_run_against_the_real_one() {
    let dir = plugin_fixture("host-tested");
    // No host (what `qirvo test` has): the stubbed test passes, the other cannot.
    let bare = RuntimeConfig {
        data_dir: tempfile::tempdir().unwrap().keep(),
        ..RuntimeConfig::default()
    };
    let report = qirvo::testing::run_plugin_tests(&dir, bare, |_| {})
        .await
        .unwrap();
    assert_eq!((report.passed(), report.failed()), (1, 1), "{report:?}");
    let failed = report
        .outcomes
        .iter()
        .find(|o| o.status == qirvo::testing::TestStatus::Failed)
        .unwrap();
    assert!(
        failed
            .message
            .as_deref()
            .unwrap_or("")
            .contains("orders.count is not stubbed"),
        "{failed:?}"
    );
    // With the real host API (qirvo::testing from Rust): both pass.
    let probe = Arc::new(Probe::default());
    let config = RuntimeConfig {
        data_dir: tempfile::tempdir().unwrap().keep(),
        host_api: host_api(&probe),
        ..RuntimeConfig::default()
    };
    let report = qirvo::testing::run_plugin_tests(&dir, config, |_| {})
        .await
        .unwrap();
    assert_eq!((report.passed(), report.failed()), (2, 0), "{report:?}");
}

fn tsc() -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("tsc"))
        .find(|p| p.is_file())
}

#[test]
fn the_generated_typescript_type_checks_a_plugin_with_tsc_strict() {
    let probe = Arc::new(Probe::default());
    let ts = host_api(&probe).typescript();
    assert!(ts.contains("interface QirvoHostApi"), "{ts}");
    assert!(
        ts.contains("get(arg1: number): Promise<QirvoHostTypes.Order>;"),
        "{ts}"
    );
    let Some(tsc) = tsc() else {
        eprintln!("skipped: no tsc on PATH (npm install -g typescript)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("host-api.d.ts"), &ts).unwrap();
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("js/qirvo.d.ts"),
        dir.path().join("qirvo.d.ts"),
    )
    .unwrap();
    let good = r#"
export async function total(id: number): Promise<number> {
  const order = await qirvo.host.orders.get(id);
  const note: string | null | undefined = order.note;
  const n: number = await qirvo.host.orders.count();
  const found = await qirvo.host.orders.find({ customer: "ada" });
  const receipt: Uint8Array = await qirvo.host.orders.receipt(1);
  const sum: number = await qirvo.host.orders.checksum(new Uint8Array([1, 2]));
  const made = await qirvo.host.orders.create({ customer: "x", lines: [{ sku: "a", qty: 1 }] });
  void note; void receipt; void made;
  return order.lines.reduce((s, l) => s + l.qty, 0) + n + found.length + sum;
}
"#;
    let bad = r#"
export async function wrong() {
  const order = await qirvo.host.orders.get("x");
  const s: string = order.id;
  return s;
}
"#;
    let run = |file: &str, text: &str| {
        std::fs::write(dir.path().join(file), text).unwrap();
        std::process::Command::new(&tsc)
            .current_dir(dir.path())
            .args([
                "--strict", "--noEmit", "--target", "es2022", "--lib", "esnext",
            ])
            .args(["qirvo.d.ts", "host-api.d.ts", file])
            .output()
            .unwrap()
    };
    let out = run("good.ts", good);
    assert!(
        out.status.success(),
        "tsc rejected a correct plugin:\n{}\n{}\n---\n{ts}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run("bad.ts", bad);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "tsc accepted a wrong plugin");
    assert!(text.contains("bad.ts(3,"), "{text}");
    assert!(text.contains("bad.ts(4,"), "{text}");
}

#[test]
fn qirvo_validate_accepts_host_permissions_it_cannot_check() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_qirvo"))
        .arg("--data-dir")
        .arg(tempfile::tempdir().unwrap().keep())
        .arg("validate")
        .arg(plugin_fixture("host-orders"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(
            "note: \"orders:read\" is a host permission: qirvo validate cannot check that a host declares it"
        ),
        "{stderr}"
    );
    // A permission that is neither built in nor shaped namespace:verb is still refused.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("manifest.json"),
        r#"{"id":"x","version":"1.0.0","main":"main.ts","permissions":["orders"]}"#,
    )
    .unwrap();
    std::fs::write(dir.path().join("main.ts"), "export const a = 1;").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_qirvo"))
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .arg("validate")
        .arg(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("\"orders\" is not a known permission"),
        "{stderr}"
    );
}

// ---------------------------------------------------------------------------------------
// SECURITY (issue 17): reading a host function the plugin was not granted is a recorded,
// typed refusal; names the host never registered stay absent (fixtures/plugins/host-prober).

fn drain(sub: &mut qirvo::SecuritySubscription) -> Vec<qirvo::SecurityEvent> {
    std::iter::from_fn(|| sub.try_recv()).collect()
}

fn denials(events: &[qirvo::SecurityEvent]) -> Vec<(String, String)> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            qirvo::SecurityEventKind::PermissionDenied {
                capability: qirvo::Capability::Host,
                operation,
                reason,
                ..
            } => {
                assert_eq!(e.decision, qirvo::Decision::Denied, "{e:?}");
                assert_eq!(e.rule.as_deref(), Some("grant"), "{e:?}");
                Some((operation.clone(), reason.clone()))
            }
            _ => None,
        })
        .collect()
}

/// The prober's code, loaded under `permissions` with id `id`.
fn prober(id: &str, permissions: Value) -> tempfile::TempDir {
    crate::helpers::write_plugin(
        json!({ "id": id, "version": "1.0.0", "main": "main.ts", "permissions": permissions }),
        &std::fs::read_to_string(plugin_fixture("host-prober").join("main.ts")).unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn reading_an_ungranted_host_function_is_one_recorded_typed_refusal() {
    let probe = Arc::new(Probe::default());
    let rt = runtime_with(&probe, |_| {});
    let p = rt.load(plugin_fixture("host-prober")).await.unwrap();
    let none = prober("host-none", json!([]));
    let none = rt.load(none.path()).await.unwrap();
    // Sync and async functions, in namespaces where the plugin holds nothing (host-prober
    // holds only loop.call; host-none holds nothing at all), each with the grant it lacks.
    let family = [
        ("orders.get", "orders:read"),
        ("orders.count", "orders:read"),
        ("orders.create", "orders:write"),
        ("errs.raise", "test:errors"),
        ("errs.raiseAsync", "test:errors"),
        ("boom.sync", "test:boom"),
        ("boom.async", "test:boom"),
        ("slow.sleep", "test:slow"),
    ];
    for plugin in [&p, &none] {
        for (function, permission) in family {
            let mut sub = rt.security().subscribe();
            let got = plugin
                .call("call", vec![json!(function), json!(1)])
                .await
                .unwrap();
            let e = &got["error"];
            assert_eq!(e["name"], "PermissionDenied", "{function}: {got}");
            assert_eq!(e["isPermissionDenied"], true, "{function}: {got}");
            assert_eq!(e["code"], "PERMISSION_DENIED", "{function}: {got}");
            assert_eq!(e["function"], function, "{function}: {got}");
            let message = e["message"].as_str().unwrap();
            assert!(
                message.contains(function) && message.contains(permission),
                "{function}: {message}"
            );
            // Exactly one event, naming the function and what the plugin was told.
            let events = drain(&mut sub);
            assert_eq!(
                denials(&events),
                [(function.to_string(), message.to_string())],
                "{function}: {events:#?}"
            );
            assert!(
                events.iter().all(|e| e.plugin == plugin.id()),
                "{events:#?}"
            );
        }
        // The host function never ran.
        assert!(!probe.sleeping.load(Ordering::SeqCst));
        // A feature check reads the name too: refused and recorded the same way.
        let mut sub = rt.security().subscribe();
        assert_eq!(
            plugin
                .call("typeOf", vec![json!("orders.create")])
                .await
                .unwrap(),
            "PermissionDenied"
        );
        assert_eq!(denials(&drain(&mut sub)).len(), 1);
    }
    assert_eq!(
        rt.security().summary()["host-prober"].denials["host"],
        family.len() as u64 + 1
    );
    assert_eq!(
        rt.security().summary()["host-none"].denials["host"],
        family.len() as u64 + 1
    );
    // What it is granted still works: loop.call runs host-none's typeOf("loop.call"), which
    // host-none is not granted.
    let got = p
        .call(
            "call",
            vec![
                json!("loop.call"),
                json!("host-none"),
                json!("typeOf"),
                json!("loop.call"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(got, json!({ "ok": "PermissionDenied" }));
}

#[tokio::test(flavor = "multi_thread")]
async fn names_the_host_never_registered_stay_absent_and_quiet() {
    let probe = Arc::new(Probe::default());
    let rt = runtime_with(&probe, |_| {});
    let p = rt.load(plugin_fixture("host-prober")).await.unwrap();
    let none = prober("host-none-2", json!([]));
    let none = rt.load(none.path()).await.unwrap();
    let mut sub = rt.security().subscribe();
    let long = format!("{}.get", "x".repeat(200));
    for plugin in [&p, &none] {
        for path in [
            "orders.delete",
            "orders.toString",
            "loop.nope",
            "nope.get",
            "then.x",
            "toString.x",
            long.as_str(),
        ] {
            assert_eq!(
                plugin.call("call", vec![json!(path)]).await.unwrap(),
                json!({ "absent": true }),
                "{path}"
            );
            assert_eq!(
                plugin.call("typeOf", vec![json!(path)]).await.unwrap(),
                "undefined",
                "{path}"
            );
        }
    }
    // Listing, `in`, instanceof and symbols read no function: nothing is refused.
    assert_eq!(
        p.call("quietChecks", vec![]).await.unwrap(),
        json!({
            "keys": ["loop"],
            "ordersIn": false,
            "createIn": false,
            "isObject": true,
            "frozen": true,
            "symbol": null,
        })
    );
    let events = drain(&mut sub);
    assert!(denials(&events).is_empty(), "{events:#?}");
    assert!(!rt.security().summary().contains_key("host-prober"));
}
