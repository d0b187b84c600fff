//! `GET /api/creators/{id}`, `/api/products/{id}` and `/api/drops/{id}`: the design's
//! cached reads, through the cache port with its TTLs (profiles 5 min, products 2 min,
//! drops 30 s), invalidated by the database updater as events arrive. `GET /drops/{id}`
//! stays the authoritative read.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use livedrop_core::domain::{Creator, Drop, Product};
use livedrop_core::ids::{CreatorId, DropId, ProductId};

use crate::extract::PathId;
use crate::{ApiError, AppState};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/creators/{id}", get(creator))
        .route("/api/products/{id}", get(product))
        .route("/api/drops/{id}", get(drop))
}

async fn creator(
    State(state): State<AppState>,
    PathId(id): PathId<CreatorId>,
) -> Result<Json<Creator>, ApiError> {
    Ok(Json(state.reads().creator(id).await?))
}

async fn product(
    State(state): State<AppState>,
    PathId(id): PathId<ProductId>,
) -> Result<Json<Product>, ApiError> {
    Ok(Json(state.reads().product(id).await?))
}

async fn drop(
    State(state): State<AppState>,
    PathId(id): PathId<DropId>,
) -> Result<Json<Drop>, ApiError> {
    Ok(Json(state.reads().drop(id).await?))
}
