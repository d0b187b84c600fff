//! [`BaselineServer`]: a bare axum app with none of LiveDrop's code, served in process,
//! so every HTTP figure has a same-client, same-run floor: what the HTTP stack alone
//! (axum, hyper, tokio, the loopback) gives on this machine.
//!
//! It answers the two routes the HTTP modes send with fixed bodies the size of the real
//! answers, so both sides move the same bytes: `POST /orders` reads and parses the JSON
//! body and answers `201`, `GET /api/drops/{id}` answers `200`. It runs on a runtime of
//! its own, on its own threads (as many as the real server's default), so it does not
//! borrow the client's worker threads any more than a separate process would.

use std::net::SocketAddr;

use axum::extract::{Json, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use axum::{Router, body::Bytes};
use serde::Deserialize;
use tokio::sync::oneshot;

use crate::Error;

/// Bytes of a real `201` body of `POST /orders` (one unit of a 120.00 EUR product),
/// measured on the memory backend. Ids are fixed-width; timestamps carry 0, 3 or 6
/// fraction digits, so a real body is this long give or take a few bytes.
/// `tests/http.rs` measures it again (and fails past 5 %).
pub const ORDER_ANSWER_BYTES: usize = 268;
/// Bytes of a real `200` body of `GET /api/drops/{id}` (the cached drop), measured the
/// same way.
pub const CACHED_DROP_ANSWER_BYTES: usize = 329;
/// Bytes of a real access token (an HS256 JWT), measured the same way: a standalone
/// baseline run's orders carry placeholders this long, so their `Authorization` header
/// weighs what a real one does.
pub const ACCESS_TOKEN_BYTES: usize = 359;

/// A placeholder access token, for a baseline run with no real buyers: the bare server
/// checks none.
pub fn placeholder_tokens() -> Vec<String> {
    vec!["t".repeat(ACCESS_TOKEN_BYTES)]
}

/// The bare server, serving until dropped.
#[derive(Debug)]
pub struct BaselineServer {
    address: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
}

impl BaselineServer {
    /// Serves on a free port of 127.0.0.1, on a runtime of its own.
    ///
    /// # Errors
    /// No port, runtime or thread to be had.
    pub fn start() -> Result<Self, Error> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let address = listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_name("baseline-server")
            .build()?;
        let (shutdown, stop) = oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("baseline-server".to_owned())
            .spawn(move || {
                runtime.block_on(async move {
                    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                        return;
                    };
                    // As the real server's accept loop does.
                    let listener = listener.tap_io(|stream| {
                        let _ = stream.set_nodelay(true);
                    });
                    let _ = axum::serve(listener, app())
                        .with_graceful_shutdown(async {
                            let _ = stop.await;
                        })
                        .await;
                });
            })?;
        Ok(Self {
            address,
            shutdown: Some(shutdown),
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }
}

impl Drop for BaselineServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            // Already gone if the server failed; nothing to stop then.
            let _ = shutdown.send(());
        }
    }
}

/// The fixed answers, built once.
#[derive(Clone)]
struct Answers {
    order: Bytes,
    cached_drop: Bytes,
}

/// An order's body, parsed as the real server parses it (and checked, so it is read).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OrderBody {
    drop_id: String,
    qty: u32,
}

fn app() -> Router {
    let answers = Answers {
        order: json_of_size(ORDER_ANSWER_BYTES),
        cached_drop: json_of_size(CACHED_DROP_ANSWER_BYTES),
    };
    Router::new()
        .route("/orders", post(order))
        .route("/api/drops/{id}", get(cached_drop))
        .with_state(answers)
}

async fn order(State(answers): State<Answers>, Json(body): Json<OrderBody>) -> impl IntoResponse {
    if body.qty == 0 || body.drop_id.is_empty() {
        return StatusCode::BAD_REQUEST.into_response();
    }
    let json = [(CONTENT_TYPE, "application/json")];
    (StatusCode::CREATED, json, answers.order).into_response()
}

async fn cached_drop(State(answers): State<Answers>) -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], answers.cached_drop)
}

/// `{"baseline":"xxx…"}`, `bytes` long (at least the 15 of the empty one).
fn json_of_size(bytes: usize) -> Bytes {
    const EMPTY: &str = r#"{"baseline":""}"#;
    let padding = "x".repeat(bytes.saturating_sub(EMPTY.len()));
    Bytes::from(format!(r#"{{"baseline":"{padding}"}}"#))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_have_the_measured_sizes() {
        assert_eq!(json_of_size(ORDER_ANSWER_BYTES).len(), ORDER_ANSWER_BYTES);
        assert_eq!(json_of_size(40).len(), 40);
        let parsed: serde_json::Value = serde_json::from_slice(&json_of_size(40)).unwrap();
        assert!(parsed["baseline"].is_string());
    }
}
