//! A plugin's thread and its JavaScript isolate: creating and binding the isolate
//! ([`worker`]), loading modules ([`loader`]), the startup snapshot and code cache, and the
//! watchdog and CPU accounting every step runs under.

pub(crate) mod codecache;
pub(crate) mod command;
pub(crate) mod cpu;
pub(crate) mod loader;
pub(crate) mod profile;
pub(crate) mod shape;
pub(crate) mod shared;
pub(crate) mod snapshot;
pub(crate) mod test_config;
pub(crate) mod watchdog;
pub(crate) mod worker;
