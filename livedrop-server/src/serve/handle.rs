//! [`ConnectionHandle`]: how a handler drops its own connection.

use std::sync::Arc;

use tokio::sync::watch;

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
    pub(super) fn new() -> Self {
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

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
}
