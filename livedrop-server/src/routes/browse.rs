//! `GET /browse/drops?status=upcoming|live|ended&cursor&limit`: drops by status, soonest
//! start first, keyset-paginated.

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use livedrop_core::domain::{Drop, DropStatus};
use livedrop_core::pagination::Page;
use livedrop_core::wire::Problem;
use serde::Deserialize;

use crate::extract::{PageQuery, bad_query};
use crate::{ApiError, AppState};

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/browse/drops", get(browse_drops))
}

/// The `status` parameter (`live` when absent).
#[derive(Debug, Deserialize)]
struct StatusQuery {
    status: Option<String>,
}

/// The statuses the design's browse list names: `upcoming` (scheduled), `live`, `ended`,
/// plus `sold_out`. The first page of live drops is the cached read model.
async fn browse_drops(
    State(state): State<AppState>,
    status: Result<Query<StatusQuery>, axum::extract::rejection::QueryRejection>,
    PageQuery(page): PageQuery,
) -> Result<Json<Page<Drop>>, ApiError> {
    let Query(query) = status.map_err(|rejection| bad_query(&rejection.body_text()))?;
    let status = match query.status.as_deref().unwrap_or("live") {
        "upcoming" => DropStatus::Scheduled,
        "live" => DropStatus::Live,
        "sold_out" => DropStatus::SoldOut,
        "ended" => DropStatus::Ended,
        other => {
            return Err(ApiError::Problem(
                Problem::new(400, "invalid_status", "Invalid request").with_detail(format!(
                    "status {other:?} is not one of upcoming, live, sold_out, ended"
                )),
            ));
        }
    };
    Ok(Json(state.browse().drops(status, page).await?))
}
