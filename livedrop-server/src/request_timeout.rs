//! The request timeout: a handler that has not answered within it is abandoned with
//! `503 timed_out`.
//!
//! It bounds the time to the response's head, not its body, so event streams (which
//! answer at once and then stream for as long as they live) are never cut by it, while
//! an upload, a handler stuck on a backend or a pile-up behind a hot lock are. Dropping
//! the handler's future cancels what it was waiting on; the ledger's batches are owned by
//! their drainer, so an order cut here is still decided whole and its retry gets it.
//!
//! A layer with its own future rather than a `from_fn` middleware, which boxes a future
//! and clones the service within on every request: the instructions are counted in
//! `BENCHMARKS.md` ("Instructions per cached read").

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use livedrop_core::wire::Problem;
use tower::{Layer, Service};

use crate::ApiError;

/// Answers `503 timed_out` for a handler that has not answered within its duration.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TimeLimitLayer(pub(crate) Duration);

impl<S> Layer<S> for TimeLimitLayer {
    type Service = TimeLimit<S>;

    fn layer(&self, inner: S) -> Self::Service {
        TimeLimit {
            inner,
            limit: self.0,
        }
    }
}

/// The service [`TimeLimitLayer`] wraps around the app.
#[derive(Clone, Debug)]
pub(crate) struct TimeLimit<S> {
    inner: S,
    limit: Duration,
}

impl<S> Service<Request> for TimeLimit<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Limited<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        Limited {
            answer: tokio::time::timeout(self.limit, self.inner.call(request)),
            limit: self.limit,
        }
    }
}

pin_project_lite::pin_project! {
    /// The handler's answer, or `503 timed_out` once the limit has passed.
    pub(crate) struct Limited<F> {
        #[pin]
        answer: tokio::time::Timeout<F>,
        limit: Duration,
    }
}

impl<F> Future for Limited<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        match ready!(this.answer.poll(cx)) {
            Ok(answer) => Poll::Ready(answer),
            Err(_) => Poll::Ready(Ok(timed_out(*this.limit))),
        }
    }
}

fn timed_out(limit: Duration) -> Response {
    metrics::counter!("livedrop_http_timed_out_total").increment(1);
    ApiError::Problem(
        Problem::new(503, "timed_out", "The request took too long")
            .with_detail(format!("no answer within {limit:?}; retry")),
    )
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::body::Body;
    use axum::routing::get;
    use futures_util::stream;

    fn app(timeout: Duration) -> Router {
        Router::new()
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    "late"
                }),
            )
            .route(
                "/stream",
                get(|| async {
                    // Answers at once; its body takes longer than the timeout.
                    let chunks = stream::unfold(0, |n| async move {
                        (n < 3).then_some(())?;
                        tokio::time::sleep(Duration::from_millis(40)).await;
                        Some((Ok::<_, std::io::Error>(format!("chunk{n}")), n + 1))
                    });
                    Body::from_stream(chunks)
                }),
            )
            .layer(TimeLimitLayer(timeout))
    }

    /// Serves `app` over HTTP on a free port; its base URL.
    async fn served(app: Router) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        base
    }

    #[tokio::test]
    async fn a_handler_past_the_timeout_is_answered_503_timed_out() {
        let base = served(app(Duration::from_millis(50))).await;
        let response = reqwest::get(format!("{base}/slow")).await.unwrap();
        assert_eq!(response.status(), 503);
        let problem: serde_json::Value = response.json().await.unwrap();
        assert_eq!(problem["code"], "timed_out");
    }

    #[tokio::test]
    async fn a_body_streaming_past_the_timeout_is_not_cut() {
        let base = served(app(Duration::from_millis(50))).await;
        let response = reqwest::get(format!("{base}/stream")).await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.text().await.unwrap(), "chunk0chunk1chunk2");
    }
}
