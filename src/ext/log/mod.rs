//! `qirvo.log` and `console`: each plugin's log buffer and the ops that write to it.

pub(crate) mod buffer;
pub(crate) mod ops;
