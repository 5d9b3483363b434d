//! `manifest.json`: parsed once into a validated, typed [`Manifest`].
//!
//! The raw serde types mirror the JSON exactly (`deny_unknown_fields`); validation turns
//! them into typed values (`ByteSize`, `Duration`, `Permission`, a checked entry path), so
//! nothing downstream re-parses strings.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use serde::Deserialize;

use crate::error::ManifestError;

pub(crate) mod hosts;
mod imports;
mod limits;
mod schema;

use limits::{BACKOFF, BANDWIDTH, CPU, MAX_CONNECTIONS, MAX_RESTARTS, MEMORY, STORAGE, TIMEOUT};

/// The file name of a plugin manifest inside its directory.
pub const MANIFEST_FILE: &str = "manifest.json";

/// A size in bytes, written in a manifest as `"128MB"`, `"512 KB"`, `"1GB"` (powers of
/// 1024) or a plain number of bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ByteSize(pub u64);

impl ByteSize {
    pub const KIB: u64 = 1024;
    pub const MIB: u64 = 1024 * 1024;
    pub const GIB: u64 = 1024 * 1024 * 1024;

    pub const fn mib(n: u64) -> Self {
        ByteSize(n * Self::MIB)
    }
    pub fn bytes(self) -> u64 {
        self.0
    }
}

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        if b >= Self::GIB && b.is_multiple_of(Self::GIB) {
            write!(f, "{}GB", b / Self::GIB)
        } else if b >= Self::MIB && b.is_multiple_of(Self::MIB) {
            write!(f, "{}MB", b / Self::MIB)
        } else if b >= Self::KIB && b.is_multiple_of(Self::KIB) {
            write!(f, "{}KB", b / Self::KIB)
        } else if b >= Self::MIB {
            write!(f, "{:.1}MB", b as f64 / Self::MIB as f64)
        } else {
            write!(f, "{b}B")
        }
    }
}

impl FromStr for ByteSize {
    type Err = String;

    /// Parses `"128MB"`, `"128 mb"`, `"1.5GB"`, `"512KiB"`, `"100B"` or `"4096"`: digits
    /// (optionally `.digits`), then a unit B, K/KB/KiB, M/MB/MiB or G/GB/GiB in any case,
    /// spaces allowed around it.
    ///
    /// # Errors
    /// `"lots" is not a size (expected e.g. "128MB")`, also for a size past 2^64 bytes.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        limits::split_size(s, false)
            .and_then(|(int, frac, mult)| limits::size_bytes(int, frac, mult))
            .map(ByteSize)
            .ok_or_else(|| format!("{s:?} is not a size (expected e.g. \"128MB\")"))
    }
}

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Str(String),
            Num(u64),
        }
        match Raw::deserialize(d).map_err(|_| {
            serde::de::Error::custom("expected a size such as \"128MB\" or a number of bytes")
        })? {
            Raw::Str(s) => s.parse().map_err(serde::de::Error::custom),
            Raw::Num(n) => Ok(ByteSize(n)),
        }
    }
}

/// A rate in bytes per second, written `"1MB/s"` (the `/s` is optional).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bandwidth(pub ByteSize);

impl<'de> Deserialize<'de> for Bandwidth {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        limits::split_size(&s, true)
            .and_then(|(int, frac, mult)| limits::size_bytes(int, frac, mult))
            .map(|b| Bandwidth(ByteSize(b)))
            .ok_or_else(|| {
                serde::de::Error::custom(format!("{s:?} is not a rate (expected e.g. \"1MB/s\")"))
            })
    }
}

impl fmt::Display for Bandwidth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/s", self.0)
    }
}

// --- permissions (HOSTAPI, issue 14: host-declared permissions) -------------------------

/// A capability a plugin asks for. Everything not granted is denied.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Permission {
    /// `network-access`: `fetch`, subject to `network.allowedHosts`.
    NetworkAccess,
    /// `filesystem-access`: `qirvo.fs`, scoped to the plugin's own files directory.
    FilesystemAccess,
    /// A permission the host declares for its own API
    /// ([`HostApi::permission`](crate::HostApi::permission)), shaped `namespace:verb`
    /// (`"orders:read"`): lowercase letters, digits, `_` or `-` on each side, at most 64
    /// characters. A manifest can name any such permission; loading it fails unless the
    /// runtime's host API declares it.
    Host(String),
}

impl Permission {
    /// The built-in permissions.
    pub const ALL: [Permission; 2] = [Permission::NetworkAccess, Permission::FilesystemAccess];

    pub fn as_str(&self) -> &str {
        match self {
            Permission::NetworkAccess => "network-access",
            Permission::FilesystemAccess => "filesystem-access",
            Permission::Host(name) => name,
        }
    }

