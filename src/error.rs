//! Errors at each public boundary: the manifest, loading, and running plugin code.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::manifest::ByteSize;
use crate::state::HookPhase;
use crate::state::PluginState;

/// A `manifest.json` that cannot be used. The message names the file, the line and column
/// (when known), the field and the reason:
/// `manifest.json:7:15: resources.memory: "lots" is not a size (expected e.g. "128MB")`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ManifestError {
    #[error("{}: cannot read: {source}", file.display())]
    Read {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}{}: not valid JSON: {reason}", file.display(), TextPosition::suffix(at))]
    Syntax {
        file: PathBuf,
        /// Where the parser stopped.
        at: Option<TextPosition>,
        reason: String,
    },
    #[error("{}{}: {field}: {reason}", file.display(), TextPosition::suffix(at))]
    Invalid {
        file: PathBuf,
        /// Where the field's value (or, for a missing field, its object) starts in the file;
        /// `None` when the error is not about the text (e.g. a permission no host declares).
        at: Option<TextPosition>,
        /// The field's path as written in the manifest, e.g. `resources.memory`,
        /// `permissions[1]`.
        field: String,
        reason: String,
    },
}

/// A place in a text file: 1-based line and column (columns count characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextPosition {
    pub line: usize,
    pub column: usize,
}

impl TextPosition {
    /// The position of byte `offset` in `text` (clamped to the text, and to a char boundary).
    pub fn of_offset(text: &str, offset: usize) -> TextPosition {
        let mut end = offset.min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let before = &text[..end];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        TextPosition {
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
        }
    }

    /// `":L:C"`, or `""` without a position.
    fn suffix(at: &Option<TextPosition>) -> String {
        at.map(|p| format!(":{}:{}", p.line, p.column))
            .unwrap_or_default()
    }
}

/// An exception thrown by plugin code, with its message and (source-mapped) stack.
#[derive(Debug, Clone)]
pub struct JsException {
    /// The message, e.g. `Uncaught Error: boom`.
    pub message: String,
    /// The full error with its stack frames, pointing at the original `.ts`/`.js` lines.
    pub stack: String,
}

