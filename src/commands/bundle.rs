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
    /// Where to write the bundled plugin: created if missing. Refused if it holds anything
    /// but a previous bundle of the same plugin, if it is the plugin directory or one of
    /// its ancestors, or if it holds the plugin's main module. Default: `<plugin>/qirvo-bundle`.
    #[arg(long)]
    out: Option<PathBuf>,
    /// The esbuild executable. Default: the plugin directory's own
    /// `node_modules/.bin/esbuild` (an executable the plugin's packages installed: it runs
    /// with your rights, so bundle only plugins you trust, or pass --esbuild), else
    /// `esbuild` on PATH.
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
    let stem = manifest
        .main
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "main".into());
    let module = format!("{stem}.js");
    let given_out = args.out.clone().unwrap_or_else(|| plugin.join(DEFAULT_OUT));
    let out = check_out(&given_out, &root, &manifest, &module)?;
    let esbuild = find_esbuild(&root, args.esbuild.as_deref())?;

    // esbuild writes into a fresh directory beside --out; it is moved into place only when
    // every input checks out, so a refused bundle writes nothing.
    let parent = out.parent().unwrap_or(Path::new("/"));
    std::fs::create_dir_all(parent)
        .map_err(|e| Failure::bad_argument(format!("--out {}: {e}", out.display())))?;
    let staging = tempfile::Builder::new()
        .prefix(".qirvo-bundle-")
        .tempdir_in(parent)
        .map_err(|e| Failure::bad_argument(format!("--out {}: {e}", out.display())))?;
    let tmp = staging.path();
    let outfile = tmp.join(&module);
    let metafile = tmp.join(".qirvo-bundle-meta.json");
    let mut cmd = Command::new(&esbuild);
    cmd.current_dir(&root)
        .arg(root.join(&manifest.main))
        .args([
            "--bundle",
            "--format=esm",
            // Neutral: no Node built-ins, and no package.json "browser" field remapping
            // (the loader does not apply it either); only what is listed below.
            "--platform=neutral",
            "--target=es2022",
            // The loader's conditions and fields (src/isolate/loader/npm.rs); esbuild adds
            // "import"/"require" by kind and "default", as the loader's lists do.
            "--conditions=qirvo,worker,browser,module",
            "--main-fields=module,main",
            "--resolve-extensions=.ts,.mts,.js,.mjs,.cjs,.json",
            "--sourcemap",
            "--sources-content=true",
            "--log-level=warning",
        ])
        .arg(format!("--outfile={}", outfile.display()))
        .arg(format!("--metafile={}", metafile.display()));
    // The manifest's import map, as tsconfig paths (the bundle then has no import map).
    if !manifest.imports.is_empty() {
        let tsconfig = tmp.join(".qirvo-bundle-tsconfig.json");
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
    let status = cmd.status().map_err(|e| {
        Failure::from(anyhow::anyhow!(
            "cannot run esbuild ({}): {e}; {INSTALL_HINT}",
            esbuild.display()
        ))
    })?;
    if !status.success() {
        return Err(Failure::bad_input(anyhow::anyhow!(
            "esbuild could not bundle {} (its errors are above); nothing was written",
            plugin.display()
        )));
    }
    check_inputs(&metafile, &root)
        .map_err(|e| Failure::bad_input(anyhow::anyhow!("{e}; nothing was written")))?;
    let map_file = tmp.join(format!("{module}.map"));
    rewrite_sources(&map_file, tmp, &root)
        .map_err(|e| Failure::from(anyhow::anyhow!("{}: {e}", map_file.display())))?;
    write_manifest(plugin, tmp, &module)?;
    let size = std::fs::metadata(&outfile).map(|m| m.len()).unwrap_or(0);
    install(tmp, &out, &module)
        .map_err(|e| Failure::from(anyhow::anyhow!("--out {}: {e}", out.display())))?;
    if !super::output::quiet() {
        super::output::println(format_args!(
            "bundled {} into {}: {module} ({} KB) and {module}.map",
            plugin.display(),
            out.display(),
            size.div_ceil(1024)
        ));
    }
    Ok(())
}

/// The default output directory under the plugin (not `dist`, where tsc layouts keep the
/// plugin's own `main`).
const DEFAULT_OUT: &str = "qirvo-bundle";

/// `p` made absolute with its links resolved, for a path that may not exist yet: its
/// nearest existing ancestor canonicalized, the rest appended.
fn absolute(p: &Path) -> std::io::Result<PathBuf> {
    let p = std::path::absolute(p)?;
    let p = normalize(&p);
    let mut rest = Vec::new();
    let mut cur = p.as_path();
    loop {
        match cur.canonicalize() {
            Ok(real) => {
                let mut real = real;
                for c in rest.iter().rev() {
                    real.push(c);
                }
                return Ok(real);
            }
            Err(e) => {
                let (Some(parent), Some(name)) = (cur.parent(), cur.file_name()) else {
                    return Err(e);
                };
                rest.push(name.to_os_string());
                cur = parent;
            }
        }
    }
}

