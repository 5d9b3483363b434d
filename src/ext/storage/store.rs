//! Plugin storage: a small key/value store per plugin, behind a trait so other stores can
//! be added. The default is SQLite (one WAL-mode database per plugin under
//! `<data_dir>/plugins/<id>/storage.sqlite3`); an in-memory store serves tests; PostgreSQL
//! (`postgres.rs`) is fleet mode, shared by several host processes.
//!
//! Every write goes through [`PluginStore::apply`], one transaction that checks the
//! plugin's quota (keys + values, in bytes) before it commits, so a write that would pass
//! the quota leaves nothing half-written.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use parking_lot::Mutex;

use crate::ext::events::bus::EventTransport;
use crate::ext::scheduler::schedule::SlotClaims;
pub use crate::ext::storage::postgres::PostgresStorage;
use crate::manifest::ByteSize;

/// Which store plugins' `qirvo.storage` uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum StorageKind {
    /// SQLite files under `data_dir` (the default). Durable: a write whose promise
    /// resolved survives the host process being killed.
    #[default]
    Sqlite,
    /// Kept in memory for the life of the runtime (tests, ephemeral hosts).
    Memory,
    /// Fleet mode: one PostgreSQL database shared by every replica of the host, which
    /// then also share events and scheduled runs (see [`PostgresStorage`]). Build it with
    /// [`StorageKind::postgres`].
    Postgres(PostgresStorage),
}

impl StorageKind {
    /// Fleet mode over the database at `url`, with the defaults of [`PostgresStorage::new`].
    pub fn postgres(url: impl Into<String>) -> StorageKind {
        StorageKind::Postgres(PostgresStorage::new(url))
    }
}

/// A stored value: JSON text or raw bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    Json(String),
    Bytes(Vec<u8>),
}

impl Value {
    fn size(&self) -> u64 {
        match self {
            Value::Json(s) => s.len() as u64,
            Value::Bytes(b) => b.len() as u64,
        }
    }
}

