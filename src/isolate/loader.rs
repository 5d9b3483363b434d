//! Loads a plugin's modules from its own directory, and nowhere else.
//!
//! Relative imports resolve inside the plugin directory (after following links); remote,
//! bare and absolute specifiers, and anything that lands outside the directory, are refused
//! with an error naming the specifier and the importing file. TypeScript is transpiled with
//! `deno_ast`; its source maps are kept so stack traces point at the original lines.
//!
//! npm packages (issue 19, [`npm`]): bare specifiers (and `#imports`) resolve from the
//! plugin directory's own `node_modules/` by Node's rules, after the manifest's import map;
//! CommonJS modules there are wrapped as ES modules; Node's built-ins are refused.

mod npm;

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use deno_ast::{MediaType, ParseParams, SourceMapOption};
use deno_core::error::ModuleLoaderError;
use deno_core::{
    ModuleLoadOptions, ModuleLoadReferrer, ModuleLoadResponse, ModuleLoader, ModuleSource,
    ModuleSourceCode, ModuleSpecifier, ModuleType, RequestedModuleType, ResolutionKind,
};
use deno_error::JsErrorBox;

use std::sync::Arc;

use crate::debug::pause::DebugShared;
use crate::isolate::codecache::TranspileCache;

/// Largest module file (source or JSON) a plugin may ship: 8 MiB, and at most 1/32 of
/// its memory limit ([`PluginModuleLoader::with_memory_limit`]): parsing and transpiling
/// take about 30 bytes of host memory per byte of TypeScript (measured: a 2 MiB module
/// peaks at ~120 MB RSS), memory the plugin's heap limit does not see, so the source is
/// refused before it is made.
pub(crate) const MAX_MODULE_SIZE: u64 = 8 * 1024 * 1024;

/// Host memory a module may cost to parse, per byte of its source (see MAX_MODULE_SIZE).
const PARSE_COST: u64 = 32;

pub(crate) struct PluginModuleLoader {
    /// The plugin directory, canonicalised.
    root: PathBuf,
    /// Transpiled TypeScript on disk, when enabled.
    cache: Option<TranspileCache>,
    source_maps: RefCell<HashMap<String, Vec<u8>>>,
    /// Loading for a debugger: modules are instrumented and registered.
    debug: Option<Arc<DebugShared>>,
    /// The engine's code cache (on `v8`), and each module's key in it.
    engine_cache: Option<crate::isolate::codecache::EngineCodeCache>,
    engine_keys: RefCell<HashMap<String, (String, u64)>>,
    /// Source maps parsed for mapping profile positions.
    parsed_maps: RefCell<HashMap<String, Option<std::rc::Rc<deno_ast::swc::sourcemap::SourceMap>>>>,
    /// Largest module file, in bytes (MAX_MODULE_SIZE unless the memory limit is lower).
    max_module: u64,
    /// SECURITY (issue 17): where refused imports are reported.
    security: Option<crate::security::Reporter>,
    /// issue 19: the manifest's import map, longest key first.
    imports: Vec<(String, String)>,
    /// issue 19: the resolver for packages, made on the first bare import.
    packages: std::cell::OnceCell<npm::PackageResolver>,
    /// issue 19: package modules by URL, and whether each is CommonJS (`None`: not known
    /// until its source is read).
    formats: RefCell<HashMap<String, Option<bool>>>,
}

impl PluginModuleLoader {
    pub(crate) fn new(
        root: PathBuf,
        cache: Option<TranspileCache>,
        debug: Option<Arc<DebugShared>>,
    ) -> Self {
        let engine_cache = cache
            .as_ref()
            .and_then(|c| crate::isolate::codecache::EngineCodeCache::for_engine(c.data_dir()));
        PluginModuleLoader {
            root,
            engine_cache,
            cache,
            source_maps: RefCell::new(HashMap::new()),
            engine_keys: RefCell::new(HashMap::new()),
            debug,
            parsed_maps: RefCell::new(HashMap::new()),
            max_module: MAX_MODULE_SIZE,
            security: None,
            imports: Vec::new(),
            packages: std::cell::OnceCell::new(),
            formats: RefCell::new(HashMap::new()),
        }
    }

    /// issue 19: the manifest's `imports` (bare name, or prefix ending in `/`, to a path
    /// inside the plugin), consulted before `node_modules/`.
    pub(crate) fn with_imports(
        mut self,
        imports: &std::collections::BTreeMap<String, String>,
    ) -> Self {
        let mut v: Vec<(String, String)> = imports
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        v.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        self.imports = v;
        self
    }

    /// Caps each module at 1/32 of the plugin's memory limit (and MAX_MODULE_SIZE): what
    /// transpiling it costs the host stays in proportion to what the plugin may use.
    pub(crate) fn with_memory_limit(mut self, memory: u64) -> Self {
        self.max_module = (memory / PARSE_COST).clamp(64 * 1024, MAX_MODULE_SIZE);
        self
    }

    /// SECURITY (issue 17): reports each import refused as leaving the plugin directory.
    pub(crate) fn with_security(mut self, reporter: crate::security::Reporter) -> Self {
        self.security = Some(reporter);
        self
    }

    /// The URL of the entry module (`file:///plugin/<main>`, see [`plugin_url`]).
    pub(crate) fn entry_url(&self, main: &Path) -> Result<ModuleSpecifier, String> {
        let path = self.root.join(main);
        let path = path
            .canonicalize()
            .map_err(|e| format!("entry module {}: {e}", main.display()))?;
        if !path.starts_with(&self.root) {
            return Err(format!(
                "entry module {} is outside the plugin directory",
                main.display()
            ));
        }
        plugin_url(&self.root, &path)
            .ok_or_else(|| format!("entry module {} is not a valid path", main.display()))
    }

