//! Debugging through `DebugSession`: breakpoints by TS file and line, call stacks with the
//! original locations, evaluation of locals in the paused frame, stepping, pausing a busy
//! plugin, and what pausing must not do (stall the host, or run out the plugin's deadline).

use std::time::Duration;

use qirvo::{DebugError, PauseReason, PluginError, PluginRuntime, RuntimeConfig};
use serde_json::json;

use crate::helpers::plugin_fixture;

pub fn debug_runtime() -> PluginRuntime {
    PluginRuntime::new(RuntimeConfig {
        data_dir: tempfile::tempdir().unwrap().keep(),
        debug: true,
        ..RuntimeConfig::default()
    })
    .unwrap()
}

/// The 1-based line of the `// @line:<name>` marker in a debuggee file.
pub fn line_of(file: &str, name: &str) -> u32 {
    let text = std::fs::read_to_string(plugin_fixture("debuggee").join(file)).unwrap();
    let marker = format!("@line:{name}");
    text.lines()
        .position(|l| l.trim_end().ends_with(&marker))
        .unwrap_or_else(|| panic!("no marker {marker} in {file}")) as u32
        + 1
}

fn orders() -> serde_json::Value {
    json!([
        { "sku": "a", "qty": 2, "price": 3 },
        { "sku": "b", "qty": 10, "price": 20 },
    ])
}

const WAIT: Duration = Duration::from_secs(10);

