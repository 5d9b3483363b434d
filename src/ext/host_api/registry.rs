//! Host APIs: functions a Rust host gives its plugins, permission-gated and typed.
//!
//! The host declares its API once, on [`RuntimeConfig::host_api`](crate::RuntimeConfig::host_api):
//! permissions (`"orders:read"`), then namespaced functions (`orders.get`), each gated by
//! one of them. A plugin whose manifest is granted the permission sees the function as
//! `qirvo.host.orders.get(...args)`, returning a promise; without it the function is not
//! listed, reading it throws `PermissionDenied` (recorded by the security monitor: issue
//! 17, `ops::HostDenials`), and the op checks the grant again in Rust.
//!
//! Arguments and results are serde types: a tuple for several arguments (`(u64, String)`),
//! `()` for none, anything else is the single argument (a struct for one object). A
//! wrong argument rejects with a `TypeError` naming the function, the argument and the
//! reason. Async functions run on the host's tokio runtime (the one `load` was awaited
//! on), off the plugin thread, inside the plugin's step deadline; sync functions run on
//! the plugin thread and suit cheap lookups.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::FutureExt;
use parking_lot::Mutex;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use schemars::{JsonSchema, SchemaGenerator};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio_util::sync::CancellationToken;

use crate::error::{ManifestError, PluginError};
use crate::manifest::{Manifest, Permission};

/// Host calls a plugin may have in flight at once unless
/// [`HostApi::max_in_flight`] says otherwise.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 64;

/// Why a host function failed. Each kind reaches the plugin as an error class it can
/// catch, with a stable `code` property:
///
/// | kind | JS class (`qirvo.errors.…`) | `code` |
/// | --- | --- | --- |
/// | `NotFound` | `NotFound` | `"NOT_FOUND"` |
/// | `PermissionDenied` | `PermissionDenied` | `"PERMISSION_DENIED"` |
/// | `InvalidArgument` | `InvalidArgument` | `"INVALID_ARGUMENT"` |
/// | `Unavailable` | `Unavailable` | `"UNAVAILABLE"` |
/// | `Custom { code, .. }` | `HostError` | `code` as given |
///
/// Every one also carries `function` (`"orders.get"`). Qirvo's own failures use the same
/// classes: a panic in a host function is a `HostError` with code `"INTERNAL"`, a call past
/// the in-flight bound an `Unavailable` with code `"TOO_MANY_CALLS"`, a call cancelled with
/// its step a `HostError` with code `"CANCELLED"`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HostError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    PermissionDenied(String),
    #[error("{0}")]
    InvalidArgument(String),
    #[error("{0}")]
    Unavailable(String),
    /// An application-specific failure; `code` should be stable (e.g. `"OUT_OF_STOCK"`).
    #[error("{message}")]
    Custom { code: String, message: String },
}

impl HostError {
    /// A [`HostError::Custom`].
    pub fn custom(code: impl Into<String>, message: impl Into<String>) -> HostError {
        HostError::Custom {
            code: code.into(),
            message: message.into(),
        }
    }

    /// The stable code the plugin sees as `err.code`.
    pub fn code(&self) -> &str {
        match self {
            HostError::NotFound(_) => "NOT_FOUND",
            HostError::PermissionDenied(_) => "PERMISSION_DENIED",
            HostError::InvalidArgument(_) => "INVALID_ARGUMENT",
            HostError::Unavailable(_) => "UNAVAILABLE",
            HostError::Custom { code, .. } => code,
        }
    }

    /// The kind, as used in the metrics' `kind` label.
    pub fn kind(&self) -> &'static str {
        match self {
            HostError::NotFound(_) => "not_found",
            HostError::PermissionDenied(_) => "permission_denied",
            HostError::InvalidArgument(_) => "invalid_argument",
            HostError::Unavailable(_) => "unavailable",
            HostError::Custom { .. } => "custom",
        }
    }

    fn class(&self) -> &'static str {
        match self {
            HostError::NotFound(_) => "NotFound",
            HostError::PermissionDenied(_) => "PermissionDenied",
            HostError::InvalidArgument(_) => "InvalidArgument",
            HostError::Unavailable(_) => "Unavailable",
            HostError::Custom { .. } => "HostError",
        }
    }
}

