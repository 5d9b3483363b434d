//! A plugin's pause state, shared by its thread and its debugger sessions: breakpoints by
//! file and line, pausing, stepping, evaluation in the paused frame, call stacks. The host
//! drives it through a [`DebugSession`](crate::DebugSession) (`session.rs`).
//!
//! A runtime with [`RuntimeConfig::debug`](crate::RuntimeConfig::debug) set loads every
//! plugin *instrumented* (see `instrument.rs`): before each statement that runs, the agent
//! reads the isolate's [`ArmedFlag`] (a memory read, no op) and asks the debug state whether
//! to stop only while something could stop it (a breakpoint, a step, a pause request;
//! `debugger;` statements always ask). Stopping blocks the plugin's own thread inside an
//! op, with its watchdog deadline suspended, while the host and the other plugins go on; the
//! session's requests (evaluate, read properties) are run by the paused plugin's thread in
//! the paused frame, and `resume`/`step_*` let it go. The mechanism is the same on both
//! engines, so breakpoints, stepping and call stacks work on the default (quickjs) engine
//! whose inspector has none of them.

use std::collections::{BTreeMap, HashMap, VecDeque};

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use parking_lot::{Condvar, Mutex};
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot};

use crate::debug::instrument::Instrumented;
use crate::error::PluginError;
use crate::ext::log::buffer::LogEntry;
use crate::isolate::watchdog::{Target, Watchdog};
use crate::state::{HeapStats, PluginState};

/// A breakpoint's id, unique within its plugin.
pub type BreakpointId = u32;

/// A place in a plugin's source: its original `.ts`/`.js` file, 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    /// The file relative to the plugin directory, e.g. `main.ts` or `lib/util.ts`.
    pub file: String,
    /// Its `file:` URL.
    pub url: String,
    pub line: u32,
    pub column: u32,
}

/// One frame of a paused plugin's call stack, innermost first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StackFrame {
    /// The function's name; empty for module code and anonymous functions.
    pub function: String,
    pub file: String,
    pub url: String,
    pub line: u32,
    pub column: u32,
}

/// A breakpoint as set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breakpoint {
    pub id: BreakpointId,
    /// The file and line asked for.
    pub file: String,
    pub line: u32,
    /// Stops only when this expression, evaluated in the paused frame, is truthy.
    pub condition: Option<String>,
    /// Where it stops: the first statement at or after the line. `None` until a module
    /// with that file is loaded.
    pub location: Option<Location>,
}

/// Why a plugin paused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PauseReason {
    /// It reached these breakpoints.
    Breakpoint(Vec<BreakpointId>),
    /// A step ended.
    Step,
    /// [`DebugSession::pause`] asked for it.
    Requested,
    /// A `debugger;` statement, with a debugger attached.
    DebuggerStatement,
    /// Its first statement, when loaded with break-on-start (`--inspect-brk`).
    Entry,
}

/// A paused plugin: why, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paused {
    pub reason: PauseReason,
    /// Innermost first; `frames[0]` is the statement about to run.
    pub frames: Vec<StackFrame>,
}

/// A module of the plugin, as loaded for debugging.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptInfo {
    /// Unique within the runtime (a restart's fresh isolate gets new ids).
    pub id: String,
    pub file: String,
    pub url: String,
    /// Lines in its original source.
    pub lines: u32,
}

/// What a session hears about its plugin.
#[derive(Debug, Clone)]
pub enum DebugEvent {
    Paused(Paused),
    Resumed,
    /// A module was loaded (also sent for every module already loaded when the session
    /// starts).
    ScriptParsed(ScriptInfo),
    /// A line the plugin logged.
    Log(LogEntry),
}

/// A value in the plugin, described the way the Chrome DevTools Protocol describes one
/// (`Runtime.RemoteObject`): primitives carry their `value`; objects an `object_id` whose
/// properties [`DebugSession::properties`] reads, and, when they are JSON data, a copy in
/// `json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RemoteValue {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subtype: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unserializable_value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object_id: Option<String>,
    /// A JSON copy of an object that is plain data (not part of the protocol's object).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub json: Option<serde_json::Value>,
    /// The protocol's `ObjectPreview` of an object's first properties.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preview: Option<serde_json::Value>,
}

