//! Fleet mode: plugin storage, events across replicas and scheduling claims in one
//! PostgreSQL database, so several host processes ("replicas") share plugin state.
//!
//! One [`PgFleet`] per runtime holds a small connection pool on a tokio runtime of its
//! own (two threads, "qirvo-pg"): the storage ops are synchronous calls on a plugin's
//! thread, so each call is sent there and waited for, at most
//! [`PostgresStorage::timeout`] and never past the plugin's step deadline (less a margin
//! for the plugin to handle the error); past that, or when the database cannot be
//! reached, the call fails with [`StorageError::Unavailable`] and nothing hangs. Connections are made
//! again on the next call, so the runtime recovers by itself when the database returns.
//!
//! Tables live in one schema (default `qirvo`), created and migrated by Qirvo: versioned
//! steps under a transaction-scoped advisory lock, so two replicas starting at once
//! migrate once. Keys are `bytea` (ordered bytewise, as SQLite and the memory store order
//! them, and able to hold U+0000); each plugin's byte total is one row locked by every
//! write, so the `resources.storage` quota holds across the whole fleet.
//!
//! Events: an event emitted on one replica is written to the `events` table and its id
//! sent with `NOTIFY`; every other replica's listening connection reads it by id and
//! delivers it on its own bus. Notifications arrive in commit order and each replica
//! writes its events one at a time, so events keep their order per emitter and each
//! subscriber gets each event once. A replica that was down (or whose listening
//! connection dropped) does not replay the events it missed; rows older than ten minutes
//! are deleted.
//!
//! Scheduling: a plugin task's run at a due time is claimed with one insert keyed by
//! (plugin, task, slot); the replica whose insert lands runs it. Each slot is its own
//! row, so a replica that dies mid-run never blocks the next one.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use parking_lot::Mutex;
use tokio::sync::{OnceCell, mpsc};
use tokio_postgres::NoTls;

use crate::ext::events::bus::{Bus, EventSource, EventTransport};
use crate::ext::scheduler::schedule::SlotClaims;
use crate::ext::storage::store::{
    Change, FleetSeams, PluginStore, StorageError, StoreBackend, Value, check_quota, usage_after,
};
use crate::manifest::ByteSize;

/// Where and how fleet mode keeps its state
/// ([`StorageKind::Postgres`](crate::StorageKind::Postgres)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostgresStorage {
    /// A libpq-style URL or key/value string, e.g.
    /// `postgres://qirvo:secret@db.internal:5432/app`. No TLS: use a network you trust
    /// or a local proxy.
    pub url: String,
    /// The schema Qirvo's tables live in: lowercase letters, digits and `_`, starting with
    /// a letter or `_`, at most 63 bytes. Default `qirvo`. Replicas sharing plugin state
    /// use the same one; separate fleets on one database use different ones.
    pub schema: String,
    /// Most connections this runtime opens (a listening connection for events comes on
    /// top). Default 8; 1 to 256.
    pub pool_size: usize,
    /// Longest a storage call waits for the database (pool checkout, connecting and the
    /// statements) before it fails with an `Unavailable` error. Default 5 s; 100 ms to
    /// 10 min. A call made inside a plugin's step waits less when the step's deadline
    /// (`resources.timeout`) is nearer: it ends with a quarter of what is left (at most
    /// 1 s) to spare, so the plugin can handle the error.
    pub timeout: Duration,
}

impl PostgresStorage {
    /// The defaults for a database URL.
    pub fn new(url: impl Into<String>) -> PostgresStorage {
        PostgresStorage {
            url: url.into(),
            schema: "qirvo".into(),
            pool_size: 8,
            timeout: Duration::from_secs(5),
        }
    }

    /// Checks the settings; `Err((field, reason))` names the first bad one.
    pub(crate) fn validate(&self) -> Result<tokio_postgres::Config, (&'static str, String)> {
        let config: tokio_postgres::Config = self
            .url
            .parse()
            .map_err(|e| ("storage.url", format!("is not a PostgreSQL URL: {e}")))?;
        let s = self.schema.as_bytes();
        let ok = !s.is_empty()
            && s.len() <= 63
            && (s[0].is_ascii_lowercase() || s[0] == b'_')
            && s.iter()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_');
        if !ok {
            return Err((
                "storage.schema",
                format!(
                    "{:?} is not a schema name (lowercase letters, digits and '_', at most 63 bytes)",
                    self.schema
                ),
            ));
        }
        if !(1..=256).contains(&self.pool_size) {
            return Err((
                "storage.pool_size",
                format!("{} is not between 1 and 256", self.pool_size),
            ));
        }
        if self.timeout < Duration::from_millis(100) || self.timeout > Duration::from_secs(600) {
            return Err((
                "storage.timeout",
                format!("{:?} is not between 100 ms and 10 minutes", self.timeout),
            ));
        }
        Ok(config)
    }
}

