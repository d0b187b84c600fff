//! The accept loop: HTTP/1.1 connections served by hyper, with bounds on what a
//! misbehaving client can hold.
//!
//! `axum::serve` has no header read timeout, gives handlers no way to drop their own
//! connection, and its graceful shutdown waits for every connection however long it
//! takes. This loop serves the same router and adds:
//!
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
//!   then drop whatever is left.
//!
//! As with `axum::serve`: handlers can extract the peer's
//! [`ConnectInfo<SocketAddr>`](axum::extract::ConnectInfo), sockets have `TCP_NODELAY`
//! set, and failing to accept (`EMFILE`: out of file descriptors, ...) is logged and
//! retried after a second rather than ending the server. The number of open connections
//! is the gauge `livedrop_http_connections`.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::{Service as _, service_fn};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

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
}

impl Default for ServeConfig {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// The connection a request arrived on, in every request's extensions: a handler drops
/// its own connection with [`close`](Self::close).
///
/// That is how a handler streaming a response frees the connection of a client that
/// stopped reading: while the socket is not writable the body is not polled, so ending
/// the body does nothing, but closing the handle drops the connection at once (the client
/// sees the connection reset or closed; the response is cut short).
///
/// Extract it with [`axum::Extension`]:
///
/// ```
/// use axum::Extension;
/// use livedrop_server::ConnectionHandle;
///
/// async fn handler(Extension(connection): Extension<ConnectionHandle>) -> &'static str {
///     // Hand `connection` to whatever watches the client; `connection.close()` ends it.
///     # let _ = connection;
///     "ok"
/// }
/// # let _: axum::Router = axum::Router::new().route("/", axum::routing::get(handler));
/// ```
///
/// A request served without this loop (a test calling the router directly) has none, and
/// the extractor rejects it with `500`; take `Option<Extension<ConnectionHandle>>` to
/// accept both. Clones share the connection.
#[derive(Clone, Debug)]
pub struct ConnectionHandle(Arc<watch::Sender<bool>>);

impl ConnectionHandle {
    fn new() -> Self {
        Self(Arc::new(watch::Sender::new(false)))
    }

    /// Drops the connection: the request in flight on it, if any, is cut short, and no
    /// further request is read from it. Calling it again, or after the connection has
    /// ended, does nothing.
    pub fn close(&self) {
        self.0
            .send_if_modified(|closed| !std::mem::replace(closed, true));
    }

    /// Whether the connection is closed or closing: [`close`](Self::close) was called, or
    /// the connection has ended (the client left, the server shut down).
    #[must_use]
    pub fn is_closed(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves once [`is_closed`](Self::is_closed) holds: at once if it already does.
    pub async fn closed(&self) {
        let mut closed = self.0.subscribe();
        // Fails only once every sender is gone, and `self` holds one.
        let _ = closed.wait_for(|closed| *closed).await;
    }
}

/// Serves `router` on `listener` until `shutdown` resolves, then shuts down gracefully:
/// stops accepting, calls `on_shutdown`, closes idle connections, gives the others up to
/// [`ServeConfig::shutdown_grace`] to finish, drops the rest and returns.
///
/// Every request carries the peer's [`ConnectInfo<SocketAddr>`](ConnectInfo) and its
/// connection's [`ConnectionHandle`] in its extensions. Connections still open when the
/// returned future is dropped are dropped with it.
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
    // Turns the routes into services once, not on every request.
    let router = router.with_state(());
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(config.header_read_timeout);
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
                Ok((stream, peer)) => {
                    let connection = serve_connection(
                        &builder,
                        stream,
                        peer,
                        router.clone(),
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

/// Serves one connection until it ends, its handle is closed, or the shutdown drops it
/// (by aborting this task).
fn serve_connection(
    builder: &http1::Builder,
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    mut stopping: watch::Receiver<bool>,
) -> impl Future<Output = ()> + Send + 'static {
    // Small responses (most of ours) are not held back waiting for an acknowledgement.
    if let Err(error) = stream.set_nodelay(true) {
        tracing::debug!(%error, %peer, "cannot set TCP_NODELAY");
    }
    let open = OpenConnection::new();
    let handle = open.handle.clone();
    let app = TowerToHyperService::new(router);
    let service = service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        request.extensions_mut().insert(handle.clone());
        app.call(request)
    });
    // Boxed: the connection's buffers and state make a large future.
    let mut connection = Box::pin(builder.serve_connection(TokioIo::new(stream), service));
    async move {
        let closed = open.handle.clone();
        let mut closed = pin!(closed.closed());
        let mut stop_asked = false;
        loop {
            tokio::select! {
                served = connection.as_mut() => {
                    if let Err(error) = served {
                        // Timeouts, resets, malformed requests: the client's doing.
                        tracing::debug!(%error, %peer, "connection ended with an error");
                    }
                    break;
                }
                () = &mut closed => {
                    tracing::debug!(%peer, "connection closed by its handle");
                    break;
                }
                // An error means the loop is gone: stopping too.
                _ = stopping.wait_for(|stopping| *stopping), if !stop_asked => {
                    stop_asked = true;
                    connection.as_mut().graceful_shutdown();
                }
            }
        }
        drop(connection);
        drop(open);
    }
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

    #[tokio::test]
    async fn closing_a_handle_is_idempotent_and_seen_by_every_clone() {
        let handle = ConnectionHandle::new();
        let clone = handle.clone();
        assert!(!clone.is_closed());
        let waiting = tokio::spawn(async move { clone.closed().await });
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished());
        handle.close();
        handle.close();
        assert!(handle.is_closed());
        tokio::time::timeout(Duration::from_secs(1), waiting)
            .await
            .expect("closed() resolves once closed")
            .unwrap();
        // Already closed: resolves at once.
        tokio::time::timeout(Duration::from_millis(100), handle.closed())
            .await
            .expect("closed() resolves at once when already closed");
    }

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
