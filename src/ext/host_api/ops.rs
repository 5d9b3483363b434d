//! `qirvo.host`: the host application's own functions (`HostApi`), registered only for a
//! plugin granted at least one host permission. Every call checks the grant again here.
//!
//! A sync function runs right here on the plugin thread. An async one is deserialized here
//! (so a bad argument is a `TypeError` at once), then its future is spawned on the host's
//! tokio runtime under the step's deadline and the plugin's cancellation token; this op's
//! future only waits for it. The token is replaced when a step is interrupted
//! ([`cancel_in_flight`]), and a drop guard cancels a call whose op future goes away with
//! the isolate.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use deno_core::{OpState, op2};
use deno_error::{AdditionalProperties, JsErrorClass, PropertyValue};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::ext::host_api::registry::{
    CallFailure, FnMetrics, HostApi, HostCallContext, HostFunction, Imp,
};
use crate::manifest::{Manifest, Permission};

/// One plugin's view of the host API.
pub(crate) struct HostApiState {
    pub api: HostApi,
    pub plugin: Arc<str>,
    pub permissions: Arc<BTreeSet<Permission>>,
    /// By function index: whether this plugin may call it.
    pub granted: Vec<bool>,
    /// By function index: its series for this plugin (made on first call).
    pub metrics: RefCell<Vec<Option<FnMetrics>>>,
    pub in_flight: Rc<Cell<usize>>,
    /// How an async call waits for its reply on the plugin thread (PERF, issue 20).
    pub reply_wait: Rc<crate::wait::Adaptive>,
    /// Parent of every call's token; cancelled and replaced when a step is interrupted.
    pub cancel: RefCell<CancellationToken>,
    pub manifest: Arc<Manifest>,
    /// The running step's deadline (its watchdog target's), when one is armed.
    pub step_deadline: StepDeadline,
    /// The host's runtime (where `load` ran); `None` runs async functions on the plugin
    /// thread's own runtime.
    pub handle: Option<tokio::runtime::Handle>,
    /// Most bytes of JSON an argument list or a result may take (a quarter of the heap,
    /// like call arguments).
    pub limit: usize,
}

/// Reads the running step's deadline; given by the plugin's thread, which owns the
/// watchdog target.
pub(crate) type StepDeadline = Arc<dyn Fn() -> Option<Instant> + Send + Sync>;

impl HostApiState {
    pub(crate) fn new(
        api: HostApi,
        manifest: Arc<Manifest>,
        step_deadline: StepDeadline,
    ) -> Option<HostApiState> {
        if manifest.host_permissions().next().is_none() {
            return None;
        }
        let permissions = Arc::new(manifest.permissions.clone());
        let granted = api
            .functions()
            .enumerate()
            .map(|(i, _)| {
                api.function_at(i)
                    .is_some_and(|f| permissions.contains(&f.permission))
            })
            .collect::<Vec<_>>();
        let n = granted.len();
        Some(HostApiState {
            plugin: Arc::from(manifest.id.as_str()),
            permissions,
            granted,
            metrics: RefCell::new(vec![None; n]),
            in_flight: Rc::default(),
            reply_wait: Rc::new(crate::wait::Adaptive::new(ASYNC_SPIN)),
            cancel: RefCell::new(CancellationToken::new()),
            limit: usize::try_from(manifest.resources.memory.bytes() / 4).unwrap_or(usize::MAX),
            handle: api.handle(),
            manifest,
            step_deadline,
            api,
        })
    }

    /// What `bind` tells the bootstrap about the functions this plugin may call.
    pub(crate) fn info(&self) -> Vec<crate::ext::host::HostFnInfo> {
        self.api
            .granted_functions(&self.permissions)
            .into_iter()
            .map(|(index, f)| crate::ext::host::HostFnInfo {
                index,
                name: f.name.to_string(),
                is_async: matches!(f.imp, Imp::Async(_)),
                bytes: f.ret_bytes,
            })
            .collect()
    }