    /// The original (0-based) line and column of a position in a transpiled module.
    pub(crate) fn original_position(&self, url: &str, line: u32, col: u32) -> Option<(u32, u32)> {
        let mut parsed = self.parsed_maps.borrow_mut();
        let map = parsed
            .entry(url.to_string())
            .or_insert_with(|| {
                let bytes = self.source_maps.borrow().get(url).cloned()?;
                deno_ast::swc::sourcemap::SourceMap::from_slice(&bytes)
                    .ok()
                    .map(std::rc::Rc::new)
            })
            .clone()?;
        let token = map.lookup_token(line, col)?;
        Some((token.get_src_line(), token.get_src_col()))
    }

    fn display(&self, url: &str) -> String {
        // Show plugin files relative to the plugin directory: shorter, and no host paths.
        if let Ok(u) = ModuleSpecifier::parse(url)
            && let Some(rel) = plugin_relative(&u)
        {
            return format!("./{}", rel.display());
        }
        url.to_string()
    }
}

/// The directory a plugin's module URLs name: its modules are `file:///plugin/<path inside
/// the plugin directory>`, so stack traces, `import.meta.url`/`filename`/`dirname` and the
/// debugger show where a file is inside the plugin and never a path of the host.
pub(crate) const PLUGIN_URL_DIR: &str = "/plugin";

/// The module URL of `real`, a path inside `root` (`None` outside it).
pub(crate) fn plugin_url(root: &Path, real: &Path) -> Option<ModuleSpecifier> {
    let rel = real.strip_prefix(root).ok()?;
    ModuleSpecifier::from_file_path(Path::new(PLUGIN_URL_DIR).join(rel)).ok()
}

/// The path inside the plugin directory that a module URL names (`None` for any other URL).
pub(crate) fn plugin_relative(url: &ModuleSpecifier) -> Option<PathBuf> {
    let path = url.to_file_path().ok()?;
    path.strip_prefix(PLUGIN_URL_DIR)
        .ok()
        .map(Path::to_path_buf)
}

fn refuse(msg: String) -> ModuleLoaderError {
    JsErrorBox::type_error(msg)
}

