//! `qirvo call`: load and start a plugin, call one export, print its JSON result.

use std::path::PathBuf;

use qirvo::{PluginRuntime, RuntimeConfig};

use super::{Failure, load_failure, parse_json};

/// Load and start a plugin, call one export with JSON arguments, print the JSON result.
#[derive(clap::Args)]
pub struct CallArgs {
    plugin: PathBuf,
    /// The exported function to call.
    export: String,
    /// Arguments, each a JSON value (`'"text"'`, `42`, `'{"a":1}'`).
    #[arg(value_parser = parse_json)]
    args: Vec<serde_json::Value>,
}

pub async fn run(config: RuntimeConfig, args: CallArgs) -> Result<(), Failure> {
    let CallArgs {
        plugin,
        export,
        args,
    } = args;
    // One isolate, then exit: making the startup snapshot would only cost CPU.
    let runtime = PluginRuntime::new(RuntimeConfig {
        startup_snapshot: false,
        ..config
    })?;
    let handle = runtime.load(&plugin).await.map_err(load_failure)?;
    let result = async {
        handle.start().await?;
        handle.call(&export, args).await
    }
    .await;
    let unloaded = handle.unload().await;
    let value = result?;
    println!("{}", serde_json::to_string(&value)?);
    unloaded?;
    Ok(())
}