    /// A host permission named `name`.
    ///
    /// # Errors
    /// When `name` is not shaped `namespace:verb` (see [`Permission::Host`]).
    pub fn host(name: &str) -> Result<Permission, String> {
        if is_host_permission(name) {
            Ok(Permission::Host(name.to_string()))
        } else {
            Err(format!(
                "{name:?} is not a host permission name (expected \"namespace:verb\", e.g. \"orders:read\": lowercase letters, digits, '_' or '-' on each side of one ':', at most 64 characters)"
            ))
        }
    }

    /// Whether this is a host-declared permission rather than a built-in one.
    pub fn is_host(&self) -> bool {
        matches!(self, Permission::Host(_))
    }
}

/// `namespace:verb`, each side `[a-z][a-z0-9_-]*`, at most 64 bytes in all.
pub(crate) fn is_host_permission(name: &str) -> bool {
    let part = |s: &str| {
        let b = s.as_bytes();
        !b.is_empty()
            && b[0].is_ascii_lowercase()
            && b.iter()
                .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_' || c == b'-')
    };
    name.len() <= 64
        && name
            .split_once(':')
            .is_some_and(|(ns, verb)| part(ns) && part(verb))
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Permission {
    type Err = String;
    /// A built-in name, or any `namespace:verb`-shaped host permission (whether a host
    /// declares it is checked when the plugin loads).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(p) = Permission::ALL.into_iter().find(|p| p.as_str() == s) {
            return Ok(p);
        }
        if is_host_permission(s) {
            return Ok(Permission::Host(s.to_string()));
        }
        let known: Vec<_> = Permission::ALL.iter().map(|p| p.as_str()).collect();
        Err(format!(
            "{s:?} is not a known permission (known: {}; a host's own permissions are shaped \"namespace:verb\")",
            known.join(", ")
        ))
    }
}

