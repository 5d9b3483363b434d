//! `qirvo run`: load, initialize and start plugins, serve metrics and the inspector, wait
//! for Ctrl-C, SIGTERM or `--for`, then stop and unload.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use qirvo::{Manifest, PluginRuntime, RuntimeConfig};

use super::metrics_http::serve_metrics;
use super::output::{self, Progress, notice};
use super::signals::ShutdownSignals;
use super::watch::watch_plugin;
use super::{
    Failure, load_failure, parse_duration, parse_listen_addr, parse_metrics_addr, plugin_dirs,
};

/// Load, initialize and start a plugin (or every plugin in a directory of plugin
/// directories); wait for Ctrl-C or SIGTERM (or --for); then stop and unload.
#[derive(clap::Args)]
pub struct RunArgs {
    /// A plugin directory (holding manifest.json), or a directory of them.
    plugin: PathBuf,
    /// Run for this long instead of until Ctrl-C: `0`, `500ms`, `10s`, `2m`.
    #[arg(long = "for", value_parser = parse_duration)]
    run_for: Option<Duration>,
    /// Serve Prometheus metrics at http://ADDR/metrics: HOST:PORT, localhost:PORT or
    /// PORT (on 127.0.0.1), e.g. 9464.
    #[arg(long, value_name = "ADDR", value_parser = parse_metrics_addr)]
    metrics_addr: Option<std::net::SocketAddr>,
    /// Print a status table (id, state, heap, CPU, health) once started and at exit.
    /// SIGUSR1 prints it at any time.
    #[arg(long)]
    status: bool,
    /// With --status: print each status as one line of JSON (an array with an object
    /// per plugin) instead of a table.
    #[arg(long, requires = "status")]
    json: bool,
    /// Reload a plugin when its files change. A version that fails to load is reported
    /// and the running one kept.
    #[arg(long)]
    watch: bool,
    /// Serve the Chrome DevTools Protocol on ADDR (default 127.0.0.1:9229): one target
    /// per plugin at http://ADDR/json/list. Plugins are loaded ready for breakpoints.
    #[arg(long, value_name = "ADDR", num_args = 0..=1, require_equals = true,
          default_missing_value = qirvo::DEFAULT_INSPECT_ADDR, value_parser = parse_listen_addr)]
    inspect: Option<std::net::SocketAddr>,
    /// Like --inspect, and every plugin pauses at its first statement until a
    /// debugger resumes it.
    #[arg(long, value_name = "ADDR", num_args = 0..=1, require_equals = true,
          default_missing_value = qirvo::DEFAULT_INSPECT_ADDR, value_parser = parse_listen_addr,
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
    /// FLEET (issue 18): the store behind qirvo.storage: `sqlite` (the default, under
    /// --data-dir), `memory`, or a PostgreSQL URL (`postgres://user:pass@host/db`) for
    /// fleet mode, where every `qirvo run` on that database shares plugin storage,
    /// events and scheduled runs.
    #[arg(long, value_name = "URL", value_parser = parse_storage)]
    storage: Option<qirvo::StorageKind>,
    /// FLEET (issue 18): with a PostgreSQL --storage, the schema holding Qirvo's tables
    /// (default `qirvo`); fleets sharing one database use different ones.
    #[arg(long, value_name = "NAME", requires = "storage")]
    storage_schema: Option<String>,
    /// SECURITY (issue 17): append every security event (network requests, denials,
    /// refused imports, limits, executions, quarantines) to FILE as JSON lines, each line
    /// written whole and flushed. Rotated by size (see --audit-log-max-size): FILE.1, FILE.2, FILE.3.
    #[arg(long, value_name = "FILE")]
    audit_log: Option<PathBuf>,
    /// SECURITY (issue 17): rotate the audit file when it would pass SIZE (default 64MB).
    #[arg(long, value_name = "SIZE", requires = "audit_log", value_parser = parse_size)]
    audit_log_max_size: Option<qirvo::ByteSize>,
    /// SECURITY (issue 17): quarantine a plugin after more than N denials within
    /// DURATION, e.g. `20/60s`: it is stopped and stays in `error` for the rest of the run.
    #[arg(long, value_name = "N/DURATION", value_parser = parse_quarantine)]
    quarantine: Option<qirvo::QuarantineRule>,
}

