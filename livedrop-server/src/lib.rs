//! LiveDrop's HTTP server: axum routes over the core's services, on whichever backends the
//! [`Ports`](livedrop_core::ports::Ports) it is given hold.
//!
//! The binary (`src/main.rs`) only wires configuration, logging, the backend, the
//! background tasks and the signal handling; everything it uses lives here, so tests and
//! embedders run exactly the same server in-process:
//!
//! ```no_run
//! use livedrop_adapters::memory::{MemoryBackend, MemoryConfig};
//! use livedrop_server::{AppState, run};
//!
//! # async fn example() -> std::io::Result<()> {
//! let backend = MemoryBackend::new(MemoryConfig::default());
//! let state = AppState::new(backend.ports());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! run(listener, state, async { /* resolve to stop */ }).await
//! # }
//! ```
//!
//! # Layout
//! - [`config`]: the command line and `LIVEDROP_*` environment ([`Config`]);
//!   `duration_flag`: the durations its flags take (`10s`, `500ms`).
//! - [`auth`]: access and realtime tokens (JWT, the core's token issuer), the
//!   [`AuthUser`](auth::AuthUser) extractor and argon2id [`Passwords`](auth::Passwords)
//!   (the core's password hasher); the sign-in flows are the core's `SessionService`.
//! - [`backend_settings`]: the backends' operating settings (pools, replica, key prefix,
//!   Kafka topic and client properties).
//! - [`backends`]: the composition root: the ports on memory, overlaid by the Postgres,
//!   Redis, Kafka and media backends the configuration names, with their readiness probes.
//! - [`state`]: [`AppState`], the core services built on those ports, shared by every
//!   handler (handlers extract, call one service and answer; they never call a port).
//! - [`error`]: [`ApiError`], the one error type handlers return; it renders
//!   `application/problem+json` and never leaks internal detail on 5xx.
//! - `order_reply`: how an order's receipt is answered (status, body, `Location`,
//!   `Idempotent-Replayed`), in one place.
//! - [`extract`]: request extractors whose rejections are problems too
//!   ([`PathId`](extract::PathId)).
//! - `http_metrics`: request counts and latency histograms per route.
//! - [`request_id`](mod@request_id): every request's id, the caller's `X-Request-Id` when
//!   short and printable, else a UUID, returned in the response; `request_span`: the span
//!   every log line of a request is in (method, path, id).
//! - `request_timeout`: `503 timed_out` for a handler that does not answer in time.
//! - `compression`: answers gzipped or brotli-compressed for the clients that ask.
//! - [`cors`]: the origins allowed to call the API from a browser
//!   ([`CorsOrigins`](cors::CorsOrigins)).
//! - [`client_addr`]: who the client is: the peer, or what a trusted proxy forwarded
//!   ([`TrustedProxies`](client_addr::TrustedProxies)).
//! - [`rate_limit`]: the token-bucket middleware (`429` with `Retry-After`) and its
//!   settings ([`RateLimitConfig`](rate_limit::RateLimitConfig)).
//! - [`realtime`]: the node's realtime hub (topics, one encode per event, bounded queues,
//!   exact resumes) and the event streams it feeds.
//! - [`mail`]: where registration messages go (`--smtp-url`, `--mail-dir`) and where
//!   their links point.
//! - [`media`]: the media settings (`--media-dir`, `--s3-bucket`, ...).
//! - [`readiness`]: the probes `GET /readyz` runs, one per configured backend.
//! - [`serve`](mod@serve): the accept loop [`run`] serves the router with (hyper, HTTP/1.1):
//!   the header read timeout, each connection's [`ConnectionHandle`], the graceful
//!   shutdown with a deadline ([`ServeConfig`]).
//! - `routes`: one file per resource (`health`, `drops`, `auth`, ...) plus the 404/405
//!   fallbacks; [`router`] assembles them, with `GET /openapi.json` and the `/docs` page.
//! - `openapi`: the OpenAPI document's frame (info, `bearer` scheme, tags, problem
//!   responses); each route file adds its own paths. `openapi_common`: what every route
//!   shares (413/415 on JSON bodies, `X-Request-Id`, the RateLimit headers), added once.
//! - [`background`]: the drop scheduler, the outbox relay and the event consumers.
//! - [`shutdown`]: the ctrl-c / SIGTERM signal that starts a graceful shutdown.
//! - [`telemetry`]: the `tracing` subscriber (`RUST_LOG`) and the Prometheus recorder;
//!   `plain_fields`: the text log's fields when it writes no colours;
//!   `metric_catalog`: every metric's name, kind and help text; `process_metrics`: the
//!   `process_*` metrics from `/proc`; `follow_metrics`: the follow store's query times.
//! - `otel` (feature `otel`): spans exported over OTLP, and a request's trace handed on
//!   through the ledger, the outbox and the bus to the consumers.
//! - `web`: the web app (`web/`, embedded at build time) at `/`, its assets under
//!   `/app/<version>/`.

