//! `GET /healthz` (the process is alive) and `GET /readyz` (it can serve: every configured
//! backend answers). Neither needs authentication nor touches the rate limiter.

use axum::Json;
use axum::extract::State;
use livedrop_core::wire::Problem;
use serde::Serialize;
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

/// The body of a successful health or readiness check.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct Status {
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    backends: Option<Vec<ProbeResult>>,
}

/// Alive: answers as long as the process serves HTTP at all.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    responses((status = 200, description = "Alive", body = Status))
)]
async fn healthz() -> Json<Status> {
    Json(Status {
        status: "ok",
        backends: None,
    })
}

/// Ready: `200` when every probe passed, else `503 not_ready` naming the backends (never
/// their errors, which are logged).
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    responses(
        (status = 200, description = "Every backend answers", body = Status),
        (status = 503, response = ServiceUnavailable),
    )
)]
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
