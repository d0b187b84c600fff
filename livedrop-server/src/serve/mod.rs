//! The accept loop: HTTP/1.1 connections served by hyper, event streams by a lean path of
//! our own, with bounds on what a misbehaving client can hold.
//!
//! `axum::serve` has no header read timeout, gives handlers no way to drop their own
//! connection, and its graceful shutdown waits for every connection however long it
//! takes. This loop serves the same router and adds:
//!
//! - a **connection limit** ([`ServeConfig::max_connections`]): past it, a new connection
//!   is closed as soon as it is accepted (counted in
//!   `livedrop_http_connections_refused_total`);
//! - a **header read timeout** ([`ServeConfig::header_read_timeout`]): a connection that
//!   has not sent a whole request head within it is closed, on a new connection and
//!   between the requests of a keep-alive one alike;
//! - a [`ConnectionHandle`] in every request's extensions, which drops that request's
//!   connection when [`closed`](ConnectionHandle::close), even while the client is not
//!   reading (hyper stops polling a response body while the socket is not writable, so
//!   ending the body cannot free the connection; dropping it does);
//! - a **graceful shutdown with a deadline** ([`ServeConfig::shutdown_grace`]): stop
//!   accepting, run the caller's `on_shutdown` (the server ends its event streams there),
//!   close idle keep-alive connections, let the others finish within the grace period,
//!   then drop whatever is left;
//! - a **fast path for event streams**: hyper keeps an 8 KiB read buffer and an 8 KiB
//!   header buffer per connection for the connection's whole life, most of what an open
//!   stream costs, though a stream never reads or writes a head again after its first.
//!   So the loop reads each new connection's first request head itself, into a buffer of
//!   1 KiB (growing to 16 KiB if need be), and when it is a bodiless `GET` (HTTP/1.0 or
//!   1.1) of `/api/realtime/events` or `/api/drops/{id}/events` with nothing after it,
//!   calls the same router (every layer runs) and writes the answer itself, always with
//!   `Connection: close`: each event as a chunk, straight to the socket. Anything else,
//!   any other request, a head that does not parse, a body, pipelined requests, goes to
//!   hyper with the bytes read so far replayed ahead of the socket. Handles, the gauge,
//!   the timeout and the shutdown behave alike on both paths.
//!
//! As with `axum::serve`: handlers can extract the peer's
//! [`ConnectInfo<SocketAddr>`](axum::extract::ConnectInfo), sockets have `TCP_NODELAY`
//! set, and failing to accept (`EMFILE`: out of file descriptors, ...) is logged and
//! retried after a second rather than ending the server. The number of open connections
//! is the gauge `livedrop_http_connections`.
//!
//! # Layout
//!
//! - `mod.rs`: [`ServeConfig`], [`serve`] (accepting, the shutdown), the gauge.
//! - `handle.rs`: [`ConnectionHandle`].
//! - `connection.rs`: one connection: its first head, then the fast path or hyper.
//! - `head.rs`: reading the first head and sorting it (`httparse`).
//! - `respond.rs`: the fast path's response writer and its watch on the client.
//! - `replay.rs`: the socket as hyper reads it, the bytes already read first.

mod connection;
mod handle;
mod head;
mod replay;
mod respond;

use std::future::Future;
use std::io;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::TokioTimer;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

pub use handle::ConnectionHandle;

/// The gauge of open HTTP connections.
const CONNECTIONS: &str = "livedrop_http_connections";

/// How long the loop waits after failing to accept before trying again (what
/// `axum::serve` and hyper 0.14 wait): the usual cause is running out of file
/// descriptors, which only closing connections cures.
const ACCEPT_BACKOFF: Duration = Duration::from_secs(1);

/// The loop's limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServeConfig {
    /// How long a client has to send a whole request head (request line and headers),
    /// counted from when the server starts waiting for it: from the connection's accept,
    /// or from the end of the previous response on a keep-alive connection. A client that
    /// takes longer is disconnected without an answer. Must not be zero. Default 10 s.
    pub header_read_timeout: Duration,
    /// How long a shutdown waits for the connections still serving a request; those still
    /// open then are dropped. Default 10 s.
    pub shutdown_grace: Duration,
    /// The most connections open at once (event streams included). One more is closed as
    /// soon as it is accepted, so a flood costs the server nothing but that accept, and a
    /// process never runs out of file descriptors for its backends. Default 19,000: room
    /// for the realtime hub's 18,000 streams under a limit of 20,000 descriptors.
    pub max_connections: usize,
}