impl<'de> Deserialize<'de> for Permission {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

// --- end permissions ----------------------------------------------------------------------

/// The JSON Schema (Draft 2020-12) of `manifest.json`, as `qirvo schema` prints it
/// (`schema/manifest.schema.json` is kept equal to it by a test). Its limits come from the
/// same table as the parser's checks; it accepts exactly the manifests
/// [`Manifest::parse`] accepts, except for the rules its top-level `description` lists
/// (a field given twice, `network.allowedHosts` entries, `main` existing on disk, host
/// permissions being declared).
pub fn manifest_schema() -> serde_json::Value {
    schema::manifest_schema()
}

// ---------------------------------------------------------------------------------------
// Raw serde shape

/// A Qirvo plugin manifest (`manifest.json` in the plugin directory).
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawManifest {
    /// The schema an editor validates this file against (ignored by Qirvo).
    #[serde(rename = "$schema")]
    #[allow(dead_code)]
    schema: Option<String>,
    /// Unique plugin id: lowercase letters, digits, '.', '_' or '-'.
    id: String,
    /// Display name (defaults to the id).
    name: Option<String>,
    /// Semantic version, e.g. "1.0.0".
    version: String,
    description: Option<String>,
    /// The entry module, relative to the plugin directory.
    main: String,
    /// Capabilities the plugin asks for; everything else is denied.
    #[serde(default)]
    permissions: Vec<Permission>,
    #[serde(default)]
    network: RawNetwork,
    #[serde(default)]
    resources: RawResources,
    /// Handed to `initialize` as `ctx.config`.
    config: Option<serde_json::Map<String, serde_json::Value>>,
    /// What happens when the plugin is killed for memory or a lifecycle timeout.
    restart: Option<RawRestart>,
    /// issue 19: an import map, bare name (or prefix ending in "/") to a path inside.
    imports: Option<imports::RawImports>,
}

// The limited fields are read as JSON values and checked against the table in `limits`.

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawRestart {
    policy: RawRestartPolicy,
    max_restarts: Option<serde_json::Value>,
    backoff: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
enum RawRestartPolicy {
    Never,
    OnFailure,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawNetwork {
    /// Hosts fetch may reach: "api.example.com", "*.example.com", an IP, a CIDR range, each
    /// with an optional ":port". Empty: public hosts only.
    #[serde(default)]
    allowed_hosts: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawResources {
    memory: Option<serde_json::Value>,
    timeout: Option<serde_json::Value>,
    cpu: Option<serde_json::Value>,
    storage: Option<serde_json::Value>,
    max_connections: Option<serde_json::Value>,
    bandwidth: Option<serde_json::Value>,
}

// ---------------------------------------------------------------------------------------
// Validated shape

/// A validated plugin manifest.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// Unique plugin id, `^[a-z0-9][a-z0-9._-]{0,127}$`.
    pub id: String,
    /// Display name; defaults to the id.
    pub name: String,
    pub version: semver::Version,
    pub description: Option<String>,
    /// The entry module, relative to the plugin directory (as written in the manifest).
    pub main: PathBuf,
    /// Granted permissions (deny by default).
    pub permissions: BTreeSet<Permission>,
    /// `network.allowedHosts` entries, as written (compiled by the network capability).
    pub allowed_hosts: Vec<String>,
    pub resources: Resources,
    /// The plugin's configuration object, handed to `initialize` as `ctx.config`.
    pub config: serde_json::Map<String, serde_json::Value>,
    /// `restart`: overrides the runtime's [`RestartPolicy`] for this plugin.
    pub restart: Option<RestartPolicy>,
    /// `imports`: the import map (issue 19). A bare module name (`"lodash"`), or a prefix
    /// ending in `/` (`"lib/"`), to a path inside the plugin directory starting with `./`
    /// (`"./vendor/lodash.js"`, `"./vendor/lib/"`), consulted before `node_modules/`. At
    /// most 1000 entries; empty by default.
    pub imports: std::collections::BTreeMap<String, String>,
}

/// What happens when a plugin is killed for memory, or times out in a lifecycle step.
///
/// Written in a manifest as `"restart": { "policy": "on-failure", "maxRestarts": 3,
/// "backoff": 1000 }` (`backoff` in ms), or `{ "policy": "never" }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RestartPolicy {
    /// The plugin stays in `error` (the default).
    #[default]
    Never,
    /// Restart in a fresh isolate (initialize, then start if it was running), at most
    /// `max_restarts` times over the plugin's life, waiting `backoff × 2^(n-1)` (capped at
    /// one minute) before the n-th restart.
    OnFailure {
        max_restarts: u32,
        backoff: Duration,
    },
}

impl RestartPolicy {
    /// The wait before restart number `n` (1-based), or `None` when no restart is allowed.
    pub fn delay(&self, n: u32) -> Option<Duration> {
        match *self {
            RestartPolicy::Never => None,
            RestartPolicy::OnFailure {
                max_restarts,
                backoff,
            } => {
                if n == 0 || n > max_restarts {
                    return None;
                }
                let factor = 1u32.checked_shl(n - 1).unwrap_or(u32::MAX);
                Some(backoff.saturating_mul(factor).min(Duration::from_secs(60)))
            }
        }
    }
}

/// Resource limits asked for by a plugin. The defaults and ranges are the manifest's table
/// of limits (`qirvo schema --markdown`, docs/plugin-guide.md).
#[derive(Debug, Clone, PartialEq)]
pub struct Resources {
    /// JS heap for the plugin's own objects; the isolate's limit is this plus the
    /// runtime's own 8 MiB (`RUNTIME_HEAP`) for the web platform. Default 128MB; 4MB to 16GB.
    pub memory: ByteSize,
    /// Deadline for each lifecycle step and call. Default 30 s; 1 ms to 1 h.
    pub timeout: Duration,
    /// Share of one core, in percent over a sliding window. Default 100; more than 0, at
    /// most 100.
    pub cpu: f64,
    /// Storage quota. Default 10MB; 0 to 16GB.
    pub storage: ByteSize,
    /// Network requests in flight at once. Default 10; 1 to 10000.
    pub max_connections: u32,
    /// Network read rate; `None` (the default) means unlimited; 1B/s to 1024GB/s.
    pub bandwidth: Option<Bandwidth>,
}

impl Default for Resources {
    fn default() -> Self {
        Resources {
            memory: ByteSize(MEMORY.default.unwrap_or(0)),
            timeout: Duration::from_millis(TIMEOUT.default.unwrap_or(0)),
            cpu: CPU.default.unwrap_or(0) as f64,
            storage: ByteSize(STORAGE.default.unwrap_or(0)),
            max_connections: MAX_CONNECTIONS.default.unwrap_or(0) as u32,
            bandwidth: BANDWIDTH.default.map(|b| Bandwidth(ByteSize(b))),
        }
    }
}

impl Manifest {
    /// Reads and validates `<dir>/manifest.json`.
    ///
    /// # Errors
    /// A [`ManifestError`] naming the file, the field and the reason: unreadable file
    /// (missing, not a regular file, or over 1 MiB), invalid JSON, unknown field or
    /// permission, out-of-range value, or a `main` that escapes the directory or does not
    /// exist.
    pub fn from_dir(dir: &Path) -> Result<Manifest, ManifestError> {
        let file = dir.join(MANIFEST_FILE);
        // A plugin directory is untrusted: the manifest may be a FIFO, a device or huge.
        let text = crate::untrusted::read_to_string(&file, crate::untrusted::MAX_MANIFEST_SIZE)
            .map_err(|source| ManifestError::Read {
                file: file.clone(),
                source,
            })?;
        Self::parse(&text, &file, Some(dir))
    }

    /// Validates manifest JSON text. `file` is only used in error messages; when `dir` is
    /// given, `main` must name an existing file inside it.
    pub fn parse(text: &str, file: &Path, dir: Option<&Path>) -> Result<Manifest, ManifestError> {
        let src = Source { text, file };
        let raw = src.deserialize()?;
        // The checks run in the order of the fields, so the first bad one is reported.
        let id = check_id(&src, raw.id)?;
        let version = semver::Version::parse(&raw.version).map_err(|e| {
            src.invalid(
                "version",
                format!("{:?} is not a semantic version ({e})", raw.version),
            )
        })?;
        let name = match raw.name {
            Some(n) if n.trim().is_empty() => {
                return Err(src.invalid("name", "must not be empty".into()));
            }
            Some(n) => n,
            None => id.clone(),
        };
        let main = validate_main(&raw.main, dir).map_err(|reason| src.invalid("main", reason))?;
        let permissions = permission_set(&src, raw.permissions)?;
        for (i, h) in raw.network.allowed_hosts.iter().enumerate() {
            hosts::validate_entry(h)
                .map_err(|reason| src.invalid(&format!("network.allowedHosts[{i}]"), reason))?;
        }
        let resources = resources(&src, &raw.resources)?;
        let config = raw.config.unwrap_or_default();
        let restart = restart_policy(&src, raw.restart)?;
        let imports =
            imports::validate(raw.imports).map_err(|reason| src.invalid("imports", reason))?;
        Ok(Manifest {
            imports,
            restart,
            id,
            name,
            version,
            description: raw.description,
            main,
            permissions,
            allowed_hosts: raw.network.allowed_hosts,
            resources,
            config,
        })
    }

    /// The manifest's table of limits as Markdown (field, type, unit, default, minimum,
    /// maximum, accepted forms), as docs/plugin-guide.md shows it and `qirvo schema
    /// --markdown` prints it.
    pub fn limits_markdown() -> String {
        schema::limits_markdown()
    }

    /// Whether the manifest grants `permission`.
    pub fn grants(&self, permission: Permission) -> bool {
        self.permissions.contains(&permission)
    }

    /// The host-declared permissions the manifest asks for (HOSTAPI, issue 14).
    pub fn host_permissions(&self) -> impl Iterator<Item = &str> {
        self.permissions
            .iter()
            .filter(|p| p.is_host())
            .map(|p| p.as_str())
    }
}

fn valid_id(id: &str) -> bool {
    let b = id.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
        && b.iter().all(|&c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'.' | b'_' | b'-')
        })
}