/// A mistake in declaring a host API (a bad name, an undeclared permission, a function
/// declared twice).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("host API: {name}: {reason}")]
pub struct HostApiError {
    /// The function or permission being declared.
    pub name: String,
    pub reason: String,
}

/// What a host function knows about the call it serves.
#[derive(Clone)]
pub struct HostCallContext {
    plugin: Arc<str>,
    function: Arc<str>,
    permissions: Arc<BTreeSet<Permission>>,
    deadline: Instant,
    cancel: CancellationToken,
}

impl HostCallContext {
    /// The calling plugin's id.
    pub fn plugin_id(&self) -> &str {
        &self.plugin
    }
    /// The function called, `"namespace.name"`.
    pub fn function(&self) -> &str {
        &self.function
    }
    /// Every permission the calling plugin was granted (built-in and host ones).
    pub fn permissions(&self) -> &BTreeSet<Permission> {
        &self.permissions
    }
    /// Whether the calling plugin was granted `permission` (e.g. `"orders:write"`).
    pub fn is_granted(&self, permission: &str) -> bool {
        self.permissions.iter().any(|p| p.as_str() == permission)
    }
    /// When the plugin's step (the call, lifecycle step or event it is running) times out.
    /// An async function still running then is dropped and [`cancellation`](Self::cancellation) fires.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }
    /// Time left before [`deadline`](Self::deadline) (zero once past).
    pub fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }
    /// Fires when the call is abandoned: the step timed out, the plugin was terminated or
    /// unloaded. The host future is dropped too; the token lets work the function handed
    /// elsewhere (a spawned task, a blocking thread) stop.
    pub fn cancellation(&self) -> &CancellationToken {
        &self.cancel
    }
    /// Whether [`cancellation`](Self::cancellation) has fired.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }
}

impl std::fmt::Debug for HostCallContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostCallContext")
            .field("plugin", &self.plugin)
            .field("function", &self.function)
            .field("deadline", &self.deadline)
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}

/// Bytes that reach JavaScript as a `Uint8Array` when returned (a plain `Vec<u8>` arrives
/// as an array of numbers). As an argument both accept a `Uint8Array` or an array of
/// numbers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Bytes(pub Vec<u8>);

pub(crate) const BYTES_TAG: &str = "$qirvo:bytes";

impl Serialize for Bytes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry(BYTES_TAG, &self.0)?;
        m.end()
    }
}

impl<'de> serde::Deserialize<'de> for Bytes {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Either {
            Plain(Vec<u8>),
            Tagged {
                #[serde(rename = "$qirvo:bytes")]
                bytes: Vec<u8>,
            },
        }
        Ok(Bytes(match Either::deserialize(d) {
            Ok(Either::Plain(b)) | Ok(Either::Tagged { bytes: b }) => b,
            Err(_) => {
                return Err(serde::de::Error::custom(
                    "expected bytes (a Uint8Array or an array of numbers 0..=255)",
                ));
            }
        }))
    }
}

impl JsonSchema for Bytes {
    fn schema_name() -> Cow<'static, str> {
        "Bytes".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "array",
            "items": { "type": "integer", "minimum": 0, "maximum": 255 },
            "x-qirvo-bytes": true
        })
    }
}

impl From<Vec<u8>> for Bytes {
    fn from(v: Vec<u8>) -> Self {
        Bytes(v)
    }
}

/// How a function's `Args` map onto the JS argument list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ArgShape {
    /// `()`: no arguments.
    None,
    /// A tuple (or a sequence): the argument list itself.
    List,
    /// Anything else: exactly one argument.
    Single,
}

/// Why a call failed before or after the host function ran, as the plugin sees it.
#[derive(Debug, Clone)]
pub(crate) enum CallFailure {
    /// A bad argument (serde's reason): a `TypeError`.
    Type(String),
    /// The host function's error.
    Host(HostError),
    /// Qirvo's own failure: class, code, message.
    Qirvo {
        class: &'static str,
        code: &'static str,
        message: String,
    },
}

