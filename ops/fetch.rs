//! `fetch` (only with `network-access`), checked in Rust against the plugin's policy.
//!
//! The URL is checked by name before the request ([`HostPolicy::check_url`]); every address
//! its host resolves to is checked at connect time by the client's resolver
//! ([`HostPolicy::check_addr`]), so DNS tricks and alternate spellings of an address do not
//! get through; each redirect hop (at most 5) is checked again the same way. Limits: a
//! per-request timeout (default 10 s, never past the plugin's own), a response body cap, at
//! most `resources.maxConnections` requests in flight, and `resources.bandwidth` as a rate
//! on bytes read. In-flight requests are cancelled when the plugin's step is interrupted
//! (deadline, host) or it stops.

use std::cell::RefCell;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use deno_core::url::Url;
use deno_core::{CancelFuture, CancelHandle, JsBuffer, OpState, ToJsBuffer, op2};
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

use crate::manifest::Bandwidth;
use crate::netpolicy::{Denial, HostPolicy, UrlDecision};

/// Default per-request timeout.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default response body cap.
pub(crate) const DEFAULT_MAX_BODY: usize = 10 * 1024 * 1024;
/// Most redirects followed.
const MAX_REDIRECTS: usize = 5;

/// Decisions made by name for hosts being fetched, for the resolver to apply at connect
/// time. Keyed by host; the latest decision for a host wins.
type Decisions = Arc<Mutex<HashMap<String, UrlDecision>>>;

pub(crate) struct FetchState {
    plugin: String,
    policy: Arc<HostPolicy>,
    decisions: Decisions,
    client: reqwest::Client,
    /// Cancels every request in flight; replaced after each use.
    cancel: Rc<RefCell<Rc<CancelHandle>>>,
    /// Per-request abort handles (AbortSignal), by id.
    aborts: Rc<RefCell<HashMap<u32, Rc<CancelHandle>>>>,
    next_id: u32,
    connections: Arc<tokio::sync::Semaphore>,
    bandwidth: Option<Rc<RefCell<RateLimit>>>,
    max_body: usize,
    /// The plugin's own deadline: no request outlives it.
    plugin_timeout: Duration,
    counters: Arc<crate::metrics::PluginCounters>,
}

/// Cancels everything a plugin has in flight (its step was interrupted, or it stopped).
pub(crate) fn cancel_in_flight(state: &OpState) {
    if let Some(f) = state.try_borrow::<FetchState>() {
        let old = std::mem::replace(&mut *f.cancel.borrow_mut(), Rc::new(CancelHandle::new()));
        old.cancel();
    }
}

struct RateLimit {
    rate: f64,
    /// When the bytes read so far are "paid for".
    next_free: Instant,
}

impl RateLimit {
    /// Accounts `n` bytes and returns how long to wait before reading more.
    fn take(&mut self, n: usize) -> Duration {
        let now = Instant::now();
        if self.next_free < now {
            self.next_free = now;
        }
        self.next_free += Duration::from_secs_f64(n as f64 / self.rate);
        self.next_free.saturating_duration_since(now)
    }
}

/// The resolver: system DNS, then the policy on every address.
struct PolicyResolver {
    policy: Arc<HostPolicy>,
    decisions: Decisions,
}

