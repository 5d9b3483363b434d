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
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
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

/// A TCP relay in front of the database that can be cut (every connection dropped, new
/// ones refused) and restored on the same port: a database restart as replicas see it.
struct Relay {
    up: Arc<AtomicBool>,
    /// Connections being relayed now.
    open: Arc<AtomicUsize>,
    port: u16,
}

impl Relay {
    async fn start(target: String) -> Relay {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let open = Arc::new(AtomicUsize::new(0));
        let flag = up.clone();
        let count = open.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    return;
                };
                if !flag.load(Ordering::SeqCst) {
                    continue; // refused: dropped at once
                }
                let flag = flag.clone();
                let target = target.clone();
                let count = count.clone();
                count.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let _open = Open(count);
                    let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await else {
                        return;
                    };
                    let copy = tokio::io::copy_bidirectional(&mut inbound, &mut outbound);
                    tokio::pin!(copy);
                    loop {
                        tokio::select! {
                            _ = &mut copy => return,
                            _ = tokio::time::sleep(Duration::from_millis(20)) => {
                                if !flag.load(Ordering::SeqCst) {
                                    return; // cut: both sides closed
                                }
                            }
                        }
                    }
                });
            }
        });
        Relay { up, open, port }
    }

    /// Cuts (`false`: returns once every relayed connection is closed) or restores.
    async fn set(&self, up: bool) {
        self.up.store(up, Ordering::SeqCst);
        while !up && self.open.load(Ordering::SeqCst) > 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// Counts a relayed connection until it ends.
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

#[tokio::test(flavor = "multi_thread")]
async fn two_qirvo_run_processes_share_storage_and_events() {
    let Some(url) = postgres_url() else { return };
    let schema = "qirvo_t_cli";
    drop_schema(&url, schema).await;
    let (mut a, a_lines, _a_data) = run_replica(&url, schema);
    let a_me = lines_until(&a_lines, "me ").pop().unwrap();
    let (mut b, b_lines, _b_data) = run_replica(&url, schema);
    let b_seen = lines_until(&b_lines, "me ");
    let a_id = a_me.strip_prefix("me ").unwrap().to_string();
    let b_id = b_seen
        .last()
        .unwrap()
        .strip_prefix("me ")
        .unwrap()
        .to_string();
    // B read what A wrote.
    assert!(b_seen.contains(&format!("stored {a_id}")), "{b_seen:?}");
    // A heard B's hello exactly once before B's done (events keep their order).
    let heard = lines_until(&a_lines, &format!("heard fleet.cli.done from {b_id}"));
    let hello = format!("heard fleet.cli.hello from {b_id}");
    assert_eq!(
        heard.iter().filter(|l| **l == hello).count(),
        1,
        "{heard:?}"
    );
    a.kill().unwrap();
    b.kill().unwrap();
    a.wait().unwrap();
    b.wait().unwrap();
    drop_schema(&url, schema).await;
}