/// One property of an object, as [`DebugSession::properties`] lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PropertyInfo {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<RemoteValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub get: Option<RemoteValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set: Option<RemoteValue>,
    #[serde(default)]
    pub writable: bool,
    #[serde(default)]
    pub configurable: bool,
    #[serde(default)]
    pub enumerable: bool,
}

/// A scope of the paused frame, for a debugger's variables view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScopeInfo {
    /// `local`, `module` or `global`.
    #[serde(rename = "type")]
    pub kind: String,
    pub object: RemoteValue,
}

/// The outcome of an evaluation: a value, or what it threw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Evaluation {
    pub result: RemoteValue,
    #[serde(default)]
    pub thrown: bool,
}

/// A plugin's state as a debugger shows it.
#[derive(Debug, Clone)]
pub struct PluginDebugState {
    pub id: String,
    pub state: PluginState,
    pub paused: bool,
    pub allocation: Option<crate::host::resources::Allocation>,
    pub heap: HeapStats,
    pub metrics: Option<crate::host::metrics::PluginMetrics>,
    /// Its `qirvo.scheduler` tasks.
    pub tasks: Vec<crate::ext::scheduler::schedule::TaskInfo>,
    /// Its most recent log lines, oldest first.
    pub logs: Vec<LogEntry>,
}

/// What went wrong with a debugging request.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DebugError {
    #[error("no plugin {0:?} is loaded")]
    NoSuchPlugin(String),
    #[error(
        "plugin {plugin:?} was loaded without debugging support; set RuntimeConfig::debug (qirvo run --inspect) before loading it"
    )]
    NotDebuggable { plugin: String },
    #[error("plugin {plugin:?} is not paused")]
    NotPaused { plugin: String },
    #[error("plugin {plugin:?} has no breakpoint {id}")]
    NoSuchBreakpoint { plugin: String, id: BreakpointId },
    #[error("plugin {plugin:?} has no module {file:?} (its modules: {known})")]
    NoSuchFile {
        plugin: String,
        file: String,
        known: String,
    },
    #[error("{file}:{line}: {reason}")]
    BadLocation {
        file: String,
        line: u32,
        reason: String,
    },
    #[error("evaluation threw: {}", .0.description.as_deref().unwrap_or("an exception"))]
    Exception(Box<RemoteValue>),
    #[error("no object {0:?} (objects are released when the plugin resumes)")]
    NoSuchObject(String),
    #[error("timed out waiting for plugin {plugin:?} to pause")]
    WaitTimeout { plugin: String },
    #[error(transparent)]
    Plugin(#[from] PluginError),
    #[error("the debug request failed: {0}")]
    Protocol(String),
}

// ---------------------------------------------------------------------------------------
// Shared state: the plugin thread's side (ops) and the sessions' side.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Step {
    Into,
    Over(usize),
    Out(usize),
}

/// A step a session asks for when it resumes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StepKind {
    Into,
    Over,
    Out,
}

pub(super) struct ScriptEntry {
    pub(super) info: ScriptInfo,
    pub(super) source: Arc<str>,
    pub(super) module_names: Arc<[String]>,
}

pub(super) struct SiteEntry {
    pub(super) script: usize,
    pub(super) line: u32,
    pub(super) column: u32,
    pub(super) locals: Arc<[String]>,
    pub(super) debugger: bool,
}

pub(super) struct BreakpointEntry {
    pub(super) session: u64,
    pub(super) file: String,
    pub(super) line: u32,
    /// Stops only when this expression, evaluated in the frame, is truthy.
    pub(super) condition: Option<String>,
    /// The site it stops at, once its module is loaded.
    pub(super) site: Option<u32>,
}

/// A request for the paused frame's agent, and where its answer goes.
pub(super) struct PausedCommand(serde_json::Value, oneshot::Sender<serde_json::Value>);

pub(super) struct PausedState {
    pub(super) paused: Paused,
    /// Engine frames at the pause (for steps).
    pub(super) depth: usize,
}

