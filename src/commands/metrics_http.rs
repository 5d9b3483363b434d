//! `qirvo run --metrics-addr`: the Prometheus scrape endpoint.

use std::time::Duration;

use qirvo::PluginRuntime;

/// Serves `GET /metrics` in the Prometheus text format.
pub async fn serve_metrics(listener: tokio::net::TcpListener, runtime: PluginRuntime) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    loop {
        let Ok((mut sock, _)) = listener.accept().await else {
            return;
        };
        let runtime = runtime.clone();
        tokio::spawn(async move {
            let mut buf = [0u8; 2048];
            let n = match tokio::time::timeout(Duration::from_secs(5), sock.read(&mut buf)).await {
                Ok(Ok(n)) => n,
                _ => return,
            };
            let request = String::from_utf8_lossy(&buf[..n]);
            let (status, body) =
                if request.starts_with("GET /metrics ") || request.starts_with("GET /metrics?") {
                    ("200 OK", runtime.metrics_text())
                } else {
                    ("404 Not Found", "not found: try /metrics\n".to_string())
                };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = sock.write_all(head.as_bytes()).await;
            let _ = sock.write_all(body.as_bytes()).await;
        });
    }
}
