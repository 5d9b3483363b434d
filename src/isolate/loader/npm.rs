//! npm packages (issue 19): bare specifiers resolved from the plugin directory's own
//! `node_modules/`, CommonJS modules wrapped as ES modules, and Node's built-ins refused.
//!
//! Resolution is `oxc_resolver` (Node's ESM and CommonJS algorithms: `exports` and
//! `imports` with conditions, subpath patterns, `module`/`main`, extensions, directory
//! index) over [`SandboxFs`], a file system that answers only for paths inside the plugin
//! directory after links are followed: the walk up to a parent's `node_modules/`, a link
//! leading outside and an `exports` target outside all find nothing there, and an escape
//! is remembered so the error says "refused", not "not found".
//!
//! Conditions matched: `qirvo` (a package's build for Qirvo), `worker` (a plugin is like
//! a web worker: no DOM, one thread), `browser` (web-platform builds use `fetch` and
//! `crypto`, which Qirvo has, where `node` builds need built-ins it has not), then `import`
//! (or `require` for a `require()` call), `module` (bundlers' ESM convention) and `default`.
//! As in Node, the first key of the package's own `exports` object that is in this set
//! wins; the list is in order of preference for readers. `node` is never matched. Without
//! `exports`, `module` is preferred to `main`.

use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use oxc_resolver::{FileMetadata, FileSystem, ResolveError, ResolveOptions, ResolverGeneric};

/// The conditions an `import` matches in a package's `exports`/`imports`, in order.
pub(crate) const IMPORT_CONDITIONS: [&str; 6] =
    ["qirvo", "worker", "browser", "import", "module", "default"];
/// The conditions a CommonJS `require()` matches, in order.
pub(crate) const REQUIRE_CONDITIONS: [&str; 5] =
    ["qirvo", "worker", "browser", "require", "default"];

/// Largest `package.json` (or other file the resolver reads) a package may ship.
const MAX_PACKAGE_FILE: u64 = 4 * 1024 * 1024;

/// What Qirvo offers instead of Node's built-in modules (the message of a refused
/// `node:` or bare built-in import).
pub(crate) const BUILTIN_ALTERNATIVES: &str = "Qirvo has no Node built-ins; use qirvo.fs (files, with the filesystem-access permission), fetch (http, https, net), crypto.subtle and crypto.getRandomValues (crypto), TextEncoder/TextDecoder and Uint8Array (buffer, string_decoder, util), URL and URLSearchParams (url, querystring), ReadableStream/WritableStream (stream), setTimeout/setInterval (timers), EventTarget and qirvo.events (events), qirvo.storage (persistent data), qirvo.log (console is there too)";

/// The query of a CommonJS module's body (a module whose default export runs it once and
/// returns `module.exports`).
pub(crate) const CJS_BODY: &str = "qirvo-cjs";
/// The query of a module as `require()` sees it: a function returning its exports.
pub(crate) const CJS_REQUIRE: &str = "qirvo-req";

/// A file system that answers only inside `root` (canonical), after following links.
pub(crate) struct SandboxFs {
    root: PathBuf,
    /// Paths whose links led outside `root` or in a loop (bounded), for the error message.
    escapes: Arc<Mutex<Vec<(PathBuf, Trouble)>>>,
}

/// Why a path the resolver asked about was not answered.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Trouble {
    /// Its links lead outside the plugin directory.
    Outside,
    /// Its links lead in a loop.
    Loop,
}

impl SandboxFs {
    fn remember(&self, p: PathBuf, why: Trouble) {
        if let Ok(mut e) = self.escapes.lock()
            && e.len() < 64
        {
            e.push((p, why));
        }
    }

    fn outside() -> io::Error {
        io::Error::new(io::ErrorKind::NotFound, "outside the plugin directory")
    }