/// The output directory, refused unless writing the bundle there loses nothing: not the
/// plugin directory or one of its ancestors, not a directory holding the plugin's main
/// module, and either missing, empty, or a previous bundle of the same plugin (its
/// manifest has the same id and names this module, and it holds only what a bundle writes).
fn check_out(
    given: &Path,
    root: &Path,
    manifest: &qirvo::Manifest,
    module: &str,
) -> Result<PathBuf, Failure> {
    let shown = given.display();
    let out = absolute(given).map_err(|e| Failure::bad_argument(format!("--out {shown}: {e}")))?;
    if out == root {
        return Err(Failure::bad_argument(format!(
            "--out {shown}: is the plugin directory itself; give another directory (default: <plugin>/{DEFAULT_OUT})"
        )));
    }
    if root.starts_with(&out) {
        return Err(Failure::bad_argument(format!(
            "--out {shown}: is an ancestor of the plugin directory {}; give a new or empty directory",
            root.display()
        )));
    }
    let main = absolute(&root.join(&manifest.main)).unwrap_or_else(|_| root.join(&manifest.main));
    if main.starts_with(&out) {
        return Err(Failure::bad_argument(format!(
            "--out {shown}: holds the plugin's main module {}, which the bundle would overwrite; give another directory (default: <plugin>/{DEFAULT_OUT})",
            manifest.main.display()
        )));
    }
    if !out.exists() {
        return Ok(out);
    }
    if !out.is_dir() {
        return Err(Failure::bad_argument(format!(
            "--out {shown}: exists and is not a directory"
        )));
    }
    let entries: Vec<String> = std::fs::read_dir(&out)
        .map_err(|e| Failure::bad_argument(format!("--out {shown}: {e}")))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    if entries.is_empty() {
        return Ok(out);
    }
    let refuse = |why: String| {
        Failure::bad_argument(format!(
            "--out {shown}: is not empty and {why}; nothing was written (give a new or empty directory, or a previous bundle of {})",
            manifest.id
        ))
    };
    let previous: Option<serde_json::Value> =
        std::fs::read_to_string(out.join(qirvo::MANIFEST_FILE))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok());
    let Some(previous) = previous else {
        return Err(refuse("is not a bundle (no readable manifest.json)".into()));
    };
    let same = previous.get("id").and_then(|v| v.as_str()) == Some(manifest.id.as_str())
        && previous.get("main").and_then(|v| v.as_str()) == Some(module);
    if !same {
        return Err(refuse(format!(
            "is not a bundle of {} (its manifest.json names another plugin or module)",
            manifest.id
        )));
    }
    let map = format!("{module}.map");
    if let Some(other) = entries
        .iter()
        .find(|n| *n != qirvo::MANIFEST_FILE && *n != module && **n != map)
    {
        return Err(refuse(format!(
            "holds {other:?}, which a bundle does not write"
        )));
    }
    Ok(out)
}

/// Refuses the bundle when any of esbuild's inputs (its metafile's `inputs`, paths relative
/// to the plugin directory) is, after links, outside the plugin directory: the bundle
/// must read no more than the loader would.
fn check_inputs(metafile: &Path, root: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(metafile)
        .map_err(|e| format!("esbuild wrote no metafile {}: {e}", metafile.display()))?;
    let meta: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| format!("esbuild's metafile {}: {e}", metafile.display()))?;
    let Some(inputs) = meta.get("inputs").and_then(|v| v.as_object()) else {
        return Err(format!(
            "esbuild's metafile {} has no inputs",
            metafile.display()
        ));
    };
    for (key, _) in inputs {
        // Inputs outside the file namespace (e.g. "(disabled):x") read no file.
        if key.starts_with('(') || key.starts_with('<') {
            continue;
        }
        let path = root.join(key);
        let real = path.canonicalize().unwrap_or_else(|_| normalize(&path));
        if real.starts_with(root) {
            continue;
        }
        let importer = inputs.iter().find_map(|(from, v)| {
            v.get("imports")?.as_array()?.iter().find_map(|i| {
                (i.get("path")?.as_str()? == key.as_str()).then(|| {
                    let original = i
                        .get("original")
                        .and_then(|o| o.as_str())
                        .unwrap_or(key.as_str());
                    format!(" (imported by ./{from} as {original:?})")
                })
            })
        });
        return Err(format!(
            "bundle refused: input {} leads outside the plugin directory {}{}",
            real.display(),
            root.display(),
            importer.unwrap_or_default()
        ));
    }
    Ok(())
}

/// Moves the bundle from `staging` into `out`: a rename when `out` is missing, else file by
/// file over a previous bundle (whose other files were checked to be bundle files).
fn install(staging: &Path, out: &Path, module: &str) -> std::io::Result<()> {
    let files = [
        qirvo::MANIFEST_FILE.to_string(),
        module.to_string(),
        format!("{module}.map"),
    ];
    if !out.exists() {
        std::fs::create_dir(out)?;
    }
    for f in &files {
        std::fs::rename(staging.join(f), out.join(f))?;
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
