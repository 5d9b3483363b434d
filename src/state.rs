//! What a plugin is at a moment, as the host and the plugin's thread both see it: its
//! lifecycle state, the hook points between states, its heap and its exports. Every folder
//! uses these; they use nothing of the crate.

use std::fmt;

use crate::manifest::ByteSize;

/// Where a plugin is in its lifecycle. Serialized (and displayed) as its lowercase
/// name: `"running"`, `"error"`, …
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PluginState {
    Unloaded,
    Initializing,
    Initialized,
    Starting,
    Running,
    Stopping,
    Stopped,
    /// A lifecycle step failed, or the plugin exhausted its memory; its isolate is gone.
    Error,
}

impl PluginState {
    pub fn as_str(self) -> &'static str {
        match self {
            PluginState::Unloaded => "unloaded",
            PluginState::Initializing => "initializing",
            PluginState::Initialized => "initialized",
            PluginState::Starting => "starting",
            PluginState::Running => "running",
            PluginState::Stopping => "stopping",
            PluginState::Stopped => "stopped",
            PluginState::Error => "error",
        }
    }
}

impl fmt::Display for PluginState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `pad`, so a width in a format string (a status table's column) applies.
        f.pad(self.as_str())
    }
}

/// Heap figures of a plugin's isolate, as of its last step.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HeapStats {
    /// Heap in use.
    pub used: ByteSize,
    /// Highest `used` seen.
    pub peak: ByteSize,
    /// The plugin's heap limit (`resources.memory`).
    pub limit: ByteSize,
}

/// One health check of one plugin ([`PluginHandle::health`](crate::PluginHandle::health)).
#[derive(Debug, Clone, PartialEq)]
pub struct HealthReport {
    pub healthy: bool,
    /// What is wrong, one line each; empty when healthy.
    pub issues: Vec<String>,
    pub checked_at: std::time::SystemTime,
    /// How long the check took.
    pub took: std::time::Duration,
}

/// When a hook runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HookPhase {
    PreLoad,
    PostLoad,
    PreStart,
    PostStart,
    PreStop,
    PostStop,
    PreUnload,
    PostUnload,
}

impl HookPhase {
    pub fn as_str(self) -> &'static str {
        match self {
            HookPhase::PreLoad => "pre-load",
            HookPhase::PostLoad => "post-load",
            HookPhase::PreStart => "pre-start",
            HookPhase::PostStart => "post-start",
            HookPhase::PreStop => "pre-stop",
            HookPhase::PostStop => "post-stop",
            HookPhase::PreUnload => "pre-unload",
            HookPhase::PostUnload => "post-unload",
        }
    }
}

impl fmt::Display for HookPhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One export of a plugin's entry module ([`PluginHandle::exports`]).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ExportInfo {
    /// The export's name (`default` for the default export).
    pub name: String,
    /// Whether it is a function, i.e. callable with [`PluginHandle::call`].
    pub function: bool,
    /// A function's declared parameter count (its `length`: parameters before the first
    /// one with a default or a rest parameter); `None` when it is not a plain data property.
    pub params: Option<u32>,
}