impl fmt::Display for JsException {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for JsException {}

/// Why running plugin code (a lifecycle step or a call) failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PluginError {
    /// The plugin threw (or its promise rejected).
    #[error("plugin {id}: {phase}: {exception}")]
    Exception {
        id: String,
        phase: Phase,
        #[source]
        exception: JsException,
    },
    /// The step ran past its deadline and was terminated.
    #[error("plugin {id}: {phase}: timed out after {}", fmt_duration(*limit))]
    Timeout {
        id: String,
        phase: Phase,
        limit: Duration,
    },
    /// The plugin's heap reached its limit; its isolate was disposed.
    #[error("plugin {id}: {phase}: exceeded its memory limit of {limit} (heap at {used})")]
    MemoryLimitExceeded {
        id: String,
        phase: Phase,
        limit: ByteSize,
        used: ByteSize,
    },
    /// The host terminated the plugin with [`PluginHandle::terminate`](crate::PluginHandle::terminate).
    #[error("plugin {id}: {phase}: terminated by the host")]
    Terminated { id: String, phase: Phase },
    /// The step cannot run in the plugin's current state.
    #[error("cannot {action} plugin {id} in state {state}")]
    InvalidState {
        id: String,
        action: &'static str,
        state: PluginState,
    },
    /// `call` named something the module does not export.
    #[error("plugin {id} has no exported function {name:?}")]
    NoSuchExport { id: String, name: String },
    /// An argument could not be handed to the plugin.
    #[error("plugin {id}: {name}: argument {index}: {reason}")]
    BadArgument {
        id: String,
        name: String,
        index: usize,
        reason: String,
    },
    /// The value the plugin returned is not JSON data.
    #[error("plugin {id}: {name} returned a value that is not JSON data: {reason}")]
    BadReturnValue {
        id: String,
        name: String,
        reason: String,
    },
    /// A critical lifecycle hook refused the transition.
    #[error("plugin {id}: {phase} hook {hook:?} failed: {reason}")]
    Hook {
        id: String,
        phase: HookPhase,
        hook: String,
        reason: String,
    },
    /// The plugin's isolate is gone (it failed earlier, or was unloaded).
    #[error("plugin {id} is no longer running (state {state})")]
    Gone { id: String, state: PluginState },
    /// Starting or stopping the CPU profiler failed (e.g. stopping one never started).
    #[error("plugin {id}: profiler: {reason}")]
    Profiler { id: String, reason: String },
    /// HOSTAPI (issue 14): a host function called back into the plugin whose call it is
    /// serving. The plugin is busy waiting for that very function, so the call fails at
    /// once instead of deadlocking. Calling another plugin from a host function works.
    #[error(
        "plugin {id}: {name}: called from inside its own host call {function} (the plugin is waiting for it; a host function cannot call back into the plugin it serves)"
    )]
    Reentered {
        id: String,
        name: String,
        function: String,
    },
    /// The plugin's thread did not stop within a grace period after its step was
    /// interrupted (`limit` is the step's deadline, `grace` the time it was given past
    /// it): the engine could not stop it. The plugin is in `error` and its thread is
    /// abandoned (never waited for again); every request fails with this until it is
    /// unloaded. `phase` is the step that never stopped (`None`: background work such as
    /// a timer callback). The step's own caller gets [`PluginError::Timeout`].
    #[error("plugin {id}: unresponsive: {} did not stop within {} after its {} deadline; its thread was abandoned", phase.as_ref().map(|p| p.to_string()).unwrap_or_else(|| "background work".into()), fmt_duration(*grace), fmt_duration(*limit))]
    Unresponsive {
        id: String,
        phase: Option<Phase>,
        limit: Duration,
        grace: Duration,
    },
    /// SECURITY (issue 17): the security monitor quarantined the plugin (a host policy, a
    /// quarantine rule, or `Security::quarantine`), for `reason`. The step running when it
    /// hit is stopped and fails with this, `phase` naming it; the isolate is disposed and
    /// the plugin stays in `error`, and every later request fails with this too (`phase`
    /// `None`) until the host unloads it.
    #[error("plugin {id}: {}quarantined: {reason}", phase.as_ref().map(|p| format!("{p}: ")).unwrap_or_default())]
    Quarantined {
        id: String,
        phase: Option<Phase>,
        reason: String,
    },
}

impl PluginError {
    /// The JS exception, when the plugin threw.
    pub fn exception(&self) -> Option<&JsException> {
        match self {
            PluginError::Exception { exception, .. } => Some(exception),
            _ => None,
        }
    }
}

/// What the plugin was doing when an error happened. Its `Display` is what a person
/// reads in an error message ("scheduled task 3", "event order.created").
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Phase {
    /// Evaluating the entry module (top-level code).
    Evaluate,
    Initialize,
    Start,
    Stop,
    /// Calling an export, by name.
    Call(String),
    /// Running a `qirvo.scheduler` task, by its id.
    Task(u32),
    /// Running the plugin's handlers for an event, by the event's name.
    Event(String),
    /// Running the plugin's `healthCheck()`.
    HealthCheck,
    /// Serving a debugger's request (evaluate, properties) while not paused.
    Debugger,
    /// Starting or stopping the CPU profiler.
    Profiler,
    /// Running one test (test mode): its name, or `#n` (its position, from 0) where the
    /// name is not known.
    Test(String),
    /// Listing the tests a test file registered (test mode).
    TestList,
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Phase::Evaluate => f.write_str("evaluating the module"),
            Phase::Initialize => f.write_str("initialize"),
            Phase::Start => f.write_str("start"),
            Phase::Stop => f.write_str("stop"),
            Phase::Call(name) => write!(f, "call {name}"),
            Phase::Task(id) => write!(f, "scheduled task {id}"),
            Phase::Event(name) => write!(f, "event {name}"),
            Phase::HealthCheck => f.write_str("health check"),
            Phase::Debugger => f.write_str("debugger request"),
            Phase::Profiler => f.write_str("profiler"),
            Phase::Test(name) if name.starts_with('#') => write!(f, "test {name}"),
            Phase::Test(name) => write!(f, "test '{name}'"),
            Phase::TestList => f.write_str("listing the tests"),
        }
    }
}

