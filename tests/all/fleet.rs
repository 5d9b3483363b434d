//! Fleet mode (issue 18): replicas (two `PluginRuntime`s, or two `qirvo run` processes) on
//! one PostgreSQL database share plugin storage, events and scheduled runs.
//!
//! The database comes from `QIRVO_TEST_POSTGRES_URL` (e.g.
//! `postgres://postgres@127.0.0.1:55432/qirvo_test`, as `.ci/run` starts it). Without it
//! these tests print a note and pass, except under `CI=true`, where they fail. Each test
//! works in a schema of its own, so they run in parallel.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use qirvo::{PluginRuntime, PostgresStorage, RuntimeConfig, StorageKind, TaskOwner};
use serde_json::{Value, json};

use crate::helpers::*;

/// The test database's URL, or `None` (with a note) when there is none outside CI.
pub fn postgres_url() -> Option<String> {
    match std::env::var("QIRVO_TEST_POSTGRES_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but QIRVO_TEST_POSTGRES_URL is not set: .ci/run starts PostgreSQL"
            );
            eprintln!("note: QIRVO_TEST_POSTGRES_URL is not set: PostgreSQL tests skipped");
            None
        }
    }
}

/// Fleet storage in `schema`, emptied first (a test's schema is its own).
pub async fn postgres_kind(url: &str, schema: &str) -> StorageKind {
    drop_schema(url, schema).await;
    StorageKind::Postgres(PostgresStorage {
        schema: schema.to_string(),
        timeout: Duration::from_secs(10),
        ..PostgresStorage::new(url)
    })
}

async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connect to the test database");
    tokio::spawn(conn);
    client
}

async fn drop_schema(url: &str, schema: &str) {
    connect(url)
        .await
        .batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
        .await
        .expect("drop the test schema");
}

fn replica(kind: &StorageKind) -> PluginRuntime {
    let data = tempfile::tempdir().unwrap().keep();
    PluginRuntime::new(RuntimeConfig {
        data_dir: data,
        storage: kind.clone(),
        health_interval: None,
        ..RuntimeConfig::default()
    })
    .unwrap()
}

