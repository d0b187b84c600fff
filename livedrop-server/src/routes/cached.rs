//! `GET /api/creators/{id}`, `/api/products/{id}` and `/api/drops/{id}`: the design's
//! cached reads, through the cache port with its TTLs (profiles 5 min, products 2 min,
//! drops 30 s), invalidated by the cache invalidator as events arrive. `GET /drops/{id}`
//! stays the authoritative read.
//!
//! A hit is answered with the cached JSON as it is (the cache holds each value's API
//! encoding): decoding it only to encode it again was most of a cached read's own work.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use livedrop_core::domain::{Creator, Drop, Product};
use livedrop_core::ids::{CreatorId, DropId, ProductId};
use livedrop_core::services::Encoded;

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
    path = "/api/creators/{id}", operation_id = "get_creator",
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
) -> Result<Response, ApiError> {
    Ok(json(state.reads().creator_encoded(id).await?))
}

/// The product, through the cache.
#[utoipa::path(
    get,
    path = "/api/products/{id}", operation_id = "get_product",
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
) -> Result<Response, ApiError> {
    Ok(json(state.reads().product_encoded(id).await?))
}

/// The drop, through the cache.
#[utoipa::path(
    get,
    path = "/api/drops/{id}", operation_id = "get_drop_cached",
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
) -> Result<Response, ApiError> {
    Ok(json(state.reads().drop_encoded(id).await?))
}

/// `200` with `encoded` as the body, typed `application/json` as `Json` would.
fn json<T>(encoded: Encoded<T>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        encoded.into_bytes(),
    )
        .into_response()
}