/// One change in an atomic batch.
#[derive(Debug, Clone)]
pub(crate) enum Change {
    Set(String, Value),
    Delete(String),
    Clear,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum StorageError {
    #[error("storage quota of {quota} exceeded: the write needs {needed} in all")]
    Quota { quota: ByteSize, needed: ByteSize },
    #[error("storage: {0}")]
    Backend(String),
    /// The store cannot be reached now (a database down or too slow); the same call may
    /// work later.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
}

impl From<rusqlite::Error> for StorageError {
    fn from(e: rusqlite::Error) -> Self {
        StorageError::Backend(e.to_string())
    }
}

/// One plugin's view of the store. All keys it sees are its own.
pub(crate) trait PluginStore: Send {
    fn get(&mut self, key: &str) -> Result<Option<Value>, StorageError>;
    /// Entries whose key starts with `prefix`, in key order, at most `limit`.
    fn list(&mut self, prefix: &str, limit: usize) -> Result<Vec<(String, Value)>, StorageError>;
    /// Applies all changes in one transaction, or none if the result would pass `quota`.
    fn apply(&mut self, changes: &[Change], quota: ByteSize) -> Result<(), StorageError>;
    /// Bytes used (keys + values), as last seen (never waits).
    fn usage(&self) -> u64;
    /// Bytes used, asked of the store now (a shared store may have changed).
    fn fresh_usage(&mut self) -> Result<u64, StorageError> {
        Ok(self.usage())
    }
    /// The latest the next calls may wait until (the running step's deadline), or `None`
    /// for no limit but the store's own. A store over the network gives up before it
    /// with [`StorageError::Unavailable`]; a local store ignores it.
    fn set_deadline(&mut self, _until: Option<std::time::Instant>) {}
}

/// What a store shared by several host processes also provides: events across them and
/// claims so a scheduled run happens once among them.
pub(crate) struct FleetSeams {
    pub events: Arc<dyn EventTransport>,
    pub claims: Arc<dyn SlotClaims>,
}

/// Opens plugin stores. Shared by the runtime.
pub(crate) trait StoreBackend: Send + Sync {
    fn open(&self, plugin: &str) -> Result<Box<dyn PluginStore>, StorageError>;
    /// Removes every key of a plugin.
    fn purge(&self, plugin: &str) -> Result<(), StorageError>;
    /// For a store over the network: whether it answers now (`Err` says why not). `None`
    /// for a local store. May wait up to the store's timeout.
    fn probe(&self) -> Option<Result<(), String>> {
        None
    }
    /// For a store over the network: whether it answered the last call or probe. Never
    /// waits. `None` for a local store.
    fn status(&self) -> Option<Result<(), String>> {
        None
    }
    /// For a store shared by a fleet of hosts: its event transport and scheduling claims.
    fn fleet(&self) -> Option<FleetSeams> {
        None
    }
}

pub(crate) fn backend(kind: &StorageKind, data_dir: PathBuf) -> Arc<dyn StoreBackend> {
    match kind {
        StorageKind::Sqlite => Arc::new(SqliteBackend { data_dir }),
        StorageKind::Memory => Arc::new(MemoryBackend::default()),
        StorageKind::Postgres(settings) => {
            match crate::ext::storage::postgres::PgFleet::new(settings) {
                Ok(fleet) => Arc::new(crate::ext::storage::postgres::PgBackend { fleet }),
                Err(e) => Arc::new(FailedBackend(e.to_string())),
            }
        }
    }
}

/// A backend that could not be set up: every plugin's load says why.
struct FailedBackend(String);

impl StoreBackend for FailedBackend {
    fn open(&self, _plugin: &str) -> Result<Box<dyn PluginStore>, StorageError> {
        Err(StorageError::Backend(self.0.clone()))
    }
    fn purge(&self, _plugin: &str) -> Result<(), StorageError> {
        Err(StorageError::Backend(self.0.clone()))
    }
}

/// The new usage after `changes`, given a lookup of the current size of a key's entry.
pub(crate) fn usage_after(
    mut usage: u64,
    changes: &[Change],
    mut current: impl FnMut(&str) -> Result<Option<u64>, StorageError>,
) -> Result<u64, StorageError> {
    // Sizes already changed earlier in this batch.
    let mut pending: HashMap<&str, Option<u64>> = HashMap::new();
    let mut cleared = false;
    for change in changes {
        match change {
            Change::Clear => {
                usage = 0;
                cleared = true;
                pending.clear();
            }
            Change::Set(key, value) => {
                let old = match pending.get(key.as_str()) {
                    Some(size) => *size,
                    None if cleared => None,
                    None => current(key)?,
                };
                let new = key.len() as u64 + value.size();
                usage = usage.saturating_sub(old.unwrap_or(0)).saturating_add(new);
                pending.insert(key, Some(new));
            }
            Change::Delete(key) => {
                let old = match pending.get(key.as_str()) {
                    Some(size) => *size,
                    None if cleared => None,
                    None => current(key)?,
                };
                usage = usage.saturating_sub(old.unwrap_or(0));
                pending.insert(key, None);
            }
        }
    }
    Ok(usage)
}

/// A batch may not take the store past its quota; one that shrinks it (a store already
/// over a lowered quota) is always allowed.
pub(crate) fn check_quota(usage: u64, new_usage: u64, quota: ByteSize) -> Result<(), StorageError> {
    if new_usage > quota.bytes() && new_usage > usage {
        return Err(StorageError::Quota {
            quota,
            needed: ByteSize(new_usage),
        });
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// SQLite

struct SqliteBackend {
    data_dir: PathBuf,
}

impl SqliteBackend {
    fn path(&self, plugin: &str) -> PathBuf {
        self.data_dir
            .join("plugins")
            .join(plugin)
            .join("storage.sqlite3")
    }
}

impl StoreBackend for SqliteBackend {
    fn open(&self, plugin: &str) -> Result<Box<dyn PluginStore>, StorageError> {
        let path = self.path(plugin);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| {
                StorageError::Backend(format!("cannot create {}: {e}", dir.display()))
            })?;
        }
        let conn = rusqlite::Connection::open(&path)?;
        // WAL with synchronous=NORMAL: a committed write is in the WAL file (the OS has
        // it) before the promise resolves, so it survives the process being killed.
        conn.execute_batch(
            "PRAGMA journal_mode=WAL;
             PRAGMA synchronous=NORMAL;
             PRAGMA busy_timeout=5000;
             CREATE TABLE IF NOT EXISTS kv (
               key TEXT PRIMARY KEY NOT NULL,
               kind INTEGER NOT NULL,
               value BLOB NOT NULL
             ) WITHOUT ROWID;",
        )?;
        let usage: i64 = conn.query_row(
            "SELECT COALESCE(SUM(length(CAST(key AS BLOB)) + length(value)), 0) FROM kv",
            [],
            |r| r.get(0),
        )?;
        Ok(Box::new(SqliteStore {
            conn,
            usage: usage as u64,
        }))
    }

    fn purge(&self, plugin: &str) -> Result<(), StorageError> {
        let path = self.path(plugin);
        for suffix in ["", "-wal", "-shm"] {
            let mut p = path.clone().into_os_string();
            p.push(suffix);
            match std::fs::remove_file(&p) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(StorageError::Backend(format!(
                        "cannot remove {}: {e}",
                        path.display()
                    )));
                }
            }
        }
        Ok(())
    }
}

