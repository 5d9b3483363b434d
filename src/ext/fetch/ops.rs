//! `fetch` (only with `network-access`), checked in Rust against the plugin's policy.
//!
//! The URL is checked by name before the request ([`HostPolicy::check_url`]); every address
//! its host resolves to is checked at connect time by the client's resolver
//! ([`HostPolicy::check_addr`]), so DNS tricks and alternate spellings of an address do not
//! get through; each redirect hop (at most 5) is checked again the same way. Each request
//! has its own client, resolver and decisions (one per hop's host, at most 6), so
//! concurrent requests to one host on different ports never use each other's decision and
//! nothing a plugin fetches accumulates in the host (the cost: no connection reuse across
//! requests). `redirect: "manual"` returns the 3xx response itself (as Deno does) and
//! `"error"` fails with a `TypeError` on a redirect; neither follows it. `op_qirvo_fetch`
//! resolves when the response's head arrives; its body is a resource read as the plugin
//! pulls it (`super::body`), and a request body may be a stream read the same way. Limits: a
//! per-request timeout (default 10 s, never past the plugin's own) that covers the body, a
//! response body cap (also on a request body stream), at most `resources.maxConnections`
//! requests waiting for their response, and `resources.bandwidth` as a rate on bytes read.
//! In-flight requests and body reads are cancelled when the plugin's step is interrupted
//! (deadline, host) or it stops.

use std::cell::RefCell;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use deno_core::url::Url;
use deno_core::{CancelFuture, CancelHandle, JsBuffer, OpState, ResourceId, op2};
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

use crate::ext::fetch::body::{Held, RequestBody, ResponseBody};
use crate::ext::fetch::policy::{Denial, HostPolicy, UrlDecision};
use crate::manifest::Bandwidth;

/// Default per-request timeout.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default response body cap.
pub(crate) const DEFAULT_MAX_BODY: usize = 10 * 1024 * 1024;
/// Most redirects followed.
const MAX_REDIRECTS: usize = 5;

/// One request's decisions made by name, for its resolver to apply at connect time: the
/// first URL's, then each redirect hop's (hops are sequential, so the latest decision for
/// a host is the one being connected). At most `MAX_REDIRECTS + 1` entries, and gone with
/// the request.
type Decisions = Arc<Mutex<HashMap<String, UrlDecision>>>;

/// What a request does with a redirect (`RequestInit.redirect`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum RedirectMode {
    /// Follow it (each hop policy-checked), at most `MAX_REDIRECTS`.
    #[default]
    Follow,
    /// Fail with a `TypeError`.
    Error,
    /// Return the 3xx response itself, unfollowed (Deno's behaviour).
    Manual,
}

/// The lower-cased host a decision is filed under (without a trailing dot).
fn host_key(url: &Url) -> Option<String> {
    url.host_str()
        .map(|h| h.trim_end_matches('.').to_ascii_lowercase())
}

pub(crate) struct FetchState {
    plugin: String,
    policy: Arc<HostPolicy>,
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
    counters: Arc<crate::counters::PluginCounters>,
}

/// Cancels everything a plugin has in flight (its step was interrupted, or it stopped).
pub(crate) fn cancel_in_flight(state: &OpState) {
    if let Some(f) = state.try_borrow::<FetchState>() {
        let old = std::mem::replace(&mut *f.cancel.borrow_mut(), Rc::new(CancelHandle::new()));
        old.cancel();
    }
}

pub(crate) struct RateLimit {
    rate: f64,
    /// When the bytes read so far are "paid for".
    next_free: Instant,
}

impl RateLimit {
    /// Accounts `n` bytes and returns how long to wait before reading more.
    pub(crate) fn take(&mut self, n: usize) -> Duration {
        let now = Instant::now();
        if self.next_free < now {
            self.next_free = now;
        }
        let wait = Duration::try_from_secs_f64(n as f64 / self.rate).unwrap_or(Duration::MAX);
        self.next_free = self.next_free.checked_add(wait).unwrap_or(self.next_free);
        self.next_free.saturating_duration_since(now)
    }
}

/// The resolver: system DNS, then the policy on every address.
struct PolicyResolver {
    policy: Arc<HostPolicy>,
    decisions: Decisions,
}

