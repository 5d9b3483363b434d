//! The fetch body model (issue 15) against a server of the test's own on 127.0.0.1: a
//! response body is a stream that delivers bytes as they arrive, request bodies may be
//! FormData (multipart) or a stream, gzip is read through DecompressionStream, clones tee,
//! headers are validated, and the body cap holds on a body of unannounced length.

use std::convert::Infallible;
use std::sync::Arc;

use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Bytes, Frame, Incoming};
use hyper::{Request, Response};
use qirvo::{PluginHandle, PluginRuntime};
use serde_json::{Value, json};
use tokio::sync::{Notify, mpsc};

use crate::helpers::*;

type Body = http_body_util::combinators::BoxBody<Bytes, Infallible>;

struct Server {
    port: u16,
    /// Lets `/stream` send the rest of its body.
    release: Arc<Notify>,
}

/// The server: `/stream` sends "first;" and waits for `release` before "second" and the end;
/// `/multipart` and `/upload` report what they received; `/gzip` is gzip-encoded;
/// `/endless/<MiB>` is a body of that size with no Content-Length; `/text` is plain text.
async fn serve() -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let release = Arc::new(Notify::new());
    let r = release.clone();
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                return;
            };
            let r = r.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req| route(req, r.clone()));
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(sock), service)
                    .await;
            });
        }
    });
    Server { port, release }
}

fn full(b: impl Into<Bytes>) -> Body {
    Full::new(b.into()).boxed()
}

/// A body fed from a channel, one frame per message.
fn channel_body() -> (mpsc::Sender<Bytes>, Body) {
    let (tx, mut rx) = mpsc::channel::<Bytes>(1);
    let stream = futures::stream::poll_fn(move |cx| {
        rx.poll_recv(cx)
            .map(|c| c.map(|b| Ok::<_, Infallible>(Frame::data(b))))
    });
    (tx, StreamBody::new(stream).boxed())
}

async fn route(req: Request<Incoming>, release: Arc<Notify>) -> Result<Response<Body>, Infallible> {
    let path = req.uri().path().to_string();
    let header = |name: &str| {
        req.headers()
            .get(name)
            .map(|v| v.to_str().unwrap_or("").to_string())
    };
    let (content_type, length, chunked) = (
        header("content-type"),
        header("content-length"),
        header("transfer-encoding"),
    );
    let json = |v: Value| {
        Response::builder()
            .header("content-type", "application/json")
            .body(full(v.to_string()))
            .unwrap()
    };
    Ok(match path.as_str() {
        "/stream" => {
            let (tx, body) = channel_body();
            tokio::spawn(async move {
                let _ = tx.send(Bytes::from_static(b"first;")).await;
                release.notified().await;
                let _ = tx.send(Bytes::from_static(b"second")).await;
            });
            Response::new(body)
        }
        "/multipart" => {
            let body = req.into_body().collect().await.unwrap().to_bytes();
            json(json!({
                "contentLength": length,
                "closed": body.ends_with(b"--\r\n"),
                "parts": parse_multipart(content_type.as_deref().unwrap_or(""), &body),
            }))
        }
        "/upload" => {
            let body = req.into_body().collect().await.unwrap().to_bytes();
            json(json!({
                "body": String::from_utf8_lossy(&body),
                "contentLength": length,
                "transferEncoding": chunked,
            }))
        }
        "/gzip" => Response::builder()
            .header("content-encoding", "gzip")
            .body(full(gzip_stored(GZIP_TEXT.as_bytes())))
            .unwrap(),
        "/text" => Response::builder()
            .header("content-type", "text/plain")
            .header("set-cookie", "s=1")
            .body(full("some text, twice"))
            .unwrap(),
        p if p.starts_with("/endless/") => {
            let mib: usize = p["/endless/".len()..].parse().unwrap_or(0);
            let (tx, body) = channel_body();
            tokio::spawn(async move {
                for _ in 0..mib {
                    if tx.send(Bytes::from(vec![b'e'; 1 << 20])).await.is_err() {
                        return;
                    }
                }
            });
            Response::new(body)
        }
        _ => Response::builder().status(404).body(full("")).unwrap(),
    })
}

