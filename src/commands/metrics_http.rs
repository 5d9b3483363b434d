//! `qirvo run --metrics-addr`: the Prometheus scrape endpoint, served with hyper.
//!
//! `GET /metrics` (and `HEAD`) answer in the format the scraper asks for, negotiated as
//! Prometheus' own `expfmt.Negotiate` does: of the `Accept` entries we can serve, the one
//! with the highest `q` wins. OpenMetrics 1.0 (`application/openmetrics-text;
//! version=1.0.0`) is served for an entry of that type whose `version` is absent or
//! `1.0.0`; everything else (no `Accept`, `*/*`, other versions, `q=0`) gets the Prometheus
//! text format 0.0.4 (`text/plain; version=0.0.4`), which every older scraper and `curl`
//! reads. At equal `q`, OpenMetrics wins.

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
    let openmetrics = prefers_openmetrics(
        req.headers()
            .get_all(ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok()),
    );
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

/// Whether the `Accept` header values (one header may be split over several lines) ask
/// for OpenMetrics 1.0.0 at least as strongly as for the text format 0.0.4.
///
/// `hyperium/headers` has no typed `Accept` (hyperium/headers#53), so this is a short
/// RFC 9110 reader: comma-separated media ranges, `;`-separated parameters, a `q` in
/// 0..=1 (default 1; an unreadable one makes its entry unacceptable, as Go's goautoneg
/// that Prometheus uses reads it as 0). Wildcards match neither format specifically, as in
/// Prometheus, so they leave the default, text.
fn prefers_openmetrics<'a>(accept: impl IntoIterator<Item = &'a str>) -> bool {
    let (mut om_q, mut text_q) = (0.0f32, 0.0f32);
    for range in accept.into_iter().flat_map(|v| v.split(',')) {
        let mut parts = range.split(';').map(str::trim);
        let media = parts.next().unwrap_or("");
        let (mut q, mut version) = (Some(1.0f32), None);
        for param in parts {
            let (name, value) = param.split_once('=').unwrap_or((param, ""));
            let value = value.trim().trim_matches('"');
            match name.trim().to_ascii_lowercase().as_str() {
                "q" => {
                    q = value
                        .parse::<f32>()
                        .ok()
                        .filter(|q| (0.0..=1.0).contains(q));
                }
                "version" => version = Some(value.to_string()),
                _ => {}
            }
        }
        let q = q.unwrap_or(0.0);
        let version = version.as_deref();
        if media.eq_ignore_ascii_case("application/openmetrics-text")
            && matches!(version, None | Some("1.0.0"))
        {
            om_q = om_q.max(q);
        } else if media.eq_ignore_ascii_case("text/plain")
            && matches!(version, None | Some("0.0.4"))
        {
            text_q = text_q.max(q);
        }
    }
    om_q > 0.0 && om_q >= text_q
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
        let om = |h: &str| prefers_openmetrics([h]);
        // Prometheus' own scrape header.
        assert!(om(
            "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
        ));
        assert!(om("application/openmetrics-text"));
        assert!(om("Application/OpenMetrics-Text; Version=\"1.0.0\""));
        assert!(om("text/plain;q=0.5, application/openmetrics-text;q=0.6"));
        // Ties go to OpenMetrics.
        assert!(om("text/plain;q=0.5, application/openmetrics-text;q=0.5"));
        assert!(!om("text/plain;q=1, application/openmetrics-text;q=0.1"));
        assert!(!om("text/plain;version=0.0.4"));
        assert!(!om("*/*"));
        assert!(!om(""));
        assert!(!om("application/openmetrics-text;q=0"));
        assert!(!om("application/openmetrics-text;q=nope"));
        assert!(!om("application/openmetrics-text;q=2"));
        assert!(!om("application/openmetrics-text;version=2.0.0"));
        assert!(!om("application/openmetrics-text;version=0.0.1"));
        // A text/plain of another version is not served, so it does not outbid OpenMetrics.
        assert!(om(
            "text/plain;version=9.9.9, application/openmetrics-text;q=0.2"
        ));
        // Several header lines count together.
        assert!(!prefers_openmetrics([
            "application/openmetrics-text;q=0.3",
            "text/plain;q=0.9"
        ]));
        assert!(prefers_openmetrics([
            "text/html",
            "application/openmetrics-text"
        ]));
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