/// Schema steps, applied in order; the schema's `migrations` table holds the last applied.
/// `{s}` is the schema. Never edit a released step: add one.
const MIGRATIONS: &[&str] = &[
    // 1: storage, events, claims.
    "CREATE TABLE {s}.kv (
       plugin text NOT NULL,
       key bytea NOT NULL,
       kind smallint NOT NULL,
       value bytea NOT NULL,
       PRIMARY KEY (plugin, key)
     );
     CREATE TABLE {s}.usage (plugin text PRIMARY KEY, bytes bigint NOT NULL);
     CREATE TABLE {s}.events (
       id bigserial PRIMARY KEY,
       origin text NOT NULL,
       name text NOT NULL,
       payload text NOT NULL,
       source text NOT NULL,
       at timestamptz NOT NULL DEFAULT now()
     );
     CREATE TABLE {s}.claims (
       plugin text NOT NULL,
       task text NOT NULL,
       slot bigint NOT NULL,
       replica text NOT NULL,
       at timestamptz NOT NULL DEFAULT now(),
       PRIMARY KEY (plugin, task, slot)
     );",
];

/// How long event rows and claims are kept.
const KEEP: &str = "10 minutes";

/// Whether an error means the database could not be reached (or went away), as opposed
/// to a statement it refused.
fn unavailable(e: &tokio_postgres::Error) -> bool {
    match e.code() {
        // Class 08: connection exceptions; 57P01-57P03: shutting down / cannot connect now.
        Some(code) => {
            let c = code.code();
            c.starts_with("08") || c.starts_with("57P")
        }
        None => true,
    }
}

fn pg_err(e: tokio_postgres::Error) -> StorageError {
    if unavailable(&e) {
        StorageError::Unavailable(format!("PostgreSQL: {e}"))
    } else {
        StorageError::Backend(format!("PostgreSQL: {e}"))
    }
}

fn pool_err(e: deadpool_postgres::PoolError) -> StorageError {
    match e {
        deadpool_postgres::PoolError::Backend(e) => pg_err(e),
        other => StorageError::Unavailable(format!("PostgreSQL: {other}")),
    }
}

/// The database side of fleet mode, shared by the storage backend, the event transport and
/// the scheduling claims of one runtime.
pub(crate) struct PgFleet {
    rt: Option<tokio::runtime::Runtime>,
    pool: Pool,
    config: tokio_postgres::Config,
    schema: String,
    timeout: Duration,
    migrated: OnceCell<()>,
    /// This process's id in `events.origin` and `claims.replica`.
    replica: String,
    /// The last health probe's answer: reachable, and why not.
    reachable: AtomicBool,
    last_error: Mutex<Option<String>>,
    /// Events waiting to be written, in emit order.
    outbox: Mutex<Option<mpsc::UnboundedSender<(String, String, String)>>>,
    listening: AtomicBool,
}