/// Calls an export on another task, so the test can debug the call meanwhile.
fn spawn_call(
    p: &qirvo::PluginHandle,
    name: &'static str,
    args: Vec<serde_json::Value>,
) -> tokio::task::JoinHandle<Result<serde_json::Value, PluginError>> {
    let p = p.clone();
    tokio::spawn(async move { p.call(name, args).await })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_breakpoint_pauses_at_the_ts_line_with_locals_and_the_call_stack() {
    let rt = debug_runtime();
    let p = rt.load(plugin_fixture("debuggee")).await.unwrap();
    let other = rt.load(plugin_fixture("hello")).await.unwrap();
    let session = rt.debug("debuggee").unwrap();
    let line = line_of("pricing.ts", "lineTotal-return");
    let bp = session.set_breakpoint("pricing.ts", line).unwrap();
    let loc = bp.location.expect("resolved");
    assert_eq!((loc.file.as_str(), loc.line), ("pricing.ts", line));

    let call = spawn_call(&p, "total", vec![orders()]);
    let paused = session.wait_paused(WAIT).await.unwrap();
    assert_eq!(paused.reason, PauseReason::Breakpoint(vec![bp.id]));
    let stack = session.call_stack().unwrap();
    assert_eq!(stack[0].function, "lineTotal");
    assert_eq!(
        (stack[0].file.as_str(), stack[0].line),
        ("pricing.ts", line)
    );
    assert_eq!(stack[0].column, 3, "{stack:?}");
    assert_eq!(stack[1].function, "total");
    assert_eq!(
        (stack[1].file.as_str(), stack[1].line),
        ("main.ts", line_of("main.ts", "loop-body"))
    );
    // The column of the call, in the original source (instrumentation does not show).
    let src = std::fs::read_to_string(plugin_fixture("debuggee/main.ts")).unwrap();
    let text = src.lines().nth(stack[1].line as usize - 1).unwrap();
    assert_eq!(
        &text[stack[1].column as usize - 1..][..9],
        "lineTotal",
        "{stack:?}"
    );

    // Locals of the paused frame, and expressions over them.
    let v = session.evaluate("subtotal").await.unwrap();
    assert_eq!(v.value, Some(json!(6)));
    let v = session
        .evaluate("order.sku + ':' + (subtotal - discount)")
        .await
        .unwrap();
    assert_eq!(v.value, Some(json!("a:6")));
    let v = session.evaluate("order").await.unwrap();
    assert_eq!(v.json, Some(json!({ "sku": "a", "qty": 2, "price": 3 })));
    let props = session
        .properties(v.object_id.as_deref().unwrap())
        .await
        .unwrap();
    let names: Vec<&str> = props.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["sku", "qty", "price"]);
    // Functions read as written, without the debug sites.
    let f = session.evaluate("lineTotal").await.unwrap();
    let text = f.description.unwrap();
    assert!(text.contains("order.qty * order.price"), "{text}");
    assert!(!text.contains("__qirvo"), "{text}");
    match session.evaluate("nope.nothing").await {
        Err(DebugError::Exception(e)) => {
            assert!(e.description.unwrap().contains("nope"), "ReferenceError")
        }
        other => panic!("expected an exception, got {other:?}"),
    }
    let scopes = session.scopes().await.unwrap();
    let local = &scopes[0];
    assert_eq!(local.kind, "local");
    let props = session
        .properties(local.object.object_id.as_deref().unwrap())
        .await
        .unwrap();
    let names: Vec<&str> = props.iter().map(|p| p.name.as_str()).collect();
    assert!(
        names.contains(&"subtotal") && names.contains(&"order"),
        "{names:?}"
    );

    // The host and the other plugins go on while it is paused, and the paused call's
    // deadline (1 s in its manifest) is suspended: stay paused longer than that.
    assert_eq!(
        other.call("greet", vec![json!("Ada")]).await.unwrap(),
        json!("Hello, Ada!")
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(!call.is_finished());
    assert!(p.is_paused_in_debugger());
    let state = session.plugin_state();
    assert!(state.paused);
    assert!(state.logs.iter().any(|l| l.message == "debuggee ready"));
    assert_eq!(state.allocation.unwrap().memory.to_string(), "64MB");

    // The same breakpoint fires again for the second order; then it runs to the end.
    session.resume().unwrap();
    session.wait_paused(WAIT).await.unwrap();
    assert_eq!(
        session.evaluate("subtotal").await.unwrap().value,
        Some(json!(200))
    );
    session.remove_breakpoint(bp.id).unwrap();
    session.resume().unwrap();
    assert_eq!(call.await.unwrap().unwrap(), json!(196));
    assert!(!session.is_paused());
}

#[tokio::test(flavor = "multi_thread")]
async fn steps_go_over_into_and_out_of_calls() {
    let rt = debug_runtime();
    let p = rt.load(plugin_fixture("debuggee")).await.unwrap();
    let session = rt.debug("debuggee").unwrap();
    session
        .set_breakpoint("main.ts", line_of("main.ts", "sum-init"))
        .unwrap();
    let call = spawn_call(&p, "total", vec![orders()]);
    session.wait_paused(WAIT).await.unwrap();
    let top = |s: &qirvo::DebugSession| {
        let f = &s.call_stack().unwrap()[0];
        (f.function.clone(), f.file.clone(), f.line)
    };
    // Over: the loop statement, then its body (not into lineTotal).
    session.step_over().unwrap();
    session.wait_paused(WAIT).await.unwrap();
    assert_eq!(top(&session).2, line_of("main.ts", "sum-init") + 1);
    session.step_over().unwrap();
    session.wait_paused(WAIT).await.unwrap();
    let loop_body = (
        "total".to_string(),
        "main.ts".to_string(),
        line_of("main.ts", "loop-body"),
    );
    assert_eq!(top(&session), loop_body);
    session.step_over().unwrap();
    session.wait_paused(WAIT).await.unwrap();
    assert_eq!(top(&session), loop_body, "second iteration, same frame");
    assert_eq!(session.evaluate("sum").await.unwrap().value, Some(json!(6)));
    // Into: the first statement of lineTotal, in the other file.
    session.step_into().unwrap();
    session.wait_paused(WAIT).await.unwrap();
    assert_eq!(
        top(&session),
        (
            "lineTotal".to_string(),
            "pricing.ts".to_string(),
            line_of("pricing.ts", "subtotal")
        )
    );
    assert_eq!(session.call_stack().unwrap().len(), 2);
    // Out: back in total, after the call.
    session.step_out().unwrap();
    session.wait_paused(WAIT).await.unwrap();
    let (function, file, _) = top(&session);
    assert_eq!((function.as_str(), file.as_str()), ("total", "main.ts"));
    assert_eq!(
        session.evaluate("sum").await.unwrap().value,
        Some(json!(196))
    );
    session.resume().unwrap();
    assert_eq!(call.await.unwrap().unwrap(), json!(196));
}

#[tokio::test(flavor = "multi_thread")]
async fn pause_stops_a_busy_plugin_and_evaluate_reads_globals_when_running() {
    let rt = debug_runtime();
    let p = rt.load(plugin_fixture("debuggee")).await.unwrap();
    let session = rt.debug("debuggee").unwrap();
    // Not paused: evaluation is in the plugin's global scope.
    assert_eq!(
        session.evaluate("1 + 2").await.unwrap().value,
        Some(json!(3))
    );
    assert_eq!(
        session
            .evaluate("typeof qirvo.storage.get")
            .await
            .unwrap()
            .value,
        Some(json!("function"))
    );
    assert!(matches!(
        session.call_stack(),
        Err(DebugError::NotPaused { .. })
    ));
    assert!(matches!(
        session.resume(),
        Err(DebugError::NotPaused { .. })
    ));

    let call = spawn_call(&p, "busy", vec![json!(300)]);
    tokio::time::sleep(Duration::from_millis(50)).await;
    session.pause();
    let paused = session.wait_paused(WAIT).await.unwrap();
    assert_eq!(paused.reason, PauseReason::Requested);
    assert_eq!(paused.frames[0].function, "busy");
    let spins = session.evaluate("spins").await.unwrap();
    assert!(spins.value.unwrap().as_u64().unwrap() > 0);
    session.resume().unwrap();
    assert_eq!(call.await.unwrap().unwrap(), json!(300));
}

#[tokio::test(flavor = "multi_thread")]
async fn ending_the_session_removes_its_breakpoints_and_resumes() {
    let rt = debug_runtime();
    let p = rt.load(plugin_fixture("debuggee")).await.unwrap();
    let session = rt.debug("debuggee").unwrap();
    session
        .set_breakpoint("main.ts", line_of("main.ts", "total-return"))
        .unwrap();
    let call = spawn_call(&p, "total", vec![orders()]);
    session.wait_paused(WAIT).await.unwrap();
    session.end();
    assert_eq!(call.await.unwrap().unwrap(), json!(196));
    // No breakpoint is left behind.
    assert_eq!(p.call("total", vec![orders()]).await.unwrap(), json!(196));
    // `debugger;` only stops with a session attached.
    assert_eq!(
        p.call("withDebuggerStatement", vec![json!(4)])
            .await
            .unwrap(),
        json!(8)
    );
    let session = rt.debug("debuggee").unwrap();
    let call = spawn_call(&p, "withDebuggerStatement", vec![json!(4)]);
    let paused = session.wait_paused(WAIT).await.unwrap();
    assert_eq!(paused.reason, PauseReason::DebuggerStatement);
    assert_eq!(paused.frames[0].line, line_of("main.ts", "debugger"));
    assert_eq!(
        session.evaluate("doubled").await.unwrap().value,
        Some(json!(8))
    );
    // Terminating a paused plugin lets the step go and stops it.
    assert!(p.terminate());
    assert!(matches!(
        call.await.unwrap(),
        Err(PluginError::Terminated { .. })
    ));
    assert_eq!(p.call("callCount", vec![]).await.unwrap(), json!(2));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_conditional_breakpoint_stops_only_when_its_condition_holds() {
    let rt = debug_runtime();
    let p = rt.load(plugin_fixture("debuggee")).await.unwrap();
    let session = rt.debug("debuggee").unwrap();
    let line = line_of("pricing.ts", "lineTotal-return");
    let bp = session
        .set_conditional_breakpoint("pricing.ts", line, "order.sku === 'b'")
        .unwrap();
    assert_eq!(bp.condition.as_deref(), Some("order.sku === 'b'"));
    // A condition that throws is false: this one never stops.
    session
        .set_conditional_breakpoint("pricing.ts", line, "nope.nothing")
        .unwrap();
    let call = spawn_call(&p, "total", vec![orders()]);
    let paused = session.wait_paused(WAIT).await.unwrap();
    assert!(
        matches!(&paused.reason, PauseReason::Breakpoint(ids) if ids.contains(&bp.id)),
        "{paused:?}"
    );
    assert_eq!(
        session.evaluate("order.sku").await.unwrap().value,
        Some(json!("b"))
    );
    session.resume().unwrap();
    assert_eq!(call.await.unwrap().unwrap(), json!(196));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_paused_plugin_can_be_unloaded_and_is_not_unhealthy() {
    let rt = debug_runtime();
    let p = rt.load(plugin_fixture("debuggee")).await.unwrap();
    let session = rt.debug("debuggee").unwrap();
    session
        .set_breakpoint("main.ts", line_of("main.ts", "total-return"))
        .unwrap();
    let call = spawn_call(&p, "total", vec![orders()]);
    session.wait_paused(WAIT).await.unwrap();
    // A health pass does not wait on (or blame) a plugin paused in a debugger.
    let reports = tokio::time::timeout(Duration::from_secs(5), rt.check_health())
        .await
        .expect("the health pass does not wait for the paused plugin");
    assert!(reports.iter().all(|(_, r)| r.healthy), "{reports:?}");
    // Unloading lets the paused call finish; nothing stops it again.
    tokio::time::timeout(Duration::from_secs(10), p.unload())
        .await
        .expect("unload does not wait for a debugger")
        .unwrap();
    assert_eq!(call.await.unwrap().unwrap(), json!(196));
    assert!(!session.is_paused());
}

/// Statements ask the debugger (an op) only while something could stop them: with
/// nothing armed they read a flag the host writes.
#[tokio::test(flavor = "multi_thread")]
async fn unarmed_statements_do_not_call_into_the_host() {
    let rt = debug_runtime();
    let p = rt.load(plugin_fixture("debuggee")).await.unwrap();
    let checks = || {
        rt.metrics().plugins[0]
            .op_calls
            .get("op_qirvo_debug_check")
            .copied()
            .unwrap_or(0)
    };
    let session = rt.debug("debuggee").unwrap();
    let before = checks();
    assert_eq!(p.call("total", vec![orders()]).await.unwrap(), json!(196));
    assert_eq!(checks(), before, "a session alone arms nothing");
    let bp = session
        .set_conditional_breakpoint("main.ts", line_of("main.ts", "total-return"), "false")
        .unwrap();
    assert_eq!(p.call("total", vec![orders()]).await.unwrap(), json!(196));
    assert!(checks() > before, "with a breakpoint set, statements ask");
    session.remove_breakpoint(bp.id).unwrap();
    let after = checks();
    assert_eq!(p.call("total", vec![orders()]).await.unwrap(), json!(196));
    assert_eq!(checks(), after);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_requests_are_clear_errors() {
    let rt = debug_runtime();
    rt.load(plugin_fixture("debuggee")).await.unwrap();
    let session = rt.debug("debuggee").unwrap();
    let err = session.set_breakpoint("missing.ts", 3).unwrap_err();
    assert!(matches!(err, DebugError::NoSuchFile { .. }));
    assert!(err.to_string().contains("main.ts"), "{err}");
    assert!(matches!(
        session.set_breakpoint("main.ts", 0),
        Err(DebugError::BadLocation { .. })
    ));
    assert!(matches!(
        session.set_breakpoint("main.ts", 10_000),
        Err(DebugError::BadLocation { .. })
    ));
    assert!(matches!(
        session.remove_breakpoint(99),
        Err(DebugError::NoSuchBreakpoint { .. })
    ));
    assert!(matches!(rt.debug("nope"), Err(DebugError::NoSuchPlugin(_))));

    // A runtime that does not load plugins for debugging says how to enable it.
    let (plain, _) = crate::helpers::runtime();
    plain.load(plugin_fixture("debuggee")).await.unwrap();
    let err = plain.debug("debuggee").unwrap_err();
    assert!(matches!(err, DebugError::NotDebuggable { .. }));
    assert!(err.to_string().contains("RuntimeConfig::debug"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn break_on_start_pauses_before_the_first_statement() {
    let rt = PluginRuntime::new(RuntimeConfig {
        data_dir: tempfile::tempdir().unwrap().keep(),
        debug: true,
        break_on_start: true,
        ..RuntimeConfig::default()
    })
    .unwrap();
    let load = tokio::spawn({
        let rt = rt.clone();
        async move { rt.load(plugin_fixture("debuggee")).await }
    });
    // The plugin is attachable while it loads.
    let session = loop {
        match rt.debug("debuggee") {
            Ok(s) => break s,
            Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    };
    let paused = session.wait_paused(WAIT).await.unwrap();
    assert_eq!(paused.reason, PauseReason::Entry);
    assert_eq!(
        (paused.frames[0].file.as_str(), paused.frames[0].line),
        ("main.ts", line_of("main.ts", "first"))
    );
    session
        .set_breakpoint("main.ts", line_of("main.ts", "init"))
        .unwrap();
    session.resume().unwrap();
    let paused = session.wait_paused(WAIT).await.unwrap();
    assert_eq!(paused.frames[0].function, "initialize");
    session.resume().unwrap();
    let p = load.await.unwrap().unwrap();
    assert_eq!(p.state(), qirvo::PluginState::Initialized);
}

#[tokio::test(flavor = "multi_thread")]
async fn error_columns_are_the_sources_own_when_loaded_for_debugging() {
    // Instrumentation puts a site before every statement on its own line; stacks from
    // calls and from a failing load still name the columns the author wrote.
    let plain = PluginRuntime::new(RuntimeConfig {
        data_dir: tempfile::tempdir().unwrap().keep(),
        ..RuntimeConfig::default()
    })
    .unwrap();
    let mut stacks = Vec::new();
    for rt in [&plain, &debug_runtime()] {
        let p = rt.load(plugin_fixture("columns")).await.unwrap();
        let err = p.call("check", vec![json!(9)]).await.unwrap_err();
        let stack = err.exception().unwrap().stack.clone();
        assert!(
            stack.contains("at check (file:///plugin/main.ts:4:85)"),
            "{stack}"
        );
        let err = p.call("plain", vec![json!(7)]).await.unwrap_err();
        let stack2 = err.exception().unwrap().stack.clone();
        assert!(stack2.contains("file:///plugin/main.ts:9:39"), "{stack2}");
        stacks.push((stack, stack2));
    }
    assert_eq!(stacks[0], stacks[1]);

    for js in [false, true] {
        let main = if js { "main.js" } else { "main.ts" };
        let code = if js {
            "const a = 1;\nconst b = 2; if (a < b) { const c = \"x\"; throw new Error(\"top \" + c); }\n"
        } else {
            "const a: number = 1;\nconst b: number = 2; if (a < b) { const c: string = \"x\"; throw new Error(\"top \" + c); }\n"
        };
        let dir = crate::helpers::write_plugin(
            json!({ "id": "top-throws", "version": "1.0.0", "main": main }),
            code,
        );
        let col = if js { 48 } else { 64 };
        let expected = format!("file:///plugin/{main}:2:{col}");
        let err = debug_runtime().load(dir.path()).await.unwrap_err();
        let shown = format!("{err:?}");
        assert!(shown.contains(&expected), "{expected}: {shown}");
    }
}
