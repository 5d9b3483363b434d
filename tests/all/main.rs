//! Integration tests: one binary, driving only the public API and the built `qirvo`.

mod backstop;
mod cli;
mod debug;
mod engine_interrupts;
mod events;
mod fetch;
mod files;
mod health;
mod helpers;
mod hooks;
mod hostile_files;
mod host_api;
mod http;
mod inspector;
mod lifecycle;
mod limits;
mod loading;
mod metrics;
mod op_inputs;
mod pool;
mod profile;
mod sandbox;
mod scheduler;
mod snapshot;
mod storage;
mod stress;
