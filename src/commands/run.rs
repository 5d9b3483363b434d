//! `qirvo run`: load, initialize and start plugins, serve metrics and the inspector, wait
//! for Ctrl-C or `--for`, then stop and unload.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use qirvo::{Manifest, PluginRuntime, RuntimeConfig};

use super::metrics_http::serve_metrics;
use super::watch::watch_plugin;
use super::{Failure, Progress, load_failure, parse_duration, plugin_dirs};

/// Load, initialize and start a plugin (or every plugin in a directory of plugin
/// directories); wait for Ctrl-C (or --for); then stop and unload.
#[derive(clap::Args)]
pub struct RunArgs {
    /// A plugin directory (holding manifest.json), or a directory of them.
    plugin: PathBuf,
    /// Run for this long instead of until Ctrl-C: `0`, `500ms`, `10s`, `2m`.
    #[arg(long = "for", value_parser = parse_duration)]
    run_for: Option<Duration>,
    /// Serve Prometheus metrics at http://ADDR/metrics (e.g. 127.0.0.1:9464).
    #[arg(long)]
    metrics_addr: Option<std::net::SocketAddr>,
    /// Print a status table (id, state, heap, CPU, health) once started and at exit.
    /// SIGUSR1 prints it at any time.
    #[arg(long)]
    status: bool,
    /// Reload a plugin when its files change (debounced). A version that fails to
    /// load is reported and the running one kept.
    #[arg(long)]
    watch: bool,
    /// Serve the Chrome DevTools Protocol on ADDR (default 127.0.0.1:9229): one target
    /// per plugin at http://ADDR/json/list. Plugins are loaded ready for breakpoints.
    #[arg(long, value_name = "ADDR", num_args = 0..=1, require_equals = true,
          default_missing_value = qirvo::DEFAULT_INSPECT_ADDR, value_parser = parse_inspect_addr)]
    inspect: Option<std::net::SocketAddr>,
    /// Like --inspect, and every plugin pauses at its first statement until a
    /// debugger resumes it.
    #[arg(long, value_name = "ADDR", num_args = 0..=1, require_equals = true,
          default_missing_value = qirvo::DEFAULT_INSPECT_ADDR, value_parser = parse_inspect_addr,
          conflicts_with = "inspect")]
    inspect_brk: Option<std::net::SocketAddr>,
    /// Allow --inspect on a non-loopback address (anyone who reaches the port can run
    /// any code in the plugins).
    #[arg(long)]
    inspect_allow_remote: bool,
    /// Profile the plugins' CPU use while they run; at exit write FILE (Chrome
    /// DevTools' .cpuprofile; with several plugins, FILE with the plugin id before the
    /// extension) and print each plugin's performance report.
    #[arg(long, value_name = "FILE")]
    profile: Option<PathBuf>,
}

pub async fn run(config: RuntimeConfig, args: RunArgs) -> Result<(), Failure> {
    let RunArgs {
        plugin,
        run_for,
        metrics_addr,
        status,
        watch,
        inspect,
        inspect_brk,
        inspect_allow_remote,
        profile,
    } = args;
    let inspect = match (inspect, inspect_brk) {
        (Some(addr), _) => Some(Inspect {
            addr,
            brk: false,
            allow_remote: inspect_allow_remote,
        }),
        (None, Some(addr)) => Some(Inspect {
            addr,
            brk: true,
            allow_remote: inspect_allow_remote,
        }),
        (None, None) => None,
    };
    run_plugins(
        config,
        plugin,
        RunOptions {
            run_for,
            metrics_addr,
            status,
            watch,
            inspect,
            profile,
        },
    )
    .await
}

fn status_table(runtime: &PluginRuntime) -> String {
    let mut out = format!(
        "{:<32} {:<12} {:>10} {:>10} {:>8} {:>6}  health\n",
        "plugin", "state", "heap", "limit", "cpu s", "cpu %"
    );
    for m in runtime.metrics().plugins {
        let health = match m.healthy {
            None => "-",
            Some(true) => "ok",
            Some(false) => "UNHEALTHY",
        };
        out.push_str(&format!(
            "{:<32} {:<12} {:>10} {:>10} {:>8.2} {:>6.1}  {health}\n",
            m.id,
            m.state,
            m.heap.used.to_string(),
            m.heap.limit.to_string(),
            m.cpu.time.as_secs_f64(),
            m.cpu.share
        ));
    }
    out
}

/// `--inspect` / `--inspect-brk`.
struct Inspect {
    addr: std::net::SocketAddr,
    brk: bool,
    allow_remote: bool,
}

struct RunOptions {
    run_for: Option<Duration>,
    metrics_addr: Option<std::net::SocketAddr>,
    status: bool,
    watch: bool,
    inspect: Option<Inspect>,
    profile: Option<PathBuf>,
}

/// Where `--profile FILE` writes one plugin's profile when several run.
fn profile_path(file: &Path, id: &str, several: bool) -> PathBuf {
    if !several {
        return file.to_path_buf();
    }
    let stem = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("profile");
    let ext = file
        .extension()
        .and_then(|s| s.to_str())
        .unwrap_or("cpuprofile");
    file.with_file_name(format!("{stem}.{id}.{ext}"))
}

/// `HOST:PORT`, or a port on 127.0.0.1.
fn parse_inspect_addr(s: &str) -> Result<std::net::SocketAddr, String> {
    if let Ok(addr) = s.parse() {
        return Ok(addr);
    }
    if let Ok(port) = s.parse::<u16>() {
        return Ok(std::net::SocketAddr::from(([127, 0, 0, 1], port)));
    }
    if let Some(port) = s.strip_prefix("localhost:")
        && let Ok(port) = port.parse::<u16>()
    {
        return Ok(std::net::SocketAddr::from(([127, 0, 0, 1], port)));
    }
    Err(format!(
        "{s:?} is not an address: expected HOST:PORT (an IP address) or PORT, e.g. 127.0.0.1:9229"
    ))
}