/// Why a plugin could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error("plugin directory {}: {source}", dir.display())]
    Directory {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("a plugin with id {id} is already loaded")]
    AlreadyLoaded { id: String },
    /// The entry module or one of its imports failed to resolve, read, transpile or compile.
    #[error("plugin {id}: cannot load its code: {message}")]
    Module { id: String, message: String },
    /// Module evaluation or `initialize` failed; the plugin was disposed.
    #[error(transparent)]
    Plugin(#[from] PluginError),
    #[error("plugin {id}: cannot start its thread: {source}")]
    Thread {
        id: String,
        #[source]
        source: std::io::Error,
    },
    /// A runtime budget cannot cover what the manifest asks for.
    #[error(transparent)]
    Budget(#[from] BudgetError),
    /// A critical lifecycle hook refused the load.
    #[error("plugin {id}: {phase} hook {hook:?} failed: {reason}")]
    Hook {
        id: String,
        phase: HookPhase,
        hook: String,
        reason: String,
    },
}

/// Why [`PluginRuntime::purge`](crate::PluginRuntime::purge) failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PurgeError {
    #[error("plugin {id} is loaded: unload it before purging its data")]
    Loaded { id: String },
    #[error("plugin {id}: cannot purge its data: {reason}")]
    Storage { id: String, reason: String },
}

/// Why [`PluginRuntime::new`](crate::PluginRuntime::new) failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RuntimeError {
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// One of the runtime's own threads could not be started; `thread` names it
    /// (`watchdog`, `jobs`).
    #[error("cannot start the runtime's {thread} thread: {source}")]
    Spawn {
        thread: &'static str,
        #[source]
        source: std::io::Error,
    },
}

/// An invalid [`RuntimeConfig`](crate::RuntimeConfig).
#[derive(Debug, thiserror::Error)]
#[error("runtime config: {field}: {reason}")]
#[non_exhaustive]
pub struct ConfigError {
    pub field: &'static str,
    pub reason: String,
}

pub(crate) fn fmt_duration(d: Duration) -> String {
    if d.as_millis() < 1000 || d.subsec_millis() != 0 {
        format!("{} ms", d.as_millis())
    } else {
        format!("{} s", d.as_secs())
    }
}

/// A budget that cannot cover a plugin.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error(
    "the runtime's {resource} budget cannot cover plugin {plugin}: it asks for {requested}, {available} of {budget} is left"
)]
pub struct BudgetError {
    pub plugin: String,
    /// `memory`, `storage`, `connections` or `plugins`.
    pub resource: &'static str,
    pub requested: String,
    pub available: String,
    pub budget: String,
}

#[cfg(test)]
mod tests {
    use super::Phase;

    #[test]
    fn phases_read_as_what_the_plugin_was_doing() {
        for (phase, text) in [
            (Phase::Call("greet".into()), "call greet"),
            (Phase::Task(3), "scheduled task 3"),
            (Phase::Event("order.created".into()), "event order.created"),
            (Phase::HealthCheck, "health check"),
            (Phase::Debugger, "debugger request"),
            (Phase::Profiler, "profiler"),
            (Phase::Test("adds two".into()), "test 'adds two'"),
            (Phase::Test("#4".into()), "test #4"),
            (Phase::TestList, "listing the tests"),
            (Phase::Evaluate, "evaluating the module"),
        ] {
            assert_eq!(phase.to_string(), text);
        }
    }
}
