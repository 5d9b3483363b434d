//! `qirvo run --watch`: reload a plugin when its files change, on native file events
//! (`notify`: inotify, FSEvents, ReadDirectoryChangesW).
//!
//! What never triggers a reload: the data directory (even inside the plugin folder),
//! hidden files and folders, `node_modules`, test files (`*.test.*`) and editor temp files
//! (`*~`, `*.swp`, `#…#`, `4913`, …). A change is debounced (nothing new for 300 ms), then:
//! 1. the new version is proven in a scratch runtime by loading and evaluating it
//!    ([`PluginRuntime::check`]: no `initialize`, so no side effects run twice);
//! 2. the running version is unloaded and the new one loaded, initialized and started on
//!    the real runtime: `initialize` runs once;
//! 3. if that fails, the previous version is loaded again from a copy kept of it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use qirvo::{PluginRuntime, RuntimeConfig};

use super::output::{error_line, notice};

/// How long the files must stay quiet before a reload.
const SETTLE: Duration = Duration::from_millis(300);
/// A plugin folder larger than this is not copied for rollback.
const MAX_ROLLBACK_COPY: u64 = 64 * 1024 * 1024;

/// Watches `dir` until the run ends. Errors setting up the watch are printed, not fatal.
pub async fn watch_plugin(runtime: PluginRuntime, config: RuntimeConfig, dir: PathBuf) {
    let root = dir.canonicalize().unwrap_or_else(|_| dir.clone());
    let data_dir = config.data_dir.canonicalize().unwrap_or_else(|_| {
        std::env::current_dir()
            .map(|cwd| cwd.join(&config.data_dir))
            .unwrap_or_else(|_| config.data_dir.clone())
    });
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<PathBuf>();
    let watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event
            && !matches!(event.kind, notify::EventKind::Access(_))
        {
            for path in event.paths {
                let _ = tx.send(path);
            }
        }
    });
    let mut watcher = match watcher {
        Ok(w) => w,
        Err(e) => {
            error_line(format_args!("error: --watch {}: {e}", dir.display()));
            return;
        }
    };
    if let Err(e) = notify::Watcher::watch(&mut watcher, &root, notify::RecursiveMode::Recursive) {
        error_line(format_args!("error: --watch {}: {e}", dir.display()));
        return;
    }
    let mut kept = Rollback::take(&root, &data_dir);
    loop {
        // Wait for a change that matters, then until the files settle.
        let Some(first) = rx.recv().await else { return };
        if ignored(&root, &data_dir, &first, false) {
            continue;
        }
        loop {
            match tokio::time::timeout(SETTLE, rx.recv()).await {
                Ok(Some(_)) => continue,
                Ok(None) => return,
                Err(_) => break,
            }
        }
        notice(format_args!("[qirvo] {} changed: reloading", dir.display()));
        // Copied before anything else reads it: what is proven and loaded is what is kept.
        let candidate = Rollback::take(&root, &data_dir);
        if let Err(why) = prove(&config, &root).await {
            error_line(format_args!(
                "[qirvo] the new version of {} does not load; keeping the running one: {why}",
                dir.display()
            ));
            continue;
        }
        match swap(&runtime, &root).await {
            Ok(id) => {
                notice(format_args!("[qirvo] reloaded {id}"));
                kept = candidate;
            }
            Err(why) => {
                error_line(format_args!("[qirvo] the new version failed: {why}"));
                kept.restore(&runtime).await;
            }
        }
    }
}

/// Whether a changed path can be ignored: outside the plugin, in the data directory,
/// hidden, `node_modules`, an editor's temporary file, or (unless `tests_count`, as for
/// `qirvo test --watch`) a test file. The one rule for both watchers.
pub fn ignored(root: &Path, data_dir: &Path, path: &Path, tests_count: bool) -> bool {
    if path.starts_with(data_dir) {
        return true;
    }
    let Ok(rel) = path.strip_prefix(root) else {
        return true;
    };
    rel.components().any(|c| {
        let name = c.as_os_str().to_string_lossy();
        name.starts_with('.')
            || name == "node_modules"
            || (!tests_count && name.contains(".test."))
            || name.ends_with('~')
            || name.ends_with(".swp")
            || name.ends_with(".swo")
            || name.ends_with(".swx")
            || name.ends_with(".tmp")
            || (name.starts_with('#') && name.ends_with('#'))
            || name == "4913"
    })
}

