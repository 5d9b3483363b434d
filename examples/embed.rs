//! The README's embedding example: `cargo run --example embed`.

use std::time::Duration;

use qirvo::{PluginError, PluginRuntime, RuntimeConfig};
use serde_json::json;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runtime = PluginRuntime::new(RuntimeConfig::default())?; // Clone + Send + Sync
    let hello = runtime.load("fixtures/plugins/hello").await?; // manifest, isolate, initialize
    hello.start().await?;
    assert_eq!(
        hello.call("greet", vec![json!("Ada")]).await?,
        json!("Hello, Ada!")
    );

    // Every call has a deadline (the manifest's resources.timeout, or your own).
    match hello
        .call_with_timeout("ticksSoFar", vec![], Duration::from_millis(1))
        .await
    {
        Err(PluginError::Timeout { limit, .. }) => {
            println!("too slow for {limit:?}; the plugin carries on")
        }
        other => println!("{other:?}"),
    }
    for line in hello.logs() {
        println!("[{}] {}", line.plugin, line.message);
    }
    hello.unload().await?; // stop (runs cleanup tasks), dispose the isolate
    Ok(())
}
