//! [`PluginRuntime`]: loads plugins, keeps the registry, owns the watchdog.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use parking_lot::{Mutex, RwLock};
use tokio::sync::{mpsc, oneshot};

use crate::config::RuntimeConfig;
use crate::error::{ConfigError, LoadError, PurgeError};
use crate::events::{Bus, Events};
use crate::logs::LogBuffer;
use crate::manifest::Manifest;
use crate::plugin::{Command, HeapStats, PluginHandle, PluginState, Shared};
use crate::storage::{self, StoreBackend};
use crate::watchdog::Watchdog;
use crate::worker::{self, WorkerSpec};

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
    bus: Arc<Bus>,
    watchdog: Arc<Watchdog>,
    plugins: RwLock<BTreeMap<String, PluginHandle>>,
    /// Serialises id reservation so two loads of one id cannot both succeed.
    loading: Mutex<()>,
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
    /// A [`ConfigError`] naming the setting when `config` is invalid.
    pub fn new(config: RuntimeConfig) -> Result<PluginRuntime, ConfigError> {
        config.validate()?;
        init_engine();
        let watchdog = Watchdog::spawn().map_err(|e| ConfigError {
            field: "(runtime)",
            reason: format!("cannot start the watchdog thread: {e}"),
        })?;
        Ok(PluginRuntime {
            inner: Arc::new(RuntimeInner {
                storage: storage::backend(&config.storage, config.data_dir.clone()),
                bus: Bus::new(),
                config,
                watchdog: Arc::new(watchdog),
                plugins: RwLock::new(BTreeMap::new()),
                loading: Mutex::new(()),
            }),
        })
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
        let dir = dir.as_ref().to_path_buf();
        let (manifest, root) = tokio::task::spawn_blocking({
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
            dir: dir.clone(),
            source: std::io::Error::other(e),
        })??;
        self.load_manifest(manifest, root).await
    }

    async fn load_manifest(
        &self,
        manifest: Manifest,
        root: PathBuf,
    ) -> Result<PluginHandle, LoadError> {
        let inner = &self.inner;
        let id = manifest.id.clone();
        let (tx, rx) = mpsc::unbounded_channel::<Command>();
        let logs = Arc::new(LogBuffer::new(
            &id,
            inner.config.log_capacity,
            inner.config.log_sink.clone(),
        ));
        let limit = manifest.resources.memory;
        let shared = Arc::new(Shared {
            manifest: Arc::new(manifest),
            dir: root.clone(),
            state: Mutex::new(PluginState::Unloaded),
            logs,
            heap: Mutex::new(HeapStats {
                limit,
                ..Default::default()
            }),
            target: Mutex::new(None),
            tx,
            clock: Default::default(),
            cpu: Default::default(),
            restarts: Default::default(),
        });
        let handle = PluginHandle {
            shared: shared.clone(),
            runtime: Arc::downgrade(inner),
        };
        {
            let _guard = inner.loading.lock();
            let mut plugins = inner.plugins.write();
            if plugins.contains_key(&id) {
                return Err(LoadError::AlreadyLoaded { id });
            }
            if plugins.len() >= inner.config.max_plugins {
                return Err(LoadError::Module {
                    id,
                    message: format!(
                        "the runtime already holds its maximum of {} plugins",
                        inner.config.max_plugins
                    ),
                });
            }
            plugins.insert(id.clone(), handle.clone());
        }

        let (ready_tx, ready_rx) = oneshot::channel();
        let spec = WorkerSpec {
            restart: shared.manifest.restart.unwrap_or(inner.config.restart),
            cpu_window: inner.config.cpu_window,
            cpu_cooldown: inner.config.cpu_cooldown,
            shared: shared.clone(),
            root,
            watchdog: inner.watchdog.clone(),
            stack_size: inner.config.thread_stack_size,
            storage: inner.storage.clone(),
            bus: inner.bus.clone(),
            data_dir: inner.config.data_dir.clone(),
        };
        let result = match worker::spawn(spec, rx, ready_tx) {
            Err(source) => Err(LoadError::Thread {
                id: id.clone(),
                source,
            }),
            Ok(()) => ready_rx.await.unwrap_or_else(|_| {
                Err(LoadError::Module {
                    id: id.clone(),
                    message: "the plugin thread ended while loading".into(),
                })
            }),
        };
        match result {
            Ok(()) => {
                tracing::info!(target: "qirvo::lifecycle", plugin = %id, "loaded");
                Ok(handle)
            }
            Err(e) => {
                inner.remove(&id, &shared);
                Err(e)
            }
        }
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

    /// Every loaded plugin, by id.
    pub fn plugins(&self) -> Vec<PluginHandle> {
        self.inner.plugins.read().values().cloned().collect()
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
        let plugins = self.plugins();
        let results = futures::future::join_all(plugins.iter().map(|p| p.unload())).await;
        for (p, r) in plugins.iter().zip(results) {
            if let Err(e) = r {
                tracing::warn!(target: "qirvo::lifecycle", plugin = %p.id(), error = %e, "error while shutting down");
            }
        }
    }
}

impl RuntimeInner {
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

impl Drop for RuntimeInner {
    fn drop(&mut self) {
        // Ask every plugin thread to stop and dispose its isolate; they finish on their own.
        for handle in self.plugins.get_mut().values() {
            let (reply, _) = oneshot::channel();
            let _ = handle.shared.tx.send(Command::Unload { reply });
        }
    }
}
