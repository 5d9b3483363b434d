//! # Qirvo: a plugin engine for Rust applications
//!
//! Qirvo loads plugins written in TypeScript or JavaScript and runs each one in its own
//! JavaScript isolate, on its own thread, with a heap limit and a deadline on everything it
//! runs. Plugins see a restricted `qirvo` global and the web APIs; nothing else of the host.
//!
//! A plugin is a directory with a `manifest.json` and an entry module:
//!
//! ```json
//! { "id": "com.example.hello", "version": "1.0.0", "main": "main.ts",
//!   "resources": { "memory": "64MB", "timeout": 5000 }, "config": { "greeting": "hi" } }
//! ```
//!
//! ```ts
//! export default {
//!   async initialize(ctx) { console.log(`hello from ${ctx.id}`); },
//! };
//! export function greet(name: string): string { return `hi ${name}!`; }
//! ```
//!
//! The host drives its lifecycle and calls its exports:
//!
//! ```no_run
//! use qirvo::{PluginRuntime, RuntimeConfig};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let runtime = PluginRuntime::new(RuntimeConfig::default())?;
//! let plugin = runtime.load("fixtures/plugins/hello").await?; // initialize has run
//! plugin.start().await?;
//! let reply = plugin.call("greet", vec!["Ada".into()]).await?;
//! assert_eq!(reply, "Hello, Ada!");
//! plugin.unload().await?; // stop, then dispose the isolate
//! # Ok(()) }
//! ```
//!
//! Errors are typed at each boundary: [`ManifestError`] for a manifest, [`LoadError`] for
//! loading, [`PluginError`] for lifecycle steps and calls (a thrown exception with its
//! source-mapped stack, [`PluginError::Timeout`], [`PluginError::MemoryLimitExceeded`], …).

// The crate's folders, along the way a call travels (ARCHITECTURE.md has the map):
// `host` (the runtime and plugin handles a Rust host holds) drives `isolate` (a plugin's
// thread, its JavaScript isolate and the steps run in it under the watchdog), which
// registers the capabilities in `ext` (each one's ops, policy and state); `debug` holds the
// debugger (instrumentation, sessions, the inspector). Below them all: the manifest,
// errors and small helpers.
mod counters;
mod debug;
mod error;
mod ext;
mod host;
#[doc(hidden)]
pub mod http1;
mod isolate;
mod json;
// LAYOUT (issue 13): the layer rule as a test.
#[cfg(test)]
mod layers;
mod manifest;
// SECURITY (issue 17): the security monitor's events and the runtime's monitor.
mod security;
pub use host::security::{
    QuarantineRule, SECURITY_CHANNEL_CAPACITY, Security, SecurityPolicy, SecuritySubscription,
    SecuritySummary,
};
pub use security::{
    Capability, Decision, EventKind as SecurityEventKind, Limit, REMOVED_GLOBALS, SecurityEvent,
    URL_REDACTION_RULE, redact_url,
};
// end SECURITY
mod state;
pub use host::testing;
mod untrusted;
// PERF (issue 20): how a thread waits for another's answer (spin while it pays, then park).
#[doc(hidden)]
pub mod wait;

pub use debug::inspector::{DEFAULT_INSPECT_ADDR, InspectorError, InspectorServer};
pub use debug::pause::{
    Breakpoint, BreakpointId, DebugError, DebugEvent, Location, PauseReason, Paused,
    PluginDebugState, PropertyInfo, RemoteValue, ScopeInfo, ScriptInfo, StackFrame,
};
pub use debug::session::DebugSession;
pub use error::{
    BudgetError, ConfigError, JsException, LoadError, ManifestError, Phase, PluginError,
    PurgeError, RuntimeError, TextPosition,
};
pub use ext::events::bus::{Event, EventError, EventSource, EventSubscription, Events};
pub use ext::host_api::registry::{
    Bytes, DEFAULT_MAX_IN_FLIGHT, HostApi, HostApiError, HostCallContext, HostCallMetrics,
    HostError,
};
pub use ext::log::buffer::{LogEntry, LogLevel, LogSink};
pub use ext::scheduler::schedule::{Schedule, Scheduler, TaskInfo, TaskOwner};
pub use ext::storage::store::StorageKind;
// FLEET (issue 18): fleet mode's settings.
pub use ext::storage::postgres::PostgresStorage;
pub use host::config::RuntimeConfig;
pub use host::health::HealthReport;
pub use host::hooks::{HookContext, HookError, HookInfo, Hooks};
pub use host::metrics::{PluginMetrics, RuntimeMetrics, Totals};
pub use host::plugin::PluginHandle;
pub use host::pool::WarmPoolStats;
pub use host::resources::{Allocation, Budgets, ResourceUsage};
pub use host::runtime::PluginRuntime;
pub use isolate::cpu::CpuStats;
pub use isolate::profile::{CpuProfile, HeapTrend, HotFunction, OpStats, PerformanceReport};
pub use isolate::snapshot::wait_for_startup_snapshot;
pub use manifest::{
    Bandwidth, ByteSize, MANIFEST_FILE, Manifest, Permission, Resources, RestartPolicy,
    manifest_schema,
};
pub use state::{ExportInfo, HeapStats, HookPhase, PluginState};
/// The cancellation signal of a [`HostCallContext`] (tokio-util's).
pub use tokio_util::sync::CancellationToken;
