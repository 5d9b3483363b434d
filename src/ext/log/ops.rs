//! `console.*` and `qirvo.log.*`: a plugin's log lines, to `tracing` and the host's buffer.

use std::sync::Arc;

use deno_core::OpState;
use deno_core::op2;

use crate::ext::log::buffer::{LogBuffer, LogLevel};

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

/// An error that ended background work (a timer, a microtask, an unhandled rejection) with
/// nobody to catch it: logged as an error line, `"{what}: {description}"`, and, when the
/// description is an escape signal (a removed global touched, `qirvo` assigned; see
/// [`crate::security::escape_in_error`]), recorded once per name per load as an `escape`
/// event, as for a step's uncaught error. `what` is `"Uncaught exception"` or
/// `"Unhandled promise rejection"` (bootstrap.js).
#[op2(fast)]
pub(crate) fn op_qirvo_uncaught(
    state: &mut OpState,
    #[string] what: &str,
    #[string] description: &str,
) {
    state
        .borrow::<Arc<LogBuffer>>()
        .push(LogLevel::Error, &format!("{what}: {description}"));
    if let Some((target, detail)) = crate::security::escape_in_error(description)
        && let Some(reporter) = state.try_borrow::<crate::security::Reporter>()
    {
        reporter.escape(target, &format!("{detail} in background work"));
    }
}

/// Longest JSON text of `qirvo.log.*`'s `fields`, in bytes.
const MAX_FIELDS: usize = 16 * 1024;

/// `qirvo.log.*(msg, fields)`: `fields_json` is `JSON.stringify(fields)`. It must be a JSON
/// object of at most 16 KiB whose strings are well-formed Unicode (JSON.stringify writes a
/// lone surrogate as an escape, which is refused here); otherwise a `TypeError`.
#[op2(fast)]
pub(crate) fn op_qirvo_log_fields(
    state: &mut OpState,
    level: u32,
    #[string] message: &str,
    #[string] fields_json: &str,
) -> Result<(), crate::ext::names::NameError> {
    use crate::ext::names::NameError;
    if fields_json.len() > MAX_FIELDS {
        return Err(NameError(format!(
            "qirvo.log: fields are {} bytes as JSON, more than the {MAX_FIELDS} allowed",
            fields_json.len()
        )));
    }
    let fields = match serde_json::from_str::<serde_json::Value>(fields_json) {
        Ok(serde_json::Value::Object(map)) => map,
        Ok(other) => {
            let kind = match other {
                serde_json::Value::Array(_) => "an array",
                serde_json::Value::String(_) => "a string",
                serde_json::Value::Number(_) => "a number",
                serde_json::Value::Bool(_) => "a boolean",
                _ => "null",
            };
            return Err(NameError(format!(
                "qirvo.log: fields must be an object, e.g. {{ orderId: 42 }}, not {kind}"
            )));
        }
        Err(e)
            if ["surrogate", "hex escape", "code point"]
                .iter()
                .any(|w| e.to_string().contains(w)) =>
        {
            return Err(NameError(
                "qirvo.log: fields contain a string with a lone surrogate (not well-formed Unicode)"
                    .into(),
            ));
        }
        Err(e) => {
            return Err(NameError(format!(
                "qirvo.log: fields are not JSON-serialisable ({e})"
            )));
        }
    };
    let logs = state.borrow::<Arc<LogBuffer>>();
    let level = match level {
        0 => LogLevel::Debug,
        2 => LogLevel::Warn,
        3 => LogLevel::Error,
        _ => LogLevel::Info,
    };
    logs.push_with_fields(level, message, fields);
    Ok(())
}

deno_core::extension!(
    qirvo_log,
    ops = [op_qirvo_log, op_qirvo_log_fields, op_qirvo_uncaught],
    options = { logs: Arc<LogBuffer> },
    state = |state, options| {
        state.put(options.logs);
    },
);