impl CallFailure {
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            CallFailure::Type(_) => "type",
            CallFailure::Host(e) => e.kind(),
            CallFailure::Qirvo { code, .. } => match *code {
                "INTERNAL" => "internal",
                "CANCELLED" => "cancelled",
                "TOO_MANY_CALLS" => "too_many_calls",
                "PERMISSION_DENIED" => "permission_denied",
                _ => "other",
            },
        }
    }
    pub(crate) fn class(&self) -> &'static str {
        match self {
            CallFailure::Type(_) => "TypeError",
            CallFailure::Host(e) => e.class(),
            CallFailure::Qirvo { class, .. } => class,
        }
    }
    pub(crate) fn code(&self) -> String {
        match self {
            CallFailure::Type(_) => "INVALID_ARGUMENT".into(),
            CallFailure::Host(e) => e.code().to_string(),
            CallFailure::Qirvo { code, .. } => code.to_string(),
        }
    }
    pub(crate) fn message(&self) -> String {
        match self {
            CallFailure::Type(m) => m.clone(),
            CallFailure::Host(e) => e.to_string(),
            CallFailure::Qirvo { message, .. } => message.clone(),
        }
    }
    pub(crate) fn internal(message: String) -> CallFailure {
        CallFailure::Qirvo {
            class: "HostError",
            code: "INTERNAL",
            message,
        }
    }
}

pub(crate) type HostFuture = Pin<Box<dyn Future<Output = Result<String, CallFailure>> + Send>>;

type SyncImp = dyn Fn(&HostCallContext, &str) -> Result<String, CallFailure> + Send + Sync;
type AsyncImp = dyn Fn(HostCallContext, &str) -> Result<HostFuture, CallFailure> + Send + Sync;

pub(crate) enum Imp {
    Sync(Box<SyncImp>),
    Async(Box<AsyncImp>),
}

/// One declared function.
pub(crate) struct HostFunction {
    pub name: Arc<str>,
    pub permission: Permission,
    pub imp: Imp,
    /// Whether the result may hold [`Bytes`] (the JS side then revives them).
    pub ret_bytes: bool,
    shape: ArgShape,
    args_schema: serde_json::Value,
    ret_schema: serde_json::Value,
}

/// Per plugin and function: calls, errors by kind, latency.
#[derive(Default)]
pub(crate) struct FnStats {
    pub calls: std::sync::atomic::AtomicU64,
    pub errors: Mutex<BTreeMap<&'static str, u64>>,
}

/// A plugin's handles on one function's series (made on its first call).
#[derive(Clone)]
pub(crate) struct FnMetrics {
    pub stats: Arc<FnStats>,
    pub latency: Histogram,
}

type Labels = Vec<(String, String)>;

/// The host-call series of a runtime.
pub(crate) struct HostSeries {
    stats: Mutex<BTreeMap<(String, String), Arc<FnStats>>>,
    latency: Family<Labels, Histogram, fn() -> Histogram>,
}

fn host_latency_histogram() -> Histogram {
    // 1 µs .. ~4 s.
    Histogram::new(prometheus_client::metrics::histogram::exponential_buckets(
        0.000001, 4.0, 12,
    ))
}

impl Default for HostSeries {
    fn default() -> Self {
        HostSeries {
            stats: Mutex::default(),
            latency: Family::new_with_constructor(host_latency_histogram),
        }
    }
}

