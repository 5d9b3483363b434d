//! The startup snapshot: an isolate with the web platform (deno_webidl, deno_web and
//! `js/web.js`) already evaluated, so a new plugin isolate starts from it instead of
//! parsing and running that JS again (measured on the quickjs engine: ~30 → ~6 ms to a
//! ready isolate, ~0.7 MB less RSS each).
//!
//! Nothing plugin-specific is in it: the `qirvo` global, permissions, the time origin and
//! the error handlers are set per isolate by `js/bootstrap.js`. The snapshot is made once
//! per process, on a background thread, the first time a runtime is created (about 2.5 s
//! of CPU on the quickjs engine); isolates made before it is ready evaluate the web
//! platform themselves. It is kept on disk under `<data_dir>/cache/` for the next process
//! of the same binary (a snapshot refers to the binary's native functions, so the key is
//! the executable's path, size and modification time).

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use deno_core::{Extension, JsRuntimeForSnapshot, OpState, RuntimeOptions};
use parking_lot::Mutex;

use crate::ext;
use crate::ext::log::buffer::LogBuffer;

static SNAPSHOT: OnceLock<&'static [u8]> = OnceLock::new();
static STARTED: Mutex<bool> = Mutex::new(false);

/// The extensions in the snapshot, in its order. An isolate made from the snapshot must
/// list exactly these first (with its own log buffer).
pub(crate) fn web_extensions(logs: Arc<LogBuffer>) -> Vec<Extension> {
    vec![
        deno_webidl::deno_webidl::init(),
        with_reported_exceptions(deno_web::deno_web::init(
            Arc::new(deno_web::BlobStore::default()),
            None,
            false,
            deno_web::InMemoryBroadcastChannel::default(),
        )),
        // CRYPTO (issue 15): crypto.subtle; js/web.js loads its JS.
        deno_crypto::deno_crypto::init(None),
        ext::log::ops::qirvo_log::init(logs),
        qirvo_web_facts::init(),
        ext::host::qirvo_web::init(),
        // INTL (issue 15): Intl over ICU4X (js/intl.js); empty under the v8 engine.
        ext::intl::qirvo_intl::init(),
        // FETCH (issue 15): deno_fetch's classes and js/fetch.js.
        ext::fetch::api::deno_fetch::init(),
        ext::fetch::api::qirvo_fetch_api::init(),
    ]
}

/// deno_web's `reportException` (02_event.js: an exception thrown by an event listener, or
/// reported by `reportError`, that the global scope's `error` listeners did not cancel)
/// ends with `core.reportUnhandledException(error)`, which terminates the isolate's
/// execution and fails the event loop: one throwing listener of an `AbortSignal` or a
/// `MessagePort` would fail the plugin's call. Qirvo's is a line in the plugin's error log
/// (`internals.qirvoReportUnhandled`, js/web.js), as for an exception escaping a timer.
/// The call is replaced in the script's text (deno_web's version is pinned in Cargo.lock;
/// `tests/all/web_platform.rs` fails if the text stops matching).
const REPORT_UNHANDLED: (&str, &str) = (
    "    core.reportUnhandledException(error);",
    "    (internals.qirvoReportUnhandled ?? core.reportUnhandledException)(error);",
);

fn with_reported_exceptions(mut ext: Extension) -> Extension {
    let mut files = ext.lazy_loaded_js_files.to_vec();
    for file in &mut files {
        // PORTFIX (issue 15 review): 13_message_port.js gets PORT_QUEUE's edits too.
        let edits: &[(&str, &str)] = match file.specifier {
            "ext:deno_web/02_event.js" => &[REPORT_UNHANDLED],
            "ext:deno_web/13_message_port.js" => PORT_QUEUE,
            _ => continue,
        };
        let Ok(code) = file.load() else {
            continue;
        };
        // All of a file's edits or none (each anchor must occur exactly once).
        if edits
            .iter()
            .all(|(from, _)| code.as_str().matches(from).count() == 1)
        {
            let mut patched = code.as_str().to_string();
            for (from, to) in edits {
                patched = patched.replace(from, to);
            }
            *file = deno_core::ExtensionFileSource::new_computed(file.specifier, patched.into());
        }
    }
    ext.lazy_loaded_js_files = files.into();
    ext
}

// PORTFIX (issue 15 review) begin: what a plugin may have waiting in its MessagePorts.
/// deno_web keeps a posted message (its serialized bytes) in a Rust channel until the
/// receiving port takes it: outside the JS heap, so `resources.memory` did not bound it
/// and a loop of `port.postMessage(bigBuffer)` grew the host without limit. These edits
/// to 13_message_port.js count the serialized bytes waiting in the isolate's ports
/// (js/web.js, `internals.qirvoPortPosting`/`qirvoPortTaken`): a post that would take
/// them past [`PortBudget`] throws a `DataCloneError`; a message the receiving port
/// takes, or that `close()` discards, gives its bytes back. `close()` discards what is
/// waiting (a closed port receives nothing; deno_web followed Node and dispatched it),
/// and a message whose receive finished as its port closed is dropped, not dispatched.
const PORT_QUEUE: &[(&str, &str)] = &[
    (
        "const { core, primordials } = __bootstrap;",
        "const { core, primordials, internals } = __bootstrap;",
    ),
    (
        "      op_message_port_post_message_raw(currentPortId, data);",
        "      internals.qirvoPortPosting(data);\n      op_message_port_post_message_raw(currentPortId, data);",
    ),
    (
        "    op_message_port_post_message(currentPortId, data);",
        "    internals.qirvoPortPosting(data.data);\n    op_message_port_post_message(currentPortId, data);",
    ),
    (
        "        if (!dispatchPortMessageData(this, data)) return;",
        "        internals.qirvoPortTaken(data);\n        if (getMessagePortId(this) === null) break;\n        if (!dispatchPortMessageData(this, data)) return;",
    ),
    (
        "          if (!dispatchPortMessageData(this, data)) break;",
        "          internals.qirvoPortTaken(data);\n          continue;",
    ),
];