pub mod auth;
pub mod backend_settings;
pub mod backends;
pub mod background;
pub mod client_addr;
mod compression;
pub mod config;
pub mod cors;
mod duration_flag;
pub mod error;
pub mod extract;
mod follow_metrics;
mod http_metrics;
pub mod mail;
pub mod media;
mod metric_catalog;
mod openapi;
mod openapi_common;
mod order_reply;
#[cfg(feature = "otel")]
pub mod otel;
mod plain_fields;
mod process_metrics;
pub mod rate_limit;
pub mod readiness;
pub mod realtime;
pub mod request_id;
mod request_span;
mod request_timeout;
mod routes;
pub mod serve;
pub mod shutdown;
pub mod state;
pub mod telemetry;
mod web;

use std::future::Future;

use axum::Router;
use tower::ServiceBuilder;

pub use config::Config;
pub use error::ApiError;
pub use serve::{ConnectionHandle, ServeConfig, serve};
pub use state::AppState;

/// The header carrying a request's id: the caller's if it sent a usable one (see
/// [`request_id`](mod@request_id)), else a new UUID.
pub const REQUEST_ID: &str = "x-request-id";

/// The application: every route, the problem+json fallbacks for unknown paths (404) and
/// unsupported methods (405), bound to `state`. Every request gets an id (the caller's
/// `x-request-id`, else a new UUID), returned in the response and carried by the span
/// every log line of the request is in.
pub fn router(state: AppState) -> Router {
    let http = state.http().clone();
    // One `Router::layer` call with every outer layer composed: each call wraps every
    // route in a box of its own, and a request cloned each box and moved each one's future
    // into a new one (with seven calls, a tenth of a cached read's server CPU).
    // Outside in, as the client's request meets them: the id (the caller's if usable,
    // copied onto the response), the span (opened with it), compression, CORS and the
    // time limit.
    let outer = ServiceBuilder::new()
        .layer(request_id::RequestIdLayer)
        .layer(request_span::RequestSpanLayer)
        .layer(compression::CompressionLayer)
        .option_layer(http.cors.layer())
        .layer(request_timeout::TimeLimitLayer(http.request_timeout));
    routes::routes(&state)
        .route_layer(http_metrics::RouteMetricsLayer::default())
        .with_state(state)
        .layer(outer)
}

/// `GET /metrics` alone, bound to `state`: to serve on a listener of its own (say, one
/// only the scraper can reach), with [`AppStateBuilder::metrics_elsewhere`](state::AppStateBuilder::metrics_elsewhere)
/// keeping it out of [`router`].
pub fn metrics_router(state: AppState) -> Router {
    routes::metrics_only().with_state(state)
}

/// Serves [`router`] on `listener` until `shutdown` resolves: [`run_with`] the default
/// [`ServeConfig`] (10 s to send a request head, 10 s of grace at shutdown).
///
/// Bind the listener to port 0 to get a free port (tests do).
///
/// # Errors
/// Fails only if the listener's address cannot be read.
pub async fn run(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    run_with(listener, state, ServeConfig::default(), shutdown).await
}

/// Serves [`router`] on `listener` until `shutdown` resolves, with the realtime hub fed
/// from the bus for as long (its feed and sweep start and stop with the server). Then
/// stops accepting connections, ends the event streams (each with an id to resume from),
/// and returns once the requests in flight have been answered, or once
/// `config.shutdown_grace` has passed, dropping the connections still open. See
/// [`serve`](fn@serve) for the limits it puts on clients.
///
/// # Errors
/// Fails only if the listener's address cannot be read.
pub async fn run_with(
    listener: tokio::net::TcpListener,
    state: AppState,
    config: ServeConfig,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    // Event streams never finish on their own: tell them to end when shutdown starts, or
    // every stream would wait out the grace period and be cut without a resumable id.
    let closing = state.clone();
    let serving = background::Background::serving(&state, background::RetryPolicy::default()).await;
    let served = serve(listener, router(state), config, shutdown, move || {
        closing.close_streams();
    })
    .await;
    serving.stop().await;
    served
}
