//! The `qirvo` subcommands, one file each, and what they share: the exit-code-carrying
//! [`Failure`], argument parsers, plugin output and the list of plugin directories.

pub mod bundle;
pub mod call;
pub mod completions;
pub mod metrics_http;
pub mod new;
pub mod output;
pub mod run;
pub mod schema;
pub mod signals;
pub mod test;
pub mod validate;
pub mod watch;

use std::path::PathBuf;
use std::time::Duration;

use qirvo::LoadError;

pub use output::{Progress, print_log};

pub fn parse_duration(s: &str) -> Result<Duration, String> {
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

/// A listening address for `--inspect`: `HOST:PORT` (an IP address), `localhost:PORT`, or
/// `PORT` alone (on 127.0.0.1).
pub fn parse_listen_addr(s: &str) -> Result<std::net::SocketAddr, String> {
    parse_addr(s, 9229)
}

/// A listening address for `--metrics-addr`, as [`parse_listen_addr`] (examples name
/// Prometheus exporters' customary port range, 9464).
pub fn parse_metrics_addr(s: &str) -> Result<std::net::SocketAddr, String> {
    parse_addr(s, 9464)
}

fn parse_addr(s: &str, example_port: u16) -> Result<std::net::SocketAddr, String> {
    if let Ok(addr) = s.parse() {
        return Ok(addr);
    }
    let loopback = |port: u16| std::net::SocketAddr::from(([127, 0, 0, 1], port));
    if let Ok(port) = s.parse::<u16>() {
        return Ok(loopback(port));
    }
    if let Some(port) = s.strip_prefix("localhost:")
        && let Ok(port) = port.parse::<u16>()
    {
        return Ok(loopback(port));
    }
    // A port of digits that does not fit: say so, rather than "not an address".
    let port = s.rsplit(':').next().unwrap_or(s);
    if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) && port.parse::<u16>().is_err()
    {
        return Err(format!(
            "{s:?}: port {port} is out of range (0 to 65535; 0 picks a free port), e.g. {example_port}"
        ));
    }
    Err(format!(
        "{s:?} is not an address: expected HOST:PORT (an IP address), localhost:PORT or PORT, e.g. 127.0.0.1:{example_port}"
    ))
}

/// An error as JSON for `--json` output: `{"kind": "Timeout", "message": "…"}` (plus
/// `stack` for a thrown exception). `kind` is the typed error's variant (`Exception`,
/// `Timeout`, `Manifest`, …), `BadInput` for a refused argument, else `Error`.
pub fn error_json(error: &anyhow::Error) -> serde_json::Value {
    fn variant(debug: String) -> String {
        debug
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    }
    let kind = if let Some(e) = error.downcast_ref::<qirvo::PluginError>() {
        variant(format!("{e:?}"))
    } else if let Some(e) = error.downcast_ref::<LoadError>() {
        match e {
            LoadError::Plugin(p) => variant(format!("{p:?}")),
            other => variant(format!("{other:?}")),
        }
    } else if let Some(e) = error.downcast_ref::<qirvo::ManifestError>() {
        variant(format!("{e:?}"))
    } else if error.downcast_ref::<BadInput>().is_some() {
        "BadInput".to_string()
    } else {
        "Error".to_string()
    };
    let mut out = serde_json::json!({ "kind": kind, "message": error.to_string() });
    if let Some(stack) = exception_stack(error) {
        out["stack"] = stack.into();
    }
    out
}

/// A refused command-line argument (the CLI's own check, not a typed library error).
#[derive(Debug)]
pub struct BadInput(pub String);

impl std::fmt::Display for BadInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

/// The source-mapped stack of a plugin exception inside `error`, if it is one.
pub fn exception_stack(error: &anyhow::Error) -> Option<String> {
    error
        .downcast_ref::<qirvo::PluginError>()
        .and_then(|e| e.exception())
        .map(|x| x.stack.clone())
        .or_else(|| match error.downcast_ref::<LoadError>() {
            Some(LoadError::Plugin(p)) => p.exception().map(|x| x.stack.clone()),
            _ => None,
        })
}

pub fn parse_json(s: &str) -> Result<serde_json::Value, String> {
    serde_json::from_str(s)
        .map_err(|e| format!("{s:?} is not JSON ({e}); quote strings, e.g. '\"text\"'"))
}

/// An error with the exit code it maps to.
pub struct Failure {
    pub code: u8,
    pub error: anyhow::Error,
}

impl Failure {
    /// A refused argument, in the CLI's own words: exit code 2, kind `BadInput`.
    pub fn bad_argument(message: impl Into<String>) -> Self {
        Failure {
            code: 2,
            error: BadInput(message.into()).into(),
        }
    }

    /// Bad input (a manifest, an argument): exit code 2.
    pub fn bad_input(error: impl Into<anyhow::Error>) -> Self {
        Failure {
            code: 2,
            error: error.into(),
        }
    }
}

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure {
            code: 1,
            error: e.into(),
        }
    }
}

pub fn load_failure(e: LoadError) -> Failure {
    let code = match &e {
        LoadError::Manifest(_) | LoadError::Directory { .. } | LoadError::Module { .. } => 2,
        _ => 1,
    };
    Failure {
        code,
        error: e.into(),
    }
}

/// The plugin directories under `path`: itself when it holds a manifest, else each
/// subdirectory that does.
pub fn plugin_dirs(path: &std::path::Path) -> Result<Vec<PathBuf>, Failure> {
    // Anything named manifest.json (even a symlink loop or a FIFO) makes this a plugin
    // directory: reading it then says what is wrong with it.
    let has_manifest =
        |dir: &std::path::Path| dir.join(qirvo::MANIFEST_FILE).symlink_metadata().is_ok();
    if has_manifest(path) {
        return Ok(vec![path.to_path_buf()]);
    }
    let entries = std::fs::read_dir(path).map_err(|e| Failure {
        code: 2,
        error: anyhow::anyhow!("{}: {e}", path.display()),
    })?;
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| has_manifest(p))
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
