//! The Chrome DevTools Protocol server, driven by a real WebSocket CDP client: targets,
//! scripts, a breakpoint on a TS line, `Debugger.paused` with the right frame, evaluation
//! on the call frame, the variables view, resume, console events.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use qirvo::{InspectorError, InspectorServer};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::debug::{debug_runtime, line_of};
use crate::helpers::plugin_fixture;

fn http_get(addr: SocketAddr, path: &str, host: &str) -> (String, String) {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n").unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    (head.lines().next().unwrap().to_string(), body.to_string())
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A minimal CDP client: numbered requests, and the events seen while waiting.
struct Client {
    ws: Ws,
    next: u64,
    events: Vec<Value>,
}

impl Client {
    async fn connect(url: &str) -> Client {
        let (ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        Client {
            ws,
            next: 1,
            events: Vec::new(),
        }
    }

    async fn recv(&mut self) -> Value {
        let msg = tokio::time::timeout(Duration::from_secs(10), self.ws.next())
            .await
            .expect("a CDP message within 10 s")
            .unwrap()
            .unwrap();
        serde_json::from_str(msg.to_text().unwrap()).unwrap()
    }

    async fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.next;
        self.next += 1;
        let msg = json!({ "id": id, "method": method, "params": params });
        self.ws
            .send(Message::Text(msg.to_string().into()))
            .await
            .unwrap();
        loop {
            let v = self.recv().await;
            if v["id"] == json!(id) {
                return v;
            }
            self.events.push(v);
        }
    }

    /// The next event named `method` (including ones already received).
    async fn event(&mut self, method: &str) -> Value {
        if let Some(i) = self.events.iter().position(|e| e["method"] == method) {
            return self.events.remove(i);
        }
        loop {
            let v = self.recv().await;
            if v["method"] == method {
                return v;
            }
            self.events.push(v);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cdp_client_sets_a_breakpoint_sees_the_pause_evaluates_and_resumes() {
    let rt = debug_runtime();
    let p = rt.load(plugin_fixture("debuggee")).await.unwrap();
    let server = InspectorServer::start(rt.clone(), "127.0.0.1:0".parse().unwrap(), false)
        .await
        .unwrap();
    let addr = server.local_addr();

    // Discovery, as DevTools does it.
    let (status, body) = http_get(addr, "/json/version", &addr.to_string());
    assert_eq!(status, "HTTP/1.1 200 OK");
    let version: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(version["Protocol-Version"], "1.3");
    let (_, body) = http_get(addr, "/json/list", &addr.to_string());
    let targets: Vec<Value> = serde_json::from_str(&body).unwrap();
    assert_eq!(targets.len(), 1);
    assert_eq!(targets[0]["id"], "debuggee");
    let ws_url = targets[0]["webSocketDebuggerUrl"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(ws_url, server.websocket_url("debuggee"));
    // DNS rebinding: a page on a name it controls cannot reach the inspector.
    let (status, _) = http_get(addr, "/json/list", "attacker.example:9229");
    assert_eq!(status, "HTTP/1.1 403 Forbidden");

    // A web page can open a WebSocket to loopback, but without the token from the list
    // (which it cannot read) there is no target.
    let guess = format!("ws://{addr}/debuggee");
    assert!(tokio_tungstenite::connect_async(&guess).await.is_err());
    assert!(
        tokio_tungstenite::connect_async(&format!("{guess}/0123456789abcdef"))
            .await
            .is_err()
    );

    let mut c = Client::connect(&ws_url).await;
    assert!(c.call("Runtime.enable", json!({})).await["result"].is_object());
    c.event("Runtime.executionContextCreated").await;
    c.call("Debugger.enable", json!({})).await;
    let mut main_url = None;
    while main_url.is_none() {
        let parsed = c.event("Debugger.scriptParsed").await;
        let url = parsed["params"]["url"].as_str().unwrap().to_string();
        if url == "file:///plugin/pricing.ts" {
            let id = parsed["params"]["scriptId"].as_str().unwrap().to_string();
            let src = c
                .call("Debugger.getScriptSource", json!({ "scriptId": id }))
                .await;
            let text = src["result"]["scriptSource"].as_str().unwrap();
            assert!(
                text.contains("export function lineTotal(order: Order)"),
                "the original TS"
            );
            // Where it can stop: statements, not blank lines or declarations.
            let possible = c
                .call(
                    "Debugger.getPossibleBreakpoints",
                    json!({ "start": { "scriptId": id, "lineNumber": 0, "columnNumber": 0 } }),
                )
                .await;
            let lines: Vec<u64> = possible["result"]["locations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l["lineNumber"].as_u64().unwrap() + 1)
                .collect();
            assert_eq!(
                lines,
                [
                    line_of("pricing.ts", "subtotal") as u64,
                    line_of("pricing.ts", "subtotal") as u64 + 1,
                    line_of("pricing.ts", "lineTotal-return") as u64,
                ]
            );
            main_url = Some(url);
        }
    }
    let url = main_url.unwrap();

    // A breakpoint on a TS line (CDP lines count from 0).
    let line = line_of("pricing.ts", "subtotal");
    let bp = c
        .call(
            "Debugger.setBreakpointByUrl",
            json!({ "url": url, "lineNumber": line - 1, "columnNumber": 0 }),
        )
        .await;
    let bp_id = bp["result"]["breakpointId"].as_str().unwrap().to_string();
    assert_eq!(bp["result"]["locations"][0]["lineNumber"], json!(line - 1));

    let call = tokio::spawn({
        let p = p.clone();
        async move {
            p.call("total", vec![json!([{ "sku": "z", "qty": 4, "price": 5 }])])
                .await
        }
    });
    let paused = c.event("Debugger.paused").await;
    let frames = paused["params"]["callFrames"].as_array().unwrap();
    assert_eq!(paused["params"]["hitBreakpoints"], json!([bp_id]));
    assert_eq!(frames[0]["functionName"], "lineTotal");
    assert_eq!(frames[0]["url"], json!(url));
    assert_eq!(frames[0]["location"]["lineNumber"], json!(line - 1));
    assert_eq!(frames[1]["functionName"], "total");
    assert!(
        frames[1]["url"]
            .as_str()
            .unwrap()
            .ends_with("file:///plugin/main.ts")
    );

    // A local of the paused frame.
    let r = c
        .call(
            "Debugger.evaluateOnCallFrame",
            json!({ "callFrameId": frames[0]["callFrameId"], "expression": "order.qty * order.price" }),
        )
        .await;
    assert_eq!(r["result"]["result"]["value"], json!(20));
    // Objects come with a preview of their first properties, as a console shows them.
    let r = c
        .call(
            "Debugger.evaluateOnCallFrame",
            json!({ "callFrameId": "0", "expression": "order", "generatePreview": true }),
        )
        .await;
    let preview = &r["result"]["result"]["preview"];
    assert_eq!(
        preview["properties"][0],
        json!({ "name": "sku", "type": "string", "value": "z" })
    );
    assert_eq!(
        preview["properties"][1],
        json!({ "name": "qty", "type": "number", "value": "4" })
    );
    assert_eq!(preview["overflow"], json!(false));
    assert!(
        r["result"]["result"].get("json").is_none(),
        "not a protocol field"
    );
    // The variables view: the local scope lists the frame's names.
    let local = frames[0]["scopeChain"][0].clone();
    assert_eq!(local["type"], "local");
    let props = c
        .call(
            "Runtime.getProperties",
            json!({ "objectId": local["object"]["objectId"], "ownProperties": true }),
        )
        .await;
    let order = props["result"]["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "order")
        .cloned()
        .expect("order in the local scope");
    assert_eq!(order["value"]["type"], "object");
    let r = c
        .call(
            "Debugger.evaluateOnCallFrame",
            json!({ "callFrameId": "0", "expression": "missing + 1" }),
        )
        .await;
    assert_eq!(r["result"]["exceptionDetails"]["text"], "Uncaught");
    assert!(
        r["result"]["exceptionDetails"]["exception"]["description"]
            .as_str()
            .unwrap()
            .contains("ReferenceError"),
        "{r}"
    );

    // Resume: the call completes, and its console line arrives as a CDP event.
    c.call(
        "Debugger.removeBreakpoint",
        json!({ "breakpointId": bp_id }),
    )
    .await;
    let r = c.call("Debugger.resume", json!({})).await;
    assert!(r.get("error").is_none(), "{r}");
    c.event("Debugger.resumed").await;
    assert_eq!(call.await.unwrap().unwrap(), json!(20));
    let log = c.event("Runtime.consoleAPICalled").await;
    assert_eq!(
        log["params"]["args"][0]["value"],
        "orders: 1 orders, total 20"
    );

    // Deactivated breakpoints are kept but do not stop the plugin.
    let bp = c
        .call(
            "Debugger.setBreakpointByUrl",
            json!({ "url": url, "lineNumber": line - 1 }),
        )
        .await;
    assert!(bp["result"]["breakpointId"].is_string());
    c.call("Debugger.setBreakpointsActive", json!({ "active": false }))
        .await;
    let one = json!([{ "sku": "y", "qty": 1, "price": 2 }]);
    let done = tokio::time::timeout(Duration::from_secs(5), p.call("total", vec![one.clone()]))
        .await
        .expect("no pause while breakpoints are inactive");
    assert_eq!(done.unwrap(), json!(2));
    c.call("Debugger.setBreakpointsActive", json!({ "active": true }))
        .await;
    c.call("Debugger.setSkipAllPauses", json!({ "skip": true }))
        .await;
    let done = tokio::time::timeout(Duration::from_secs(5), p.call("total", vec![one]))
        .await
        .expect("no pause while skipping all pauses");
    assert_eq!(done.unwrap(), json!(2));
    c.call("Debugger.setSkipAllPauses", json!({ "skip": false }))
        .await;
    c.call(
        "Debugger.removeBreakpoint",
        json!({ "breakpointId": bp["result"]["breakpointId"] }),
    )
    .await;

    // Runtime.evaluate while running: the global scope.
    let r = c
        .call("Runtime.evaluate", json!({ "expression": "typeof qirvo" }))
        .await;
    assert_eq!(r["result"]["result"]["value"], "object");
    // Not paused: resume is refused as V8 refuses it.
    let r = c.call("Debugger.resume", json!({})).await;
    assert!(r["error"]["message"].as_str().unwrap().contains("paused"));
    let r = c.call("Nope.nothing", json!({})).await;
    assert_eq!(r["error"]["code"], json!(-32601));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_inspector_binds_loopback_unless_told_otherwise() {
    let rt = debug_runtime();
    let err = InspectorServer::start(rt.clone(), "0.0.0.0:0".parse().unwrap(), false)
        .await
        .unwrap_err();
    assert!(matches!(err, InspectorError::NotLoopback(_)));
    assert!(err.to_string().contains("not a loopback address"), "{err}");
    // Worded for library users: the setting to change, no internal names or CLI flags.
    assert!(err.to_string().contains("set allow_remote"), "{err}");
    assert!(
        !err.to_string().contains("InspectorServer::") && !err.to_string().contains("--inspect"),
        "{err}"
    );
    let (plain, _) = crate::helpers::runtime();
    assert!(matches!(
        InspectorServer::start(plain, "127.0.0.1:0".parse().unwrap(), false).await,
        Err(InspectorError::DebugDisabled)
    ));
}

/// Sends `chunks` as separate TCP writes 50 ms apart and reads the answer to its end.
fn http_raw(addr: SocketAddr, chunks: &[&str]) -> String {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_nodelay(true).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    for chunk in chunks {
        s.write_all(chunk.as_bytes()).unwrap();
        s.flush().unwrap();
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    text
}

#[tokio::test(flavor = "multi_thread")]
async fn the_discovery_endpoints_speak_plain_http() {
    let rt = debug_runtime();
    rt.load(plugin_fixture("debuggee")).await.unwrap();
    let server = InspectorServer::start(rt.clone(), "127.0.0.1:0".parse().unwrap(), false)
        .await
        .unwrap();
    let addr = server.local_addr();
    let host = format!("Host: {addr}\r\n");

    // A request head that arrives in pieces (a slow client, a small MSS) is one request.
    let text = tokio::task::spawn_blocking(move || {
        http_raw(
            addr,
            &["GET /json/li", "st HTTP/1.1\r\nHo", &host[2..], "\r\n"],
        )
    })
    .await
    .unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200 OK"), "{head}");
    let targets: Vec<Value> = serde_json::from_str(body).unwrap();
    assert_eq!(targets[0]["id"], "debuggee");

    // HEAD answers the headers of GET, without the body.
    let get = http_get(addr, "/json/version", &addr.to_string());
    let text = tokio::task::spawn_blocking(move || {
        http_raw(
            addr,
            &[&format!(
                "HEAD /json/version HTTP/1.1\r\nHost: {addr}\r\n\r\n"
            )],
        )
    })
    .await
    .unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200 OK"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains(&format!("content-length: {}", get.1.len())),
        "{head}"
    );
    assert_eq!(body, "");

    // An unknown path, another method, a query string and a trailing slash.
    let (status, body) = http_get(addr, "/json/nothing", &addr.to_string());
    assert_eq!(status, "HTTP/1.1 404 Not Found");
    assert_eq!(body, "\"unknown path\"");
    let (status, body) = http_get(addr, "/json/version/?x=1", &addr.to_string());
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(body, get.1);
    let text = tokio::task::spawn_blocking(move || {
        http_raw(
            addr,
            &[&format!(
                "POST /json/list HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 2\r\n\r\n{{}}"
            )],
        )
    })
    .await
    .unwrap();
    assert!(
        text.starts_with("HTTP/1.1 405 Method Not Allowed"),
        "{text}"
    );
    assert!(
        text.to_ascii_lowercase().contains("allow: get, head"),
        "{text}"
    );

    // DNS rebinding through an absolute-form request target is refused like the Host header.
    let text = tokio::task::spawn_blocking(move || {
        http_raw(
            addr,
            &[&format!(
                "GET http://attacker.example:{}/json/list HTTP/1.1\r\nHost: {addr}\r\n\r\n",
                addr.port()
            )],
        )
    })
    .await
    .unwrap();
    assert!(text.starts_with("HTTP/1.1 403 Forbidden"), "{text}");
    assert!(!text.contains("webSocketDebuggerUrl"), "{text}");
}

/// The `webSocketDebuggerUrl` of each target in `/json/list`, by plugin id, asked with
/// `host` as the Host header (`None`: an HTTP/1.0 request without one).
fn listed_urls(addr: SocketAddr, host: Option<&str>) -> Vec<(String, String, String)> {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    match host {
        Some(h) => write!(s, "GET /json/list HTTP/1.1\r\nHost: {h}\r\n\r\n").unwrap(),
        None => write!(s, "GET /json/list HTTP/1.0\r\n\r\n").unwrap(),
    }
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    assert!(head.contains(" 200 OK"), "{head}");
    let targets: Vec<Value> = serde_json::from_str(body).unwrap();
    targets
        .iter()
        .map(|t| {
            (
                t["id"].as_str().unwrap().to_string(),
                t["webSocketDebuggerUrl"].as_str().unwrap().to_string(),
                t["devtoolsFrontendUrl"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Bound to every interface, `/json/list` names the host the client asked for, not
/// `0.0.0.0`; each plugin has a token of its own, good only for its own target.
#[tokio::test(flavor = "multi_thread")]
async fn target_urls_name_the_requested_host_and_each_target_has_its_own_token() {
    let rt = debug_runtime();
    rt.load(plugin_fixture("debuggee")).await.unwrap();
    rt.load(plugin_fixture("hello")).await.unwrap();
    let server = InspectorServer::start(rt.clone(), "0.0.0.0:0".parse().unwrap(), true)
        .await
        .unwrap();
    let port = server.local_addr().port();
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();

    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("LocalHost:{port}"),
        format!("127.1.2.3:{port}"),
        format!("[::1]:{port}"),
        "localhost".to_string(),
    ] {
        let h = host.clone();
        let urls = tokio::task::spawn_blocking(move || listed_urls(addr, Some(&h)))
            .await
            .unwrap();
        assert_eq!(urls.len(), 2, "{urls:?}");
        for (id, ws, frontend) in &urls {
            let prefix = format!("ws://{host}/{id}/");
            assert!(ws.starts_with(&prefix), "{ws} for Host {host}");
            assert!(
                frontend.ends_with(&format!("&ws={}", &ws["ws://".len()..])),
                "{frontend} for Host {host}"
            );
            assert!(!ws.contains("0.0.0.0") && !frontend.contains("0.0.0.0"));
        }
    }
    // A Host with anything but a numeric port after the address is refused, not reflected.
    for bad in [
        format!("127.0.0.1:{port}/evil"),
        format!("[::1]:{port}?x"),
        "127.0.0.1:notaport".to_string(),
    ] {
        let (status, body) =
            tokio::task::spawn_blocking(move || http_get(addr, "/json/list", &bad))
                .await
                .unwrap();
        assert_eq!(status, "HTTP/1.1 403 Forbidden");
        assert!(!body.contains("webSocketDebuggerUrl"));
    }
    // No Host header at all: the bound address.
    let urls = tokio::task::spawn_blocking(move || listed_urls(addr, None))
        .await
        .unwrap();
    for (id, ws, _) in &urls {
        assert!(
            ws.starts_with(&format!("ws://0.0.0.0:{port}/{id}/")),
            "{ws}"
        );
    }

    let urls = tokio::task::spawn_blocking(move || listed_urls(addr, Some(&addr.to_string())))
        .await
        .unwrap();
    let token_of = |id: &str| -> String {
        let (_, ws, _) = urls.iter().find(|(i, _, _)| i == id).unwrap();
        ws.rsplit('/').next().unwrap().to_string()
    };
    let (a, b) = (token_of("debuggee"), token_of("com.example.hello"));
    for t in [&a, &b] {
        assert_eq!(t.len(), 32, "{t}");
        assert!(t.bytes().all(|c| c.is_ascii_hexdigit()), "{t}");
    }
    assert_ne!(a, b, "two targets share a token");
    // Stable: the library's URL is the listed one, on the bound address.
    assert!(
        server
            .websocket_url("debuggee")
            .ends_with(&format!("/debuggee/{a}"))
    );
    assert!(
        server
            .websocket_url("com.example.hello")
            .ends_with(&format!("/com.example.hello/{b}"))
    );

    // The old rules: no token, a wrong token, or another target's token gets no target.
    for url in [
        format!("ws://{addr}/debuggee"),
        format!("ws://{addr}/debuggee/0123456789abcdef0123456789abcdef"),
        format!("ws://{addr}/debuggee/{b}"),
        format!("ws://{addr}/com.example.hello/{a}"),
        format!("ws://{addr}/debuggee/{}", &a[..31]),
    ] {
        assert!(
            tokio_tungstenite::connect_async(&url).await.is_err(),
            "{url} connected"
        );
    }
    // Each target's own URL, through the host the client named, does connect.
    for (id, token) in [("debuggee", &a), ("com.example.hello", &b)] {
        let mut c = Client::connect(&format!("ws://127.0.0.1:{port}/{id}/{token}")).await;
        assert!(c.call("Runtime.enable", json!({})).await["result"].is_object());
    }
}
