//! [`PluginRuntime`]: loads plugins, keeps the registry, owns the watchdog.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use parking_lot::{Mutex, RwLock};
use tokio::sync::{mpsc, oneshot};

use crate::error::BudgetError;
use crate::error::{LoadError, PluginError, PurgeError, RuntimeError};
use crate::ext::events::bus::{Bus, Events};
use crate::ext::log::buffer::LogBuffer;
use crate::ext::scheduler::schedule::{Schedule, Scheduler};
use crate::ext::storage::store::{self, StoreBackend};
use crate::host::config::RuntimeConfig;
use crate::host::health::{self, HealthReport};
use crate::host::hooks::{Action, Builtin, HookContext, Hooks};
use crate::host::metrics::{self, RuntimeMetrics, RuntimeSeries};
use crate::host::plugin::{Command, PluginHandle};
use crate::host::resources::{Allocation, ResourceManager, ResourceUsage};
use crate::host::security::Security;
use crate::isolate::shape::Shape;
use crate::isolate::shared::{Holdings, Shared};
use crate::isolate::watchdog::Watchdog;
use crate::isolate::worker::{self, WorkerSpec};
use crate::manifest::ByteSize;
use crate::manifest::Manifest;
use crate::state::HookPhase;
use crate::state::{HeapStats, PluginState};

/// The plugin engine. Cheap to clone (an `Arc` inside), `Send + Sync`.
///
/// Dropping the last clone shuts every plugin down: each is stopped (its `stop()` and
/// cleanup tasks run) and its isolate disposed, on its own thread. Await
/// [`shutdown`](Self::shutdown) to wait for that to finish.
#[derive(Clone)]
pub struct PluginRuntime {
    inner: Arc<RuntimeInner>,
}

pub(crate) struct RuntimeInner {
    config: RuntimeConfig,
    storage: Arc<dyn StoreBackend>,
    pub(crate) bus: Arc<Bus>,
    pub(crate) watchdog: Arc<Watchdog>,
    /// Plugin threads the backstop gave up on since the runtime started.
    pub(crate) abandoned: Arc<std::sync::atomic::AtomicU64>,
    plugins: RwLock<BTreeMap<String, PluginHandle>>,
    /// Ids being loaded (not yet registered).
    reserved: Mutex<HashSet<String>>,
    /// Plugins being loaded, so a debugger can attach before `initialize` ends.
    loading: Mutex<BTreeMap<String, Arc<Shared>>>,
    hooks: Hooks,
    pub(crate) resources: Arc<ResourceManager>,
    pub(crate) series: RuntimeSeries,
    pub(crate) scheduler: Scheduler,
    /// Warm isolates, when configured.
    pool: Option<Arc<crate::host::pool::Pool>>,
    /// Stops the runtime's jobs thread (health checks) when the runtime goes.
    jobs_stop: Arc<tokio::sync::Notify>,
    /// Test hook: plugins loaded from now on get `__qirvoTestBlockNative(ms)`.
    test_block_native: std::sync::atomic::AtomicBool,
    /// The security monitor (issue 17).
    pub(crate) security: Security,
}

impl std::fmt::Debug for PluginRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PluginRuntime")
            .field("config", &self.inner.config)
            .field(
                "plugins",
                &self.inner.plugins.read().keys().collect::<Vec<_>>(),
            )
            .finish()
    }
}

fn init_engine() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        // Both engines read the JS stack budget from this flag.
        deno_core::v8_set_flags(vec![
            String::new(),
            format!("--stack-size={}", worker::JS_STACK_KIB),
        ]);
    });
}

