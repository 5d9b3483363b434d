//! Debugging one plugin from the host: a [`DebugSession`] attached to a plugin's pause
//! state (`pause.rs`) sets breakpoints, pauses, steps, evaluates in the paused frame and
//! reads call stacks and the plugin's state.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::debug::pause::*;

use crate::host::plugin::PluginHandle;

/// A debugger attached to one plugin: from [`PluginRuntime::debug`](crate::PluginRuntime::debug).
///
/// Several sessions may attach to one plugin; each owns the breakpoints it set. Dropping a
/// session (or [`end`](DebugSession::end)) removes its breakpoints, and when it was the
/// last one, resumes the plugin.
pub struct DebugSession {
    id: u64,
    shared: Arc<DebugShared>,
    handle: PluginHandle,
    events: tokio::sync::Mutex<mpsc::UnboundedReceiver<DebugEvent>>,
    /// Forwards the plugin's log lines as events.
    log_forward: Option<tokio::task::JoinHandle<()>>,
}

impl fmt::Debug for DebugSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DebugSession")
            .field("plugin", &self.shared.plugin)
            .field("paused", &self.is_paused())
            .finish()
    }
}

impl DebugSession {
    pub(crate) fn attach(handle: PluginHandle, shared: Arc<DebugShared>) -> DebugSession {
        let (id, events) = shared.attach();
        // Log lines reach the session's events in order with the rest.
        let log_forward = tokio::runtime::Handle::try_current().ok().map(|rt| {
            let mut logs = handle.shared.logs.subscribe();
            let shared = shared.clone();
            rt.spawn(async move {
                while let Some(entry) = logs.recv().await {
                    let st = shared.state.lock();
                    match st.sessions.get(&id) {
                        Some(tx) => {
                            let _ = tx.send(DebugEvent::Log(entry));
                        }
                        None => break,
                    }
                }
            })
        });
        DebugSession {
            id,
            shared,
            handle,
            events: tokio::sync::Mutex::new(events),
            log_forward,
        }
    }

    /// The plugin being debugged.
    pub fn plugin(&self) -> &PluginHandle {
        &self.handle
    }

    /// Sets a breakpoint on `line` (1-based) of `file` (relative to the plugin directory,
    /// e.g. `main.ts`, or a `file:` URL). It stops at the first statement at or after the
    /// line. A file that exists but is not loaded yet gets a breakpoint that resolves when
    /// it is imported.
    ///
    /// # Errors
    /// [`DebugError::NoSuchFile`] for a file the plugin does not have;
    /// [`DebugError::BadLocation`] for line 0 or a line after its last statement.
    pub fn set_breakpoint(&self, file: &str, line: u32) -> Result<Breakpoint, DebugError> {
        self.shared.set_breakpoint(self.id, file, line, None)
    }

    /// A breakpoint that stops only when `condition` (an expression over the frame's
    /// variables, e.g. `order.qty > 5`) is truthy there. A condition that throws is false.
    pub fn set_conditional_breakpoint(
        &self,
        file: &str,
        line: u32,
        condition: &str,
    ) -> Result<Breakpoint, DebugError> {
        self.shared
            .set_breakpoint(self.id, file, line, Some(condition))
    }

    /// Removes a breakpoint.
    pub fn remove_breakpoint(&self, id: BreakpointId) -> Result<(), DebugError> {
        self.shared.remove_breakpoint(id)
    }

    /// Every breakpoint on the plugin (this session's and others').
    pub fn breakpoints(&self) -> Vec<Breakpoint> {
        let st = self.shared.state.lock();
        st.breakpoints
            .keys()
            .map(|id| breakpoint(&st, *id))
            .collect()
    }

    /// Keeps the plugin's breakpoints but stops (`false`) or resumes (`true`) honouring
    /// them, as DevTools' "deactivate breakpoints" does.
    pub fn set_breakpoints_active(&self, active: bool) {
        let mut st = self.shared.state.lock();
        st.breakpoints_inactive = !active;
        self.shared.rearm(&st);
    }

