//! Per-route request metrics: `livedrop_http_requests_total{method,route,status}` and the
//! latency histogram `livedrop_http_request_duration_seconds{method,route}`.
//!
//! Labelled by the route's pattern (`/drops/{id}`), never the concrete path, so a label
//! set stays small however many ids are requested. Unmatched paths are not recorded:
//! they have no route to label, and a scanner's random paths would be unbounded.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, PoisonError, RwLock};
use std::task::{Context, Poll, ready};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::Method;
use axum::response::Response;
use metrics::{Counter, Histogram};
use tower::{Layer, Service};

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

/// Records each answer of the routes it wraps (a `route_layer`, so the route is matched
/// by the time it runs). A layer with its own future rather than a `from_fn` middleware,
/// which boxes a future and clones the service within on every request.
#[derive(Clone, Default)]
pub(crate) struct RouteMetricsLayer(RouteMetrics);

impl<S> Layer<S> for RouteMetricsLayer {
    type Service = Measured<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Measured {
            inner,
            metrics: self.0.clone(),
        }
    }
}

/// A route's service, measured.
#[derive(Clone)]
pub(crate) struct Measured<S> {
    inner: S,
    metrics: RouteMetrics,
}

impl<S> Service<Request> for Measured<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Timed<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let start = request
            .extensions()
            .get::<MatchedPath>()
            .map(|route| Start {
                metrics: self.metrics.clone(),
                route: route.clone(),
                method: method_label(request.method()),
                at: Instant::now(),
            });
        Timed {
            answer: self.inner.call(request),
            start,
        }
    }
}

/// What an answer is recorded under, and when its request came.
struct Start {
    metrics: RouteMetrics,
    route: MatchedPath,
    method: &'static str,
    at: Instant,
}

pin_project_lite::pin_project! {
    /// A route's answer, recorded when it comes.
    pub(crate) struct Timed<F> {
        #[pin]
        answer: F,
        start: Option<Start>,
    }
}

impl<F, E> Future for Timed<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let output = ready!(this.answer.poll(cx));
        if let (Some(start), Ok(response)) = (this.start.take(), &output) {
            // For an event stream this is the time to its first byte, which is what a
            // latency alert should see; the stream's lifetime is `livedrop_sse_connections`'
            // business.
            let seconds = start.at.elapsed().as_secs_f64();
            let status = response.status().as_u16();
            (start.metrics).record(start.route.as_str(), start.method, status, seconds);
        }
        Poll::Ready(output)
    }
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