    fn metrics_for(&self, index: usize, f: &HostFunction) -> Option<FnMetrics> {
        let mut m = self.metrics.borrow_mut();
        let slot = m.get_mut(index)?;
        Some(
            slot.get_or_insert_with(|| self.api.series().for_call(&self.plugin, &f.name))
                .clone(),
        )
    }

    fn deadline(&self) -> Instant {
        (self.step_deadline)().unwrap_or_else(|| Instant::now() + self.manifest.resources.timeout)
    }
}

/// Cancels the host calls the interrupted step was waiting on (their futures are dropped,
/// their contexts' cancellation fires); later calls get a fresh token.
pub(crate) fn cancel_in_flight(state: &OpState) {
    if let Some(h) = state.try_borrow::<HostApiState>() {
        let old = std::mem::replace(&mut *h.cancel.borrow_mut(), CancellationToken::new());
        old.cancel();
    }
}

/// A failed host call as the plugin sees it: the kind's class, with `code` and `function`.
#[derive(Debug)]
pub(crate) struct HostCallError {
    failure: CallFailure,
    function: String,
}

impl std::fmt::Display for HostCallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.failure.message())
    }
}

impl std::error::Error for HostCallError {}

impl JsErrorClass for HostCallError {
    fn get_class(&self) -> std::borrow::Cow<'static, str> {
        self.failure.class().into()
    }
    fn get_message(&self) -> std::borrow::Cow<'static, str> {
        self.failure.message().into()
    }
    fn get_additional_properties(&self) -> AdditionalProperties {
        Box::new(
            [
                (
                    "code".into(),
                    PropertyValue::String(self.failure.code().into()),
                ),
                (
                    "function".into(),
                    PropertyValue::String(self.function.clone().into()),
                ),
            ]
            .into_iter(),
        )
    }
    fn get_ref(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }
}

fn denied(function: &str, message: String) -> HostCallError {
    HostCallError {
        failure: CallFailure::Qirvo {
            class: "PermissionDenied",
            code: "PERMISSION_DENIED",
            message,
        },
        function: function.to_string(),
    }
}

/// The refusal of a function the plugin's manifest does not grant.
fn not_granted(function: &str, permission: &str) -> HostCallError {
    denied(
        function,
        format!(
            "{function}: not granted (the plugin's manifest does not ask for the \"{permission}\" permission)"
        ),
    )
}

/// SECURITY (issue 17): records a refused call as a `permission_denied` event (capability
/// `host`, rule `grant`, the function as the operation).
fn report_denial(state: &OpState, e: &HostCallError) {
    if let CallFailure::Qirvo {
        class: "PermissionDenied",
        ..
    } = &e.failure
        && let Some(r) = state.try_borrow::<crate::security::Reporter>()
    {
        r.denied(
            crate::security::Capability::Host,
            "grant",
            &e.function,
            "",
            &e.to_string(),
        );
    }
}

/// The function `index`, if this plugin is granted it: the Rust side of the boundary (the
/// bootstrap only exposes granted functions, but this is what refuses the others).
fn check_grant<'a>(
    api: &'a HostApi,
    granted: &[bool],
    index: u32,
) -> Result<&'a Arc<HostFunction>, HostCallError> {
    let i = index as usize;
    let Some(f) = api.function_at(i) else {
        return Err(denied("?", format!("there is no host function #{index}")));
    };
    if !granted.get(i).copied().unwrap_or(false) {
        return Err(not_granted(&f.name, &f.permission.to_string()));
    }
    Ok(f)
}