impl PolicyResolver {
    /// The resolver of one request to `url`, allowed by name with `decision`.
    fn for_request(policy: &Arc<HostPolicy>, url: &Url, decision: UrlDecision) -> PolicyResolver {
        let decisions: Decisions = Arc::default();
        if let Some(host) = host_key(url) {
            decisions.lock().insert(host, decision);
        }
        PolicyResolver {
            policy: policy.clone(),
            decisions,
        }
    }

    /// This request's decision for `host` (the host being connected now).
    fn decision(&self, host: &str) -> Result<UrlDecision, String> {
        self.decisions
            .lock()
            .get(host)
            .cloned()
            .ok_or_else(|| format!("{host} was not checked against network.allowedHosts"))
    }

    /// The addresses `host` resolved to that this request may connect to. Any refused
    /// address refuses the host: a name that resolves to a private address among public
    /// ones is a rebinding attempt.
    fn check(
        policy: &HostPolicy,
        decision: &UrlDecision,
        host: &str,
        addrs: impl IntoIterator<Item = SocketAddr>,
    ) -> Result<Vec<SocketAddr>, Box<dyn std::error::Error + Send + Sync>> {
        let mut allowed = Vec::new();
        for addr in addrs {
            policy
                .check_addr(decision, addr.ip())
                .map_err(|d| Box::new(d) as Box<dyn std::error::Error + Send + Sync>)?;
            allowed.push(addr);
        }
        if allowed.is_empty() {
            return Err(format!("{host} did not resolve to any address").into());
        }
        Ok(allowed)
    }
}

