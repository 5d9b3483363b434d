//! The private link between the host and the isolate: plugin facts for the `qirvo` global,
//! and the JS entry points the host calls (lifecycle steps, export calls). Registered once
//! by the bootstrap module, before any plugin code runs; plugin code cannot reach them.

use deno_core::OpState;
use deno_core::op2;
use deno_core::v8;
use serde::Serialize;

/// What the bootstrap learns about its plugin (as JSON, through `bind`).
#[derive(Clone, Serialize)]
pub(crate) struct PluginInfo {
    pub id: String,
    pub name: String,
    pub version: String,
    pub permissions: Vec<String>,
    #[serde(rename = "testMode")]
    pub test_mode: bool,
    // HOSTAPI (issue 14): the host functions the plugin may call (`qirvo.host`).
    #[serde(rename = "hostFunctions")]
    pub host_functions: Vec<HostFnInfo>,
}

/// A host function granted to the plugin, as the bootstrap builds `qirvo.host` from it.
#[derive(Clone, Serialize)]
pub(crate) struct HostFnInfo {
    pub index: usize,
    /// `"namespace.function"`.
    pub name: String,
    #[serde(rename = "async")]
    pub is_async: bool,
    /// Whether its result may hold bytes to revive as `Uint8Array`.
    pub bytes: bool,
}
// end HOSTAPI

/// The JS functions the host drives a plugin through.
pub(crate) struct HostFns {
    /// `bind(infoJson)`: builds the `qirvo` global for its plugin, once.
    pub bind: v8::Global<v8::Function>,
    /// `lifecycle(step, namespace, configJson) -> Promise<string>`
    pub lifecycle: v8::Global<v8::Function>,
    /// `callExport(fn, argsJson) -> Promise<string | { badReturn }>`
    pub call_export: v8::Global<v8::Function>,
    /// `deliverEvent(name, payloadJson, source) -> Promise<string>`
    pub deliver_event: v8::Global<v8::Function>,
    /// `cancelStepWork()`: cancels the timers the interrupted step created.
    pub cancel_step_work: v8::Global<v8::Function>,
    /// `runTask(id, once) -> Promise<string>`
    pub run_task: v8::Global<v8::Function>,
    /// `runTest(index) -> Promise<string>` (test mode; -1 lists the tests)
    pub run_test: v8::Global<v8::Function>,
}

/// Fills a buffer with cryptographically secure random bytes (`crypto.getRandomValues`).
#[op2(fast)]
pub(crate) fn op_qirvo_random_fill(#[buffer] buf: &mut [u8]) -> Result<(), RandomError> {
    getrandom::fill(buf).map_err(|e| RandomError(e.to_string()))
}

#[derive(Debug, thiserror::Error, deno_error::JsError)]
#[class(generic)]
#[error("no random source: {0}")]
pub(crate) struct RandomError(String);

/// Takes the host entry points; only the first registration counts.
#[op2]
pub(crate) fn op_qirvo_set_host(
    state: &mut OpState,
    #[scoped] bind: v8::Global<v8::Function>,
    #[scoped] lifecycle: v8::Global<v8::Function>,
    #[scoped] call_export: v8::Global<v8::Function>,
    #[scoped] deliver_event: v8::Global<v8::Function>,
    #[scoped] cancel_step_work: v8::Global<v8::Function>,
    #[scoped] run_task: v8::Global<v8::Function>,
    #[scoped] run_test: v8::Global<v8::Function>,
) {
    if !state.has::<HostFns>() {
        state.put(HostFns {
            bind,
            lifecycle,
            call_export,
            deliver_event,
            cancel_step_work,
            run_task,
            run_test,
        });
    }
}

// The web platform (js/web.js): the same for every plugin, so it is in the startup snapshot.
deno_core::extension!(
    qirvo_web,
    deps = [deno_webidl, deno_web, qirvo_log],
    ops = [op_qirvo_random_fill],
    esm_entry_point = "ext:qirvo_web/web.js",
    esm = [dir "js", "web.js"],
);

deno_core::extension!(
    qirvo,
    deps = [qirvo_web, qirvo_storage, qirvo_events, qirvo_scheduler],
    ops = [op_qirvo_set_host],
    esm_entry_point = "ext:qirvo/bootstrap.js",
    esm = [
        dir "js",
        "bootstrap.js",
        "debug.js",
        // Each capability's JS, imported by bootstrap.js (which assembles `qirvo`).
        "names.js",
        "log.js",
        "errors.js",
        "storage.js",
        "events.js",
        "fs.js",
        "scheduler.js",
        "testing.js",
        "host_api.js",
    ],
);
