//! `qirvo call`: load a plugin, call one export, print its JSON result.
//!
//! Stdout holds only the result (plugin lines go to stderr while calling), so
//! `qirvo call p f 1 | jq .` works.

use std::io::Read;
use std::path::PathBuf;

use anyhow::Context;
use qirvo::{PluginHandle, PluginRuntime, RuntimeConfig};

use super::{Failure, error_json, load_failure, output, parse_json};

/// Load and start a plugin, call one export with JSON arguments, print the JSON result.
#[derive(clap::Args)]
pub struct CallArgs {
    /// The plugin directory (holding manifest.json).
    plugin: PathBuf,
    /// The exported function to call.
    export: String,
    /// Arguments, each a JSON value (`'"text"'`, `42`, `'{"a":1}'`).
    #[arg(value_parser = parse_json, conflicts_with = "input")]
    args: Vec<serde_json::Value>,
    /// Read the arguments as one JSON array from FILE, or from standard input with `-`.
    #[arg(long, value_name = "FILE|-")]
    input: Option<PathBuf>,
    /// Print one JSON object on stdout: `{"ok":true,"result":…}` or
    /// `{"ok":false,"error":{"kind":…,"message":…}}` (the exit code is unchanged).
    #[arg(long)]
    json: bool,
}

pub async fn run(config: RuntimeConfig, args: CallArgs) -> Result<(), Failure> {
    output::plugin_lines_to_stderr();
    let json = args.json;
    match call(config, args).await {
        Ok(value) => {
            let text = if json {
                serde_json::json!({ "ok": true, "result": value }).to_string()
            } else {
                serde_json::to_string(&value)?
            };
            output::println(text);
            Ok(())
        }
        Err(f) => {
            if json {
                let doc = serde_json::json!({ "ok": false, "error": error_json(&f.error) });
                output::println(doc);
            }
            Err(f)
        }
    }
}

async fn call(config: RuntimeConfig, args: CallArgs) -> Result<serde_json::Value, Failure> {
    let CallArgs {
        plugin,
        export,
        args,
        input,
        json: _,
    } = args;
    let args = match input {
        Some(source) => read_input(&source)?,
        None => args,
    };
    // One isolate, then exit: making the startup snapshot would only cost CPU.
    let runtime = PluginRuntime::new(RuntimeConfig {
        startup_snapshot: false,
        ..config
    })?;
    let handle = runtime.load(&plugin).await.map_err(load_failure)?;
    let result = async {
        // Bad input is found before the plugin starts: no side effects of start().
        check_call(&handle, &export, args.len())?;
        handle.start().await?;
        Ok::<_, Failure>(handle.call(&export, args).await?)
    }
    .await;
    let unloaded = handle.unload().await;
    let value = result?;
    unloaded?;
    Ok(value)
}

/// `--input`: one JSON array of arguments from a file or standard input.
fn read_input(source: &std::path::Path) -> Result<Vec<serde_json::Value>, Failure> {
    let (name, text) = if source.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("--input -: cannot read standard input")?;
        ("standard input".to_string(), text)
    } else {
        let text = std::fs::read_to_string(source)
            .map_err(|e| Failure::bad_argument(format!("--input {}: {e}", source.display())))?;
        (source.display().to_string(), text)
    };
    match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(serde_json::Value::Array(args)) => Ok(args),
        Ok(other) => Err(Failure::bad_argument(format!(
            "--input {name}: expected a JSON array of arguments, e.g. [\"Ada\", 42], got {}",
            kind_of(&other)
        ))),
        Err(e) => Err(Failure::bad_argument(format!(
            "--input {name}: not JSON ({e})"
        ))),
    }
}

fn kind_of(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// The export exists, is a function, and gets at least its declared parameters: else
/// bad input (exit 2) listing what the plugin does export.
fn check_call(handle: &PluginHandle, export: &str, given: usize) -> Result<(), Failure> {
    let exports = handle.exports();
    let callable: Vec<String> = exports
        .iter()
        .filter(|e| e.function && e.name != "default")
        .map(|e| match e.params {
            Some(n) => format!("{}({n})", e.name),
            None => e.name.clone(),
        })
        .collect();
    let listing = if callable.is_empty() {
        "it exports no functions".to_string()
    } else {
        format!("its exported functions: {}", callable.join(", "))
    };
    match exports.iter().find(|e| e.name == export) {
        None => Err(Failure::bad_argument(format!(
            "plugin {} has no export {export:?}; {listing}",
            handle.id()
        ))),
        Some(e) if !e.function => Err(Failure::bad_argument(format!(
            "plugin {}: export {export:?} is not a function; {listing}",
            handle.id()
        ))),
        Some(e) => match e.params {
            Some(n) if (n as usize) > given => Err(Failure::bad_argument(format!(
                "plugin {}: {export} takes {n} argument{}, got {given} (give each as JSON after the export name, or all as one array with --input)",
                handle.id(),
                if n == 1 { "" } else { "s" }
            ))),
            _ => Ok(()),
        },
    }
}