impl HostSeries {
    /// Adds `host_calls`, `host_call_errors` (by `kind`) and
    /// `host_call_duration_seconds`, labelled `plugin` and `function`.
    pub(crate) fn register(&self, reg: &mut prometheus_client::registry::Registry) {
        use prometheus_client::metrics::counter::Counter;
        let calls: Family<Labels, Counter<f64, std::sync::atomic::AtomicU64>> = Family::default();
        let errors: Family<Labels, Counter<f64, std::sync::atomic::AtomicU64>> = Family::default();
        for ((plugin, function), s) in self.stats.lock().iter() {
            let labels = vec![
                ("plugin".to_string(), plugin.clone()),
                ("function".to_string(), function.clone()),
            ];
            calls
                .get_or_create(&labels)
                .inc_by(s.calls.load(std::sync::atomic::Ordering::Relaxed) as f64);
            for (kind, n) in s.errors.lock().iter() {
                let mut l = labels.clone();
                l.push(("kind".to_string(), kind.to_string()));
                errors.get_or_create(&l).inc_by(*n as f64);
            }
        }
        reg.register(
            "host_calls",
            "Calls of the host's functions by plugins",
            calls,
        );
        reg.register(
            "host_call_errors",
            "Failed host function calls by kind",
            errors,
        );
        reg.register(
            "host_call_duration_seconds",
            "Host function call latency, from the plugin's op to its result",
            self.latency.clone(),
        );
    }

    pub(crate) fn for_call(&self, plugin: &str, function: &str) -> FnMetrics {
        let stats = self
            .stats
            .lock()
            .entry((plugin.to_string(), function.to_string()))
            .or_default()
            .clone();
        let latency = self
            .latency
            .get_or_create(&vec![
                ("plugin".to_string(), plugin.to_string()),
                ("function".to_string(), function.to_string()),
            ])
            .clone();
        FnMetrics { stats, latency }
    }
}

/// One host function's figures for one plugin ([`HostApi::metrics`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostCallMetrics {
    pub plugin: String,
    pub function: String,
    pub calls: u64,
    /// Failures by kind: `not_found`, `permission_denied`, `invalid_argument`,
    /// `unavailable`, `custom`, `type` (a bad argument), `internal` (a panic),
    /// `cancelled`, `too_many_calls`.
    pub errors: BTreeMap<String, u64>,
}

#[derive(Clone)]
struct Registry {
    permissions: BTreeMap<String, String>,
    functions: Vec<Arc<HostFunction>>,
    defs: serde_json::Map<String, serde_json::Value>,
    max_in_flight: usize,
}

impl Default for Registry {
    fn default() -> Self {
        Registry {
            permissions: BTreeMap::new(),
            functions: Vec::new(),
            defs: serde_json::Map::new(),
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
        }
    }
}

/// The API a host gives its plugins: permissions, then functions gated by them. Set it
/// on [`RuntimeConfig::host_api`](crate::RuntimeConfig::host_api). Cheap to clone.
///
/// ```
/// use qirvo::{HostApi, HostCallContext, HostError};
///
/// # fn main() -> Result<(), qirvo::HostApiError> {
/// let mut api = HostApi::new();
/// api.permission("orders:read", "Read orders")?
///     .func("orders.count", "orders:read", |_ctx: &HostCallContext, (): ()| Ok(3u32))?
///     .func_async("orders.get", "orders:read", |_ctx: HostCallContext, (id,): (u64,)| async move {
///         if id == 1 { Ok(format!("order {id}")) } else { Err(HostError::NotFound(format!("no order {id}"))) }
///     })?;
/// # Ok(()) }
/// ```
#[derive(Clone, Default)]
pub struct HostApi {
    reg: Arc<Registry>,
    series: Arc<HostSeries>,
    /// Where async functions run (the runtime `load` was awaited on).
    handle: Option<tokio::runtime::Handle>,
}

impl std::fmt::Debug for HostApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostApi")
            .field(
                "permissions",
                &self.reg.permissions.keys().collect::<Vec<_>>(),
            )
            .field(
                "functions",
                &self
                    .reg
                    .functions
                    .iter()
                    .map(|f| &f.name)
                    .collect::<Vec<_>>(),
            )
            .field("max_in_flight", &self.reg.max_in_flight)
            .finish()
    }
}

fn valid_ident(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && (b[0].is_ascii_alphabetic() || b[0] == b'_')
        && b.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'_')
}

