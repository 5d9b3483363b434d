//! `qirvo.storage` (and the files `qirvo.fs` keeps beside it): the store backends, and
//! the ops.

pub(crate) mod ops;
pub(crate) mod postgres;
pub(crate) mod store;