impl PluginRuntime {
    /// Creates a runtime.
    ///
    /// # Errors
    /// [`RuntimeError::Config`] naming the setting when `config` is invalid;
    /// [`RuntimeError::Spawn`] when one of the runtime's threads cannot be started.
    pub fn new(config: RuntimeConfig) -> Result<PluginRuntime, RuntimeError> {
        config.validate()?;
        init_engine();
        if config.startup_snapshot {
            crate::isolate::snapshot::prepare(&config.data_dir);
        }
        let watchdog = Watchdog::spawn().map_err(|source| RuntimeError::Spawn {
            thread: "watchdog",
            source,
        })?;
        let bus = Bus::new();
        let scheduler = Scheduler::new();
        let pool = (config.warm_isolates > 0 && !config.debug).then(|| {
            crate::host::pool::Pool::new(
                config.warm_isolates,
                config.startup_snapshot,
                config.thread_stack_size,
                bus.clone(),
                scheduler.clone(),
                Shape {
                    memory: ByteSize::mib(128),
                    network: false,
                },
            )
        });
        let runtime = PluginRuntime {
            inner: Arc::new(RuntimeInner {
                pool,
                storage: store::backend(&config.storage, config.data_dir.clone()),
                resources: Arc::new(ResourceManager::new(
                    config.budgets.clone(),
                    config.max_plugins,
                )),
                bus,
                config,
                watchdog: Arc::new(watchdog),
                abandoned: Default::default(),
                plugins: RwLock::new(BTreeMap::new()),
                reserved: Mutex::new(HashSet::new()),
                loading: Mutex::new(BTreeMap::new()),
                hooks: Hooks::with_builtins(),
                jobs_stop: Arc::new(tokio::sync::Notify::new()),
                test_block_native: Default::default(),
                series: RuntimeSeries::new(),
                scheduler,
                security: Security::new(),
            }),
        };
        *runtime.inner.security.inner.runtime.lock() = Arc::downgrade(&runtime.inner);
        // FLEET (issue 18): a store shared by a fleet also carries events and claims runs.
        if let Some(seams) = runtime.inner.storage.fleet() {
            runtime.inner.bus.attach(seams.events);
            runtime.inner.scheduler.attach(seams.claims);
        }
        if let Some(interval) = runtime.inner.config.health_interval {
            // The enforcement pass, also a host job.
            let weak = Arc::downgrade(&runtime.inner);
            runtime.inner.scheduler.schedule(
                "resource-enforcement",
                Schedule::Every(interval),
                move || {
                    let weak = weak.clone();
                    async move {
                        if let Some(inner) = weak.upgrade() {
                            PluginRuntime { inner }.enforce_resources().await;
                        }
                    }
                },
            );
            // The health pass is a host job like any other.
            let weak = Arc::downgrade(&runtime.inner);
            runtime
                .inner
                .scheduler
                .schedule("health-check", Schedule::Every(interval), move || {
                    let weak = weak.clone();
                    async move {
                        if let Some(inner) = weak.upgrade() {
                            let started = std::time::Instant::now();
                            let n = PluginRuntime { inner }.check_health().await.len();
                            tracing::debug!(target: "qirvo::health", plugins = n, took = ?started.elapsed(), "health pass");
                        }
                    }
                });
        }
        spawn_jobs(
            runtime.inner.scheduler.clone(),
            runtime.inner.jobs_stop.clone(),
        )
        .map_err(|source| RuntimeError::Spawn {
            thread: "jobs",
            source,
        })?;
        Ok(runtime)
    }

    /// The configuration this runtime was created with.
    pub fn config(&self) -> &RuntimeConfig {
        &self.inner.config
    }

    /// Loads the plugin in `dir`: validates its manifest, creates its isolate on a new
    /// thread, evaluates its entry module and runs `initialize(ctx)`. Returns once the
    /// plugin is `initialized`.
    ///
    /// # Errors
    /// [`LoadError::Manifest`] for a bad manifest, [`LoadError::AlreadyLoaded`] when the id
    /// is taken, [`LoadError::Module`] when its code cannot be resolved or compiled, and
    /// [`LoadError::Plugin`] when evaluation or `initialize` throws, times out or runs out
    /// of memory. A failed load leaves nothing registered.
    pub async fn load(&self, dir: impl AsRef<Path>) -> Result<PluginHandle, LoadError> {
        let (manifest, root) = read_manifest(dir.as_ref()).await?;
        self.load_manifest(manifest, root, LoadMode::Normal).await
    }