/// The most bytes of serialized messages an isolate's MessagePorts may hold waiting:
/// the plugin's `resources.memory` (put in the op state by the worker; 64 MiB if absent).
pub(crate) struct PortBudget(pub(crate) u64);

/// [`PortBudget`], in bytes.
#[deno_core::op2(fast)]
#[number]
fn op_qirvo_port_budget(state: &OpState) -> u64 {
    state
        .try_borrow::<PortBudget>()
        .map_or(64 * 1024 * 1024, |b| b.0)
}
// PORTFIX end

/// `navigator.userAgent`: `"Qirvo/<version>"` (this crate's version).
#[deno_core::op2]
#[string]
fn op_qirvo_user_agent() -> String {
    concat!("Qirvo/", env!("CARGO_PKG_VERSION")).to_string()
}

// Facts about the host that the web platform reports (js/web.js's `navigator`).
deno_core::extension!(
    qirvo_web_facts,
    ops = [op_qirvo_user_agent, op_qirvo_port_budget]
);

/// The snapshot, once it is ready.
pub(crate) fn ready() -> Option<&'static [u8]> {
    SNAPSHOT.get().copied()
}

/// Makes the snapshot available: from the disk cache if this binary made one, else built
/// on a background thread. Once per process; returns at once.
pub(crate) fn prepare(data_dir: &Path) {
    {
        let mut started = STARTED.lock();
        if *started {
            return;
        }
        *started = true;
    }
    // The engine is set up once per process, by whichever runtime comes first. deno_core
    // sets it up for snapshotting (`--predictable --random-seed=42`) when that is a
    // `JsRuntimeForSnapshot`, and the seed then holds for every isolate of the process:
    // every plugin's `Math.random()` gave the same sequence, run after run. Setting it
    // up here, before the snapshot thread starts, keeps plugin isolates unseeded.
    deno_core::JsRuntime::init_platform(None);
    let file = cache_file(data_dir);
    if let Some(file) = &file
        && let Ok(bytes) = std::fs::read(file)
        && !bytes.is_empty()
    {
        let _ = SNAPSHOT.set(Box::leak(bytes.into_boxed_slice()));
        return;
    }
    let spawned = std::thread::Builder::new()
        .name("qirvo:snapshot".into())
        .stack_size(8 * 1024 * 1024)
        .spawn(move || match build() {
            Ok(blob) => {
                if let Some(file) = file
                    && let Some(dir) = file.parent()
                    && std::fs::create_dir_all(dir).is_ok()
                {
                    let tmp = file.with_extension(format!("tmp{}", std::process::id()));
                    if std::fs::write(&tmp, &blob).is_ok() {
                        let _ = std::fs::rename(&tmp, &file);
                    }
                    trim(dir);
                }
                let _ = SNAPSHOT.set(Box::leak(blob));
            }
            Err(e) => {
                tracing::warn!(target: "qirvo::snapshot", "no startup snapshot (isolates evaluate the web platform themselves): {e}")
            }
        });
    if let Err(e) = spawned {
        tracing::warn!(target: "qirvo::snapshot", "cannot start the snapshot thread: {e}");
    }
}

/// Waits (up to `timeout`) until the startup snapshot is ready, so the next isolates start
/// from it; returns whether it is. The first [`PluginRuntime`](crate::PluginRuntime) of a
/// process starts making it (or reads it from `<data_dir>/cache/snapshot/`); isolates made
/// before it is ready work the same, only slower to start.
pub fn wait_for_startup_snapshot(timeout: std::time::Duration) -> bool {
    let start = std::time::Instant::now();
    while ready().is_none() {
        if start.elapsed() > timeout {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    true
}

fn build() -> Result<Box<[u8]>, String> {
    let tokio_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let _guard = tokio_rt.enter();
    let logs = Arc::new(LogBuffer::new("(snapshot)", 1, None));
    let started = std::time::Instant::now();
    let js = JsRuntimeForSnapshot::try_new(RuntimeOptions {
        extensions: web_extensions(logs),
        ..Default::default()
    })
    .map_err(|e| e.to_string())?;
    let blob = js.snapshot();
    tracing::debug!(target: "qirvo::snapshot", bytes = blob.len(), took = ?started.elapsed(), "startup snapshot made");
    Ok(blob)
}

/// Snapshots kept per data directory (one per binary that used it; each is ~2 MB).
const KEEP: usize = 4;

/// Removes all but the newest [`KEEP`] snapshots (older binaries' ones).
fn trim(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = entries
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "bin"))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    files.sort();
    let excess = files.len().saturating_sub(KEEP);
    for (_, path) in files.into_iter().take(excess) {
        let _ = std::fs::remove_file(path);
    }
}

/// Where this binary's snapshot is kept.
fn cache_file(data_dir: &Path) -> Option<PathBuf> {
    use sha2::{Digest, Sha256};
    let exe = std::env::current_exe().ok()?;
    let meta = std::fs::metadata(&exe).ok()?;
    let modified = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    let mut h = Sha256::new();
    h.update(
        format!(
            "qirvo {} {} {} {} {}",
            env!("CARGO_PKG_VERSION"),
            exe.display(),
            meta.len(),
            modified.as_nanos(),
            if cfg!(feature = "v8") {
                "v8"
            } else {
                "quickjs"
            }
        )
        .as_bytes(),
    );
    let key: String = h.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Some(
        data_dir
            .join("cache")
            .join("snapshot")
            .join(format!("{key}.bin")),
    )
}