async fn run_plugins(
    mut config: RuntimeConfig,
    path: PathBuf,
    options: RunOptions,
) -> Result<(), Failure> {
    let RunOptions {
        run_for,
        metrics_addr,
        status,
        watch,
        inspect,
        profile,
    } = options;
    let dirs = plugin_dirs(&path)?;
    // --watch proves a new version in a scratch runtime: never paused there.
    let watch_config = config.clone();
    if let Some(i) = &inspect {
        config.debug = true;
        config.break_on_start = i.brk;
    }
    // Listen for Ctrl-C from the start, so an early one still ends the run cleanly.
    #[cfg(unix)]
    let mut interrupted = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
        .context("listening for Ctrl-C")?;
    let runtime = PluginRuntime::new(config.clone())?;
    if watch {
        for dir in &dirs {
            tokio::spawn(watch_plugin(
                runtime.clone(),
                watch_config.clone(),
                dir.clone(),
            ));
        }
    }
    if let Some(addr) = metrics_addr {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| Failure {
                code: 2,
                error: anyhow::anyhow!("--metrics-addr {addr}: cannot listen: {e}"),
            })?;
        eprintln!(
            "metrics at http://{}/metrics",
            listener.local_addr().unwrap_or(addr)
        );
        tokio::spawn(serve_metrics(listener, runtime.clone()));
    }
    // Kept alive for the run.
    let _inspector = match &inspect {
        None => None,
        Some(i) => {
            let server = qirvo::InspectorServer::start(runtime.clone(), i.addr, i.allow_remote)
                .await
                .map_err(|e| Failure {
                    code: 2,
                    error: e.into(),
                })?;
            eprintln!(
                "Debugger listening on http://{} (Chrome DevTools: chrome://inspect; targets at /json/list)",
                server.local_addr()
            );
            for dir in &dirs {
                if let Ok(m) = Manifest::from_dir(dir) {
                    eprintln!("  {}: {}", m.id, server.websocket_url(&m.id));
                }
            }
            if i.brk {
                eprintln!("Each plugin waits at its first statement for a debugger to resume it.");
            }
            Some(server)
        }
    };
    let single = dirs.len() == 1;
    let mut failed = false;
    let progress = Progress::new();
    for (i, dir) in dirs.iter().enumerate() {
        if !single {
            progress.show(&format!(
                "loading plugin {}/{}: {}",
                i + 1,
                dirs.len(),
                dir.display()
            ));
        }
        let started = async {
            let handle = runtime.load(dir).await.map_err(load_failure)?;
            if let Err(e) = handle.start().await {
                let _ = handle.unload().await;
                return Err(Failure::from(e));
            }
            Ok(())
        };
        // Ctrl-C while loading (e.g. paused at --inspect-brk) ends the run too.
        #[cfg(unix)]
        let started = tokio::select! {
            r = started => r,
            _ = interrupted.recv() => {
                progress.clear();
                eprintln!("interrupted while loading {}", dir.display());
                runtime.shutdown().await;
                return Ok(());
            }
        };
        #[cfg(not(unix))]
        let started = started.await;
        if !single {
            progress.clear();
        }
        if let Err(f) = started {
            if single {
                return Err(f);
            }
            eprintln!("error: {}: {}", dir.display(), f.error);
            failed = true;
        }
    }
    if status {
        print!("{}", status_table(&runtime));
    }
    if profile.is_some() {
        for h in runtime.plugins() {
            if let Err(e) = h.start_profiling(Duration::from_millis(1)).await {
                eprintln!("error: {e}");
            }
        }
    }
    // Until Ctrl-C, or the end of --for (Ctrl-C ends a --for run early, cleanly too).
    let wait = async {
        let ctrl_c = async {
            #[cfg(unix)]
            {
                interrupted.recv().await;
                Ok::<(), anyhow::Error>(())
            }
            #[cfg(not(unix))]
            {
                tokio::signal::ctrl_c().await.context("waiting for Ctrl-C")
            }
        };
        match run_for {
            Some(d) => tokio::select! {
                _ = tokio::time::sleep(d) => Ok(()),
                r = ctrl_c => r,
            },
            None => ctrl_c.await,
        }
    };
    tokio::pin!(wait);
    #[cfg(unix)]
    {
        let mut usr1 =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::user_defined1())
                .context("listening for SIGUSR1")?;
        loop {
            tokio::select! {
                r = &mut wait => { r?; break; }
                _ = usr1.recv() => print!("{}", status_table(&runtime)),
            }
        }
    }
    #[cfg(not(unix))]
    (&mut wait).await?;
    if status {
        print!("{}", status_table(&runtime));
    }
    if let Some(file) = &profile {
        let plugins = runtime.plugins();
        let several = plugins.len() > 1;
        for h in plugins {
            match h.stop_profiling().await {
                Ok(p) => {
                    let path = profile_path(file, h.id(), several);
                    match p.write_to(&path) {
                        Ok(()) => eprintln!(
                            "profile of {}: {} ({} samples; open it in Chrome DevTools' Performance panel)",
                            h.id(),
                            path.display(),
                            p.samples()
                        ),
                        Err(e) => eprintln!("error: --profile {}: {e}", path.display()),
                    }
                    eprint!("{}", h.performance_report(Some(&p)));
                }
                Err(e) => eprintln!("error: {e}"),
            }
        }
    }
    runtime.shutdown().await;
    if failed {
        return Err(Failure {
            code: 1,
            error: anyhow::anyhow!("some plugins failed to start"),
        });
    }
    Ok(())
}
