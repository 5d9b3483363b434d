//! The `qirvo` command: run, call and validate plugins from a shell.
//!
//! Exit codes: 0 success; 1 the plugin failed (exception, limit, timeout); 2 bad input
//! (manifest, arguments). Each subcommand lives in `src/commands/<name>.rs`.

mod commands;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};
use qirvo::RuntimeConfig;

use commands::output::Level;
use commands::{Failure, exception_stack, print_log};

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
    /// Show plugin log lines (and Qirvo's diagnostics) at this level and above.
    /// `QIRVO_LOG` (a tracing filter) overrides it for Qirvo's own diagnostics.
    #[arg(long, global = true, value_enum, default_value = "info")]
    log_level: Level,
    /// Only errors: no plugin lines below error, no notices, no progress.
    #[arg(short, long, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    Run(commands::run::RunArgs),
    Call(commands::call::CallArgs),
    Validate(commands::validate::ValidateArgs),
    Schema(commands::schema::SchemaArgs),
    Test(commands::test::TestArgs),
    New(commands::new::NewArgs),
    Bundle(commands::bundle::BundleArgs),
    Completions(commands::completions::CompletionsArgs),
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
    commands::output::init(cli.log_level, cli.quiet);
    // Plugin lines are printed by the log sink only: `qirvo::plugin` stays off here,
    // whatever QIRVO_LOG says, so no line is printed twice.
    let filter = std::env::var("QIRVO_LOG")
        .ok()
        .filter(|f| !f.trim().is_empty())
        .unwrap_or_else(|| {
            let level = if cli.quiet {
                Level::Error
            } else {
                cli.log_level
            };
            level.tracing_filter()
        });
    let filter = tracing_subscriber::EnvFilter::try_new(format!("{filter},qirvo::plugin=off"))
        .unwrap_or_else(|e| {
            eprintln!("warning: QIRVO_LOG: {e}; using the default filter");
            tracing_subscriber::EnvFilter::new("warn,qirvo::plugin=off")
        });
    tracing_subscriber::fmt()
        .with_env_filter(filter)
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
            if let Some(stack) = exception_stack(&error) {
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
        Cmd::Schema(args) => commands::schema::run(args),
        Cmd::Test(args) => commands::test::run(config, args).await,
        Cmd::New(args) => commands::new::run(args),
        Cmd::Bundle(args) => commands::bundle::run(args),
        Cmd::Completions(args) => commands::completions::run(args, Cli::command()),
    }
}
