//! `qirvo.scheduler`: `every`, `cron` and `at` tasks on the runtime's scheduler. Runs come
//! back to the plugin as commands; the JS side keeps the callbacks.

use deno_core::{OpState, op2};
use tokio::sync::mpsc;

use crate::plugin::Command;
use crate::scheduler::{Schedule, Scheduler};

pub(crate) struct SchedulerState {
    pub scheduler: Scheduler,
    pub plugin: String,
    pub tx: mpsc::WeakUnboundedSender<Command>,
}

#[derive(Debug, thiserror::Error, deno_error::JsError)]
#[class(type)]
#[error("{0}")]
pub(crate) struct ScheduleError(String);

/// Schedules a task; `kind` is `every` (spec `"30s"`), `cron` (spec an expression) or
/// `at` (spec milliseconds since the epoch). Returns the task id.
#[op2(fast)]
pub(crate) fn op_qirvo_schedule(
    state: &mut OpState,
    #[string] kind: &str,
    #[string] spec: &str,
) -> Result<u32, ScheduleError> {
    let schedule = match kind {
        "every" => Schedule::every(spec),
        "cron" => Schedule::cron(spec),
        "at" => spec
            .parse::<f64>()
            .ok()
            .filter(|ms| ms.is_finite() && *ms >= 0.0)
            .map(|ms| {
                Schedule::At(
                    std::time::UNIX_EPOCH + std::time::Duration::from_secs_f64(ms / 1000.0),
                )
            })
            .ok_or_else(|| format!("at: {spec:?} is not a date")),
        other => Err(format!("unknown schedule kind {other:?}")),
    }
    .map_err(ScheduleError)?;
    let st = state.borrow::<SchedulerState>();
    let name = format!("{kind} {spec}");
    st.scheduler
        .schedule_plugin(&st.plugin, name, schedule, st.tx.clone())
        .map_err(ScheduleError)
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
