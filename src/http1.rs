//! The HTTP/1.1 accept loop shared by Qirvo's two small servers: the inspector's
//! `/json/*` endpoints and WebSocket upgrade ([`InspectorServer`](crate::InspectorServer))
//! and the CLI's `/metrics` endpoint (`qirvo run --metrics-addr`). Parsing, framing,
//! `HEAD` and split or pipelined requests are hyper's; each server only answers requests.
//!
//! Not part of the stable API: public only so the `qirvo` binary can share it.

use std::convert::Infallible;
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;

/// How long a client may take to send a request's head before its connection is closed,
/// so an idle client cannot hold a connection (and its task) open forever.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(5);

/// The response type of every handler: a body already in memory.
pub type HttpResponse = Response<Full<Bytes>>;

/// Serves `listener` until the task is dropped: each connection on its own task, HTTP/1.1
/// with upgrades enabled (the inspector's WebSocket), bounded by [`HEADER_READ_TIMEOUT`].
/// `handler` is called once per request. A failed `accept` (for
/// example out of file descriptors) is logged and retried after 50 ms rather than ending
/// the server.
pub async fn serve<H, Fut>(listener: TcpListener, handler: H)
where
    H: Fn(Request<Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = HttpResponse> + Send + 'static,
{
    loop {
        let (sock, peer) = match listener.accept().await {
            Ok(conn) => conn,
            Err(e) => {
                tracing::debug!(target: "qirvo::http", "accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let handler = handler.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let fut = handler(req);
                async move { Ok::<_, Infallible>(fut.await) }
            });
            if let Err(e) = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_READ_TIMEOUT)
                .serve_connection(TokioIo::new(sock), service)
                .with_upgrades()
                .await
            {
                tracing::debug!(target: "qirvo::http", %peer, "connection ended: {e}");
            }
        });
    }
}

/// A response with `status`, `body` and its content type.
pub fn text(status: StatusCode, content_type: &'static str, body: Bytes) -> HttpResponse {
    let mut r = Response::new(Full::new(body));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}