#[derive(Default)]
pub(super) struct DebugState {
    pub(super) scripts: Vec<ScriptEntry>,
    pub(super) sites: Vec<SiteEntry>,
    pub(super) breakpoints: BTreeMap<BreakpointId, BreakpointEntry>,
    pub(super) bp_sites: HashMap<u32, Vec<BreakpointId>>,
    pub(super) next_bp: BreakpointId,
    pub(super) sessions: BTreeMap<u64, mpsc::UnboundedSender<DebugEvent>>,
    pub(super) pause_requested: bool,
    pub(super) break_on_start: bool,
    pub(super) step: Option<Step>,
    pub(super) paused: Option<PausedState>,
    pub(super) queue: VecDeque<PausedCommand>,
    /// Where the answer to the request the agent is running goes.
    pub(super) reply: Option<oneshot::Sender<serde_json::Value>>,
    /// The plugin is being unloaded: nothing stops it any more.
    pub(super) disabled: bool,
    /// Breakpoints are kept but do not stop (DevTools' "deactivate breakpoints").
    pub(super) breakpoints_inactive: bool,
    /// Neither breakpoints nor `debugger;` statements stop ("skip all pauses").
    pub(super) skip_pauses: bool,
}

/// The breakpoints that would stop at `site` now.
pub(super) fn live_breakpoints(st: &DebugState, site: u32) -> Option<&Vec<BreakpointId>> {
    if st.breakpoints_inactive || st.skip_pauses {
        return None;
    }
    st.bp_sites.get(&site)
}

/// Whether `site` is a `debugger;` statement that stops now (a session is attached).
pub(super) fn debugger_here(st: &DebugState, site: u32) -> bool {
    !st.skip_pauses
        && !st.sessions.is_empty()
        && st.sites.get(site as usize).is_some_and(|s| s.debugger)
}

static NEXT_SCRIPT: AtomicU64 = AtomicU64::new(1);

/// One plugin's debugging state, shared by its thread and its sessions.
pub(crate) struct DebugShared {
    pub(super) plugin: String,
    pub(super) root: PathBuf,
    pub(super) state: Mutex<DebugState>,
    /// Wakes the paused plugin thread.
    pub(super) wake: Condvar,
    /// Whether any breakpoint, step, pause request or session exists: when not,
    /// [`check`](Self::check) answers after one atomic load. Ordinary statements reach it
    /// only while the isolate's [`ArmedFlag`] is set (a session alone does not set it);
    /// `debugger;` statements always do.
    pub(super) armed: AtomicBool,
    pub(super) paused_flag: AtomicBool,
    pub(super) next_session: AtomicU64,
    /// Wakes sessions waiting for a pause.
    pub(super) pause_notify: tokio::sync::Notify,
    /// The current isolate's armed flag.
    pub(super) flag: Mutex<Option<ArmedFlag>>,
    /// Statements count their executions (coverage): [`RuntimeConfig::coverage`](crate::RuntimeConfig::coverage).
    pub(super) counting: bool,
}

/// Four bytes of an isolate's memory (an `ArrayBuffer` its debug agent keeps) that the
/// agent reads with `Atomics.load` and the host writes: 1 when a statement might stop
/// (breakpoints, a step, a pause request), so a statement costs a memory read, not an op,
/// while nothing is armed. Forgotten ([`DebugShared::clear_flag`]) before the isolate is
/// disposed.
pub(crate) struct ArmedFlag {
    pub(super) cell: std::ptr::NonNull<std::sync::atomic::AtomicU32>,
}

// SAFETY: the cell is only accessed atomically, and only while its isolate lives.
unsafe impl Send for ArmedFlag {}
unsafe impl Sync for ArmedFlag {}

impl ArmedFlag {
    /// # Safety
    /// `data` must stay valid for `len` bytes until the flag is cleared.
    pub(crate) unsafe fn new(
        data: std::ptr::NonNull<std::ffi::c_void>,
        len: usize,
    ) -> Option<ArmedFlag> {
        if len < 4 || (data.as_ptr() as usize) % 4 != 0 {
            return None;
        }
        Some(ArmedFlag { cell: data.cast() })
    }

    pub(super) fn cell(&self) -> &std::sync::atomic::AtomicU32 {
        // SAFETY: see the type; aligned and alive as long as self.
        unsafe { self.cell.as_ref() }
    }
}

