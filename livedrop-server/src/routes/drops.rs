//! `GET /drops/{id}`: the authoritative view of one drop and its stock.

use axum::Json;
use axum::extract::State;
use livedrop_core::ids::DropId;
use livedrop_core::wire::DropView;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::PathId;
use crate::openapi::{BadRequest, NotFound, TooManyRequests};
use crate::{ApiError, AppState};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_drop))
}

/// The drop from the catalog and its stock from the ledger, both read from the authority
/// (never a cache). A malformed id is `400 invalid_id`, an unknown one `404 not_found`.
#[utoipa::path(
    get,
    path = "/drops/{id}",
    tag = "drops",
    params(("id" = uuid::Uuid, Path, description = "The drop")),
    responses(
        (status = 200, description = "The drop and its live stock", body = DropView),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
        (status = 429, response = TooManyRequests),
    )
)]
async fn get_drop(
    State(state): State<AppState>,
    PathId(id): PathId<DropId>,
) -> Result<Json<DropView>, ApiError> {
    let (drop, stock) = state.catalog().drop_with_stock(id).await?;
    Ok(Json(DropView { drop, stock }))
}
