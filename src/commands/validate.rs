//! `qirvo validate`: check a plugin's manifest and that its code loads.

use std::path::PathBuf;

use qirvo::{Manifest, PluginRuntime, RuntimeConfig};

use super::{Failure, error_json, load_failure, output};

/// Check a plugin's manifest and that its entry module loads and compiles (its top-level
/// code is evaluated; `initialize` and `start` do not run, and nothing is written).
#[derive(clap::Args)]
pub struct ValidateArgs {
    /// The plugin directory (holding manifest.json).
    plugin: PathBuf,
    /// Print one JSON object on stdout: `{"ok":true,"id":…,"version":…,"main":…,
    /// "exports":[…]}` or `{"ok":false,"error":{"kind":…,"message":…}}`.
    #[arg(long)]
    json: bool,
}

pub async fn run(config: RuntimeConfig, args: ValidateArgs) -> Result<(), Failure> {
    let json = args.json;
    if json {
        output::plugin_lines_to_stderr();
    }
    match validate(config, &args.plugin).await {
        Ok((manifest, exports)) => {
            let main = args.plugin.join(&manifest.main);
            if json {
                output::println(serde_json::json!({
                    "ok": true,
                    "id": manifest.id,
                    "version": manifest.version.to_string(),
                    "main": main,
                    "exports": exports,
                }));
            } else {
                output::println(format_args!(
                    "{} {} ({}): ok",
                    manifest.id,
                    manifest.version,
                    main.display()
                ));
            }
            Ok(())
        }
        Err(f) => {
            if json {
                let doc = serde_json::json!({ "ok": false, "error": error_json(&f.error) });
                output::println(doc);
            }
            Err(f)
        }
    }
}

async fn validate(
    config: RuntimeConfig,
    plugin: &std::path::Path,
) -> Result<(Manifest, Vec<qirvo::ExportInfo>), Failure> {
    let manifest = Manifest::from_dir(plugin).map_err(Failure::bad_input)?;
    // HOSTAPI (issue 14): no host here, so the manifest's host permissions ("namespace:verb")
    // are accepted unchecked, and said so.
    let mut config = config;
    for p in manifest.host_permissions() {
        output::notice(format_args!(
            "note: {p:?} is a host permission: qirvo validate cannot check that a host declares it"
        ));
        let _ = config
            .host_api
            .permission(p, "declared by the host (not checked here)");
    }
    // end HOSTAPI
    // Evaluate only: resolve, transpile and evaluate the entry module (its top-level code
    // runs, so a module that throws still fails), never `initialize` or `start`. And write
    // nothing: storage in memory, no code cache, data (and anything a module's top level
    // writes) under a scratch directory removed on return. One isolate: no startup snapshot.
    let scratch = tempfile::tempdir()
        .map_err(|e| anyhow::anyhow!("cannot create a scratch data directory: {e}"))?;
    let runtime = PluginRuntime::new(RuntimeConfig {
        startup_snapshot: false,
        code_cache: false,
        storage: qirvo::StorageKind::Memory,
        data_dir: scratch.path().to_path_buf(),
        ..config
    })?;
    let exports = runtime.check(plugin).await.map_err(load_failure)?;
    Ok((manifest, exports))
}
