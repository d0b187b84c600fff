//! Catalog writes: `POST /api/creators` (the caller becomes a creator), `POST /products`
//! and `POST /drops`. Only a creator's owner adds products and drops to it (`403`
//! otherwise). And `GET /browse/products?creatorId&cursor&limit`, and the caller's own
//! creator, `GET /users/{id}/creator`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use livedrop_core::domain::{Creator, Drop, Product};
use livedrop_core::ids::{CreatorId, UserId};
use livedrop_core::pagination::Page;
use livedrop_core::wire::{CreateCreatorBody, CreateDropBody, CreateProductBody};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{AuthUser, only_owner};
use crate::extract::{JsonBody, PageParams, PageQuery, PathId, QueryParams};
use crate::openapi::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, TooManyRequests, Unauthorized,
    UnsupportedMediaType,
};
use crate::{ApiError, AppState};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_creator))
        .routes(routes!(create_product))
        .routes(routes!(create_drop))
        .routes(routes!(browse_products))
        .routes(routes!(creator_of_user))
}

/// Makes the caller a creator; a taken handle is `409 already_exists`.
#[utoipa::path(
    post,
    path = "/api/creators",
    tag = "catalog",
    request_body = CreateCreatorBody,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The new creator", body = Creator),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 429, response = TooManyRequests),
    )
)]
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
#[utoipa::path(
    post,
    path = "/products",
    tag = "catalog",
    request_body = CreateProductBody,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The new product", body = Product),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 429, response = TooManyRequests),
    )
)]
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
#[utoipa::path(
    post,
    path = "/drops",
    tag = "catalog",
    request_body = CreateDropBody,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The scheduled drop", body = Drop),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 429, response = TooManyRequests),
    )
)]
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
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct CreatorQuery {
    /// The creator whose products to list.
    #[param(value_type = uuid::Uuid)]
    creator_id: String,
}

/// A creator's products, newest first; `404` for an unknown creator.
#[utoipa::path(
    get,
    path = "/browse/products",
    tag = "browse",
    params(CreatorQuery, PageParams),
    responses(
        (status = 200, description = "One page of products", body = Page<Product>),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
        (status = 429, response = TooManyRequests),
    )
)]
async fn browse_products(
    State(state): State<AppState>,
    QueryParams(query): QueryParams<CreatorQuery>,
    PageQuery(page): PageQuery,
) -> Result<Json<Page<Product>>, ApiError> {
    let creator: CreatorId = query.creator_id.parse()?;
    state.reads().creator(creator).await?;
    Ok(Json(state.browse().products_of(creator, page).await?))
}

/// The creator the caller manages (a user has at most one): `404` when they have none yet,
/// or for another user's id (as every `/users/{id}/...` route).
#[utoipa::path(
    get,
    path = "/users/{id}/creator", operation_id = "get_creator_of_user",
    tag = "catalog",
    params(("id" = uuid::Uuid, Path, description = "The caller's own user id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's creator", body = Creator),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 429, response = TooManyRequests),
    )
)]
async fn creator_of_user(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    PathId(user): PathId<UserId>,
) -> Result<Json<Creator>, ApiError> {
    only_owner(caller, user)?;
    Ok(Json(state.catalog().creator_of(user).await?))
}