struct SqliteStore {
    conn: rusqlite::Connection,
    usage: u64,
}

fn row_value(kind: i64, bytes: Vec<u8>) -> Value {
    if kind == 1 {
        Value::Bytes(bytes)
    } else {
        Value::Json(String::from_utf8_lossy(&bytes).into_owned())
    }
}

impl PluginStore for SqliteStore {
    fn get(&mut self, key: &str) -> Result<Option<Value>, StorageError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT kind, value FROM kv WHERE key = ?1")?;
        let mut rows = stmt.query([key])?;
        match rows.next()? {
            Some(row) => Ok(Some(row_value(row.get(0)?, row.get(1)?))),
            None => Ok(None),
        }
    }

    fn list(&mut self, prefix: &str, limit: usize) -> Result<Vec<(String, Value)>, StorageError> {
        // Keys are compared as text; `>= prefix` plus a starts_with check avoids LIKE's
        // wildcards in keys.
        let mut stmt = self.conn.prepare_cached(
            "SELECT key, kind, value FROM kv WHERE key >= ?1 ORDER BY key LIMIT ?2",
        )?;
        let mut out = Vec::new();
        let mut rows = stmt.query(rusqlite::params![
            prefix,
            (limit as i64).saturating_add(1).max(1)
        ])?;
        while let Some(row) = rows.next()? {
            let key: String = row.get(0)?;
            if !key.starts_with(prefix) || out.len() >= limit {
                break;
            }
            out.push((key, row_value(row.get(1)?, row.get(2)?)));
        }
        Ok(out)
    }

    fn apply(&mut self, changes: &[Change], quota: ByteSize) -> Result<(), StorageError> {
        let tx = self.conn.transaction()?;
        let new_usage = {
            let mut size_of = tx.prepare_cached(
                "SELECT length(CAST(key AS BLOB)) + length(value) FROM kv WHERE key = ?1",
            )?;
            usage_after(self.usage, changes, |key| {
                let mut rows = size_of.query([key])?;
                Ok(match rows.next()? {
                    Some(r) => Some(r.get::<_, i64>(0)? as u64),
                    None => None,
                })
            })?
        };
        // On error, dropping the transaction rolls it back: nothing was written.
        check_quota(self.usage, new_usage, quota)?;
        for change in changes {
            match change {
                Change::Clear => {
                    tx.execute("DELETE FROM kv", [])?;
                }
                Change::Delete(key) => {
                    tx.prepare_cached("DELETE FROM kv WHERE key = ?1")?
                        .execute([key])?;
                }
                Change::Set(key, value) => {
                    let (kind, bytes): (i64, &[u8]) = match value {
                        Value::Json(s) => (0, s.as_bytes()),
                        Value::Bytes(b) => (1, b),
                    };
                    tx.prepare_cached(
                        "INSERT OR REPLACE INTO kv (key, kind, value) VALUES (?1, ?2, ?3)",
                    )?
                    .execute(rusqlite::params![key, kind, bytes])?;
                }
            }
        }
        tx.commit()?;
        self.usage = new_usage;
        Ok(())
    }

    fn usage(&self) -> u64 {
        self.usage
    }
}

// ---------------------------------------------------------------------------------------
// Memory

#[derive(Default)]
struct MemoryBackend {
    plugins: Arc<Mutex<HashMap<String, BTreeMap<String, Value>>>>,
}

impl StoreBackend for MemoryBackend {
    fn open(&self, plugin: &str) -> Result<Box<dyn PluginStore>, StorageError> {
        let usage = self
            .plugins
            .lock()
            .get(plugin)
            .map(|m| m.iter().map(|(k, v)| k.len() as u64 + v.size()).sum())
            .unwrap_or(0);
        Ok(Box::new(MemoryStore {
            plugin: plugin.to_string(),
            plugins: self.plugins.clone(),
            usage,
        }))
    }

    fn purge(&self, plugin: &str) -> Result<(), StorageError> {
        self.plugins.lock().remove(plugin);
        Ok(())
    }
}

struct MemoryStore {
    plugin: String,
    plugins: Arc<Mutex<HashMap<String, BTreeMap<String, Value>>>>,
    usage: u64,
}

impl PluginStore for MemoryStore {
    fn get(&mut self, key: &str) -> Result<Option<Value>, StorageError> {
        Ok(self
            .plugins
            .lock()
            .get(&self.plugin)
            .and_then(|m| m.get(key).cloned()))
    }

