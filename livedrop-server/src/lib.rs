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
//! - [`config`]: the command line and `LIVEDROP_*` environment ([`Config`]).
//! - [`state`]: [`AppState`], the ports and the core services built from them, shared
//!   by every handler.
//! - [`error`]: [`ApiError`], the one error type handlers return; it renders
//!   `application/problem+json` and never leaks internal detail on 5xx.
//! - [`extract`]: request extractors whose rejections are problems too
//!   ([`PathId`](extract::PathId)).
//! - [`readiness`]: the probes `GET /readyz` runs, one per configured backend.
//! - `routes`: one file per resource (`health`, `drops`) plus the 404/405 fallbacks;
//!   [`router`] assembles them.
//! - [`background`]: the drop scheduler and the outbox relay loops.
//! - [`shutdown`]: the ctrl-c / SIGTERM signal that starts a graceful shutdown.
//! - [`telemetry`]: the `tracing` subscriber (`RUST_LOG`).

pub mod background;
pub mod config;
pub mod error;
pub mod extract;
pub mod readiness;
mod routes;
pub mod shutdown;
pub mod state;
pub mod telemetry;

use std::future::Future;

use axum::Router;

pub use config::Config;
pub use error::ApiError;
pub use state::AppState;

/// The application: every route, the problem+json fallbacks for unknown paths (404) and
/// unsupported methods (405), bound to `state`.
pub fn router(state: AppState) -> Router {
    routes::routes().with_state(state)
}

/// Serves [`router`] on `listener` until `shutdown` resolves, then stops accepting
/// connections and returns once the requests in flight have been answered.
///
/// Bind the listener to port 0 to get a free port (tests do).
///
/// # Errors
/// Fails only if the listener's address cannot be read or accepting fails fatally.
pub async fn run(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "listening");
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await?;
    tracing::info!(%addr, "stopped");
    Ok(())
}