impl Default for ServeConfig {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(10),
            max_connections: 19_000,
        }
    }
}

/// Serves `router` on `listener` until `shutdown` resolves, then shuts down gracefully:
/// stops accepting, calls `on_shutdown`, closes idle connections, gives the others up to
/// [`ServeConfig::shutdown_grace`] to finish, drops the rest and returns.
///
/// Every request carries the peer's
/// [`ConnectInfo<SocketAddr>`](axum::extract::ConnectInfo) and its connection's
/// [`ConnectionHandle`] in its extensions, on hyper's path and the event streams' alike.
/// Connections still open when the returned future is dropped are dropped with it.
///
/// # Errors
/// Fails only if the listener's address cannot be read; failing to accept a connection is
/// logged and retried.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    config: ServeConfig,
    shutdown: impl Future<Output = ()> + Send,
    on_shutdown: impl FnOnce() + Send,
) -> io::Result<()> {
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "listening");
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(config.header_read_timeout);
    let shared = Arc::new(connection::Shared {
        builder,
        // Turns the routes into services once, not on every request.
        app: TowerToHyperService::new(router.with_state(())),
        config,
    });
    // `true` once the shutdown starts: connections then finish their request and close.
    let (stopping, _) = watch::channel(false);
    let mut connections = JoinSet::new();

    let mut shutdown = pin!(shutdown);
    loop {
        tokio::select! {
            biased;
            () = &mut shutdown => break,
            // Reaps the connections that ended, so the set holds the open ones only.
            Some(ended) = connections.join_next(), if !connections.is_empty() => {
                report(ended);
            }
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) if connections.len() >= config.max_connections => {
                    metrics::counter!("livedrop_http_connections_refused_total").increment(1);
                    tracing::debug!(open = connections.len(), "connection limit reached: closed a new connection");
                    drop(stream);
                }
                Ok((stream, peer)) => {
                    let connection = connection::serve(
                        shared.clone(),
                        stream,
                        peer,
                        stopping.subscribe(),
                    );
                    connections.spawn(connection);
                }
                Err(error) if is_connection_error(&error) => {
                    tracing::debug!(%error, "connection failed before it was accepted");
                }
                Err(error) => {
                    tracing::error!(%error, "cannot accept connections; retrying in 1 s");
                    tokio::select! {
                        biased;
                        () = &mut shutdown => break,
                        () = tokio::time::sleep(ACCEPT_BACKOFF) => {}
                    }
                }
            },
        }
    }

    drop(listener);
    tracing::info!(%addr, open = connections.len(), "shutting down: no longer accepting");
    on_shutdown();
    stopping.send_replace(true);
    let mut grace = pin!(tokio::time::sleep(config.shutdown_grace));
    while !connections.is_empty() {
        tokio::select! {
            () = &mut grace => break,
            Some(ended) = connections.join_next() => report(ended),
        }
    }
    let dropped = connections.len();
    connections.shutdown().await;
    if dropped > 0 {
        tracing::warn!(
            %addr,
            dropped,
            grace = ?config.shutdown_grace,
            "stopped; dropped the connections still open after the grace period"
        );
    } else {
        tracing::info!(%addr, dropped, "stopped");
    }
    Ok(())
}

/// An open connection: counted in the gauge, and its handle marked closed when it ends
/// (however it ends, shutdown's abort included).
struct OpenConnection {
    handle: ConnectionHandle,
}

impl OpenConnection {
    fn new() -> Self {
        metrics::gauge!(CONNECTIONS).increment(1.0);
        Self {
            handle: ConnectionHandle::new(),
        }
    }
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.handle.close();
        metrics::gauge!(CONNECTIONS).decrement(1.0);
    }
}

/// Logs a connection task that did not end normally (a handler panicked).
fn report(ended: Result<(), tokio::task::JoinError>) {
    if let Err(error) = ended
        && error.is_panic()
    {
        tracing::error!(%error, "a connection's task panicked");
    }
}

/// Errors about one connection that failed while queued, not about the listener: the next
/// accept may well succeed at once.
fn is_connection_error(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ending_a_connection_closes_its_handle() {
        let open = OpenConnection::new();
        let handle = open.handle.clone();
        assert!(!handle.is_closed());
        drop(open);
        assert!(handle.is_closed());
    }

    #[test]
    fn the_defaults_are_ten_seconds() {
        let config = ServeConfig::default();
        assert_eq!(config.header_read_timeout, Duration::from_secs(10));
        assert_eq!(config.shutdown_grace, Duration::from_secs(10));
    }
}