/// Loads and evaluates the new version in a scratch runtime (in-memory storage, its own
/// data directory): no `initialize`, no side effects.
async fn prove(config: &RuntimeConfig, root: &Path) -> Result<(), String> {
    let scratch_dir = std::env::temp_dir().join(format!("qirvo-watch-{}", std::process::id()));
    let scratch = PluginRuntime::new(RuntimeConfig {
        storage: qirvo::StorageKind::Memory,
        health_interval: None,
        data_dir: scratch_dir,
        startup_snapshot: false,
        log_sink: None,
        ..config.clone()
    })
    .map_err(|e| e.to_string())?;
    let checked = scratch.check(root).await.map_err(|e| e.to_string());
    scratch.shutdown().await;
    checked.map(|_| ())
}

/// Unloads the running version (if any) and loads and starts the new one.
async fn swap(runtime: &PluginRuntime, root: &Path) -> Result<String, String> {
    let id = qirvo::Manifest::from_dir(root).map(|m| m.id).ok();
    let old = runtime
        .plugins()
        .into_iter()
        .find(|p| p.dir() == root || Some(p.id()) == id.as_deref());
    if let Some(old) = old
        && let Err(e) = old.unload().await
    {
        error_line(format_args!("[qirvo] stopping the old version failed: {e}"));
    }
    let handle = runtime.load(root).await.map_err(|e| e.to_string())?;
    if let Err(e) = handle.start().await {
        let _ = handle.unload().await;
        return Err(e.to_string());
    }
    Ok(handle.id().to_string())
}

/// A copy of the version last running, to go back to when a new one fails to start.
struct Rollback {
    copy: Option<tempfile::TempDir>,
}

impl Rollback {
    fn take(root: &Path, data_dir: &Path) -> Rollback {
        let copy = tempfile::Builder::new()
            .prefix("qirvo-watch-previous-")
            .tempdir()
            .ok()
            .filter(|t| {
                let mut budget = MAX_ROLLBACK_COPY;
                copy_tree(root, t.path(), data_dir, &mut budget).is_ok()
            });
        if copy.is_none() {
            notice(format_args!(
                "[qirvo] {} is not copied for rollback (larger than {} MiB or unreadable)",
                root.display(),
                MAX_ROLLBACK_COPY / (1024 * 1024)
            ));
        }
        Rollback { copy }
    }

    async fn restore(&self, runtime: &PluginRuntime) {
        let Some(copy) = &self.copy else {
            error_line("[qirvo] no copy of the previous version to go back to");
            return;
        };
        match swap(runtime, copy.path()).await {
            Ok(id) => notice(format_args!(
                "[qirvo] went back to the previous version of {id}"
            )),
            Err(e) => error_line(format_args!(
                "[qirvo] the previous version did not start again either: {e}"
            )),
        }
    }
}

/// Copies the plugin's files (not the data directory or hidden entries) within `budget`
/// bytes; symbolic links are copied as links.
fn copy_tree(from: &Path, to: &Path, data_dir: &Path, budget: &mut u64) -> std::io::Result<()> {
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let path = entry.path();
        if path.starts_with(data_dir) || entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let target = to.join(entry.file_name());
        let kind = entry.file_type()?;
        if kind.is_dir() {
            std::fs::create_dir_all(&target)?;
            copy_tree(&path, &target, data_dir, budget)?;
        } else if kind.is_symlink() {
            #[cfg(unix)]
            std::os::unix::fs::symlink(std::fs::read_link(&path)?, &target)?;
        } else if kind.is_file() {
            let len = entry.metadata()?.len();
            *budget = budget
                .checked_sub(len)
                .ok_or_else(|| std::io::Error::other("too large"))?;
            std::fs::copy(&path, &target)?;
        }
    }
    Ok(())
}
