//! `GET /healthz` (the process is alive) and `GET /readyz` (it can serve: every configured
//! backend answers). Neither needs authentication nor touches the rate limiter.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use livedrop_core::wire::{BackendStatus, HealthStatus, Problem};

use crate::readiness::{ProbeResult, check_all};
use crate::{ApiError, AppState};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

/// Alive: answers as long as the process serves HTTP at all.
async fn healthz() -> Json<HealthStatus> {
    Json(HealthStatus {
        status: "ok".to_owned(),
        backends: None,
    })
}

/// Ready: `200` when every probe passed, else `503 not_ready` naming the backends (never
/// their errors, which are logged).
async fn readyz(State(state): State<AppState>) -> Result<Json<HealthStatus>, ApiError> {
    let backends = check_all(state.probes()).await;
    if backends.iter().all(|b| b.ready) {
        return Ok(Json(HealthStatus {
            status: "ready".to_owned(),
            backends: Some(backends.iter().map(status_of).collect()),
        }));
    }
    let problem = Problem::new(503, "not_ready", "Service unavailable").with(
        "backends",
        serde_json::to_value(&backends).unwrap_or_default(),
    );
    Err(ApiError::Problem(problem))
}

/// The wire form of a probe's outcome (the probe names its backend with a static string).
fn status_of(probe: &ProbeResult) -> BackendStatus {
    BackendStatus {
        name: probe.name.to_owned(),
        ready: probe.ready,
    }
}
