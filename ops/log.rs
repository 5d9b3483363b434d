//! `console.*` and `qirvo.log.*`: a plugin's log lines, to `tracing` and the host's buffer.

use std::sync::Arc;

use deno_core::OpState;
use deno_core::op2;

use crate::logs::{LogBuffer, LogLevel};

/// A plugin's log line. `level`: 0 debug, 1 info, 2 warn, 3 error (deno_web's console
/// levels); anything else is treated as info.
#[op2(fast)]
pub(crate) fn op_qirvo_log(state: &mut OpState, level: u32, #[string] message: &str) {
    let logs = state.borrow::<Arc<LogBuffer>>();
    let level = match level {
        0 => LogLevel::Debug,
        2 => LogLevel::Warn,
        3 => LogLevel::Error,
        _ => LogLevel::Info,
    };
    logs.push(level, message);
}

deno_core::extension!(
    qirvo_log,
    ops = [op_qirvo_log],
    options = { logs: Arc<LogBuffer> },
    state = |state, options| {
        state.put(options.logs);
    },
);
