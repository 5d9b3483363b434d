//! `qirvo run --metrics-addr`: the Prometheus scrape endpoint, served with hyper.
//!
//! `GET /metrics` (and `HEAD`) answer in the format the scraper asks for: OpenMetrics 1.0
//! (`application/openmetrics-text; version=1.0.0`) when its `Accept` header names it, as
//! Prometheus does by default, else the Prometheus text format 0.0.4 (`text/plain;
//! version=0.0.4`), which every older scraper and `curl` reads.

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::header::{ACCEPT, ALLOW, CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use qirvo::PluginRuntime;

const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
const TEXT_004: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Serves until the task is dropped, on the accept loop shared with the inspector
/// ([`qirvo::http1::serve`]: a task per connection, a header-read timeout).
pub async fn serve_metrics(listener: tokio::net::TcpListener, runtime: PluginRuntime) {
    qirvo::http1::serve(listener, move |req| {
        let response = respond(&runtime, &req);
        async move { response }
    })
    .await
}

fn respond<B>(runtime: &PluginRuntime, req: &Request<B>) -> Response<Full<Bytes>> {
    if req.uri().path() != "/metrics" {
        return plain(StatusCode::NOT_FOUND, "not found: try /metrics\n");
    }
    let head = match *req.method() {
        Method::GET => false,
        Method::HEAD => true,
        _ => {
            let mut r = plain(StatusCode::METHOD_NOT_ALLOWED, "GET or HEAD\n");
            r.headers_mut()
                .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
            return r;
        }
    };
    let openmetrics = req
        .headers()
        .get_all(ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(accepts_openmetrics);
    let exposition = runtime.metrics_text();
    let (body, content_type) = if openmetrics {
        (exposition, OPENMETRICS)
    } else {
        (to_text_004(&exposition), TEXT_004)
    };
    let length = body.len();
    let mut response = Response::new(Full::new(if head {
        Bytes::new()
    } else {
        Bytes::from(body)
    }));
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(hyper::header::CONTENT_LENGTH, HeaderValue::from(length));
    response
}

fn plain(status: StatusCode, text: &'static str) -> Response<Full<Bytes>> {
    qirvo::http1::text(
        status,
        "text/plain; charset=utf-8",
        Bytes::from_static(text.as_bytes()),
    )
}

/// Whether an `Accept` header asks for OpenMetrics with a non-zero quality.
fn accepts_openmetrics(accept: &str) -> bool {
    accept.split(',').any(|part| {
        let mut params = part.split(';').map(str::trim);
        let media = params.next().unwrap_or("");
        let refused = params.any(|p| {
            p.strip_prefix("q=")
                .and_then(|q| q.parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        media.eq_ignore_ascii_case("application/openmetrics-text") && !refused
    })
}

/// The OpenMetrics exposition (what prometheus-client writes) rewritten as the Prometheus
/// text format 0.0.4: no `# UNIT` or `# EOF` lines, a counter's `# TYPE`/`# HELP` name
/// its `_total` samples, `info` families become gauges, `unknown` becomes `untyped`, and
/// OpenMetrics-only `_created` samples are dropped.
pub fn to_text_004(openmetrics: &str) -> String {
    let mut out = String::with_capacity(openmetrics.len());
    let mut counters: Vec<String> = Vec::new();
    for line in openmetrics.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap_or((rest, "untyped"));
            match kind {
                "counter" => {
                    counters.push(name.to_string());
                    out.push_str(&format!("# TYPE {name}_total counter\n"));
                }
                "info" => out.push_str(&format!("# TYPE {name}_info gauge\n")),
                "unknown" => out.push_str(&format!("# TYPE {name} untyped\n")),
                _ => out.push_str(&format!("# TYPE {name} {kind}\n")),
            }
        } else if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, help) = rest.split_once(' ').unwrap_or((rest, ""));
            // HELP comes before TYPE in prometheus-client's output: look ahead by name.
            let is_counter = openmetrics.contains(&format!("# TYPE {name} counter\n"));
            let is_info = openmetrics.contains(&format!("# TYPE {name} info\n"));
            let shown = if is_counter {
                format!("{name}_total")
            } else if is_info {
                format!("{name}_info")
            } else {
                name.to_string()
            };
            out.push_str(&format!("# HELP {shown} {help}\n"));
        } else if line.starts_with("# UNIT ") || line == "# EOF" {
            continue;
        } else if line.starts_with('#') || line.is_empty() {
            out.push_str(line);
            out.push('\n');
        } else {
            let sample = line.split(['{', ' ']).next().unwrap_or("");
            let created = sample
                .strip_suffix("_created")
                .is_some_and(|base| counters.iter().any(|c| c == base));
            if !created {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_header_negotiation() {
        assert!(accepts_openmetrics(
            "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
        ));
        assert!(!accepts_openmetrics("text/plain;version=0.0.4"));
        assert!(!accepts_openmetrics("*/*"));
        assert!(!accepts_openmetrics("application/openmetrics-text;q=0"));
    }

    #[test]
    fn counters_and_eof_are_rewritten_for_004() {
        let om = "# HELP qirvo_calls Calls.\n# TYPE qirvo_calls counter\nqirvo_calls_total{plugin=\"a\"} 3\nqirvo_calls_created{plugin=\"a\"} 1.5\n# HELP qirvo_heap_bytes Heap.\n# TYPE qirvo_heap_bytes gauge\n# UNIT qirvo_heap_bytes bytes\nqirvo_heap_bytes{plugin=\"a\"} 10\n# EOF\n";
        let text = to_text_004(om);
        assert_eq!(
            text,
            "# HELP qirvo_calls_total Calls.\n# TYPE qirvo_calls_total counter\nqirvo_calls_total{plugin=\"a\"} 3\n# HELP qirvo_heap_bytes Heap.\n# TYPE qirvo_heap_bytes gauge\nqirvo_heap_bytes{plugin=\"a\"} 10\n"
        );
    }
}
