//! Shared helpers: fixture paths, runtimes that capture logs, temporary plugin copies.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use qirvo::{LogEntry, PluginRuntime, RuntimeConfig};

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

pub fn plugin_fixture(name: &str) -> PathBuf {
    fixture("plugins").join(name)
}

/// A runtime whose plugin log lines are also collected in `Logs`.
pub fn runtime() -> (PluginRuntime, Logs) {
    let logs = Logs::default();
    let sink = logs.clone();
    let data = tempfile::tempdir().expect("tempdir").keep();
    let config = RuntimeConfig {
        data_dir: data,
        ..RuntimeConfig::default()
    }
    .with_log_sink(move |e| sink.0.lock().unwrap().push(e.clone()));
    (PluginRuntime::new(config).expect("runtime"), logs)
}

#[derive(Clone, Default)]
pub struct Logs(pub Arc<Mutex<Vec<LogEntry>>>);

impl Logs {
    pub fn messages(&self, plugin: &str) -> Vec<String> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e.plugin == plugin)
            .map(|e| e.message.clone())
            .collect()
    }

    /// Waits (up to 10 s) until `plugin` has logged a line containing `text`.
    pub async fn wait_for(&self, plugin: &str, text: &str) -> bool {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if self.messages(plugin).iter().any(|m| m.contains(text)) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        false
    }
}

/// Copies a fixture plugin into a temporary directory under a new id.
pub fn copy_plugin(name: &str, new_id: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&plugin_fixture(name), dir.path());
    let manifest = dir.path().join("manifest.json");
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
    json["id"] = new_id.into();
    std::fs::write(&manifest, json.to_string()).unwrap();
    dir
}

/// Writes a one-file plugin (manifest + main.js) into a temporary directory.
pub fn write_plugin(manifest: serde_json::Value, main_js: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("manifest.json"), manifest.to_string()).unwrap();
    let main = manifest["main"].as_str().unwrap_or("main.js");
    std::fs::write(dir.path().join(main), main_js).unwrap();
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dest = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
            copy_dir(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), dest).unwrap();
        }
    }
}

/// Runs the built `qirvo` from the repository root with a throwaway data directory.
pub fn qirvo(args: &[&str]) -> std::process::Output {
    let data = tempfile::tempdir().unwrap();
    std::process::Command::new(env!("CARGO_BIN_EXE_qirvo"))
        .args(args)
        .arg("--data-dir")
        .arg(data.path())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run qirvo")
}

/// A process's output as text.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Starts `qirvo run fixtures/plugins/hello --metrics-addr PORT` on a free port (stdout
/// discarded) and reads its first stderr line. Returns the child, the port, that line and
/// the data directory (keep it alive while the child runs).
pub fn run_hello_with_metrics() -> (std::process::Child, u16, String, tempfile::TempDir) {
    use std::io::{BufRead, BufReader};
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let data = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_qirvo"))
        .args([
            "run",
            "fixtures/plugins/hello",
            "--for",
            "60s",
            "--metrics-addr",
        ])
        .arg(port.to_string())
        .arg("--data-dir")
        .arg(data.path())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    // Keep reading, so the child never writes to a closed pipe.
    std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
    (child, port, line, data)
}

/// One HTTP/1.1 request on a fresh connection to `addr`: `head` is the request line (and
/// any header lines after it, each preceded by `\r\n`); `Host` and `Connection: close`
/// are added. Returns the response's status line and headers, and its body.
pub fn http(addr: impl std::net::ToSocketAddrs, head: &str) -> (String, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    s.write_all(format!("{head}\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes())
        .expect("send the request");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("read the response");
    let (headers, body) = out.split_once("\r\n\r\n").unwrap_or((out.as_str(), ""));
    (headers.to_string(), body.to_string())
}
