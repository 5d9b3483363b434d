//! Bodies in motion: a response body read from the transport as the plugin pulls it (a
//! resource behind `Response.body`'s `ReadableStream`), and a request body streamed from a
//! plugin's `ReadableStream` to the transport.
//!
//! A response body holds its connection until it ends, fails, is cancelled (`body.cancel()`, the request's `AbortSignal`, the stream being
//! collected), or the request's timeout passes (the transport's timeout covers the body), or
//! the plugin stops. Each read is bounded by the body cap (`DEFAULT_MAX_BODY` bytes in all),
//! paced by `resources.bandwidth`, and cancelled with the host step that is running when it
//! is made (an interrupted step errors its reads with an `AbortError`).

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use deno_core::{AsyncResult, BufView, CancelFuture, CancelHandle, Resource};
use deno_error::JsErrorBox;
use hyper::body::{Bytes, Frame as BodyFrame};

use crate::ext::fetch::ops::{ActiveConnection, FetchError, RateLimit};

/// Largest chunk handed to the transport from a request body stream.
const REQUEST_CHUNK: usize = 64 * 1024;

/// What a response body keeps alive until it ends: the metrics' count of open connections.
/// (The `resources.maxConnections` permit covers a request until its head arrives: a body
/// left unread does not stop the plugin's next request; its connection goes at the
/// request's timeout at the latest.)
pub(crate) struct Held {
    /// Counted until dropped.
    pub(crate) _connection: ActiveConnection,
}

/// The body of a response `fetch` returned, read on demand.
pub(crate) struct ResponseBody {
    pub(crate) url: String,
    pub(crate) resp: RefCell<Option<reqwest::Response>>,
    /// Bytes of the transport's last chunk not yet handed out (a read asks for at most
    /// `limit` bytes).
    pub(crate) leftover: RefCell<Bytes>,
    pub(crate) read: Cell<usize>,
    pub(crate) busy: Cell<bool>,
    /// Its time ran out before it was read to the end.
    pub(crate) expired: Cell<bool>,
    pub(crate) max_body: usize,
    pub(crate) timeout: Duration,
    pub(crate) bandwidth: Option<Rc<RefCell<RateLimit>>>,
    /// The plugin's step-wide cancel handle cell (the current step's handle at each read).
    pub(crate) step: Rc<RefCell<Rc<CancelHandle>>>,
    /// Closed by the plugin (cancel, abort, collected stream).
    pub(crate) own: Rc<CancelHandle>,
    pub(crate) held: RefCell<Option<Held>>,
    pub(crate) counters: Arc<crate::counters::PluginCounters>,
}

impl ResponseBody {
    /// Lets go of the connection: the body ended, failed or was closed.
    fn release(&self) {
        self.own.cancel();
        self.resp.borrow_mut().take();
        self.held.borrow_mut().take();
    }

    /// The request's timeout passed with the body not read to its end: the connection
    /// goes (a read after this errors with a `TimeoutError`).
    pub(crate) fn expire(&self) {
        if self.resp.borrow().is_some() || self.busy.get() {
            self.expired.set(true);
        }
        self.release();
    }

    fn fail(&self, e: FetchError) -> JsErrorBox {
        self.release();
        let class = match &e {
            FetchError::Timeout(_) => "TimeoutError",
            FetchError::Aborted(_) => "AbortError",
            FetchError::Denied(_) => "PermissionDenied",
            FetchError::Invalid(_) | FetchError::Network(_) => "TypeError",
        };
        JsErrorBox::new(class, e.to_string())
    }

