//! The span of one request: method, path and id (never the query, which may carry
//! tokens), entered whenever the request's handler runs, so every log line it writes
//! carries them.
//!
//! At `debug` (`RUST_LOG=livedrop_server::request_span=debug`) each answer is logged in
//! its span with its status and time: an access log for the moment it is wanted.
//!
//! A layer of its own rather than tower-http's `TraceLayer`, which did the same and more
//! that nothing here used: it timed and classified every answer whether or not its lines
//! were wanted, and wrapped every response body to enter the span at each chunk. That was
//! 8,100 of a cached read's 44,600 instructions with the span itself. The latency per
//! route and status is the request metrics' job (`http_metrics`), a failure's cause is
//! logged where it is known (`ApiError`), and no response body is produced under a log
//! line (event streams log nothing while they stream).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Instant;

use axum::http::{Request, Response};
use tower::{Layer, Service};
use tracing::Instrument;
use tracing::instrument::Instrumented;

use crate::REQUEST_ID;

/// Runs each request's handler in its own span (see the module doc).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct RequestSpanLayer;

impl<S> Layer<S> for RequestSpanLayer {
    type Service = InRequestSpan<S>;

    fn layer(&self, inner: S) -> Self::Service {
        InRequestSpan { inner }
    }
}

/// The service [`RequestSpanLayer`] wraps around the app.
#[derive(Clone, Debug)]
pub(crate) struct InRequestSpan<S> {
    inner: S,
}

impl<S, B, R> Service<Request<B>> for InRequestSpan<S>
where
    S: Service<Request<B>, Response = Response<R>>,
{
    type Response = Response<R>;
    type Error = S::Error;
    type Future = Answer<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let span = request_span(&request);
        // The call itself may log (an extractor, a layer inside): in the span too.
        let answer = span.in_scope(|| self.inner.call(request));
        Answer {
            // Read only where the answer will be logged: a clock read per request is not
            // free, and at `info` nothing reads it.
            started: tracing::enabled!(tracing::Level::DEBUG).then(Instant::now),
            answer: answer.instrument(span),
        }
    }
}

pin_project_lite::pin_project! {
    /// The handler's answer, run in the request's span, and logged at `debug`.
    pub(crate) struct Answer<F> {
        #[pin]
        answer: Instrumented<F>,
        started: Option<Instant>,
    }
}

impl<F, R, E> Future for Answer<F>
where
    F: Future<Output = Result<Response<R>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let output = ready!(this.answer.as_mut().poll(cx));
        if let (Some(started), Ok(response)) = (this.started.take(), &output) {
            this.answer.span().in_scope(|| {
                tracing::debug!(
                    status = response.status().as_u16(),
                    micros = started.elapsed().as_micros() as u64,
                    "answered"
                );
            });
        }
        Poll::Ready(output)
    }
}

/// The span: method, path and the id [`request_id`](crate::request_id) set.
fn request_span<B>(request: &Request<B>) -> tracing::Span {
    let id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|id| id.to_str().ok())
        .unwrap_or("-");
    let span = tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id = %id);
    // A caller's W3C trace context makes this request a part of its trace.
    #[cfg(feature = "otel")]
    if let Some(parent) = request
        .headers()
        .get("traceparent")
        .and_then(|value| value.to_str().ok())
        .and_then(livedrop_core::domain::TraceParent::parse)
    {
        crate::otel::join(&span, &parent);
    }
    span
}
