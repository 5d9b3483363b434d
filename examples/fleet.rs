//! Fleet mode: two runtimes (in a real deployment, two replicas of your service behind a
//! load balancer) share one PostgreSQL database, so the same plugin sees the same data
//! on both, an event emitted on one reaches the plugin on the other, and a scheduled task
//! runs once per due time across both.
//!
//! `QIRVO_POSTGRES_URL=postgres://user:pass@localhost/app cargo run --example fleet`
//! (without the variable the example says what it needs and exits).

use std::time::Duration;

use qirvo::{PluginRuntime, PostgresStorage, RuntimeConfig, StorageKind};
use serde_json::json;

fn replica(storage: &StorageKind) -> anyhow::Result<PluginRuntime> {
    Ok(PluginRuntime::new(RuntimeConfig {
        // Each replica has its own data directory (caches, snapshot); plugin state is in
        // the database.
        data_dir: tempfile::tempdir()?.keep(),
        storage: storage.clone(),
        ..RuntimeConfig::default()
    })?)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let Ok(url) = std::env::var("QIRVO_POSTGRES_URL") else {
        eprintln!(
            "set QIRVO_POSTGRES_URL to a PostgreSQL database, e.g. postgres://postgres@127.0.0.1/postgres"
        );
        return Ok(());
    };
    let storage = StorageKind::Postgres(PostgresStorage {
        // Tables go in this schema, created and migrated on first use.
        schema: "qirvo_example".into(),
        ..PostgresStorage::new(url)
    });
    let (east, west) = (replica(&storage)?, replica(&storage)?);
    let plugin = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/plugins/fleet");
    let on_east = east.load(&plugin).await?;
    let on_west = west.load(&plugin).await?;

    // A write on one replica is read on the other.
    on_east
        .call(
            "set",
            vec![json!("greeting"), json!({"text": "hello from east"})],
        )
        .await?;
    let seen = on_west.call("get", vec![json!("greeting")]).await?;
    println!("west reads: {seen}");

    // An event emitted by the plugin on west reaches the plugin (and the host) on east.
    let mut host_east = east.events().subscribe("fleet.*")?;
    on_west
        .call("emit", vec![json!("fleet.hello"), json!("from west")])
        .await?;
    let event = tokio::time::timeout(Duration::from_secs(10), host_east.recv()).await?;
    println!("east's host got: {event:?}");

    // The quota (resources.storage, 4KB here) counts what both replicas stored.
    println!(
        "bytes used, seen from east: {}",
        on_east.call("usage", vec![]).await?
    );
    // Unloading keeps the data; purging (with the plugin unloaded everywhere) removes it.
    on_east.unload().await?;
    on_west.unload().await?;
    east.purge("fleet").await?;

    // Named one-second tasks, scheduled in a different order on each replica: each due
    // time of each task is claimed by one replica, which runs it.
    let named =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/plugins/fleet-named");
    let (tasks_east, tasks_west) = (east.load(&named).await?, west.load(&named).await?);
    tasks_east
        .call("schedule", vec![json!(["report", "sweep"])])
        .await?;
    tasks_west
        .call("schedule", vec![json!(["sweep", "report"])])
        .await?;
    tokio::time::sleep(Duration::from_secs(5)).await;
    println!(
        "runs on east: {}, on west: {} (together, about one per task per second)",
        tasks_east.call("counts", vec![]).await?,
        tasks_west.call("counts", vec![]).await?
    );
    Ok(())
}