    async fn next(self: Rc<Self>, limit: usize) -> Result<BufView, JsErrorBox> {
        let limit = limit.max(1);
        {
            let mut left = self.leftover.borrow_mut();
            if !left.is_empty() {
                let n = limit.min(left.len());
                return Ok(left.split_to(n).into());
            }
        }
        if self.busy.get() {
            return Err(JsErrorBox::type_error(format!(
                "fetch: {}: the body is already being read",
                self.url
            )));
        }
        let taken = self.resp.borrow_mut().take();
        let Some(mut resp) = taken else {
            if self.expired.get() {
                return Err(JsErrorBox::new(
                    "TimeoutError",
                    format!(
                        "fetch: {}: the body was not read within the request's {} ms",
                        self.url,
                        self.timeout.as_millis()
                    ),
                ));
            }
            // Ended, or closed by the plugin.
            return Ok(BufView::empty());
        };
        self.busy.set(true);
        let step = self.step.borrow().clone();
        let chunk = resp
            .chunk()
            .or_cancel(step.clone())
            .or_cancel(self.own.clone())
            .await;
        self.busy.set(false);
        let url = &self.url;
        let chunk = match chunk {
            Ok(Ok(Ok(c))) => c,
            Ok(Ok(Err(e))) if e.is_timeout() => {
                return Err(self.fail(FetchError::Timeout(format!(
                    "{url}: the body did not arrive within {} ms",
                    self.timeout.as_millis()
                ))));
            }
            Ok(Ok(Err(e))) => return Err(self.fail(FetchError::Network(format!("{url}: {e}")))),
            // The step's handle (inside) or the body's own (outside: closed, or expired).
            Ok(Err(_)) => {
                return Err(self.fail(FetchError::Aborted(format!(
                    "{url}: reading the body was cancelled: the plugin's step ended or it stopped"
                ))));
            }
            Err(_) if self.expired.get() => {
                return Err(self.fail(FetchError::Timeout(format!(
                    "{url}: the body did not arrive within {} ms",
                    self.timeout.as_millis()
                ))));
            }
            Err(_) => {
                return Err(self.fail(FetchError::Aborted(format!("{url}: the body was closed"))));
            }
        };
        let Some(chunk) = chunk else {
            self.release();
            return Ok(BufView::empty());
        };
        let total = self.read.get().saturating_add(chunk.len());
        if total > self.max_body {
            return Err(self.fail(FetchError::Network(format!(
                "{url}: the response body is larger than the {}-byte limit",
                self.max_body
            ))));
        }
        self.read.set(total);
        self.counters
            .net_bytes
            .fetch_add(chunk.len() as u64, std::sync::atomic::Ordering::Relaxed);
        // Still open (a closed body has no response to put back).
        if !self.own.is_canceled() {
            *self.resp.borrow_mut() = Some(resp);
        } else {
            self.release();
        }
        if let Some(bw) = &self.bandwidth {
            let wait = bw.borrow_mut().take(chunk.len());
            if !wait.is_zero() {
                let paced = tokio::time::sleep(wait).or_cancel(step).await;
                if paced.is_err() {
                    return Err(self.fail(FetchError::Aborted(format!(
                        "{url}: reading the body was cancelled: the plugin's step ended or it stopped"
                    ))));
                }
            }
        }
        let mut chunk = chunk;
        if chunk.len() > limit {
            let rest = chunk.split_off(limit);
            *self.leftover.borrow_mut() = rest;
        }
        Ok(chunk.into())
    }
}

impl Resource for ResponseBody {
    fn name(&self) -> Cow<'_, str> {
        Cow::Borrowed("qirvoFetchResponseBody")
    }

    fn read(self: Rc<Self>, limit: usize) -> AsyncResult<BufView> {
        Box::pin(self.next(limit))
    }

    fn close(self: Rc<Self>) {
        self.own.cancel();
        self.release();
        self.leftover.replace(Bytes::new());
    }
}

/// A request body read from a plugin's stream (a resource deno_web made for it) and handed
/// to the transport chunk by chunk, at most `max` bytes in all.
pub(crate) struct RequestBody {
    pub(crate) source: Rc<dyn Resource>,
    pub(crate) max: usize,
}

type Frame = Result<BodyFrame<Bytes>, std::io::Error>;

impl RequestBody {
    /// The transport's body and the pump that fills it; the pump must be polled alongside the
    /// request (it stops when the stream ends, fails, passes `max`, or the request is gone).
    pub(crate) fn channel(
        self,
    ) -> (
        reqwest::Body,
        impl std::future::Future<Output = Result<(), FetchError>>,
    ) {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Frame>(2);
        let stream = futures::stream::poll_fn(move |cx| rx.poll_recv(cx));
        let body = reqwest::Body::wrap(http_body_util::StreamBody::new(stream));
        let pump = async move {
            let mut sent = 0usize;
            loop {
                let chunk = self.source.clone().read(REQUEST_CHUNK).await.map_err(|e| {
                    FetchError::Invalid(format!("the request body stream failed: {e}"))
                });
                let chunk = match chunk {
                    Ok(c) => c,
                    Err(e) => {
                        let _ = tx.send(Err(std::io::Error::other(e.to_string()))).await;
                        self.source.clone().close();
                        return Err(e);
                    }
                };
                if chunk.is_empty() {
                    self.source.clone().close();
                    return Ok(());
                }
                sent = sent.saturating_add(chunk.len());
                if sent > self.max {
                    let e = FetchError::Invalid(format!(
                        "the request body is larger than the {}-byte limit",
                        self.max
                    ));
                    let _ = tx.send(Err(std::io::Error::other(e.to_string()))).await;
                    self.source.clone().close();
                    return Err(e);
                }
                let bytes = Bytes::copy_from_slice(&chunk);
                if tx.send(Ok(BodyFrame::data(bytes))).await.is_err() {
                    // The transport dropped the body (the request failed or finished).
                    self.source.clone().close();
                    return Ok(());
                }
            }
        };
        (body, pump)
    }
}
