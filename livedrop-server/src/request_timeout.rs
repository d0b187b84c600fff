//! The request timeout: a handler that has not answered within it is abandoned with
//! `503 timed_out`.
//!
//! It bounds the time to the response's head, not its body, so event streams (which
//! answer at once and then stream for as long as they live) are never cut by it, while
//! an upload, a handler stuck on a backend or a pile-up behind a hot lock are. Dropping
//! the handler's future cancels what it was waiting on; the ledger's batches are owned by
//! their drainer, so an order cut here is still decided whole and its retry gets it.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use livedrop_core::wire::Problem;
use pin_project_lite::pin_project;
use tokio::time::Timeout;
use tower::{Layer, Service};

use crate::ApiError;

/// Runs each request's handler for at most its `timeout`. A tower layer rather than a
/// `from_fn` middleware, which boxes a future and clones the service within on every
/// request: this one's future is the handler's with a timer beside it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TimeLimitLayer {
    pub(crate) timeout: Duration,
}

impl<S> Layer<S> for TimeLimitLayer {
    type Service = TimeLimit<S>;

    fn layer(&self, inner: S) -> TimeLimit<S> {
        TimeLimit {
            inner,
            timeout: self.timeout,
        }
    }
}

/// See [`TimeLimitLayer`].
#[derive(Clone, Debug)]
pub(crate) struct TimeLimit<S> {
    inner: S,
    timeout: Duration,
}

impl<S> Service<Request> for TimeLimit<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Limited<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        Limited {
            answer: tokio::time::timeout(self.timeout, self.inner.call(request)),
            timeout: self.timeout,
        }
    }
}

pin_project! {
    /// A handler's answer, or `503 timed_out` once its time is up.
    pub(crate) struct Limited<F> {
        #[pin]
        answer: Timeout<F>,
        timeout: Duration,
    }
}

impl<F, E> Future for Limited<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        Poll::Ready(match ready!(this.answer.poll(cx)) {
            Ok(answer) => answer,
            Err(_) => Ok(timed_out(*this.timeout)),
        })
    }
}

fn timed_out(timeout: Duration) -> Response {
    metrics::counter!("livedrop_http_timed_out_total").increment(1);
    ApiError::Problem(
        Problem::new(503, "timed_out", "The request took too long")
            .with_detail(format!("no answer within {timeout:?}; retry")),
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
            .layer(TimeLimitLayer { timeout })
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