impl reqwest::dns::Resolve for PolicyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().trim_end_matches('.').to_ascii_lowercase();
        let decision = self.decision(&host);
        let policy = self.policy.clone();
        Box::pin(async move {
            let decision = decision.map_err(Box::<dyn std::error::Error + Send + Sync>::from)?;
            let addrs = tokio::net::lookup_host((host.as_str(), decision.port())).await?;
            let allowed = PolicyResolver::check(&policy, &decision, &host, addrs)?;
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
    pub counters: Arc<crate::counters::PluginCounters>,
}

impl FetchState {
    pub(crate) fn new(cfg: FetchConfig) -> Result<FetchState, String> {
        let policy = Arc::new(HostPolicy::compile(&cfg.allowed_hosts)?);
        Ok(FetchState {
            plugin: cfg.plugin,
            policy,
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

/// The client for one request to `url` (already allowed by name with `decision`): its own
/// resolver and decisions, and a redirect policy for `mode` that checks every hop.
fn request_client(
    policy: &Arc<HostPolicy>,
    url: &Url,
    decision: UrlDecision,
    mode: RedirectMode,
) -> Result<reqwest::Client, FetchError> {
    let resolver = PolicyResolver::for_request(policy, url, decision);
    let decisions = resolver.decisions.clone();
    let redirect = match mode {
        // Not followed: the 3xx comes back as the response (`error` is decided on it).
        RedirectMode::Manual | RedirectMode::Error => reqwest::redirect::Policy::none(),
        RedirectMode::Follow => {
            let policy = policy.clone();
            let decisions = decisions.clone();
            reqwest::redirect::Policy::custom(move |attempt| {
                if attempt.previous().len() > MAX_REDIRECTS {
                    return attempt.error(format!("more than {MAX_REDIRECTS} redirects"));
                }
                match policy.check_url(attempt.url()) {
                    Ok(decision) => {
                        if let Some(host) = host_key(attempt.url()) {
                            decisions.lock().insert(host, decision);
                        }
                        attempt.follow()
                    }
                    Err(denial) => attempt.error(denial),
                }
            })
        }
    };
    reqwest::Client::builder()
        .dns_resolver(Arc::new(resolver))
        .redirect(redirect)
        .no_proxy()
        .pool_max_idle_per_host(0)
        .user_agent(concat!("qirvo/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| FetchError::Network(format!("cannot build the HTTP client: {e}")))
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
    /// A request body stream: a resource deno_web made for the plugin's `ReadableStream`
    /// (instead of `body`).
    body_rid: Option<ResourceId>,
    /// Milliseconds; capped by the plugin's own timeout.
    timeout: Option<f64>,
    /// An id from `op_qirvo_fetch_abort_handle`, when the request has an AbortSignal.
    abort_id: Option<u32>,
    /// `follow` (default), `error` or `manual`.
    #[serde(default)]
    redirect: RedirectMode,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FetchResponse {
    status: u16,
    status_text: String,
    url: String,
    redirected: bool,
    headers: Vec<(String, String)>,
    /// The body's resource (`ResponseBody`), read by `Response.body`'s stream.
    body_rid: ResourceId,
}

/// A response whose head has arrived; its body is still on the connection.
pub(crate) struct Head {
    response: FetchResponse,
    resp: reqwest::Response,
    held: Held,
}

/// Counts a request in flight for the metrics while it lives.
pub(crate) struct ActiveConnection(Arc<crate::counters::PluginCounters>);

impl ActiveConnection {
    fn new(c: &Arc<crate::counters::PluginCounters>) -> Self {
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
    // SECURITY (issue 17): the security monitor logs the denial (target `qirvo::security`).
    tracing::debug!(target: "qirvo::fetch", plugin, rule = d.rule(), "network access denied: {}", d.message());
    FetchError::Denied(format!("{} [rule: {}]", d.message(), d.rule()))
}

/// SECURITY (issue 17): reports one request: allowed with its status and bytes, or denied by
/// `rule` (a policy rule) or failed with its error. The URL is redacted
/// ([`crate::security::redact_url`]).
fn report_network(
    security: &crate::security::Reporter,
    method: &str,
    url: &Url,
    rule: Option<&str>,
    address: Option<SocketAddr>,
    took: Duration,
    outcome: Result<(u16, u64), &str>,
) {
    use crate::security::{Decision, EventKind};
    let decision = if rule.is_some() {
        Decision::Denied
    } else {
        Decision::Allowed
    };
    let (status, bytes, error) = match outcome {
        Ok((status, bytes)) => (Some(status), bytes, None),
        Err(e) => (
            None,
            0,
            Some(e.chars().take(crate::security::MAX_FIELD).collect()),
        ),
    };
    security.report(
        decision,
        rule,
        EventKind::Network {
            method: method
                .chars()
                .take(32)
                .collect::<String>()
                .to_ascii_uppercase(),
            url: crate::security::redact_url(url.as_str()),
            address: address.map(|a| a.to_string()),
            status,
            bytes,
            duration_ms: took.as_secs_f64() * 1000.0,
            error,
        },
    );
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

/// What one request takes from the plugin's fetch state: checked against the grant and the
/// policy, and cloned, before the first await.
struct Prepared {
    plugin: String,
    client: reqwest::Client,
    /// The plugin's step-wide cancel handle, and the request's AbortSignal if it has one.
    cancel: Rc<CancelHandle>,
    abort: Option<Rc<CancelHandle>>,
    /// The plugin's step-wide cancel handle cell: the body's reads use the step current then.
    step: Rc<RefCell<Rc<CancelHandle>>>,
    connections: Arc<tokio::sync::Semaphore>,
    bandwidth: Option<Rc<RefCell<RateLimit>>>,
    max_body: usize,
    timeout: Duration,
    url: Url,
    aborts: Rc<RefCell<HashMap<u32, Rc<CancelHandle>>>>,
    counters: Arc<crate::counters::PluginCounters>,
    /// SECURITY (issue 17): where the request is reported, the policy rule that refused
    /// it at connect time or on a redirect, and the address it connected to.
    security: Option<crate::security::Reporter>,
    denied_by: std::cell::Cell<Option<&'static str>>,
    address: std::cell::Cell<Option<SocketAddr>>,
}

impl Prepared {
    /// The synchronous part: check the grant and the URL, and take what the request needs.
    fn new(state: &OpState, req: &FetchRequest) -> Result<Prepared, FetchError> {
        let f = state.try_borrow::<FetchState>().ok_or_else(|| {
            FetchError::Denied("this plugin was not granted network-access".into())
        })?;
        let url = Url::parse(&req.url)
            .map_err(|e| FetchError::Invalid(format!("{:?} is not a URL: {e}", req.url)))?;
        let security = state.try_borrow::<crate::security::Reporter>().cloned();
        let decision = f.policy.check_url(&url).map_err(|d| {
            // SECURITY (issue 17): refused by name, before any connection.
            if let Some(s) = &security {
                report_network(
                    s,
                    &req.method,
                    &url,
                    Some(d.rule()),
                    None,
                    Duration::ZERO,
                    Err(d.message()),
                );
            }
            denied(&f.plugin, &d)
        })?;
        tracing::debug!(target: "qirvo::fetch", plugin = %f.plugin, url = %url, allowed_by = decision.matched_entry().unwrap_or("(public hosts)"), "allowed");
        let client = request_client(&f.policy, &url, decision, req.redirect)?;
        let timeout = req
            .timeout
            .filter(|t| t.is_finite() && *t >= 0.0)
            // A finite but huge timeout is "as long as the plugin's own" (never a panic).
            .map(|t| Duration::try_from_secs_f64(t / 1000.0).unwrap_or(Duration::MAX))
            .unwrap_or(DEFAULT_TIMEOUT)
            .min(f.plugin_timeout);
        let abort = req
            .abort_id
            .and_then(|id| f.aborts.borrow().get(&id).cloned());
        Ok(Prepared {
            plugin: f.plugin.clone(),
            client,
            cancel: f.cancel.borrow().clone(),
            abort,
            step: f.cancel.clone(),
            connections: f.connections.clone(),
            bandwidth: f.bandwidth.clone(),
            max_body: f.max_body,
            timeout,
            url,
            aborts: f.aborts.clone(),
            counters: f.counters.clone(),
            security,
            denied_by: Default::default(),
            address: Default::default(),
        })
    }

    /// The method, headers and (static) body of `req` on this request's client.
    fn build(
        &self,
        req: &FetchRequest,
    ) -> Result<(reqwest::Method, reqwest::RequestBuilder), FetchError> {
        let method = reqwest::Method::from_bytes(req.method.to_ascii_uppercase().as_bytes())
            .map_err(|_| FetchError::Invalid(format!("{:?} is not an HTTP method", req.method)))?;
        let mut builder = self
            .client
            .request(method.clone(), self.url.clone())
            .timeout(self.timeout);
        for (k, v) in &req.headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        if let Some(body) = &req.body {
            builder = builder.body(body.to_vec());
        }
        Ok((method, builder))
    }

    /// A transport error: the policy's denial if that is what it was, else a timeout or a
    /// network failure.
    fn transport(&self, e: reqwest::Error) -> FetchError {
        if let Some(d) = find_denial(&e) {
            self.denied_by.set(Some(d.rule())); // SECURITY (issue 17)
            return denied(&self.plugin, d);
        }
        if e.is_timeout() {
            FetchError::Timeout(format!(
                "{} timed out after {} ms",
                self.url,
                self.timeout.as_millis()
            ))
        } else {
            FetchError::Network(format!("{}: {e}", self.url))
        }
    }

    /// Sends the request under a connection permit and waits for the response's head (the
    /// body stays on the connection, which keeps the permit).
    async fn send(
        &self,
        builder: reqwest::RequestBuilder,
        redirect_mode: RedirectMode,
    ) -> Result<Head, FetchError> {
        let _permit = self
            .connections
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| FetchError::Network("the plugin is shutting down".into()))?;
        let active = ActiveConnection::new(&self.counters);
        let (shown, max_body) = (&self.url, self.max_body);
        let resp = builder.send().await.map_err(|e| self.transport(e))?;
        self.address.set(resp.remote_addr()); // SECURITY (issue 17)
        let status = resp.status();
        // The Fetch standard's redirect statuses.
        if redirect_mode == RedirectMode::Error
            && matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308)
        {
            return Err(FetchError::Network(format!(
                "{shown} redirected (status {}) and the request's redirect mode is \"error\"",
                status.as_u16()
            )));
        }
        // A body announced larger than the cap is refused before any of it is read.
        if let Some(len) = resp.content_length()
            && len > max_body as u64
        {
            return Err(FetchError::Network(format!(
                "{shown}: the response body ({len} bytes) is larger than the {max_body}-byte limit"
            )));
        }
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
        Ok(Head {
            response: FetchResponse {
                status: status.as_u16(),
                status_text: status.canonical_reason().unwrap_or("").to_string(),
                redirected: final_url != self.url.as_str(),
                url: final_url,
                headers,
                body_rid: 0,
            },
            resp,
            held: Held {
                _connection: active,
            },
        })
    }

    /// The body's resource: read as the plugin pulls, under the cap, the bandwidth limit
    /// and the step's cancellation.
    fn body(&self, resp: reqwest::Response, held: Held) -> ResponseBody {
        ResponseBody {
            url: self.url.to_string(),
            resp: RefCell::new(Some(resp)),
            leftover: RefCell::default(),
            read: std::cell::Cell::new(0),
            busy: std::cell::Cell::new(false),
            expired: std::cell::Cell::new(false),
            max_body: self.max_body,
            timeout: self.timeout,
            bandwidth: self.bandwidth.clone(),
            step: self.step.clone(),
            own: Rc::new(CancelHandle::new()),
            held: RefCell::new(Some(held)),
            counters: self.counters.clone(),
        }
    }

    /// Counts the request for the metrics and logs its outcome (the body's bytes are
    /// counted as they are read).
    fn account(
        &self,
        method: &reqwest::Method,
        started: Instant,
        result: &Result<Head, FetchError>,
    ) {
        let (plugin, url) = (&self.plugin, &self.url);
        let ms = started.elapsed().as_millis() as u64;
        // SECURITY (issue 17): one `network` event per request, when its head arrives
        // (`bytes`: the announced Content-Length; the body is read later, as a stream).
        if let Some(s) = &self.security {
            let outcome = match result {
                Ok(h) => Ok((h.response.status, h.resp.content_length().unwrap_or(0))),
                Err(e) => Err(e.to_string()),
            };
            report_network(
                s,
                method.as_str(),
                url,
                self.denied_by.get(),
                self.address.get(),
                started.elapsed(),
                outcome.as_ref().map(|x| *x).map_err(String::as_str),
            );
        }
        self.counters
            .net_requests
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        match result {
            Ok(h) => {
                tracing::info!(target: "qirvo::fetch", plugin = %plugin, method = %method, url = %url, status = h.response.status, ms, "fetch")
            }
            Err(e) => {
                tracing::info!(target: "qirvo::fetch", plugin = %plugin, method = %method, url = %url, ms, error = %e, "fetch failed")
            }
        }
    }
}

/// Sends a request and resolves with its response's head once it arrives; the body is a
/// resource (`bodyRid`) the plugin reads as a stream.
#[op2]
#[serde]
pub(crate) async fn op_qirvo_fetch(
    state: Rc<RefCell<OpState>>,
    #[serde] req: FetchRequest,
) -> Result<FetchResponse, FetchError> {
    // Borrow, check, clone, and drop the borrow before awaiting.
    let p = match Prepared::new(&state.borrow(), &req) {
        Ok(p) => p,
        Err(e) => return refused(&state, req.abort_id, e).await,
    };
    let (method, mut builder) = match p.build(&req) {
        Ok(b) => b,
        Err(e) => return refused(&state, req.abort_id, e).await,
    };
    // A streamed request body: its resource is taken from the table now (the plugin cannot
    // use it twice) and pumped into the transport while the request is sent.
    let mut pump = None;
    if let Some(rid) = req.body_rid {
        let source = state.borrow_mut().resource_table.take_any(rid);
        let source = match source {
            Ok(s) => s,
            Err(e) => {
                let e = FetchError::Invalid(format!("the request body stream: {e}"));
                return refused(&state, req.abort_id, e).await;
            }
        };
        let (body, fill) = RequestBody {
            source,
            max: p.max_body,
        }
        .channel();
        builder = builder.body(body);
        pump = Some(fill);
    }
    let started = Instant::now();
    let send = p.send(builder, req.redirect);
    let work = async move {
        match pump {
            None => send.await,
            Some(fill) => {
                let (head, filled) = futures::join!(send, fill);
                // The body stream's own failure (too large, errored) is the better message.
                match (head, filled) {
                    (Err(_), Err(e)) => Err(e),
                    (head, _) => head,
                }
            }
        }
    };
    let outcome: Result<Result<Head, FetchError>, &'static str> = match p.abort.clone() {
        Some(abort) => match work.or_cancel(p.cancel.clone()).or_cancel(abort).await {
            Ok(Ok(r)) => Ok(r),
            Ok(Err(_)) => Err("step"),
            Err(_) => Err("signal"),
        },
        None => work.or_cancel(p.cancel.clone()).await.map_err(|_| "step"),
    };
    let url = &p.url;
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
        p.aborts.borrow_mut().remove(&id);
    }
    p.account(&method, started, &result);
    let Head {
        mut response,
        resp,
        held,
    } = result?;
    let body = Rc::new(p.body(resp, held));
    // An unread body lets go of its connection when the request's time is up.
    let deadline = tokio::time::Instant::from_std(started).checked_add(p.timeout);
    let (weak, closed) = (Rc::downgrade(&body), body.own.clone());
    if let Some(deadline) = deadline {
        deno_core::unsync::spawn(async move {
            if tokio::time::sleep_until(deadline)
                .or_cancel(closed)
                .await
                .is_ok()
                && let Some(body) = weak.upgrade()
            {
                body.expire();
            }
        });
    }
    response.body_rid = state.borrow_mut().resource_table.add_rc(body);
    Ok(response)
}

/// SECURITY (issue 17): a request refused before it started (denied by the policy, or
/// invalid). Its abort handle leaves the table (it stayed there for the isolate's life), and
/// the rejection waits for the next turn of the event loop: an op's promise rejected on its
/// first poll is rejected before the plugin's `await` has attached to it, and the engine
/// (v8x's promise-rejection tracker) keeps every such promise and its reason until the step
/// ends, about 5 KB each, so 5,000 denials in one call filled a 32 MB heap.
async fn refused<T>(
    state: &Rc<RefCell<OpState>>,
    abort_id: Option<u32>,
    e: FetchError,
) -> Result<T, FetchError> {
    if let Some(id) = abort_id
        && let Some(f) = state.borrow().try_borrow::<FetchState>()
    {
        f.aborts.borrow_mut().remove(&id);
    }
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if yielded {
            std::task::Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    })
    .await;
    Err(e)
}

deno_core::extension!(
    qirvo_fetch,
    ops = [op_qirvo_fetch, op_qirvo_fetch_abort_handle, op_qirvo_fetch_abort],
    options = { fetch: FetchState },
    state = |state, options| {
        state.put(options.fetch);
    },
);

#[cfg(test)]
mod tests {
    use super::*;

    /// Two requests in flight to one host on different ports: each connects under its own
    /// decision (a shared per-host map let the later one's decision stand for both).
    #[test]
    fn concurrent_requests_to_one_host_keep_their_own_decisions() {
        let policy = Arc::new(
            HostPolicy::compile(&["api.example.com:443".into(), "*.example.com".into()]).unwrap(),
        );
        let explicit = Url::parse("https://api.example.com/").unwrap();
        let wildcard = Url::parse("https://api.example.com:8443/").unwrap();
        let a =
            PolicyResolver::for_request(&policy, &explicit, policy.check_url(&explicit).unwrap());
        let b =
            PolicyResolver::for_request(&policy, &wildcard, policy.check_url(&wildcard).unwrap());
        let private: SocketAddr = "10.0.0.1:443".parse().unwrap();
        let host = "api.example.com";
        // In either order: the explicit entry unlocks the private address for its own
        // request only.
        for _ in 0..2 {
            let da = a.decision(host).unwrap();
            let db = b.decision(host).unwrap();
            assert!(PolicyResolver::check(&policy, &da, host, [private]).is_ok());
            let refused = PolicyResolver::check(&policy, &db, host, [private]).unwrap_err();
            assert!(refused.to_string().contains("10.0.0.1"), "{refused}");
        }
        // A host the request never named has no decision at all.
        assert!(a.decision("other.example.com").is_err());
    }

    /// Nothing a plugin fetches is kept per host in its state: each request's decisions
    /// go with it.
    #[test]
    fn decisions_live_and_die_with_their_request() {
        let policy = Arc::new(HostPolicy::compile(&[]).unwrap());
        let mut weak = Vec::new();
        for i in 0..1000 {
            let url = Url::parse(&format!("https://h{i}.example.com/")).unwrap();
            let r = PolicyResolver::for_request(&policy, &url, policy.check_url(&url).unwrap());
            assert_eq!(r.decisions.lock().len(), 1);
            weak.push(Arc::downgrade(&r.decisions));
        }
        assert!(weak.iter().all(|w| w.upgrade().is_none()));
    }
}
