//! The routes, one file per resource, assembled by [`routes`].
//!
//! # Layout
//! Each file registers one resource's routes with their OpenAPI entries (`routes!`), and
//! this module puts each file's router behind its rate-limit class; a file whose routes
//! fall in two classes (`auth`, `orders`) hands out two routers.
//! - `auth`: register, login, refresh, logout (the `auth` class), and the signed-in
//!   caller's account and realtime token (the `read` class).
//! - `web_session`: the web app's sign-ins, with the refresh token in an `HttpOnly` cookie
//!   (register and login in the `auth` class; refresh and logout, which guess nothing, in
//!   `read`).
//! - `orders`: placing an order (the `order` class, the hot path) apart from reading and
//!   cancelling orders (`read`).
//! - `catalog`: creator, product and drop writes, and a creator's products.
//! - `drops`: the authoritative read of one drop; `cached`: the cached reads of creators,
//!   products and drops through the cache port; `browse`: drops by status.
//! - `follows`, `notifications`: follows and follower lists; the caller's inbox.
//! - `realtime`: the caller's events as server-sent events; `stream_frames`: the OpenAPI
//!   schemas of their frames, one per event type.
//! - `images`: signed upload URLs for product images; `media`: the server's own media
//!   store (uploads and images), outside the JSON body limit since it reads up to the
//!   signed size.
//! - `health`, `metrics`: liveness, readiness and the Prometheus exposition, behind no
//!   rate limit so probes and scrapes are never refused.
//! - `fallback`: the problem+json 404 and 405 answers for requests no route takes.

mod auth;
mod browse;
mod cached;
mod catalog;
mod drops;
mod fallback;
mod follows;
mod health;
mod images;
mod media;
mod metrics;
mod notifications;
mod orders;
mod realtime;
mod stream_frames;
mod web_session;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;
use livedrop_core::ports::RouteClass;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::AppState;
use crate::extract::JSON_BODY_LIMIT;
use crate::openapi::{ApiDoc, with_openapi_templates};
use crate::openapi_common::with_common_parts;
use crate::rate_limit::limit;

/// Where the OpenAPI document and the interactive docs page are served.
pub const OPENAPI_PATH: &str = "/openapi.json";
/// See [`OPENAPI_PATH`].
pub const DOCS_PATH: &str = "/docs";

/// Every route, the OpenAPI document and its docs page, then the fallbacks: 404 for
/// unknown paths and 405 for known paths with an unsupported method, both as
/// problem+json. The 405 fallback applies to the routes registered before it, so it stays
/// last.
pub(crate) fn routes(state: &AppState) -> Router<AppState> {
    let (api, doc) = documented(state).split_for_parts();
    // The pages (the web app, the docs) and the document are not API routes: not in the document, not limited.
    // Swagger UI's files are compiled in (`vendored`), and its validator badge would call
    // validator.swagger.io, so it is off: the page loads nothing from other hosts.
    let docs = SwaggerUi::new(DOCS_PATH)
        .url(OPENAPI_PATH, with_common_parts(with_openapi_templates(doc)))
        .config(Config::new([OPENAPI_PATH]).validator_url("none"));
    api.merge(docs)
        .merge(crate::web::routes())
        .fallback(fallback::no_route)
        .method_not_allowed_fallback(fallback::method_not_allowed)
}

/// The routes and their OpenAPI document, registered together by each file's `routes!`
/// so neither can list a route the other lacks. Each resource's routes sit behind the
/// rate limit of their class (unless the state was built without rate limits); health and
/// metrics behind none.
fn documented(state: &AppState) -> OpenApiRouter<AppState> {
    let guard = |class: RouteClass| {
        let state = state.clone();
        move |routes: OpenApiRouter<AppState>| {
            if state.rate_limited() {
                routes.route_layer(from_fn_with_state((state.clone(), class), limit))
            } else {
                routes
            }
        }
    };
    let (reads, orders, auth) = (
        guard(RouteClass::Read),
        guard(RouteClass::Order),
        guard(RouteClass::Auth),
    );
    let api = OpenApiRouter::new()
        .merge(auth(auth::routes()))
        .merge(reads(auth::account_routes()))
        .merge(auth(web_session::routes()))
        .merge(reads(web_session::renewal_routes()))
        .merge(reads(drops::routes()))
        .merge(reads(browse::routes()))
        .merge(reads(cached::routes()))
        .merge(reads(catalog::routes()))
        .merge(reads(images::routes()))
        .merge(reads(follows::routes()))
        .merge(reads(notifications::routes()))
        .merge(reads(orders::manage()))
        .merge(orders(orders::place()))
        .merge(reads(realtime::routes()))
        .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT));
    let all = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(health::routes())
        .merge(api)
        .merge(reads(media::routes()));
    if state.http().metrics_elsewhere {
        all
    } else {
        all.merge(metrics::routes())
    }
}

/// `GET /metrics` alone, for a listener of its own.
pub(crate) fn metrics_only() -> Router<AppState> {
    let (routes, _) = metrics::routes().split_for_parts();
    routes
}