// SECURITY (issue 17): `resolve` (below) runs these checks and reports refusals.
impl PluginModuleLoader {
    /// `specifier` from `referrer`, if it stays inside the plugin directory.
    fn resolve_in_plugin(
        &self,
        specifier: &str,
        referrer: &str,
    ) -> Result<ModuleSpecifier, ModuleLoaderError> {
        let from = self.display(referrer);
        let relative = specifier.starts_with("./") || specifier.starts_with("../");
        // The host names the entry module by its file: URL (the referrer is not a module).
        let entry = !referrer.starts_with("file:") && specifier.starts_with("file:");
        // issue 19: the CommonJS wrappers name the plugin files they import by URL.
        if let Some(internal) = self.internal_import(specifier, referrer) {
            return internal;
        }
        if !relative && !entry {
            // issue 19: packages, the import map, `#imports` and Node's built-ins.
            if specifier.starts_with("node:")
                || !deno_core::specifier_has_uri_scheme(specifier) && !specifier.starts_with('/')
            {
                return self.resolve_package(specifier, referrer, npm::Kind::Import);
            }
            let why = if deno_core::specifier_has_uri_scheme(specifier) {
                "only relative imports inside the plugin directory are allowed (no remote, ext: or file: URLs)"
            } else {
                "absolute paths are not allowed; import relative to the importing file"
            };
            return Err(refuse(format!(
                "import {specifier:?} from {from} is refused: {why}"
            )));
        }
        let url = deno_core::resolve_import(specifier, referrer)
            .map_err(|e| refuse(format!("import {specifier:?} from {from}: {e}")))?;
        // The URL is already normalised: `..` past the plugin's top leaves `/plugin`.
        let rel = plugin_relative(&url).ok_or_else(|| {
            refuse(format!(
                "import {specifier:?} from {from} is refused: it resolves outside the plugin directory"
            ))
        })?;
        let path = deno_core::normalize_path(Cow::Owned(self.root.join(rel))).into_owned();
        if !path.starts_with(&self.root) {
            return Err(refuse(format!(
                "import {specifier:?} from {from} is refused: it resolves outside the plugin directory"
            )));
        }
        // Follow links: a link inside the directory must not lead outside it.
        match path.canonicalize() {
            Ok(real) if !real.starts_with(&self.root) => Err(refuse(format!(
                "import {specifier:?} from {from} is refused: it links outside the plugin directory"
            ))),
            Ok(real) => plugin_url(&self.root, &real).ok_or_else(|| {
                refuse(format!(
                    "import {specifier:?} from {from}: not a valid path"
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(refuse(format!(
                "import {specifier:?} from {from}: module not found"
            ))),
            // e.g. a symlink loop: "too many levels of symbolic links"
            Err(e) => Err(refuse(format!("import {specifier:?} from {from}: {e}"))),
        }
    }
}

// issue 19: packages.
impl PluginModuleLoader {
    /// The directory of the module `referrer` names, inside the plugin (the plugin
    /// directory for the entry).
    fn referrer_dir(&self, referrer: &str) -> PathBuf {
        ModuleSpecifier::parse(referrer)
            .ok()
            .and_then(|u| plugin_relative(&u))
            .and_then(|rel| rel.parent().map(|p| self.root.join(p)))
            .unwrap_or_else(|| self.root.clone())
    }

    /// The manifest's import map applied to a bare specifier: `./path` inside the plugin.
    fn mapped(&self, specifier: &str) -> Option<String> {
        self.imports.iter().find_map(|(key, target)| {
            if key == specifier {
                Some(target.clone())
            } else if key.ends_with('/') {
                specifier
                    .strip_prefix(key.as_str())
                    .map(|rest| format!("{target}{rest}"))
            } else {
                None
            }
        })
    }

    /// Where a bare specifier, `#import` or import-mapped name leads: a real path inside
    /// the plugin, and whether it is CommonJS when the resolver knows.
    fn locate_package(
        &self,
        specifier: &str,
        referrer: &str,
        kind: npm::Kind,
    ) -> Result<(PathBuf, Option<bool>), String> {
        let resolver = self
            .packages
            .get_or_init(|| npm::PackageResolver::new(&self.root));
        let (path, cjs) = match self.mapped(specifier) {
            Some(target) => resolver
                .resolve(&self.root, &target, kind)
                .map_err(|why| format!("{why} (mapped to {target:?} by the manifest's imports)"))?,
            None => resolver.resolve(&self.referrer_dir(referrer), specifier, kind)?,
        };
        match path.canonicalize() {
            Ok(real) if real.starts_with(&self.root) => Ok((real, cjs)),
            Ok(_) => Err("is refused: it resolves outside the plugin directory".into()),
            Err(e) => Err(format!("{e}")),
        }
    }

    /// A package import: the URL of the module it names.
    fn resolve_package(
        &self,
        specifier: &str,
        referrer: &str,
        kind: npm::Kind,
    ) -> Result<ModuleSpecifier, ModuleLoaderError> {
        let from = self.display(referrer);
        let fail = |why: String| {
            let sep = if why.starts_with("is refused") {
                " "
            } else {
                ": "
            };
            refuse(format!("import {specifier:?} from {from}{sep}{why}"))
        };
        let (real, cjs) = self
            .locate_package(specifier, referrer, kind)
            .map_err(fail)?;
        let url = plugin_url(&self.root, &real).ok_or_else(|| {
            refuse(format!(
                "import {specifier:?} from {from}: not a valid path"
            ))
        })?;
        self.formats
            .borrow_mut()
            .entry(url.to_string())
            .or_insert(cjs);
        Ok(url)
    }

    /// A `file:///plugin/` URL that a CommonJS wrapper imports (or a wrapper's own URL),
    /// if it is one: checked to be inside the plugin like any other.
    fn internal_import(
        &self,
        specifier: &str,
        referrer: &str,
    ) -> Option<Result<ModuleSpecifier, ModuleLoaderError>> {
        let wrapper = |u: &str| {
            ModuleSpecifier::parse(u)
                .ok()
                .is_some_and(|u| matches!(u.query(), Some(npm::CJS_BODY | npm::CJS_REQUIRE)))
        };
        let prefix = format!("file://{PLUGIN_URL_DIR}/");
        if !specifier.starts_with(&prefix) || !(wrapper(specifier) || wrapper(referrer)) {
            return None;
        }
        let url = ModuleSpecifier::parse(specifier).ok()?;
        let inside = plugin_relative(&url)
            .map(|rel| deno_core::normalize_path(Cow::Owned(self.root.join(rel))).into_owned())
            .and_then(|p| p.canonicalize().ok())
            .is_some_and(|real| real.starts_with(&self.root));
        Some(if inside {
            Ok(url)
        } else {
            Err(refuse(format!(
                "import {specifier:?} from {} is refused: it resolves outside the plugin directory",
                self.display(referrer)
            )))
        })
    }

    /// Whether the module at `url` (no query) is a package module: reached as a package,
    /// through the import map or `require()`, or inside a `node_modules/` directory.
    fn in_package(&self, url: &ModuleSpecifier, rel: &Path) -> bool {
        self.formats.borrow().contains_key(url.as_str())
            || rel.components().any(|c| c.as_os_str() == "node_modules")
    }

    /// Whether a package module is CommonJS: `.cjs` yes, `.mjs` no, `.js` by its package's
    /// `type`, or else (no `type`) by its syntax, as Node does: no `import`/`export`
    /// declarations means CommonJS. The syntax check is kept in the transpile cache.
    fn is_commonjs(&self, url: &ModuleSpecifier, real: &Path, text: &str) -> Result<bool, String> {
        if let Some(Some(known)) = self.formats.borrow().get(url.as_str()) {
            return Ok(*known);
        }
        let cjs = match real.extension().and_then(|e| e.to_str()) {
            Some("cjs") => true,
            Some("js") => {
                let key = self
                    .cache
                    .as_ref()
                    .map(|_| TranspileCache::key(&format!("format {url}"), text));
                let cached = self
                    .cache
                    .as_ref()
                    .zip(key.as_ref())
                    .and_then(|(c, k)| c.get(k))
                    .map(|(v, _)| v == "commonjs");
                match cached {
                    Some(b) => b,
                    None => {
                        check_nesting(text, MAX_NESTING)?;
                        let b = npm::is_script(url, text)?;
                        if let (Some(cache), Some(key)) = (&self.cache, &key) {
                            cache.put(key, if b { "commonjs" } else { "module" }, None);
                        }
                        b
                    }
                }
            }
            _ => false,
        };
        self.formats.borrow_mut().insert(url.to_string(), Some(cjs));
        Ok(cjs)
    }

    /// The `require()` dependencies of a CommonJS module at `url`: each resolved (with the
    /// `require` conditions) to the URL of its `?qirvo-req` view, or the reason it fails
    /// (thrown when the module calls it).
    fn require_targets(&self, url: &ModuleSpecifier, text: &str) -> Vec<npm::Dependency> {
        let from = self.display(url.as_str());
        npm::required_specifiers(text)
            .into_iter()
            .map(|spec| {
                let located = if spec.starts_with("node:")
                    || !deno_core::specifier_has_uri_scheme(&spec) && !spec.starts_with('/')
                {
                    self.locate_package(&spec, url.as_str(), npm::Kind::Require)
                } else {
                    Err("only packages and relative paths inside the plugin directory can be required".into())
                };
                let target = located
                    .and_then(|(real, cjs)| {
                        let u = plugin_url(&self.root, &real).ok_or("not a valid path")?;
                        self.formats
                            .borrow_mut()
                            .entry(u.to_string())
                            .or_insert(cjs);
                        Ok(format!("{u}?{}", npm::CJS_REQUIRE))
                    })
                    .map_err(|why: String| {
                        let sep = if why.starts_with("is refused") { " " } else { ": " };
                        format!("require({spec:?}) from {from}{sep}{why}")
                    });
                npm::Dependency {
                    specifier: spec,
                    target,
                }
            })
            .collect()
    }
}

impl ModuleLoader for PluginModuleLoader {
    fn resolve(
        &self,
        specifier: &str,
        referrer: &str,
        _kind: ResolutionKind,
    ) -> Result<ModuleSpecifier, ModuleLoaderError> {
        let resolved = self.resolve_in_plugin(specifier, referrer);
        if let (Err(e), Some(security)) = (&resolved, &self.security) {
            let reason = e.to_string();
            // Refusals, not modules that are missing or malformed.
            if reason.contains(" is refused") {
                security.report(
                    crate::security::Decision::Denied,
                    Some("plugin-directory"),
                    crate::security::EventKind::ImportRefused {
                        specifier: specifier.chars().take(crate::security::MAX_FIELD).collect(),
                        referrer: self.display(referrer),
                        reason: reason.chars().take(crate::security::MAX_FIELD).collect(),
                    },
                );
            }
        }
        resolved
    }

    fn load(
        &self,
        specifier: &ModuleSpecifier,
        _referrer: Option<&ModuleLoadReferrer>,
        options: ModuleLoadOptions,
    ) -> ModuleLoadResponse {
        ModuleLoadResponse::Sync(self.load_sync(specifier, &options.requested_module_type))
    }

    fn get_source_map(&self, specifier: &str) -> Option<Cow<'_, [u8]>> {
        self.source_maps
            .borrow()
            .get(specifier)
            .map(|v| Cow::Owned(v.clone()))
    }

    fn code_cache_ready(
        &self,
        specifier: ModuleSpecifier,
        hash: u64,
        code_cache: &[u8],
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()>>> {
        if let Some(cache) = &self.engine_cache
            && let Some((key, h)) = self.engine_keys.borrow().get(specifier.as_str())
            && *h == hash
        {
            cache.put(key, code_cache);
        }
        Box::pin(async {})
    }
}

impl PluginModuleLoader {
    fn load_sync(
        &self,
        specifier: &ModuleSpecifier,
        requested: &RequestedModuleType,
    ) -> Result<ModuleSource, ModuleLoaderError> {
        let name = self.display(specifier.as_str());
        let path = plugin_relative(specifier)
            .map(|rel| self.root.join(rel))
            .ok_or_else(|| refuse(format!("{name}: not a plugin file")))?;
        // Resolution already checked; check again in case the file changed since.
        let real = path
            .canonicalize()
            .map_err(|e| JsErrorBox::generic(format!("{name}: {e}")))?;
        if !real.starts_with(&self.root) {
            return Err(refuse(format!("{name} is outside the plugin directory")));
        }
        // issue 19: a CommonJS module, its body or its view for `require()`.
        if let Some(code) = self
            .package_view(specifier, &real)
            .map_err(|e| JsErrorBox::generic(format!("{name}: {e}")))?
        {
            if matches!(requested, RequestedModuleType::Json) {
                return Err(refuse(format!(
                    "{name} was imported as JSON but is not a .json file"
                )));
            }
            return Ok(ModuleSource::new(
                ModuleType::JavaScript,
                ModuleSourceCode::String(code.into()),
                specifier,
                None,
            ));
        }
        let media_type = MediaType::from_path(&real);
        let (module_type, transpile) = module_kind(&name, media_type, requested)?;
        // A regular file of at most MAX_MODULE_SIZE, read without blocking (the plugin
        // directory is untrusted), and not nested deeper than the parsers can take.
        let text = crate::untrusted::read_to_string(&real, self.max_module)
            .map_err(|e| JsErrorBox::generic(format!("{name}: {e}")))?;
        check_nesting(&text, MAX_NESTING)
            .map_err(|e| JsErrorBox::generic(format!("{name}: {e}")))?;
        if let Some(debug) = &self.debug
            && module_type == ModuleType::JavaScript
        {
            let code = self
                .instrumented(debug, specifier, &text, media_type, transpile)
                .map_err(|e| JsErrorBox::generic(format!("{name}: {e}")))?;
            return Ok(ModuleSource::new(
                module_type,
                ModuleSourceCode::String(code.into()),
                specifier,
                None,
            ));
        }
        let code = if transpile {
            self.transpiled(specifier, &name, text, media_type)?
        } else {
            // issue 19: a plugin's own JavaScript (a bundle) may name its source map.
            if module_type == ModuleType::JavaScript
                && let Some(rel) = plugin_relative(specifier)
                && !self.in_package(specifier, &rel)
            {
                self.keep_source_map(specifier, self.external_map(&real, &text));
            }
            text
        };
        let code_cache = (module_type == ModuleType::JavaScript)
            .then(|| self.engine_code_cache(specifier, &code))
            .flatten();
        Ok(ModuleSource::new(
            module_type,
            ModuleSourceCode::String(code.into()),
            specifier,
            code_cache,
        ))
    }

    /// TypeScript transpiled to JavaScript, through the transpile cache when there is one;
    /// the source map is kept for stack traces.
    fn transpiled(
        &self,
        specifier: &ModuleSpecifier,
        name: &str,
        text: String,
        media_type: MediaType,
    ) -> Result<String, ModuleLoaderError> {
        let key = self
            .cache
            .as_ref()
            .map(|_| TranspileCache::key(specifier.as_str(), &text));
        let cached = self
            .cache
            .as_ref()
            .zip(key.as_ref())
            .and_then(|(c, k)| c.get(k));
        let (code, map) = match cached {
            Some(hit) => hit,
            None => {
                let (code, map) = transpile_ts(specifier, text, media_type)
                    .map_err(|e| JsErrorBox::generic(format!("{name}: {e}")))?;
                if let (Some(cache), Some(key)) = (&self.cache, &key) {
                    cache.put(key, &code, map.as_deref());
                }
                (code, map)
            }
        };
        self.keep_source_map(specifier, map);
        Ok(code)
    }

    /// The engine's code cache for a JavaScript module, where it has one worth keeping
    /// (V8's); `None` without one.
    fn engine_code_cache(
        &self,
        specifier: &ModuleSpecifier,
        code: &str,
    ) -> Option<deno_core::SourceCodeCacheInfo> {
        let cache = self.engine_cache.as_ref()?;
        let (key, hash) = crate::isolate::codecache::EngineCodeCache::key(specifier.as_str(), code);
        let data = cache.get(&key).map(Cow::Owned);
        self.engine_keys
            .borrow_mut()
            .insert(specifier.to_string(), (key, hash));
        Some(deno_core::SourceCodeCacheInfo { hash, data })
    }
}

/// What the engine makes of a plugin file, and whether it is transpiled first: JSON only
/// when imported `with { type: "json" }` (and nothing else then), JavaScript as it is,
/// TypeScript transpiled. Anything else is refused, naming the file.
fn module_kind(
    name: &str,
    media_type: MediaType,
    requested: &RequestedModuleType,
) -> Result<(ModuleType, bool), ModuleLoaderError> {
    let wants_json = matches!(requested, RequestedModuleType::Json);
    let kind = match media_type {
        MediaType::Json if wants_json => (ModuleType::Json, false),
        MediaType::Json => {
            return Err(refuse(format!(
                "{name} is JSON: import it with `with {{ type: \"json\" }}`"
            )));
        }
        MediaType::JavaScript | MediaType::Mjs | MediaType::Cjs => (ModuleType::JavaScript, false),
        MediaType::TypeScript | MediaType::Mts => (ModuleType::JavaScript, true),
        _ => {
            return Err(refuse(format!(
                "{name}: unsupported module type (expected .ts, .mts, .js, .mjs, .cjs or .json)"
            )));
        }
    };
    if wants_json && kind.0 != ModuleType::Json {
        return Err(refuse(format!(
            "{name} was imported as JSON but is not a .json file"
        )));
    }
    Ok(kind)
}

impl PluginModuleLoader {
    /// The module with a debug site before each statement (never cached: site ids are
    /// per isolate), registered with the debug state.
    fn instrumented(
        &self,
        debug: &DebugShared,
        specifier: &ModuleSpecifier,
        text: &str,
        media_type: MediaType,
        transpile: bool,
    ) -> Result<String, String> {
        let first_site = debug.next_site();
        // Instrumenting parses the plugin's source: on the parser's stack, like transpiling.
        let inst = on_parse_stack(|| {
            crate::debug::instrument::instrument(specifier, text, media_type, first_site)
        })??;
        // The source map points back at the original text, not the instrumented one, so
        // error stacks name the columns the plugin's author wrote.
        let code = if transpile {
            let (code, map) = transpile_ts(specifier, inst.code.clone(), media_type)?;
            let map = map.map(|m| inst.shifts.unshift_map(&m, text).unwrap_or(m));
            self.keep_source_map(specifier, map);
            code
        } else {
            let map = inst
                .shifts
                .identity_map(specifier.as_str(), &inst.code, text);
            self.keep_source_map(specifier, Some(map));
            inst.code.clone()
        };
        debug.add_script(specifier.as_str(), text, &inst);
        Ok(code)
    }

    /// issue 19: what a package module is as a CommonJS module, if it is one: the facade an
    /// `import` sees (no query), the body (`?qirvo-cjs`), or any module's view for
    /// `require()` (`?qirvo-req`). `None`: load the file as it is.
    fn package_view(
        &self,
        specifier: &ModuleSpecifier,
        real: &Path,
    ) -> Result<Option<String>, String> {
        let query = specifier.query();
        let mut base = specifier.clone();
        base.set_query(None);
        let rel = plugin_relative(&base).ok_or("not a plugin file")?;
        let media = MediaType::from_path(real);
        let read = || -> Result<String, String> {
            let text = crate::untrusted::read_to_string(real, self.max_module)
                .map_err(|e| e.to_string())?;
            check_nesting(&text, MAX_NESTING)?;
            Ok(text)
        };
        let may_be_cjs = media == MediaType::Cjs
            || media == MediaType::JavaScript && self.in_package(&base, &rel);
        match query {
            None if !may_be_cjs => Ok(None),
            None => {
                let text = read()?;
                if !self.is_commonjs(&base, real, &text)? {
                    return Ok(None);
                }
                Ok(Some(npm::cjs_facade(
                    &format!("{base}?{}", npm::CJS_BODY),
                    &npm::export_names(&text),
                )))
            }
            Some(npm::CJS_REQUIRE) => {
                if media == MediaType::Json {
                    return Ok(Some(npm::require_view(base.as_str(), None, true)));
                }
                let cjs = may_be_cjs && self.is_commonjs(&base, real, &read()?)?;
                let body = cjs.then(|| format!("{base}?{}", npm::CJS_BODY));
                Ok(Some(npm::require_view(
                    base.as_str(),
                    body.as_deref(),
                    false,
                )))
            }
            Some(npm::CJS_BODY) => {
                let text = read()?;
                let deps = self.require_targets(&base, &text);
                Ok(Some(npm::cjs_body(base.path(), &text, &deps)))
            }
            Some(q) => Err(format!("unexpected query ?{q} in a module URL")),
        }
    }

    /// The source map a plugin's own JavaScript names with a trailing
    /// `//# sourceMappingURL=<file>` (a file inside the plugin, at most 64 MiB).
    fn external_map(&self, real: &Path, text: &str) -> Option<Vec<u8>> {
        let tail = text.get(text.len().saturating_sub(4096)..).unwrap_or(text);
        let file = tail
            .lines()
            .rev()
            .find_map(|l| l.trim().strip_prefix("//# sourceMappingURL="))?
            .trim();
        if file.is_empty() || deno_core::specifier_has_uri_scheme(file) || file.starts_with('/') {
            return None;
        }
        let path = real.parent()?.join(file).canonicalize().ok()?;
        if !path.starts_with(&self.root) {
            return None;
        }
        crate::untrusted::read_file(&path, 64 * 1024 * 1024).ok()
    }

    fn keep_source_map(&self, specifier: &ModuleSpecifier, map: Option<Vec<u8>>) {
        if let Some(map) = map {
            self.source_maps
                .borrow_mut()
                .insert(specifier.to_string(), map);
        }
    }
}

/// Parses a module (TS or JS) for transpiling or instrumenting.
pub(crate) fn parse(
    specifier: &ModuleSpecifier,
    text: &str,
    media_type: MediaType,
) -> Result<deno_ast::ParsedSource, String> {
    deno_ast::parse_module(ParseParams {
        specifier: specifier.clone(),
        text: text.into(),
        media_type,
        capture_tokens: false,
        scope_analysis: false,
        maybe_syntax: None,
    })
    .map_err(|e| e.to_string())
}

/// Strips TypeScript types, returning JS and its source map. Runs on the parser's own
/// stack ([`on_parse_stack`]); the caller has checked the source with [`check_nesting`].
pub(crate) fn transpile_ts(
    specifier: &ModuleSpecifier,
    text: String,
    media_type: MediaType,
) -> Result<(String, Option<Vec<u8>>), String> {
    on_parse_stack(|| transpile_here(specifier, text, media_type))?
}

fn transpile_here(
    specifier: &ModuleSpecifier,
    text: String,
    media_type: MediaType,
) -> Result<(String, Option<Vec<u8>>), String> {
    let parsed = parse(specifier, &text, media_type)?;
    let out = parsed
        .transpile(
            &deno_ast::TranspileOptions {
                imports_not_used_as_values: deno_ast::ImportsNotUsedAsValues::Remove,
                decorators: deno_ast::DecoratorsTranspileOption::Ecma,
                ..Default::default()
            },
            &deno_ast::TranspileModuleOptions { module_kind: None },
            &deno_ast::EmitOptions {
                source_map: SourceMapOption::Separate,
                inline_sources: true,
                ..Default::default()
            },
        )
        .map_err(|e| e.to_string())?
        .into_source();
    Ok((out.text, out.source_map.map(|m| m.into_bytes())))
}

/// The module loader an isolate is created with before its plugin is known (a warm
/// isolate): it loads nothing until `set` gives it the plugin's loader.
#[derive(Default)]
pub(crate) struct DeferredLoader {
    inner: RefCell<Option<std::rc::Rc<PluginModuleLoader>>>,
}

impl DeferredLoader {
    pub(crate) fn set(&self, loader: std::rc::Rc<PluginModuleLoader>) {
        *self.inner.borrow_mut() = Some(loader);
    }

    fn get(&self) -> Result<std::rc::Rc<PluginModuleLoader>, ModuleLoaderError> {
        self.inner
            .borrow()
            .clone()
            .ok_or_else(|| refuse("no plugin is bound to this isolate yet".into()))
    }
}

impl ModuleLoader for DeferredLoader {
    fn resolve(
        &self,
        specifier: &str,
        referrer: &str,
        kind: ResolutionKind,
    ) -> Result<ModuleSpecifier, ModuleLoaderError> {
        self.get()?.resolve(specifier, referrer, kind)
    }

    fn load(
        &self,
        specifier: &ModuleSpecifier,
        referrer: Option<&ModuleLoadReferrer>,
        options: ModuleLoadOptions,
    ) -> ModuleLoadResponse {
        match self.get() {
            Ok(l) => l.load(specifier, referrer, options),
            Err(e) => ModuleLoadResponse::Sync(Err(e)),
        }
    }

    fn get_source_map(&self, specifier: &str) -> Option<Cow<'_, [u8]>> {
        let inner = self.inner.borrow().clone()?;
        inner
            .get_source_map(specifier)
            .map(|c| Cow::Owned(c.into_owned()))
    }
}

// ---------------------------------------------------------------------------------------
// Parsing untrusted source safely.
//
// swc's parser, transforms, code generator and even its AST's `Drop` recurse once per
// level of nesting, and a stack overflow aborts the whole process (it cannot be caught).
// So every parse of plugin source (transpiling, instrumenting) first passes
// `check_nesting`, a linear scan that refuses source nested deeper than `MAX_NESTING`,
// and then runs on a thread of its own with a `PARSE_STACK` stack, far more than that
// depth needs; the engine gets only source that passed the same check.

/// Deepest nesting a module may have: brackets, template substitutions and the operators
/// of one expression (`1+1+…`, `a?b:c?…`, `x=>y=>…`, `Array<Array<…>>`, `!!…`) each
/// count a level (see [`check_nesting`]).
pub(crate) const MAX_NESTING: usize = 1000;

/// Stack of the thread that parses and transpiles plugin source: 256 MiB of address
/// space, of which a parse touches only what its depth needs.
const PARSE_STACK: usize = 256 * 1024 * 1024;

/// Runs `f` (a parse, transform or emit of untrusted source, including dropping its AST)
/// on a thread with a [`PARSE_STACK`] stack. A panic in the parser becomes an error.
pub(crate) fn on_parse_stack<R: Send>(f: impl FnOnce() -> R + Send) -> Result<R, String> {
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .name("qirvo-parse".into())
            .stack_size(PARSE_STACK)
            .spawn_scoped(s, f)
            .map_err(|e| format!("cannot start the parser's thread: {e}"))?
            .join()
            .map_err(|_| "the parser failed on this source".to_string())
    })
}

/// Refuses source nested more than `limit` levels deep, before anything recursive sees it.
///
/// A linear scan, not a parse: it skips comments, strings, template text and regular
/// expression literals, and scores each point in the code as the sum, over the brackets
/// open there, of one for the bracket plus one for each operator (or keyword operator
/// such as `typeof`, or call/index bracket) since the last `,` `;` or closing `}` at that
/// level. That bounds the depth of the tree a parser builds (a left-deep `1+1+…` chain
/// is as deep as it is long); ordinary code scores in the tens.
///
/// # Errors
/// `nests N levels deep at line L (the limit is LIMIT)`.
pub(crate) fn check_nesting(text: &str, limit: usize) -> Result<(), String> {
    let mut scan = NestingScan::new(text.as_bytes());
    while scan.i < scan.b.len() {
        scan.step();
        if scan.score > limit {
            let (score, line) = (scan.score, scan.line);
            return Err(format!(
                "nests {score} levels deep at line {line} (the limit is {limit}: brackets, and the operators of one expression, each count a level)"
            ));
        }
    }
    Ok(())
}

/// What came before a `/`, which decides whether it divides or starts a regex.
#[derive(Clone, Copy, PartialEq)]
enum Tok {
    /// Start of input, an operator or an opening bracket: a `/` here starts a regex.
    Op,
    /// A value: identifier, literal, closing bracket; a `/` here divides.
    Value,
}

/// One open bracket of [`check_nesting`]'s scan (the outermost is the file itself).
struct Level {
    /// `(`, `[`, `{`, `$` for a template's `${`, or 0 for the file.
    open: u8,
    ops: usize,
    /// `else`s since the last `;` or `,`: unlike `ops`, not reset by a closing `}`.
    chain: usize,
}

impl Level {
    fn new(open: u8) -> Level {
        Level {
            open,
            ops: 0,
            chain: 0,
        }
    }
}

/// Keywords that count as an operator of the expression they appear in.
const KEYWORD_OPS: [&[u8]; 11] = [
    b"typeof",
    b"void",
    b"delete",
    b"new",
    b"await",
    b"yield",
    b"in",
    b"instanceof",
    b"of",
    b"return",
    b"throw",
];

/// The state of [`check_nesting`]'s linear scan: a lexer that only tells code from
/// comments, strings, template text and regexes, and a stack of open brackets kept
/// in a `Vec` (never the call stack: each method consumes one token and returns).
struct NestingScan<'a> {
    b: &'a [u8],
    /// The next byte to read (may run past the end on unterminated input).
    i: usize,
    line: usize,
    score: usize,
    prev: Tok,
    newline_after_value: bool,
    levels: Vec<Level>,
}