/// The text of a manifest and the file it came from, for [`Manifest::parse`]'s errors.
struct Source<'a> {
    text: &'a str,
    file: &'a Path,
}

impl Source<'_> {
    /// `field` (a path as written, e.g. `resources.memory`) is invalid for `reason`; the
    /// error points at where the field's value starts in the text.
    fn invalid(&self, field: &str, reason: String) -> ManifestError {
        ManifestError::Invalid {
            file: self.file.to_path_buf(),
            at: locate(self.text, field),
            field: field.to_string(),
            reason,
        }
    }

    /// The JSON syntax and serde steps: the text as a [`RawManifest`], or a syntax error
    /// with serde_json's position, or the first field of the wrong type or name.
    fn deserialize(&self) -> Result<RawManifest, ManifestError> {
        // Syntax first, on a generic value: a syntax error anywhere is reported as such (with
        // serde_json's position), and the value lets a type error describe what was written.
        // serde_json's default depth bound (128) applies here, so the text is shallow enough
        // for `locate` to walk.
        let value: serde_json::Value =
            serde_json::from_str(self.text).map_err(|e| ManifestError::Syntax {
                file: self.file.to_path_buf(),
                at: (e.line() > 0).then(|| crate::error::TextPosition {
                    line: e.line(),
                    column: e.column().max(1),
                }),
                reason: strip_position(&e.to_string()),
            })?;
        // The typed pass reads the text again (not `value`) so a field given twice is caught.
        let de = &mut serde_json::Deserializer::from_str(self.text);
        serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let (field, reason) = explain_serde_error(&path, &e.into_inner().to_string(), &value);
            self.invalid(&field, reason)
        })
    }

    /// Reads the value of limit `l` by its row of the table: `None` when it is absent and
    /// has no default; in range when `Some`.
    fn limit(
        &self,
        l: &limits::Limit,
        v: &Option<serde_json::Value>,
    ) -> Result<Option<f64>, ManifestError> {
        l.read(v.as_ref())
            .map_err(|reason| self.invalid(l.field, reason))
    }
}

