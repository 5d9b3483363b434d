//! Loads a plugin's modules from its own directory, and nowhere else.
//!
//! Relative imports resolve inside the plugin directory (after following links); remote,
//! bare and absolute specifiers, and anything that lands outside the directory, are refused
//! with an error naming the specifier and the importing file. TypeScript is transpiled with
//! `deno_ast`; its source maps are kept so stack traces point at the original lines.

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

use crate::codecache::TranspileCache;
use crate::debug::DebugShared;

/// Largest module file a plugin may ship (bytes).
const MAX_MODULE_SIZE: u64 = 32 * 1024 * 1024;

pub(crate) struct PluginModuleLoader {
    /// The plugin directory, canonicalised.
    root: PathBuf,
    /// Transpiled TypeScript on disk, when enabled.
    cache: Option<TranspileCache>,
    source_maps: RefCell<HashMap<String, Vec<u8>>>,
    /// Loading for a debugger: modules are instrumented and registered.
    debug: Option<Arc<DebugShared>>,
    /// The engine's code cache (on `v8`), and each module's key in it.
    engine_cache: Option<crate::codecache::EngineCodeCache>,
    engine_keys: RefCell<HashMap<String, (String, u64)>>,
    /// Source maps parsed for mapping profile positions.
    parsed_maps: RefCell<HashMap<String, Option<std::rc::Rc<deno_ast::swc::sourcemap::SourceMap>>>>,
}

impl PluginModuleLoader {
    pub(crate) fn new(
        root: PathBuf,
        cache: Option<TranspileCache>,
        debug: Option<Arc<DebugShared>>,
    ) -> Self {
        let engine_cache = cache
            .as_ref()
            .and_then(|c| crate::codecache::EngineCodeCache::for_engine(c.data_dir()));
        PluginModuleLoader {
            root,
            engine_cache,
            cache,
            source_maps: RefCell::new(HashMap::new()),
            engine_keys: RefCell::new(HashMap::new()),
            debug,
            parsed_maps: RefCell::new(HashMap::new()),
        }
    }

    /// The `file:` URL of the entry module.
    pub(crate) fn entry_url(&self, main: &Path) -> Result<ModuleSpecifier, String> {
        let path = self.root.join(main);
        let path = path
            .canonicalize()
            .map_err(|e| format!("entry module {}: {e}", path.display()))?;
        if !path.starts_with(&self.root) {
            return Err(format!(
                "entry module {} is outside the plugin directory",
                main.display()
            ));
        }
        ModuleSpecifier::from_file_path(&path)
            .map_err(|_| format!("entry module {} is not a valid path", path.display()))
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
            && let Ok(p) = u.to_file_path()
            && let Ok(rel) = p.strip_prefix(&self.root)
        {
            return format!("./{}", rel.display());
        }
        url.to_string()
    }
}

fn refuse(msg: String) -> ModuleLoaderError {
    JsErrorBox::type_error(msg)
}

impl ModuleLoader for PluginModuleLoader {
    fn resolve(
        &self,
        specifier: &str,
        referrer: &str,
        _kind: ResolutionKind,
    ) -> Result<ModuleSpecifier, ModuleLoaderError> {
        let from = self.display(referrer);
        let relative = specifier.starts_with("./") || specifier.starts_with("../");
        // The host names the entry module by its file: URL (the referrer is not a module).
        let entry = !referrer.starts_with("file:") && specifier.starts_with("file:");
        if !relative && !entry {
            let why = if deno_core::specifier_has_uri_scheme(specifier) {
                "only relative imports inside the plugin directory are allowed (no remote, ext: or file: URLs)"
            } else if specifier.starts_with('/') {
                "absolute paths are not allowed; import relative to the importing file"
            } else {
                "bare specifiers are not supported; import relative files such as \"./lib.ts\""
            };
            return Err(refuse(format!(
                "import {specifier:?} from {from} is refused: {why}"
            )));
        }
        let url = deno_core::resolve_import(specifier, referrer)
            .map_err(|e| refuse(format!("import {specifier:?} from {from}: {e}")))?;
        let path = url.to_file_path().map_err(|_| {
            refuse(format!(
                "import {specifier:?} from {from} is refused: not a file"
            ))
        })?;
        let path = deno_core::normalize_path(Cow::Owned(path)).into_owned();
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
            Ok(real) => ModuleSpecifier::from_file_path(&real).map_err(|_| {
                refuse(format!(
                    "import {specifier:?} from {from}: not a valid path"
                ))
            }),
            Err(_) => Err(refuse(format!(
                "import {specifier:?} from {from}: module not found"
            ))),
        }
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
        let path = specifier
            .to_file_path()
            .map_err(|_| refuse(format!("{name}: not a file")))?;
        // Resolution already checked; check again in case the file changed since.
        let real = path
            .canonicalize()
            .map_err(|e| JsErrorBox::generic(format!("{name}: {e}")))?;
        if !real.starts_with(&self.root) {
            return Err(refuse(format!("{name} is outside the plugin directory")));
        }
        let meta =
            std::fs::metadata(&real).map_err(|e| JsErrorBox::generic(format!("{name}: {e}")))?;
        if meta.len() > MAX_MODULE_SIZE {
            return Err(JsErrorBox::generic(format!(
                "{name} is {} bytes, more than the {MAX_MODULE_SIZE}-byte module limit",
                meta.len()
            )));
        }
        let media_type = MediaType::from_path(&real);
        let wants_json = matches!(requested, RequestedModuleType::Json);
        let (module_type, transpile) = match media_type {
            MediaType::Json => {
                if !wants_json {
                    return Err(refuse(format!(
                        "{name} is JSON: import it with `with {{ type: \"json\" }}`"
                    )));
                }
                (ModuleType::Json, false)
            }
            MediaType::JavaScript | MediaType::Mjs => (ModuleType::JavaScript, false),
            MediaType::TypeScript | MediaType::Mts => (ModuleType::JavaScript, true),
            _ => {
                return Err(refuse(format!(
                    "{name}: unsupported module type (expected .ts, .mts, .js, .mjs or .json)"
                )));
            }
        };
        if wants_json && module_type != ModuleType::Json {
            return Err(refuse(format!(
                "{name} was imported as JSON but is not a .json file"
            )));
        }
        let text = std::fs::read_to_string(&real)
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
            code
        } else {
            text
        };
        // The engine's code cache, where it has one worth keeping (V8's).
        let code_cache = match (&self.engine_cache, module_type == ModuleType::JavaScript) {
            (Some(cache), true) => {
                let (key, hash) = crate::codecache::EngineCodeCache::key(specifier.as_str(), &code);
                let data = cache.get(&key).map(Cow::Owned);
                self.engine_keys
                    .borrow_mut()
                    .insert(specifier.to_string(), (key, hash));
                Some(deno_core::SourceCodeCacheInfo { hash, data })
            }
            _ => None,
        };
        Ok(ModuleSource::new(
            module_type,
            ModuleSourceCode::String(code.into()),
            specifier,
            code_cache,
        ))
    }
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
        let inst = crate::instrument::instrument(specifier, text, media_type, debug.next_site())?;
        let code = if transpile {
            let (code, map) = transpile_ts(specifier, inst.code.clone(), media_type)?;
            self.keep_source_map(specifier, map);
            code
        } else {
            inst.code.clone()
        };
        debug.add_script(specifier.as_str(), text, &inst);
        Ok(code)
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

/// Strips TypeScript types, returning JS and its source map.
pub(crate) fn transpile_ts(
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