impl Drop for PgFleet {
    fn drop(&mut self) {
        // The last handle may go on an async thread, where a runtime cannot be dropped
        // by blocking.
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

fn source_text(source: &EventSource) -> String {
    match source {
        EventSource::Host => "host".into(),
        EventSource::Plugin(id) => format!("plugin:{id}"),
    }
}

fn source_from(text: &str) -> EventSource {
    match text.strip_prefix("plugin:") {
        Some(id) => EventSource::Plugin(id.to_string()),
        None => EventSource::Host,
    }
}

impl PgFleet {
    /// Sets up the pool (no connection is made yet).
    pub(crate) fn new(settings: &PostgresStorage) -> Result<Arc<PgFleet>, StorageError> {
        let config = settings
            .validate()
            .map_err(|(field, reason)| StorageError::Backend(format!("{field} {reason}")))?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("qirvo-pg")
            .enable_all()
            .build()
            .map_err(|e| {
                StorageError::Backend(format!("cannot start the PostgreSQL runtime: {e}"))
            })?;
        let mut connect = config.clone();
        connect.connect_timeout(settings.timeout);
        connect.application_name("qirvo");
        let manager = Manager::from_config(
            connect,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = {
            let _in_rt = rt.enter();
            Pool::builder(manager)
                .max_size(settings.pool_size)
                .runtime(Runtime::Tokio1)
                .wait_timeout(Some(settings.timeout))
                .create_timeout(Some(settings.timeout))
                .recycle_timeout(Some(settings.timeout))
                .build()
                .map_err(|e| StorageError::Backend(format!("PostgreSQL pool: {e}")))?
        };
        let mut id = [0u8; 8];
        let _ = getrandom::fill(&mut id);
        let replica = format!(
            "{}-{}",
            std::process::id(),
            id.iter().map(|b| format!("{b:02x}")).collect::<String>()
        );
        Ok(Arc::new(PgFleet {
            rt: Some(rt),
            pool,
            config,
            schema: settings.schema.clone(),
            timeout: settings.timeout,
            migrated: OnceCell::new(),
            replica,
            reachable: AtomicBool::new(true),
            last_error: Mutex::new(None),
            outbox: Mutex::new(None),
            listening: AtomicBool::new(false),
        }))
    }

    fn handle(&self) -> Option<tokio::runtime::Handle> {
        self.rt.as_ref().map(|rt| rt.handle().clone())
    }

    fn sql(&self, text: &str) -> String {
        text.replace("{s}", &format!("\"{}\"", self.schema))
    }

    /// Creates or migrates the schema once per runtime (again after a failure).
    async fn ready(&self) -> Result<deadpool_postgres::Object, StorageError> {
        let mut client = self.pool.get().await.map_err(pool_err)?;
        self.migrated
            .get_or_try_init(|| async {
                let tx = client.transaction().await.map_err(pg_err)?;
                // One lock per schema name, for this transaction: a second replica waits
                // here and then finds the work done.
                tx.execute(
                    "SELECT pg_advisory_xact_lock(hashtext('qirvo.migrate.' || $1))",
                    &[&self.schema],
                )
                .await
                .map_err(pg_err)?;
                tx.batch_execute(&self.sql(
                    "CREATE SCHEMA IF NOT EXISTS {s};
                     CREATE TABLE IF NOT EXISTS {s}.migrations (version integer NOT NULL);",
                ))
                .await
                .map_err(pg_err)?;
                let row = tx
                    .query_opt(&self.sql("SELECT max(version) FROM {s}.migrations"), &[])
                    .await
                    .map_err(pg_err)?;
                let done: i32 = row.and_then(|r| r.get::<_, Option<i32>>(0)).unwrap_or(0);
                for (i, step) in MIGRATIONS.iter().enumerate() {
                    let version = i32::try_from(i + 1).unwrap_or(i32::MAX);
                    if version <= done {
                        continue;
                    }
                    tx.batch_execute(&self.sql(step)).await.map_err(pg_err)?;
                    tx.execute(
                        &self.sql("INSERT INTO {s}.migrations (version) VALUES ($1)"),
                        &[&version],
                    )
                    .await
                    .map_err(pg_err)?;
                }
                tx.commit().await.map_err(pg_err)?;
                Ok::<(), StorageError>(())
            })
            .await?;
        Ok(client)
    }

    /// How long a call may wait: the storage timeout, or less to end before `until` (the
    /// plugin's step deadline) with room to spare, so the plugin gets `Unavailable` while
    /// it can still handle it. Also says which limit it is, for the error.
    fn wait_for(&self, until: Option<Instant>) -> (Duration, String) {
        let storage = (
            self.timeout,
            format!("within {} ms", self.timeout.as_millis()),
        );
        let Some(until) = until else { return storage };
        let left = until.saturating_duration_since(Instant::now());
        // A quarter of what is left (at most 1 s) stays for the plugin after the call.
        let budget = left.saturating_sub((left / 4).min(Duration::from_secs(1)));
        if budget < self.timeout {
            (
                budget,
                format!(
                    "before the plugin's deadline ({} ms left)",
                    left.as_millis()
                ),
            )
        } else {
            storage
        }
    }

    /// Runs `work` on the pool's runtime and waits for it, at most the timeout and never
    /// past `until` (see [`wait_for`](Self::wait_for)): pool checkout, connecting and the
    /// statements all count. For synchronous callers (the storage ops, on plugin threads).
    fn block<T, F>(
        self: &Arc<Self>,
        until: Option<Instant>,
        work: impl FnOnce(Arc<PgFleet>) -> F,
    ) -> Result<T, StorageError>
    where
        T: Send + 'static,
        F: Future<Output = Result<T, StorageError>> + Send + 'static,
    {
        let Some(handle) = self.handle() else {
            return Err(StorageError::Unavailable("PostgreSQL: shut down".into()));
        };
        let (wait, limit) = self.wait_for(until);
        let late = StorageError::Unavailable(format!("PostgreSQL did not answer {limit}"));
        if wait.is_zero() {
            return Err(late);
        }
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let fut = work(self.clone());
        handle.spawn(async move {
            // Dropping `fut` at the timeout abandons the checkout, connection attempt or
            // statement it was waiting on (an open transaction rolls back).
            let result = tokio::time::timeout(wait, fut).await;
            let _ = tx.send(result.ok());
        });
        // The task always sends (its own timeout ends it); the small margin covers a
        // runtime slow to poll it, and this thread stops waiting regardless.
        let result = match rx.recv_timeout(wait + Duration::from_millis(50)) {
            Ok(Some(r)) => r,
            // Cut short by the plugin's deadline: that says nothing about the database.
            Ok(None) | Err(_) if wait < self.timeout => return Err(late),
            Ok(None) | Err(_) => Err(late),
        };
        self.record(&result);
        result
    }

    /// Runs `work` on the pool's runtime from async code, at most the timeout.
    fn spawn<T, F>(
        self: &Arc<Self>,
        work: impl FnOnce(Arc<PgFleet>) -> F,
    ) -> impl Future<Output = Result<T, StorageError>> + Send + 'static
    where
        T: Send + 'static,
        F: Future<Output = Result<T, StorageError>> + Send + 'static,
    {
        let handle = self.handle();
        let timeout = self.timeout;
        let fut = work(self.clone());
        async move {
            let Some(handle) = handle else {
                return Err(StorageError::Unavailable("PostgreSQL: shut down".into()));
            };
            let task = handle.spawn(tokio::time::timeout(timeout, fut));
            match task.await {
                Ok(Ok(r)) => r,
                Ok(Err(_)) => Err(StorageError::Unavailable(format!(
                    "PostgreSQL did not answer within {} ms",
                    timeout.as_millis()
                ))),
                Err(e) => Err(StorageError::Unavailable(format!("PostgreSQL: {e}"))),
            }
        }
    }

    /// Probes the database (and migrates it if it was not yet): `Err` says why it cannot
    /// be used. Records the answer for [`reachable`](Self::reachable).
    pub(crate) fn probe(self: &Arc<Self>) -> Result<(), String> {
        let result = self.block(None, |fleet| async move {
            let client = fleet.ready().await?;
            client.simple_query("SELECT 1").await.map_err(pg_err)?;
            Ok(())
        });
        result.map_err(|e| e.to_string())
    }

    fn record<T>(&self, result: &Result<T, StorageError>) {
        match result {
            Err(StorageError::Unavailable(why)) => {
                if self.reachable.swap(false, Ordering::Relaxed) {
                    tracing::warn!(target: "qirvo::storage", error = %why, "PostgreSQL unreachable");
                }
                *self.last_error.lock() = Some(why.clone());
            }
            Ok(_) => {
                if !self.reachable.swap(true, Ordering::Relaxed) {
                    tracing::info!(target: "qirvo::storage", "PostgreSQL reachable again");
                }
                *self.last_error.lock() = None;
            }
            Err(_) => {}
        }
    }

    /// The last known reachability (from the last call or probe).
    pub(crate) fn reachable(&self) -> Result<(), String> {
        if self.reachable.load(Ordering::Relaxed) {
            Ok(())
        } else {
            Err(self
                .last_error
                .lock()
                .clone()
                .unwrap_or_else(|| "unreachable".into()))
        }
    }
}

// ---------------------------------------------------------------------------------------
// Storage

/// The storage backend over a [`PgFleet`].
pub(crate) struct PgBackend {
    pub fleet: Arc<PgFleet>,
}

impl StoreBackend for PgBackend {
    fn open(&self, plugin: &str) -> Result<Box<dyn PluginStore>, StorageError> {
        let mut store = PgStore {
            fleet: self.fleet.clone(),
            plugin: plugin.to_string(),
            usage: Arc::new(AtomicU64::new(0)),
            until: None,
        };
        // Best effort: a plugin still loads while the database is away (its calls fail
        // with Unavailable until it returns).
        let _ = store.fresh_usage();
        Ok(Box::new(store))
    }

    fn purge(&self, plugin: &str) -> Result<(), StorageError> {
        let plugin = plugin.to_string();
        let r = self.fleet.block(None, |fleet| async move {
            let mut client = fleet.ready().await?;
            let tx = client.transaction().await.map_err(pg_err)?;
            tx.execute(
                &fleet.sql("DELETE FROM {s}.kv WHERE plugin = $1"),
                &[&plugin],
            )
            .await
            .map_err(pg_err)?;
            tx.execute(
                &fleet.sql("DELETE FROM {s}.usage WHERE plugin = $1"),
                &[&plugin],
            )
            .await
            .map_err(pg_err)?;
            tx.commit().await.map_err(pg_err)
        });
        r
    }

    fn probe(&self) -> Option<Result<(), String>> {
        Some(self.fleet.probe())
    }

    fn status(&self) -> Option<Result<(), String>> {
        Some(self.fleet.reachable())
    }

    fn fleet(&self) -> Option<FleetSeams> {
        Some(FleetSeams {
            events: self.fleet.clone(),
            claims: self.fleet.clone(),
        })
    }
}

struct PgStore {
    fleet: Arc<PgFleet>,
    plugin: String,
    usage: Arc<AtomicU64>,
    /// The running step's deadline: no call waits past it.
    until: Option<Instant>,
}

fn row_value(kind: i16, bytes: Vec<u8>) -> Value {
    if kind == 1 {
        Value::Bytes(bytes)
    } else {
        Value::Json(String::from_utf8_lossy(&bytes).into_owned())
    }
}

fn to_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl PgStore {
    fn run<T, F>(&self, work: impl FnOnce(Arc<PgFleet>, String) -> F) -> Result<T, StorageError>
    where
        T: Send + 'static,
        F: Future<Output = Result<T, StorageError>> + Send + 'static,
    {
        let plugin = self.plugin.clone();
        self.fleet
            .block(self.until, move |fleet| work(fleet, plugin))
    }
}

impl PluginStore for PgStore {
    fn get(&mut self, key: &str) -> Result<Option<Value>, StorageError> {
        let key = key.as_bytes().to_vec();
        self.run(|fleet, plugin| async move {
            let client = fleet.ready().await?;
            let stmt = client
                .prepare_cached(
                    &fleet.sql("SELECT kind, value FROM {s}.kv WHERE plugin = $1 AND key = $2"),
                )
                .await
                .map_err(pg_err)?;
            let row = client
                .query_opt(&stmt, &[&plugin, &key])
                .await
                .map_err(pg_err)?;
            Ok(row.map(|r| row_value(r.get(0), r.get(1))))
        })
    }

    fn list(&mut self, prefix: &str, limit: usize) -> Result<Vec<(String, Value)>, StorageError> {
        let prefix = prefix.as_bytes().to_vec();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.run(|fleet, plugin| async move {
            let client = fleet.ready().await?;
            // Bytewise order; `>= prefix` and a starts_with check (no LIKE wildcards).
            let rows = client
                .query(
                    &fleet.sql(
                        "SELECT key, kind, value FROM {s}.kv WHERE plugin = $1 AND key >= $2
                         ORDER BY key LIMIT $3",
                    ),
                    &[&plugin, &prefix, &limit.saturating_add(1)],
                )
                .await
                .map_err(pg_err)?;
            let mut out = Vec::new();
            for row in rows {
                let key: Vec<u8> = row.get(0);
                if !key.starts_with(&prefix) || out.len() as i64 >= limit {
                    break;
                }
                let key = String::from_utf8_lossy(&key).into_owned();
                out.push((key, row_value(row.get(1), row.get(2))));
            }
            Ok(out)
        })
    }

    fn apply(&mut self, changes: &[Change], quota: ByteSize) -> Result<(), StorageError> {
        let changes = changes.to_vec();
        let usage = self.usage.clone();
        self.run(|fleet, plugin| async move {
            let mut client = fleet.ready().await?;
            let tx = client.transaction().await.map_err(pg_err)?;
            // The plugin's total, locked until commit: writers on every replica queue here,
            // so the quota holds across the fleet.
            // (An upsert that changes nothing still locks the row, and returns the total.)
            let lock = tx
                .prepare_cached(&fleet.sql(
                    "INSERT INTO {s}.usage AS u (plugin, bytes) VALUES ($1, 0)
                     ON CONFLICT (plugin) DO UPDATE SET bytes = u.bytes RETURNING u.bytes",
                ))
                .await
                .map_err(pg_err)?;
            let before: i64 = tx
                .query_one(&lock, &[&plugin])
                .await
                .map_err(pg_err)?
                .get(0);
            let before = to_u64(before);
            let keys: Vec<Vec<u8>> = changes
                .iter()
                .filter_map(|c| match c {
                    Change::Set(k, _) | Change::Delete(k) => Some(k.as_bytes().to_vec()),
                    Change::Clear => None,
                })
                .collect();
            let mut sizes: HashMap<String, u64> = HashMap::new();
            if !keys.is_empty() {
                let sizes_of = tx
                    .prepare_cached(&fleet.sql(
                        "SELECT key, length(key) + length(value) FROM {s}.kv
                         WHERE plugin = $1 AND key = ANY($2)",
                    ))
                    .await
                    .map_err(pg_err)?;
                let rows = tx
                    .query(&sizes_of, &[&plugin, &keys])
                    .await
                    .map_err(pg_err)?;
                for row in rows {
                    let key: Vec<u8> = row.get(0);
                    let size: i32 = row.get(1);
                    sizes.insert(
                        String::from_utf8_lossy(&key).into_owned(),
                        u64::try_from(size).unwrap_or(0),
                    );
                }
            }
            let after = usage_after(before, &changes, |k| Ok(sizes.get(k).copied()))?;
            // On error the transaction is dropped, which rolls it back.
            check_quota(before, after, quota)?;
            let set = tx
                .prepare_cached(&fleet.sql(
                    "INSERT INTO {s}.kv (plugin, key, kind, value) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (plugin, key) DO UPDATE SET kind = excluded.kind, value = excluded.value",
                ))
                .await
                .map_err(pg_err)?;
            let delete = tx
                .prepare_cached(&fleet.sql("DELETE FROM {s}.kv WHERE plugin = $1 AND key = $2"))
                .await
                .map_err(pg_err)?;
            for change in &changes {
                match change {
                    Change::Clear => {
                        tx.execute(&fleet.sql("DELETE FROM {s}.kv WHERE plugin = $1"), &[&plugin])
                            .await
                            .map_err(pg_err)?;
                    }
                    Change::Delete(key) => {
                        tx.execute(&delete, &[&plugin, &key.as_bytes()])
                            .await
                            .map_err(pg_err)?;
                    }
                    Change::Set(key, value) => {
                        let (kind, bytes): (i16, &[u8]) = match value {
                            Value::Json(s) => (0, s.as_bytes()),
                            Value::Bytes(b) => (1, b),
                        };
                        tx.execute(&set, &[&plugin, &key.as_bytes(), &kind, &bytes])
                            .await
                            .map_err(pg_err)?;
                    }
                }
            }
            let total = i64::try_from(after).unwrap_or(i64::MAX);
            let update = tx
                .prepare_cached(&fleet.sql("UPDATE {s}.usage SET bytes = $2 WHERE plugin = $1"))
                .await
                .map_err(pg_err)?;
            tx.execute(&update, &[&plugin, &total])
                .await
                .map_err(pg_err)?;
            // Resolved only once committed (synchronous_commit: durable).
            tx.commit().await.map_err(pg_err)?;
            usage.store(after, Ordering::Relaxed);
            Ok(())
        })
    }

    fn usage(&self) -> u64 {
        self.usage.load(Ordering::Relaxed)
    }

    fn set_deadline(&mut self, until: Option<Instant>) {
        self.until = until;
    }

    fn fresh_usage(&mut self) -> Result<u64, StorageError> {
        let usage = self.usage.clone();
        self.run(|fleet, plugin| async move {
            let client = fleet.ready().await?;
            let row = client
                .query_opt(
                    &fleet.sql("SELECT bytes FROM {s}.usage WHERE plugin = $1"),
                    &[&plugin],
                )
                .await
                .map_err(pg_err)?;
            let bytes = row.map(|r| to_u64(r.get(0))).unwrap_or(0);
            usage.store(bytes, Ordering::Relaxed);
            Ok(bytes)
        })
    }
}

// ---------------------------------------------------------------------------------------
// Events

impl EventTransport for PgFleet {
    fn send(&self, name: &str, payload_json: &str, source: &EventSource) {
        if let Some(tx) = self.outbox.lock().as_ref() {
            let _ = tx.send((
                name.to_string(),
                payload_json.to_string(),
                source_text(source),
            ));
        }
    }

    fn start(self: Arc<Self>, bus: Weak<Bus>) {
        if self.listening.swap(true, Ordering::Relaxed) {
            return;
        }
        let Some(handle) = self.handle() else { return };
        let (tx, rx) = mpsc::unbounded_channel();
        *self.outbox.lock() = Some(tx);
        // Weak: the tasks end when the runtime (and so this fleet) goes.
        let me = Arc::downgrade(&self);
        handle.spawn(write_events(me.clone(), rx));
        handle.spawn(listen(me, bus));
    }
}

fn channel(schema: &str) -> String {
    format!("\"{schema}.events\"")
}

/// Writes this replica's events, one at a time in emit order, and notifies the others.
async fn write_events(
    fleet: Weak<PgFleet>,
    mut rx: mpsc::UnboundedReceiver<(String, String, String)>,
) {
    let mut written: u64 = 0;
    while let Some((name, payload, source)) = rx.recv().await {
        let Some(f) = fleet.upgrade() else { return };
        let result = async {
            let client = f.ready().await?;
            let id: i64 = client
                .query_one(
                    &f.sql(
                        "INSERT INTO {s}.events (origin, name, payload, source)
                         VALUES ($1, $2, $3, $4) RETURNING id",
                    ),
                    &[&f.replica, &name, &payload, &source],
                )
                .await
                .map_err(pg_err)?
                .get(0);
            client
                .execute(
                    "SELECT pg_notify($1, $2)",
                    &[&format!("{}.events", f.schema), &id.to_string()],
                )
                .await
                .map_err(pg_err)?;
            written += 1;
            if written % 1000 == 0 {
                let keep = format!("DELETE FROM {{s}}.events WHERE at < now() - interval '{KEEP}'");
                client.execute(&f.sql(&keep), &[]).await.map_err(pg_err)?;
            }
            Ok::<(), StorageError>(())
        };
        let result = tokio::time::timeout(f.timeout, result)
            .await
            .unwrap_or_else(|_| {
                Err(StorageError::Unavailable(
                    "PostgreSQL did not answer".into(),
                ))
            });
        if let Err(e) = result {
            f.record::<()>(&Err(StorageError::Unavailable(e.to_string())));
            tracing::warn!(target: "qirvo::events", event = %name, error = %e, "event not sent to the other replicas");
        }
    }
}

/// Listens for the other replicas' events and delivers them here; reconnects after a
/// failure (events sent while it was away are not replayed).
async fn listen(fleet: Weak<PgFleet>, bus: Weak<Bus>) {
    loop {
        let Some(f) = fleet.upgrade() else { return };
        let err = listen_once(&f, &bus).await;
        if bus.strong_count() == 0 {
            return;
        }
        tracing::debug!(target: "qirvo::events", error = %err, "event listener reconnecting");
        let pause = f.timeout.min(Duration::from_millis(500));
        drop(f);
        tokio::time::sleep(pause).await;
    }
}

async fn listen_once(f: &Arc<PgFleet>, bus: &Weak<Bus>) -> StorageError {
    // The schema must exist before LISTEN is useful.
    if let Err(e) = f.ready().await {
        return e;
    }
    let mut config = f.config.clone();
    config.connect_timeout(f.timeout);
    let (client, mut connection) = match config.connect(NoTls).await {
        Ok(c) => c,
        Err(e) => return pg_err(e),
    };
    let (ids_tx, mut ids_rx) = mpsc::unbounded_channel::<i64>();
    let conn = tokio::spawn(async move {
        loop {
            let msg = futures::future::poll_fn(|cx| connection.poll_message(cx)).await;
            match msg {
                Some(Ok(tokio_postgres::AsyncMessage::Notification(n))) => {
                    if let Ok(id) = n.payload().parse::<i64>() {
                        let _ = ids_tx.send(id);
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => return pg_err(e),
                None => {
                    return StorageError::Unavailable("PostgreSQL closed the connection".into());
                }
            }
        }
    });
    if let Err(e) = client
        .batch_execute(&format!("LISTEN {}", channel(&f.schema)))
        .await
    {
        conn.abort();
        return pg_err(e);
    }
    let select = f
        .sql("SELECT origin, name, payload, source FROM {s}.events WHERE id = ANY($1) ORDER BY id");
    loop {
        let Some(first) = ids_rx.recv().await else {
            return match conn.await {
                Ok(e) => e,
                Err(e) => StorageError::Unavailable(e.to_string()),
            };
        };
        let mut ids = vec![first];
        while let Ok(id) = ids_rx.try_recv() {
            ids.push(id);
        }
        let rows = match client.query(&select, &[&ids]).await {
            Ok(rows) => rows,
            Err(e) => {
                conn.abort();
                return pg_err(e);
            }
        };
        let Some(bus) = bus.upgrade() else {
            conn.abort();
            return StorageError::Unavailable("runtime gone".into());
        };
        for row in rows {
            let origin: &str = row.get(0);
            if origin == f.replica {
                continue;
            }
            let source: &str = row.get(3);
            bus.deliver(row.get(1), row.get(2), &source_from(source));
        }
    }
}

// ---------------------------------------------------------------------------------------
// Scheduling claims

impl SlotClaims for PgFleet {
    fn claim(
        self: Arc<Self>,
        owner: &str,
        task: &str,
        slot: i64,
    ) -> Pin<Box<dyn Future<Output = Result<bool, String>> + Send>> {
        let owner = owner.to_string();
        let task = task.to_string();
        let fut = self.spawn(move |f| async move {
            let client = f.ready().await?;
            let won = client
                .execute(
                    &f.sql(
                        "INSERT INTO {s}.claims (plugin, task, slot, replica) VALUES ($1, $2, $3, $4)
                         ON CONFLICT DO NOTHING",
                    ),
                    &[&owner, &task, &slot, &f.replica],
                )
                .await
                .map_err(pg_err)?;
            if slot % 64 == 0 {
                let keep = format!("DELETE FROM {{s}}.claims WHERE at < now() - interval '{KEEP}'");
                client.execute(&f.sql(&keep), &[]).await.map_err(pg_err)?;
            }
            Ok(won == 1)
        });
        let me = self.clone();
        Box::pin(async move {
            let r = fut.await;
            me.record(&r);
            r.map_err(|e| e.to_string())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How long a storage call may wait: the store's timeout, or less to end before the
    /// plugin's deadline with a quarter of what is left (at most 1 s) to spare. Needs no
    /// database (the pool connects on first use).
    #[test]
    fn a_call_waits_at_most_the_timeout_and_never_past_the_deadline() {
        let fleet = PgFleet::new(&PostgresStorage {
            timeout: Duration::from_secs(5),
            ..PostgresStorage::new("postgres://nobody@127.0.0.1:1/none")
        })
        .unwrap();
        let now = Instant::now();
        let within = |until: Duration, low: Duration, high: Duration| {
            let (wait, why) = fleet.wait_for(Some(now + until));
            assert!(
                low <= wait && wait <= high,
                "{until:?} left: waits {wait:?} ({why})"
            );
            why
        };
        // No step deadline, or one far enough: the store's timeout.
        assert_eq!(fleet.wait_for(None).0, Duration::from_secs(5));
        assert_eq!(
            within(
                Duration::from_secs(60),
                Duration::from_secs(5),
                Duration::from_secs(5)
            ),
            "within 5000 ms"
        );
        // 30 s left: 29 s would do, the timeout is shorter.
        within(
            Duration::from_secs(30),
            Duration::from_secs(5),
            Duration::from_secs(5),
        );
        // 3 s left: three quarters of it.
        let why = within(
            Duration::from_secs(3),
            Duration::from_millis(2200),
            Duration::from_millis(2250),
        );
        assert!(why.starts_with("before the plugin's deadline"), "{why}");
        // 6 s left: the timeout (5 s) is the smaller; 5.5 s left would leave 4.125 s.
        within(
            Duration::from_secs(6),
            Duration::from_secs(4),
            Duration::from_secs(5),
        );
        // Little or nothing left: little or no wait (a call then fails at once).
        within(
            Duration::from_millis(100),
            Duration::ZERO,
            Duration::from_millis(75),
        );
        assert_eq!(fleet.wait_for(Some(now)).0, Duration::ZERO);
        let past = now.checked_sub(Duration::from_secs(1)).unwrap_or(now);
        assert_eq!(fleet.wait_for(Some(past)).0, Duration::ZERO);
        // A call with no time left fails with Unavailable without touching the database.
        let err = fleet.block(Some(past), |_| async { Ok(()) }).unwrap_err();
        assert!(matches!(err, StorageError::Unavailable(_)), "{err}");
        assert!(
            fleet.reachable().is_ok(),
            "a deadline says nothing of the database"
        );
    }
}
