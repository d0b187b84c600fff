//! Per-route request metrics: `livedrop_http_requests_total{method,route,status}` and the
//! latency histogram `livedrop_http_request_duration_seconds{method,route}`.
//!
//! Labelled by the route's pattern (`/drops/{id}`), never the concrete path, so a label
//! set stays small however many ids are requested. Unmatched paths are not recorded:
//! they have no route to label, and a scanner's random paths would be unbounded.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;

/// Middleware (a `route_layer`, so the route is matched by the time it runs).
pub(crate) async fn track(request: Request, next: Next) -> Response {
    let Some(route) = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned())
    else {
        return next.run(request).await;
    };
    let method = method_label(request.method());
    let started = Instant::now();
    let response = next.run(request).await;
    // For an event stream this is the time to its first byte, which is what a latency
    // alert should see; the stream's lifetime is `livedrop_sse_connections`' business.
    let elapsed = started.elapsed().as_secs_f64();
    let status = response.status().as_u16().to_string();
    metrics::histogram!("livedrop_http_request_duration_seconds", "method" => method, "route" => route.clone())
        .record(elapsed);
    metrics::counter!("livedrop_http_requests_total", "method" => method, "route" => route, "status" => status)
        .increment(1);
    response
}

/// The method as a label from a fixed set: hyper accepts any token as a method, and a
/// label per made-up method would grow the registry without bound.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_up_methods_share_one_label() {
        assert_eq!(method_label(&Method::GET), "GET");
        let made_up = Method::from_bytes(b"FOO123").unwrap();
        assert_eq!(method_label(&made_up), "other");
    }
}
