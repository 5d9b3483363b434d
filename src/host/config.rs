//! Runtime-wide configuration, validated once by [`PluginRuntime::new`](crate::PluginRuntime::new).

use std::path::PathBuf;
use std::time::Duration;

use crate::error::ConfigError;
use crate::ext::log::buffer::LogSink;
use std::collections::BTreeSet;

use crate::ext::storage::store::StorageKind;
use crate::host::resources::Budgets;
use crate::manifest::{Permission, RestartPolicy};

/// How a [`PluginRuntime`](crate::PluginRuntime) runs its plugins.
#[derive(Clone)]
pub struct RuntimeConfig {
    /// Where plugin data (storage, files, caches) lives. Default `./.qirvo`.
    pub data_dir: PathBuf,
    /// Log lines kept per plugin for [`PluginHandle::logs`](crate::PluginHandle::logs).
    /// Default 1000; at least 1.
    pub log_capacity: usize,
    /// Native stack size of each plugin thread. Default 8 MiB; at least 2 MiB. The JS
    /// stack limit is set well inside it, so deep recursion is a `RangeError` in the
    /// plugin, never a crash.
    pub thread_stack_size: usize,
    /// Most plugins loaded at once. Default 1024.
    pub max_plugins: usize,
    /// Receives every plugin log line as it is written. Default none (lines still go to
    /// `tracing` and the per-plugin buffer).
    pub log_sink: Option<LogSink>,
    /// What happens to a plugin killed for memory or a lifecycle timeout, unless its
    /// manifest says otherwise. Default [`RestartPolicy::Never`].
    pub restart: RestartPolicy,
    /// The sliding window over which a plugin's CPU share is measured against
    /// `resources.cpu`. Default 10 s; at least 100 ms.
    pub cpu_window: Duration,
    /// How long a plugin that went over its CPU share stays throttled. Default 60 s.
    pub cpu_cooldown: Duration,
    /// The store behind `qirvo.storage`. Default SQLite under `data_dir`.
    /// [`StorageKind::Postgres`] is fleet mode: several runtimes (processes, machines)
    /// on one database share plugin storage, events and scheduled runs.
    pub storage: StorageKind,
    /// Budgets across all plugins (memory, storage, connections). Default unlimited.
    pub budgets: Budgets,
    /// Permissions plugins may be granted; a manifest asking for another fails the
    /// `security-validation` hook. Default `None`: every permission may be granted.
    pub allowed_permissions: Option<BTreeSet<Permission>>,
    /// How often every plugin's health is checked. Default 30 s; `None` turns the
    /// periodic check off ([`PluginRuntime::check_health`](crate::PluginRuntime::check_health)
    /// still works).
    pub health_interval: Option<Duration>,
    /// Keep transpiled TypeScript under `<data_dir>/cache/transpiled/` (one hour, at most
    /// 64 MiB) so a plugin loaded again skips transpiling. Default true.
    pub code_cache: bool,
    /// Load plugins ready for a debugger ([`PluginRuntime::debug`](crate::PluginRuntime::debug),
    /// `qirvo run --inspect`): their code is instrumented so breakpoints, stepping and call
    /// stacks work on every engine. Each statement then reads a flag (tight loops run ~4×
    /// slower with nothing armed; BENCHMARKS.md); off by default.
    pub debug: bool,
    /// With `debug`: each instrumented statement also counts its executions, for
    /// statement coverage (`qirvo test --coverage`, [`crate::host::testing::TestOptions`]).
    /// Default false: a debugging session does not pay for counting.
    pub coverage: bool,
    /// Isolates kept ready (web platform and bootstrap evaluated, each on its own thread)
    /// so `load` skips making one: about 5 MB each. They fit plugins with the heap limit and
    /// network grant of the last plugin loaded (at first: 128MB, no network); plugins
    /// granted `filesystem-access` always get a new isolate. An isolate is never used
    /// twice. Default 0 (off).
    pub warm_isolates: usize,
    /// Start isolates from the startup snapshot (the web platform already evaluated): made
    /// once per process in the background (about 2.5 s of CPU on the quickjs engine) and
    /// kept under `<data_dir>/cache/snapshot/`. Default true; false makes every isolate
    /// evaluate the web platform itself.
    pub startup_snapshot: bool,
    /// With `debug`: every plugin pauses at its first statement until a debugger resumes
    /// it (`qirvo run --inspect-brk`). Default false.
    pub break_on_start: bool,
    /// The host's own functions for its plugins (`qirvo.host.<namespace>.<function>`),
    /// each gated by a permission it declares. Default empty: a manifest naming a host
    /// permission fails to load.
    pub host_api: crate::ext::host_api::registry::HostApi,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        RuntimeConfig {
            data_dir: PathBuf::from(".qirvo"),
            log_capacity: 1000,
            thread_stack_size: 8 * 1024 * 1024,
            max_plugins: 1024,
            log_sink: None,
            restart: RestartPolicy::Never,
            cpu_window: Duration::from_secs(10),
            cpu_cooldown: Duration::from_secs(60),
            storage: StorageKind::Sqlite,
            budgets: Budgets::default(),
            allowed_permissions: None,
            health_interval: Some(Duration::from_secs(30)),
            code_cache: true,
            debug: false,
            coverage: false,
            break_on_start: false,
            warm_isolates: 0,
            startup_snapshot: true,
            host_api: crate::ext::host_api::registry::HostApi::default(),
        }
    }
}