/// The checks every call makes before the function runs.
fn begin(
    hs: &HostApiState,
    index: u32,
    args_len: usize,
    is_async: bool,
) -> Result<(Arc<HostFunction>, HostCallContext, Option<FnMetrics>), HostCallError> {
    let i = index as usize;
    let f = check_grant(&hs.api, &hs.granted, index)?;
    let metrics = hs.metrics_for(i, f);
    if args_len > hs.limit {
        let e = HostCallError {
            failure: CallFailure::Qirvo {
                class: "RangeError",
                code: "TOO_LARGE",
                message: format!(
                    "{}: the arguments are {} bytes of JSON, more than this plugin's limit of {} (a quarter of its heap)",
                    f.name, args_len, hs.limit
                ),
            },
            function: f.name.to_string(),
        };
        record(&metrics, Instant::now(), Err(&e.failure));
        return Err(e);
    }
    let ctx = HostCallContext::new(
        hs.plugin.clone(),
        f.name.clone(),
        hs.permissions.clone(),
        hs.deadline(),
        // An async call gets a token of its own (its deadline cancels it alone); a sync one
        // cannot be cancelled while it runs, so the plugin's token is enough (no allocation).
        if is_async {
            hs.cancel.borrow().child_token()
        } else {
            hs.cancel.borrow().clone()
        },
    );
    Ok((f.clone(), ctx, metrics))
}

fn record(metrics: &Option<FnMetrics>, started: Instant, outcome: Result<(), &CallFailure>) {
    if let Some(m) = metrics {
        m.stats.calls.fetch_add(1, Ordering::Relaxed);
        m.latency.observe(started.elapsed().as_secs_f64());
        if let Err(e) = outcome {
            *m.stats.errors.lock().entry(e.kind()).or_default() += 1;
        }
    }
}

fn finish(
    f: &HostFunction,
    limit: usize,
    metrics: &Option<FnMetrics>,
    started: Instant,
    result: Result<String, CallFailure>,
) -> Result<String, HostCallError> {
    let result = result.and_then(|r| {
        if r.len() > limit {
            Err(CallFailure::Qirvo {
                class: "RangeError",
                code: "TOO_LARGE",
                message: format!(
                    "{}: the result is {} bytes of JSON, more than this plugin's limit of {} (a quarter of its heap)",
                    f.name,
                    r.len(),
                    limit
                ),
            })
        } else {
            Ok(r)
        }
    });
    record(metrics, started, result.as_ref().map(|_| ()));
    result.map_err(|failure| HostCallError {
        failure,
        function: f.name.to_string(),
    })
}

/// Calls host function `index` with a JSON argument list, on this thread; returns its
/// result as JSON. For sync functions (an async one is refused: the bootstrap picks the op).
#[op2]
#[string]
pub(crate) fn op_qirvo_host_call(
    state: &mut OpState,
    #[smi] index: u32,
    #[string] args: &str,
) -> Result<String, HostCallError> {
    let started = Instant::now();
    let hs = state
        .try_borrow::<HostApiState>()
        .ok_or_else(|| denied("?", "no host functions are granted to this plugin".into()))?;
    let (f, ctx, metrics) =
        begin(hs, index, args.len(), false).inspect_err(|e| report_denial(state, e))?;
    let Imp::Sync(imp) = &f.imp else {
        return Err(denied(&f.name, format!("{} is asynchronous", f.name)));
    };
    let span = tracing::debug_span!(target: "qirvo::host_api", "host_call", plugin = %hs.plugin, function = %f.name);
    let _entered = span.enter();
    let result = imp(&ctx, args);
    finish(&f, hs.limit, &metrics, started, result)
}

/// Decrements the in-flight count when a call ends, however it ends.
struct Slot(Rc<Cell<usize>>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.set(self.0.get().saturating_sub(1));
    }
}

