//! `POST /api/products/{id}/images`: a signed, expiring URL the product's owner uploads
//! one image to directly (the media backend's own URL: this server's `/media/...` on the
//! local backend, the bucket on S3), so image bytes never pass through the API; and
//! `PUT /api/products/{id}/images`, which shows uploaded images on the product.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use livedrop_core::domain::Product;
use livedrop_core::ids::ProductId;
use livedrop_core::ports::PresignedUpload;
use livedrop_core::wire::{ImageUploadBody, ProductImagesBody};

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::AuthUser;
use crate::extract::{JsonBody, PathId};
use crate::openapi::{
    BadRequest, Forbidden, NotFound, PayloadTooLarge, TooManyRequests, Unauthorized,
    UnsupportedMediaType,
};
use crate::{ApiError, AppState};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(upload_url, set_images))
}

/// Only the owner of the product's creator gets one (`403` otherwise). Each takes one from
/// the user's upload quota (`--rate-limit-upload`, 20 at once, then one per 3 minutes):
/// past it, `429 quota_exceeded` with `Retry-After`.
#[utoipa::path(
    post,
    path = "/api/products/{id}/images", operation_id = "create_image_upload_url",
    tag = "media",
    params(("id" = uuid::Uuid, Path, description = "The product")),
    request_body = ImageUploadBody,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Where and how to upload the image", body = PresignedUpload),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 429, response = TooManyRequests),
    )
)]
async fn upload_url(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    PathId(product_id): PathId<ProductId>,
    JsonBody(body): JsonBody<ImageUploadBody>,
) -> Result<(StatusCode, Json<PresignedUpload>), ApiError> {
    let upload = state
        .catalog()
        .image_upload_url(user, product_id, body.content_type)
        .await?;
    Ok((StatusCode::CREATED, Json(upload)))
}

/// Shows uploaded images on the product, in the order given (replacing the list). Each key
/// must be one an upload URL of this product named (`400 image_not_of_product`); only the
/// owner may (`403`).
#[utoipa::path(
    put,
    path = "/api/products/{id}/images", operation_id = "set_product_images",
    tag = "media",
    params(("id" = uuid::Uuid, Path, description = "The product")),
    request_body = ProductImagesBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The product with its images", body = Product),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 429, response = TooManyRequests),
    )
)]
async fn set_images(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    PathId(product_id): PathId<ProductId>,
    JsonBody(body): JsonBody<ProductImagesBody>,
) -> Result<Json<Product>, ApiError> {
    let product = state
        .catalog()
        .set_product_images(user, product_id, &body.keys)
        .await?;
    Ok(Json(product))
}
