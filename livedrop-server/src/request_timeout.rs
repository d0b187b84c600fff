//! The request timeout: a handler that has not answered within it is abandoned with
//! `503 timed_out`.
//!
//! It bounds the time to the response's head, not its body, so event streams (which
//! answer at once and then stream for as long as they live) are never cut by it, while
//! an upload, a handler stuck on a backend or a pile-up behind a hot lock are. Dropping
//! the handler's future cancels what it was waiting on; the ledger's batches are owned by
//! their drainer, so an order cut here is still decided whole and its retry gets it.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use livedrop_core::wire::Problem;

use crate::ApiError;

/// Runs the request's handler for at most `timeout`.
pub(crate) async fn limit(
    State(timeout): State<Duration>,
    request: Request,
    next: Next,
) -> Response {
    match tokio::time::timeout(timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            metrics::counter!("livedrop_http_timed_out_total").increment(1);
            ApiError::Problem(
                Problem::new(503, "timed_out", "The request took too long")
                    .with_detail(format!("no answer within {timeout:?}; retry")),
            )
            .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::body::Body;
    use axum::middleware::from_fn_with_state;
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
            .layer(from_fn_with_state(timeout, limit))
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