/// The manifest's `id`, if it is a valid id.
fn check_id(src: &Source, id: String) -> Result<String, ManifestError> {
    if valid_id(&id) {
        return Ok(id);
    }
    Err(src.invalid(
        "id",
        format!(
            "{id:?} is not a valid id (lowercase letters, digits, '.', '_' or '-', starting with a letter or digit, at most 128 characters)"
        ),
    ))
}

/// The `permissions` array as a set; a permission listed twice is an error.
fn permission_set(
    src: &Source,
    listed: Vec<Permission>,
) -> Result<BTreeSet<Permission>, ManifestError> {
    let mut permissions = BTreeSet::new();
    for (i, p) in listed.into_iter().enumerate() {
        let name = p.as_str().to_string();
        if !permissions.insert(p) {
            return Err(src.invalid(
                &format!("permissions[{i}]"),
                format!("{name:?} is listed twice"),
            ));
        }
    }
    Ok(permissions)
}

/// The `resources` object, each limit read and checked by its row of the table (the
/// values are then in range, so the casts are exact); absent limits take their defaults.
fn resources(src: &Source, r: &RawResources) -> Result<Resources, ManifestError> {
    let memory = ByteSize(src.limit(&MEMORY, &r.memory)?.unwrap_or(0.0) as u64);
    let timeout_ms = src.limit(&TIMEOUT, &r.timeout)?.unwrap_or(0.0) as u64;
    let cpu = src.limit(&CPU, &r.cpu)?.unwrap_or(0.0);
    let storage = ByteSize(src.limit(&STORAGE, &r.storage)?.unwrap_or(0.0) as u64);
    let max_connections = src
        .limit(&MAX_CONNECTIONS, &r.max_connections)?
        .unwrap_or(0.0) as u32;
    let bandwidth = src
        .limit(&BANDWIDTH, &r.bandwidth)?
        .map(|b| Bandwidth(ByteSize(b as u64)));
    Ok(Resources {
        memory,
        timeout: Duration::from_millis(timeout_ms),
        cpu,
        storage,
        max_connections,
        bandwidth,
    })
}

/// The `restart` object: `never` takes no other field; `on-failure`'s limits are read
/// by their rows of the table.
fn restart_policy(
    src: &Source,
    raw: Option<RawRestart>,
) -> Result<Option<RestartPolicy>, ManifestError> {
    Ok(match raw {
        None => None,
        Some(RawRestart {
            policy: RawRestartPolicy::Never,
            max_restarts: None,
            backoff: None,
        }) => Some(RestartPolicy::Never),
        Some(RawRestart {
            policy: RawRestartPolicy::Never,
            ..
        }) => {
            return Err(src.invalid(
                "restart",
                "maxRestarts and backoff only apply to the \"on-failure\" policy".into(),
            ));
        }
        Some(RawRestart {
            policy: RawRestartPolicy::OnFailure,
            max_restarts,
            backoff,
        }) => Some(RestartPolicy::OnFailure {
            max_restarts: src.limit(&MAX_RESTARTS, &max_restarts)?.unwrap_or(0.0) as u32,
            backoff: Duration::from_millis(src.limit(&BACKOFF, &backoff)?.unwrap_or(0.0) as u64),
        }),
    })
}

fn validate_main(main: &str, dir: Option<&Path>) -> Result<PathBuf, String> {
    let p = Path::new(main);
    if main.trim().is_empty() {
        return Err("must name the entry module, e.g. \"main.ts\"".into());
    }
    if p.is_absolute() || p.has_root() {
        return Err(format!(
            "{main:?} must be a path relative to the plugin directory"
        ));
    }
    if p.components()
        .any(|c| matches!(c, Component::ParentDir | Component::Prefix(_)))
    {
        return Err(format!("{main:?} escapes the plugin directory"));
    }
    // The last '/'-separated part names the file: `<stem>.<ext>` with a stem (so
    // "main.ts/" and "dir/.ts" are refused, as the schema's pattern does).
    let last = main.rsplit('/').next().unwrap_or(main);
    let ext = match last.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => ext,
        _ => "",
    };
    if !matches!(ext, "ts" | "mts" | "js" | "mjs") {
        return Err(format!("{main:?} must be a .ts, .mts, .js or .mjs file"));
    }
    if let Some(dir) = dir {
        let full = dir.join(p);
        let canon_dir = dir
            .canonicalize()
            .map_err(|e| format!("plugin directory {}: {e}", dir.display()))?;
        let canon = full.canonicalize().map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => {
                format!("{main:?} does not exist in {}", dir.display())
            }
            _ => format!("{main:?}: {e}"),
        })?;
        if !canon.starts_with(&canon_dir) {
            return Err(format!(
                "{main:?} resolves outside the plugin directory (through a link)"
            ));
        }
        match std::fs::metadata(&canon) {
            Ok(m) if m.is_file() => {}
            Ok(m) => {
                return Err(format!(
                    "{main:?} is {}, not a regular file",
                    crate::untrusted::kind_of(&m)
                ));
            }
            Err(e) => return Err(format!("{main:?}: {e}")),
        }
    }
    Ok(p.to_path_buf())
}

