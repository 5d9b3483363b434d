//! `qirvo bundle`: a plugin and its packages as one self-contained plugin directory
//! (manifest, one ES module, its source map), built by esbuild (issue 19).
//!
//! esbuild is a maintained bundler that already implements what the loader does for
//! packages (Node's resolution, CommonJS interop, TypeScript); Qirvo only runs it with the
//! loader's conditions, turns the manifest's import map into tsconfig `paths`, and rewrites
//! the source map so stack traces name the original files as the plugin's own URLs
//! (`file:///plugin/src/util.ts`), never a host path.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::Failure;

/// Bundle a plugin and the packages it imports into one module, with its source map, in a
/// directory of its own that runs without node_modules/.
#[derive(clap::Args)]
pub struct BundleArgs {
    /// The plugin directory (holding manifest.json).
    plugin: PathBuf,
    /// Where to write the bundled plugin: created if missing; its manifest.json, module
    /// and source map are replaced. Default: `<plugin>/dist`. Not the plugin directory.
    #[arg(long)]
    out: Option<PathBuf>,
    /// The esbuild executable. Default: `node_modules/.bin/esbuild` in the plugin
    /// directory, else `esbuild` on PATH.
    #[arg(long)]
    esbuild: Option<PathBuf>,
}

/// How to get esbuild, for the error when it is missing.
const INSTALL_HINT: &str = "install it in the plugin directory with `npm install --save-dev esbuild`, put it on PATH, or pass --esbuild PATH";

pub fn run(args: BundleArgs) -> Result<(), Failure> {
    let plugin = &args.plugin;
    let manifest = qirvo::Manifest::from_dir(plugin).map_err(Failure::bad_input)?;
    let root = plugin
        .canonicalize()
        .map_err(|e| Failure::bad_argument(format!("{}: {e}", plugin.display())))?;
    let out = args.out.clone().unwrap_or_else(|| plugin.join("dist"));
    if out.exists() && !out.is_dir() {
        return Err(Failure::bad_argument(format!(
            "--out {}: exists and is not a directory",
            out.display()
        )));
    }
    std::fs::create_dir_all(&out)
        .map_err(|e| Failure::bad_argument(format!("--out {}: {e}", out.display())))?;
    let out = out
        .canonicalize()
        .map_err(|e| Failure::bad_argument(format!("--out {}: {e}", out.display())))?;
    if out == root {
        return Err(Failure::bad_argument(format!(
            "--out {}: is the plugin directory itself; give another directory (default: {}/dist)",
            out.display(),
            plugin.display()
        )));
    }
    let esbuild = find_esbuild(&root, args.esbuild.as_deref())?;

    let stem = manifest
        .main
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "main".into());
    let module = format!("{stem}.js");
    let outfile = out.join(&module);
    let mut cmd = Command::new(&esbuild);
    cmd.current_dir(&root)
        .arg(root.join(&manifest.main))
        .args([
            "--bundle",
            "--format=esm",
            "--platform=neutral",
            "--target=es2022",
            // The loader's conditions and fields (src/isolate/loader/npm.rs).
            "--conditions=qirvo,worker,browser,module",
            "--main-fields=module,main",
            "--resolve-extensions=.ts,.mts,.js,.mjs,.cjs,.json",
            "--sourcemap",
            "--sources-content=true",
            "--log-level=warning",
        ])
        .arg(format!("--outfile={}", outfile.display()));
    // The manifest's import map, as tsconfig paths (the bundle then has no import map).
    let tsconfig = out.join(".qirvo-bundle-tsconfig.json");
    if !manifest.imports.is_empty() {
        let paths: serde_json::Map<String, serde_json::Value> = manifest
            .imports
            .iter()
            .map(|(k, v)| match k.strip_suffix('/') {
                Some(prefix) => (format!("{prefix}/*"), serde_json::json!([format!("{v}*")])),
                None => (k.clone(), serde_json::json!([v])),
            })
            .collect();
        let config = serde_json::json!({
            "compilerOptions": { "baseUrl": root, "paths": paths }
        });
        std::fs::write(&tsconfig, config.to_string())
            .map_err(|e| Failure::from(anyhow::anyhow!("{}: {e}", tsconfig.display())))?;
        cmd.arg(format!("--tsconfig={}", tsconfig.display()));
    }
    let status = cmd.status();
    let _ = std::fs::remove_file(&tsconfig);
    let status = status.map_err(|e| {
        Failure::from(anyhow::anyhow!(
            "cannot run esbuild ({}): {e}; {INSTALL_HINT}",
            esbuild.display()
        ))
    })?;
    if !status.success() {
        return Err(Failure::bad_input(anyhow::anyhow!(
            "esbuild could not bundle {} (its errors are above)",
            plugin.display()
        )));
    }
    let map_file = out.join(format!("{module}.map"));
    rewrite_sources(&map_file, &out, &root)
        .map_err(|e| Failure::from(anyhow::anyhow!("{}: {e}", map_file.display())))?;
    write_manifest(plugin, &out, &module)?;
    if !super::output::quiet() {
        let size = std::fs::metadata(&outfile).map(|m| m.len()).unwrap_or(0);
        super::output::println(format_args!(
            "bundled {} into {}: {module} ({} KB) and {module}.map",
            plugin.display(),
            out.display(),
            size.div_ceil(1024)
        ));
    }
    Ok(())
}

