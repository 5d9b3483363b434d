//! Lifecycle hooks: host code that runs around a plugin's load, start, stop and unload.
//!
//! Hooks run in priority order (higher first). A critical hook that fails aborts the
//! transition (a failed `pre-load` leaves nothing allocated or registered); a non-critical
//! one is logged and the transition goes on. The runtime's own steps are hooks like any
//! other (listed with `builtin: true`), so a host can put its own around them.
//!
//! Giving a plugin's resources back is not a hook: it happens once the plugin has ended
//! (after an unload no hook refused, on failure, on abandonment), whatever hooks say.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use parking_lot::RwLock;

use crate::manifest::Manifest;
use crate::state::HookPhase;

/// What a hook is told.
#[derive(Clone)]
pub struct HookContext {
    pub phase: HookPhase,
    pub manifest: Arc<Manifest>,
}

/// A hook's failure, with its reason.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct HookError(pub String);

impl HookError {
    pub fn new(reason: impl Into<String>) -> Self {
        HookError(reason.into())
    }
}

type HookFuture = Pin<Box<dyn Future<Output = Result<(), HookError>> + Send>>;
pub(crate) type HookFn = Arc<dyn Fn(HookContext) -> HookFuture + Send + Sync>;

/// A registered hook, as listed by [`Hooks::list`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookInfo {
    pub phase: HookPhase,
    pub name: String,
    pub priority: i32,
    pub critical: bool,
    /// One of the runtime's own steps.
    pub builtin: bool,
}

/// The runtime's own steps, run where their hook stands in the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Builtin {
    /// pre-load, critical: the manifest's permissions against the runtime's policy.
    SecurityValidation,
    /// pre-load, critical: reserve the plugin's resources within the runtime's budgets.
    ResourceAllocation,
    /// post-load: make the plugin visible in `plugins()`.
    Registration,
}

#[derive(Clone)]
pub(crate) enum Action {
    Builtin(Builtin),
    Host(HookFn),
}

#[derive(Clone)]
pub(crate) struct Entry {
    pub info: HookInfo,
    pub action: Action,
    /// Registration order, to keep equal priorities stable.
    seq: u64,
}

/// The registry of hooks, from [`PluginRuntime::hooks`](crate::PluginRuntime::hooks).
#[derive(Clone)]
pub struct Hooks {
    pub(crate) inner: Arc<RwLock<Vec<Entry>>>,
}

impl Hooks {
    pub(crate) fn with_builtins() -> Hooks {
        let builtins = [
            (
                HookPhase::PreLoad,
                "security-validation",
                100,
                true,
                Builtin::SecurityValidation,
            ),
            (
                HookPhase::PreLoad,
                "resource-allocation",
                90,
                true,
                Builtin::ResourceAllocation,
            ),
            (
                HookPhase::PostLoad,
                "plugin-registration",
                100,
                false,
                Builtin::Registration,
            ),
        ];
        let entries = builtins
            .into_iter()
            .enumerate()
            .map(|(i, (phase, name, priority, critical, b))| Entry {
                info: HookInfo {
                    phase,
                    name: name.to_string(),
                    priority,
                    critical,
                    builtin: true,
                },
                action: Action::Builtin(b),
                seq: i as u64,
            })
            .collect();
        Hooks {
            inner: Arc::new(RwLock::new(entries)),
        }
    }

    /// Registers a hook. Higher `priority` runs first; a failing `critical` hook aborts
    /// the transition.
    pub fn register<F, Fut>(
        &self,
        phase: HookPhase,
        name: &str,
        priority: i32,
        critical: bool,
        hook: F,
    ) where
        F: Fn(HookContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), HookError>> + Send + 'static,
    {
        let mut entries = self.inner.write();
        let seq = entries.iter().map(|e| e.seq).max().unwrap_or(0) + 1;
        entries.push(Entry {
            info: HookInfo {
                phase,
                name: name.to_string(),
                priority,
                critical,
                builtin: false,
            },
            action: Action::Host(Arc::new(move |ctx| Box::pin(hook(ctx)))),
            seq,
        });
    }

    /// Removes the host hooks with this name in this phase; returns how many. The
    /// runtime's own steps cannot be removed.
    pub fn remove(&self, phase: HookPhase, name: &str) -> usize {
        let mut entries = self.inner.write();
        let before = entries.len();
        entries.retain(|e| e.info.builtin || e.info.phase != phase || e.info.name != name);
        before - entries.len()
    }

    /// Every hook, in the order each phase runs them.
    pub fn list(&self) -> Vec<HookInfo> {
        let mut entries = self.inner.read().clone();
        sort(&mut entries);
        entries.into_iter().map(|e| e.info).collect()
    }

    /// The hooks of one phase, in run order.
    pub(crate) fn for_phase(&self, phase: HookPhase) -> Vec<Entry> {
        let mut entries: Vec<Entry> = self
            .inner
            .read()
            .iter()
            .filter(|e| e.info.phase == phase)
            .cloned()
            .collect();
        sort(&mut entries);
        entries
    }
}

fn sort(entries: &mut [Entry]) {
    entries.sort_by(|a, b| {
        a.info
            .phase
            .cmp(&b.info.phase)
            .then(b.info.priority.cmp(&a.info.priority))
            .then(a.seq.cmp(&b.seq))
    });
}
