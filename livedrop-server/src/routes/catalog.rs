//! Catalog writes: `POST /api/creators` (the caller becomes a creator), `POST /products`
//! and `POST /drops`. Only a creator's owner adds products and drops to it (`403`
//! otherwise). And `GET /browse/products?creatorId&cursor&limit`.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use livedrop_core::domain::{Creator, Drop, Product};
use livedrop_core::ids::CreatorId;
use livedrop_core::pagination::Page;
use livedrop_core::wire::{CreateCreatorBody, CreateDropBody, CreateProductBody};
use serde::Deserialize;

use crate::auth::AuthUser;
use crate::extract::{JsonBody, PageQuery, bad_query};
use crate::{ApiError, AppState};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/creators", post(create_creator))
        .route("/products", post(create_product))
        .route("/drops", post(create_drop))
        .route("/browse/products", get(browse_products))
}

/// Makes the caller a creator; a taken handle is `409 already_exists`.
async fn create_creator(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    JsonBody(body): JsonBody<CreateCreatorBody>,
) -> Result<(StatusCode, Json<Creator>), ApiError> {
    let creator = state
        .catalog()
        .become_creator(user, body.display_name, body.handle)
        .await?;
    Ok((StatusCode::CREATED, Json(creator)))
}

/// Adds a product to one of the caller's creators.
async fn create_product(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    JsonBody(body): JsonBody<CreateProductBody>,
) -> Result<(StatusCode, Json<Product>), ApiError> {
    let product = state
        .catalog()
        .create_product(user, body.creator_id, body.details())
        .await?;
    Ok((StatusCode::CREATED, Json(product)))
}

/// Schedules a drop of one of the caller's products; the scheduler makes it live at
/// `startAt`.
async fn create_drop(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    JsonBody(body): JsonBody<CreateDropBody>,
) -> Result<(StatusCode, Json<Drop>), ApiError> {
    let (window, plan) = body.validate()?;
    let drop = state
        .catalog()
        .create_drop(user, body.product_id, window, plan)
        .await?;
    Ok((StatusCode::CREATED, Json(drop)))
}

/// The `creatorId` parameter, as text so a bad id gets `400 invalid_id`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreatorQuery {
    creator_id: String,
}

/// A creator's products, newest first; `404` for an unknown creator.
async fn browse_products(
    State(state): State<AppState>,
    query: Result<Query<CreatorQuery>, axum::extract::rejection::QueryRejection>,
    PageQuery(page): PageQuery,
) -> Result<Json<Page<Product>>, ApiError> {
    let Query(query) = query.map_err(|rejection| bad_query(&rejection.body_text()))?;
    let creator: CreatorId = query.creator_id.parse()?;
    state.reads().creator(creator).await?;
    Ok(Json(state.browse().products_of(creator, page).await?))
}