impl reqwest::dns::Resolve for PolicyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().trim_end_matches('.').to_ascii_lowercase();
        let decision = self.decisions.lock().get(&host).cloned();
        let policy = self.policy.clone();
        Box::pin(async move {
            let Some(decision) = decision else {
                return Err(Box::<dyn std::error::Error + Send + Sync>::from(format!(
                    "{host} was not checked against network.allowedHosts"
                )));
            };
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), decision.port()))
                .await?
                .collect();
            let mut allowed = Vec::new();
            let mut denial = None;
            for addr in addrs {
                match policy.check_addr(&decision, addr.ip()) {
                    Ok(()) => allowed.push(addr),
                    Err(d) => denial = Some(d),
                }
            }
            // Any refused address refuses the host: a name that resolves to a private
            // address among public ones is a rebinding attempt.
            if let Some(d) = denial {
                return Err(Box::new(d) as Box<dyn std::error::Error + Send + Sync>);
            }
            if allowed.is_empty() {
                return Err(format!("{host} did not resolve to any address").into());
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

pub(crate) struct FetchConfig {
    pub plugin: String,
    pub allowed_hosts: Vec<String>,
    pub max_connections: u32,
    pub bandwidth: Option<Bandwidth>,
    pub plugin_timeout: Duration,
    pub counters: Arc<crate::metrics::PluginCounters>,
}

impl FetchState {
    pub(crate) fn new(cfg: FetchConfig) -> Result<FetchState, String> {
        let policy = Arc::new(HostPolicy::compile(&cfg.allowed_hosts)?);
        let decisions: Decisions = Arc::default();
        let redirect_policy = policy.clone();
        let redirect_decisions = decisions.clone();
        let client = reqwest::Client::builder()
            .dns_resolver(Arc::new(PolicyResolver {
                policy: policy.clone(),
                decisions: decisions.clone(),
            }))
            .redirect(reqwest::redirect::Policy::custom(move |attempt| {
                if attempt.previous().len() > MAX_REDIRECTS {
                    return attempt.error(format!("more than {MAX_REDIRECTS} redirects"));
                }
                match redirect_policy.check_url(attempt.url()) {
                    Ok(decision) => {
                        if let Some(host) = attempt.url().host_str() {
                            redirect_decisions
                                .lock()
                                .insert(host.trim_end_matches('.').to_ascii_lowercase(), decision);
                        }
                        attempt.follow()
                    }
                    Err(denial) => attempt.error(denial),
                }
            }))
            .no_proxy()
            .user_agent(concat!("qirvo/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(FetchState {
            plugin: cfg.plugin,
            policy,
            decisions,
            client,
            cancel: Rc::new(RefCell::new(Rc::new(CancelHandle::new()))),
            aborts: Rc::default(),
            next_id: 1,
            connections: Arc::new(tokio::sync::Semaphore::new(cfg.max_connections as usize)),
            bandwidth: cfg.bandwidth.map(|b| {
                Rc::new(RefCell::new(RateLimit {
                    rate: b.0.bytes() as f64,
                    next_free: Instant::now(),
                }))
            }),
            max_body: DEFAULT_MAX_BODY,
            plugin_timeout: cfg.plugin_timeout,
            counters: cfg.counters,
        })
    }
}

#[derive(Debug, thiserror::Error, deno_error::JsError)]
pub(crate) enum FetchError {
    #[class("PermissionDenied")]
    #[error("fetch: {0}")]
    Denied(String),
    #[class(type)]
    #[error("fetch: {0}")]
    Invalid(String),
    #[class("TimeoutError")]
    #[error("fetch: {0}")]
    Timeout(String),
    #[class("AbortError")]
    #[error("fetch: {0}")]
    Aborted(String),
    #[class(type)]
    #[error("fetch: {0}")]
    Network(String),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FetchRequest {
    url: String,
    method: String,
    headers: Vec<(String, String)>,
    body: Option<JsBuffer>,
    /// Milliseconds; capped by the plugin's own timeout.
    timeout: Option<f64>,
    /// An id from `op_qirvo_fetch_abort_handle`, when the request has an AbortSignal.
    abort_id: Option<u32>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FetchResponse {
    status: u16,
    status_text: String,
    url: String,
    redirected: bool,
    headers: Vec<(String, String)>,
    body: ToJsBuffer,
    #[serde(skip)]
    size: usize,
}

/// Counts a request in flight for the metrics while it lives.
struct ActiveConnection(Arc<crate::metrics::PluginCounters>);

impl ActiveConnection {
    fn new(c: &Arc<crate::metrics::PluginCounters>) -> Self {
        let now = c
            .connections_active
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            + 1;
        c.connections_peak
            .fetch_max(now, std::sync::atomic::Ordering::Relaxed);
        ActiveConnection(c.clone())
    }
}

impl Drop for ActiveConnection {
    fn drop(&mut self) {
        self.0
            .connections_active
            .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Reserves an abort handle for a request with an AbortSignal.
#[op2(fast)]
pub(crate) fn op_qirvo_fetch_abort_handle(state: &mut OpState) -> Result<u32, FetchError> {
    let f = state
        .try_borrow_mut::<FetchState>()
        .ok_or_else(|| FetchError::Denied("this plugin was not granted network-access".into()))?;
    let id = f.next_id;
    f.next_id = f.next_id.wrapping_add(1).max(1);
    f.aborts
        .borrow_mut()
        .insert(id, Rc::new(CancelHandle::new()));
    Ok(id)
}

/// Aborts the request holding abort handle `id` (its AbortSignal fired).
#[op2(fast)]
pub(crate) fn op_qirvo_fetch_abort(state: &mut OpState, id: u32) {
    if let Some(f) = state.try_borrow::<FetchState>()
        && let Some(h) = f.aborts.borrow_mut().remove(&id)
    {
        h.cancel();
    }
}

fn denied(plugin: &str, d: &Denial) -> FetchError {
    tracing::warn!(target: "qirvo::security", plugin, rule = d.rule(), "network access denied: {}", d.message());
    FetchError::Denied(format!("{} [rule: {}]", d.message(), d.rule()))
}

fn find_denial<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a Denial> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(d) = err.downcast_ref::<Denial>() {
            return Some(d);
        }
        cur = err.source();
    }
    None
}

#[op2]
#[serde]
pub(crate) async fn op_qirvo_fetch(
    state: Rc<RefCell<OpState>>,
    #[serde] req: FetchRequest,
) -> Result<FetchResponse, FetchError> {
    // The synchronous part: check the grant and the URL, take what the request needs,
    // and drop the borrow before awaiting.
    let (
        plugin,
        client,
        cancel,
        abort,
        connections,
        bandwidth,
        max_body,
        timeout,
        url,
        aborts,
        counters,
    ) = {
        let st = state.borrow();
        let f = st.try_borrow::<FetchState>().ok_or_else(|| {
            FetchError::Denied("this plugin was not granted network-access".into())
        })?;
        let url = Url::parse(&req.url)
            .map_err(|e| FetchError::Invalid(format!("{:?} is not a URL: {e}", req.url)))?;
        let decision = f
            .policy
            .check_url(&url)
            .map_err(|d| denied(&f.plugin, &d))?;
        tracing::debug!(target: "qirvo::fetch", plugin = %f.plugin, url = %url, allowed_by = decision.matched_entry().unwrap_or("(public hosts)"), "allowed");
        if let Some(host) = url.host_str() {
            f.decisions
                .lock()
                .insert(host.trim_end_matches('.').to_ascii_lowercase(), decision);
        }
        let timeout = req
            .timeout
            .filter(|t| t.is_finite() && *t >= 0.0)
            .map(|t| Duration::from_secs_f64(t / 1000.0))
            .unwrap_or(DEFAULT_TIMEOUT)
            .min(f.plugin_timeout);
        let abort = req
            .abort_id
            .and_then(|id| f.aborts.borrow().get(&id).cloned());
        (
            f.plugin.clone(),
            f.client.clone(),
            f.cancel.borrow().clone(),
            abort,
            f.connections.clone(),
            f.bandwidth.clone(),
            f.max_body,
            timeout,
            url,
            f.aborts.clone(),
            f.counters.clone(),
        )
    };
    let method = reqwest::Method::from_bytes(req.method.to_ascii_uppercase().as_bytes())
        .map_err(|_| FetchError::Invalid(format!("{:?} is not an HTTP method", req.method)))?;
    let mut builder = client.request(method.clone(), url.clone()).timeout(timeout);
    for (k, v) in &req.headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    if let Some(body) = req.body {
        builder = builder.body(body.to_vec());
    }
    let started = Instant::now();
    let shown = url.as_str().to_string();
    let work = async {
        let _permit = connections
            .acquire_owned()
            .await
            .map_err(|_| FetchError::Network("the plugin is shutting down".into()))?;
        let _active = ActiveConnection::new(&counters);
        // A transport error: the policy's denial if that is what it was, else a timeout
        // or a network failure.
        let transport = |e: reqwest::Error| {
            if let Some(d) = find_denial(&e) {
                return denied(&plugin, d);
            }
            if e.is_timeout() {
                FetchError::Timeout(format!(
                    "{shown} timed out after {} ms",
                    timeout.as_millis()
                ))
            } else {
                FetchError::Network(format!("{shown}: {e}"))
            }
        };
        let resp = builder.send().await.map_err(transport)?;
        let status = resp.status();
        let final_url = resp.url().to_string();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        if let Some(len) = resp.content_length()
            && len as usize > max_body
        {
            return Err(FetchError::Network(format!(
                "{shown}: the response body ({len} bytes) is larger than the {max_body}-byte limit"
            )));
        }
        let mut body = Vec::new();
        let mut resp = resp;
        loop {
            let chunk = resp.chunk().await.map_err(transport)?;
            let Some(chunk) = chunk else { break };
            if body.len() + chunk.len() > max_body {
                return Err(FetchError::Network(format!(
                    "{shown}: the response body is larger than the {max_body}-byte limit"
                )));
            }
            body.extend_from_slice(&chunk);
            if let Some(bw) = &bandwidth {
                let wait = bw.borrow_mut().take(chunk.len());
                if !wait.is_zero() {
                    tokio::time::sleep(wait).await;
                }
            }
        }
        let size = body.len();
        Ok::<_, FetchError>(FetchResponse {
            size,
            status: status.as_u16(),
            status_text: status.canonical_reason().unwrap_or("").to_string(),
            redirected: final_url != url.as_str(),
            url: final_url,
            headers,
            body: body.into(),
        })
    };
    let outcome: Result<Result<FetchResponse, FetchError>, &'static str> = match abort {
        Some(abort) => match work.or_cancel(cancel).or_cancel(abort).await {
            Ok(Ok(r)) => Ok(r),
            Ok(Err(_)) => Err("step"),
            Err(_) => Err("signal"),
        },
        None => work.or_cancel(cancel).await.map_err(|_| "step"),
    };
    let result = match outcome {
        Ok(r) => r,
        Err("signal") => Err(FetchError::Aborted(format!(
            "{url} was aborted by its AbortSignal"
        ))),
        Err(_) => Err(FetchError::Aborted(format!(
            "{url} was cancelled: the plugin's step ended or it stopped"
        ))),
    };
    if let Some(id) = req.abort_id {
        aborts.borrow_mut().remove(&id);
    }
    let ms = started.elapsed().as_millis() as u64;
    counters
        .net_requests
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    if let Ok(r) = &result {
        counters
            .net_bytes
            .fetch_add(r.size as u64, std::sync::atomic::Ordering::Relaxed);
    }
    match &result {
        Ok(r) => {
            tracing::info!(target: "qirvo::fetch", plugin = %plugin, method = %method, url = %url, status = r.status, bytes = r.size, ms, "fetch")
        }
        Err(e) => {
            tracing::info!(target: "qirvo::fetch", plugin = %plugin, method = %method, url = %url, ms, error = %e, "fetch failed")
        }
    }
    result
}

deno_core::extension!(
    qirvo_fetch,
    ops = [op_qirvo_fetch, op_qirvo_fetch_abort_handle, op_qirvo_fetch_abort],
    options = { fetch: FetchState },
    state = |state, options| {
        state.put(options.fetch);
    },
);