impl DebugShared {
    pub(crate) fn new(
        plugin: &str,
        root: PathBuf,
        break_on_start: bool,
        counting: bool,
    ) -> Arc<DebugShared> {
        let shared = Arc::new(DebugShared {
            plugin: plugin.to_string(),
            counting,
            root,
            state: Mutex::new(DebugState {
                break_on_start,
                next_bp: 1,
                ..Default::default()
            }),
            wake: Condvar::new(),
            armed: AtomicBool::new(false),
            paused_flag: AtomicBool::new(false),
            next_session: AtomicU64::new(1),
            pause_notify: tokio::sync::Notify::new(),
            flag: Mutex::new(None),
        });
        shared.rearm(&shared.state.lock());
        shared
    }

    pub(super) fn rearm(&self, st: &DebugState) {
        // Whether an ordinary statement might stop: what the isolate reads without an op.
        let statements = !st.disabled
            && (st.pause_requested
                || st.break_on_start
                || st.step.is_some()
                || (!st.bp_sites.is_empty() && !st.breakpoints_inactive && !st.skip_pauses));
        let armed = statements || (!st.disabled && !st.sessions.is_empty());
        self.armed.store(armed, Ordering::Release);
        if let Some(flag) = &*self.flag.lock() {
            flag.cell().store(u32::from(statements), Ordering::Release);
        }
    }

    /// Gives the isolate's flag memory (see [`ArmedFlag`]) and sets it.
    pub(crate) fn set_flag(&self, flag: ArmedFlag) {
        let st = self.state.lock();
        *self.flag.lock() = Some(flag);
        self.rearm(&st);
    }

    /// The isolate is about to be disposed: its flag memory is no longer written.
    pub(crate) fn clear_flag(&self) {
        let _st = self.state.lock();
        *self.flag.lock() = None;
    }

    pub(crate) fn is_paused(&self) -> bool {
        self.paused_flag.load(Ordering::Acquire)
    }

    pub(super) fn broadcast(&self, st: &mut DebugState, event: DebugEvent) {
        st.sessions.retain(|_, tx| tx.send(event.clone()).is_ok());
    }

    // -- the plugin thread ---------------------------------------------------------------

    /// A fresh isolate: its modules will register again.
    /// Whether statements count their executions (coverage).
    pub(crate) fn counting(&self) -> bool {
        self.counting
    }

    pub(crate) fn new_isolate(&self) {
        let mut st = self.state.lock();
        st.scripts.clear();
        st.sites.clear();
        st.bp_sites.clear();
        for bp in st.breakpoints.values_mut() {
            bp.site = None;
        }
        st.step = None;
        self.rearm(&st);
    }

    /// The id the next module's first site gets.
    pub(crate) fn next_site(&self) -> u32 {
        self.state.lock().sites.len() as u32
    }

    /// TESTRUNNER (issue 16), for `qirvo test --coverage`: each script as `(url, file
    /// relative to the plugin, original source)`, and each site as `(script index, line,
    /// column)`, indexed by site id.
    #[allow(clippy::type_complexity)]
    pub(crate) fn coverage_map(&self) -> (Vec<(String, String, Arc<str>)>, Vec<(usize, u32, u32)>) {
        let st = self.state.lock();
        (
            st.scripts
                .iter()
                .map(|s| (s.info.url.clone(), s.info.file.clone(), s.source.clone()))
                .collect(),
            st.sites
                .iter()
                .map(|s| (s.script, s.line, s.column))
                .collect(),
        )
    }

    /// Registers an instrumented module; resolves the breakpoints that wait for it.
    pub(crate) fn add_script(&self, url: &str, source: &str, inst: &Instrumented) {
        let file = self.relative(url);
        let mut st = self.state.lock();
        let script = st.scripts.len();
        let info = ScriptInfo {
            id: NEXT_SCRIPT.fetch_add(1, Ordering::Relaxed).to_string(),
            file,
            url: url.to_string(),
            lines: source.lines().count().max(1) as u32,
        };
        st.scripts.push(ScriptEntry {
            info: info.clone(),
            source: source.into(),
            module_names: inst.module_names.clone().into(),
        });
        for site in &inst.sites {
            st.sites.push(SiteEntry {
                script,
                line: site.line,
                column: site.column,
                locals: site.locals.clone().into(),
                debugger: site.debugger,
            });
        }
        let pending: Vec<(BreakpointId, String, u32)> = st
            .breakpoints
            .iter()
            .filter(|(_, b)| b.site.is_none())
            .map(|(id, b)| (*id, b.file.clone(), b.line))
            .collect();
        for (id, file, line) in pending {
            if script_matches(&st.scripts[script].info, &file)
                && let Some(site) = first_site_at(&st, script, line)
            {
                st.breakpoints.get_mut(&id).unwrap().site = Some(site);
                st.bp_sites.entry(site).or_default().push(id);
            }
        }
        self.broadcast(&mut st, DebugEvent::ScriptParsed(info));
        self.rearm(&st);
    }