    fn list(&mut self, prefix: &str, limit: usize) -> Result<Vec<(String, Value)>, StorageError> {
        let plugins = self.plugins.lock();
        let Some(map) = plugins.get(&self.plugin) else {
            return Ok(Vec::new());
        };
        Ok(map
            .range(prefix.to_string()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .take(limit)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }

    fn apply(&mut self, changes: &[Change], quota: ByteSize) -> Result<(), StorageError> {
        let mut plugins = self.plugins.lock();
        let map = plugins.entry(self.plugin.clone()).or_default();
        let new_usage = usage_after(self.usage, changes, |k| {
            Ok(map.get(k).map(|v| k.len() as u64 + v.size()))
        })?;
        check_quota(self.usage, new_usage, quota)?;
        for change in changes {
            match change {
                Change::Clear => map.clear(),
                Change::Delete(k) => {
                    map.remove(k);
                }
                Change::Set(k, v) => {
                    map.insert(k.clone(), v.clone());
                }
            }
        }
        self.usage = new_usage;
        Ok(())
    }

    fn usage(&self) -> u64 {
        self.usage
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exercise(backend: &dyn StoreBackend) {
        let mut a = backend.open("a").unwrap();
        let mut b = backend.open("b").unwrap();
        let quota = ByteSize(100);
        a.apply(&[Change::Set("k1".into(), Value::Json("1".into()))], quota)
            .unwrap();
        a.apply(
            &[Change::Set("k2".into(), Value::Bytes(vec![1, 2, 3]))],
            quota,
        )
        .unwrap();
        assert_eq!(a.get("k1").unwrap(), Some(Value::Json("1".into())));
        assert_eq!(b.get("k1").unwrap(), None, "scoped per plugin");
        assert_eq!(a.usage(), 2 + 1 + 2 + 3);
        // Over quota: nothing of the batch is written.
        let big = Value::Bytes(vec![0; 200]);
        let err = a
            .apply(
                &[
                    Change::Set("k3".into(), Value::Json("3".into())),
                    Change::Set("big".into(), big),
                ],
                quota,
            )
            .unwrap_err();
        assert!(matches!(err, StorageError::Quota { .. }));
        assert_eq!(a.get("k3").unwrap(), None);
        assert_eq!(a.usage(), 8);
        // Replacing a value counts the difference; deleting frees.
        a.apply(
            &[Change::Set("k1".into(), Value::Json("12345".into()))],
            quota,
        )
        .unwrap();
        assert_eq!(a.usage(), 12);
        a.apply(&[Change::Delete("k2".into())], quota).unwrap();
        assert_eq!(a.usage(), 7);
        // Prefix listing with wildcard-looking keys.
        a.apply(
            &[
                Change::Set("p%_1".into(), Value::Json("1".into())),
                Change::Set("p%_2".into(), Value::Json("2".into())),
                Change::Set("pz".into(), Value::Json("3".into())),
            ],
            quota,
        )
        .unwrap();
        let keys: Vec<_> = a
            .list("p%_", 10)
            .unwrap()
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(keys, ["p%_1", "p%_2"]);
        assert_eq!(a.list("p", 2).unwrap().len(), 2);
        a.apply(&[Change::Clear], quota).unwrap();
        assert_eq!(a.usage(), 0);
        assert!(a.list("", 10).unwrap().is_empty());
        // Reopening sees the same usage.
        a.apply(
            &[Change::Set("x".into(), Value::Json("\"y\"".into()))],
            quota,
        )
        .unwrap();
        drop(a);
        let a = backend.open("a").unwrap();
        assert_eq!(a.usage(), 4);
        backend.purge("a").unwrap();
        let mut a = backend.open("a").unwrap();
        assert_eq!(a.get("x").unwrap(), None);
    }

    #[test]
    fn memory_backend() {
        exercise(&MemoryBackend::default());
    }

    /// With `QIRVO_TEST_POSTGRES_URL` (fleet mode; tests/all/fleet.rs says more).
    #[test]
    fn postgres_backend() {
        let Ok(url) = std::env::var("QIRVO_TEST_POSTGRES_URL") else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but QIRVO_TEST_POSTGRES_URL is not set"
            );
            eprintln!("note: QIRVO_TEST_POSTGRES_URL is not set: PostgreSQL skipped");
            return;
        };
        let settings = PostgresStorage {
            schema: "qirvo_t_unit".into(),
            ..PostgresStorage::new(url)
        };
        let fleet = crate::ext::storage::postgres::PgFleet::new(&settings).unwrap();
        let backend = crate::ext::storage::postgres::PgBackend { fleet };
        backend.purge("a").unwrap();
        backend.purge("b").unwrap();
        exercise(&backend);
    }

    #[test]
    fn sqlite_backend() {
        let dir = tempfile::tempdir().unwrap();
        exercise(&SqliteBackend {
            data_dir: dir.path().to_path_buf(),
        });
    }
}
