//! `GET /healthz` (the process is alive) and `GET /readyz` (it can serve: every configured
//! backend answers). Neither needs authentication nor touches the rate limiter.

use axum::Json;
use axum::extract::State;
use livedrop_core::wire::{BackendStatus, HealthStatus, Problem};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::openapi::ServiceUnavailable;
use crate::readiness::{ProbeResult, check_all};
use crate::{ApiError, AppState};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
}

/// Alive: answers as long as the process serves HTTP at all.
#[utoipa::path(
    get,
    path = "/healthz", operation_id = "check_health",
    tag = "operations",
    responses((status = 200, description = "Alive", body = HealthStatus))
)]
async fn healthz() -> Json<HealthStatus> {
    Json(HealthStatus {
        status: "ok".to_owned(),
        backends: None,
    })
}

/// Ready: `200` when every probe passed, else `503 not_ready` naming the backends (never
/// their errors, which are logged).
#[utoipa::path(
    get,
    path = "/readyz", operation_id = "check_readiness",
    tag = "operations",
    responses(
        (status = 200, description = "Every backend answers", body = HealthStatus),
        (status = 503, response = ServiceUnavailable),
    )
)]
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