    pub(super) fn relative(&self, url: &str) -> String {
        deno_core::ModuleSpecifier::parse(url)
            .ok()
            .and_then(|u| crate::isolate::loader::plugin_relative(&u))
            .map(|r| r.to_string_lossy().replace('\\', "/"))
            .unwrap_or_else(|| url.to_string())
    }

    /// The fast check at every site: whether the plugin might stop here.
    pub(crate) fn check(&self, site: u32, depth: impl FnOnce() -> usize) -> bool {
        if !self.armed.load(Ordering::Acquire) {
            return false;
        }
        let st = self.state.lock();
        if st.paused.is_some() {
            return false;
        }
        if st.pause_requested
            || st.break_on_start
            || live_breakpoints(&st, site).is_some()
            || debugger_here(&st, site)
        {
            return true;
        }
        match st.step {
            None => false,
            Some(Step::Into) => true,
            Some(Step::Over(d)) => {
                drop(st);
                depth() <= d
            }
            Some(Step::Out(d)) => {
                drop(st);
                depth() < d
            }
        }
    }

    /// When the only reason to stop at `site` is conditional breakpoints: their conditions,
    /// for the agent to evaluate in the frame first (it then pauses only if one is true).
    pub(crate) fn conditions(&self, site: u32) -> Option<Vec<String>> {
        let st = self.state.lock();
        if st.paused.is_some() || st.disabled {
            return None;
        }
        if st.pause_requested || st.break_on_start || st.step.is_some() || debugger_here(&st, site)
        {
            return None;
        }
        let ids = live_breakpoints(&st, site)?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            match &st.breakpoints[id].condition {
                Some(c) => out.push(c.clone()),
                // An unconditional breakpoint here: stop.
                None => return None,
            }
        }
        Some(out)
    }

    /// The names a paused site's frame can see: its locals, and its module's top level.
    pub(crate) fn site_names(&self, site: u32) -> (Arc<[String]>, Arc<[String]>) {
        let st = self.state.lock();
        match st.sites.get(site as usize) {
            Some(s) => (s.locals.clone(), st.scripts[s.script].module_names.clone()),
            None => (Arc::from(Vec::new()), Arc::from(Vec::new())),
        }
    }

    /// Stops at `site` if a breakpoint, step or pause request says so. Blocks the plugin
    /// thread until a session resumes it or sends a request for the agent (returned). `None`
    /// means go on.
    pub(crate) fn pause(
        &self,
        site: u32,
        depth: usize,
        stack: &str,
        watchdog: &Watchdog,
        target: &Arc<Target>,
    ) -> Option<serde_json::Value> {
        let mut st = self.state.lock();
        if st.paused.is_some() || st.disabled {
            return None;
        }
        let hits = live_breakpoints(&st, site).cloned().unwrap_or_default();
        let is_debugger = debugger_here(&st, site);
        let reason = if !hits.is_empty() {
            PauseReason::Breakpoint(hits)
        } else if st.break_on_start {
            PauseReason::Entry
        } else if st.pause_requested {
            PauseReason::Requested
        } else if match st.step {
            None => false,
            Some(Step::Into) => true,
            Some(Step::Over(d)) => depth <= d,
            Some(Step::Out(d)) => depth < d,
        } {
            PauseReason::Step
        } else if is_debugger {
            PauseReason::DebuggerStatement
        } else {
            return None;
        };
        st.break_on_start = false;
        st.pause_requested = false;
        st.step = None;
        let frames = frames(&st, site, stack);
        let paused = Paused { reason, frames };
        tracing::debug!(target: "qirvo::debug", plugin = %self.plugin, reason = ?paused.reason, "paused");
        st.paused = Some(PausedState {
            paused: paused.clone(),
            depth,
        });
        self.paused_flag.store(true, Ordering::Release);
        self.broadcast(&mut st, DebugEvent::Paused(paused));
        self.pause_notify.notify_waiters();
        watchdog.suspend(target);
        self.wait_command(st, watchdog, target)
    }

    /// The agent's answer to the request it was given; blocks for the next command.
    pub(crate) fn reply(
        &self,
        value: serde_json::Value,
        watchdog: &Watchdog,
        target: &Arc<Target>,
    ) -> Option<serde_json::Value> {
        let mut st = self.state.lock();
        if let Some(tx) = st.reply.take() {
            let _ = tx.send(value);
        }
        st.paused.as_ref()?;
        watchdog.suspend(target);
        self.wait_command(st, watchdog, target)
    }

    pub(super) fn wait_command(
        &self,
        mut st: parking_lot::MutexGuard<'_, DebugState>,
        watchdog: &Watchdog,
        target: &Arc<Target>,
    ) -> Option<serde_json::Value> {
        loop {
            if st.paused.is_none() {
                // Resumed (by a session, or let go: terminated, unloaded, sessions gone).
                st.queue.clear();
                watchdog.resume(target);
                return None;
            }
            match st.queue.pop_front() {
                Some(PausedCommand(request, reply)) => {
                    st.reply = Some(reply);
                    // What the agent runs for a session counts against the step's time.
                    watchdog.resume(target);
                    return Some(request);
                }
                None => self.wake.wait(&mut st),
            }
        }
    }

    /// The step that was paused ended some other way (terminated mid-request): nothing
    /// is paused any more.
    pub(crate) fn step_ended(&self) {
        let mut st = self.state.lock();
        st.reply = None;
        st.queue.clear();
        self.unpause(&mut st, None);
    }

    /// Ends the pause (the plugin thread sees it when it next looks); a step to take.
    pub(super) fn unpause(&self, st: &mut DebugState, step: Option<StepKind>) -> bool {
        let Some(p) = st.paused.take() else {
            return false;
        };
        st.step = step.map(|s| match s {
            StepKind::Into => Step::Into,
            StepKind::Over => Step::Over(p.depth),
            StepKind::Out => Step::Out(p.depth),
        });
        self.paused_flag.store(false, Ordering::Release);
        self.broadcast(st, DebugEvent::Resumed);
        self.rearm(st);
        true
    }

    /// Lets a paused plugin go and forgets steps and pause requests (terminate, unload).
    pub(crate) fn release(&self) {
        let mut st = self.state.lock();
        self.let_go(&mut st);
        drop(st);
        self.wake.notify_all();
    }

    /// Nothing is to stop the plugin any more (but its breakpoints): no step, no pause
    /// request, and not paused.
    pub(super) fn let_go(&self, st: &mut DebugState) {
        st.step = None;
        st.pause_requested = false;
        st.break_on_start = false;
        self.unpause(st, None);
        self.rearm(st);
    }

    /// Whether a debugger session is attached.
    pub(crate) fn has_sessions(&self) -> bool {
        !self.state.lock().sessions.is_empty()
    }

    /// The plugin is being unloaded: lets it go, and nothing stops it again.
    pub(crate) fn disable(&self) {
        self.state.lock().disabled = true;
        self.release();
    }

    // -- the sessions ------------------------------------------------------------------

    pub(super) fn attach(&self) -> (u64, mpsc::UnboundedReceiver<DebugEvent>) {
        let id = self.next_session.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::unbounded_channel();
        let mut st = self.state.lock();
        for s in &st.scripts {
            let _ = tx.send(DebugEvent::ScriptParsed(s.info.clone()));
        }
        if let Some(p) = &st.paused {
            let _ = tx.send(DebugEvent::Paused(p.paused.clone()));
        }
        st.sessions.insert(id, tx);
        self.rearm(&st);
        (id, rx)
    }

    pub(super) fn detach(&self, session: u64) {
        let mut st = self.state.lock();
        st.sessions.remove(&session);
        let mine: Vec<BreakpointId> = st
            .breakpoints
            .iter()
            .filter(|(_, b)| b.session == session)
            .map(|(id, _)| *id)
            .collect();
        for id in mine {
            remove_bp(&mut st, id);
        }
        if st.sessions.is_empty() {
            // Nobody is left to resume it; the next session starts from the defaults.
            st.breakpoints_inactive = false;
            st.skip_pauses = false;
            self.let_go(&mut st);
        }
        self.rearm(&st);
        drop(st);
        self.wake.notify_all();
    }

    pub(super) fn known_files(st: &DebugState) -> String {
        let files: Vec<&str> = st.scripts.iter().map(|s| s.info.file.as_str()).collect();
        if files.is_empty() {
            "none loaded yet".into()
        } else {
            files.join(", ")
        }
    }

    pub(super) fn set_breakpoint(
        &self,
        session: u64,
        file: &str,
        line: u32,
        condition: Option<&str>,
    ) -> Result<Breakpoint, DebugError> {
        let condition = condition.map(str::trim).filter(|c| !c.is_empty());
        if line == 0 {
            return Err(DebugError::BadLocation {
                file: file.into(),
                line,
                reason: "lines count from 1".into(),
            });
        }
        let mut st = self.state.lock();
        let scripts: Vec<usize> = (0..st.scripts.len())
            .filter(|&i| script_matches(&st.scripts[i].info, file))
            .collect();
        if scripts.is_empty() && !self.exists_on_disk(file) {
            return Err(DebugError::NoSuchFile {
                plugin: self.plugin.clone(),
                file: file.into(),
                known: Self::known_files(&st),
            });
        }
        let mut site = None;
        for &script in &scripts {
            site = first_site_at(&st, script, line);
            if site.is_some() {
                break;
            }
        }
        if !scripts.is_empty() && site.is_none() {
            return Err(DebugError::BadLocation {
                file: file.into(),
                line,
                reason: "no statement runs at or after this line".into(),
            });
        }
        let id = st.next_bp;
        st.next_bp += 1;
        st.breakpoints.insert(
            id,
            BreakpointEntry {
                session,
                file: file.to_string(),
                line,
                condition: condition.map(str::to_string),
                site,
            },
        );
        if let Some(site) = site {
            st.bp_sites.entry(site).or_default().push(id);
        }
        self.rearm(&st);
        Ok(breakpoint(&st, id))
    }

    pub(super) fn exists_on_disk(&self, file: &str) -> bool {
        let rel = file.strip_prefix("./").unwrap_or(file);
        if rel.starts_with("file:") {
            return deno_core::ModuleSpecifier::parse(rel)
                .ok()
                .and_then(|u| crate::isolate::loader::plugin_relative(&u))
                .map(|r| self.root.join(r))
                .and_then(|p| p.canonicalize().ok())
                .is_some_and(|p| p.starts_with(&self.root) && p.is_file());
        }
        let path = self.root.join(rel);
        path.canonicalize()
            .is_ok_and(|p| p.starts_with(&self.root) && p.is_file())
    }

    pub(super) fn remove_breakpoint(&self, id: BreakpointId) -> Result<(), DebugError> {
        let mut st = self.state.lock();
        if !remove_bp(&mut st, id) {
            return Err(DebugError::NoSuchBreakpoint {
                plugin: self.plugin.clone(),
                id,
            });
        }
        self.rearm(&st);
        Ok(())
    }

    pub(super) fn request_pause(&self) {
        let mut st = self.state.lock();
        if st.paused.is_none() {
            st.pause_requested = true;
        }
        self.rearm(&st);
    }

    pub(super) fn resume(&self, step: Option<StepKind>) -> Result<(), DebugError> {
        let mut st = self.state.lock();
        if !self.unpause(&mut st, step) {
            return Err(DebugError::NotPaused {
                plugin: self.plugin.clone(),
            });
        }
        drop(st);
        self.wake.notify_all();
        Ok(())
    }

    /// Sends a request to the paused frame's agent; `None` when not paused.
    pub(super) fn request_paused(
        &self,
        request: serde_json::Value,
    ) -> Option<oneshot::Receiver<serde_json::Value>> {
        let mut st = self.state.lock();
        st.paused.as_ref()?;
        let (tx, rx) = oneshot::channel();
        st.queue.push_back(PausedCommand(request, tx));
        drop(st);
        self.wake.notify_all();
        Some(rx)
    }
}