/// serde_json appends " at line L column C" to data errors; the field path says more.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

// --- errors a person understands, at the field's line and column (CLIREST, issue 16) -----

/// One step of a field path: an object key or an array index.
#[derive(Debug, PartialEq)]
enum PathStep<'a> {
    Key(&'a str),
    Index(usize),
}

/// Splits a field path as shown in messages (`network.allowedHosts[0]`) into steps. The
/// top level is `""` or `"(top level)"`.
fn path_steps(path: &str) -> Vec<PathStep<'_>> {
    let mut steps = Vec::new();
    if path == "(top level)" || path == "." {
        return steps;
    }
    for part in path.split('.') {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            steps.push(PathStep::Key(key));
        }
        while let Some(close) = rest.find(']') {
            if let Ok(i) = rest[1..close].parse() {
                steps.push(PathStep::Index(i));
            }
            rest = &rest[close + 1..];
        }
    }
    steps
}

/// Where the value at `path` starts in `text` (for a path that does not exist, the deepest
/// object or array on the way). `None` when the text does not parse (it always does here:
/// `parse` checks the syntax first).
fn locate(text: &str, path: &str) -> Option<crate::error::TextPosition> {
    use jsonc_parser::ast::Value;
    let collect = jsonc_parser::CollectOptions::default();
    let options = jsonc_parser::ParseOptions::default();
    let parsed = jsonc_parser::parse_to_ast(text, &collect, &options).ok()?;
    let mut node = parsed.value.as_ref()?;
    for step in path_steps(path) {
        let next = match (node, step) {
            (Value::Object(o), PathStep::Key(k)) => o
                .properties
                .iter()
                .rev() // serde keeps the last of a key given twice
                .find(|p| p.name.as_str() == k)
                .map(|p| &p.value),
            (Value::Array(a), PathStep::Index(i)) => a.elements.get(i),
            _ => None,
        };
        match next {
            Some(n) => node = n,
            None => break,
        }
    }
    let start = jsonc_parser::common::Ranged::start(node);
    Some(crate::error::TextPosition::of_offset(text, start))
}

/// The value at `path` in `value`, if there is one.
fn value_at<'v>(value: &'v serde_json::Value, path: &str) -> Option<&'v serde_json::Value> {
    let mut v = value;
    for step in path_steps(path) {
        v = match step {
            PathStep::Key(k) => v.get(k)?,
            PathStep::Index(i) => v.get(i)?,
        };
    }
    Some(v)
}

/// `"5s" is a string`, `[] is an array`, `-1 is a negative number`: what was written, in
/// JSON terms.
fn describe(v: &serde_json::Value) -> String {
    use serde_json::Value;
    let shown = {
        let s = v.to_string();
        if s.chars().count() > 40 {
            let cut: String = s.chars().take(37).collect();
            format!("{cut}...")
        } else {
            s
        }
    };
    match v {
        Value::Null => "null is not a value here".to_string(),
        Value::Bool(_) => format!("{shown} is a boolean"),
        Value::Number(n) if n.as_i64().is_some_and(|i| i < 0) => {
            format!("{shown} is a negative number")
        }
        Value::Number(n) if n.is_f64() => format!("{shown} is not a whole number"),
        Value::Number(_) => format!("{shown} is a number"),
        Value::String(_) => format!("{shown} is a string"),
        Value::Array(_) => format!("{shown} is an array"),
        Value::Object(_) => format!("{shown} is an object"),
    }
}