impl<'a> NestingScan<'a> {
    fn new(b: &'a [u8]) -> NestingScan<'a> {
        NestingScan {
            b,
            i: 0,
            line: 1,
            score: 0,
            prev: Tok::Op,
            newline_after_value: false,
            levels: vec![Level::new(0)],
        }
    }

    /// Consumes one token (or run of whitespace, comment, literal) at `self.i`.
    fn step(&mut self) {
        let c = self.b[self.i];
        // A new statement on a new line (automatic semicolon insertion) resets the chain.
        // (`else` continues an `if`, whose `else if` chain nests as deep as it is long.)
        let starts_statement = (c.is_ascii_alphanumeric() || c == b'_' || c == b'"' || c == b'\'')
            && !self.b[self.i..].starts_with(b"else");
        if self.newline_after_value && starts_statement {
            self.end_statement();
        }
        if !c.is_ascii_whitespace() {
            self.newline_after_value = false;
        }
        let next = self.b.get(self.i + 1);
        match c {
            b'\n' => {
                self.line += 1;
                self.newline_after_value = self.prev == Tok::Value;
                self.i += 1;
            }
            c if c.is_ascii_whitespace() => self.i += 1,
            b'/' if next == Some(&b'/') => self.line_comment(),
            b'/' if next == Some(&b'*') => self.block_comment(),
            b'/' if self.prev == Tok::Op => self.regex(),
            b'"' | b'\'' => self.string(c),
            b'`' => {
                self.i += 1;
                self.template_text();
            }
            b'(' | b'[' | b'{' => self.open_bracket(c),
            b')' | b']' | b'}' => self.close_bracket(c),
            b';' | b',' => {
                self.end_statement();
                self.prev = Tok::Op;
                self.i += 1;
            }
            c if is_word_byte(c) => self.word(),
            _ => self.operator(),
        }
    }

    /// Ends the statement or expression at the innermost level: its operators and
    /// `else` chain no longer count.
    fn end_statement(&mut self) {
        let top = self
            .levels
            .last_mut()
            .map(|l| std::mem::take(&mut l.ops) + std::mem::take(&mut l.chain))
            .unwrap_or(0);
        self.score = self.score.saturating_sub(top);
    }

    /// Skips a `//` comment up to (not including) its newline.
    fn line_comment(&mut self) {
        while self.i < self.b.len() && self.b[self.i] != b'\n' {
            self.i += 1;
        }
    }

    /// Skips a `/* */` comment, counting its lines.
    fn block_comment(&mut self) {
        let b = self.b;
        self.i += 2;
        while self.i < b.len() && !(b[self.i] == b'*' && b.get(self.i + 1) == Some(&b'/')) {
            if b[self.i] == b'\n' {
                self.line += 1;
            }
            self.i += 1;
        }
        self.i += 2;
    }

    /// Skips a regular expression literal (a `/` where a value is expected).
    fn regex(&mut self) {
        let b = self.b;
        self.i += 1;
        let mut class = false;
        while self.i < b.len() && b[self.i] != b'\n' {
            match b[self.i] {
                b'\\' => self.i += 1,
                b'[' => class = true,
                b']' => class = false,
                b'/' if !class => break,
                _ => {}
            }
            self.i += 1;
        }
        self.i += 1;
        self.prev = Tok::Value;
    }

    /// Skips a string literal opened by `quote`, which ends at its quote or the line.
    fn string(&mut self, quote: u8) {
        let b = self.b;
        self.i += 1;
        while self.i < b.len() && b[self.i] != quote && b[self.i] != b'\n' {
            if b[self.i] == b'\\' {
                self.i += 1;
            }
            self.i += 1;
        }
        self.i += 1;
        self.prev = Tok::Value;
    }

    /// Scans template text from `self.i` (just after a '`' or the closing `}` of a
    /// `${`) to the closing '`' (the template is a value) or the next `${`, which
    /// opens a level.
    fn template_text(&mut self) {
        let b = self.b;
        while self.i < b.len() {
            match b[self.i] {
                b'\\' => self.i += 2,
                b'`' => {
                    self.i += 1;
                    self.prev = Tok::Value;
                    return;
                }
                b'$' if b.get(self.i + 1) == Some(&b'{') => {
                    self.i += 2;
                    self.levels.push(Level::new(b'$'));
                    self.score += 1;
                    self.prev = Tok::Op;
                    return;
                }
                c => {
                    if c == b'\n' {
                        self.line += 1;
                    }
                    self.i += 1;
                }
            }
        }
        self.prev = Tok::Value;
    }

    /// `(`, `[` or `{`: a step in its level's chain (a call, an index, an argument),
    /// and a level of its own.
    fn open_bracket(&mut self, c: u8) {
        if let Some(top) = self.levels.last_mut() {
            top.ops += 1;
        }
        self.levels.push(Level::new(c));
        self.score += 2;
        self.prev = Tok::Op;
        self.i += 1;
    }

    /// `)`, `]` or `}`: closes the innermost level (a stray closer at the top is skipped).
    fn close_bracket(&mut self, c: u8) {
        self.i += 1;
        self.prev = Tok::Value;
        if self.levels.len() <= 1 {
            return;
        }
        let (open, counted) = self
            .levels
            .pop()
            .map(|l| (l.open, l.ops + l.chain))
            .unwrap_or((0, 0));
        self.score = self.score.saturating_sub(1 + counted);
        if open == b'$' {
            // Back in the template's text.
            self.template_text();
        } else if c == b'}' {
            // The end of a block or object: a statement boundary.
            let top = self
                .levels
                .last_mut()
                .map(|l| std::mem::take(&mut l.ops))
                .unwrap_or(0);
            self.score = self.score.saturating_sub(top);
        }
    }

    /// An identifier, number or keyword; `else` and [`KEYWORD_OPS`] count as operators.
    fn word(&mut self) {
        let start = self.i;
        while self.i < self.b.len() && is_word_byte(self.b[self.i]) {
            self.i += 1;
        }
        let word = &self.b[start..self.i];
        if word == b"else" {
            // Survives the `}` before it (see `chain`).
            if let Some(top) = self.levels.last_mut() {
                top.chain += 1;
            }
            self.score += 1;
            self.prev = Tok::Op;
        } else if KEYWORD_OPS.contains(&word) {
            if let Some(top) = self.levels.last_mut() {
                top.ops += 1;
            }
            self.score += 1;
            self.prev = Tok::Op;
        } else {
            self.prev = Tok::Value;
        }
    }

    /// An operator. Each character counts (`!!!!x` nests four deep; `===` scores
    /// three, which ordinary code can afford).
    fn operator(&mut self) {
        let start = self.i;
        while self.i < self.b.len() && is_operator_byte(self.b[self.i]) {
            self.i += 1;
        }
        if self.i == start {
            // Division (after a value, `/` is not a regex), or any other byte.
            self.i += 1;
        }
        let n = self.i - start;
        if let Some(top) = self.levels.last_mut() {
            top.ops += n;
        }
        self.score += n;
        self.prev = Tok::Op;
    }
}

/// A byte of an identifier, keyword or number (any non-ASCII byte included).
fn is_word_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80
}

