//! The `qirvo` command: run, call and validate plugins from a shell.
//!
//! Exit codes: 0 success; 1 the plugin failed (exception, limit, timeout); 2 bad input
//! (manifest, arguments).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use qirvo::{LoadError, LogEntry, LogLevel, Manifest, PluginRuntime, RuntimeConfig};

#[derive(Parser)]
#[command(
    name = "qirvo",
    version,
    about = "Run TypeScript/JavaScript plugins, each in its own isolate"
)]
struct Cli {
    /// Directory for plugin data (storage, files, caches).
    #[arg(long, global = true, default_value = ".qirvo")]
    data_dir: PathBuf,
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Load, initialize and start a plugin; wait for Ctrl-C (or --for); then stop and unload.
    Run {
        /// The plugin directory (holding manifest.json).
        plugin: PathBuf,
        /// Run for this long instead of until Ctrl-C: `0`, `500ms`, `10s`, `2m`.
        #[arg(long = "for", value_parser = parse_duration)]
        run_for: Option<Duration>,
    },
    /// Load and start a plugin, call one export with JSON arguments, print the JSON result.
    Call {
        plugin: PathBuf,
        /// The exported function to call.
        export: String,
        /// Arguments, each a JSON value (`'"text"'`, `42`, `'{"a":1}'`).
        #[arg(value_parser = parse_json)]
        args: Vec<serde_json::Value>,
    },
    /// Check a plugin's manifest and that its entry module loads and compiles.
    Validate { plugin: PathBuf },
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let bad = || format!("{s:?} is not a duration (expected e.g. 0, 500ms, 10s, 2m)");
    let split = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().map_err(|_| bad())?;
    let secs = match unit {
        "" if n == 0.0 => 0.0,
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(bad()),
    };
    Duration::try_from_secs_f64(secs).map_err(|_| bad())
}

fn parse_json(s: &str) -> Result<serde_json::Value, String> {
    serde_json::from_str(s)
        .map_err(|e| format!("{s:?} is not JSON ({e}); quote strings, e.g. '\"text\"'"))
}

/// An error with the exit code it maps to.
struct Failure {
    code: u8,
    error: anyhow::Error,
}

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure {
            code: 1,
            error: e.into(),
        }
    }
}

fn load_failure(e: LoadError) -> Failure {
    let code = match &e {
        LoadError::Manifest(_) | LoadError::Directory { .. } | LoadError::Module { .. } => 2,
        _ => 1,
    };
    Failure {
        code,
        error: e.into(),
    }
}

fn print_log(entry: &LogEntry) {
    let line = format!("[{}] {}\n", entry.plugin, entry.message);
    // A closed pipe must not take the host down: ignore write errors.
    match entry.level {
        LogLevel::Debug | LogLevel::Info => {
            let _ = std::io::stdout().lock().write_all(line.as_bytes());
        }
        LogLevel::Warn | LogLevel::Error => {
            let _ = std::io::stderr().lock().write_all(line.as_bytes());
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("QIRVO_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,qirvo::plugin=off")),
        )
        .with_writer(std::io::stderr)
        .init();

    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure { code, error }) => {
            let top = error.to_string();
            eprintln!("error: {top}");
            for cause in error.chain().skip(1) {
                let cause = cause.to_string();
                // Typed errors often embed their source's text; say each thing once.
                if !top.contains(&cause) {
                    eprintln!("  caused by: {cause}");
                }
            }
            if let Some(stack) = error
                .downcast_ref::<qirvo::PluginError>()
                .and_then(|e| e.exception())
                .map(|x| x.stack.clone())
                .or_else(|| match error.downcast_ref::<LoadError>() {
                    Some(LoadError::Plugin(p)) => p.exception().map(|x| x.stack.clone()),
                    _ => None,
                })
            {
                eprintln!("{stack}");
            }
            ExitCode::from(code)
        }
    }
}

async fn run(cli: Cli) -> Result<(), Failure> {
    let config = RuntimeConfig {
        data_dir: cli.data_dir.clone(),
        ..RuntimeConfig::default()
    }
    .with_log_sink(print_log);
    match cli.command {
        Cmd::Validate { plugin } => {
            let manifest = Manifest::from_dir(&plugin).map_err(|e| Failure {
                code: 2,
                error: e.into(),
            })?;
            // Loading evaluates the module and runs initialize: the real check that it
            // compiles and starts. Then unload.
            let runtime = PluginRuntime::new(config)?;
            let handle = runtime.load(&plugin).await.map_err(load_failure)?;
            handle.unload().await?;
            println!(
                "{} {} ({}): ok",
                manifest.id,
                manifest.version,
                plugin.join(&manifest.main).display()
            );
            Ok(())
        }
        Cmd::Run { plugin, run_for } => {
            let runtime = PluginRuntime::new(config)?;
            let handle = runtime.load(&plugin).await.map_err(load_failure)?;
            if let Err(e) = handle.start().await {
                let _ = handle.unload().await;
                return Err(e.into());
            }
            match run_for {
                Some(d) => tokio::time::sleep(d).await,
                None => {
                    tokio::signal::ctrl_c()
                        .await
                        .context("waiting for Ctrl-C")?;
                }
            }
            handle.unload().await?;
            Ok(())
        }
        Cmd::Call {
            plugin,
            export,
            args,
        } => {
            let runtime = PluginRuntime::new(config)?;
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
    }
}
