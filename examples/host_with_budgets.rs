//! A host with budgets, a lifecycle hook, events, the scheduler and metrics:
//! `cargo run --example host_with_budgets`.

use std::time::Duration;

use qirvo::{
    Budgets, ByteSize, HookError, HookPhase, PluginRuntime, RuntimeConfig, Schedule, StorageKind,
};
use serde_json::json;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runtime = PluginRuntime::new(RuntimeConfig {
        storage: StorageKind::Memory,
        budgets: Budgets {
            memory: Some(ByteSize::mib(256)),
            ..Budgets::default()
        },
        ..RuntimeConfig::default()
    })?;

    // Refuse plugins that ask for network access, before anything is allocated.
    runtime.hooks().register(
        HookPhase::PreLoad,
        "no-network",
        50,
        true,
        |ctx| async move {
            if ctx.manifest.grants(qirvo::Permission::NetworkAccess) {
                return Err(HookError::new("this host runs offline plugins only"));
            }
            Ok(())
        },
    );

    // Hear what plugins announce.
    let mut changes = runtime.events().subscribe("counter.*")?;
    let counter = runtime.load("examples/plugins/counter").await?;
    counter.start().await?;
    counter.call("increment", vec![]).await?;
    let event = tokio::time::timeout(Duration::from_secs(5), changes.recv()).await?;
    println!("event: {event:?}");

    // Tell plugins to reset, and check.
    runtime.events().emit("counter.reset", json!(null))?;
    tokio::time::sleep(Duration::from_millis(50)).await;
    println!("after reset: {}", counter.call("value", vec![]).await?);

    // A host job on the same scheduler as the plugins' tasks.
    runtime
        .scheduler()
        .schedule("report", Schedule::every("200ms")?, || async {
            println!("(host job ran)");
        });
    tokio::time::sleep(Duration::from_millis(450)).await;
    for task in runtime.scheduler().list() {
        println!(
            "task {} {:?} {} runs={}",
            task.id, task.owner, task.schedule, task.runs
        );
    }

    for usage in runtime.resource_usage() {
        println!(
            "{}: heap {} of {}, storage {}",
            usage.allocation.plugin, usage.heap.used, usage.allocation.memory, usage.storage_used
        );
    }
    println!(
        "{}",
        runtime
            .metrics_text()
            .lines()
            .filter(|l| l.contains("calls_total"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    runtime.shutdown().await;
    Ok(())
}