    /// With `true`, neither breakpoints nor `debugger;` statements stop the plugin
    /// (pause requests and steps still do), as DevTools' "skip all pauses".
    pub fn set_skip_all_pauses(&self, skip: bool) {
        let mut st = self.shared.state.lock();
        st.skip_pauses = skip;
        self.shared.rearm(&st);
    }

    /// Pauses the plugin at the next statement it runs (now, if it is running one).
    pub fn pause(&self) {
        self.shared.request_pause();
    }

    /// Lets the paused plugin go on.
    pub fn resume(&self) -> Result<(), DebugError> {
        self.shared.resume(None)
    }

    /// Runs to the next statement of this function or its caller, stepping over calls.
    pub fn step_over(&self) -> Result<(), DebugError> {
        self.shared.resume(Some(StepKind::Over))
    }

    /// Runs to the next statement, entering calls.
    pub fn step_into(&self) -> Result<(), DebugError> {
        self.shared.resume(Some(StepKind::Into))
    }

    /// Runs until the current function returns to its caller.
    pub fn step_out(&self) -> Result<(), DebugError> {
        self.shared.resume(Some(StepKind::Out))
    }

    pub(crate) fn resume_with(&self, step: Option<StepKind>) -> Result<(), DebugError> {
        self.shared.resume(step)
    }

    /// Whether the plugin is paused now.
    pub fn is_paused(&self) -> bool {
        self.shared.is_paused()
    }

    /// Where and why the plugin is paused, if it is.
    pub fn paused(&self) -> Option<Paused> {
        self.shared
            .state
            .lock()
            .paused
            .as_ref()
            .map(|p| p.paused.clone())
    }

    /// The paused plugin's call stack, innermost first.
    pub fn call_stack(&self) -> Result<Vec<StackFrame>, DebugError> {
        self.paused()
            .map(|p| p.frames)
            .ok_or_else(|| DebugError::NotPaused {
                plugin: self.shared.plugin.clone(),
            })
    }

