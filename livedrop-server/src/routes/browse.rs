//! `GET /browse/drops?status=upcoming|live|ended&cursor&limit`: drops by status, soonest
//! start first, and `GET /api/creators/{id}/drops`: a creator's drops, newest first; both
//! keyset-paginated.

use axum::Json;
use axum::extract::State;
use livedrop_core::domain::{Drop, DropStatus};
use livedrop_core::ids::CreatorId;
use livedrop_core::pagination::Page;
use livedrop_core::wire::Problem;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::{PageParams, PageQuery, PathId, QueryParams};
use crate::openapi::{BadRequest, NotFound, TooManyRequests};
use crate::{ApiError, AppState};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(browse_drops))
        .routes(routes!(creator_drops))
}

/// The `status` parameter (`live` when absent).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct StatusQuery {
    /// `upcoming`, `live` (the default), `sold_out` or `ended`.
    #[param(example = "live", pattern = "^(upcoming|live|sold_out|ended)$")]
    status: Option<String>,
}

/// The statuses the design's browse list names: `upcoming` (scheduled), `live`, `ended`,
/// plus `sold_out`. The first page of live drops is the cached read model.
#[utoipa::path(
    get,
    path = "/browse/drops",
    tag = "browse",
    params(StatusQuery, PageParams),
    responses(
        (status = 200, description = "One page of drops", body = Page<Drop>),
        (status = 400, response = BadRequest),
        (status = 429, response = TooManyRequests),
    )
)]
async fn browse_drops(
    State(state): State<AppState>,
    QueryParams(query): QueryParams<StatusQuery>,
    PageQuery(page): PageQuery,
) -> Result<Json<Page<Drop>>, ApiError> {
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

/// A creator's drops, any status, newest first (its storefront and its owner's studio);
/// `404` for an unknown creator.
#[utoipa::path(
    get,
    path = "/api/creators/{id}/drops", operation_id = "list_creator_drops",
    tag = "browse",
    params(("id" = uuid::Uuid, Path, description = "The creator"), PageParams),
    responses(
        (status = 200, description = "One page of the creator's drops", body = Page<Drop>),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
        (status = 429, response = TooManyRequests),
    )
)]
async fn creator_drops(
    State(state): State<AppState>,
    PathId(creator): PathId<CreatorId>,
    PageQuery(page): PageQuery,
) -> Result<Json<Page<Drop>>, ApiError> {
    state.reads().creator(creator).await?;
    Ok(Json(state.browse().drops_of(creator, page).await?))
}
