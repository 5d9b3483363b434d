//! The resource manager: the host's budgets, and what each loaded plugin was given.
//!
//! Loading a plugin allocates what its manifest asks (memory, storage, connections) from
//! the runtime's budgets; if a budget cannot cover it the load fails with what was
//! requested and what is left. Unloading a plugin, or its final failure, gives it back.

use std::collections::BTreeMap;
use std::time::SystemTime;

use parking_lot::Mutex;

use crate::error::BudgetError;
use crate::manifest::{ByteSize, Manifest, Permission};

/// Runtime-wide budgets across all loaded plugins. Each defaults to unlimited; the number
/// of plugins is bounded by [`RuntimeConfig::max_plugins`](crate::RuntimeConfig::max_plugins).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Budgets {
    /// Total of the plugins' `resources.memory` (heap limits).
    pub memory: Option<ByteSize>,
    /// Total of the plugins' `resources.storage` quotas.
    pub storage: Option<ByteSize>,
    /// Total of the plugins' `resources.maxConnections` (plugins with `network-access`).
    pub connections: Option<u32>,
}

/// What one plugin was allocated.
#[derive(Debug, Clone, PartialEq)]
pub struct Allocation {
    pub plugin: String,
    pub memory: ByteSize,
    pub storage: ByteSize,
    /// 0 without `network-access`.
    pub connections: u32,
    /// `resources.cpu`, percent of one core.
    pub cpu: f64,
    pub allocated_at: SystemTime,
}

impl Allocation {
    fn of(manifest: &Manifest) -> Allocation {
        let r = &manifest.resources;
        Allocation {
            plugin: manifest.id.clone(),
            memory: r.memory,
            storage: r.storage,
            connections: if manifest.grants(Permission::NetworkAccess) {
                r.max_connections
            } else {
                0
            },
            cpu: r.cpu,
            allocated_at: SystemTime::now(),
        }
    }
}

/// What a plugin was given and what it uses now.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceUsage {
    pub allocation: Allocation,
    /// Heap in use, peak and limit.
    pub heap: crate::state::HeapStats,
    /// CPU time, recent share and throttling.
    pub cpu: crate::isolate::cpu::CpuStats,
    /// Bytes stored (qirvo.storage and files) of `allocation.storage`, now and at most.
    pub storage_used: ByteSize,
    pub storage_peak: ByteSize,
    /// fetch requests in flight of `allocation.connections`, now and at most.
    pub connections_active: u64,
    pub connections_peak: u64,
    /// Highest CPU share seen (percent of one core; the limit is `allocation.cpu`).
    pub cpu_share_peak: f64,
}

pub(crate) struct ResourceManager {
    budgets: Budgets,
    max_plugins: usize,
    allocations: Mutex<BTreeMap<String, Allocation>>,
}

impl ResourceManager {
    pub(crate) fn new(budgets: Budgets, max_plugins: usize) -> Self {
        ResourceManager {
            budgets,
            max_plugins,
            allocations: Mutex::new(BTreeMap::new()),
        }
    }

    /// Reserves what `manifest` asks for, or says which budget falls short.
    pub(crate) fn allocate(&self, manifest: &Manifest) -> Result<(), BudgetError> {
        let want = Allocation::of(manifest);
        let mut all = self.allocations.lock();
        let err = |resource, requested: String, available: String, budget: String| BudgetError {
            plugin: want.plugin.clone(),
            resource,
            requested,
            available,
            budget,
        };
        if all.len() >= self.max_plugins {
            return Err(err(
                "plugins",
                "1 plugin".into(),
                "0".into(),
                format!("{} plugins", self.max_plugins),
            ));
        }
        if let Some(budget) = self.budgets.memory {
            let used: u64 = all.values().map(|a| a.memory.bytes()).sum();
            let left = budget.bytes().saturating_sub(used);
            if want.memory.bytes() > left {
                return Err(err(
                    "memory",
                    want.memory.to_string(),
                    ByteSize(left).to_string(),
                    budget.to_string(),
                ));
            }
        }
        if let Some(budget) = self.budgets.storage {
            let used: u64 = all.values().map(|a| a.storage.bytes()).sum();
            let left = budget.bytes().saturating_sub(used);
            if want.storage.bytes() > left {
                return Err(err(
                    "storage",
                    want.storage.to_string(),
                    ByteSize(left).to_string(),
                    budget.to_string(),
                ));
            }
        }
        if let Some(budget) = self.budgets.connections {
            let used: u32 = all.values().map(|a| a.connections).sum();
            let left = budget.saturating_sub(used);
            if want.connections > left {
                return Err(err(
                    "connections",
                    format!("{} connections", want.connections),
                    format!("{left}"),
                    format!("{budget} connections"),
                ));
            }
        }
        all.insert(want.plugin.clone(), want);
        Ok(())
    }

    /// Gives a plugin's allocation back (idempotent).
    pub(crate) fn release(&self, plugin: &str) -> bool {
        self.allocations.lock().remove(plugin).is_some()
    }

    pub(crate) fn get(&self, plugin: &str) -> Option<Allocation> {
        self.allocations.lock().get(plugin).cloned()
    }

    pub(crate) fn all(&self) -> Vec<Allocation> {
        self.allocations.lock().values().cloned().collect()
    }
}

/// A plugin's thread gives its allocation back through this when the plugin ends
/// ([`Shared::end`](crate::isolate::shared::Shared::end)).
impl crate::isolate::shared::Allocations for ResourceManager {
    fn release(&self, plugin: &str) {
        ResourceManager::release(self, plugin);
    }
}