    /// `path` (lexically normalised) if it is inside the root, else NotFound.
    fn lexical(&self, path: &Path) -> io::Result<PathBuf> {
        let p = deno_core::normalize_path(std::borrow::Cow::Borrowed(path)).into_owned();
        if p.starts_with(&self.root) {
            Ok(p)
        } else {
            Err(Self::outside())
        }
    }

    /// The real path of `path`, if it is inside the root; an escape through a link is
    /// remembered.
    fn real(&self, path: &Path) -> io::Result<PathBuf> {
        let p = self.lexical(path)?;
        let real = std::fs::canonicalize(&p).inspect_err(|e| {
            if e.raw_os_error() == Some(libc::ELOOP) {
                self.remember(p.clone(), Trouble::Loop);
            }
        })?;
        if real.starts_with(&self.root) {
            Ok(real)
        } else {
            self.remember(p, Trouble::Outside);
            Err(Self::outside())
        }
    }
}

impl FileSystem for SandboxFs {
    fn new() -> Self {
        // Only `new_with_file_system` is used; a sandbox with no root answers nothing.
        SandboxFs {
            root: PathBuf::from("/nonexistent/qirvo-sandbox"),
            escapes: Arc::default(),
        }
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        crate::untrusted::read_file(&self.real(path)?, MAX_PACKAGE_FILE)
    }

    fn read_to_string(&self, path: &Path) -> io::Result<String> {
        crate::untrusted::read_to_string(&self.real(path)?, MAX_PACKAGE_FILE)
    }

    fn metadata(&self, path: &Path) -> io::Result<FileMetadata> {
        std::fs::metadata(self.real(path)?).map(FileMetadata::from)
    }

    fn symlink_metadata(&self, path: &Path) -> io::Result<FileMetadata> {
        // A link is reported as what it leads to: the resolver then never reads a link
        // itself, and every target passes `real`.
        self.metadata(path)
    }

    fn read_link(&self, path: &Path) -> Result<PathBuf, ResolveError> {
        Err(ResolveError::from(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{}: not a link", path.display()),
        )))
    }

    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        self.real(path)
    }
}

/// Resolves bare specifiers and `require()` calls for one plugin.
pub(crate) struct PackageResolver {
    root: PathBuf,
    import: ResolverGeneric<SandboxFs>,
    require: ResolverGeneric<SandboxFs>,
    escapes: Arc<Mutex<Vec<(PathBuf, Trouble)>>>,
}

/// Which call asks: an ES `import` or a CommonJS `require()`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
    Import,
    Require,
}