pub(super) fn breakpoint(st: &DebugState, id: BreakpointId) -> Breakpoint {
    let b = &st.breakpoints[&id];
    Breakpoint {
        id,
        file: b.file.clone(),
        line: b.line,
        condition: b.condition.clone(),
        location: b.site.and_then(|s| site_location(st, s)),
    }
}

pub(super) fn site_location(st: &DebugState, site: u32) -> Option<Location> {
    let s = st.sites.get(site as usize)?;
    let script = &st.scripts[s.script].info;
    Some(Location {
        file: script.file.clone(),
        url: script.url.clone(),
        line: s.line,
        column: s.column,
    })
}

pub(super) fn remove_bp(st: &mut DebugState, id: BreakpointId) -> bool {
    let Some(bp) = st.breakpoints.remove(&id) else {
        return false;
    };
    if let Some(site) = bp.site
        && let Some(ids) = st.bp_sites.get_mut(&site)
    {
        ids.retain(|i| *i != id);
        if ids.is_empty() {
            st.bp_sites.remove(&site);
        }
    }
    true
}

/// Whether `file` (as a user names it: `main.ts`, `./lib/a.ts`, a `file:` URL, or a path
/// ending) names `script`.
pub(super) fn script_matches(script: &ScriptInfo, file: &str) -> bool {
    if file.starts_with("file:") {
        return script.url == file;
    }
    let file = file.strip_prefix("./").unwrap_or(file).replace('\\', "/");
    script.file == file || script.url.ends_with(&format!("/{file}"))
}

