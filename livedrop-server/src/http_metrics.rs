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
use pin_project_lite::pin_project;
use tower::{Layer, Service};

/// Each route's metric handles, made on the route's first request with each method and
/// status. Made per request, a handle cost its key's label strings, a hash and a lookup in
/// the recorder's registry: 4 % of a cached read's server CPU. Bounded like the labels
/// themselves: routes are the router's patterns, methods a fixed set, statuses the few
/// each route answers with.
#[derive(Clone, Default)]
struct RouteMetrics(Arc<RwLock<HashMap<String, Vec<MethodMetrics>>>>);

/// One route's handles for one method.
struct MethodMetrics {
    method: &'static str,
    duration: Histogram,
    /// By status code; a route answers with a handful.
    requests: Vec<(u16, Counter)>,
}

impl RouteMetrics {
    fn record(&self, route: &str, method: &'static str, status: u16, seconds: f64) {
        {
            let known = self.0.read().unwrap_or_else(PoisonError::into_inner);
            let handles = known
                .get(route)
                .and_then(|methods| methods.iter().find(|m| m.method == method));
            if let Some(handles) = handles
                && let Some((_, requests)) = handles.requests.iter().find(|(s, _)| *s == status)
            {
                handles.duration.record(seconds);
                requests.increment(1);
                return;
            }
        }
        let mut known = self.0.write().unwrap_or_else(PoisonError::into_inner);
        let methods = known.entry(route.to_owned()).or_default();
        let index = match methods.iter().position(|m| m.method == method) {
            Some(index) => index,
            None => {
                methods.push(MethodMetrics {
                    method,
                    duration: metrics::histogram!("livedrop_http_request_duration_seconds", "method" => method, "route" => route.to_owned()),
                    requests: Vec::new(),
                });
                methods.len() - 1
            }
        };
        let handles = &mut methods[index];
        handles.duration.record(seconds);
        match handles.requests.iter().find(|(s, _)| *s == status) {
            Some((_, requests)) => requests.increment(1),
            None => {
                let requests = metrics::counter!("livedrop_http_requests_total", "method" => method, "route" => route.to_owned(), "status" => status.to_string());
                requests.increment(1);
                handles.requests.push((status, requests));
            }
        }
    }
}

/// Records each request's metrics under its route. A `route_layer`, so the route is matched
/// by the time it runs; a tower layer rather than a `from_fn` middleware, which boxes a
/// future and clones the service within on every request.
#[derive(Clone, Default)]
pub(crate) struct TrackLayer {
    metrics: RouteMetrics,
}

impl<S> Layer<S> for TrackLayer {
    type Service = Track<S>;

    fn layer(&self, inner: S) -> Track<S> {
        Track {
            inner,
            metrics: self.metrics.clone(),
        }
    }
}

/// See [`TrackLayer`].
#[derive(Clone)]
pub(crate) struct Track<S> {
    inner: S,
    metrics: RouteMetrics,
}

impl<S> Service<Request> for Track<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Tracked<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let route = request
            .extensions()
            .get::<MatchedPath>()
            .map(|route| Started {
                route: route.clone(),
                method: method_label(request.method()),
                at: Instant::now(),
                metrics: self.metrics.clone(),
            });
        Tracked {
            answer: self.inner.call(request),
            route,
        }
    }
}

/// A request on its way, as its metrics will be recorded.
struct Started {
    route: MatchedPath,
    method: &'static str,
    at: Instant,
    metrics: RouteMetrics,
}

pin_project! {
    /// The route's answer, recorded as it arrives.
    pub(crate) struct Tracked<F> {
        #[pin]
        answer: F,
        // None for a request no route matched (not recorded: see the module doc).
        route: Option<Started>,
    }
}

impl<F, E> Future for Tracked<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let answer = ready!(this.answer.poll(cx));
        if let (Some(started), Ok(response)) = (this.route.take(), &answer) {
            // For an event stream this is the time to its first byte, which is what a
            // latency alert should see; the stream's lifetime is `livedrop_sse_connections`'
            // business.
            let seconds = started.at.elapsed().as_secs_f64();
            let status = response.status().as_u16();
            started
                .metrics
                .record(started.route.as_str(), started.method, status, seconds);
        }
        Poll::Ready(answer)
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
