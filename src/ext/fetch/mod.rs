//! `fetch`: the network policy a plugin's requests are checked against, and the ops that
//! send them.

pub(crate) mod ops;
pub(crate) mod policy;
