//! Disk caches of compiled code: transpiled TypeScript under `<data_dir>/cache/transpiled/`,
//! and the engine's own code cache (V8's, on the `v8` engine) under `<data_dir>/cache/engine/`.
//!
//! Entries are keyed by a SHA-256 of the module's URL, its source text and the transpiler
//! version, so an edit or an upgrade never serves stale code. Entries older than the TTL
//! (one hour, as the docs use) are ignored and replaced; when the cache grows past its
//! size bound the oldest entries are removed.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};

/// Entries are reused for this long.
pub(crate) const TTL: Duration = Duration::from_secs(3600);
/// The cache is trimmed to this size.
pub(crate) const MAX_BYTES: u64 = 64 * 1024 * 1024;

pub(crate) struct TranspileCache {
    dir: PathBuf,
}

impl TranspileCache {
    pub(crate) fn new(data_dir: &Path) -> TranspileCache {
        TranspileCache {
            dir: data_dir.join("cache").join("transpiled"),
        }
    }

    pub(crate) fn data_dir(&self) -> &Path {
        // <data_dir>/cache/transpiled
        self.dir
            .parent()
            .and_then(Path::parent)
            .unwrap_or(&self.dir)
    }

    pub(crate) fn key(specifier: &str, source: &str) -> String {
        let mut h = Sha256::new();
        h.update(concat!("qirvo ", env!("CARGO_PKG_VERSION"), " deno_ast 0.53.3\0").as_bytes());
        h.update(specifier.as_bytes());
        h.update([0]);
        h.update(source.as_bytes());
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The cached JS and source map, if present and fresh.
    pub(crate) fn get(&self, key: &str) -> Option<(String, Option<Vec<u8>>)> {
        let js = self.dir.join(format!("{key}.js"));
        let age = std::fs::metadata(&js)
            .ok()?
            .modified()
            .ok()?
            .elapsed()
            .ok()?;
        if age > TTL {
            return None;
        }
        // The data dir is reachable by whoever can write there: read regular files only,
        // never blocking, with a cap (a bad entry is a miss).
        let code = crate::untrusted::read_to_string(&js, MAX_ENTRY).ok()?;
        let map = crate::untrusted::read_file(&self.dir.join(format!("{key}.map")), MAX_ENTRY).ok();
        Some((code, map))
    }

    /// Stores an entry (best effort: a cache that cannot be written is only slower).
    pub(crate) fn put(&self, key: &str, code: &str, map: Option<&[u8]>) {
        if std::fs::create_dir_all(&self.dir).is_err() {
            return;
        }
        let write = |name: String, bytes: &[u8]| {
            let tmp = self.dir.join(format!("{name}.tmp{}", std::process::id()));
            if std::fs::write(&tmp, bytes).is_ok() {
                let _ = std::fs::rename(&tmp, self.dir.join(&name));
            }
        };
        if let Some(map) = map {
            write(format!("{key}.map"), map);
        }
        write(format!("{key}.js"), code.as_bytes());
        self.trim();
    }

    fn trim(&self) {
        trim(&self.dir);
    }
}

/// The engine's code cache for modules (V8's bytecode cache on the `v8` engine): handed to
/// the engine with a module's source, so a module loaded again skips compiling. Keyed like
/// the transpile cache, with the engine's cache version. The `quickjs` engine's code cache
/// is a placeholder (it compiles from source every time), so it is only used on `v8`.
/// Largest cache file read back (a transpiled module, its source map or engine code cache):
/// 64 MiB. Anything larger is treated as a miss.
const MAX_ENTRY: u64 = 64 * 1024 * 1024;

pub(crate) struct EngineCodeCache {
    dir: PathBuf,
}

impl EngineCodeCache {
    /// The cache, on an engine whose code cache is worth keeping.
    pub(crate) fn for_engine(data_dir: &Path) -> Option<EngineCodeCache> {
        cfg!(feature = "v8").then(|| EngineCodeCache::new(data_dir))
    }