/// What a field takes, phrased for a person: `"give milliseconds as a number, e.g. 5000"`.
/// `path` has its array indexes written `[]`.
fn expected_for(path: &str) -> &'static str {
    match path {
        "" => {
            "the manifest is an object, e.g. {\"id\": \"hello\", \"version\": \"1.0.0\", \"main\": \"main.ts\"}"
        }
        "$schema" => "give the schema's path or URL as a string",
        "id" => "give the id as a string, e.g. \"com.example.hello\"",
        "name" | "description" => "give it as a string",
        "version" => "give a semantic version as a string, e.g. \"1.0.0\"",
        "main" => "give the entry module's path as a string, e.g. \"main.ts\"",
        "permissions" => "give a list of permission names, e.g. [\"network-access\"]",
        "permissions[]" => {
            "give a permission name as a string, e.g. \"network-access\" or \"orders:read\""
        }
        "network" => "give an object, e.g. {\"allowedHosts\": [\"api.example.com\"]}",
        "network.allowedHosts" => "give a list of hosts, e.g. [\"api.example.com\"]",
        "network.allowedHosts[]" => "give a host as a string, e.g. \"api.example.com\"",
        "resources" => "give an object, e.g. {\"memory\": \"64MB\", \"timeout\": 5000}",
        "config" => "give an object, e.g. {\"greeting\": \"hi\"}",
        "restart" => "give an object, e.g. {\"policy\": \"on-failure\", \"maxRestarts\": 3}",
        "restart.policy" => "give \"never\" or \"on-failure\"",
        "imports" => {
            "give an object of module names to paths, e.g. {\"lodash\": \"./vendor/lodash.js\"}"
        }
        // The limits (resources.*, restart.maxRestarts/backoff): their row's hint.
        _ => limits::limit(path).map_or("see the manifest schema (`qirvo schema`)", |l| l.hint),
    }
}

/// The names between backticks in a serde message (`unknown field `x`, expected `a` or `b``).
fn backticked(msg: &str) -> Vec<&str> {
    msg.split('`').skip(1).step_by(2).collect()
}

