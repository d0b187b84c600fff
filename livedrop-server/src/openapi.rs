//! The OpenAPI 3.1 document's frame: info, the `bearer` security scheme, tags and the
//! reusable problem responses. The paths and their schemas are not listed here: each route
//! file registers its handlers with `routes!`, which puts them in the router and the
//! document together, so the two cannot drift.

// The response types are never built: each exists only for its OpenAPI description.
#![allow(dead_code)]

use livedrop_core::wire::Problem;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi, ToResponse};

/// The name handlers' `security(("bearer" = []))` refers to.
pub const BEARER: &str = "bearer";

/// The document every route adds its paths to.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "LiveDrop",
        description = "Limited-inventory product drops. Every error is `application/problem+json` (RFC 9457) with a stable `code`."
    ),
    modifiers(&BearerScheme),
    components(
        schemas(Problem),
        responses(
            BadRequest,
            Unauthorized,
            Forbidden,
            NotFound,
            Conflict,
            PayloadTooLarge,
            UnsupportedMediaType,
            Unprocessable,
            TooManyRequests,
            ServiceUnavailable,
            StreamsUnavailable
        )
    ),
    tags(
        (name = "auth", description = "Registering, signing in, tokens"),
        (name = "drops", description = "Drops and their stock"),
        (name = "browse", description = "Paginated lists of drops and products"),
        (name = "catalog", description = "Creators, products and drops: reads and writes"),
        (name = "media", description = "Product images"),
        (name = "follows", description = "Following creators"),
        (name = "orders", description = "Placing, reading and cancelling orders"),
        (name = "notifications", description = "The caller's inbox, paginated or streamed"),
        (name = "operations", description = "Health, readiness and metrics")
    )
)]
pub struct ApiDoc;

/// The document with axum's wildcard templates (`/media/{*key}`, which `routes!` copies
/// from the handler's `path`) written as OpenAPI templates (`/media/{key}`), so a
/// wildcard's path parameter matches its template name.
pub fn with_openapi_templates(mut doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let paths = std::mem::take(&mut doc.paths.paths);
    doc.paths.paths = paths
        .into_iter()
        .map(|(path, item)| (path.replace("{*", "{"), item))
        .collect();
    doc
}

/// Adds the `bearer` scheme: an access JWT in `Authorization: Bearer ...`. A derive cannot
/// declare security schemes, hence the modifier.
struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut http = Http::new(HttpAuthScheme::Bearer);
        http.bearer_format = Some("JWT".to_owned());
        components.add_security_scheme(BEARER, SecurityScheme::Http(http));
    }
}

// The problem responses handlers name with `response = ...`. Each is a `Problem` body sent
// as `application/problem+json`; the descriptions list the codes a caller can branch on.

/// Malformed input: `invalid_id`, `invalid_query`, `invalid_cursor`, `invalid_limit`,
/// `invalid_json`, `invalid_body`, `invalid_status`, a validation code, ...
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct BadRequest(Problem);

/// `unauthorized`: no valid bearer token (the response carries `WWW-Authenticate`).
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    headers(("WWW-Authenticate" = String, description = "`Bearer`"))
)]
pub struct Unauthorized(Problem);

/// `forbidden`: the caller does not own the creator or product.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Forbidden(Problem);

/// `not_found`: no such resource, or one the caller may not see.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct NotFound(Problem);

/// A conflict: `already_exists`, `sold_out`, `drop_not_live`,
/// `idempotency_key_in_flight`, ...
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Conflict(Problem);

/// `payload_too_large`: the JSON body is over the limit.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct PayloadTooLarge(Problem);

/// `unsupported_media_type`: the body is not `application/json`.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct UnsupportedMediaType(Problem);

/// Well-formed but refused: `limit_exceeded`, `idempotency_key_reused`, ...
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Unprocessable(Problem);

/// `rate_limited`: the caller's bucket for this route class is empty; `too_many_streams`:
/// the user already holds the most event streams a user may; `quota_exceeded`: a quota
/// (image upload URLs per user) is spent for now.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    headers(("Retry-After" = u64, description = "Seconds until a request may succeed"))
)]
pub struct TooManyRequests(Problem);

/// `not_ready`: a backend does not answer (`backends` names which).
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct ServiceUnavailable(Problem);

/// `streams_full` (this server holds all the streams it can: another may not) or
/// `realtime_unavailable` (starting or shutting down): retry after `Retry-After`.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    headers(("Retry-After" = u64, description = "Seconds to wait before reconnecting"))
)]
pub struct StreamsUnavailable(Problem);
