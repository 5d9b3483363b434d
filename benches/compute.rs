//! Compute kernels in a Qirvo plugin and in Node, in one run:
//! `cargo bench --bench compute` (add `-- --quick` for fewer rounds).
//!
//! The kernels are `benches/compute_kernels.js` (recursion, JSON round trip, sorts, regex
//! scan, string building, Map/Set, typed arrays). Each is timed inside the engine (median
//! of the rounds after one warm-up, `performance.now()`), so call overhead is not counted:
//! once in a Qirvo plugin (QuickJS-ng with our interrupt polls) and once in `node` (V8,
//! JIT) when it is on PATH. Prints a row per kernel and the geometric mean of the
//! Qirvo/Node ratios. The polls' own cost, QuickJS against QuickJS, is
//! `benches/poll-cost.sh`.

use std::time::Duration;

use qirvo::{PluginRuntime, RuntimeConfig};
use serde_json::json;

const KERNELS_JS: &str = include_str!("compute_kernels.js");

/// Appended to the kernels in both engines: `time(name, rounds)` returns the median
/// milliseconds of `rounds` runs after one warm-up.
const DRIVER_JS: &str = r#"
function time(name, rounds) {
  KERNELS[name]();
  var t = [];
  for (var i = 0; i < rounds; i++) {
    var s = performance.now();
    KERNELS[name]();
    t.push(performance.now() - s);
  }
  t.sort(function (a, b) { return a - b; });
  return t[t.length >> 1];
}
"#;

fn node_times(names: &[String], rounds: u32) -> Result<Vec<f64>, String> {
    let src = format!(
        "{KERNELS_JS}\n{DRIVER_JS}\nconsole.log(JSON.stringify({names}.map(function (n) {{ return time(n, {rounds}); }})));",
        names = json!(names),
    );
    let out = std::process::Command::new("node")
        .arg("-e")
        .arg(src)
        .output()
        .map_err(|e| format!("node: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "node failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("node output: {e}"))
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let rounds: u32 = if quick { 3 } else { 11 };

    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("compute");
    std::fs::create_dir_all(&dir).expect("plugin dir");
    let manifest = json!({
        "id": "compute", "version": "1.0.0", "main": "main.js",
        "resources": { "memory": "512MB", "timeout": 600000 }
    });
    std::fs::write(dir.join("manifest.json"), manifest.to_string()).expect("manifest");
    let main_js = format!(
        "{KERNELS_JS}\n{DRIVER_JS}\nexport {{ time }};\nexport function names() {{ return Object.keys(KERNELS); }}\n"
    );
    std::fs::write(dir.join("main.js"), main_js).expect("main.js");

    let data = tempfile::tempdir().expect("tempdir");
    let rt = PluginRuntime::new(RuntimeConfig {
        data_dir: data.path().to_path_buf(),
        ..RuntimeConfig::default()
    })
    .expect("runtime");
    let plugin = rt.load(&dir).await.expect("load the compute plugin");
    let names: Vec<String> =
        serde_json::from_value(plugin.call("names", vec![]).await.expect("names"))
            .expect("kernel names");

    let mut qirvo = Vec::new();
    for name in &names {
        let ms = plugin
            .call_with_timeout(
                "time",
                vec![json!(name), json!(rounds)],
                Duration::from_secs(600),
            )
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        qirvo.push(ms.as_f64().unwrap_or(f64::NAN));
    }
    let node = node_times(&names, rounds);

    println!("\ncompute kernels (median of {rounds} runs after a warm-up, ms)\n");
    println!(
        "| kernel | Qirvo (QuickJS-ng) | Node {} | Qirvo / Node |",
        node_version()
    );
    println!("|---|---:|---:|---:|");
    let mut log_sum = 0.0;
    let mut n: u32 = 0;
    for (i, name) in names.iter().enumerate() {
        match &node {
            Ok(node) => {
                let ratio = qirvo[i] / node[i];
                log_sum += ratio.ln();
                n += 1;
                println!(
                    "| {name} | {:.1} | {:.1} | {ratio:.1}× |",
                    qirvo[i], node[i]
                );
            }
            Err(_) => println!("| {name} | {:.1} | – | – |", qirvo[i]),
        }
    }
    match node {
        Ok(_) if n > 0 => println!(
            "| geometric mean | | | {:.1}× |",
            (log_sum / f64::from(n)).exp()
        ),
        Ok(_) => {}
        Err(e) => println!("\npeer not run ({e})"),
    }
    plugin.unload().await.expect("unload");
}

fn node_version() -> String {
    std::process::Command::new("node")
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}