    pub(crate) fn new(data_dir: &Path) -> EngineCodeCache {
        EngineCodeCache {
            dir: data_dir.join("cache").join("engine"),
        }
    }

    /// The key of a module's code, and the 64-bit hash the engine checks it against.
    pub(crate) fn key(specifier: &str, code: &str) -> (String, u64) {
        let mut h = Sha256::new();
        h.update(
            format!(
                "qirvo {} engine cache {}\0",
                env!("CARGO_PKG_VERSION"),
                deno_core::v8::script_compiler::cached_data_version_tag()
            )
            .as_bytes(),
        );
        h.update(specifier.as_bytes());
        h.update([0]);
        h.update(code.as_bytes());
        let digest = h.finalize();
        let hash = u64::from_le_bytes(digest[..8].try_into().expect("8 bytes"));
        (digest.iter().map(|b| format!("{b:02x}")).collect(), hash)
    }

    pub(crate) fn get(&self, key: &str) -> Option<Vec<u8>> {
        let path = self.dir.join(format!("{key}.bin"));
        let age = std::fs::metadata(&path)
            .ok()?
            .modified()
            .ok()?
            .elapsed()
            .ok()?;
        (age <= TTL)
            .then(|| crate::untrusted::read_file(&path, MAX_ENTRY).ok())
            .flatten()
    }

    /// Stores an entry (best effort).
    pub(crate) fn put(&self, key: &str, bytes: &[u8]) {
        if std::fs::create_dir_all(&self.dir).is_err() {
            return;
        }
        let tmp = self.dir.join(format!("{key}.tmp{}", std::process::id()));
        if std::fs::write(&tmp, bytes).is_ok() {
            let _ = std::fs::rename(&tmp, self.dir.join(format!("{key}.bin")));
        }
        trim(&self.dir);
    }
}

/// Removes expired entries, then the oldest until the cache fits its bound.
fn trim(dir: &Path) {
    {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut files: Vec<(SystemTime, u64, PathBuf)> = entries
            .flatten()
            .filter_map(|e| {
                let m = e.metadata().ok()?;
                Some((m.modified().ok()?, m.len(), e.path()))
            })
            .collect();
        let now = SystemTime::now();
        files.retain(|(t, _, p)| {
            let expired = now.duration_since(*t).is_ok_and(|age| age > TTL * 2);
            if expired {
                let _ = std::fs::remove_file(p);
            }
            !expired
        });
        let mut total: u64 = files.iter().map(|f| f.1).sum();
        if total <= MAX_BYTES {
            return;
        }
        files.sort();
        for (_, len, path) in files {
            if total <= MAX_BYTES {
                break;
            }
            if std::fs::remove_file(&path).is_ok() {
                total -= len;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_cache_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let cache = EngineCodeCache::new(dir.path());
        let (k1, h1) = EngineCodeCache::key("file:///a.js", "export const a = 1;");
        let (k2, h2) = EngineCodeCache::key("file:///a.js", "export const a = 2;");
        assert!(k1 != k2 && h1 != h2);
        assert!(cache.get(&k1).is_none());
        cache.put(&k1, b"bytecode");
        assert_eq!(cache.get(&k1).as_deref(), Some(&b"bytecode"[..]));
        assert!(cache.get(&k2).is_none());
    }

    #[test]
    fn round_trip_and_keys() {
        let dir = tempfile::tempdir().unwrap();
        let cache = TranspileCache::new(dir.path());
        let k1 = TranspileCache::key("file:///a.ts", "let x: number = 1;");
        let k2 = TranspileCache::key("file:///a.ts", "let x: number = 2;");
        let k3 = TranspileCache::key("file:///b.ts", "let x: number = 1;");
        assert!(
            k1 != k2 && k1 != k3,
            "content and location are both in the key"
        );
        assert!(cache.get(&k1).is_none());
        cache.put(&k1, "let x = 1;", Some(b"{}"));
        assert_eq!(
            cache.get(&k1),
            Some(("let x = 1;".to_string(), Some(b"{}".to_vec())))
        );
        assert!(cache.get(&k2).is_none());
    }
}