/// The parts of a multipart/form-data body: name, filename, type and content of each.
fn parse_multipart(content_type: &str, body: &[u8]) -> Value {
    let Some(boundary) = content_type
        .strip_prefix("multipart/form-data; boundary=")
        .or_else(|| content_type.strip_prefix("multipart/form-data;boundary="))
    else {
        return json!(format!("not multipart/form-data: {content_type}"));
    };
    let delimiter = format!("--{boundary}");
    let text = body.to_vec();
    let mut parts = Vec::new();
    let mut rest: &[u8] = &text;
    // Each part: "--boundary\r\n" headers "\r\n\r\n" content "\r\n"; the last "--boundary--".
    while let Some(at) = find(rest, delimiter.as_bytes()) {
        rest = &rest[at + delimiter.len()..];
        if rest.starts_with(b"--") {
            break;
        }
        let Some(next) = find(rest, delimiter.as_bytes()) else {
            return json!("a part without its closing delimiter");
        };
        let part = &rest[..next];
        let part = part.strip_prefix(b"\r\n").unwrap_or(part);
        let part = part.strip_suffix(b"\r\n").unwrap_or(part);
        let Some(split) = find(part, b"\r\n\r\n") else {
            return json!("a part without headers");
        };
        let headers = String::from_utf8_lossy(&part[..split]).to_string();
        let content = &part[split + 4..];
        parts.push(json!({
            "headers": headers.split("\r\n").collect::<Vec<_>>(),
            "content": content,
        }));
    }
    json!(parts)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

const GZIP_TEXT: &str = "gzip on the wire, plain text in the plugin; ünïcödé survives too";

/// `data` as a gzip member of stored (uncompressed) deflate blocks: a valid gzip stream
/// made without a compression library.
fn gzip_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    let chunks: Vec<&[u8]> = data.chunks(65535).collect();
    for (i, c) in chunks.iter().enumerate() {
        out.push(u8::from(i + 1 == chunks.len()));
        let len = c.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(c);
    }
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

async fn plugin(rt: &PluginRuntime, port: u16) -> (tempfile::TempDir, PluginHandle) {
    let dir = copy_plugin("web-fetch", "web-fetch");
    let path = dir.path().join("manifest.json");
    let mut m: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    m["network"]["allowedHosts"] = json!([format!("127.0.0.1:{port}")]);
    std::fs::write(&path, m.to_string()).unwrap();
    let h = rt.load(dir.path()).await.unwrap();
    (dir, h)
}

/// The body's first bytes reach the plugin while the server still holds the rest back (it
/// sends them only when the test has seen the first chunk), and the rest follows in a later
/// call from the same stream.
#[tokio::test(flavor = "multi_thread")]
async fn a_download_streams_bytes_as_they_arrive() {
    let server = serve().await;
    let (rt, _) = runtime();
    let (_d, p) = plugin(&rt, server.port).await;
    let url = format!("http://127.0.0.1:{}/stream", server.port);
    let first = p.call("firstChunk", vec![json!(url)]).await.unwrap();
    assert_eq!(
        first,
        json!({"done": false, "text": "first;", "bodyUsed": true, "locked": true})
    );
    server.release.notify_one();
    assert_eq!(p.call("rest", vec![]).await.unwrap(), json!("second"));
}

/// A body read cut off by the step's deadline is cancelled with it: the stream is errored
/// (an AbortError naming the step), not left waiting on the connection.
#[tokio::test(flavor = "multi_thread")]
async fn an_interrupted_step_cancels_its_body_reads() {
    let server = serve().await;
    let (rt, _) = runtime();
    let (_d, p) = plugin(&rt, server.port).await;
    let url = format!("http://127.0.0.1:{}/stream", server.port);
    let first = p.call("firstChunk", vec![json!(url)]).await.unwrap();
    assert_eq!(first["text"], "first;");
    // The server never sends the rest: the read can only end by the deadline.
    let err = p
        .call_with_timeout("rest", vec![], std::time::Duration::from_millis(1000))
        .await
        .unwrap_err();
    assert!(matches!(err, qirvo::PluginError::Timeout { .. }), "{err:?}");
    let after = p.call("restOrError", vec![]).await.unwrap();
    let after = after.as_str().unwrap_or_default().to_string();
    assert!(
        after.starts_with("AbortError") && after.contains("step"),
        "{after}"
    );
}

/// FormData goes out as multipart/form-data with a Content-Length, each entry a part the
/// server can take apart: a text field, a File with its name and type, a Blob named at
/// append time (application/octet-stream, bytes intact).
#[tokio::test(flavor = "multi_thread")]
async fn uploads_multipart_and_stream_bodies() {
    let server = serve().await;
    let (rt, _) = runtime();
    let (_d, p) = plugin(&rt, server.port).await;
    let base = format!("http://127.0.0.1:{}", server.port);
    for (field, file) in [
        ("plain", "file body"),
        ("quote \" and ü", "line 1\r\nline 2\n"),
    ] {
        let got = p
            .call(
                "upload",
                vec![
                    json!(format!("{base}/multipart")),
                    json!(field),
                    json!(file),
                ],
            )
            .await
            .unwrap();
        let parts = got["parts"].as_array().unwrap_or_else(|| panic!("{got}"));
        assert_eq!(parts.len(), 3, "{got}");
        assert_eq!(
            parts[0]["headers"],
            json!([format!("Content-Disposition: form-data; name=\"field\"")])
        );
        assert_eq!(parts[0]["content"], json!(field.as_bytes()), "{got}");
        assert_eq!(
            parts[1]["headers"],
            json!([
                "Content-Disposition: form-data; name=\"upload\"; filename=\"notes.txt\"",
                "Content-Type: text/plain"
            ])
        );
        assert_eq!(parts[1]["content"], json!(file.as_bytes()));
        assert_eq!(
            parts[2]["headers"],
            json!([
                "Content-Disposition: form-data; name=\"blob\"; filename=\"raw.bin\"",
                "Content-Type: application/octet-stream"
            ])
        );
        assert_eq!(parts[2]["content"], json!([0, 1, 2, 255]));
        assert!(got["contentLength"].as_str().is_some(), "{got}");
        // The closing delimiter ends with CRLF, as browsers send it.
        assert_eq!(got["closed"], true, "{got}");
    }
    // A ReadableStream body is sent as it is read (chunked: its length is not known).
    for pieces in [vec!["one", "-two", "-three"], vec![], vec!["x"; 50]] {
        let got = p
            .call(
                "streamUpload",
                vec![json!(format!("{base}/upload")), json!(pieces)],
            )
            .await
            .unwrap();
        assert_eq!(got["body"], json!(pieces.concat()), "{got}");
        if !pieces.is_empty() {
            assert_eq!(got["transferEncoding"], "chunked", "{got}");
        }
    }
    // A stream that errors fails the request with its own error, not a hang.
    let got = p
        .call("brokenUpload", vec![json!(format!("{base}/upload"))])
        .await
        .unwrap();
    assert!(
        got.as_str().unwrap().starts_with("TypeError") && got.as_str().unwrap().contains("body"),
        "{got}"
    );
}

/// gzip read through DecompressionStream; a clone tees the body (both read it, each once);
/// the body cap holds on a body of unannounced length (the error comes from the stream).
#[tokio::test(flavor = "multi_thread")]
async fn gzip_clone_and_the_cap_on_a_streamed_body() {
    let server = serve().await;
    let (rt, _) = runtime();
    let (_d, p) = plugin(&rt, server.port).await;
    let base = format!("http://127.0.0.1:{}", server.port);
    assert_eq!(
        p.call("gunzip", vec![json!(format!("{base}/gzip"))])
            .await
            .unwrap(),
        json!({"encoding": "gzip", "text": GZIP_TEXT})
    );
    assert_eq!(
        p.call("cloned", vec![json!(format!("{base}/text"))])
            .await
            .unwrap(),
        json!({"a": "some text, twice", "b": "some text, twice", "used": [true, true], "again": "TypeError"})
    );
    // Under the cap (10 MiB) a streamed body arrives whole; past it, reading fails.
    assert_eq!(
        p.call("readAll", vec![json!(format!("{base}/endless/3"))])
            .await
            .unwrap(),
        json!({"stage": "done", "bytes": 3 << 20})
    );
    let got = p
        .call("readAll", vec![json!(format!("{base}/endless/12"))])
        .await
        .unwrap();
    assert_eq!(got["stage"], "body", "{got}");
    assert_eq!(got["error"], "TypeError", "{got}");
    assert!(
        got["message"]
            .as_str()
            .unwrap()
            .contains("larger than the 10485760-byte limit"),
        "{got}"
    );
    assert!(got["bytes"].as_u64().unwrap() <= 10 << 20, "{got}");
}

/// Headers refuse bad names and values with a TypeError, trim values, keep Set-Cookie apart,
/// iterate sorted with real iterators; a fetched response's headers are immutable; the
/// Response/Request statics and body readers a plugin uses are there.
#[tokio::test(flavor = "multi_thread")]
async fn headers_validate_and_the_classes_are_whole() {
    let server = serve().await;
    let (rt, _) = runtime();
    let (_d, p) = plugin(&rt, server.port).await;
    let base = format!("http://127.0.0.1:{}", server.port);
    let got = p
        .call("headerRules", vec![json!(format!("{base}/text"))])
        .await
        .unwrap();
    assert_eq!(
        got,
        json!({
            "refused": [
                "space in name:TypeError",
                "empty name:TypeError",
                "colon in name:TypeError",
                "newline in value:TypeError",
                "nul in value:TypeError",
                "non-latin1 value:TypeError",
                "fetched headers:TypeError",
            ],
            "trimmed": "padded",
            "cookies": ["a=1", "b=2"],
            "keys": ["set-cookie", "set-cookie", "x-trim"],
            "iterator": "[object Headers Iterator]",
        })
    );
    assert_eq!(
        p.call("shapes", vec![]).await.unwrap(),
        json!({
            "error": ["error", 0],
            "redirect": [307, "https://example.com/next"],
            "json": [201, "application/json", {"a": 1}],
            "requestJson": {"x": [1, 2]},
            "cloneText": "{\"x\":[1,2]}",
            "signal": true,
            "form": "v",
            "urlencoded": "a b",
            "blob": [3, "text/x-thing"],
        })
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_ports_are_a_network_error_before_the_host_policy() {
    // The Fetch standard's bad ports (SMTP, SSH, IRC, ...) are refused with a TypeError
    // before the request is checked against network.allowedHosts or sent: a host the
    // policy would refuse (example.com) gives the same TypeError, not PermissionDenied.
    let (rt, _logs) = runtime();
    let dir = write_plugin(
        json!({
            "id": "bad-ports",
            "version": "1.0.0",
            "main": "main.js",
            "permissions": ["network-access"],
            "network": { "allowedHosts": ["127.0.0.1"] }
        }),
        r#"
        export async function run() {
          const out = {};
          for (const url of ["http://127.0.0.1:25/", "https://example.com:6667/x", "http://127.0.0.1:10080", "http://127.0.0.1:0/"]) {
            try { await fetch(url); out[url] = "fetched"; } catch (e) { out[url] = [e.constructor.name, /bad port/.test(e.message)]; }
          }
          try { await fetch("https://example.com:8443/"); } catch (e) { out.allowedPortOtherHost = e.constructor.name; }
          return out;
        }
        "#,
    );
    let p = rt.load(dir.path()).await.unwrap();
    let out = p.call("run", vec![]).await.unwrap();
    let refused = json!(["TypeError", true]);
    assert_eq!(
        out,
        json!({
            "http://127.0.0.1:25/": refused,
            "https://example.com:6667/x": refused,
            "http://127.0.0.1:10080": refused,
            "http://127.0.0.1:0/": refused,
            "allowedPortOtherHost": "PermissionDenied",
        })
    );
}