/// Calls async host function `index`: checks and deserializes here, runs the future on the
/// host's runtime under the step's deadline and cancellation.
#[op2]
#[string]
pub(crate) async fn op_qirvo_host_call_async(
    state: Rc<RefCell<OpState>>,
    #[smi] index: u32,
    #[string] args: String,
) -> Result<String, HostCallError> {
    let started = Instant::now();
    let (f, ctx, metrics, handle, limit, slot, fut, last_us, alone) = {
        let st = state.borrow();
        let hs = st
            .try_borrow::<HostApiState>()
            .ok_or_else(|| denied("?", "no host functions are granted to this plugin".into()))?;
        let (f, ctx, metrics) =
            begin(hs, index, args.len(), true).inspect_err(|e| report_denial(&st, e))?;
        let max = hs.api.max_in_flight_calls();
        if hs.in_flight.get() >= max {
            let failure = CallFailure::Qirvo {
                class: "Unavailable",
                code: "TOO_MANY_CALLS",
                message: format!(
                    "{}: this plugin already has {max} host calls in flight (the limit)",
                    f.name
                ),
            };
            record(&metrics, started, Err(&failure));
            return Err(HostCallError {
                failure,
                function: f.name.to_string(),
            });
        }
        let fut = match &f.imp {
            Imp::Async(imp) => imp(ctx.clone(), &args),
            Imp::Sync(imp) => imp(&ctx, &args).map(|r| {
                Box::pin(std::future::ready(Ok(r))) as crate::ext::host_api::registry::HostFuture
            }),
        };
        hs.in_flight.set(hs.in_flight.get().saturating_add(1));
        let slot = Slot(hs.in_flight.clone());
        let alone = hs.in_flight.get() == 1;
        let last_us = hs.reply_wait.clone();
        (
            f,
            ctx,
            metrics,
            hs.handle.clone(),
            hs.limit,
            slot,
            fut,
            last_us,
            alone,
        )
    };
    drop(args);
    let fut = match fut {
        Ok(fut) => fut,
        Err(failure) => return finish(&f, limit, &metrics, started, Err(failure)),
    };
    let token = ctx.cancellation().clone();
    // This op's future dropped (the isolate went): the host's future is cancelled too.
    let guard = token.clone().drop_guard();
    let deadline = tokio::time::Instant::from_std(ctx.deadline());
    let name = f.name.clone();
    let task = async move {
        tokio::select! {
            biased;
            _ = token.cancelled() => Err(CallFailure::Qirvo {
                class: "HostError",
                code: "CANCELLED",
                message: format!("{name}: cancelled with the plugin's step"),
            }),
            r = tokio::time::timeout_at(deadline, fut) => match r {
                Ok(r) => r,
                Err(_) => {
                    token.cancel();
                    Err(CallFailure::Qirvo {
                        class: "HostError",
                        code: "CANCELLED",
                        message: format!("{name}: cancelled at the plugin's step deadline"),
                    })
                }
            },
        }
    };
    let span = tracing::debug_span!(target: "qirvo::host_api", "host_call", plugin = %ctx.plugin_id(), function = %f.name);
    let task =
        crate::ext::host_api::registry::serving(Arc::from(ctx.plugin_id()), f.name.clone(), task)
            .instrument(span);
    let result = match handle {
        Some(h) => {
            let join = h.spawn(task);
            // The only call in flight, and calls have been coming back quickly: wait for
            // the reply here briefly (this is the op's first poll, so a reply within the
            // spin resolves the promise at once) instead of parking the plugin thread and
            // paying a wake-up for it.
            if alone {
                last_us.spin(|| join.is_finished().then_some(()));
            }
            let r = join.await;
            last_us.record(started.elapsed());
            match r {
                Ok(r) => r,
                Err(e) => Err(CallFailure::internal(format!(
                    "{}: the host call did not finish: {e}",
                    f.name
                ))),
            }
        }
        None => task.await,
    };
    guard.disarm();
    drop(slot);
    finish(&f, limit, &metrics, started, result)
}

/// How long an async host call waits on the plugin thread for a quick reply before parking, at
/// most (`crate::wait` decides whether it spins at all).
const ASYNC_SPIN: std::time::Duration = std::time::Duration::from_micros(40);

