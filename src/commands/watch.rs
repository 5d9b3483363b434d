//! `qirvo run --watch`: reload a plugin when its files change.

use std::path::PathBuf;
use std::time::Duration;

use qirvo::{PluginRuntime, RuntimeConfig};

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
pub async fn watch_plugin(runtime: PluginRuntime, config: RuntimeConfig, dir: PathBuf) {
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