/// Whether a JSON Schema (with its definitions) describes [`Bytes`] anywhere.
fn mentions_bytes(
    schema: &serde_json::Value,
    defs: &serde_json::Map<String, serde_json::Value>,
) -> bool {
    fn walk(
        v: &serde_json::Value,
        defs: &serde_json::Map<String, serde_json::Value>,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        match v {
            serde_json::Value::Object(m) => {
                if m.get("x-qirvo-bytes") == Some(&serde_json::Value::Bool(true)) {
                    return true;
                }
                if let Some(serde_json::Value::String(r)) = m.get("$ref")
                    && let Some(name) = r.strip_prefix("#/$defs/")
                    && seen.insert(name.to_string())
                    && let Some(d) = defs.get(name)
                    && walk(d, defs, seen)
                {
                    return true;
                }
                m.values().any(|x| walk(x, defs, seen))
            }
            serde_json::Value::Array(a) => a.iter().any(|x| walk(x, defs, seen)),
            _ => false,
        }
    }
    walk(schema, defs, &mut BTreeSet::new())
}

impl HostApi {
    /// An empty API (what plugins see when the host declares nothing).
    pub fn new() -> HostApi {
        HostApi::default()
    }

    /// Declares a permission plugins can ask for in their manifest's `permissions`.
    /// `name` is `namespace:verb` (`"orders:read"`); `description` goes into the generated
    /// TypeScript. Declaring a name again replaces its description.
    ///
    /// # Errors
    /// When `name` is not shaped `namespace:verb`.
    pub fn permission(&mut self, name: &str, description: &str) -> Result<&mut Self, HostApiError> {
        Permission::host(name).map_err(|reason| HostApiError {
            name: name.to_string(),
            reason,
        })?;
        Arc::make_mut(&mut self.reg)
            .permissions
            .insert(name.to_string(), description.to_string());
        Ok(self)
    }

    /// Host calls one plugin may have in flight at once; a call past it rejects at once with
    /// `Unavailable` (code `"TOO_MANY_CALLS"`). Default [`DEFAULT_MAX_IN_FLIGHT`] (64);
    /// at least 1.
    pub fn max_in_flight(&mut self, n: usize) -> &mut Self {
        Arc::make_mut(&mut self.reg).max_in_flight = n.max(1);
        self
    }

    /// Declares a synchronous function, run on the plugin's thread: for cheap lookups (it
    /// holds up the plugin while it runs, and cannot be cancelled).
    ///
    /// `name` is `namespace.function` (JS identifiers, at most 64 characters each);
    /// `permission` must have been declared with [`permission`](Self::permission).
    ///
    /// # Errors
    /// A bad name, an undeclared permission, or a name declared before.
    pub fn func<A, R, F>(
        &mut self,
        name: &str,
        permission: &str,
        f: F,
    ) -> Result<&mut Self, HostApiError>
    where
        A: DeserializeOwned + JsonSchema + 'static,
        R: Serialize + JsonSchema + 'static,
        F: Fn(&HostCallContext, A) -> Result<R, HostError> + Send + Sync + 'static,
    {
        let (shape, label) = self.check::<A>(name, permission)?;
        let imp: Box<SyncImp> = Box::new(move |ctx, args| {
            let a = parse_args::<A>(&label, shape, args)?;
            match std::panic::catch_unwind(AssertUnwindSafe(|| f(ctx, a))) {
                Ok(Ok(r)) => encode_result(&label, &r),
                Ok(Err(e)) => Err(CallFailure::Host(e)),
                Err(panic) => Err(panicked(&label, ctx.plugin_id(), panic)),
            }
        });
        self.add::<A, R>(name, permission, shape, Imp::Sync(imp));
        Ok(self)
    }

