//! Per-route request metrics: `livedrop_http_requests_total{method,route,status}` and the
//! latency histogram `livedrop_http_request_duration_seconds{method,route}`.
//!
//! Labelled by the route's pattern (`/drops/{id}`), never the concrete path, so a label
//! set stays small however many ids are requested. Unmatched paths are not recorded:
//! they have no route to label, and a scanner's random paths would be unbounded.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use metrics::{Counter, Histogram};

/// Each route's metric handles, made on the route's first request with each method and
/// status. Made per request, a handle cost its key's label strings, a hash and a lookup in
/// the recorder's registry: 4 % of a cached read's server CPU. Bounded like the labels
/// themselves: routes are the router's patterns, methods a fixed set, statuses the few
/// each route answers with.
#[derive(Clone, Default)]
pub(crate) struct RouteMetrics(Arc<RwLock<HashMap<String, Vec<Handles>>>>);

/// One route's handles for one method and status. Entries of the same method share one
/// histogram: the registry hands out one per label set, and the histogram has no status.
struct Handles {
    method: &'static str,
    status: u16,
    duration: Histogram,
    requests: Counter,
}

impl Handles {
    fn new(route: &str, method: &'static str, status: u16) -> Self {
        Self {
            method,
            status,
            duration: metrics::histogram!("livedrop_http_request_duration_seconds", "method" => method, "route" => route.to_owned()),
            requests: metrics::counter!("livedrop_http_requests_total", "method" => method, "route" => route.to_owned(), "status" => status.to_string()),
        }
    }

    fn record(&self, seconds: f64) {
        self.duration.record(seconds);
        self.requests.increment(1);
    }
}

impl RouteMetrics {
    fn record(&self, route: &str, method: &'static str, status: u16, seconds: f64) {
        let same = |handles: &&Handles| handles.method == method && handles.status == status;
        // The read lock serves every request after a combination's first.
        if let Some(handles) = (self.0.read().unwrap_or_else(PoisonError::into_inner))
            .get(route)
            .and_then(|known| known.iter().find(same))
        {
            handles.record(seconds);
            return;
        }
        let mut routes = self.0.write().unwrap_or_else(PoisonError::into_inner);
        let known = routes.entry(route.to_owned()).or_default();
        // Another request may have added it between the two locks.
        if let Some(handles) = known.iter().find(same) {
            handles.record(seconds);
        } else {
            let handles = Handles::new(route, method, status);
            handles.record(seconds);
            known.push(handles);
        }
    }
}

/// Middleware (a `route_layer`, so the route is matched by the time it runs).
pub(crate) async fn track(
    State(metrics): State<RouteMetrics>,
    request: Request,
    next: Next,
) -> Response {
    let Some(route) = request.extensions().get::<MatchedPath>().cloned() else {
        return next.run(request).await;
    };
    let method = method_label(request.method());
    let started = Instant::now();
    let response = next.run(request).await;
    // For an event stream this is the time to its first byte, which is what a latency
    // alert should see; the stream's lifetime is `livedrop_sse_connections`' business.
    let elapsed = started.elapsed().as_secs_f64();
    metrics.record(route.as_str(), method, response.status().as_u16(), elapsed);
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