/// A byte of a run of operator characters.
fn is_operator_byte(c: u8) -> bool {
    matches!(
        c,
        b'+' | b'-'
            | b'*'
            | b'%'
            | b'&'
            | b'|'
            | b'^'
            | b'!'
            | b'~'
            | b'<'
            | b'>'
            | b'='
            | b'?'
            | b':'
            | b'.'
            | b'@'
            | b'#'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth_ok(src: &str) -> bool {
        check_nesting(src, MAX_NESTING).is_ok()
    }

    #[test]
    fn deep_members_are_refused() {
        let n = 3000;
        for src in [
            format!("{}1{}", "(".repeat(n), ")".repeat(n)),
            format!("{}{}", "[".repeat(n), "]".repeat(n)),
            format!("{}1{}", "{a:".repeat(n), "}".repeat(n)),
            format!("{}1{}", "`${".repeat(n), "}`".repeat(n)),
            format!("1{}", "+1".repeat(n)),
            format!("1{}", "\n+1".repeat(n)),
            format!("{}0", "a ? 1 : ".repeat(n)),
            format!("{}1", "!".repeat(n)),
            format!("{}1", "x => ".repeat(n)),
            format!("a{}", ".b".repeat(n)),
            format!("f{}", "()".repeat(n)),
            format!("if (a) {{}}{}", " else if (a) {}".repeat(n)),
            format!("if (a) {{}}{}", "\nelse if (a) {}".repeat(n)),
            format!("type T = {}number{};", "Array<".repeat(n), ">".repeat(n)),
            format!("{}x", "typeof ".repeat(n)),
        ] {
            let e = check_nesting(&src, MAX_NESTING).unwrap_err();
            assert!(e.contains("nests"), "{e}");
        }
    }

    #[test]
    fn ordinary_code_passes() {
        let mut long = String::new();
        for i in 0..50_000 {
            long.push_str(&format!("export const a{i} = {i} + 1\n"));
        }
        for src in [
            long.as_str(),
            "const s = \"((((((\" + '[[[[[' + `${'{{{{'}` + /[(]{3}\\//.source; // ((((\n/* [[[[ */ x / 2 / 3",
            "a = b\n(c)\nfoo()\nbar()",
            "class A { m() { return 1 } n() { return 2 } }\nfunction f() {}\nfunction g() {}",
            "if (a) { x() } else if (b) { y() } else { z() }; if (c) {} else {}",
        ] {
            assert!(depth_ok(src), "{src:.80}");
        }
        // Many flat statements and a long array of values.
        let arr = format!("export const v = [{}];", vec!["1"; 100_000].join(","));
        assert!(depth_ok(&arr));
        let objs = format!(
            "export const v = [{}];",
            vec!["{a: {b: [1, 2]}}"; 10_000].join(",")
        );
        assert!(depth_ok(&objs));
    }
}