    /// Declares an asynchronous function: its future runs on the host's tokio runtime (the
    /// one `PluginRuntime::load` was awaited on), off the plugin thread, inside the
    /// plugin's step deadline. When the step times out or the plugin is terminated or
    /// unloaded, the future is dropped and the context's cancellation fires.
    ///
    /// Names and errors as for [`func`](Self::func).
    pub fn func_async<A, R, F, Fut>(
        &mut self,
        name: &str,
        permission: &str,
        f: F,
    ) -> Result<&mut Self, HostApiError>
    where
        A: DeserializeOwned + JsonSchema + 'static,
        R: Serialize + JsonSchema + 'static,
        F: Fn(HostCallContext, A) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<R, HostError>> + Send + 'static,
    {
        let (shape, label) = self.check::<A>(name, permission)?;
        let imp: Box<AsyncImp> = Box::new(move |ctx, args| {
            let a = parse_args::<A>(&label, shape, args)?;
            let plugin = ctx.plugin.clone();
            // Calling `f` may itself panic before it returns its future.
            let fut = std::panic::catch_unwind(AssertUnwindSafe(|| f(ctx, a)))
                .map_err(|panic| panicked(&label, &plugin, panic))?;
            let label = label.clone();
            Ok(Box::pin(async move {
                match AssertUnwindSafe(fut).catch_unwind().await {
                    Ok(Ok(r)) => encode_result(&label, &r),
                    Ok(Err(e)) => Err(CallFailure::Host(e)),
                    Err(panic) => Err(panicked(&label, &plugin, panic)),
                }
            }) as HostFuture)
        });
        self.add::<A, R>(name, permission, shape, Imp::Async(imp));
        Ok(self)
    }

    fn check<A: JsonSchema>(
        &self,
        name: &str,
        permission: &str,
    ) -> Result<(ArgShape, Arc<str>), HostApiError> {
        let fail = |reason: String| HostApiError {
            name: name.to_string(),
            reason,
        };
        match name.split_once('.') {
            Some((ns, f)) if valid_ident(ns) && valid_ident(f) => {}
            _ => {
                return Err(fail(
                    "not a function name (expected \"namespace.function\", each a JS identifier of at most 64 characters)".into(),
                ));
            }
        }
        if !self.reg.permissions.contains_key(permission) {
            return Err(fail(format!(
                "permission {permission:?} is not declared (declare it first with HostApi::permission)"
            )));
        }
        if self.reg.functions.iter().any(|f| &*f.name == name) {
            return Err(fail("declared twice".into()));
        }
        let schema = serde_json::to_value(A::json_schema(&mut SchemaGenerator::default()))
            .unwrap_or_default();
        let ty = schema.get("type").and_then(|t| t.as_str());
        let shape = match ty {
            Some("null") => ArgShape::None,
            Some("array") => ArgShape::List,
            _ => ArgShape::Single,
        };
        Ok((shape, Arc::from(name)))
    }

    fn add<A: JsonSchema, R: JsonSchema>(
        &mut self,
        name: &str,
        permission: &str,
        shape: ArgShape,
        imp: Imp,
    ) {
        let mut generator = schemars::generate::SchemaSettings::draft2020_12().into_generator();
        let args_schema = serde_json::to_value(generator.subschema_for::<A>()).unwrap_or_default();
        let ret_schema = serde_json::to_value(generator.subschema_for::<R>()).unwrap_or_default();
        let defs: serde_json::Map<String, serde_json::Value> =
            generator.take_definitions(true).into_iter().collect();
        let reg = Arc::make_mut(&mut self.reg);
        for (k, v) in defs {
            reg.defs.entry(k).or_insert(v);
        }
        let ret_bytes = mentions_bytes(&ret_schema, &reg.defs);
        reg.functions.push(Arc::new(HostFunction {
            name: Arc::from(name),
            permission: Permission::Host(permission.to_string()),
            imp,
            ret_bytes,
            shape,
            args_schema,
            ret_schema,
        }));
    }

