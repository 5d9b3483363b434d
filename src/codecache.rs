//! A disk cache of transpiled TypeScript, under `<data_dir>/cache/transpiled/`.
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
        let code = std::fs::read_to_string(&js).ok()?;
        let map = std::fs::read(self.dir.join(format!("{key}.map"))).ok();
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

    /// Removes expired entries, then the oldest until the cache fits its bound.
    fn trim(&self) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
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
