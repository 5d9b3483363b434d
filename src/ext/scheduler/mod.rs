//! `qirvo.scheduler`: the runtime's schedule of plugin tasks, and its ops.

pub(crate) mod ops;
pub(crate) mod schedule;
