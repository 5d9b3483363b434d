//! The Chrome DevTools Protocol server behind `qirvo run --inspect`: `GET /json/version`,
//! `GET /json/list` (one target per plugin) and a WebSocket per plugin, carrying the
//! `Runtime` and `Debugger` domains on top of a [`DebugSession`], so DevTools (or any CDP
//! client) sees the same thing on both engines.
//!
//! It binds to loopback unless told otherwise: a debugger can run any code in a plugin,
//! so anyone who can reach the port owns the plugin. Requests whose `Host` header is not an
//! IP address or `localhost` are refused (DNS rebinding), as Node's inspector does, and a
//! target's WebSocket path carries a token of its own (`/<plugin id>/<token>`, from
//! `/json/list`): a web page can open a WebSocket to loopback, but it cannot read the list
//! to learn the token, and one target's token tells nothing about another's. The URLs in
//! `/json/list` name the host the client asked for (its validated `Host` header, as Node
//! does), so a server bound to `0.0.0.0` hands out addresses the client can reach.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures::{SinkExt, StreamExt};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{
    ALLOW, CONNECTION, HOST, HeaderValue, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY,
    SEC_WEBSOCKET_VERSION, UPGRADE,
};
use hyper::{Method, Request, StatusCode};
use parking_lot::Mutex;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::Role;

use crate::debug::pause::{
    DebugError, DebugEvent, Evaluation, PauseReason, Paused, RemoteValue, StepKind,
};
use crate::debug::session::DebugSession;
use crate::ext::log::buffer::LogLevel;
use crate::host::runtime::PluginRuntime;
use crate::http1::{self, HttpResponse};

/// The default inspector address, as Node's.
pub const DEFAULT_INSPECT_ADDR: &str = "127.0.0.1:9229";

/// Why the inspector could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InspectorError {
    #[error(
        "refusing to serve the debugger on {0}: it is not a loopback address, and anyone who can reach the port can run any code in the plugins; set allow_remote to serve a non-loopback address if that is what you want"
    )]
    NotLoopback(SocketAddr),
    #[error("cannot listen for debuggers on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("the runtime does not load plugins for debugging: set RuntimeConfig::debug")]
    DebugDisabled,
}

/// A running inspector. Stops serving when dropped.
pub struct InspectorServer {
    addr: SocketAddr,
    key: TokenKey,
    task: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for InspectorServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InspectorServer")
            .field("addr", &self.addr)
            .finish()
    }
}

impl InspectorServer {
    /// Serves the Chrome DevTools Protocol for the plugins of `runtime` on `addr` (port 0
    /// picks a free one). A non-loopback `addr` is refused unless `allow_remote`.
    ///
    /// # Errors
    /// [`InspectorError::NotLoopback`], [`InspectorError::Bind`], and
    /// [`InspectorError::DebugDisabled`] unless the runtime was created with
    /// [`RuntimeConfig::debug`](crate::RuntimeConfig::debug).
    pub async fn start(
        runtime: PluginRuntime,
        addr: SocketAddr,
        allow_remote: bool,
    ) -> Result<InspectorServer, InspectorError> {
        if !runtime.config().debug {
            return Err(InspectorError::DebugDisabled);
        }
        if !addr.ip().is_loopback() && !allow_remote {
            return Err(InspectorError::NotLoopback(addr));
        }
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| InspectorError::Bind { addr, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| InspectorError::Bind { addr, source })?;
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| InspectorError::Bind {
            addr,
            source: std::io::Error::other(format!("no random source for the target tokens: {e}")),
        })?;
        let key = TokenKey(Arc::new(bytes));
        let endpoint = Endpoint {
            runtime,
            addr,
            key: key.clone(),
        };
        let task = tokio::spawn(http1::serve(listener, move |req| {
            endpoint.clone().request(req)
        }));
        tracing::info!(target: "qirvo::inspector", %addr, "debugger listening");
        Ok(InspectorServer { addr, key, task })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The WebSocket URL of one plugin's target, `ws://<local_addr>/<plugin id>/<token>`,
    /// the token being that target's own (32 hex digits, fixed for the server's lifetime).
    /// When bound to an unspecified address (`0.0.0.0`, `::`), a remote client should take
    /// the URL from `/json/list`, which names the host it connected to.
    pub fn websocket_url(&self, plugin_id: &str) -> String {
        format!(
            "ws://{}/{}/{}",
            self.addr,
            plugin_id,
            self.key.token(plugin_id)
        )
    }
}

