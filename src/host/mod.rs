//! What a Rust host holds: the runtime ([`runtime`]), plugin handles ([`plugin`]), and
//! what the runtime does around plugins: lifecycle hooks, resource budgets, health
//! checks, metrics, the warm isolate pool, and the test runner.

pub(crate) mod config;
pub(crate) mod coverage;
pub(crate) mod health;
pub(crate) mod hooks;
pub(crate) mod metrics;
pub(crate) mod plugin;
pub(crate) mod pool;
pub(crate) mod resources;
pub(crate) mod runtime;
pub(crate) mod security; // SECURITY (issue 17)
pub mod testing;
