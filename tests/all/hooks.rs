//! Lifecycle hooks (order, critical failure rollback) and the resource manager's budgets.

use std::sync::{Arc, Mutex};

use qirvo::{
    BudgetError, Budgets, ByteSize, HookError, HookPhase, LoadError, Permission, PluginError,
    PluginRuntime, RuntimeConfig,
};
use serde_json::json;

use crate::helpers::*;

fn recorder(
    rt: &PluginRuntime,
    log: &Arc<Mutex<Vec<String>>>,
    phase: HookPhase,
    name: &'static str,
    priority: i32,
) {
    let log = log.clone();
    rt.hooks()
        .register(phase, name, priority, false, move |ctx| {
            let log = log.clone();
            async move {
                log.lock()
                    .unwrap()
                    .push(format!("{}:{name}:{}", ctx.phase, ctx.manifest.id));
                Ok(())
            }
        });
}

#[tokio::test(flavor = "multi_thread")]
async fn hooks_run_in_priority_order_around_every_transition() {
    let (rt, _) = runtime();
    let log = Arc::new(Mutex::new(Vec::new()));
    for phase in [
        HookPhase::PreLoad,
        HookPhase::PostLoad,
        HookPhase::PreStart,
        HookPhase::PostStart,
        HookPhase::PreStop,
        HookPhase::PostStop,
        HookPhase::PreUnload,
        HookPhase::PostUnload,
    ] {
        recorder(&rt, &log, phase, "low", 10);
        recorder(&rt, &log, phase, "high", 200);
    }
    // The runtime's own steps are listed with the host's, in run order.
    let pre_load: Vec<_> = rt
        .hooks()
        .list()
        .into_iter()
        .filter(|h| h.phase == HookPhase::PreLoad)
        .map(|h| (h.name, h.builtin))
        .collect();
    assert_eq!(
        pre_load,
        [
            ("high".into(), false),
            ("security-validation".into(), true),
            ("resource-allocation".into(), true),
            ("low".into(), false)
        ]
    );
    let p = rt.load(plugin_fixture("hello")).await.unwrap();
    p.start().await.unwrap();
    p.stop().await.unwrap();
    p.unload().await.unwrap();
    let id = "com.example.hello";
    let expected: Vec<String> = [
        "pre-load",
        "post-load",
        "pre-start",
        "post-start",
        "pre-stop",
        "post-stop",
        "pre-unload",
        "post-unload",
    ]
    .iter()
    .flat_map(|phase| [format!("{phase}:high:{id}"), format!("{phase}:low:{id}")])
    .collect();
    assert_eq!(*log.lock().unwrap(), expected);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_critical_pre_load_leaves_nothing_allocated_or_registered() {
    let (rt, logs) = runtime();
    rt.hooks().register(
        HookPhase::PreLoad,
        "licence-check",
        50,
        true,
        |ctx| async move {
            if ctx.manifest.id == "com.example.hello" {
                Err(HookError::new("no licence for this plugin"))
            } else {
                Ok(())
            }
        },
    );
    let err = rt.load(plugin_fixture("hello")).await.unwrap_err();
    assert!(
        matches!(&err, LoadError::Hook { hook, phase: HookPhase::PreLoad, .. } if hook == "licence-check"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "plugin com.example.hello: pre-load hook \"licence-check\" failed: no licence for this plugin"
    );
    assert!(rt.plugins().is_empty());
    assert!(
        rt.allocations().is_empty(),
        "the allocation made before it was rolled back"
    );
    assert!(
        logs.messages("com.example.hello").is_empty(),
        "the plugin never ran"
    );
    // A non-critical failing hook is logged and the transition goes on.
    rt.hooks().remove(HookPhase::PreLoad, "licence-check");
    rt.hooks()
        .register(HookPhase::PreStart, "flaky", 0, false, |_| async {
            Err(HookError::new("flaky"))
        });
    let p = rt.load(plugin_fixture("hello")).await.unwrap();
    p.start().await.unwrap();
    // A critical pre-stop failure aborts the stop.
    rt.hooks()
        .register(HookPhase::PreStop, "hold", 0, true, |_| async {
            Err(HookError::new("not now"))
        });
    let err = p.stop().await.unwrap_err();
    assert!(matches!(err, PluginError::Hook { .. }), "{err:?}");
    assert_eq!(p.state(), qirvo::PluginState::Running);
}

#[tokio::test(flavor = "multi_thread")]
async fn budgets_bound_what_plugins_may_take_and_are_given_back() {
    let data = tempfile::tempdir().unwrap();
    let rt = PluginRuntime::new(RuntimeConfig {
        data_dir: data.path().to_path_buf(),
        budgets: Budgets {
            memory: Some(ByteSize::mib(100)),
            ..Budgets::default()
        },
        ..RuntimeConfig::default()
    })
    .unwrap();
    // hello asks for 64MB: one fits, a second does not.
    let a = copy_plugin("hello", "budget-a");
    let b = copy_plugin("hello", "budget-b");
    let pa = rt.load(a.path()).await.unwrap();
    let alloc = rt.allocation("budget-a").unwrap();
    assert_eq!(alloc.memory, ByteSize::mib(64));
    let err = rt.load(b.path()).await.unwrap_err();
    let LoadError::Budget(BudgetError {
        resource,
        requested,
        available,
        ..
    }) = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(
        (*resource, requested.as_str(), available.as_str()),
        ("memory", "64MB", "36MB")
    );
    assert!(
        err.to_string()
            .contains("asks for 64MB, 36MB of 100MB is left"),
        "{err}"
    );
    assert!(rt.plugin("budget-b").is_none());
    // Unloading gives it back.
    pa.unload().await.unwrap();
    assert!(rt.allocations().is_empty());
    rt.load(b.path()).await.unwrap();
    assert_eq!(rt.allocations().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_plugin_that_fails_for_good_gives_its_resources_back() {
    let (rt, _) = runtime();
    let p = rt.load(plugin_fixture("hog")).await.unwrap();
    assert!(rt.allocation("hog").is_some());
    p.call("exhaust", vec![]).await.unwrap_err();
    for _ in 0..200 {
        if rt.allocation("hog").is_none() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(rt.allocation("hog").is_none());
    let _ = json!(null);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_runtime_can_forbid_permissions() {
    let rt = PluginRuntime::new(RuntimeConfig {
        allowed_permissions: Some([Permission::FilesystemAccess].into_iter().collect()),
        data_dir: tempfile::tempdir().unwrap().keep(),
        ..RuntimeConfig::default()
    })
    .unwrap();
    let err = rt.load(plugin_fixture("fetch")).await.unwrap_err();
    assert!(
        matches!(&err, LoadError::Hook { hook, reason, .. } if hook == "security-validation" && reason.contains("network-access")),
        "{err:?}"
    );
    rt.load(plugin_fixture("files")).await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn usage_is_readable_and_enforcement_collects_garbage_near_the_limit() {
    let (rt, _) = runtime();
    let dir = write_plugin(
        json!({ "id": "cyclic", "version": "1.0.0", "main": "main.js", "resources": { "memory": "16MB" } }),
        r#"
        // Cyclic garbage stays on the heap until a collection.
        export function litter(n) {
          for (let i = 0; i < n; i++) { const a = { pad: new Array(100).fill(i) }; const b = { a }; a.b = b; }
          return true;
        }
        export async function touch() { await qirvo.storage.set("k", "v"); return 1; }
        const held = [];
        export function hold(n) { held.push(new Array(n / 8).fill(held.length + 0.5)); return held.length; }
        "#,
    );
    let p = rt.load(dir.path()).await.unwrap();
    p.call("touch", vec![]).await.unwrap();
    let usage = rt.resource_usage();
    assert_eq!(usage.len(), 1);
    assert_eq!(usage[0].allocation.memory, ByteSize::mib(16));
    assert!(usage[0].heap.used.bytes() > 0);
    assert!(usage[0].storage_used.bytes() > 0, "{:?}", usage[0]);
    assert!(usage[0].storage_peak >= usage[0].storage_used);
    assert_eq!(
        (usage[0].connections_active, usage[0].connections_peak),
        (0, 0)
    );
    // Op calls are counted by op.
    let m = rt.metrics();
    assert_eq!(
        m.plugins[0].op_calls.get("op_qirvo_storage_apply"),
        Some(&1),
        "{:?}",
        m.plugins[0].op_calls
    );

    // Fill the heap past 90% with live data: the pass collects garbage, finds it still
    // under its hard limit, and lets the plugin be.
    let mut filled = false;
    for _ in 0..200 {
        p.call("hold", vec![json!(64 * 1024)]).await.unwrap();
        let h = p.collect_garbage().await.unwrap();
        if h.used.bytes() * 100 > h.limit.bytes() * 91 {
            filled = true;
            break;
        }
    }
    assert!(filled, "{:?}", p.heap());
    assert!(rt.enforce_resources().await.is_empty());
    assert_eq!(p.restarts(), 0);
    assert_eq!(p.call("touch", vec![]).await.unwrap(), json!(1));
    let after = p.collect_garbage().await.unwrap();
    assert!(after.used.bytes() < after.limit.bytes());
}

fn memory_total(rt: &PluginRuntime) -> u64 {
    rt.allocations().iter().map(|a| a.memory.bytes()).sum()
}

fn runtime_with_memory_budget(mib: u64) -> PluginRuntime {
    PluginRuntime::new(RuntimeConfig {
        data_dir: tempfile::tempdir().unwrap().keep(),
        budgets: Budgets {
            memory: Some(ByteSize::mib(mib)),
            ..Budgets::default()
        },
        ..RuntimeConfig::default()
    })
    .unwrap()
}

/// A critical pre-unload hook that refuses the unload leaves the plugin loaded with its
/// allocation (the budget is given back only once the unload has happened, and once).
#[tokio::test(flavor = "multi_thread")]
async fn a_refused_unload_keeps_the_plugin_and_its_allocation() {
    let rt = runtime_with_memory_budget(64);
    let refuse = Arc::new(std::sync::atomic::AtomicBool::new(true));
    {
        let refuse = refuse.clone();
        rt.hooks()
            .register(HookPhase::PreUnload, "drain-first", 10, true, move |_| {
                let refuse = refuse.load(std::sync::atomic::Ordering::SeqCst);
                async move {
                    if refuse {
                        Err(HookError::new("orders still draining"))
                    } else {
                        Ok(())
                    }
                }
            });
    }
    let keeper = copy_plugin("hello", "keeper");
    let other = copy_plugin("hello", "other");
    let p = rt.load(keeper.path()).await.unwrap();
    p.start().await.unwrap();
    assert_eq!(memory_total(&rt), ByteSize::mib(64).bytes());

    for _ in 0..3 {
        let err = p.unload().await.unwrap_err();
        assert!(
            matches!(&err, PluginError::Hook { phase: HookPhase::PreUnload, hook, reason, .. }
                if hook == "drain-first" && reason == "orders still draining"),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "plugin keeper: pre-unload hook \"drain-first\" failed: orders still draining"
        );
        // Still loaded, still answering, still holding its allocation.
        assert_eq!(p.state(), qirvo::PluginState::Running);
        assert!(rt.plugin("keeper").is_some());
        assert_eq!(
            p.call("greet", vec![json!("Ada")]).await.unwrap(),
            json!("Hello, Ada!")
        );
        assert_eq!(
            rt.allocation("keeper").map(|a| a.memory),
            Some(ByteSize::mib(64))
        );
        assert_eq!(memory_total(&rt), ByteSize::mib(64).bytes());
        assert_eq!(rt.resource_usage().len(), 1);
        // The budget still counts it: another plugin of the same size does not fit.
        let err = rt.load(other.path()).await.unwrap_err();
        assert!(
            matches!(
                &err,
                LoadError::Budget(BudgetError {
                    resource: "memory",
                    ..
                })
            ),
            "{err:?}"
        );
    }

    // Once the hook lets it go, the unload happens and the allocation returns, once.
    refuse.store(false, std::sync::atomic::Ordering::SeqCst);
    p.unload().await.unwrap();
    assert_eq!(p.state(), qirvo::PluginState::Unloaded);
    assert!(rt.plugin("keeper").is_none());
    assert_eq!(memory_total(&rt), 0);
    p.unload().await.unwrap();
    assert_eq!(memory_total(&rt), 0);
    // The same id loaded again holds a new allocation that nothing of the old load (its
    // thread ending late, a second unload of the old handle) gives back.
    let again = rt.load(keeper.path()).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    p.unload().await.unwrap();
    assert_eq!(memory_total(&rt), ByteSize::mib(64).bytes());
    assert_eq!(
        again.call("greet", vec![json!("Bo")]).await.unwrap(),
        json!("Hello, Bo!")
    );
    again.unload().await.unwrap();
    assert_eq!(memory_total(&rt), 0);
    // And the budget is whole again.
    rt.load(other.path()).await.unwrap();
    assert_eq!(memory_total(&rt), ByteSize::mib(64).bytes());
}

/// A restart keeps the plugin's allocation; a final failure gives it back once; the same
/// id loaded again keeps its own.
#[tokio::test(flavor = "multi_thread")]
async fn failures_and_restarts_give_the_budget_back_once() {
    let rt = runtime_with_memory_budget(16);
    let dir = write_plugin(
        json!({ "id": "restarter", "version": "1.0.0", "main": "main.js",
                "resources": { "memory": "16MB" },
                "restart": { "policy": "on-failure", "maxRestarts": 1, "backoff": 10 } }),
        r#"
        let calls = 0;
        export function count() { return ++calls; }
        export function exhaust() { const a = []; for (;;) a.push(new Array(1000).fill(Math.random())); }
        "#,
    );
    let sixteen = ByteSize::mib(16).bytes();
    let p = rt.load(dir.path()).await.unwrap();
    assert_eq!(memory_total(&rt), sixteen);
    // First failure: restarted in a fresh isolate, allocation kept.
    p.call("exhaust", vec![]).await.unwrap_err();
    assert_eq!(p.call("count", vec![]).await.unwrap(), json!(1));
    assert_eq!(p.restarts(), 1);
    assert_eq!(memory_total(&rt), sixteen);
    // Second failure: no restart left, the plugin is in error and its allocation returns.
    p.call("exhaust", vec![]).await.unwrap_err();
    for _ in 0..500 {
        if memory_total(&rt) == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(memory_total(&rt), 0);
    assert_eq!(p.state(), qirvo::PluginState::Error);
    // Unloading the failed plugin releases nothing more.
    p.unload().await.unwrap();
    assert_eq!(memory_total(&rt), 0);
    // The budget is whole: the same plugin loads again, and keeps its allocation however
    // often the old handle is unloaded.
    let again = rt.load(dir.path()).await.unwrap();
    assert_eq!(memory_total(&rt), sixteen);
    p.unload().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(memory_total(&rt), sixteen);
    assert_eq!(again.call("count", vec![]).await.unwrap(), json!(1));
    again.unload().await.unwrap();
    assert_eq!(memory_total(&rt), 0);
}
