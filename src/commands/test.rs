//! `qirvo test`: run a plugin's `*.test.ts` / `*.test.js` files in its own isolate.

use std::path::PathBuf;

use qirvo::RuntimeConfig;

use super::{Failure, Progress, load_failure, output};

/// Run a plugin's *.test.ts / *.test.js files in its own isolate.
#[derive(clap::Args)]
pub struct TestArgs {
    /// Plugin directories (default: the current directory).
    plugins: Vec<PathBuf>,
}

pub async fn run(config: RuntimeConfig, args: TestArgs) -> Result<(), Failure> {
    let TestArgs { plugins } = args;
    let plugins = if plugins.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        plugins
    };
    let mut total = qirvo::testing::TestReport::default();
    let progress = Progress::spinner();
    let mut done = 0usize;
    for dir in plugins {
        progress.message(format!("testing {}…", dir.display()));
        let report = qirvo::testing::run_plugin_tests(&dir, config.clone(), |o| {
            done += 1;
            let label = format!("{} > {}", o.file.display(), o.name);
            let ms = o.duration.as_secs_f64() * 1000.0;
            match o.status {
                qirvo::testing::TestStatus::Passed => {
                    output::println(format_args!("ok    {label} ({ms:.0} ms)"))
                }
                qirvo::testing::TestStatus::Skipped => {
                    output::println(format_args!("skip  {label}"))
                }
                qirvo::testing::TestStatus::Failed => {
                    output::println(format_args!("FAIL  {label} ({ms:.0} ms)"));
                    for line in o.message.as_deref().unwrap_or("").lines() {
                        output::println(format_args!("      {line}"));
                    }
                }
            }
            progress.message(format!("{done} tests run, testing {}…", dir.display()));
        })
        .await
        .map_err(load_failure)?;
        total.outcomes.extend(report.outcomes);
    }
    drop(progress);
    println!("{}", total.summary());
    if total.failed() > 0 {
        return Err(Failure {
            code: 1,
            error: anyhow::anyhow!(
                "{} of {} tests failed",
                total.failed(),
                total.outcomes.len()
            ),
        });
    }
    Ok(())
}