impl PackageResolver {
    pub(crate) fn new(root: &Path) -> PackageResolver {
        let escapes: Arc<Mutex<Vec<(PathBuf, Trouble)>>> = Arc::default();
        let options = |conditions: &[&str], main_fields: &[&str]| ResolveOptions {
            condition_names: conditions.iter().map(|s| s.to_string()).collect(),
            main_fields: main_fields.iter().map(|s| s.to_string()).collect(),
            extensions: [".js", ".mjs", ".cjs", ".json"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            builtin_modules: true,
            module_type: true,
            node_path: false,
            symlinks: true,
            ..ResolveOptions::default()
        };
        let fs = || SandboxFs {
            root: root.to_path_buf(),
            escapes: escapes.clone(),
        };
        PackageResolver {
            root: root.to_path_buf(),
            import: ResolverGeneric::new_with_file_system(
                fs(),
                options(&IMPORT_CONDITIONS, &["module", "main"]),
            ),
            require: ResolverGeneric::new_with_file_system(
                fs(),
                options(&REQUIRE_CONDITIONS, &["main"]),
            ),
            escapes,
        }
    }

    /// The real path `specifier` names from a module in `dir` (inside the root), and
    /// whether Node would load it as CommonJS (`None`: ask the file's syntax).
    ///
    /// # Errors
    /// A reason naming the package: a built-in (with what Qirvo offers instead), not
    /// installed, not exported, or leading outside the plugin directory (`refused`).
    pub(crate) fn resolve(
        &self,
        dir: &Path,
        specifier: &str,
        kind: Kind,
    ) -> Result<(PathBuf, Option<bool>), String> {
        let resolver = match kind {
            Kind::Import => &self.import,
            Kind::Require => &self.require,
        };
        let before = self.escapes.lock().map(|e| e.len()).unwrap_or(0);
        match resolver.resolve(dir, specifier) {
            Ok(r) => {
                let cjs = match r.module_type() {
                    Some(oxc_resolver::ModuleType::Module) => Some(false),
                    Some(oxc_resolver::ModuleType::CommonJs)
                        if r.path().extension().is_some_and(|e| e == "cjs") =>
                    {
                        Some(true)
                    }
                    _ => None,
                };
                Ok((r.into_path_buf(), cjs))
            }
            Err(ResolveError::Builtin { resolved, .. }) => Err(format!(
                "is refused: {resolved} is a Node built-in module. {BUILTIN_ALTERNATIVES}"
            )),
            Err(e) => {
                let escaped = self
                    .escapes
                    .lock()
                    .ok()
                    .and_then(|e| e.get(before..).and_then(|new| new.first().cloned()));
                match escaped {
                    Some((p, Trouble::Outside)) => {
                        return Err(format!(
                            "is refused: {} leads outside the plugin directory (through a link)",
                            self.show(&p)
                        ));
                    }
                    Some((p, Trouble::Loop)) => {
                        return Err(format!(
                            "{} is a link loop (its links lead back to themselves); fix or remove the link",
                            self.show(&p)
                        ));
                    }
                    None => {}
                }
                if let ResolveError::Json(j) = &e {
                    let owner = j
                        .path
                        .parent()
                        .and_then(|d| d.strip_prefix(&self.root).ok())
                        .map(|d| d.display().to_string())
                        .unwrap_or_default();
                    let owner = owner
                        .rsplit_once("node_modules/")
                        .map_or(owner.as_str(), |(_, n)| n);
                    return Err(format!(
                        "package.json of {owner:?} ({}) is not valid JSON: {} at line {} column {}",
                        self.show(&j.path),
                        self.scrub(&j.message),
                        j.line,
                        j.column
                    ));
                }
                // A path (an import-map target, or a relative require) that names no file.
                if specifier.starts_with("./") || specifier.starts_with("../") {
                    let lexical =
                        deno_core::normalize_path(std::borrow::Cow::Owned(dir.join(specifier)));
                    if !lexical.starts_with(&self.root) {
                        return Err(format!(
                            "is refused: {specifier:?} (from {}) leads outside the plugin directory",
                            self.show(dir)
                        ));
                    }
                    return Err(match e {
                        ResolveError::NotFound(_) => format!(
                            "no file {specifier:?} (from {}): the import-map target or required file is missing",
                            self.show(dir)
                        ),
                        other => self.scrub(&other.to_string()),
                    });
                }
                let package = package_name(specifier);
                let installed = dir
                    .ancestors()
                    .take_while(|d| d.starts_with(&self.root))
                    .any(|d| d.join("node_modules").join(package).is_dir());
                Err(match e {
                    ResolveError::NotFound(_) if installed => format!(
                        "package {package:?} has no module {specifier:?} (check the path, or its package.json \"exports\")"
                    ),
                    ResolveError::NotFound(_) if !specifier.starts_with('#') => format!(
                        "package {package:?} is not installed: bare specifiers resolve from the plugin's own node_modules/ (run `npm install {package}` in the plugin directory) or the manifest's \"imports\""
                    ),
                    other => self.scrub(&other.to_string()),
                })
            }
        }
    }

    /// A host path as the plugin sees it: relative to its directory.
    fn show(&self, p: &Path) -> String {
        match p.strip_prefix(&self.root) {
            Ok(rel) => format!("./{}", rel.display()),
            Err(_) => "a path outside the plugin directory".into(),
        }
    }

    /// A resolver message without the host's paths.
    fn scrub(&self, msg: &str) -> String {
        msg.replace(&*self.root.to_string_lossy(), ".")
    }
}

/// The package a bare specifier names: `zod` for `zod/v4`, `@scope/pkg` for
/// `@scope/pkg/sub`.
pub(crate) fn package_name(specifier: &str) -> &str {
    let mut parts = specifier.splitn(3, '/');
    let first = parts.next().unwrap_or(specifier);
    if first.starts_with('@')
        && let Some(second) = parts.next()
    {
        let end = first.len() + 1 + second.len();
        return specifier.get(..end).unwrap_or(specifier);
    }
    first
}

/// Whether a module's source is a script (no `import`/`export` declarations): how an
/// ambiguous `.js` file is told apart as CommonJS, as Node does. Runs on the parser's stack.
pub(crate) fn is_script(url: &deno_core::ModuleSpecifier, text: &str) -> Result<bool, String> {
    super::on_parse_stack(|| {
        deno_ast::parse_program(deno_ast::ParseParams {
            specifier: url.clone(),
            text: text.into(),
            media_type: deno_ast::MediaType::JavaScript,
            capture_tokens: false,
            scope_analysis: false,
            maybe_syntax: None,
        })
        .map(|p| p.compute_is_script())
        .map_err(|e| e.to_string())
    })?
}

/// The string literals passed to `require(...)` in CommonJS source, each once (at most
/// 4096). A match in a comment or string only adds a dependency that is never called.
pub(crate) fn required_specifiers(text: &str) -> Vec<String> {
    static RE: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    let Some(re) = RE
        .get_or_init(|| {
            regex::Regex::new(r#"(?:^|[^.\w$])require\s*\(\s*(?:"([^"\\\n]*)"|'([^'\\\n]*)')\s*\)"#)
                .ok()
        })
        .as_ref()
    else {
        return Vec::new();
    };
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for c in re.captures_iter(text) {
        if let Some(m) = c.get(1).or_else(|| c.get(2))
            && seen.insert(m.as_str().to_string())
        {
            out.push(m.as_str().to_string());
            if out.len() >= 4096 {
                break;
            }
        }
    }
    out
}

/// Names a CommonJS module assigns as `exports.NAME = ...`, `module.exports.NAME = ...` or
/// `Object.defineProperty(exports, "NAME", ...)`: its named exports for `import { NAME }`
/// (as Node's cjs-module-lexer finds them; `default` is always `module.exports`).
pub(crate) fn export_names(text: &str) -> Vec<String> {
    static RE: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    let Some(re) = RE
        .get_or_init(|| {
            regex::Regex::new(
                r#"(?:^|[^.\w$])(?:module\.)?exports\.([A-Za-z_$][\w$]*)\s*=[^=]|Object\.defineProperty\(\s*(?:module\.)?exports\s*,\s*["']([A-Za-z_$][\w$]*)["']"#,
            )
            .ok()
        })
        .as_ref()
    else {
        return Vec::new();
    };
    let mut seen = BTreeSet::new();
    for c in re.captures_iter(text) {
        if let Some(m) = c.get(1).or_else(|| c.get(2))
            && !matches!(m.as_str(), "default" | "__esModule")
            && seen.len() < 4096
        {
            seen.insert(m.as_str().to_string());
        }
    }
    seen.into_iter().collect()
}

/// One `require()` dependency of a CommonJS module: its specifier as written and either
/// the URL of its `?qirvo-req` view or why it cannot be required.
pub(crate) struct Dependency {
    pub specifier: String,
    pub target: Result<String, String>,
}

fn js_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// The body of a CommonJS module as an ES module: its default export is a function that
/// runs the module once (Node's wrapper: `exports`, `require`, `module`, `__filename`,
/// `__dirname`, plus `global`) and returns `module.exports`. Everything the wrapper adds
/// is on the first line, so line numbers in stack traces are the file's own.
pub(crate) fn cjs_body(file: &str, text: &str, deps: &[Dependency]) -> String {
    let dir = file.rsplit_once('/').map_or("/", |(d, _)| d);
    let mut head = String::new();
    let mut cases = String::new();
    for (i, d) in deps.iter().enumerate() {
        match &d.target {
            Ok(url) => {
                head.push_str(&format!("import __qirvo_r{i} from {};", js_str(url)));
                cases.push_str(&format!(
                    "case {}: return __qirvo_r{i}();",
                    js_str(&d.specifier)
                ));
            }
            Err(why) => cases.push_str(&format!(
                "case {}: throw new Error({});",
                js_str(&d.specifier),
                js_str(why)
            )),
        }
    }
    let dynamic = js_str(&format!(
        " from {file}: Qirvo resolves only require() calls with a string literal, when the module loads"
    ));
    let (file_js, dir_js) = (js_str(file), js_str(dir));
    // A leading `#!` line stays a line (a comment) so the line numbers hold.
    let body = match text.strip_prefix("#!") {
        Some(rest) => format!("//{rest}"),
        None => text.to_string(),
    };
    format!(
        "{head}var __qirvo_module; export default function __qirvo_init() {{ if (__qirvo_module) return __qirvo_module.exports; const module = __qirvo_module = {{ exports: {{}}, id: {file_js}, filename: {file_js}, loaded: false, children: [], paths: [] }}; const require = function require(s) {{ switch (s) {{ {cases} default: throw new Error(\"require(\" + JSON.stringify(s) + \")\" + {dynamic}); }} }}; try {{ (function (exports, require, module, __filename, __dirname, global) {{{body}\n}}).call(module.exports, module.exports, require, module, {file_js}, {dir_js}, globalThis); }} catch (e) {{ __qirvo_module = undefined; throw e; }} module.loaded = true; return module.exports; }}\n"
    )
}

/// A CommonJS module as an `import` sees it: `default` is `module.exports`, and each name
/// from [`export_names`] is a named export read from it once.
pub(crate) fn cjs_facade(body_url: &str, names: &[String]) -> String {
    let mut s = format!(
        "import __qirvo_init from {}; const __qirvo_m = __qirvo_init(); export default __qirvo_m;",
        js_str(body_url)
    );
    for (i, n) in names.iter().enumerate() {
        s.push_str(&format!(
            " const __qirvo_e{i} = __qirvo_m == null ? undefined : __qirvo_m[{}]; export {{ __qirvo_e{i} as {n} }};",
            js_str(n)
        ));
    }
    s.push('\n');
    s
}

/// A module as `require()` sees it: a function returning its exports (the body's init for
/// CommonJS, the namespace for an ES module, the value for JSON).
pub(crate) fn require_view(url: &str, body_url: Option<&str>, json: bool) -> String {
    match (body_url, json) {
        (Some(body), _) => format!("export {{ default }} from {};\n", js_str(body)),
        (None, true) => format!(
            "import __qirvo_v from {} with {{ type: \"json\" }}; export default function () {{ return __qirvo_v; }}\n",
            js_str(url)
        ),
        (None, false) => format!(
            "import * as __qirvo_ns from {}; export default function () {{ return __qirvo_ns; }}\n",
            js_str(url)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_names() {
        assert_eq!(package_name("zod"), "zod");
        assert_eq!(package_name("zod/v4"), "zod");
        assert_eq!(package_name("@noble/hashes/sha256"), "@noble/hashes");
        assert_eq!(package_name("@noble/hashes"), "@noble/hashes");
        assert_eq!(package_name("@x"), "@x");
    }

    #[test]
    fn requires_and_exports_are_found() {
        let src = "const a = require('./a'); const b = require(\"b/c\"); x.require('no'); \
                   exports.one = 1; module.exports.two = 2; exports.three == 3; \
                   Object.defineProperty(exports, \"four\", {}); exports.default = 5; require(name);";
        assert_eq!(required_specifiers(src), vec!["./a", "b/c"]);
        assert_eq!(export_names(src), vec!["four", "one", "two"]);
    }
}
