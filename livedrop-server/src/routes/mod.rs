//! The routes, one file per resource, assembled by [`routes`].

mod browse;
mod cached;
mod drops;
mod fallback;
mod follows;
mod health;
mod media;
mod metrics;

use axum::Router;
use axum::middleware::from_fn_with_state;
use livedrop_core::ports::RouteClass;

use crate::AppState;
use crate::rate_limit::limit;

/// Every route, then the fallbacks: 404 for unknown paths and 405 for known paths with an
/// unsupported method, both as problem+json. The 405 fallback applies to the routes
/// registered before it, so it stays last. Each resource's routes sit behind the rate
/// limit of their class; health and metrics behind none.
pub(crate) fn routes(state: &AppState) -> Router<AppState> {
    let reads = from_fn_with_state((state.clone(), RouteClass::Read), limit);
    Router::new()
        .merge(health::routes())
        .merge(drops::routes().route_layer(reads.clone()))
        .merge(browse::routes().route_layer(reads.clone()))
        .merge(cached::routes().route_layer(reads.clone()))
        .merge(follows::routes().route_layer(reads.clone()))
        .merge(media::routes().route_layer(reads))
        .merge(metrics::routes())
        .fallback(fallback::no_route)
        .method_not_allowed_fallback(fallback::method_not_allowed)
}