/// The first site on the first line at or after `line` that has one.
pub(super) fn first_site_at(st: &DebugState, script: usize, line: u32) -> Option<u32> {
    let mut best: Option<(u32, u32, u32)> = None;
    for (i, s) in st.sites.iter().enumerate() {
        if s.script != script || s.line < line {
            continue;
        }
        let key = (s.line, s.column, i as u32);
        if best.is_none_or(|b| (key.0, key.1) < (b.0, b.1)) {
            best = Some(key);
        }
    }
    best.map(|b| b.2)
}

/// The paused plugin's frames, from the stack text its agent captured (mapped to the
/// original source by the loader's source maps, which undo the instrumentation's shifts).
pub(super) fn frames(st: &DebugState, site: u32, stack: &str) -> Vec<StackFrame> {
    let mut out = Vec::new();
    for line in stack.lines() {
        let Some(rest) = line.trim().strip_prefix("at ") else {
            continue;
        };
        let rest = rest.strip_prefix("async ").unwrap_or(rest);
        let (function, loc) = match (rest.rfind(" ("), rest.strip_suffix(')')) {
            (Some(p), Some(inner)) => (rest[..p].trim(), &inner[p + 2..]),
            _ => ("", rest),
        };
        let mut parts = loc.rsplitn(3, ':');
        let (Some(col), Some(ln), Some(url)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let (Ok(ln), Ok(col)) = (ln.parse::<u32>(), col.parse::<u32>()) else {
            continue;
        };
        let Some(script) = st.scripts.iter().find(|s| s.info.url == url) else {
            // Host frames (the runtime's own modules) are not shown.
            continue;
        };
        // `Type.method [as alias]` and `new Type` name the function as `method`, `Type`.
        let function = function.split(" [as ").next().unwrap_or(function);
        let function = function.strip_prefix("new ").unwrap_or(function);
        let function = function.rsplit('.').next().unwrap_or(function);
        let function = if function == "<anonymous>" {
            ""
        } else {
            function
        };
        out.push(StackFrame {
            function: function.to_string(),
            file: script.info.file.clone(),
            url: script.info.url.clone(),
            line: ln,
            // The loader's source maps already point at the original columns.
            column: col,
        });
    }
    // The innermost frame is exactly the statement the site stands before.
    if let Some(loc) = site_location(st, site) {
        match out.first_mut() {
            Some(top) if top.url == loc.url => {
                top.line = loc.line;
                top.column = loc.column;
            }
            _ => out.insert(
                0,
                StackFrame {
                    function: String::new(),
                    file: loc.file,
                    url: loc.url,
                    line: loc.line,
                    column: loc.column,
                },
            ),
        }
    }
    out
}
