//! `GET /api/creators/{id}`, `/api/products/{id}` and `/api/drops/{id}`: the design's
//! cached reads, through the cache port with its TTLs (profiles 5 min, products 2 min,
//! drops 30 s), invalidated by the cache invalidator as events arrive. `GET /drops/{id}`
//! stays the authoritative read.

use axum::Json;
use axum::extract::State;
use livedrop_core::domain::{Creator, Drop, Product};
use livedrop_core::ids::{CreatorId, DropId, ProductId};

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::PathId;
use crate::openapi::{BadRequest, NotFound, TooManyRequests};
use crate::{ApiError, AppState};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(creator))
        .routes(routes!(product))
        .routes(routes!(drop))
}

/// The creator, through the cache.
#[utoipa::path(
    get,
    path = "/api/creators/{id}",
    tag = "catalog",
    params(("id" = uuid::Uuid, Path, description = "The creator")),
    responses(
        (status = 200, description = "The creator", body = Creator),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
        (status = 429, response = TooManyRequests),
    )
)]
async fn creator(
    State(state): State<AppState>,
    PathId(id): PathId<CreatorId>,
) -> Result<Json<Creator>, ApiError> {
    Ok(Json(state.reads().creator(id).await?))
}

/// The product, through the cache.
#[utoipa::path(
    get,
    path = "/api/products/{id}",
    tag = "catalog",
    params(("id" = uuid::Uuid, Path, description = "The product")),
    responses(
        (status = 200, description = "The product", body = Product),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
        (status = 429, response = TooManyRequests),
    )
)]
async fn product(
    State(state): State<AppState>,
    PathId(id): PathId<ProductId>,
) -> Result<Json<Product>, ApiError> {
    Ok(Json(state.reads().product(id).await?))
}

/// The drop, through the cache.
#[utoipa::path(
    get,
    path = "/api/drops/{id}",
    tag = "catalog",
    params(("id" = uuid::Uuid, Path, description = "The drop")),
    responses(
        (status = 200, description = "The drop", body = Drop),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
        (status = 429, response = TooManyRequests),
    )
)]
async fn drop(
    State(state): State<AppState>,
    PathId(id): PathId<DropId>,
) -> Result<Json<Drop>, ApiError> {
    Ok(Json(state.reads().drop(id).await?))
}