impl std::fmt::Debug for RuntimeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuntimeConfig")
            .field("data_dir", &self.data_dir)
            .field("log_capacity", &self.log_capacity)
            .field("thread_stack_size", &self.thread_stack_size)
            .field("max_plugins", &self.max_plugins)
            .field("log_sink", &self.log_sink.is_some())
            .field("restart", &self.restart)
            .field("cpu_window", &self.cpu_window)
            .field("cpu_cooldown", &self.cpu_cooldown)
            .field("storage", &self.storage)
            .field("budgets", &self.budgets)
            .field("allowed_permissions", &self.allowed_permissions)
            .field("health_interval", &self.health_interval)
            .field("code_cache", &self.code_cache)
            .field("debug", &self.debug)
            .field("break_on_start", &self.break_on_start)
            .field("warm_isolates", &self.warm_isolates)
            .field("startup_snapshot", &self.startup_snapshot)
            .field("host_api", &self.host_api)
            .finish()
    }
}

impl RuntimeConfig {
    /// Sets [`log_sink`](Self::log_sink).
    pub fn with_log_sink(
        mut self,
        sink: impl Fn(&crate::LogEntry) + Send + Sync + 'static,
    ) -> Self {
        self.log_sink = Some(std::sync::Arc::new(sink));
        self
    }

    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        if self.log_capacity == 0 {
            return Err(ConfigError {
                field: "log_capacity",
                reason: "must be at least 1".into(),
            });
        }
        if self.thread_stack_size < 2 * 1024 * 1024 {
            return Err(ConfigError {
                field: "thread_stack_size",
                reason: format!(
                    "{} bytes is less than the 2 MiB minimum",
                    self.thread_stack_size
                ),
            });
        }
        if self.warm_isolates > 64 {
            return Err(ConfigError {
                field: "warm_isolates",
                reason: format!(
                    "{} is more than 64 (each holds about 5 MB and a thread)",
                    self.warm_isolates
                ),
            });
        }
        if self.max_plugins == 0 {
            return Err(ConfigError {
                field: "max_plugins",
                reason: "must be at least 1".into(),
            });
        }
        if self.cpu_window < Duration::from_millis(100) {
            return Err(ConfigError {
                field: "cpu_window",
                reason: format!("{:?} is shorter than the 100 ms minimum", self.cpu_window),
            });
        }
        if self
            .health_interval
            .is_some_and(|d| d < Duration::from_millis(10))
        {
            return Err(ConfigError {
                field: "health_interval",
                reason: "must be at least 10 ms".into(),
            });
        }
        if let StorageKind::Postgres(pg) = &self.storage {
            pg.validate()
                .map_err(|(field, reason)| ConfigError { field, reason })?;
        }
        if self.data_dir.as_os_str().is_empty() {
            return Err(ConfigError {
                field: "data_dir",
                reason: "must not be empty".into(),
            });
        }
        Ok(())
    }
}
