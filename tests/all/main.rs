//! Integration tests: one binary, driving only the public API and the built `qirvo`.

mod backstop;
mod cli;
mod cli_more;
mod debug;
mod debug_shutdown;
mod engine_interrupts;
mod engine_memory;
mod events;
mod fetch;
mod files;
// FLEET (issue 18): PostgreSQL fleet mode.
mod fleet;
mod globals;
mod health;
mod helpers;
mod hooks;
mod host_api;
mod hostile_files;
mod hostile_values;
mod http;
mod inspector;
mod intl;
mod json_depth;
mod lifecycle;
mod limits;
mod loading;
mod manifest_schema;
mod metrics;
mod npm; // issue 19
mod op_inputs;
mod pool;
mod profile;
mod random;
mod sandbox;
mod scheduler;
mod security; // SECURITY (issue 17)
mod snapshot;
mod storage;
mod stress;
mod test_runner;
mod typings;
mod web_fetch;
mod web_platform;
mod webcrypto;
