//! The Rust ops behind the `qirvo` global, one file per capability.
//!
//! Each capability is its own `extension!`. A capability a plugin's manifest does not
//! grant is not registered in its isolate at all, and every op still checks the grant in
//! Rust: the JS wrappers in `js/` are convenience, these ops are the boundary.

pub(crate) mod events;
pub(crate) mod fetch;
pub(crate) mod fs;
pub(crate) mod host;
pub(crate) mod host_api;
pub(crate) mod intl;
pub(crate) mod log;
pub(crate) mod names;
pub(crate) mod scheduler;
pub(crate) mod storage;

/// A plugin thread's inbox as the event bus and the scheduler see it: they post events and
/// due tasks to it without knowing the thread's command type. `host::plugin` implements it
/// over the plugin's command channel (holding it weakly, so a subscription or a task never
/// keeps a plugin's thread alive), so `ext/` imports nothing above it.
pub(crate) trait Inbox: Send + Sync {
    /// Queues an event for the plugin's handlers; false when its thread is gone.
    fn post_event(&self, event: events::bus::EventDelivery) -> bool;
    /// Queues a due task; false when the plugin's thread is gone.
    fn post_task(&self, task: scheduler::schedule::TaskRun) -> bool;
}
