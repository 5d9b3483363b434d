//! `qirvo.scheduler`: `every`, `cron` and `at` tasks on the runtime's scheduler. Runs come
//! back to the plugin as commands; the JS side keeps the callbacks.

use deno_core::{OpState, op2};
use std::sync::Arc;

use crate::ext::Inbox;
use crate::ext::scheduler::schedule::{MAX_PLUGIN_TASKS, Refused, Schedule, Scheduler};

pub(crate) struct SchedulerState {
    pub scheduler: Scheduler,
    pub plugin: String,
    pub tx: Arc<dyn Inbox>,
}

#[derive(Debug, thiserror::Error, deno_error::JsError)]
pub(crate) enum ScheduleError {
    #[class(type)]
    #[error("{0}")]
    Invalid(String),
    #[class(range)]
    #[error("{0}")]
    Range(String),
    /// A task of that name is scheduled already.
    #[class(generic)]
    #[error("{0}")]
    Duplicate(String),
}

/// Longest task name, in characters (all ASCII, so bytes too).
pub(crate) const MAX_NAME: usize = 128;

/// Checks a task's `name` option: 1 to 128 ASCII letters, digits and `_ - . : /` (no
/// spaces, so it never looks like a default identity such as `"every 30s #1"`).
fn check_name(kind: &str, name: &str) -> Result<(), ScheduleError> {
    let n = name.chars().count();
    if n == 0 || n > MAX_NAME {
        return Err(ScheduleError::Range(format!(
            "scheduler.{kind}: a task name is 1 to {MAX_NAME} characters (got {n})"
        )));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':' | '/')))
    {
        return Err(ScheduleError::Invalid(format!(
            "scheduler.{kind}: task name {name:?} has {bad:?}; use ASCII letters, digits and _ - . : /"
        )));
    }
    Ok(())
}

/// Longest `every`/`cron` spec, in bytes.
const MAX_SPEC: usize = 256;

/// The latest date `at` accepts: JavaScript's own (`new Date(8.64e15)`, year 275760).
const MAX_DATE_MS: f64 = 8.64e15;

/// `at`'s time from milliseconds since the epoch: finite, not before 1970, not after
/// JavaScript's last date. (Fractions of a millisecond are kept.)
fn at_time(ms: f64) -> Result<std::time::SystemTime, ScheduleError> {
    if !ms.is_finite() {
        return Err(ScheduleError::Invalid(format!(
            "scheduler.at: date must be a valid Date or a finite number of milliseconds since the epoch (got {ms})"
        )));
    }
    if !(0.0..=MAX_DATE_MS).contains(&ms) {
        return Err(ScheduleError::Range(format!(
            "scheduler.at: date must be between 1970-01-01 (0) and JavaScript's last date ({MAX_DATE_MS} ms), got {ms}"
        )));
    }
    std::time::Duration::try_from_secs_f64(ms / 1000.0)
        .ok()
        .and_then(|d| std::time::UNIX_EPOCH.checked_add(d))
        .ok_or_else(|| {
            ScheduleError::Range(format!("scheduler.at: {ms} is not a representable time"))
        })
}

/// Schedules a task; `kind` is `every` (spec `"30s"`), `cron` (spec an expression) or
/// `at` (spec milliseconds since the epoch, as text); with `named`, `name` is the task's
/// `name` option (its identity across a fleet). Returns the task id.
///
/// # Errors
/// `TypeError` for a spec that does not parse (or is longer than 256 bytes) or a name
/// with other characters than ASCII letters, digits and `_ - . : /`; `RangeError` for a
/// spec out of range (an interval under 10 ms or over 365 days, a date before 1970 or
/// after JavaScript's last date), a name empty or over 128 characters, or a plugin's
/// 1001st task; `Error` for a name one of the plugin's tasks already has.
#[op2(fast)]
pub(crate) fn op_qirvo_schedule(
    state: &mut OpState,
    #[string] kind: &str,
    #[string] spec: &str,
    named: bool,
    #[string] name: &str,
) -> Result<u32, ScheduleError> {
    if spec.len() > MAX_SPEC {
        return Err(ScheduleError::Invalid(format!(
            "scheduler.{kind}: the spec is {} bytes, more than {MAX_SPEC}",
            spec.len()
        )));
    }
    let schedule = match kind {
        "every" => Schedule::every(spec).map_err(|e| {
            let msg = format!("scheduler.every: interval {e}");
            if e.contains("minimum") || e.contains("maximum") {
                ScheduleError::Range(msg)
            } else {
                ScheduleError::Invalid(msg)
            }
        })?,
        "cron" => Schedule::cron(spec)
            .map_err(|e| ScheduleError::Invalid(format!("scheduler.cron: expression {e}")))?,
        "at" => {
            let ms = spec.parse::<f64>().map_err(|_| {
                ScheduleError::Invalid(format!("scheduler.at: date {spec:?} is not a number"))
            })?;
            Schedule::At(at_time(ms)?)
        }
        other => {
            return Err(ScheduleError::Invalid(format!(
                "scheduler: unknown schedule kind {other:?}"
            )));
        }
    };
    let name = if named {
        check_name(kind, name)?;
        Some(name.to_string())
    } else {
        None
    };
    let st = state.borrow::<SchedulerState>();
    let default = format!("{kind} {spec}");
    st.scheduler
        .schedule_plugin(&st.plugin, default, name.clone(), schedule, st.tx.clone())
        .map_err(|e| match e {
            Refused::TooMany => ScheduleError::Range(format!(
                "scheduler.{kind}: a plugin may have at most {MAX_PLUGIN_TASKS} scheduled tasks"
            )),
            Refused::Duplicate => ScheduleError::Duplicate(format!(
                "scheduler.{kind}: a task named {:?} is already scheduled; cancel it first or choose another name",
                name.unwrap_or_default()
            )),
        })
}

#[op2(fast)]
pub(crate) fn op_qirvo_unschedule(state: &mut OpState, id: u32) -> bool {
    let st = state.borrow::<SchedulerState>();
    st.scheduler.cancel_owned(&st.plugin, id)
}

deno_core::extension!(
    qirvo_scheduler,
    ops = [op_qirvo_schedule, op_qirvo_unschedule],
    options = { scheduler: SchedulerState },
    state = |state, options| {
        state.put(options.scheduler);
    },
);
