//! The routes, one file per resource, assembled by [`routes`].

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

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;
use livedrop_core::ports::RouteClass;

use crate::AppState;
use crate::extract::JSON_BODY_LIMIT;
use crate::rate_limit::limit;

/// Every route, then the fallbacks: 404 for unknown paths and 405 for known paths with an
/// unsupported method, both as problem+json. The 405 fallback applies to the routes
/// registered before it, so it stays last. Each resource's routes sit behind the rate
/// limit of their class; health and metrics behind none.
pub(crate) fn routes(state: &AppState) -> Router<AppState> {
    let reads = from_fn_with_state((state.clone(), RouteClass::Read), limit);
    let orders = from_fn_with_state((state.clone(), RouteClass::Order), limit);
    let auth = from_fn_with_state((state.clone(), RouteClass::Auth), limit);
    let api = Router::new()
        .merge(auth::routes().route_layer(auth))
        .merge(auth::account_routes().route_layer(reads.clone()))
        .merge(drops::routes().route_layer(reads.clone()))
        .merge(browse::routes().route_layer(reads.clone()))
        .merge(cached::routes().route_layer(reads.clone()))
        .merge(catalog::routes().route_layer(reads.clone()))
        .merge(images::routes().route_layer(reads.clone()))
        .merge(follows::routes().route_layer(reads.clone()))
        .merge(notifications::routes().route_layer(reads.clone()))
        .merge(orders::manage().route_layer(reads.clone()))
        .merge(orders::place().route_layer(orders))
        .merge(realtime::routes().route_layer(reads.clone()))
        .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT));
    Router::new()
        .merge(health::routes())
        .merge(api)
        .merge(media::routes().route_layer(reads))
        .merge(metrics::routes())
        .fallback(fallback::no_route)
        .method_not_allowed_fallback(fallback::method_not_allowed)
}
