//! The routes, one file per resource, assembled by [`routes`].

mod drops;
mod fallback;
mod health;

use axum::Router;

use crate::AppState;

/// Every route, then the fallbacks: 404 for unknown paths and 405 for known paths with an
/// unsupported method, both as problem+json. The 405 fallback applies to the routes
/// registered before it, so it stays last.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .merge(health::routes())
        .merge(drops::routes())
        .fallback(fallback::no_route)
        .method_not_allowed_fallback(fallback::method_not_allowed)
}