    /// The declared permissions, by name, with their descriptions.
    pub fn permissions(&self) -> impl Iterator<Item = (&str, &str)> {
        self.reg
            .permissions
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The declared functions' names (`"namespace.function"`), in declaration order.
    pub fn functions(&self) -> impl Iterator<Item = &str> {
        self.reg.functions.iter().map(|f| &*f.name)
    }

    /// Whether nothing is declared.
    pub fn is_empty(&self) -> bool {
        self.reg.permissions.is_empty() && self.reg.functions.is_empty()
    }

    /// Calls, errors by kind, per plugin and function, since the runtime started.
    pub fn metrics(&self) -> Vec<HostCallMetrics> {
        self.series
            .stats
            .lock()
            .iter()
            .map(|((plugin, function), s)| HostCallMetrics {
                plugin: plugin.clone(),
                function: function.clone(),
                calls: s.calls.load(std::sync::atomic::Ordering::Relaxed),
                errors: s
                    .errors
                    .lock()
                    .iter()
                    .map(|(k, v)| (k.to_string(), *v))
                    .collect(),
            })
            .collect()
    }

    /// TypeScript declarations of this API for plugin authors (next to `qirvo.d.ts`): the
    /// types of every argument and result, and `qirvo.host.<namespace>.<function>` typed
    /// by augmenting the `QirvoHostApi` interface `qirvo.d.ts` declares. Generated from
    /// the Rust types' JSON Schemas.
    pub fn typescript(&self) -> String {
        crate::ext::host_api::typescript::render(
            &self.reg.permissions,
            self.reg
                .functions
                .iter()
                .map(|f| crate::ext::host_api::typescript::Fn {
                    name: &f.name,
                    permission: f.permission.as_str(),
                    list: match f.shape {
                        ArgShape::None => None,
                        ArgShape::List => Some(true),
                        ArgShape::Single => Some(false),
                    },
                    args: &f.args_schema,
                    ret: &f.ret_schema,
                }),
            &self.reg.defs,
        )
    }

    pub(crate) fn on_runtime(&self, handle: Option<tokio::runtime::Handle>) -> HostApi {
        HostApi {
            handle,
            ..self.clone()
        }
    }

    pub(crate) fn handle(&self) -> Option<tokio::runtime::Handle> {
        self.handle.clone()
    }

    pub(crate) fn series(&self) -> &Arc<HostSeries> {
        &self.series
    }

    pub(crate) fn max_in_flight_calls(&self) -> usize {
        self.reg.max_in_flight
    }

    pub(crate) fn function_at(&self, index: usize) -> Option<&Arc<HostFunction>> {
        self.reg.functions.get(index)
    }

    /// The functions `granted` covers, with their indices (what `bind` hands the plugin).
    pub(crate) fn granted_functions(
        &self,
        granted: &BTreeSet<Permission>,
    ) -> Vec<(usize, Arc<HostFunction>)> {
        self.reg
            .functions
            .iter()
            .enumerate()
            .filter(|(_, f)| granted.contains(&f.permission))
            .map(|(i, f)| (i, f.clone()))
            .collect()
    }

    /// Refuses a manifest asking for a host permission this API does not declare. In test
    /// mode (`qirvo test`), undeclared ones are let through: the tests stub them.
    pub(crate) fn check_manifest(
        &self,
        manifest: &Manifest,
        file: &std::path::Path,
        test_mode: bool,
    ) -> Result<(), ManifestError> {
        if test_mode {
            return Ok(());
        }
        for p in &manifest.permissions {
            if p.is_host() && !self.reg.permissions.contains_key(p.as_str()) {
                let mut known: Vec<&str> = Permission::ALL.iter().map(|p| p.as_str()).collect();
                known.extend(self.reg.permissions.keys().map(|k| k.as_str()));
                return Err(ManifestError::Invalid {
                    file: file.to_path_buf(),
                    at: None,
                    field: "permissions".to_string(),
                    reason: format!(
                        "{:?} is not a known permission (known: {})",
                        p.as_str(),
                        known.join(", ")
                    ),
                });
            }
        }
        Ok(())
    }
}

impl HostCallContext {
    pub(crate) fn new(
        plugin: Arc<str>,
        function: Arc<str>,
        permissions: Arc<BTreeSet<Permission>>,
        deadline: Instant,
        cancel: CancellationToken,
    ) -> HostCallContext {
        HostCallContext {
            plugin,
            function,
            permissions,
            deadline,
            cancel,
        }
    }
}

fn parse_args<A: DeserializeOwned>(
    label: &str,
    shape: ArgShape,
    args: &str,
) -> Result<A, CallFailure> {
    let bad = |reason: String| CallFailure::Type(format!("{label}: {reason}"));
    match shape {
        ArgShape::None => {
            let list: Vec<serde::de::IgnoredAny> =
                serde_json::from_str(args).map_err(|e| bad(strip_position(&e.to_string())))?;
            if !list.is_empty() {
                return Err(bad(format!("takes no arguments, got {}", list.len())));
            }
            serde_json::from_str("null").map_err(|e| bad(e.to_string()))
        }
        ArgShape::List => deserialize(args).map_err(|(path, reason)| {
            bad(match path {
                Some(p) => format!("{p}: {reason}"),
                None => format!("arguments: {reason}"),
            })
        }),
        ArgShape::Single => {
            let (a,): (A,) = deserialize(args).map_err(|(path, reason)| {
                bad(match path {
                    Some(p) => format!("{p}: {reason}"),
                    None if reason.starts_with("invalid length") => {
                        "takes exactly 1 argument".to_string()
                    }
                    None => format!("arguments: {reason}"),
                })
            })?;
            Ok(a)
        }
    }
}

/// Deserializes the JSON argument list; an error carries `argument N[: field path]`.
fn deserialize<T: DeserializeOwned>(args: &str) -> Result<T, (Option<String>, String)> {
    let de = &mut serde_json::Deserializer::from_str(args);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let segments: Vec<String> = e
            .path()
            .iter()
            .map(|s| match s {
                serde_path_to_error::Segment::Seq { index } => index.to_string(),
                serde_path_to_error::Segment::Map { key } => key.clone(),
                serde_path_to_error::Segment::Enum { variant } => variant.clone(),
                serde_path_to_error::Segment::Unknown => "?".into(),
            })
            .collect();
        let mut reason = strip_position(&e.into_inner().to_string());
        // The text is JSON.stringify's, so a bad escape can only be a lone surrogate, which
        // is refused rather than replaced (it would name something else).
        if reason.contains("hex escape") || reason.contains("surrogate") {
            reason = "a string holds a lone surrogate (not well-formed Unicode)".into();
        }
        match segments.split_first() {
            Some((first, rest)) => {
                let n = first
                    .parse::<usize>()
                    .map(|i| i.saturating_add(1))
                    .unwrap_or(0);
                let mut p = format!("argument {n}");
                if !rest.is_empty() {
                    p.push_str(": ");
                    p.push_str(&rest.join("."));
                }
                (Some(p), reason)
            }
            None => (None, reason),
        }
    })
}