/// SECURITY (issue 17): `--audit-log-max-size`.
fn parse_size(text: &str) -> Result<qirvo::ByteSize, String> {
    text.parse::<qirvo::ByteSize>().map_err(|e| e.to_string())
}

/// SECURITY (issue 17): `--quarantine N/DURATION`.
fn parse_quarantine(text: &str) -> Result<qirvo::QuarantineRule, String> {
    let bad = || {
        format!(
            "{text:?} is not N/DURATION (expected e.g. 20/60s: more than 20 denials within 60 seconds)"
        )
    };
    let (n, window) = text.split_once('/').ok_or_else(bad)?;
    let n: u32 = n.trim().parse().map_err(|_| bad())?;
    let window = parse_duration(window)?;
    if window.is_zero() {
        return Err(bad());
    }
    Ok(qirvo::QuarantineRule::denials(n, window))
}

/// FLEET (issue 18): `--storage`.
fn parse_storage(text: &str) -> Result<qirvo::StorageKind, String> {
    match text {
        "sqlite" => Ok(qirvo::StorageKind::Sqlite),
        "memory" => Ok(qirvo::StorageKind::Memory),
        url if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            Ok(qirvo::StorageKind::postgres(url))
        }
        other => Err(format!(
            "{other:?} is not a store: use sqlite, memory or a postgres:// URL"
        )),
    }
}

/// `--inspect` / `--inspect-brk`.
struct Inspect {
    addr: std::net::SocketAddr,
    brk: bool,
    allow_remote: bool,
}

pub async fn run(mut config: RuntimeConfig, args: RunArgs) -> Result<(), Failure> {
    let inspect = match (args.inspect, args.inspect_brk) {
        (Some(addr), _) => Some(Inspect {
            addr,
            brk: false,
            allow_remote: args.inspect_allow_remote,
        }),
        (None, Some(addr)) => Some(Inspect {
            addr,
            brk: true,
            allow_remote: args.inspect_allow_remote,
        }),
        (None, None) => None,
    };
    if args.json {
        // Stdout is for the JSON lines only.
        output::plugin_lines_to_stderr();
    }
    let dirs = plugin_dirs(&args.plugin)?;
    // FLEET (issue 18): --storage and --storage-schema (RuntimeConfig::new checks them).
    if let Some(storage) = args.storage.clone() {
        config.storage = storage;
    }
    if let (Some(schema), qirvo::StorageKind::Postgres(pg)) =
        (&args.storage_schema, &mut config.storage)
    {
        pg.schema = schema.clone();
    }
    // Listen for Ctrl-C and SIGTERM from the start, so an early one still ends the run
    // cleanly; a second one forces the exit.
    let shutdown = ShutdownSignals::listen()
        .context("listening for Ctrl-C and SIGTERM")?
        .recv();
    tokio::pin!(shutdown);
    // --watch proves a new version in a scratch runtime: never paused there.
    let watch_config = config.clone();
    if let Some(i) = &inspect {
        config.debug = true;
        config.break_on_start = i.brk;
    }
    let runtime = PluginRuntime::new(config)?;
    // SECURITY (issue 17): the audit file and the quarantine rule, before any plugin loads.
    if let Some(file) = &args.audit_log {
        let max = args
            .audit_log_max_size
            .map_or(64 * 1024 * 1024, |s| s.bytes());
        runtime
            .security()
            .open_audit_log(file, max, 3)
            .with_context(|| format!("--audit-log {}", file.display()))?;
    }
    if let Some(rule) = &args.quarantine {
        runtime.security().add_rule(rule.clone());
    }
    if args.watch {
        for dir in &dirs {
            tokio::spawn(watch_plugin(
                runtime.clone(),
                watch_config.clone(),
                dir.clone(),
            ));
        }
    }
    if let Some(addr) = args.metrics_addr {
        start_metrics(&runtime, addr).await?;
    }
    // Kept alive for the run.
    let _inspector = match &inspect {
        None => None,
        Some(i) => Some(start_inspector(&runtime, i, &dirs).await?),
    };
    let failed = match load_all(&runtime, &dirs, &mut shutdown).await {
        Loaded::All(failed) => failed,
        Loaded::Interrupted => return Ok(()),
        Loaded::Failed(f) => return Err(f),
    };
    let status = args.status.then_some(args.json);
    if let Some(json) = status {
        print_status(&runtime, json);
    }
    if args.profile.is_some() {
        for h in runtime.plugins() {
            if let Err(e) = h.start_profiling(Duration::from_millis(1)).await {
                eprintln!("error: {e}");
            }
        }
    }
    wait_for_end(&runtime, args.run_for, status, &mut shutdown).await?;
    if let Some(json) = status {
        print_status(&runtime, json);
    }
    if let Some(file) = &args.profile {
        write_profiles(&runtime, file).await;
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

/// `--metrics-addr`: listen, say where, serve in the background.
async fn start_metrics(runtime: &PluginRuntime, addr: std::net::SocketAddr) -> Result<(), Failure> {
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        Failure::bad_input(anyhow::anyhow!("--metrics-addr {addr}: cannot listen: {e}"))
    })?;
    notice(format_args!(
        "metrics at http://{}/metrics",
        listener.local_addr().unwrap_or(addr)
    ));
    tokio::spawn(serve_metrics(listener, runtime.clone()));
    Ok(())
}

