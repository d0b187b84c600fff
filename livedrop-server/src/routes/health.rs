//! `GET /healthz` (the process is alive) and `GET /readyz` (it can serve: every configured
//! backend answers). Neither needs authentication nor touches the rate limiter.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use livedrop_core::wire::Problem;
use serde::Serialize;

use crate::readiness::{ProbeResult, check_all};
use crate::{ApiError, AppState};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

/// The body of a successful health or readiness check.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Status {
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    backends: Option<Vec<ProbeResult>>,
}

/// Alive: answers as long as the process serves HTTP at all.
async fn healthz() -> Json<Status> {
    Json(Status {
        status: "ok",
        backends: None,
    })
}

/// Ready: `200` when every probe passed, else `503 not_ready` naming the backends (never
/// their errors, which are logged).
async fn readyz(State(state): State<AppState>) -> Result<Json<Status>, ApiError> {
    let backends = check_all(state.probes()).await;
    if backends.iter().all(|b| b.ready) {
        return Ok(Json(Status {
            status: "ready",
            backends: Some(backends),
        }));
    }
    let problem = Problem::new(503, "not_ready", "Service unavailable").with(
        "backends",
        serde_json::to_value(&backends).unwrap_or_default(),
    );
    Err(ApiError::Problem(problem))
}
