//! What the host asks of a plugin's thread: the commands its handle
//! (`host/plugin.rs`) sends over the thread's channel, each with the oneshot its reply
//! goes back on. The thread's vocabulary, so it lives beside the worker that serves it.

use std::time::Duration;

use tokio::sync::oneshot;

use crate::error::PluginError;
use crate::ext::events::bus::EventDelivery;
use crate::ext::scheduler::schedule::TaskRun;
use crate::state::HeapStats;

pub(crate) enum Command {
    Start {
        reply: oneshot::Sender<Result<(), PluginError>>,
    },
    Stop {
        reply: oneshot::Sender<Result<(), PluginError>>,
    },
    Call {
        name: String,
        args: Vec<serde_json::Value>,
        timeout: Option<Duration>,
        reply: oneshot::Sender<Result<serde_json::Value, PluginError>>,
    },
    HealthCheck {
        reply: oneshot::Sender<Result<bool, PluginError>>,
    },
    /// An event from the bus, for the plugin's `qirvo.events` handlers.
    Event(EventDelivery),
    /// A scheduled task is due (`qirvo.scheduler`).
    RunTask(TaskRun),
    /// Test mode: list (`index` -1) or run a registered test.
    Test {
        index: i32,
        timeout: Option<Duration>,
        reply: oneshot::Sender<Result<serde_json::Value, PluginError>>,
    },
    /// A debugger's request for the debug agent (evaluate, properties) while not paused.
    Debug {
        request: serde_json::Value,
        reply: oneshot::Sender<Result<serde_json::Value, PluginError>>,
    },
    /// Start (with a sampling interval) or stop (`None`) the CPU profiler; stopping
    /// replies with the profile.
    Profile {
        start: Option<Duration>,
        reply: oneshot::Sender<Result<Option<serde_json::Value>, PluginError>>,
    },
    /// Ask the engine to collect garbage; replies with the heap afterwards.
    CollectGarbage { reply: oneshot::Sender<HeapStats> },
    /// Dispose the isolate and start the plugin again in a fresh one (enforcement).
    Restart,
    /// Stop if running, then dispose the isolate and end the thread.
    Unload {
        reply: oneshot::Sender<Result<(), PluginError>>,
    },
}