/// `--inspect`: start the CDP server and print each plugin's DevTools URL.
async fn start_inspector(
    runtime: &PluginRuntime,
    inspect: &Inspect,
    dirs: &[PathBuf],
) -> Result<qirvo::InspectorServer, Failure> {
    let server = qirvo::InspectorServer::start(runtime.clone(), inspect.addr, inspect.allow_remote)
        .await
        .map_err(|e| match e {
            // The library's message names its own API; a CLI user gets the flag.
            qirvo::InspectorError::NotLoopback(addr) => Failure::bad_argument(format!(
                "refusing to serve the debugger on {addr}: it is not a loopback address, and \
                 anyone who can reach the port can run any code in the plugins; add \
                 --inspect-allow-remote if that is what you want"
            )),
            other => Failure::bad_input(other),
        })?;
    // Always shown (even with -q): without it nobody can attach.
    eprintln!(
        "Debugger listening on http://{} (Chrome DevTools: chrome://inspect; targets at /json/list)",
        server.local_addr()
    );
    for dir in dirs {
        if let Ok(m) = Manifest::from_dir(dir) {
            eprintln!("  {}: {}", m.id, server.websocket_url(&m.id));
        }
    }
    if inspect.brk {
        eprintln!("Each plugin waits at its first statement for a debugger to resume it.");
    }
    Ok(server)
}

enum Loaded {
    /// Every plugin was tried; `true` when some failed (several plugins).
    All(bool),
    /// A signal came while loading: the runtime has been shut down.
    Interrupted,
    /// The only plugin failed.
    Failed(Failure),
}

/// Loads and starts each plugin in turn. With one plugin its failure is the run's; with
/// several, a failing one is reported and the others run.
async fn load_all(
    runtime: &PluginRuntime,
    dirs: &[PathBuf],
    shutdown: &mut std::pin::Pin<&mut impl std::future::Future<Output = &'static str>>,
) -> Loaded {
    let single = dirs.len() == 1;
    let mut failed = false;
    let progress = (!single).then(|| Progress::counted(dirs.len() as u64));
    for dir in dirs {
        if let Some(p) = &progress {
            p.message(format!("loading {}", dir.display()));
        }
        let started = async {
            let handle = runtime.load(dir).await.map_err(load_failure)?;
            if let Err(e) = handle.start().await {
                let _ = handle.unload().await;
                return Err(Failure::from(e));
            }
            Ok(())
        };
        // A signal while loading (e.g. paused at --inspect-brk) ends the run too.
        let started = tokio::select! {
            r = started => r,
            why = shutdown.as_mut() => {
                drop(progress);
                notice(format_args!("{why} while loading {}", dir.display()));
                runtime.shutdown().await;
                return Loaded::Interrupted;
            }
        };
        if let Some(p) = &progress {
            p.inc();
        }
        if let Err(f) = started {
            if single {
                return Loaded::Failed(f);
            }
            output::error_line(format_args!("error: {}: {}", dir.display(), f.error));
            failed = true;
        }
    }
    Loaded::All(failed)
}

