//! The `qirvo` command: run, call and validate plugins from a shell.
//!
//! Exit codes: 0 success; 1 the plugin failed (exception, limit, timeout); 2 bad input
//! (manifest, arguments).

use std::io::Write;
use std::path::{Path, PathBuf};
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
    /// Load, initialize and start a plugin (or every plugin in a directory of plugin
    /// directories); wait for Ctrl-C (or --for); then stop and unload.
    Run {
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
    /// Print the JSON Schema of manifest.json (for editors).
    Schema,
    /// Run a plugin's *.test.ts / *.test.js files in its own isolate.
    Test {
        /// Plugin directories (default: the current directory).
        plugins: Vec<PathBuf>,
    },
    /// Create a working plugin: manifest, entry module, a test, editor types.
    New {
        /// The directory to create (must not exist, or be empty).
        dir: PathBuf,
        /// Write JavaScript instead of TypeScript.
        #[arg(long)]
        js: bool,
    },
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

/// A one-line progress display on stderr, shown only on a terminal (quiet when piped).
struct Progress {
    on: bool,
}

impl Progress {
    fn new() -> Self {
        Progress {
            on: std::io::IsTerminal::is_terminal(&std::io::stderr()),
        }
    }
    fn show(&self, msg: &str) {
        if self.on {
            eprint!("\r\x1b[2K{msg}");
        }
    }
    fn clear(&self) {
        if self.on {
            eprint!("\r\x1b[2K");
        }
    }
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

/// Writes a new plugin into `dir`.
fn scaffold(dir: &std::path::Path, js: bool) -> anyhow::Result<()> {
    if dir.exists() && std::fs::read_dir(dir)?.next().is_some() {
        anyhow::bail!("{}: already exists and is not empty", dir.display());
    }
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_else(|| "plugin".into());
    let id: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let id = id
        .trim_start_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_string();
    let id = if id.is_empty() {
        "plugin".to_string()
    } else {
        id
    };
    let ext = if js { "js" } else { "ts" };
    std::fs::create_dir_all(dir)?;
    let manifest = serde_json::json!({
        "id": id,
        "name": name,
        "version": "0.1.0",
        "main": format!("main.{ext}"),
        "permissions": [],
        "resources": { "memory": "64MB", "timeout": 5000 },
        "config": { "greeting": "Hello" }
    });
    std::fs::write(
        dir.join("manifest.json"),
        serde_json::to_string_pretty(&manifest)? + "\n",
    )?;
    let main = if js {
        MAIN_JS.to_string()
    } else {
        format!("/// <reference path=\"./qirvo.d.ts\" />\n{MAIN_TS}")
    };
    std::fs::write(dir.join(format!("main.{ext}")), main)?;
    let test = if js {
        TEST_JS.to_string()
    } else {
        format!("/// <reference path=\"./qirvo.d.ts\" />\n{TEST_TS}")
    };
    std::fs::write(dir.join(format!("main.test.{ext}")), test)?;
    std::fs::write(dir.join("qirvo.d.ts"), include_str!("../js/qirvo.d.ts"))?;
    std::fs::write(
        dir.join("tsconfig.json"),
        "{\n  \"compilerOptions\": {\n    \"target\": \"ES2022\",\n    \"module\": \"ES2022\",\n    \"moduleResolution\": \"bundler\",\n    \"allowImportingTsExtensions\": true,\n    \"noEmit\": true,\n    \"strict\": true,\n    \"lib\": [\"ES2022\", \"DOM\"]\n  },\n  \"files\": [\"qirvo.d.ts\"],\n  \"include\": [\"**/*.ts\"]\n}\n",
    )?;
    Ok(())
}

const MAIN_TS: &str = r#"let greeting = "Hi";

export default {
  async initialize(ctx: QirvoContext<{ greeting?: string }>): Promise<void> {
    greeting = ctx.config.greeting ?? greeting;
    qirvo.log.info(`initialized ${ctx.id} ${ctx.version}`);
  },
  async start(): Promise<void> {
    qirvo.log.info("started");
  },
  async stop(): Promise<void> {
    qirvo.log.info("stopped");
  },
  healthCheck(): boolean {
    return true;
  },
} satisfies QirvoPlugin<{ greeting?: string }>;

export function greet(name: string): string {
  return `${greeting}, ${name}!`;
}

export async function countVisits(): Promise<number> {
  const visits = ((await qirvo.storage.get<number>("visits")) ?? 0) + 1;
  await qirvo.storage.set("visits", visits);
  return visits;
}
"#;

const TEST_TS: &str = r#"import { countVisits, greet } from "./main.ts";

qirvo.test("greet says hello", () => {
  qirvo.assert.equal(greet("Ada"), "Hi, Ada!");
});

qirvo.test("visits are counted in storage", async () => {
  qirvo.assert.equal(await countVisits(), 1);
  qirvo.assert.equal(await countVisits(), 2);
});
"#;

const MAIN_JS: &str = r#"let greeting = "Hi";

export default {
  async initialize(ctx) {
    greeting = ctx.config.greeting ?? greeting;
    qirvo.log.info(`initialized ${ctx.id} ${ctx.version}`);
  },
  async start() {
    qirvo.log.info("started");
  },
  async stop() {
    qirvo.log.info("stopped");
  },
  healthCheck() {
    return true;
  },
};

export function greet(name) {
  return `${greeting}, ${name}!`;
}

export async function countVisits() {
  const visits = ((await qirvo.storage.get("visits")) ?? 0) + 1;
  await qirvo.storage.set("visits", visits);
  return visits;
}
"#;

const TEST_JS: &str = r#"import { countVisits, greet } from "./main.js";

qirvo.test("greet says hello", () => {
  qirvo.assert.equal(greet("Ada"), "Hi, Ada!");
});

qirvo.test("visits are counted in storage", async () => {
  qirvo.assert.equal(await countVisits(), 1);
  qirvo.assert.equal(await countVisits(), 2);
});
"#;

/// The plugin directories under `path`: itself when it holds a manifest, else each
/// subdirectory that does.
fn plugin_dirs(path: &std::path::Path) -> Result<Vec<PathBuf>, Failure> {
    if path.join(qirvo::MANIFEST_FILE).exists() {
        return Ok(vec![path.to_path_buf()]);
    }
    let entries = std::fs::read_dir(path).map_err(|e| Failure {
        code: 2,
        error: anyhow::anyhow!("{}: {e}", path.display()),
    })?;
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join(qirvo::MANIFEST_FILE).exists())
        .collect();
    dirs.sort();
    if dirs.is_empty() {
        return Err(Failure {
            code: 2,
            error: anyhow::anyhow!(
                "{}: no {} here or in its subdirectories",
                path.display(),
                qirvo::MANIFEST_FILE
            ),
        });
    }
    Ok(dirs)
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

/// What a directory's files look like now: (path, size, mtime) of every file, sorted.
fn fingerprint(dir: &std::path::Path) -> Vec<(PathBuf, u64, std::time::SystemTime)> {
    fn walk(dir: &std::path::Path, out: &mut Vec<(PathBuf, u64, std::time::SystemTime)>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let name = e.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') || name == "node_modules" {
                continue;
            }
            let Ok(meta) = e.metadata() else { continue };
            if meta.is_dir() {
                walk(&e.path(), out);
            } else {
                out.push((
                    e.path(),
                    meta.len(),
                    meta.modified().unwrap_or(std::time::UNIX_EPOCH),
                ));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, &mut out);
    out.sort();
    out
}

/// Polls a plugin's files; after a change has settled, reloads the plugin. The new version
/// is first loaded in a scratch runtime (in-memory storage): if that fails, the running
/// version is kept and the reason printed.
async fn watch_plugin(runtime: PluginRuntime, config: RuntimeConfig, dir: PathBuf) {
    const POLL: Duration = Duration::from_millis(250);
    let mut seen = fingerprint(&dir);
    loop {
        tokio::time::sleep(POLL).await;
        let now = fingerprint(&dir);
        if now == seen {
            continue;
        }
        // Debounce: wait until the files stop changing.
        let mut settled = now;
        loop {
            tokio::time::sleep(POLL).await;
            let again = fingerprint(&dir);
            if again == settled {
                break;
            }
            settled = again;
        }
        seen = settled;
        eprintln!("[qirvo] {} changed: reloading", dir.display());
        let scratch_dir = std::env::temp_dir().join(format!("qirvo-watch-{}", std::process::id()));
        let scratch = PluginRuntime::new(RuntimeConfig {
            storage: qirvo::StorageKind::Memory,
            health_interval: None,
            data_dir: scratch_dir,
            ..config.clone()
        });
        let check = match scratch {
            Ok(s) => match s.load(&dir).await {
                Ok(h) => {
                    let _ = h.unload().await;
                    Ok(())
                }
                Err(e) => Err(e.to_string()),
            },
            Err(e) => Err(e.to_string()),
        };
        if let Err(why) = check {
            eprintln!(
                "[qirvo] the new version of {} does not load; keeping the running one: {why}",
                dir.display()
            );
            continue;
        }
        let id = qirvo::Manifest::from_dir(&dir).map(|m| m.id).ok();
        let old = runtime.plugins().into_iter().find(|p| {
            p.dir() == dir.canonicalize().unwrap_or(dir.clone()) || Some(p.id()) == id.as_deref()
        });
        if let Some(old) = old
            && let Err(e) = old.unload().await
        {
            eprintln!("[qirvo] stopping the old version failed: {e}");
        }
        match runtime.load(&dir).await {
            Ok(h) => match h.start().await {
                Ok(()) => eprintln!("[qirvo] reloaded {}", h.id()),
                Err(e) => eprintln!("[qirvo] the new version failed to start: {e}"),
            },
            Err(e) => eprintln!("[qirvo] reloading failed: {e}"),
        }
    }
}

/// Serves `GET /metrics` in the Prometheus text format.
async fn serve_metrics(listener: tokio::net::TcpListener, runtime: PluginRuntime) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    loop {
        let Ok((mut sock, _)) = listener.accept().await else {
            return;
        };
        let runtime = runtime.clone();
        tokio::spawn(async move {
            let mut buf = [0u8; 2048];
            let n = match tokio::time::timeout(Duration::from_secs(5), sock.read(&mut buf)).await {
                Ok(Ok(n)) => n,
                _ => return,
            };
            let request = String::from_utf8_lossy(&buf[..n]);
            let (status, body) =
                if request.starts_with("GET /metrics ") || request.starts_with("GET /metrics?") {
                    ("200 OK", runtime.metrics_text())
                } else {
                    ("404 Not Found", "not found: try /metrics\n".to_string())
                };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = sock.write_all(head.as_bytes()).await;
            let _ = sock.write_all(body.as_bytes()).await;
        });
    }
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
        Cmd::Validate { plugin } => {
            let manifest = Manifest::from_dir(&plugin).map_err(|e| Failure {
                code: 2,
                error: e.into(),
            })?;
            // Loading evaluates the module and runs initialize: the real check that it
            // compiles and starts. Then unload. (One isolate: no startup snapshot.)
            let runtime = PluginRuntime::new(RuntimeConfig {
                startup_snapshot: false,
                ..config
            })?;
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
        Cmd::Run {
            plugin,
            run_for,
            metrics_addr,
            status,
            watch,
            inspect,
            inspect_brk,
            inspect_allow_remote,
            profile,
        } => {
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
        Cmd::Test { plugins } => {
            let plugins = if plugins.is_empty() {
                vec![PathBuf::from(".")]
            } else {
                plugins
            };
            let mut total = qirvo::testing::TestReport::default();
            let progress = Progress::new();
            let mut done = 0usize;
            for dir in plugins {
                progress.show(&format!("testing {}…", dir.display()));
                let report = qirvo::testing::run_plugin_tests(&dir, config.clone(), |o| {
                    progress.clear();
                    done += 1;
                    let label = format!("{} > {}", o.file.display(), o.name);
                    let ms = o.duration.as_secs_f64() * 1000.0;
                    match o.status {
                        qirvo::testing::TestStatus::Passed => {
                            println!("ok    {label} ({ms:.0} ms)")
                        }
                        qirvo::testing::TestStatus::Skipped => println!("skip  {label}"),
                        qirvo::testing::TestStatus::Failed => {
                            println!("FAIL  {label} ({ms:.0} ms)");
                            for line in o.message.as_deref().unwrap_or("").lines() {
                                println!("      {line}");
                            }
                        }
                    }
                    progress.show(&format!("{done} tests run, testing {}…", dir.display()));
                })
                .await
                .map_err(load_failure)?;
                total.outcomes.extend(report.outcomes);
            }
            progress.clear();
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
        Cmd::Schema => {
            println!(
                "{}",
                serde_json::to_string_pretty(&qirvo::manifest_schema())?
            );
            Ok(())
        }
        Cmd::New { dir, js } => {
            scaffold(&dir, js).map_err(|e| Failure { code: 2, error: e })?;
            println!(
                "created {} — try: qirvo run {0} --for 1s   and   qirvo test {0}",
                dir.display()
            );
            Ok(())
        }
        Cmd::Call {
            plugin,
            export,
            args,
        } => {
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
    }
}
