//! A small HTTP/1.1 server on 127.0.0.1 for the fetch tests (no external traffic).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Default)]
pub struct Stats {
    pub active: AtomicUsize,
    pub max_active: AtomicUsize,
}

pub struct Server {
    pub port: u16,
    pub stats: Arc<Stats>,
}

/// Starts the server on an ephemeral loopback port; it lives as long as the test runtime.
pub async fn start() -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let stats = Arc::new(Stats::default());
    let s = stats.clone();
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(handle(sock, port, s.clone()));
        }
    });
    Server { port, stats }
}

async fn handle(mut sock: TcpStream, port: u16, stats: Arc<Stats>) {
    let mut buf = Vec::new();
    let mut tmp = [0u8; 4096];
    let header_end = loop {
        let Ok(n) = sock.read(&mut tmp).await else {
            return;
        };
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&tmp[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).to_string();
    let mut lines = head.lines();
    let request_line = lines.next().unwrap_or_default().to_string();
    let mut parts = request_line.split(' ');
    let method = parts.next().unwrap_or_default().to_string();
    let path = parts.next().unwrap_or_default().to_string();
    let mut headers = Vec::new();
    for l in lines {
        if let Some((k, v)) = l.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let len: usize = header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[header_end..].to_vec();
    while body.len() < len {
        let Ok(n) = sock.read(&mut tmp).await else {
            return;
        };
        if n == 0 {
            break;
        }
        body.extend_from_slice(&tmp[..n]);
    }

    let (status, ctype, extra, payload): (u16, &str, String, Vec<u8>) = if path == "/json" {
        (
            200,
            "application/json",
            String::new(),
            br#"{"hello":"world"}"#.to_vec(),
        )
    } else if path == "/echo" {
        let v = serde_json::json!({
            "method": method,
            "body": String::from_utf8_lossy(&body),
            "contentType": header("content-type"),
            "xTest": header("x-test"),
        });
        (
            200,
            "application/json",
            String::new(),
            v.to_string().into_bytes(),
        )
    } else if path == "/status/404" {
        (404, "text/plain", String::new(), b"nope".to_vec())
    } else if let Some(n) = path.strip_prefix("/redirect/") {
        let n: u32 = n.parse().unwrap_or(0);
        if n == 0 {
            (200, "text/plain", String::new(), b"done".to_vec())
        } else {
            (
                302,
                "text/plain",
                format!("Location: /redirect/{}\r\n", n - 1),
                Vec::new(),
            )
        }
    } else if let Some(to) = path.strip_prefix("/redirect-to/") {
        let to = to.replace("PORT", &port.to_string());
        (
            302,
            "text/plain",
            format!("Location: http://{to}\r\n"),
            Vec::new(),
        )
    } else if path == "/slow" {
        tokio::time::sleep(Duration::from_secs(3)).await;
        (200, "text/plain", String::new(), b"slow".to_vec())
    } else if path == "/big" {
        (
            200,
            "application/octet-stream",
            String::new(),
            vec![b'x'; 11 * 1024 * 1024],
        )
    } else if let Some(n) = path.strip_prefix("/bytes/") {
        (
            200,
            "application/octet-stream",
            String::new(),
            vec![b'b'; n.parse().unwrap_or(0)],
        )
    } else if path == "/count" {
        let now = stats.active.fetch_add(1, Ordering::SeqCst) + 1;
        stats.max_active.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(150)).await;
        stats.active.fetch_sub(1, Ordering::SeqCst);
        (200, "text/plain", String::new(), b"counted".to_vec())
    } else {
        (404, "text/plain", String::new(), b"unknown".to_vec())
    };
    let reason = match status {
        200 => "OK",
        302 => "Found",
        404 => "Not Found",
        _ => "Other",
    };
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n",
        payload.len()
    );
    let _ = sock.write_all(head.as_bytes()).await;
    let _ = sock.write_all(&payload).await;
    let _ = sock.shutdown().await;
}