impl Drop for InspectorServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What answering a request needs: the plugins, the address the server is bound to (the
/// URLs' host when a request names none) and the key of the targets' tokens.
#[derive(Clone)]
struct Endpoint {
    runtime: PluginRuntime,
    addr: SocketAddr,
    key: TokenKey,
}

/// 256 random bits, drawn once per server, from which each target's token is derived:
/// the first 128 bits of SHA-256(key || plugin id), in hex. A target's token is fixed for
/// the server's lifetime (DevTools reconnects to the same URL) and different for each
/// plugin, and knowing some tokens does not reveal the key or any other token.
#[derive(Clone)]
struct TokenKey(Arc<[u8; 32]>);

impl TokenKey {
    fn token(&self, plugin_id: &str) -> String {
        use sha2::{Digest, Sha256};
        let digest = Sha256::new()
            .chain_update(&self.0[..])
            .chain_update(plugin_id.as_bytes())
            .finalize();
        digest[..16].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Whether `token` is `plugin_id`'s, compared in constant time.
    fn matches(&self, plugin_id: &str, token: &str) -> bool {
        let expected = self.token(plugin_id);
        expected.len() == token.len()
            && expected
                .bytes()
                .zip(token.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }
}

/// `Host` must be an IP address or localhost, with at most a numeric port, so a web page
/// cannot reach the inspector through a name it controls (and the value is safe to
/// reflect into the URLs of `/json/list`).
fn host_allowed(host: Option<&str>) -> bool {
    let Some(host) = host else {
        return true;
    };
    let (name, port) = if let Some(rest) = host.strip_prefix('[') {
        let Some((name, after)) = rest.split_once(']') else {
            return false;
        };
        if !after.is_empty() && !after.starts_with(':') {
            return false;
        }
        (name, after.strip_prefix(':'))
    } else {
        match host.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (host, None),
        }
    };
    let port_ok =
        port.is_none_or(|p| p.bytes().all(|b| b.is_ascii_digit()) && p.parse::<u16>().is_ok());
    let name_ok = name.eq_ignore_ascii_case("localhost")
        || name.parse::<std::net::Ipv4Addr>().is_ok()
        || (host.starts_with('[') && name.parse::<std::net::Ipv6Addr>().is_ok());
    port_ok && name_ok
}

/// A JSON answer. Each closes its connection, as Node's inspector (HTTP/1.0) does.
fn json_response(status: StatusCode, body: impl Into<Bytes>) -> HttpResponse {
    let mut r = http1::text(status, "application/json; charset=UTF-8", body.into());
    r.headers_mut()
        .insert(CONNECTION, HeaderValue::from_static("close"));
    r
}

impl Endpoint {
    async fn request(self, req: Request<Incoming>) -> HttpResponse {
        // The Host header, and the authority of an absolute-form request target.
        let host = req
            .headers()
            .get(HOST)
            .map(|v| v.to_str().unwrap_or("\u{0}"));
        let authority = req.uri().authority().map(|a| a.as_str());
        if !host_allowed(host) || !host_allowed(authority) {
            return json_response(
                StatusCode::FORBIDDEN,
                "\"Host header is not an IP address or localhost\"",
            );
        }
        // The host the client reached us at (validated above), else the bound address.
        let url_host = host
            .filter(|h| !h.is_empty())
            .or(authority)
            .map(str::to_string)
            .unwrap_or_else(|| self.addr.to_string());
        let websocket = req
            .headers()
            .get(UPGRADE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
        if websocket {
            return self.upgrade(req);
        }
        if req.method() != Method::GET && req.method() != Method::HEAD {
            let mut r = json_response(StatusCode::METHOD_NOT_ALLOWED, "\"GET or HEAD only\"");
            r.headers_mut()
                .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
            return r;
        }
        match req.uri().path().trim_end_matches('/') {
            "/json/version" => json_response(StatusCode::OK, version_json().to_string()),
            "/json" | "/json/list" => {
                json_response(StatusCode::OK, self.targets_json(&url_host).to_string())
            }
            _ => json_response(StatusCode::NOT_FOUND, "\"unknown path\""),
        }
    }

    /// `/<plugin id>/<token>`: answers the WebSocket handshake and serves the session on
    /// the upgraded connection.
    fn upgrade(self, mut req: Request<Incoming>) -> HttpResponse {
        let target = req
            .uri()
            .path()
            .trim_start_matches('/')
            .rsplit_once('/')
            .filter(|(id, t)| self.key.matches(id, t))
            .map(|(id, _)| id.to_string());
        let Some(id) = target else {
            return json_response(
                StatusCode::NOT_FOUND,
                "\"no such target: take its webSocketDebuggerUrl from /json/list\"",
            );
        };
        let version_13 = req
            .headers()
            .get(SEC_WEBSOCKET_VERSION)
            .is_some_and(|v| v.as_bytes() == b"13");
        let key = req.headers().get(SEC_WEBSOCKET_KEY);
        let (Some(key), true, &Method::GET) = (key, version_13, req.method()) else {
            return json_response(
                StatusCode::BAD_REQUEST,
                "\"not a WebSocket handshake: GET with Sec-WebSocket-Key and Sec-WebSocket-Version: 13\"",
            );
        };
        let accept = derive_accept_key(key.as_bytes());
        let on_upgrade = hyper::upgrade::on(&mut req);
        tokio::spawn(async move {
            match on_upgrade.await {
                Ok(upgraded) => {
                    let io = hyper_util::rt::TokioIo::new(upgraded);
                    let ws = WebSocketStream::from_raw_socket(io, Role::Server, None).await;
                    serve_session(ws, self.runtime, id).await;
                }
                Err(e) => {
                    tracing::debug!(target: "qirvo::inspector", "WebSocket upgrade failed: {e}")
                }
            }
        });
        let mut r = HttpResponse::new(Full::new(Bytes::new()));
        *r.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
        let headers = r.headers_mut();
        headers.insert(UPGRADE, HeaderValue::from_static("websocket"));
        headers.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
        if let Ok(accept) = HeaderValue::from_str(&accept) {
            headers.insert(SEC_WEBSOCKET_ACCEPT, accept);
        }
        r
    }

    /// `/json/list`: one target per plugin loaded for debugging, its URLs on `host`
    /// (`host[:port]`).
    fn targets_json(&self, host: &str) -> Value {
        let targets: Vec<Value> = self
            .runtime
            .debug_targets()
            .iter()
            .map(|h| {
                let id = h.id();
                let ws = format!("{host}/{id}/{}", self.key.token(id));
                let main = deno_core::ModuleSpecifier::from_file_path(
                    std::path::Path::new(crate::isolate::loader::PLUGIN_URL_DIR).join(&h.manifest().main),
                )
                .map(|u| u.to_string())
                .unwrap_or_default();
                json!({
                    "description": format!("qirvo plugin {id} ({})", h.state()),
                    "devtoolsFrontendUrl": format!("devtools://devtools/bundled/js_app.html?experiments=true&v8only=true&ws={ws}"),
                    "devtoolsFrontendUrlCompat": format!("devtools://devtools/bundled/inspector.html?experiments=true&v8only=true&ws={ws}"),
                    "faviconUrl": "https://nodejs.org/static/images/favicons/favicon.ico",
                    "id": id,
                    "title": format!("{} ({id})", h.manifest().name),
                    "type": "node",
                    "url": main,
                    "webSocketDebuggerUrl": format!("ws://{ws}"),
                })
            })
            .collect();
        Value::Array(targets)
    }
}

/// `/json/version`.
fn version_json() -> Value {
    json!({
        "Browser": format!("qirvo/{}", env!("CARGO_PKG_VERSION")),
        "Protocol-Version": "1.3",
        "V8-Version": engine_name(),
    })
}

fn engine_name() -> &'static str {
    if cfg!(feature = "v8") {
        "v8"
    } else {
        "quickjs (deno_v8)"
    }
}

/// One WebSocket client attached to one plugin.
struct Cdp {
    session: DebugSession,
    out: mpsc::UnboundedSender<String>,
    debugger_enabled: AtomicBool,
    runtime_enabled: AtomicBool,
    /// Scripts already announced with `Debugger.scriptParsed`.
    announced: Mutex<HashSet<String>>,
}

async fn serve_session(
    ws: WebSocketStream<hyper_util::rt::TokioIo<hyper::upgrade::Upgraded>>,
    runtime: PluginRuntime,
    id: String,
) {
    let (mut sink, mut stream) = ws.split();
    let session = match runtime.debug(&id) {
        Ok(s) => s,
        Err(e) => {
            let _ = sink
                .send(Message::Close(Some(
                    tokio_tungstenite::tungstenite::protocol::CloseFrame {
                        code: tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode::Policy,
                        reason: e.to_string().chars().take(120).collect::<String>().into(),
                    },
                )))
                .await;
            return;
        }
    };
    let (out, mut out_rx) = mpsc::unbounded_channel::<String>();
    let writer = tokio::spawn(async move {
        while let Some(text) = out_rx.recv().await {
            if sink.send(Message::Text(text.into())).await.is_err() {
                break;
            }
        }
        let _ = sink.close().await;
    });
    let cdp = Arc::new(Cdp {
        session,
        out,
        debugger_enabled: AtomicBool::new(false),
        runtime_enabled: AtomicBool::new(false),
        announced: Mutex::new(HashSet::new()),
    });
    let events = tokio::spawn({
        let cdp = cdp.clone();
        async move {
            while let Some(event) = cdp.session.next_event().await {
                cdp.on_event(event).await;
            }
        }
    });
    while let Some(msg) = stream.next().await {
        match msg {
            Ok(Message::Text(text)) => cdp.clone().handle(text.as_str()),
            Ok(Message::Binary(bytes)) => {
                if let Ok(text) = std::str::from_utf8(&bytes) {
                    cdp.clone().handle(text)
                }
            }
            Ok(Message::Close(_)) | Err(_) => break,
            Ok(_) => {}
        }
    }
    events.abort();
    let _ = events.await;
    // Dropping the session removes its breakpoints and, if it was the last, resumes.
    drop(cdp);
    let _ = writer.await;
}

fn remote_json(v: &RemoteValue) -> Value {
    let mut v = serde_json::to_value(v).unwrap_or(Value::Null);
    if let Some(o) = v.as_object_mut() {
        o.remove("json");
    }
    v
}

fn evaluation_json(e: Evaluation) -> Value {
    let result = remote_json(&e.result);
    if e.thrown {
        // As V8: the text is "Uncaught"; DevTools prints the exception's description.
        json!({
            "result": result,
            "exceptionDetails": {
                "exceptionId": 1,
                "text": "Uncaught",
                "lineNumber": 0,
                "columnNumber": 0,
                "exception": result,
            }
        })
    } else {
        json!({ "result": result })
    }
}

fn cdp_error(e: &DebugError) -> (i64, String) {
    (-32000, e.to_string())
}

/// A CDP method's result, or its error code and message.
type CdpResult = Result<Value, (i64, String)>;

/// How a domain handler answered a request.
enum Reply {
    /// Send this result now.
    Now(CdpResult),
    /// Already answered, or a task answers when the plugin thread has.
    Later,
}

fn unknown_method(method: &str) -> (i64, String) {
    (-32601, format!("'{method}' wasn't found"))
}

/// The `Profiler` and `HeapProfiler` domains: enabling and disabling are accepted so that
/// DevTools opens; profiles are taken through the host API, not over CDP.
fn profiler_domain(method: &str) -> CdpResult {
    match method {
        "Profiler.enable" | "Profiler.disable" | "HeapProfiler.enable" | "HeapProfiler.disable" => {
            Ok(json!({}))
        }
        other => Err(unknown_method(other)),
    }
}

/// One property of `Runtime.getProperties`.
fn property_json(p: &crate::debug::pause::PropertyInfo) -> Value {
    let mut v = json!({
        "name": p.name,
        "writable": p.writable,
        "configurable": p.configurable,
        "enumerable": p.enumerable,
        "isOwn": true,
    });
    if let Some(x) = &p.value {
        v["value"] = remote_json(x);
    }
    if let Some(x) = &p.get {
        v["get"] = remote_json(x);
    }
    if let Some(x) = &p.set {
        v["set"] = remote_json(x);
    }
    v
}

impl Cdp {
    fn send(&self, v: Value) {
        let _ = self.out.send(v.to_string());
    }

    fn event(&self, method: &str, params: Value) {
        self.send(json!({ "method": method, "params": params }));
    }

    fn reply(&self, id: &Value, result: Result<Value, (i64, String)>) {
        match result {
            Ok(r) => self.send(json!({ "id": id, "result": r })),
            Err((code, message)) => {
                self.send(json!({ "id": id, "error": { "code": code, "message": message } }))
            }
        }
    }

    fn script_id(&self, url: &str) -> Option<String> {
        self.session
            .scripts()
            .into_iter()
            .find(|s| s.url == url)
            .map(|s| s.id)
    }

    fn announce_scripts(&self) {
        for s in self.session.scripts() {
            self.announce(&s);
        }
    }

    fn announce(&self, s: &crate::debug::pause::ScriptInfo) {
        if !self.announced.lock().insert(s.id.clone()) {
            return;
        }
        self.event(
            "Debugger.scriptParsed",
            json!({
                "scriptId": s.id,
                "url": s.url,
                "startLine": 0,
                "startColumn": 0,
                "endLine": s.lines,
                "endColumn": 0,
                "executionContextId": 1,
                "hash": "",
                "isModule": true,
                "hasSourceURL": false,
                "scriptLanguage": "JavaScript",
            }),
        );
    }

    async fn on_event(&self, event: DebugEvent) {
        match event {
            DebugEvent::ScriptParsed(s) => {
                if self.debugger_enabled.load(Ordering::Acquire) {
                    self.announce(&s);
                }
            }
            DebugEvent::Paused(p) => {
                if self.debugger_enabled.load(Ordering::Acquire) {
                    self.send_paused(p).await;
                }
            }
            DebugEvent::Resumed => {
                if self.debugger_enabled.load(Ordering::Acquire) {
                    self.event("Debugger.resumed", json!({}));
                }
            }
            DebugEvent::Log(entry) => {
                if self.runtime_enabled.load(Ordering::Acquire) {
                    let kind = match entry.level {
                        LogLevel::Debug => "debug",
                        LogLevel::Info => "log",
                        LogLevel::Warn => "warning",
                        LogLevel::Error => "error",
                    };
                    let ts = entry
                        .time
                        .duration_since(std::time::UNIX_EPOCH)
                        .unwrap_or_default()
                        .as_secs_f64()
                        * 1000.0;
                    self.event(
                        "Runtime.consoleAPICalled",
                        json!({
                            "type": kind,
                            "args": [{ "type": "string", "value": entry.message }],
                            "executionContextId": 1,
                            "timestamp": ts,
                            "stackTrace": { "callFrames": [] },
                        }),
                    );
                }
            }
        }
    }

    async fn send_paused(&self, p: Paused) {
        // Scripts first, so every frame's scriptId is known to the client.
        self.announce_scripts();
        let scopes = self.session.scopes().await.unwrap_or_default();
        let global = scopes
            .iter()
            .find(|s| s.kind == "global")
            .map(|s| remote_json(&s.object));
        let frames: Vec<Value> = p
            .frames
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let chain: Vec<Value> = if i == 0 {
                    scopes
                        .iter()
                        .map(|s| json!({ "type": s.kind, "object": remote_json(&s.object) }))
                        .collect()
                } else {
                    global
                        .iter()
                        .map(|g| json!({ "type": "global", "object": g }))
                        .collect()
                };
                json!({
                    "callFrameId": i.to_string(),
                    "functionName": f.function,
                    "location": {
                        "scriptId": self.script_id(&f.url).unwrap_or_default(),
                        "lineNumber": f.line.saturating_sub(1),
                        "columnNumber": f.column.saturating_sub(1),
                    },
                    "url": f.url,
                    "scopeChain": chain,
                    "this": { "type": "undefined" },
                    "canBeRestarted": false,
                })
            })
            .collect();
        let hits: Vec<String> = match &p.reason {
            PauseReason::Breakpoint(ids) => ids.iter().map(|i| i.to_string()).collect(),
            _ => Vec::new(),
        };
        let reason = match p.reason {
            PauseReason::Breakpoint(_) | PauseReason::Requested | PauseReason::Step => "other",
            PauseReason::DebuggerStatement => "debugCommand",
            PauseReason::Entry => "Break on start",
        };
        self.event(
            "Debugger.paused",
            json!({ "callFrames": frames, "reason": reason, "hitBreakpoints": hits }),
        );
    }

    /// One CDP request: dispatched by domain; every request gets exactly one reply, now or
    /// (for what waits on the plugin thread) from a task.
    fn handle(self: Arc<Self>, text: &str) {
        let Ok(msg) = serde_json::from_str::<Value>(text) else {
            return;
        };
        let id = msg.get("id").cloned().unwrap_or(Value::Null);
        let method = msg["method"].as_str().unwrap_or("");
        let params = msg.get("params").cloned().unwrap_or(json!({}));
        let reply = match method.split_once('.').map(|(domain, _)| domain) {
            Some("Runtime") => self.runtime_domain(&id, method, &params),
            Some("Debugger") => self.debugger_domain(&id, method, &params),
            Some("Profiler" | "HeapProfiler") => Reply::Now(profiler_domain(method)),
            _ => Reply::Now(Err(unknown_method(method))),
        };
        if let Reply::Now(result) = reply {
            self.reply(&id, result);
        }
    }

    /// Answers `id` from a task with what `f` computes (it waits on the plugin thread).
    fn reply_later<F>(self: &Arc<Self>, id: &Value, f: impl FnOnce(Arc<Self>) -> F) -> Reply
    where
        F: Future<Output = CdpResult> + Send + 'static,
    {
        let (cdp, id) = (self.clone(), id.clone());
        let work = f(self.clone());
        tokio::spawn(async move { cdp.reply(&id, work.await) });
        Reply::Later
    }

    /// The `Runtime` domain: the execution context, evaluation, properties, console.
    fn runtime_domain(self: &Arc<Self>, id: &Value, method: &str, params: &Value) -> Reply {
        let result = match method {
            "Runtime.enable" => {
                self.reply(id, Ok(json!({})));
                self.runtime_enabled.store(true, Ordering::Release);
                self.event(
                    "Runtime.executionContextCreated",
                    json!({ "context": {
                        "id": 1,
                        "origin": "",
                        "name": self.session.plugin().id(),
                        "uniqueId": format!("{}-1", self.session.plugin().id()),
                        "auxData": { "isDefault": true },
                    }}),
                );
                return Reply::Later;
            }
            "Runtime.disable" => {
                self.runtime_enabled.store(false, Ordering::Release);
                Ok(json!({}))
            }
            "Runtime.evaluate" => {
                let expression = params["expression"].as_str().unwrap_or("").to_string();
                return self.reply_later(id, |cdp| async move {
                    cdp.session
                        .evaluate_raw(&expression, None)
                        .await
                        .map(evaluation_json)
                        .map_err(|e| cdp_error(&e))
                });
            }
            "Runtime.getProperties" => {
                let object = params["objectId"].as_str().unwrap_or("").to_string();
                return self.reply_later(id, |cdp| async move {
                    let props = cdp.session.properties(&object).await;
                    let props = props.map_err(|e| cdp_error(&e))?;
                    let list: Vec<Value> = props.iter().map(property_json).collect();
                    Ok(json!({ "result": list }))
                });
            }
            // DevTools checks console input with this before evaluating it.
            "Runtime.compileScript" => Ok(json!({})),
            "Runtime.globalLexicalScopeNames" => Ok(json!({ "names": [] })),
            "Runtime.getIsolateId" => Ok(json!({ "id": self.session.plugin().id() })),
            "Runtime.getHeapUsage" => {
                let heap = self.session.plugin().heap();
                Ok(json!({ "usedSize": heap.used.bytes(), "totalSize": heap.limit.bytes() }))
            }
            "Runtime.runIfWaitingForDebugger"
            | "Runtime.releaseObject"
            | "Runtime.releaseObjectGroup"
            | "Runtime.discardConsoleEntries"
            | "Runtime.setAsyncCallStackDepth" => Ok(json!({})),
            other => Err(unknown_method(other)),
        };
        Reply::Now(result)
    }

    /// The `Debugger` domain: scripts, breakpoints, pausing and stepping, call frames.
    fn debugger_domain(self: &Arc<Self>, id: &Value, method: &str, params: &Value) -> Reply {
        let result = match method {
            "Debugger.enable" => {
                self.reply(id, Ok(json!({ "debuggerId": self.session.plugin().id() })));
                self.debugger_enabled.store(true, Ordering::Release);
                self.announce_scripts();
                if let Some(p) = self.session.paused() {
                    let cdp = self.clone();
                    tokio::spawn(async move { cdp.send_paused(p).await });
                }
                return Reply::Later;
            }
            "Debugger.disable" => {
                self.debugger_enabled.store(false, Ordering::Release);
                Ok(json!({}))
            }
            "Debugger.setBreakpointByUrl" => self.set_breakpoint_by_url(params),
            "Debugger.setBreakpoint" => self.set_breakpoint(params),
            "Debugger.removeBreakpoint" => {
                let bp = params["breakpointId"]
                    .as_str()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
                self.session
                    .remove_breakpoint(bp)
                    .map(|_| json!({}))
                    .map_err(|e| cdp_error(&e))
            }
            "Debugger.setBreakpointsActive" => {
                self.session
                    .set_breakpoints_active(params["active"].as_bool().unwrap_or(true));
                Ok(json!({}))
            }
            "Debugger.setSkipAllPauses" => {
                self.session
                    .set_skip_all_pauses(params["skip"].as_bool().unwrap_or(false));
                Ok(json!({}))
            }
            "Debugger.pause" => {
                self.session.pause();
                Ok(json!({}))
            }
            "Debugger.resume" => self.step(None),
            "Debugger.stepOver" => self.step(Some(StepKind::Over)),
            "Debugger.stepInto" => self.step(Some(StepKind::Into)),
            "Debugger.stepOut" => self.step(Some(StepKind::Out)),
            "Debugger.getPossibleBreakpoints" => Ok(self.possible_breakpoints(params)),
            "Debugger.getScriptSource" => {
                let script = params["scriptId"].as_str().unwrap_or("");
                self.session
                    .script_source(script)
                    .map(|s| json!({ "scriptSource": s }))
                    .ok_or_else(|| (-32000, format!("no script {script:?}")))
            }
            "Debugger.evaluateOnCallFrame" => {
                let frame = params["callFrameId"].as_str().unwrap_or("0").to_string();
                let expression = params["expression"].as_str().unwrap_or("").to_string();
                return self.reply_later(id, |cdp| async move {
                    if frame != "0" {
                        return Err((
                            -32000,
                            "only the innermost frame's scope can be evaluated; select the top frame".to_string(),
                        ));
                    }
                    cdp.session
                        .evaluate_raw(&expression, Some(0))
                        .await
                        .map(evaluation_json)
                        .map_err(|e| cdp_error(&e))
                });
            }
            "Debugger.setPauseOnExceptions"
            | "Debugger.setAsyncCallStackDepth"
            | "Debugger.setBlackboxPatterns" => Ok(json!({})),
            other => Err(unknown_method(other)),
        };
        Reply::Now(result)
    }

    /// `Debugger.setBreakpoint`: a line in a script named by id.
    fn set_breakpoint(&self, params: &Value) -> CdpResult {
        let script = params["location"]["scriptId"].as_str().unwrap_or("");
        let line = params["location"]["lineNumber"].as_u64().unwrap_or(0) as u32 + 1;
        match self.session.scripts().into_iter().find(|s| s.id == script) {
            None => Err((-32000, format!("no script {script:?}"))),
            Some(s) => self
                .session
                .set_breakpoint(&s.url, line)
                .map(|b| {
                    json!({
                        "breakpointId": b.id.to_string(),
                        "actualLocation": b.location.map(|l| self.location_json(&l)),
                    })
                })
                .map_err(|e| cdp_error(&e)),
        }
    }

    /// `Debugger.getPossibleBreakpoints`: the breakable locations from `start` to `end`.
    fn possible_breakpoints(&self, params: &Value) -> Value {
        let start = &params["start"];
        let script = start["scriptId"].as_str().unwrap_or("").to_string();
        let from = (
            start["lineNumber"].as_u64().unwrap_or(0) as u32 + 1,
            start["columnNumber"].as_u64().unwrap_or(0) as u32 + 1,
        );
        let to = params.get("end").map(|e| {
            (
                e["lineNumber"].as_u64().unwrap_or(u64::from(u32::MAX)) as u32 + 1,
                e["columnNumber"].as_u64().unwrap_or(0) as u32 + 1,
            )
        });
        let locations: Vec<Value> = self
            .session
            .breakable_locations(&script)
            .into_iter()
            .filter(|loc| *loc >= from && to.is_none_or(|t| *loc < t))
            .map(|(line, column)| {
                json!({
                    "scriptId": script,
                    "lineNumber": line - 1,
                    "columnNumber": column - 1,
                })
            })
            .collect();
        json!({ "locations": locations })
    }

    fn step(&self, step: Option<StepKind>) -> CdpResult {
        self.session
            .resume_with(step)
            .map(|_| json!({}))
            .map_err(|_| {
                (
                    -32000,
                    "Can only perform operation while paused.".to_string(),
                )
            })
    }

    fn location_json(&self, l: &crate::debug::pause::Location) -> Value {
        json!({
            "scriptId": self.script_id(&l.url).unwrap_or_default(),
            "lineNumber": l.line.saturating_sub(1),
            "columnNumber": l.column.saturating_sub(1),
        })
    }

    fn set_breakpoint_by_url(&self, params: &Value) -> CdpResult {
        let line = params["lineNumber"]
            .as_u64()
            .ok_or((-32602, "lineNumber is required".to_string()))? as u32
            + 1;
        let file = if let Some(url) = params["url"].as_str() {
            url.to_string()
        } else if let Some(pattern) = params["urlRegex"].as_str() {
            let re = regex::Regex::new(pattern).map_err(|e| (-32602, e.to_string()))?;
            self.session
                .scripts()
                .into_iter()
                .find(|s| re.is_match(&s.url))
                .map(|s| s.url)
                .ok_or((-32000, format!("no loaded script matches {pattern:?}")))?
        } else {
            return Err((-32602, "url or urlRegex is required".to_string()));
        };
        let bp = match params["condition"]
            .as_str()
            .filter(|c| !c.trim().is_empty())
        {
            Some(condition) => self
                .session
                .set_conditional_breakpoint(&file, line, condition),
            None => self.session.set_breakpoint(&file, line),
        }
        .map_err(|e| cdp_error(&e))?;
        let locations: Vec<Value> = bp.location.iter().map(|l| self.location_json(l)).collect();
        Ok(json!({ "breakpointId": bp.id.to_string(), "locations": locations }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_ip_and_localhost_hosts_are_served() {
        assert!(host_allowed(Some("127.0.0.1:9229")));
        assert!(host_allowed(Some("localhost:9229")));
        assert!(host_allowed(Some("[::1]:9229")));
        assert!(host_allowed(None));
        assert!(!host_allowed(Some("evil.example:9229")));
        assert!(!host_allowed(Some("attacker.test")));
        assert!(host_allowed(Some("localhost")));
        assert!(host_allowed(Some("[::ffff:127.0.0.1]")));
        // Nothing but a numeric port may follow the host: the value goes into URLs.
        assert!(!host_allowed(Some("127.0.0.1:9229/evil")));
        assert!(!host_allowed(Some("127.0.0.1:x")));
        assert!(!host_allowed(Some("127.0.0.1:99999")));
        assert!(!host_allowed(Some("[::1]evil")));
        assert!(!host_allowed(Some("[::1]:9229/x")));
        assert!(!host_allowed(Some("[::1")));
        assert!(!host_allowed(Some("localhost@evil.example:80")));
    }
}
