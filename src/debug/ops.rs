//! The debug agent's ops: the check every instrumented statement makes, and the pause
//! that blocks the plugin's thread while a session looks at it (see `src/debug.rs`).
//! Registered only in a runtime with debugging enabled.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use deno_core::OpState;
use deno_core::op2;
use deno_core::v8;

use crate::debug::pause::DebugShared;
use crate::isolate::watchdog::{Target, Watchdog};

/// What the pause needs: the plugin's debug state, and its watchdog to suspend.
pub(crate) struct DebugOpState {
    pub shared: Arc<DebugShared>,
    pub watchdog: Arc<Watchdog>,
    pub target: Arc<Target>,
}

/// The agent's entry point for requests while the plugin is not paused:
/// `request(requestJson) -> replyJson`.
pub(crate) struct DebugAgent {
    pub request: v8::Global<v8::Function>,
}

/// Frames on the engine's stack now (for steps: deeper, same, or shallower).
fn depth(scope: &mut v8::PinScope) -> usize {
    v8::StackTrace::current_stack_trace(scope, 10_000)
        .map(|s| s.get_frame_count())
        .unwrap_or(0)
}

fn debug_state(
    state: &Rc<RefCell<OpState>>,
) -> Option<(Arc<DebugShared>, Arc<Watchdog>, Arc<Target>)> {
    let state = state.borrow();
    let d = state.try_borrow::<DebugOpState>()?;
    Some((d.shared.clone(), d.watchdog.clone(), d.target.clone()))
}

/// Whether the plugin might stop at `site` (the statement about to run).
#[op2(fast)]
pub(crate) fn op_qirvo_debug_check(
    scope: &mut v8::PinScope,
    state: Rc<RefCell<OpState>>,
    #[smi] site: u32,
) -> bool {
    let shared = {
        let state = state.borrow();
        match state.try_borrow::<DebugOpState>() {
            Some(d) => d.shared.clone(),
            None => return false,
        }
    };
    shared.check(site, || depth(scope))
}

/// Stops at `site` if a breakpoint, step or pause request says so, and blocks until a
/// session resumes (`null`) or sends a request for the agent to run in the paused frame.
#[op2]
#[serde]
pub(crate) fn op_qirvo_debug_pause(
    scope: &mut v8::PinScope,
    state: Rc<RefCell<OpState>>,
    #[smi] site: u32,
    #[string] stack: String,
) -> Option<serde_json::Value> {
    let (shared, watchdog, target) = debug_state(&state)?;
    let depth = depth(scope);
    shared.pause(site, depth, &stack, &watchdog, &target)
}

/// The agent's answer to a request; blocks for the next one (`null`: resume).
#[op2]
#[serde]
pub(crate) fn op_qirvo_debug_reply(
    state: Rc<RefCell<OpState>>,
    #[serde] reply: serde_json::Value,
) -> Option<serde_json::Value> {
    let (shared, watchdog, target) = debug_state(&state)?;
    shared.reply(reply, &watchdog, &target)
}

/// The conditions to evaluate at `site` when only conditional breakpoints would stop
/// there (`null` otherwise).
#[op2]
#[serde]
pub(crate) fn op_qirvo_debug_conditions(
    state: Rc<RefCell<OpState>>,
    #[smi] site: u32,
) -> Option<Vec<String>> {
    let (shared, _, _) = debug_state(&state)?;
    shared.conditions(site)
}

/// The names a site's frame can see: `[locals, module top level]`.
#[op2]
#[serde]
pub(crate) fn op_qirvo_debug_names(
    state: Rc<RefCell<OpState>>,
    #[smi] site: u32,
) -> (Vec<String>, Vec<String>) {
    let Some((shared, _, _)) = debug_state(&state) else {
        return (Vec::new(), Vec::new());
    };
    let (locals, module) = shared.site_names(site);
    (locals.to_vec(), module.to_vec())
}

/// The isolate's armed flag: memory the host writes and the agent reads without an op.
/// `undefined` when the engine cannot share it (the agent then asks the op every time).
#[op2]
pub(crate) fn op_qirvo_debug_flag<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    state: Rc<RefCell<OpState>>,
) -> v8::Local<'s, v8::Value> {
    let Some((shared, _, _)) = debug_state(&state) else {
        return v8::undefined(scope).into();
    };
    // The isolate's own memory: the agent keeps the buffer for the isolate's life, and
    // the worker forgets the pointer before the isolate is disposed.
    let buffer = v8::ArrayBuffer::new(scope, 4);
    // SAFETY: 4 bytes the buffer owns; it is never detached (the agent keeps it private).
    match buffer
        .data()
        .and_then(|p| unsafe { crate::debug::pause::ArmedFlag::new(p, buffer.byte_length()) })
    {
        Some(flag) => {
            shared.set_flag(flag);
            buffer.into()
        }
        None => v8::undefined(scope).into(),
    }
}

/// Whether statements count their executions (coverage); asked once, when the agent is
/// installed.
#[op2(fast)]
pub(crate) fn op_qirvo_debug_counting(state: Rc<RefCell<OpState>>) -> bool {
    debug_state(&state).is_some_and(|(shared, _, _)| shared.counting())
}

/// Takes the agent's request entry point; only the first registration counts.
#[op2]
pub(crate) fn op_qirvo_debug_set_agent(
    state: &mut OpState,
    #[scoped] request: v8::Global<v8::Function>,
) {
    if !state.has::<DebugAgent>() {
        state.put(DebugAgent { request });
    }
}

deno_core::extension!(
    qirvo_debug,
    ops = [
        op_qirvo_debug_check,
        op_qirvo_debug_pause,
        op_qirvo_debug_reply,
        op_qirvo_debug_names,
        op_qirvo_debug_conditions,
        op_qirvo_debug_flag,
        op_qirvo_debug_counting,
        op_qirvo_debug_set_agent
    ],
);
