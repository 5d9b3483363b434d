//! `qirvo.events`: the bus that carries events between plugins and the host, and its ops.

pub(crate) mod bus;
pub(crate) mod ops;