/// Polls `f` until it returns `Some`, for at most `secs` (only a failing test waits).
async fn eventually<T>(secs: u64, mut f: impl AsyncFnMut() -> Option<T>) -> Option<T> {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(secs) {
        if let Some(v) = f().await {
            return Some(v);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

#[tokio::test(flavor = "multi_thread")]
async fn two_runtimes_share_storage_events_and_quota() {
    let Some(url) = postgres_url() else { return };
    let kind = postgres_kind(&url, "qirvo_t_share").await;
    // Two replicas start (and migrate) at once.
    let (a, b) = (replica(&kind), replica(&kind));
    let (pa, pb) = tokio::join!(
        a.load(plugin_fixture("fleet")),
        b.load(plugin_fixture("fleet"))
    );
    let (pa, pb) = (pa.unwrap(), pb.unwrap());

    // A write on one is read on the other, JSON and bytes alike.
    let v = json!({"name": "Ada", "n": [1, 2.5, null]});
    assert_eq!(
        pa.call("set", vec![json!("k"), v.clone()]).await.unwrap(),
        json!("ok")
    );
    assert_eq!(pb.call("get", vec![json!("k")]).await.unwrap(), v);

    // The 4KB quota holds across both: 3000 bytes on A leave no room for 2000 on B.
    let big = "x".repeat(3000);
    assert_eq!(
        pa.call("set", vec![json!("big"), json!(big)])
            .await
            .unwrap(),
        json!("ok")
    );
    let over = pb
        .call("set", vec![json!("big2"), json!("y".repeat(2000))])
        .await
        .unwrap();
    assert_eq!(over["error"], json!("QuotaExceededError"), "{over}");
    assert_eq!(
        pa.call("get", vec![json!("big2")]).await.unwrap(),
        json!({"missing": true})
    );
    let used = pb.call("usage", vec![]).await.unwrap().as_u64().unwrap();
    assert!(used > 3000 && used <= 4096, "usage seen on B: {used}");

    // Events cross replicas once each, in order per emitter; host subscribers see them too.
    let mut host_b = b.events().subscribe("fleet.*").unwrap();
    for i in 0..30 {
        pa.call("emit", vec![json!("fleet.seq"), json!(i)])
            .await
            .unwrap();
    }
    a.events()
        .emit("fleet.host", json!("from A's host"))
        .unwrap();
    let expected: Vec<Value> = (0..30).map(|i| json!(i)).collect();
    let got_b = eventually(60, async || {
        let r = pb.call("receivedEvents", vec![]).await.unwrap();
        let r = r.as_array().unwrap().clone();
        r.iter().any(|e| e["name"] == "fleet.host").then_some(r)
    })
    .await
    .expect("A's events reach B");
    let seq_b: Vec<Value> = got_b
        .iter()
        .filter(|e| e["name"] == "fleet.seq")
        .map(|e| e["payload"].clone())
        .collect();
    assert_eq!(seq_b, expected, "each once, in order");
    assert!(
        got_b
            .iter()
            .all(|e| e["name"] != "fleet.seq" || e["source"] == "fleet"),
        "{got_b:?}"
    );
    assert_eq!(
        got_b.iter().filter(|e| e["name"] == "fleet.host").count(),
        1
    );
    // A's own plugin got its events once (locally), not again from the database.
    let got_a = pa.call("receivedEvents", vec![]).await.unwrap();
    let seq_a: Vec<Value> = got_a
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["name"] == "fleet.seq")
        .map(|e| e["payload"].clone())
        .collect();
    assert_eq!(seq_a, expected);
    let first = tokio::time::timeout(Duration::from_secs(30), host_b.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.name, "fleet.seq");
    assert_eq!(first.payload, json!(0));
    assert_eq!(first.source, qirvo::EventSource::Plugin("fleet".into()));

    // Purge on one replica empties the store for all.
    pa.unload().await.unwrap();
    pb.unload().await.unwrap();
    a.purge("fleet").await.unwrap();
    let pb = b.load(plugin_fixture("fleet")).await.unwrap();
    assert_eq!(
        pb.call("get", vec![json!("k")]).await.unwrap(),
        json!({"missing": true})
    );
    assert_eq!(pb.call("usage", vec![]).await.unwrap(), json!(0));
    drop_schema(&url, "qirvo_t_share").await;
}

/// A one-second `every` task on two replicas: each due time is claimed by one of them and
/// run there only. Counted, not timed: the runs the plugin made (rows it wrote) never
/// exceed the slots claimed, and both replicas competed for slots.
#[tokio::test(flavor = "multi_thread")]
async fn an_every_task_runs_once_per_slot_across_replicas() {
    let Some(url) = postgres_url() else { return };
    let schema = "qirvo_t_every";
    let kind = postgres_kind(&url, schema).await;
    let (a, b) = (replica(&kind), replica(&kind));
    let (pa, pb) = tokio::join!(
        a.load(plugin_fixture("fleet-every")),
        b.load(plugin_fixture("fleet-every"))
    );
    let (pa, pb) = (pa.unwrap(), pb.unwrap());
    let (sa, sb) = tokio::join!(pa.start(), pb.start());
    sa.unwrap();
    sb.unwrap();
    let owner = TaskOwner::Plugin("fleet-every".into());
    let tally = |rt: &PluginRuntime| {
        rt.scheduler()
            .list()
            .into_iter()
            .filter(|t| t.owner == owner)
            .map(|t| (t.runs, t.elsewhere))
            .fold((0, 0), |(r, e), (r2, e2)| (r + r2, e + e2))
    };
    let enough = eventually(120, async || {
        let ((ra, ea), (rb, eb)) = (tally(&a), tally(&b));
        (ra + rb >= 10 && ea + eb >= 1).then_some(((ra, ea), (rb, eb)))
    })
    .await;
    assert!(
        enough.is_some(),
        "ten slots run: A {:?}, B {:?}",
        tally(&a),
        tally(&b)
    );
    pa.call("cancel", vec![]).await.unwrap();
    pb.call("cancel", vec![]).await.unwrap();
    // Runs already posted finish before the calls above answer.
    let made = pa.call("runs", vec![]).await.unwrap().as_u64().unwrap()
        + pb.call("runs", vec![]).await.unwrap().as_u64().unwrap();
    let db = connect(&url).await;
    let claims: i64 = db
        .query_one(
            &format!("SELECT count(*) FROM \"{schema}\".claims WHERE plugin = 'fleet-every'"),
            &[],
        )
        .await
        .unwrap()
        .get(0);
    let rows: i64 = db
        .query_one(
            &format!("SELECT count(*) FROM \"{schema}\".kv WHERE plugin = 'fleet-every'"),
            &[],
        )
        .await
        .unwrap()
        .get(0);
    let claims = u64::try_from(claims).unwrap();
    assert!(made >= 10, "{made} runs");
    assert_eq!(u64::try_from(rows).unwrap(), made, "each run wrote one row");
    // A claim whose run was cancelled before it started is the only slack.
    assert!(
        made <= claims && claims <= made + 2,
        "{made} runs for {claims} claimed slots"
    );
    drop_schema(&url, schema).await;
}

/// Named tasks are claimed by name: two replicas that schedule the same three one-second
/// tasks in different orders still run each task once per slot across both. (Without the
/// names, a task's identity is its order among same-spec tasks, and the replicas would
/// disagree on which is which.)
#[tokio::test(flavor = "multi_thread")]
async fn named_tasks_are_claimed_by_name_whatever_the_order() {
    let Some(url) = postgres_url() else { return };
    let schema = "qirvo_t_named";
    let kind = postgres_kind(&url, schema).await;
    let (a, b) = (replica(&kind), replica(&kind));
    let (pa, pb) = tokio::join!(
        a.load(plugin_fixture("fleet-named")),
        b.load(plugin_fixture("fleet-named"))
    );
    let (pa, pb) = (pa.unwrap(), pb.unwrap());
    let names = ["alpha", "beta", "report:daily/v2"];
    pa.call("schedule", vec![json!(names)]).await.unwrap();
    let reversed: Vec<&str> = names.iter().rev().copied().collect();
    pb.call("schedule", vec![json!(reversed)]).await.unwrap();
    // Listed under their names.
    let listed: Vec<String> = b
        .scheduler()
        .list()
        .into_iter()
        .filter(|t| t.owner == TaskOwner::Plugin("fleet-named".into()))
        .map(|t| t.name)
        .collect();
    assert_eq!(listed, reversed);

    let counts = async || {
        let ca = pa.call("counts", vec![]).await.unwrap();
        let cb = pb.call("counts", vec![]).await.unwrap();
        names
            .iter()
            .map(|n| ca[n].as_u64().unwrap() + cb[n].as_u64().unwrap())
            .collect::<Vec<u64>>()
    };
    let elsewhere = |rt: &PluginRuntime| -> u64 {
        rt.scheduler()
            .list()
            .iter()
            .filter(|t| t.owner == TaskOwner::Plugin("fleet-named".into()))
            .map(|t| t.elsewhere)
            .sum()
    };
    let enough = eventually(120, async || {
        let c = counts().await;
        (c.iter().all(|n| *n >= 10) && elsewhere(&a) + elsewhere(&b) >= 1).then_some(c)
    })
    .await;
    assert!(
        enough.is_some(),
        "ten slots of each task: {:?}",
        counts().await
    );
    pa.call("cancel", vec![]).await.unwrap();
    pb.call("cancel", vec![]).await.unwrap();
    let runs = counts().await;

    let db = connect(&url).await;
    let rows = db
        .query(
            &format!(
                "SELECT task, count(*) FROM \"{schema}\".claims WHERE plugin = 'fleet-named'
                 GROUP BY task ORDER BY task"
            ),
            &[],
        )
        .await
        .unwrap();
    let claims: Vec<(String, u64)> = rows
        .iter()
        .map(|r| (r.get(0), u64::try_from(r.get::<_, i64>(1)).unwrap()))
        .collect();
    let tasks: Vec<&str> = claims.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(tasks, names, "claims are keyed by the names");
    for ((name, claimed), ran) in claims.iter().zip(&runs) {
        // Each run was a slot claimed once; a claim whose run was cancelled before it
        // started is the only slack.
        assert!(
            *ran <= *claimed && *claimed <= ran + 2,
            "{name}: {ran} runs for {claimed} claimed slots"
        );
    }
    drop_schema(&url, schema).await;
}

/// What a [`Relay`] does with connections.
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Mode {
    /// Relays both ways.
    Up = 0,
    /// Drops every connection and refuses new ones: a database restart as replicas see it.
    Cut = 1,
    /// Keeps connections open but passes nothing, and holds new ones unanswered: a
    /// database (or network) that hangs.
    Stalled = 2,
}

/// A TCP relay in front of the database that can be cut, stalled and restored on the same
/// port.
struct Relay {
    mode: Arc<AtomicU8>,
    /// Connections being relayed now.
    open: Arc<AtomicUsize>,
    /// Of those, the ones that saw the stall and pass nothing.
    parked: Arc<AtomicUsize>,
    port: u16,
}

fn mode_of(flag: &AtomicU8) -> Mode {
    match flag.load(Ordering::SeqCst) {
        0 => Mode::Up,
        1 => Mode::Cut,
        _ => Mode::Stalled,
    }
}

impl Relay {
    async fn start(target: String) -> Relay {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mode = Arc::new(AtomicU8::new(Mode::Up as u8));
        let open = Arc::new(AtomicUsize::new(0));
        let parked = Arc::new(AtomicUsize::new(0));
        let flag = mode.clone();
        let count = open.clone();
        let stalls = parked.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    return;
                };
                if mode_of(&flag) == Mode::Cut {
                    continue; // refused: dropped at once
                }
                let flag = flag.clone();
                let target = target.clone();
                let count = count.clone();
                let stalls = stalls.clone();
                count.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let _open = Open(count);
                    let park = async || {
                        stalls.fetch_add(1, Ordering::SeqCst);
                        let _parked = Open(stalls.clone());
                        while mode_of(&flag) == Mode::Stalled {
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                    };
                    // Accepted while stalled: held unanswered until the mode changes.
                    if mode_of(&flag) == Mode::Stalled {
                        park().await;
                    }
                    if mode_of(&flag) == Mode::Cut {
                        return;
                    }
                    let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await else {
                        return;
                    };
                    let copy = tokio::io::copy_bidirectional(&mut inbound, &mut outbound);
                    tokio::pin!(copy);
                    loop {
                        match mode_of(&flag) {
                            Mode::Cut => return, // both sides closed
                            // Not polled: what either side sends waits in the sockets.
                            Mode::Stalled => park().await,
                            Mode::Up => tokio::select! {
                                _ = &mut copy => return,
                                _ = tokio::time::sleep(Duration::from_millis(20)) => {}
                            },
                        }
                    }
                });
            }
        });
        Relay {
            mode,
            open,
            parked,
            port,
        }
    }

    /// Cuts (`false`: returns once every relayed connection is closed) or restores.
    async fn set(&self, up: bool) {
        self.set_mode(if up { Mode::Up } else { Mode::Cut }).await;
    }

    /// Returns once every connection obeys: for `Cut`, all closed; for `Stalled`, all
    /// passing nothing.
    async fn set_mode(&self, mode: Mode) {
        self.mode.store(mode as u8, Ordering::SeqCst);
        loop {
            let open = self.open.load(Ordering::SeqCst);
            let done = match mode {
                Mode::Up => true,
                Mode::Cut => open == 0,
                Mode::Stalled => self.parked.load(Ordering::SeqCst) >= open,
            };
            if done {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// Counts a relayed (or parked) connection until it ends (or resumes).
struct Open(Arc<AtomicUsize>);

impl Drop for Open {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// `url` with its host and port replaced by 127.0.0.1:`port`.
fn via(url: &str, port: u16) -> (String, String) {
    let (scheme, rest) = url.split_once("://").expect("a postgres:// URL");
    let (auth, path) = rest.split_once('/').unwrap_or((rest, ""));
    let (user, hostport) = match auth.rsplit_once('@') {
        Some((u, h)) => (format!("{u}@"), h),
        None => (String::new(), auth),
    };
    let target = if hostport.contains(':') {
        hostport.to_string()
    } else {
        format!("{hostport}:5432")
    };
    (format!("{scheme}://{user}127.0.0.1:{port}/{path}"), target)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_database_restart_gives_typed_errors_then_recovers() {
    let Some(url) = postgres_url() else { return };
    let schema = "qirvo_t_restart";
    let direct = postgres_kind(&url, schema).await;
    let (_, target) = via(&url, 0);
    let relay = Relay::start(target).await;
    let (relayed, _) = via(&url, relay.port);
    let kind = StorageKind::Postgres(PostgresStorage {
        schema: schema.into(),
        timeout: Duration::from_secs(1),
        ..PostgresStorage::new(relayed)
    });
    let a = replica(&kind);
    let b = replica(&direct);
    let pa = a.load(plugin_fixture("fleet")).await.unwrap();
    let pb = b.load(plugin_fixture("fleet")).await.unwrap();
    assert_eq!(
        pa.call("set", vec![json!("k"), json!(1)]).await.unwrap(),
        json!("ok")
    );

    relay.set(false).await;
    // Typed errors within the store's timeout (1 s here), never a hang.
    let started = Instant::now();
    let err = pa.call("get", vec![json!("k")]).await.unwrap();
    assert_eq!(err, json!({"error": "Unavailable", "unavailable": true}));
    let err = pa.call("set", vec![json!("k"), json!(2)]).await.unwrap();
    assert_eq!(err, json!({"error": "Unavailable", "unavailable": true}));
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    let health = a.check_health().await;
    assert!(
        health[0]
            .1
            .issues
            .iter()
            .any(|i| i.starts_with("storage: unreachable")),
        "{health:?}"
    );
    assert!(
        a.metrics_text().contains("qirvo_storage_up 0"),
        "{}",
        a.metrics_text()
    );
    // Meanwhile the other replica goes on.
    assert_eq!(
        pb.call("set", vec![json!("k"), json!(3)]).await.unwrap(),
        json!("ok")
    );

    relay.set(true).await;
    let back = eventually(60, async || {
        let v = pa.call("get", vec![json!("k")]).await.unwrap();
        (v == json!(3)).then_some(v)
    })
    .await;
    assert!(back.is_some(), "A reads again after the database returns");
    assert!(a.check_health().await[0].1.healthy);
    assert!(a.metrics_text().contains("qirvo_storage_up 1"));
    // Events flow again once A's listener has reconnected.
    let heard = eventually(60, async || {
        pb.call("emit", vec![json!("fleet.back"), json!(1)])
            .await
            .unwrap();
        let r = pa.call("receivedEvents", vec![]).await.unwrap();
        r.as_array()
            .unwrap()
            .iter()
            .any(|e| e["name"] == "fleet.back")
            .then_some(())
    })
    .await;
    assert!(heard.is_some(), "B's events reach A again");
    drop_schema(&url, schema).await;
}

/// A database that hangs (the relay stalled: no answer, no error) while a plugin's deadline
/// (3 s) is shorter than the store's timeout (60 s): every kind of storage call, from a
/// call and from a lifecycle step, rejects with `Unavailable` before the deadline, so the
/// plugin answers instead of being killed for its timeout.
#[tokio::test(flavor = "multi_thread")]
async fn storage_calls_end_within_the_plugins_deadline() {
    let Some(url) = postgres_url() else { return };
    let schema = "qirvo_t_deadline";
    drop_schema(&url, schema).await;
    let (_, target) = via(&url, 0);
    let relay = Relay::start(target).await;
    let (relayed, _) = via(&url, relay.port);
    let kind = StorageKind::Postgres(PostgresStorage {
        schema: schema.into(),
        timeout: Duration::from_secs(60),
        ..PostgresStorage::new(relayed)
    });
    let a = replica(&kind);
    let p = a.load(plugin_fixture("fleet-deadline")).await.unwrap();
    assert_eq!(
        p.call("call", vec![json!("set")]).await.unwrap(),
        json!("ok")
    );

    relay.set_mode(Mode::Stalled).await;
    p.start().await.expect("start ends in time");
    let unavailable = json!({"error": "Unavailable", "unavailable": true});
    assert_eq!(p.call("startSaw", vec![]).await.unwrap(), unavailable);
    // (A call killed for its timeout would be an `Err` here.)
    for call in ["get", "set", "delete", "list", "atomic", "usage"] {
        match p.call("call", vec![json!(call)]).await {
            Ok(v) => assert_eq!(v, unavailable, "storage.{call}"),
            Err(e) => panic!("storage.{call}: {e}"),
        }
    }

    relay.set_mode(Mode::Cut).await;
    relay.set(true).await;
    let back = eventually(60, async || {
        let v = p.call("call", vec![json!("get")]).await.unwrap();
        (v == json!("ok")).then_some(v)
    })
    .await;
    assert!(back.is_some(), "storage answers again after the stall");
    drop(a);
    drop_schema(&url, schema).await;
}

/// A PostgreSQL cluster of the test's own, on a free port, so it can be stopped and
/// started without disturbing other tests: `initdb` into a temporary directory, run as the
/// `postgres` user when the test runs as root (PostgreSQL refuses root), as CI does.
struct Cluster {
    bin: std::path::PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    as_postgres: bool,
}

impl Cluster {
    /// Makes and starts one; `Err` says why it cannot be made here.
    fn start() -> Result<Cluster, String> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .map_err(|e| format!("no /usr/lib/postgresql: {e}"))?
            .filter_map(|d| d.ok().map(|d| d.path().join("bin")))
            .filter(|b| b.join("initdb").exists() && b.join("pg_ctl").exists())
            .max_by_key(|b| {
                b.parent()
                    .and_then(|v| v.file_name()?.to_str()?.parse::<u32>().ok())
                    .unwrap_or(0)
            })
            .ok_or("no initdb and pg_ctl under /usr/lib/postgresql/*/bin")?;
        let uid = Command::new("id")
            .arg("-u")
            .output()
            .map_err(|e| e.to_string())?;
        let as_postgres = text(&uid.stdout).trim() == "0";
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        if as_postgres {
            let chown = Command::new("chown")
                .arg("postgres")
                .arg(dir.path())
                .output()
                .map_err(|e| e.to_string())?;
            if !chown.status.success() {
                return Err(format!("chown postgres: {}", text(&chown.stderr)));
            }
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let cluster = Cluster {
            bin,
            dir,
            port,
            as_postgres,
        };
        let data = cluster.data();
        cluster.run(&format!(
            "'{}' -D '{data}' -U postgres --auth=trust -E UTF8 --no-sync",
            cluster.bin.join("initdb").display()
        ))?;
        cluster.up()?;
        Ok(cluster)
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Runs a shell command, as `postgres` when needed; `Err` has its output.
    fn run(&self, command: &str) -> Result<(), String> {
        let out = if self.as_postgres {
            Command::new("su")
                .args(["postgres", "-s", "/bin/sh", "-c", command])
                .output()
        } else {
            Command::new("/bin/sh").args(["-c", command]).output()
        }
        .map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{command}: {}{}",
                text(&out.stdout),
                text(&out.stderr)
            ))
        }
    }

    fn pg_ctl(&self, args: &str) -> Result<(), String> {
        self.run(&format!(
            "'{}' -D '{}' {args}",
            self.bin.join("pg_ctl").display(),
            self.data()
        ))
    }

    /// Starts the server and waits until it accepts connections.
    fn up(&self) -> Result<(), String> {
        let dir = self.dir.path().display();
        self.pg_ctl(&format!(
            "-l '{dir}/log' -w -t 120 -o \"-p {} -k '{dir}' -c listen_addresses=127.0.0.1\" start",
            self.port
        ))
    }

    /// Stops the server the usual way (connections closed, everything flushed).
    fn down(&self) -> Result<(), String> {
        self.pg_ctl("-m fast -w -t 120 stop")
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.pg_ctl("-m immediate -w stop");
    }
}

/// A real server restart while a plugin keeps writing: each call in between rejects with
/// `Unavailable` (no other error, no hang, no timeout), what was written before is still
/// there, and both replicas work again once the server is back, with nothing restarted.
#[tokio::test(flavor = "multi_thread")]
async fn a_real_server_restart_gives_typed_errors_then_recovers() {
    // Checked first, for its CI rule; this test uses a server of its own.
    if postgres_url().is_none() {
        return;
    }
    let cluster = match tokio::task::spawn_blocking(Cluster::start).await.unwrap() {
        Ok(c) => Arc::new(c),
        Err(why) => {
            eprintln!("note: cannot run a private PostgreSQL server ({why}): restart test skipped");
            return;
        }
    };
    let kind = StorageKind::Postgres(PostgresStorage {
        timeout: Duration::from_secs(2),
        ..PostgresStorage::new(cluster.url())
    });
    let (a, b) = (replica(&kind), replica(&kind));
    let pa = a.load(plugin_fixture("fleet")).await.unwrap();
    let pb = b.load(plugin_fixture("fleet")).await.unwrap();
    assert_eq!(
        pa.call("set", vec![json!("before"), json!("kept")])
            .await
            .unwrap(),
        json!("ok")
    );

    // The plugin writes 1, 2, 3... one call after another, until told to stop after a
    // write that worked.
    let results = Arc::new(parking_lot::Mutex::new(Vec::<(u64, Value)>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = tokio::spawn({
        let (pa, results, stop) = (pa.clone(), results.clone(), stop.clone());
        async move {
            for i in 1.. {
                let r = match pa.call("set", vec![json!("n"), json!(i)]).await {
                    Ok(v) => v,
                    Err(e) => json!({ "failed": e.to_string() }),
                };
                let ok = r == json!("ok");
                results.lock().push((i, r));
                if ok && stop.load(Ordering::SeqCst) {
                    return i;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            unreachable!()
        }
    });
    let oks_after = |from: usize| {
        results.lock()[from..]
            .iter()
            .filter(|(_, r)| *r == json!("ok"))
            .count()
    };
    assert!(
        eventually(60, async || (oks_after(0) >= 3).then_some(()))
            .await
            .is_some()
    );

    let c = cluster.clone();
    tokio::task::spawn_blocking(move || c.down())
        .await
        .unwrap()
        .unwrap();
    let down_at = results.lock().len();
    let refused = eventually(60, async || {
        results.lock()[down_at..]
            .iter()
            .any(|(_, r)| r["error"] == "Unavailable")
            .then_some(())
    })
    .await;
    assert!(refused.is_some(), "calls fail while the server is down");
    let health = a.check_health().await;
    assert!(
        health[0]
            .1
            .issues
            .iter()
            .any(|i| i.starts_with("storage: unreachable")),
        "{health:?}"
    );
    assert!(a.metrics_text().contains("qirvo_storage_up 0"));

    let c = cluster.clone();
    tokio::task::spawn_blocking(move || c.up())
        .await
        .unwrap()
        .unwrap();
    let up_at = results.lock().len();
    let back = eventually(60, async || (oks_after(up_at) >= 3).then_some(())).await;
    assert!(back.is_some(), "A writes again once the server is back");
    stop.store(true, Ordering::SeqCst);
    let last = writer.await.unwrap();

    let results = results.lock().clone();
    let unavailable = json!({"error": "Unavailable", "unavailable": true});
    let odd: Vec<_> = results
        .iter()
        .filter(|(_, r)| *r != json!("ok") && *r != unavailable)
        .collect();
    assert!(odd.is_empty(), "only typed errors in between: {odd:?}");
    // B (which did nothing meanwhile) reads A's last write, and what was written before.
    assert_eq!(pb.call("get", vec![json!("n")]).await.unwrap(), json!(last));
    assert_eq!(
        pb.call("get", vec![json!("before")]).await.unwrap(),
        json!("kept")
    );
    assert!(a.check_health().await[0].1.healthy);
    assert!(a.metrics_text().contains("qirvo_storage_up 1"));
    drop((pa, pb, a, b));
}

/// Starts `qirvo run fixtures/plugins/fleet-cli` on the test database; returns the child
/// and a channel of its plugin's lines.
fn run_replica(
    url: &str,
    schema: &str,
) -> (
    std::process::Child,
    std::sync::mpsc::Receiver<String>,
    tempfile::TempDir,
) {
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_qirvo"))
        .args([
            "run",
            "fixtures/plugins/fleet-cli",
            "--for",
            "120s",
            "--storage",
            url,
        ])
        .args(["--storage-schema", schema, "--data-dir"])
        .arg(data.path())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = BufReader::new(child.stdout.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in out.lines().map_while(Result::ok) {
            if let Some(l) = line.strip_prefix("[fleet-cli] ") {
                let _ = tx.send(l.to_string());
            }
        }
    });
    (child, rx, data)
}

/// The lines up to and including the first that starts with `prefix`.
fn lines_until(rx: &std::sync::mpsc::Receiver<String>, prefix: &str) -> Vec<String> {
    let mut seen = Vec::new();
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(120))
            .unwrap_or_else(|_| panic!("no line starting {prefix:?}; saw {seen:?}"));
        let done = line.starts_with(prefix);
        seen.push(line);
        if done {
            return seen;
        }
    }
}

/// Two `qirvo run` processes on one database: B reads what A stored, A's write pushes B
/// over the shared quota, events cross once and in order, and the named one-second task
/// runs once per slot across both (counted from the lines the processes print and the
/// claims in the database, over at least ten slots; nothing is timed).
#[tokio::test(flavor = "multi_thread")]
async fn two_qirvo_run_processes_share_storage_events_quota_and_schedule() {
    let Some(url) = postgres_url() else { return };
    let schema = "qirvo_t_cli";
    drop_schema(&url, schema).await;
    let (mut a, a_lines, _a_data) = run_replica(&url, schema);
    let a_seen = lines_until(&a_lines, "me ");
    let a_id = a_seen
        .last()
        .unwrap()
        .strip_prefix("me ")
        .unwrap()
        .to_string();
    assert!(a_seen.contains(&"filled".to_string()), "{a_seen:?}");
    let (mut b, b_lines, _b_data) = run_replica(&url, schema);
    let b_seen = lines_until(&b_lines, "me ");
    let b_id = b_seen
        .last()
        .unwrap()
        .strip_prefix("me ")
        .unwrap()
        .to_string();
    // B read what A wrote, and A's 3000 bytes left no room in the 4KB quota for B's 2000.
    assert!(b_seen.contains(&format!("stored {a_id}")), "{b_seen:?}");
    assert!(
        b_seen.contains(&"quota QuotaExceededError".to_string()),
        "{b_seen:?}"
    );
    let usage: u64 = b_seen
        .iter()
        .find_map(|l| l.strip_prefix("usage "))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no usage line: {b_seen:?}"));
    assert!(usage > 3000 && usage <= 4096, "usage seen by B: {usage}");
    // A heard B's hello exactly once before B's done (events keep their order).
    let mut a_rest = lines_until(&a_lines, &format!("heard fleet.cli.done from {b_id}"));
    let hello = format!("heard fleet.cli.hello from {b_id}");
    assert_eq!(
        a_rest.iter().filter(|l| **l == hello).count(),
        1,
        "{a_rest:?}"
    );

    // The task's runs, from now on, with both replicas up: at least ten of them.
    let tick = |l: &String| l.starts_with("tick ");
    let mut b_rest = Vec::new();
    let mut since_both = 0;
    let start = Instant::now();
    while since_both < 10 {
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "{since_both} runs; A: {a_rest:?}, B: {b_rest:?}"
        );
        for (rx, seen) in [(&a_lines, &mut a_rest), (&b_lines, &mut b_rest)] {
            while let Ok(line) = rx.try_recv() {
                since_both += usize::from(tick(&line));
                seen.push(line);
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    a.kill().unwrap();
    b.kill().unwrap();
    a.wait().unwrap();
    b.wait().unwrap();
    // Every line either printed, up to the end of its output.
    let mut all: Vec<String> = a_seen
        .into_iter()
        .chain(a_rest)
        .chain(b_seen)
        .chain(b_rest)
        .collect();
    all.extend(a_lines.iter());
    all.extend(b_lines.iter());
    let ran = all.iter().filter(|l| tick(l)).count() as u64;
    let db = connect(&url).await;
    let rows = db
        .query(
            &format!(
                "SELECT task, count(*) FROM \"{schema}\".claims
                 WHERE plugin = 'fleet-cli' GROUP BY task"
            ),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 1, "one task");
    assert_eq!(rows[0].get::<_, &str>(0), "tick");
    let claimed = u64::try_from(rows[0].get::<_, i64>(1)).unwrap();
    // Each run was a slot claimed once; a claim whose process was killed before the run
    // printed is the only slack (one per process).
    assert!(
        ran <= claimed && claimed <= ran + 2,
        "{ran} runs for {claimed} claimed slots"
    );
    drop_schema(&url, schema).await;
}
