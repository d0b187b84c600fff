//! Uploads to and images from the server's own media store: `PUT /media/{key}?max&expires&sig`
//! (the URL the local media backend signs) and `GET /media/{key}`.
//!
//! With the S3 backend the server stores nothing: uploads go to the bucket's URLs (a `PUT`
//! here is 404) and `GET /media/{key}` redirects to where the bucket serves the key, so a
//! page links every image the same way whatever the backend.

use axum::body::{Body, HttpBody};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use livedrop_core::ports::{MediaKey, UploadGrant, UploadRefused};
use livedrop_core::wire::Problem;
use serde::Deserialize;

use crate::openapi::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, UnsupportedMediaType,
};
use crate::{ApiError, AppState};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Keys never change content (each upload gets a fresh UUID), so caches may keep an image
/// for a year without revalidating.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(serve, upload))
}

/// The signed query of an upload URL (as `POST /api/products/{id}/images` gave it).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct SignedQuery {
    /// Largest accepted body, in bytes.
    max: u64,
    /// When the URL stops working (Unix seconds).
    expires: i64,
    /// The URL's signature.
    sig: String,
}

fn not_found(detail: &str) -> ApiError {
    ApiError::Problem(Problem::new(404, "not_found", "Not found").with_detail(detail))
}

/// The answer of a server whose media are on S3.
fn no_store() -> ApiError {
    not_found("this server does not store media; images are served by the media backend")
}

#[utoipa::path(put, path = "/media/{*key}", operation_id = "upload_media", tag = "media",
    params(
        (
            "key" = String, Path,
            description = "The object's key, from the upload URL: `products/{productId}/{imageId}.{ext}`"
        ),
        SignedQuery
    ),
    request_body(content = Vec<u8>, content_type = "image/*", description = "The image, of the type the URL was signed for"),
    responses(
        (status = 201, description = "Stored; `Location` is where it is served"),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType)
    ))]
/// Accepts one upload: URL checks first (signature, expiry, type), then the body, read
/// only up to the signed limit, which must be an image of the signed type (`415
/// not_an_image` otherwise). A URL works once (`409 already_uploaded` after): a stored
/// image never changes. Anything refused stores nothing.
async fn upload(
    State(state): State<AppState>,
    Path(key): Path<String>,
    query: Result<Query<SignedQuery>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let media = state.media();
    if !media.is_hosted() {
        return Err(no_store());
    }
    let Ok(Query(query)) = query else {
        return Err(refused(UploadRefused::BadSignature));
    };
    let grant = UploadGrant {
        key: MediaKey::parse(&key)?,
        max_bytes: query.max,
        expires: query.expires,
        signature: query.sig,
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let authorized = media
        .authorize_upload(&grant, content_type)
        .map_err(refused)?;
    let body = read_limited(body, authorized.max_bytes()).await?;
    media
        .store_upload(authorized, body)
        .await
        .map_err(refused)?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, format!("/media/{key}"))],
    )
        .into_response())
}

/// The body, or `413` as soon as it passes `max` bytes (a declared `Content-Length` over
/// it is refused before reading anything).
async fn read_limited(body: Body, max: u64) -> Result<Vec<u8>, ApiError> {
    let too_large = || refused(UploadRefused::TooLarge { max_bytes: max });
    if body.size_hint().lower() > max {
        return Err(too_large());
    }
    let limit = usize::try_from(max).unwrap_or(usize::MAX);
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes().to_vec()),
        Err(error) if error.is::<LengthLimitError>() => Err(too_large()),
        Err(_) => Err(ApiError::Problem(
            Problem::new(400, "bad_request", "Invalid request")
                .with_detail("the upload body could not be read"),
        )),
    }
}

/// The problem a refused upload answers with.
fn refused(refusal: UploadRefused) -> ApiError {
    let detail = refusal.to_string();
    let (status, code, title) = match refusal {
        UploadRefused::Store(error) => return ApiError::Core(error),
        UploadRefused::BadSignature => (403, "invalid_signature", "Forbidden"),
        UploadRefused::Expired => (403, "upload_expired", "Forbidden"),
        UploadRefused::WrongType { .. } => {
            (415, "unsupported_media_type", "Unsupported media type")
        }
        UploadRefused::TooLarge { .. } => (413, "payload_too_large", "Payload too large"),
        UploadRefused::NotAnImage { .. } => (415, "not_an_image", "Unsupported media type"),
        UploadRefused::AlreadyUploaded => (409, "already_uploaded", "Conflict"),
        // A refusal this server does not know yet: still a refusal.
        _ => (403, "forbidden", "Forbidden"),
    };
    ApiError::Problem(Problem::new(status, code, title).with_detail(detail))
}

#[utoipa::path(get, path = "/media/{*key}", operation_id = "get_media", tag = "media",
    params((
        "key" = String, Path,
        description = "The object's key: `products/{productId}/{imageId}.{ext}`"
    )),
    responses(
        (status = 200, description = "The image, cacheable for a year (`ETag`, immutable)", content_type = "image/*", body = Vec<u8>),
        (status = 302, description = "With media on S3: where the bucket serves the key"),
        (status = 304, description = "Not modified (`If-None-Match` matched)"),
        (status = 404, response = NotFound)
    ))]
/// One stored image, cacheable forever; `304` when the caller already has it. Without a
/// local store, a redirect to the bucket's URL of the key.
async fn serve(
    State(state): State<AppState>,
    Path(key): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let media = state.media();
    let missing = || not_found("no media at this key");
    let key = MediaKey::parse(&key).map_err(|_| missing())?;
    if !media.is_hosted() {
        let location = HeaderValue::from_str(&media.public_url(&key))
            .map_err(|_| ApiError::Problem(Problem::new(500, "internal", "Internal error")))?;
        return Ok((StatusCode::FOUND, [(header::LOCATION, location)]).into_response());
    }
    let object = media.image(&key).await?.ok_or_else(missing)?;
    let etag = HeaderValue::from_str(&object.etag)
        .map_err(|_| ApiError::Problem(Problem::new(500, "internal", "Internal error")))?;
    let cached = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| {
            tags.split(',')
                .any(|t| t.trim() == object.etag || t.trim() == "*")
        });
    let common = [
        (header::ETAG, etag),
        (header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE)),
        // Served as its type and nothing else, and inert if opened as a page: an upload
        // is a user's bytes on this origin.
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; sandbox"),
        ),
    ];
    if cached {
        return Ok((StatusCode::NOT_MODIFIED, common).into_response());
    }
    Ok((
        common,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(object.kind.mime()),
        )],
        object.bytes,
    )
        .into_response())
}
