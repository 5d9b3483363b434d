//! `qirvo validate`: check a plugin's manifest and that its code loads.

use std::path::PathBuf;

use qirvo::{Manifest, PluginRuntime, RuntimeConfig};

use super::{Failure, load_failure};

/// Check a plugin's manifest and that its entry module loads and compiles.
#[derive(clap::Args)]
pub struct ValidateArgs {
    plugin: PathBuf,
}

pub async fn run(config: RuntimeConfig, args: ValidateArgs) -> Result<(), Failure> {
    let ValidateArgs { plugin } = args;
    let manifest = Manifest::from_dir(&plugin).map_err(|e| Failure {
        code: 2,
        error: e.into(),
    })?;
    // HOSTAPI (issue 14): no host here, so the manifest's host permissions ("namespace:verb")
    // are accepted unchecked, and said so.
    let mut config = config;
    for p in manifest.host_permissions() {
        eprintln!(
            "note: {p:?} is a host permission: qirvo validate cannot check that a host declares it"
        );
        let _ = config.host_api.permission(p, "declared by the host (not checked here)");
    }
    // end HOSTAPI
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
