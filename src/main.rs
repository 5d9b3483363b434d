//! The `qirvo` command: run, call and validate plugins from a shell.
//!
//! Exit codes: 0 success; 1 the plugin failed (exception, limit, timeout); 2 bad input
//! (manifest, arguments). Each subcommand lives in `src/commands/<name>.rs`.

mod commands;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use qirvo::{LoadError, RuntimeConfig};

use commands::{Failure, print_log};

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
    Run(commands::run::RunArgs),
    Call(commands::call::CallArgs),
    Validate(commands::validate::ValidateArgs),
    /// Print the JSON Schema of manifest.json (for editors).
    Schema,
    Test(commands::test::TestArgs),
    New(commands::new::NewArgs),
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
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
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
        Cmd::Run(args) => commands::run::run(config, args).await,
        Cmd::Call(args) => commands::call::run(config, args).await,
        Cmd::Validate(args) => commands::validate::run(config, args).await,
        Cmd::Schema => commands::schema::run(),
        Cmd::Test(args) => commands::test::run(config, args).await,
        Cmd::New(args) => commands::new::run(args),
    }
}