    /// Proves that a plugin's new version loads without running any of it but its
    /// modules: reads the manifest, resolves, transpiles and evaluates the entry module in
    /// a fresh isolate (module top-level code runs; `initialize` and the rest of the
    /// lifecycle do not), lists its exports, then disposes the isolate. Hooks run as for
    /// [`load`](Self::load), and the id is reserved meanwhile, so check a version of a
    /// plugin this runtime has loaded from a scratch runtime (`qirvo run --watch` does).
    ///
    /// # Errors
    /// As [`load`](Self::load), except that nothing of `initialize` can fail.
    pub async fn check(&self, dir: impl AsRef<Path>) -> Result<Vec<crate::ExportInfo>, LoadError> {
        let (manifest, root) = read_manifest(dir.as_ref()).await?;
        let handle = self
            .load_manifest(manifest, root, LoadMode::EvaluateOnly)
            .await?;
        let exports = handle.exports();
        handle.unload().await.map_err(LoadError::Plugin)?;
        Ok(exports)
    }

    /// Loads a plugin with a test file as its entry module, in test mode (`qirvo.test`,
    /// `qirvo.assert`, fetch stubs). Used by [`testing`](crate::host::testing).
    /// TESTRUNNER (issue 16): `config` is merged over the manifest's `config` (its keys win)
    /// before the plugin's `initialize` runs (`qirvo test --config`).
    pub(crate) async fn load_for_test(
        &self,
        dir: &Path,
        test_file: &Path,
        config: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<PluginHandle, LoadError> {
        let root = dir.canonicalize().map_err(|source| LoadError::Directory {
            dir: dir.to_path_buf(),
            source,
        })?;
        let mut manifest = Manifest::from_dir(&root)?;
        manifest.main = test_file.to_path_buf();
        for (k, v) in config {
            manifest.config.insert(k.clone(), v.clone());
        }
        self.load_manifest(manifest, root, LoadMode::Test).await
    }

    async fn load_manifest(
        &self,
        manifest: Manifest,
        root: PathBuf,
        mode: LoadMode,
    ) -> Result<PluginHandle, LoadError> {
        let test_mode = mode == LoadMode::Test;
        let inner = &self.inner;
        let id = manifest.id.clone();
        // HOSTAPI (issue 14): host permissions must be declared by this runtime's host API.
        inner.config.host_api.check_manifest(
            &manifest,
            &root.join(crate::manifest::MANIFEST_FILE),
            test_mode,
        )?;
        let manifest = Arc::new(manifest);
        // Reserve the id: two loads of one id cannot both proceed.
        {
            let mut reserved = inner.reserved.lock();
            if inner.plugins.read().contains_key(&id) || !reserved.insert(id.clone()) {
                return Err(LoadError::AlreadyLoaded { id });
            }
        }
        let result = self.load_reserved(manifest, root, mode).await;
        inner.loading.lock().remove(&id);
        inner.reserved.lock().remove(&id);
        result
    }

    async fn load_reserved(
        &self,
        manifest: Arc<Manifest>,
        root: PathBuf,
        mode: LoadMode,
    ) -> Result<PluginHandle, LoadError> {
        let inner = &self.inner;
        let id = manifest.id.clone();
        let (tx, rx) = mpsc::unbounded_channel::<Command>();
        let shared = self.new_shared(&manifest, &root, mode, tx);
        let handle = PluginHandle {
            shared: shared.clone(),
            runtime: Arc::downgrade(inner),
        };
        if shared.debug.is_some() {
            inner.loading.lock().insert(id.clone(), shared.clone());
        }

        // pre-load: security validation and resource allocation are hooks too. A critical
        // failure leaves nothing allocated or registered.
        if let Err(e) = inner
            .run_hooks(HookPhase::PreLoad, &manifest, &handle)
            .await
        {
            shared.end();
            return Err(e.into_load_error(&id));
        }

        let (ready_tx, ready_rx) = oneshot::channel();
        let spec = self.worker_spec(&manifest, &shared, root);
        let result = match self.start_worker(&shared, spec, rx, ready_tx) {
            Err(source) => Err(LoadError::Thread {
                id: id.clone(),
                source,
            }),
            Ok(()) => Self::wait_ready(&shared, &handle, &id, ready_rx).await,
        };
        if let Err(e) = result {
            shared.end();
            return Err(e);
        }
        // post-load: registration (builtin) and the host's hooks. These are after the fact:
        // a critical failure here unloads the plugin again.
        if let Err(e) = inner
            .run_hooks(HookPhase::PostLoad, &manifest, &handle)
            .await
        {
            let _ = handle.unload().await;
            return Err(e.into_load_error(&id));
        }
        tracing::info!(target: "qirvo::lifecycle", plugin = %id, "loaded");
        Ok(handle)
    }

    /// The state a loading plugin shares between host and thread, before anything of it
    /// runs: `Unloaded`, its heap limit from `resources.memory`, `tx` its command queue.
    fn new_shared(
        &self,
        manifest: &Arc<Manifest>,
        root: &Path,
        mode: LoadMode,
        tx: mpsc::UnboundedSender<Command>,
    ) -> Arc<Shared> {
        let inner = &self.inner;
        let id = &manifest.id;
        let logs = Arc::new(LogBuffer::new(
            id,
            inner.config.log_capacity,
            inner.config.log_sink.clone(),
        ));
        Arc::new(Shared {
            manifest: manifest.clone(),
            dir: root.to_path_buf(),
            state: Mutex::new(PluginState::Unloaded),
            logs,
            heap: Mutex::new(HeapStats {
                limit: manifest.resources.memory,
                ..Default::default()
            }),
            target: Mutex::new(None),
            tx,
            clock: Default::default(),
            cpu: Default::default(),
            restarts: Default::default(),
            health: Default::default(),
            counters: Default::default(),
            test_mode: mode == LoadMode::Test,
            last_call_us: std::sync::atomic::AtomicU64::new(u64::MAX),
            abandoned: Default::default(),
            abandon_wake: Default::default(),
            exports: Default::default(),
            evaluate_only: mode == LoadMode::EvaluateOnly,
            holdings: Holdings {
                bus: inner.bus.clone(),
                scheduler: inner.scheduler.clone(),
                resources: inner.resources.clone(),
            },
            ended: Default::default(),
            debug: inner.config.debug.then(|| {
                crate::debug::pause::DebugShared::new(
                    id,
                    root.to_path_buf(),
                    inner.config.break_on_start,
                    inner.config.coverage,
                )
            }),
        })
    }

    /// What the plugin thread needs from this runtime. Must be called on the runtime
    /// `load` runs on: async host functions are bound to it.
    fn worker_spec(&self, manifest: &Manifest, shared: &Arc<Shared>, root: PathBuf) -> WorkerSpec {
        let inner = &self.inner;
        WorkerSpec {
            restart: manifest.restart.unwrap_or(inner.config.restart),
            cpu_window: inner.config.cpu_window,
            cpu_cooldown: inner.config.cpu_cooldown,
            shared: shared.clone(),
            root,
            watchdog: inner.watchdog.clone(),
            stack_size: inner.config.thread_stack_size,
            storage: inner.storage.clone(),
            bus: inner.bus.clone(),
            data_dir: inner.config.data_dir.clone(),
            scheduler: inner.scheduler.clone(),
            code_cache: inner.config.code_cache,
            startup_snapshot: inner.config.startup_snapshot,
            // HOSTAPI (issue 14): async host functions run on the runtime `load` runs on.
            host_api: inner
                .config
                .host_api
                .on_runtime(tokio::runtime::Handle::try_current().ok()),
            abandoned: inner.abandoned.clone(),
            test_block_native: inner
                .test_block_native
                .load(std::sync::atomic::Ordering::Relaxed),
            security: inner.security.reporter(&manifest.id),
        }
    }

    /// Hands the plugin to a warm isolate if one fits, or spawns a new thread for it.
    ///
    /// # Errors
    /// The OS refused the new thread.
    fn start_worker(
        &self,
        shared: &Shared,
        spec: WorkerSpec,
        rx: mpsc::UnboundedReceiver<Command>,
        ready_tx: oneshot::Sender<Result<(), LoadError>>,
    ) -> std::io::Result<()> {
        // A warm isolate if one fits; a new one made for it otherwise.
        let pooled = match (&self.inner.pool, Shape::needed(shared)) {
            (Some(pool), Some(shape)) => pool
                .claim(
                    shape,
                    Box::new(worker::Claim {
                        spec,
                        rx,
                        ready: ready_tx,
                    }),
                )
                .map_err(|c| (c.spec, c.rx, c.ready)),
            _ => Err((spec, rx, ready_tx)),
        };
        match pooled {
            Ok(()) => Ok(()),
            Err((spec, rx, ready_tx)) => worker::spawn(spec, rx, ready_tx),
        }
    }

    /// Waits for the plugin thread to report evaluation + `initialize`.
    ///
    /// # Errors
    /// What the thread reported; [`LoadError::Module`] if it ended without a word;
    /// [`PluginError::Timeout`] if the watchdog abandoned it meanwhile.
    async fn wait_ready(
        shared: &Shared,
        handle: &PluginHandle,
        id: &str,
        ready_rx: oneshot::Receiver<Result<(), LoadError>>,
    ) -> Result<(), LoadError> {
        // The backstop covers loading too: evaluation or initialize stuck past its
        // deadline plus the grace fails the load, without waiting for the thread.
        let abandoned = shared.abandon_wake.notified();
        let mut abandoned = std::pin::pin!(abandoned);
        abandoned.as_mut().enable();
        let gone = || LoadError::Module {
            id: id.to_owned(),
            message: "the plugin thread ended while loading".into(),
        };
        tokio::select! {
            biased;
            r = ready_rx => r.unwrap_or_else(|_| Err(gone())),
            _ = async {
                if !shared.is_abandoned() {
                    abandoned.await;
                }
            } => Err(handle.unresponsive().map(|e| match e {
                PluginError::Unresponsive { id, phase: Some(phase), limit, .. } => {
                    LoadError::Plugin(PluginError::Timeout { id, phase, limit })
                }
                other => LoadError::Plugin(other),
            }).unwrap_or_else(gone)),
        }
    }

    /// Checks every plugin's health now; returns each plugin's report.
    pub async fn check_health(&self) -> Vec<(String, HealthReport)> {
        let plugins = self.plugins();
        // FLEET (issue 18): a store over the network is probed once per pass.
        let store = self.inner.storage.clone();
        let storage = tokio::task::spawn_blocking(move || store.probe())
            .await
            .unwrap_or(None);
        let reports = futures::future::join_all(
            plugins
                .iter()
                .map(|p| health::check(p, &self.inner.bus, storage.as_ref())),
        )
        .await;
        plugins
            .iter()
            .map(|p| p.id().to_string())
            .zip(reports)
            .collect()
    }

    /// The scheduler: host jobs, and every plugin's `qirvo.scheduler` tasks, with their next
    /// runs.
    pub fn scheduler(&self) -> Scheduler {
        self.inner.scheduler.clone()
    }

    /// Every plugin's figures, and plugins by state.
    pub fn metrics(&self) -> RuntimeMetrics {
        let mut m = metrics::snapshot(&self.plugins());
        m.totals.abandoned = self
            .inner
            .abandoned
            .load(std::sync::atomic::Ordering::Relaxed);
        // FLEET (issue 18): the fleet store's reachability as last seen.
        m.storage_reachable = self.inner.storage.status().map(|s| s.is_ok());
        m
    }

    /// Test hook, not a feature: plugins loaded after this call get a global
    /// `__qirvoTestBlockNative(ms)` that blocks their thread in Rust for `ms`
    /// milliseconds (`Infinity`: for good), out of the engine's reach: what a native the
    /// engine cannot interrupt would do. Used to test the host's backstop.
    #[doc(hidden)]
    pub fn enable_test_block_native(&self) {
        self.inner
            .test_block_native
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// The same figures in the Prometheus text format (`qirvo_` names, `plugin` labels).
    pub fn metrics_text(&self) -> String {
        metrics::encode_text(
            &self.metrics(),
            &self.inner.series,
            &self.inner.config.host_api,
            &self.inner.security,
        )
    }

    /// HOSTAPI (issue 14): TypeScript declarations of the host API
    /// ([`RuntimeConfig::host_api`]) for plugin authors, to keep next to `qirvo.d.ts`
    /// (see [`HostApi::typescript`](crate::HostApi::typescript)).
    pub fn host_api_typescript(&self) -> String {
        self.inner.config.host_api.typescript()
    }

    /// HOSTAPI (issue 14): the host API plugins of this runtime see (its metrics too).
    pub fn host_api(&self) -> &crate::ext::host_api::registry::HostApi {
        &self.inner.config.host_api
    }

    /// The lifecycle hooks: register host hooks, list them with the runtime's own.
    pub fn hooks(&self) -> Hooks {
        self.inner.hooks.clone()
    }

    /// What each loaded plugin was allocated from the runtime's budgets.
    pub fn allocations(&self) -> Vec<Allocation> {
        self.inner.resources.all()
    }

    /// Every loaded plugin's allocation with its current use (memory, CPU, storage,
    /// connections).
    pub fn resource_usage(&self) -> Vec<ResourceUsage> {
        self.plugins()
            .into_iter()
            .filter_map(|p| {
                let allocation = self.inner.resources.get(p.id())?;
                let c = &p.shared.counters;
                Some(ResourceUsage {
                    allocation,
                    heap: p.heap(),
                    cpu: p.cpu(),
                    storage_used: ByteSize(
                        c.storage_bytes.load(std::sync::atomic::Ordering::Relaxed),
                    ),
                    connections_active: c
                        .connections_active
                        .load(std::sync::atomic::Ordering::Relaxed),
                    storage_peak: ByteSize(
                        c.storage_peak.load(std::sync::atomic::Ordering::Relaxed),
                    ),
                    connections_peak: c
                        .connections_peak
                        .load(std::sync::atomic::Ordering::Relaxed),
                    cpu_share_peak: c.cpu_share_peak.load(std::sync::atomic::Ordering::Relaxed)
                        as f64
                        / 100.0,
                })
            })
            .collect()
    }

    /// One enforcement pass: a plugin whose heap is above 90% of its limit is asked to
    /// collect garbage, and restarted in a fresh isolate if it is still over its limit.
    /// (CPU and storage limits are enforced as the plugin runs: throttling, and writes
    /// refused over quota.) Returns the ids of plugins restarted.
    pub async fn enforce_resources(&self) -> Vec<String> {
        let mut restarted = Vec::new();
        for p in self.plugins() {
            if !matches!(p.state(), PluginState::Initialized | PluginState::Running) {
                continue;
            }
            let heap = p.heap();
            if heap.limit.bytes() == 0 || heap.used.bytes() * 10 <= heap.limit.bytes() * 9 {
                continue;
            }
            tracing::warn!(target: "qirvo::resources", plugin = %p.id(), used = %heap.used, limit = %heap.limit, "heap near its limit: collecting garbage");
            let Ok(after) = p.collect_garbage().await else {
                continue;
            };
            if after.used >= after.limit {
                tracing::warn!(target: "qirvo::resources", plugin = %p.id(), used = %after.used, "still over its limit after GC: restarting");
                let _ = p.shared.tx.send(Command::Restart);
                restarted.push(p.id().to_string());
            }
        }
        restarted
    }

    /// The allocation of one plugin.
    pub fn allocation(&self, id: &str) -> Option<Allocation> {
        self.inner.resources.get(id)
    }

    /// The security monitor: every capability use and violation of every plugin, as
    /// [`SecurityEvent`](crate::SecurityEvent)s to subscribe to, an audit file, and
    /// quarantine policies (see [`Security`]).
    pub fn security(&self) -> Security {
        self.inner.security.clone()
    }

    /// The event bus: emit events to plugins, subscribe to what they emit.
    pub fn events(&self) -> Events {
        Events {
            bus: self.inner.bus.clone(),
        }
    }

    /// The loaded plugin with this id.
    pub fn plugin(&self, id: &str) -> Option<PluginHandle> {
        self.inner.plugins.read().get(id).cloned()
    }

    /// The warm isolate pool ([`RuntimeConfig::warm_isolates`]): ready now, claimed, missed.
    pub fn warm_pool(&self) -> crate::WarmPoolStats {
        self.inner
            .pool
            .as_ref()
            .map(|p| p.stats())
            .unwrap_or_default()
    }

    /// Every loaded plugin, by id.
    pub fn plugins(&self) -> Vec<PluginHandle> {
        self.inner.plugins.read().values().cloned().collect()
    }

    /// Attaches a debugger to a plugin: loaded, or still loading (so a session can stop
    /// it in `initialize`, or at its first statement with
    /// [`RuntimeConfig::break_on_start`]).
    ///
    /// # Errors
    /// [`DebugError::NoSuchPlugin`](crate::DebugError::NoSuchPlugin), and
    /// [`DebugError::NotDebuggable`](crate::DebugError::NotDebuggable) unless the runtime
    /// was created with [`RuntimeConfig::debug`].
    pub fn debug(&self, id: &str) -> Result<crate::DebugSession, crate::DebugError> {
        let handle = self
            .debug_target(id)
            .ok_or_else(|| crate::DebugError::NoSuchPlugin(id.to_string()))?;
        let shared =
            handle
                .shared
                .debug
                .clone()
                .ok_or_else(|| crate::DebugError::NotDebuggable {
                    plugin: id.to_string(),
                })?;
        Ok(crate::DebugSession::attach(handle, shared))
    }

    fn debug_target(&self, id: &str) -> Option<PluginHandle> {
        self.plugin(id).or_else(|| {
            self.inner
                .loading
                .lock()
                .get(id)
                .map(|shared| PluginHandle {
                    shared: shared.clone(),
                    runtime: Arc::downgrade(&self.inner),
                })
        })
    }

    /// Plugins a debugger can attach to: loaded and loading, by id.
    pub(crate) fn debug_targets(&self) -> Vec<PluginHandle> {
        let mut all: BTreeMap<String, PluginHandle> = self
            .inner
            .loading
            .lock()
            .iter()
            .map(|(id, shared)| {
                (
                    id.clone(),
                    PluginHandle {
                        shared: shared.clone(),
                        runtime: Arc::downgrade(&self.inner),
                    },
                )
            })
            .collect();
        for h in self.plugins() {
            all.insert(h.id().to_string(), h);
        }
        all.into_values()
            .filter(|h| h.shared.debug.is_some())
            .collect()
    }

    /// Deletes everything a plugin stored (its `qirvo.storage` keys). Unloading keeps
    /// data; this is the explicit way to remove it.
    ///
    /// # Errors
    /// [`PurgeError::Loaded`] while a plugin with this id is loaded, and
    /// [`PurgeError::Storage`] when the store cannot remove it.
    pub async fn purge(&self, id: &str) -> Result<(), PurgeError> {
        if self.plugin(id).is_some() {
            return Err(PurgeError::Loaded { id: id.to_string() });
        }
        let storage = self.inner.storage.clone();
        let plugin = id.to_string();
        tokio::task::spawn_blocking(move || storage.purge(&plugin))
            .await
            .map_err(|e| PurgeError::Storage {
                id: id.to_string(),
                reason: e.to_string(),
            })?
            .map_err(|e| PurgeError::Storage {
                id: id.to_string(),
                reason: e.to_string(),
            })
    }

    /// Stops and unloads every plugin, waiting for each to finish.
    pub async fn shutdown(&self) {
        // A plugin still loading may be paused in a debugger (break-on-start): let it go.
        for shared in self.inner.loading.lock().values() {
            if let Some(debug) = &shared.debug {
                debug.disable();
            }
        }
        let plugins = self.plugins();
        let results = futures::future::join_all(plugins.iter().map(|p| p.unload())).await;
        for (p, r) in plugins.iter().zip(results) {
            if let Err(e) = r {
                tracing::warn!(target: "qirvo::lifecycle", plugin = %p.id(), error = %e, "error while shutting down");
            }
        }
    }
}

/// Why a hook stopped a transition.
pub(crate) enum HookFailure {
    Budget(BudgetError),
    Hook {
        phase: HookPhase,
        hook: String,
        reason: String,
    },
}

impl HookFailure {
    fn into_load_error(self, id: &str) -> LoadError {
        match self {
            HookFailure::Budget(e) => LoadError::Budget(e),
            HookFailure::Hook {
                phase,
                hook,
                reason,
            } => LoadError::Hook {
                id: id.to_string(),
                phase,
                hook,
                reason,
            },
        }
    }

    pub(crate) fn into_plugin_error(self, id: &str) -> PluginError {
        match self {
            HookFailure::Budget(e) => PluginError::Hook {
                id: id.to_string(),
                phase: HookPhase::PreLoad,
                hook: "resource-allocation".into(),
                reason: e.to_string(),
            },
            HookFailure::Hook {
                phase,
                hook,
                reason,
            } => PluginError::Hook {
                id: id.to_string(),
                phase,
                hook,
                reason,
            },
        }
    }
}

impl RuntimeInner {
    /// Runs a phase's hooks in priority order. A failing critical hook stops the phase.
    pub(crate) async fn run_hooks(
        &self,
        phase: HookPhase,
        manifest: &Arc<Manifest>,
        handle: &PluginHandle,
    ) -> Result<(), HookFailure> {
        for entry in self.hooks.for_phase(phase) {
            let result = match &entry.action {
                Action::Builtin(b) => match self.builtin(*b, manifest, handle) {
                    Err(HookFailure::Budget(e)) => return Err(HookFailure::Budget(e)),
                    other => other.map_err(|f| match f {
                        HookFailure::Hook { reason, .. } => reason,
                        HookFailure::Budget(e) => e.to_string(),
                    }),
                },
                Action::Host(f) => f(HookContext {
                    phase,
                    manifest: manifest.clone(),
                })
                .await
                .map_err(|e| e.0),
            };
            if let Err(reason) = result {
                if entry.info.critical {
                    tracing::warn!(target: "qirvo::hooks", plugin = %manifest.id, %phase, hook = %entry.info.name, %reason, "critical hook failed");
                    return Err(HookFailure::Hook {
                        phase,
                        hook: entry.info.name.clone(),
                        reason,
                    });
                }
                tracing::warn!(target: "qirvo::hooks", plugin = %manifest.id, %phase, hook = %entry.info.name, %reason, "hook failed (not critical)");
            }
        }
        Ok(())
    }

    fn builtin(
        &self,
        b: Builtin,
        manifest: &Arc<Manifest>,
        handle: &PluginHandle,
    ) -> Result<(), HookFailure> {
        match b {
            Builtin::SecurityValidation => {
                if let Some(allowed) = &self.config.allowed_permissions
                    && let Some(p) = manifest.permissions.iter().find(|p| !allowed.contains(p))
                {
                    return Err(HookFailure::Hook {
                        phase: HookPhase::PreLoad,
                        hook: "security-validation".into(),
                        reason: format!("permission {p} is not allowed by this runtime"),
                    });
                }
                Ok(())
            }
            Builtin::ResourceAllocation => self
                .resources
                .allocate(manifest)
                .map_err(HookFailure::Budget),
            Builtin::Registration => {
                self.plugins
                    .write()
                    .insert(manifest.id.clone(), handle.clone());
                Ok(())
            }
        }
    }

    /// The registered plugin with this id.
    pub(crate) fn plugin_handle(&self, id: &str) -> Option<PluginHandle> {
        self.plugins.read().get(id).cloned()
    }

    /// Forgets a plugin, if the registered one is still `shared`.
    pub(crate) fn remove(&self, id: &str, shared: &Arc<Shared>) {
        let mut plugins = self.plugins.write();
        if plugins
            .get(id)
            .is_some_and(|h| Arc::ptr_eq(&h.shared, shared))
        {
            plugins.remove(id);
        }
    }
}

/// The runtime's scheduler (host jobs such as the health pass, and plugins' tasks) runs on
/// one thread of its own.
fn spawn_jobs(scheduler: Scheduler, stop: Arc<tokio::sync::Notify>) -> std::io::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    std::thread::Builder::new()
        .name("qirvo-jobs".into())
        .spawn(move || rt.block_on(scheduler.run(stop)))?;
    Ok(())
}

impl Drop for RuntimeInner {
    fn drop(&mut self) {
        self.jobs_stop.notify_one();
        // Ask every plugin thread to stop and dispose its isolate; they finish on their own.
        for handle in self.plugins.get_mut().values() {
            let (reply, _) = oneshot::channel();
            let _ = handle.shared.tx.send(Command::Unload { reply });
        }
    }
}

/// What a load runs of the plugin.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum LoadMode {
    /// Evaluate, then `initialize` (`load`).
    Normal,
    /// A test file as the entry module, in test mode (`load_for_test`).
    Test,
    /// Evaluate only (`check`).
    EvaluateOnly,
}

/// The plugin directory made canonical and its manifest read, off the async threads.
async fn read_manifest(dir: &Path) -> Result<(Manifest, PathBuf), LoadError> {
    let dir = dir.to_path_buf();
    tokio::task::spawn_blocking({
        let dir = dir.clone();
        move || -> Result<(Manifest, PathBuf), LoadError> {
            let root = dir.canonicalize().map_err(|source| LoadError::Directory {
                dir: dir.clone(),
                source,
            })?;
            Ok((Manifest::from_dir(&root)?, root))
        }
    })
    .await
    .map_err(|e| LoadError::Directory {
        dir,
        source: std::io::Error::other(e),
    })?
}
