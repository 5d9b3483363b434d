//! `fetch`: the network policy a plugin's requests are checked against, the ops that
//! send them, the bodies they stream, and the web classes around them.

pub(crate) mod api;
pub(crate) mod body;
pub(crate) mod ops;
pub(crate) mod policy;