/// serde_json's " at line 1 column 12" says nothing to a plugin author.
fn strip_position(s: &str) -> String {
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s.to_string(),
    }
}

fn encode_result<R: Serialize>(label: &str, r: &R) -> Result<String, CallFailure> {
    serde_json::to_string(r).map_err(|e| {
        CallFailure::internal(format!("{label}: the host's result is not JSON data: {e}"))
    })
}

fn panicked(label: &str, plugin: &str, panic: Box<dyn std::any::Any + Send>) -> CallFailure {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".into());
    tracing::error!(target: "qirvo::host_api", plugin, function = label, panic = %what, "host function panicked");
    CallFailure::internal(format!(
        "{label}: the host function failed (internal error)"
    ))
}

// ---------------------------------------------------------------------------------------
// Re-entry: a host function calling back into the plugin that called it.

tokio::task_local! {
    /// The plugin whose host call the current task serves, and the function.
    static SERVING: (Arc<str>, Arc<str>);
}

/// Runs `fut` marked as serving `plugin`'s call of `function`.
pub(crate) fn serving<F: Future>(
    plugin: Arc<str>,
    function: Arc<str>,
    fut: F,
) -> impl Future<Output = F::Output> {
    SERVING.scope((plugin, function), fut)
}

/// The function being served, when the current task serves a host call of `plugin`.
pub(crate) fn reentered(plugin: &str) -> Option<String> {
    SERVING
        .try_with(|(p, f)| (&**p == plugin).then(|| f.to_string()))
        .ok()
        .flatten()
}

/// The error for a plugin called from inside its own host call.
pub(crate) fn reentry_error(id: &str, name: &str, function: String) -> PluginError {
    PluginError::Reentered {
        id: id.to_string(),
        name: name.to_string(),
        function,
    }
}
