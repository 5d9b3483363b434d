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
pub(crate) mod log;
pub(crate) mod names;
pub(crate) mod scheduler;
pub(crate) mod storage;