/// `--esbuild`, else the plugin's `node_modules/.bin/esbuild`, else `esbuild` on PATH.
fn find_esbuild(root: &Path, given: Option<&Path>) -> Result<PathBuf, Failure> {
    if let Some(p) = given {
        return if p.is_file() {
            Ok(p.to_path_buf())
        } else {
            Err(Failure::bad_argument(format!(
                "--esbuild {}: no such file; {INSTALL_HINT}",
                p.display()
            )))
        };
    }
    let local = root.join("node_modules").join(".bin").join("esbuild");
    if local.is_file() {
        return Ok(local);
    }
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("esbuild"))
            .find(|p| p.is_file())
    });
    on_path.ok_or_else(|| {
        Failure::bad_input(anyhow::anyhow!(
            "esbuild not found (qirvo bundle runs it): {INSTALL_HINT}"
        ))
    })
}

/// Points each source of the map at the plugin's own URL for it (`file:///plugin/<path>`),
/// as the loader names modules, instead of a path relative to the output directory.
fn rewrite_sources(map_file: &Path, out: &Path, root: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(map_file).map_err(|e| e.to_string())?;
    let mut map: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    if let Some(sources) = map.get_mut("sources").and_then(|s| s.as_array_mut()) {
        for s in sources.iter_mut() {
            let Some(rel) = s.as_str() else { continue };
            let abs = normalize(&out.join(rel));
            if let Ok(inside) = abs.strip_prefix(root) {
                let path = Path::new("/plugin").join(inside);
                if let Ok(url) = deno_core::url::Url::from_file_path(&path) {
                    *s = serde_json::Value::String(url.to_string());
                }
            }
        }
    }
    std::fs::write(map_file, map.to_string()).map_err(|e| e.to_string())
}

/// `p` without `.` and `..` components (lexically).
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The plugin's manifest with `main` naming the bundle and no `imports` (the bundle has
/// resolved them); every other field as written.
fn write_manifest(plugin: &Path, out: &Path, module: &str) -> Result<(), Failure> {
    let file = plugin.join(qirvo::MANIFEST_FILE);
    let text = std::fs::read_to_string(&file)
        .map_err(|e| Failure::bad_input(anyhow::anyhow!("{}: {e}", file.display())))?;
    let mut value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Failure::bad_input(anyhow::anyhow!("{}: {e}", file.display())))?;
    if let Some(obj) = value.as_object_mut() {
        obj.insert("main".into(), serde_json::Value::String(module.into()));
        obj.remove("imports");
    }
    let pretty = serde_json::to_string_pretty(&value).unwrap_or_else(|_| value.to_string());
    let dest = out.join(qirvo::MANIFEST_FILE);
    std::fs::write(&dest, pretty + "\n")
        .map_err(|e| Failure::from(anyhow::anyhow!("{}: {e}", dest.display())))
}