/// Turns a serde error at `path` into a field and a reason a person understands: no Rust type
/// or struct names, no "unknown variant", and for a value of the wrong kind, what was written
/// and what the field takes.
fn explain_serde_error(path: &str, msg: &str, value: &serde_json::Value) -> (String, String) {
    let msg = strip_position(msg);
    let top = path == "." || path.is_empty();
    let field = if top { String::new() } else { path.to_string() };
    let child = |name: &str| {
        if field.is_empty() {
            name.to_string()
        } else {
            format!("{field}.{name}")
        }
    };
    let shown = |f: &str| {
        if f.is_empty() {
            "(top level)".to_string()
        } else {
            f.to_string()
        }
    };
    if msg.starts_with("missing field ") {
        let name = backticked(&msg).first().copied().unwrap_or("?").to_string();
        let full = child(&name);
        let hint = expected_for(&full);
        return (shown(&field), format!("{name:?} is required ({hint})"));
    }
    if msg.starts_with("unknown field ") {
        let names = backticked(&msg);
        let unknown = names.first().copied().unwrap_or("?");
        let known: Vec<&str> = names.iter().skip(1).copied().collect();
        let reason = if known.is_empty() {
            format!("{unknown:?} is not a field here")
        } else {
            format!(
                "{unknown:?} is not a field here (known: {})",
                known.join(", ")
            )
        };
        // serde_path_to_error's path already ends with the unknown key.
        return (shown(&field), reason);
    }
    if msg.starts_with("duplicate field ") {
        let name = backticked(&msg).first().copied().unwrap_or("?").to_string();
        return (shown(&field), format!("{name:?} is given twice"));
    }
    let generic = msg.starts_with("invalid type")
        || msg.starts_with("invalid value")
        || msg.starts_with("invalid length")
        || msg.starts_with("unknown variant")
        || msg.starts_with("expected a size");
    if generic && let Some(v) = value_at(value, &field) {
        let pattern = {
            let mut p = String::new();
            for step in path_steps(&field) {
                match step {
                    PathStep::Key(k) if p.is_empty() => p.push_str(k),
                    PathStep::Key(k) => {
                        p.push('.');
                        p.push_str(k);
                    }
                    PathStep::Index(_) => p.push_str("[]"),
                }
            }
            p
        };
        let what = describe(v);
        let expected = expected_for(&pattern);
        let reason = match v {
            // A string of the right kind with the wrong content ("always" as a policy).
            serde_json::Value::String(s) if msg.starts_with("unknown variant") => {
                format!("{s:?} is not one of the choices; {expected}")
            }
            serde_json::Value::Number(n)
                if msg.starts_with("invalid value") && !n.as_i64().is_some_and(|i| i < 0) =>
            {
                format!("{v} is out of range; {expected}")
            }
            _ => format!("{what}; {expected}"),
        };
        return (shown(&field), reason);
    }
    (shown(&field), msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Manifest, ManifestError> {
        Manifest::parse(json, Path::new("manifest.json"), None)
    }

    #[test]
    fn the_committed_schema_is_current() {
        let committed: serde_json::Value =
            serde_json::from_str(include_str!("../schema/manifest.schema.json")).unwrap();
        assert_eq!(
            committed,
            manifest_schema(),
            "schema/manifest.schema.json is stale: run `cargo run -- schema > schema/manifest.schema.json`"
        );
        let props = committed["properties"].as_object().unwrap();
        for field in [
            "id",
            "name",
            "version",
            "description",
            "main",
            "permissions",
            "network",
            "resources",
            "config",
            "restart",
        ] {
            assert!(props.contains_key(field), "{field}");
        }
        assert_eq!(committed["additionalProperties"], false);
    }

    #[test]
    fn sizes() {
        assert_eq!("128MB".parse::<ByteSize>().unwrap(), ByteSize::mib(128));
        assert_eq!("128 MB".parse::<ByteSize>().unwrap(), ByteSize::mib(128));
        assert_eq!("512KB".parse::<ByteSize>().unwrap(), ByteSize(512 * 1024));
        assert_eq!("1GB".parse::<ByteSize>().unwrap(), ByteSize(ByteSize::GIB));
        assert_eq!(
            "1.5MB".parse::<ByteSize>().unwrap(),
            ByteSize(3 * 512 * 1024)
        );
        assert!("lots".parse::<ByteSize>().is_err());
        assert!("12XB".parse::<ByteSize>().is_err());
        assert!("".parse::<ByteSize>().is_err());
    }

    #[test]
    fn defaults() {
        let m = parse(r#"{"$schema":"../schema/manifest.schema.json","id":"a.b","version":"1.0.0","main":"main.ts"}"#).unwrap();
        assert_eq!(m.name, "a.b");
        assert_eq!(m.resources, Resources::default());
        assert!(m.permissions.is_empty());
        assert!(m.config.is_empty());
    }

    #[test]
    fn full_example() {
        let m = parse(
            r#"{ "id": "com.example.hello", "name": "Hello", "version": "1.0.0", "main": "main.ts",
                 "permissions": ["network-access"], "network": { "allowedHosts": ["api.example.com"] },
                 "resources": { "memory": "64MB", "timeout": 5000, "cpu": 50, "storage": "10MB",
                                "maxConnections": 4, "bandwidth": "1MB/s" },
                 "config": { "greeting": "hi" } }"#,
        )
        .unwrap();
        assert!(m.grants(Permission::NetworkAccess));
        assert!(!m.grants(Permission::FilesystemAccess));
        assert_eq!(m.resources.memory, ByteSize::mib(64));
        assert_eq!(m.resources.timeout, Duration::from_secs(5));
        assert_eq!(m.resources.bandwidth, Some(Bandwidth(ByteSize::mib(1))));
        assert_eq!(m.config["greeting"], "hi");
    }

    #[test]
    fn errors_name_field_and_reason() {
        let cases = [
            (r#"{"id":"A","version":"1.0.0","main":"m.ts"}"#, "id"),
            (r#"{"id":"a","version":"one","main":"m.ts"}"#, "version"),
            (r#"{"id":"a","version":"1.0.0","main":"../m.ts"}"#, "main"),
            (r#"{"id":"a","version":"1.0.0","main":"/etc/m.ts"}"#, "main"),
            (r#"{"id":"a","version":"1.0.0","main":"m.py"}"#, "main"),
            (
                r#"{"id":"a","version":"1.0.0","main":"m.ts","extra":1}"#,
                "extra",
            ),
            (
                r#"{"id":"a","version":"1.0.0","main":"m.ts","permissions":["root"]}"#,
                "permissions[0]",
            ),
            (
                r#"{"id":"a","version":"1.0.0","main":"m.ts","resources":{"memory":"lots"}}"#,
                "resources.memory",
            ),
            (
                r#"{"id":"a","version":"1.0.0","main":"m.ts","resources":{"memory":"1KB"}}"#,
                "resources.memory",
            ),
            (
                r#"{"id":"a","version":"1.0.0","main":"m.ts","resources":{"timeout":0}}"#,
                "resources.timeout",
            ),
            (
                r#"{"id":"a","version":"1.0.0","main":"m.ts","resources":{"cpu":250}}"#,
                "resources.cpu",
            ),
            (
                r#"{"id":"a","version":"1.0.0","main":"m.ts","config":[1]}"#,
                "config",
            ),
            (r#"{"version":"1.0.0","main":"m.ts"}"#, "(top level)"),
        ];
        for (json, field) in cases {
            let err = parse(json).unwrap_err();
            let msg = err.to_string();
            assert!(msg.starts_with("manifest.json:1:"), "{msg}");
            assert!(msg.contains(&format!(" {field}: ")), "{json} -> {msg}");
        }
        let msg =
            parse(r#"{"id":"a","version":"1.0.0","main":"m.ts","resources":{"memory":"lots"}}"#)
                .unwrap_err()
                .to_string();
        assert_eq!(
            msg,
            "manifest.json:1:65: resources.memory: \"lots\" is not a size (expected e.g. \"128MB\")"
        );
        let msg = parse(r#"{"id":"a","#).unwrap_err().to_string();
        assert!(msg.contains("not valid JSON"), "{msg}");
    }
}