/// Until Ctrl-C or SIGTERM, or the end of `--for` (a signal ends a `--for` run early,
/// cleanly too). SIGUSR1 prints the status table meanwhile.
async fn wait_for_end(
    runtime: &PluginRuntime,
    run_for: Option<Duration>,
    status: Option<bool>,
    shutdown: &mut std::pin::Pin<&mut impl std::future::Future<Output = &'static str>>,
) -> Result<(), Failure> {
    let wait = async {
        match run_for {
            Some(d) => tokio::select! {
                _ = tokio::time::sleep(d) => {}
                why = shutdown.as_mut() => notice(format_args!("{why}: stopping the plugins")),
            },
            None => {
                let why = shutdown.as_mut().await;
                notice(format_args!("{why}: stopping the plugins"));
            }
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
                _ = &mut wait => break,
                _ = usr1.recv() => print_status(runtime, status.unwrap_or(false)),
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (runtime, status);
        (&mut wait).await;
    }
    Ok(())
}

/// `--profile FILE`: stop each plugin's profiler, write its profile, print its report.
async fn write_profiles(runtime: &PluginRuntime, file: &Path) {
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

/// The status table, or with `json` one line of JSON.
fn print_status(runtime: &PluginRuntime, json: bool) {
    if json {
        output::println(status_json(runtime));
    } else {
        print!("{}", status_table(runtime));
    }
}

/// `--status --json`: `[{"id", "state", "heap_used_bytes", "heap_limit_bytes",
/// "cpu_seconds", "cpu_share" (0–1 of one core), "healthy" (null when not checked yet),
/// "restarts", "denials" ({"fetch": n, "fs": n, …}), "kills", "quarantined" (the reason,
/// or null)}]`.
fn status_json(runtime: &PluginRuntime) -> serde_json::Value {
    let security = runtime.security().summary();
    runtime
        .metrics()
        .plugins
        .into_iter()
        .map(|m| {
            let s = security.get(&m.id).cloned().unwrap_or_default();
            serde_json::json!({
                "denials": s.denials,
                "kills": s.kills,
                "quarantined": s.quarantined,
                "id": m.id,
                "state": m.state.to_string(),
                "heap_used_bytes": m.heap.used.bytes(),
                "heap_limit_bytes": m.heap.limit.bytes(),
                "cpu_seconds": m.cpu.time.as_secs_f64(),
                "cpu_share": m.cpu.share / 100.0,
                "healthy": m.healthy,
                "restarts": m.restarts,
            })
        })
        .collect()
}

fn status_table(runtime: &PluginRuntime) -> String {
    let security = runtime.security().summary();
    let mut out = format!(
        "{:<32} {:<12} {:>10} {:>10} {:>8} {:>6} {:>7}  health\n",
        "plugin", "state", "heap", "limit", "cpu s", "cpu %", "denied"
    );
    for m in runtime.metrics().plugins {
        // SECURITY (issue 17): denials per plugin, and a quarantine's reason.
        let s = security.get(&m.id).cloned().unwrap_or_default();
        let health = match m.healthy {
            None => "-",
            Some(true) => "ok",
            Some(false) => "UNHEALTHY",
        };
        out.push_str(&format!(
            "{:<32} {:<12} {:>10} {:>10} {:>8.2} {:>6.1} {:>7}  {health}\n",
            m.id,
            m.state,
            m.heap.used.to_string(),
            m.heap.limit.to_string(),
            m.cpu.time.as_secs_f64(),
            m.cpu.share,
            s.total_denials()
        ));
        if let Some(reason) = &s.quarantined {
            out.push_str(&format!("  quarantined: {reason}\n"));
        }
    }
    out
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
