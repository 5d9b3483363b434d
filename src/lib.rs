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

mod codecache;
mod config;
mod coverage;
mod cpu;
mod debug;
mod error;
mod events;
mod health;
mod hooks;
mod host_api;
mod host_api_ts;
#[doc(hidden)]
pub mod http1;
mod inspector;
mod instrument;
mod json;
mod loader;
mod logs;
mod manifest;
mod metrics;
mod netpolicy;
#[path = "../ops/mod.rs"]
mod ops;
mod plugin;
mod pool;
mod profile;
mod resources;
mod runtime;
mod scheduler;
mod snapshot;
mod storage;
pub mod testing;
mod untrusted;
mod watchdog;
mod worker;

pub use config::RuntimeConfig;
pub use cpu::CpuStats;
pub use debug::{
    Breakpoint, BreakpointId, DebugError, DebugEvent, DebugSession, Location, PauseReason, Paused,
    PluginDebugState, PropertyInfo, RemoteValue, ScopeInfo, ScriptInfo, StackFrame,
};
pub use error::{
    ConfigError, JsException, LoadError, ManifestError, Phase, PluginError, PurgeError,
    RuntimeError, TextPosition,
};
pub use events::{Event, EventError, EventSource, EventSubscription, Events};
pub use health::HealthReport;
pub use hooks::{HookContext, HookError, HookInfo, HookPhase, Hooks};
pub use host_api::{
    Bytes, DEFAULT_MAX_IN_FLIGHT, HostApi, HostApiError, HostCallContext, HostCallMetrics,
    HostError,
};
pub use inspector::{DEFAULT_INSPECT_ADDR, InspectorError, InspectorServer};
pub use logs::{LogEntry, LogLevel, LogSink};
pub use manifest::{
    Bandwidth, ByteSize, MANIFEST_FILE, Manifest, Permission, Resources, RestartPolicy,
    manifest_schema,
};
pub use metrics::{PluginMetrics, RuntimeMetrics, Totals};
pub use plugin::{ExportInfo, HeapStats, PluginHandle, PluginState};
pub use pool::WarmPoolStats;
pub use profile::{CpuProfile, HeapTrend, HotFunction, OpStats, PerformanceReport};
pub use resources::{Allocation, BudgetError, Budgets, ResourceUsage};
pub use runtime::PluginRuntime;
pub use scheduler::{Schedule, Scheduler, TaskInfo, TaskOwner};
pub use snapshot::wait_for_startup_snapshot;
pub use storage::StorageKind;
/// The cancellation signal of a [`HostCallContext`] (tokio-util's).
pub use tokio_util::sync::CancellationToken;
