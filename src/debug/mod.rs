//! The debugger: source instrumentation ([`instrument`]), the pause state and sessions a
//! host drives ([`session`]), the agent's ops, and the Chrome DevTools server
//! ([`inspector`]).

pub(crate) mod inspector;
pub(crate) mod instrument;
pub(crate) mod ops;
pub(crate) mod pause;
pub(crate) mod session;