    /// Waits until the plugin is paused (returns at once if it is).
    pub async fn wait_paused(&self, timeout: Duration) -> Result<Paused, DebugError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.shared.pause_notify.notified();
            let mut notified = std::pin::pin!(notified);
            notified.as_mut().enable();
            if let Some(p) = self.paused() {
                return Ok(p);
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.paused().ok_or_else(|| DebugError::WaitTimeout {
                    plugin: self.shared.plugin.clone(),
                });
            }
        }
    }

    /// The next event (pauses, resumes, modules loaded, log lines).
    pub async fn next_event(&self) -> Option<DebugEvent> {
        self.events.lock().await.recv().await
    }

    /// Where a module can stop: the (1-based) line and column of each statement that
    /// runs, in source order.
    pub fn breakable_locations(&self, script_id: &str) -> Vec<(u32, u32)> {
        let st = self.shared.state.lock();
        let Some(script) = st.scripts.iter().position(|s| s.info.id == script_id) else {
            return Vec::new();
        };
        let mut out: Vec<(u32, u32)> = st
            .sites
            .iter()
            .filter(|s| s.script == script)
            .map(|s| (s.line, s.column))
            .collect();
        out.sort_unstable();
        out
    }

    /// The plugin's modules, as loaded.
    pub fn scripts(&self) -> Vec<ScriptInfo> {
        let st = self.shared.state.lock();
        st.scripts.iter().map(|s| s.info.clone()).collect()
    }

    /// A module's original source, by script id.
    pub fn script_source(&self, id: &str) -> Option<String> {
        let st = self.shared.state.lock();
        st.scripts
            .iter()
            .find(|s| s.info.id == id)
            .map(|s| s.source.to_string())
    }

    /// Evaluates `expression`: in the paused frame when paused (its locals are visible),
    /// in the plugin's global scope otherwise. Breakpoints do not fire while it runs.
    ///
    /// # Errors
    /// [`DebugError::Exception`] with what the expression threw.
    pub async fn evaluate(&self, expression: &str) -> Result<RemoteValue, DebugError> {
        let frame = self.is_paused().then_some(0);
        let e = self.evaluate_raw(expression, frame).await?;
        if e.thrown {
            Err(DebugError::Exception(Box::new(e.result)))
        } else {
            Ok(e.result)
        }
    }

    /// Evaluates in the global scope, paused or not.
    pub async fn evaluate_global(&self, expression: &str) -> Result<RemoteValue, DebugError> {
        let e = self.evaluate_raw(expression, None).await?;
        if e.thrown {
            Err(DebugError::Exception(Box::new(e.result)))
        } else {
            Ok(e.result)
        }
    }

    pub(crate) async fn evaluate_raw(
        &self,
        expression: &str,
        frame: Option<usize>,
    ) -> Result<Evaluation, DebugError> {
        let request =
            serde_json::json!({ "op": "evaluate", "expression": expression, "frame": frame });
        let value = self.request(request).await?;
        serde_json::from_value(value).map_err(|e| DebugError::Protocol(e.to_string()))
    }

    /// The own properties of an object a [`RemoteValue`] refers to.
    pub async fn properties(&self, object_id: &str) -> Result<Vec<PropertyInfo>, DebugError> {
        let value = self
            .request(serde_json::json!({ "op": "properties", "objectId": object_id }))
            .await?;
        if value.get("missing").is_some() {
            return Err(DebugError::NoSuchObject(object_id.to_string()));
        }
        serde_json::from_value(value["result"].clone())
            .map_err(|e| DebugError::Protocol(e.to_string()))
    }

    /// The scopes of the paused frame (local, module, global), for a variables view.
    pub async fn scopes(&self) -> Result<Vec<ScopeInfo>, DebugError> {
        if !self.is_paused() {
            return Err(DebugError::NotPaused {
                plugin: self.shared.plugin.clone(),
            });
        }
        let value = self.request(serde_json::json!({ "op": "scopes" })).await?;
        serde_json::from_value(value).map_err(|e| DebugError::Protocol(e.to_string()))
    }

    /// A request to the plugin's debug agent: run by the paused thread when paused,
    /// otherwise as a step of its own, with the plugin's deadline.
    async fn request(&self, request: serde_json::Value) -> Result<serde_json::Value, DebugError> {
        if let Some(rx) = self.shared.request_paused(request.clone()) {
            return rx
                .await
                .map_err(|_| DebugError::Protocol("the plugin resumed before answering".into()));
        }
        Ok(self.handle.debug_request(request).await?)
    }

    /// The plugin's lifecycle state, resources, metrics, scheduled tasks and recent logs.
    pub fn plugin_state(&self) -> PluginDebugState {
        let h = &self.handle;
        let runtime = h.runtime.upgrade();
        let id = h.id().to_string();
        PluginDebugState {
            state: h.state(),
            paused: self.is_paused(),
            allocation: runtime.as_ref().and_then(|r| r.resources.get(&id)),
            heap: h.heap(),
            metrics: crate::host::metrics::snapshot(std::slice::from_ref(h))
                .plugins
                .into_iter()
                .next(),
            tasks: runtime
                .as_ref()
                .map(|r| {
                    r.scheduler
                        .list()
                        .into_iter()
                        .filter(|t| {
                            matches!(&t.owner, crate::ext::scheduler::schedule::TaskOwner::Plugin(p) if *p == id)
                        })
                        .collect()
                })
                .unwrap_or_default(),
            logs: h.logs(),
            id,
        }
    }

    /// Ends the session: removes its breakpoints and, if it was the last, resumes.
    pub fn end(self) {}
}

impl Drop for DebugSession {
    fn drop(&mut self) {
        if let Some(task) = self.log_forward.take() {
            task.abort();
        }
        self.shared.detach(self.id);
    }
}
