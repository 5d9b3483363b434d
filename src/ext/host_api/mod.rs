//! `qirvo.host`: the host application's own functions (the registry a host builds), their
//! ops, and the TypeScript declarations generated for them.

pub(crate) mod ops;
pub(crate) mod registry;
pub(crate) mod typescript;
