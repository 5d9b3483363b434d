//! `qirvo.events`: emit to and subscribe on the runtime's event bus.

use std::sync::Arc;

use deno_core::{OpState, op2};

use crate::ext::Inbox;
use crate::ext::events::bus::{Bus, EventSource, MAX_PAYLOAD, check_name, check_pattern};

pub(crate) struct EventsState {
    pub bus: Arc<Bus>,
    pub plugin: String,
    /// This plugin's own command channel (weak: the isolate must not keep itself alive).
    pub tx: Arc<dyn Inbox>,
}

#[derive(Debug, thiserror::Error, deno_error::JsError)]
#[class(type)]
#[error("{0}")]
pub(crate) struct EventOpError(String);

#[op2(fast)]
pub(crate) fn op_qirvo_events_emit(
    state: &mut OpState,
    #[string] name: &str,
    #[string] payload: &str,
) -> Result<u32, EventOpError> {
    // Names are dotted ASCII words: a lone surrogate (which arrives here as U+FFFD) is
    // refused like any other character outside them.
    check_name(name).map_err(|e| EventOpError(format!("events.emit: {e}")))?;
    if payload.len() > MAX_PAYLOAD {
        return Err(EventOpError(format!(
            "events.emit: payload is {} bytes of JSON, more than the {MAX_PAYLOAD}-byte limit",
            payload.len()
        )));
    }
    // The host receives payloads as Rust JSON values, which cannot hold a lone surrogate.
    if crate::ext::names::lone_surrogate_in_json(payload) {
        return Err(EventOpError(
            "events.emit: payload contains a string with a lone surrogate, which JSON cannot carry to the host".into(),
        ));
    }
    let st = state.borrow::<EventsState>();
    Ok(st
        .bus
        .publish(name, payload, &EventSource::Plugin(st.plugin.clone())) as u32)
}

#[op2(fast)]
pub(crate) fn op_qirvo_events_subscribe(
    state: &mut OpState,
    #[string] pattern: &str,
) -> Result<(), EventOpError> {
    check_pattern(pattern).map_err(|e| EventOpError(format!("events.on: {e}")))?;
    let st = state.borrow::<EventsState>();
    st.bus
        .subscribe(&st.plugin, &st.tx, pattern)
        .map_err(EventOpError)
}

#[op2(fast)]
pub(crate) fn op_qirvo_events_unsubscribe(state: &mut OpState, #[string] pattern: &str) {
    let st = state.borrow::<EventsState>();
    st.bus.unsubscribe(&st.plugin, pattern);
}

deno_core::extension!(
    qirvo_events,
    ops = [op_qirvo_events_emit, op_qirvo_events_subscribe, op_qirvo_events_unsubscribe],
    options = { events: EventsState },
    state = |state, options| {
        state.put(options.events);
    },
);
