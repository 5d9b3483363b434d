//! A warm isolate's shape: what an isolate was made for before its plugin was known (its
//! heap limit and whether it registered the fetch capability), and the one decision of
//! which plugins such an isolate can serve. The host's warm pool (`host/pool.rs`) keeps
//! isolates by shape; the runtime asks [`Shape::needed`] before claiming one, and the
//! claimed isolate's thread asks [`Shape::serves`] before binding.

use crate::isolate::shared::Shared;
use crate::manifest::{ByteSize, Permission};

/// What a warm isolate was made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Shape {
    pub memory: ByteSize,
    pub network: bool,
}

impl Shape {
    /// The shape of warm isolate that can serve this plugin's load, or `None` when it
    /// needs an isolate made for it. The one place that decides whether a warm isolate
    /// fits a plugin: the runtime asks it before claiming one from the pool (which only
    /// matches shapes), the claimed isolate's thread asks it again before binding (see
    /// [`Shape::serves`]).
    ///
    /// A plugin granted `filesystem-access` or a host permission gets its own isolate
    /// (those capabilities are registered per plugin when an isolate is made; HOSTAPI,
    /// issue 14), and so do debugging and test loads (their loader instruments or swaps
    /// the entry module). Otherwise the isolate's heap limit must be the plugin's
    /// `resources.memory` and its network grant the plugin's `network-access`.
    pub(crate) fn needed(shared: &Shared) -> Option<Shape> {
        let manifest = &shared.manifest;
        if shared.test_mode
            || shared.debug.is_some()
            || manifest.grants(Permission::FilesystemAccess)
            || manifest.host_permissions().next().is_some()
        {
            return None;
        }
        Some(Shape {
            memory: manifest.resources.memory,
            network: manifest.grants(Permission::NetworkAccess),
        })
    }

    /// Whether an isolate made with this shape can serve this plugin's load.
    pub(crate) fn serves(self, shared: &Shared) -> bool {
        Shape::needed(shared) == Some(self)
    }
}