/// SECURITY (issue 17): the host functions a plugin was not granted, by name, so that
/// `qirvo.host` can answer a read of one (a `permission_denied` event, then
/// `qirvo.errors.PermissionDenied`) while names the host never registered stay absent.
/// Put in every plugin's op state when it is bound (granted a host permission or not).
#[derive(Default)]
pub(crate) struct HostDenials {
    /// `"namespace.function"` → the permission it needs.
    functions: HashMap<String, String>,
    /// Namespaces in which the plugin is granted nothing (`qirvo.host` holds no object for
    /// them, but a read of one gives a namespace whose functions answer as above).
    namespaces: HashSet<String>,
}

impl HostDenials {
    pub(crate) fn new(api: &HostApi, manifest: &Manifest) -> HostDenials {
        let mut d = HostDenials::default();
        let mut granted_ns = HashSet::new();
        for i in 0..api.functions().count() {
            let Some(f) = api.function_at(i) else {
                continue;
            };
            let ns = f.name.split_once('.').map_or(&*f.name, |(ns, _)| ns);
            if manifest.permissions.contains(&f.permission) {
                granted_ns.insert(ns.to_string());
            } else {
                d.functions
                    .insert(f.name.to_string(), f.permission.to_string());
                d.namespaces.insert(ns.to_string());
            }
        }
        d.namespaces.retain(|ns| !granted_ns.contains(ns));
        d
    }
}

/// `qirvo.host`'s answer for a name it does not hold. With `function` false: whether
/// `namespace` is a namespace of functions the plugin was not granted. With `function`
/// true: refuses `namespace.name` with `PermissionDenied` (and records the attempt) when
/// it is a registered function the plugin was not granted; `false` when there is no such
/// function.
#[op2(fast)]
pub(crate) fn op_qirvo_host_denied(
    state: &mut OpState,
    #[string] namespace: &str,
    #[string] name: &str,
    function: bool,
) -> Result<bool, HostCallError> {
    // Registered names are JS identifiers of at most 64 characters each.
    const MAX: usize = 64;
    let Some(d) = state.try_borrow::<HostDenials>() else {
        return Ok(false);
    };
    if namespace.len() > MAX || name.len() > MAX {
        return Ok(false);
    }
    if !function {
        return Ok(d.namespaces.contains(namespace));
    }
    let full = format!("{namespace}.{name}");
    let Some(permission) = d.functions.get(&full) else {
        return Ok(false);
    };
    let e = not_granted(&full, permission);
    report_denial(state, &e);
    Err(e)
}

deno_core::extension!(qirvo_host_denials, ops = [op_qirvo_host_denied]);

deno_core::extension!(
    qirvo_host_api,
    ops = [op_qirvo_host_call, op_qirvo_host_call_async],
    options = { host: HostApiState },
    state = |state, options| {
        state.put(options.host);
    },
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ext::host_api::registry::HostCallContext;

    #[test]
    fn the_op_refuses_a_function_the_plugin_is_not_granted() {
        let mut api = HostApi::new();
        api.permission("orders:read", "")
            .unwrap()
            .permission("orders:write", "")
            .unwrap()
            .func(
                "orders.get",
                "orders:read",
                |_: &HostCallContext, (): ()| Ok(1),
            )
            .unwrap()
            .func(
                "orders.put",
                "orders:write",
                |_: &HostCallContext, (): ()| Ok(2),
            )
            .unwrap();
        let granted = [true, false];
        assert!(check_grant(&api, &granted, 0).is_ok());
        let Err(e) = check_grant(&api, &granted, 1) else {
            panic!("orders.put is not granted")
        };
        assert_eq!(e.get_class(), "PermissionDenied");
        assert_eq!(
            e.to_string(),
            "orders.put: not granted (the plugin's manifest does not ask for the \"orders:write\" permission)"
        );
        let props: Vec<_> = e
            .get_additional_properties()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        assert_eq!(props, ["code=PERMISSION_DENIED", "function=orders.put"]);
        for (granted, index) in [(&granted[..], 7), (&[][..], 0)] {
            match check_grant(&api, granted, index) {
                Err(e) => assert_eq!(e.get_class(), "PermissionDenied"),
                Ok(_) => panic!("function {index} should be refused"),
            }
        }
    }
}
