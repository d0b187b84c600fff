//! One connection: its first request head, read here, decides who serves it, the fast
//! path (an event stream, answered by us, one request) or hyper (everything else, the
//! head replayed to it).

use std::future::Future;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::{Service as _, service_fn};
use hyper_util::service::TowerToHyperService;
use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpStream;
use tokio::sync::watch;

use super::head::{self, First};
use super::replay::Replay;
use super::respond;
use super::{OpenConnection, ServeConfig};

/// What every connection serves with, shared.
pub(super) struct Shared {
    pub(super) builder: http1::Builder,
    pub(super) app: TowerToHyperService<Router>,
    pub(super) config: ServeConfig,
}

/// Serves one connection until it ends, its handle is closed, or the shutdown drops it
/// (by aborting this task). Counted in the gauge from now on.
pub(super) fn serve(
    shared: Arc<Shared>,
    stream: TcpStream,
    peer: SocketAddr,
    mut stopping: watch::Receiver<bool>,
) -> impl Future<Output = ()> + Send + 'static {
    // Small responses (most of ours) are not held back waiting for an acknowledgement.
    if let Err(error) = stream.set_nodelay(true) {
        tracing::debug!(%error, %peer, "cannot set TCP_NODELAY");
    }
    let open = OpenConnection::new();
    async move {
        let timeout = shared.config.header_read_timeout;
        match head::read(&stream, timeout, &mut stopping).await {
            First::Gone(why) => tracing::debug!(%peer, why, "connection ended without a request"),
            First::Stream(request) => fast(&shared.app, stream, request, peer, &open).await,
            First::Other(read) => {
                let io = Replay::new(read, stream);
                with_hyper(&shared, io, peer, &open, stopping).await;
            }
        }
        drop(open);
    }
}

/// Serves an event-stream request without hyper: the router answers as for any request
/// (every layer runs), then [`respond::write`] sends the answer and the connection ends.
///
/// While it lasts the client is watched: anything it sends or its closing drops the
/// response (and with it the stream's subscription) at once, as does closing the handle.
/// A shutdown needs nothing here: the streams end themselves (`on_shutdown`), and what is
/// left when the grace period is over is dropped with the task.
async fn fast(
    app: &TowerToHyperService<Router>,
    stream: TcpStream,
    mut request: Box<Request<Body>>,
    peer: SocketAddr,
    open: &OpenConnection,
) {
    let version = request.version();
    request.extensions_mut().insert(ConnectInfo(peer));
    request.extensions_mut().insert(open.handle.clone());
    let answered = async {
        // Boxed: the router's future is large and needed only until the response.
        let Ok(response) = Box::pin(app.call(*request)).await;
        respond::write(&stream, version, response).await
    };
    let ended = tokio::select! {
        biased;
        () = open.handle.closed() => Err("closed by its handle"),
        () = respond::client_gone(&stream) => Err("the client left"),
        written = answered => written.map_err(|error| {
            tracing::debug!(%error, %peer, "response cut short");
            "write failed"
        }),
    };
    match ended {
        Ok(()) => {
            let mut stream = stream;
            // The client reads to the end of file, as after hyper's `Connection: close`.
            if let Err(error) = stream.shutdown().await {
                tracing::debug!(%error, %peer, "cannot shut the connection down");
            }
        }
        Err(why) => tracing::debug!(%peer, why, "event stream connection dropped"),
    }
}

/// Serves the connection with hyper until it ends or its handle is closed; a shutdown
/// lets the request in flight finish, then closes.
async fn with_hyper(
    shared: &Shared,
    io: Replay,
    peer: SocketAddr,
    open: &OpenConnection,
    mut stopping: watch::Receiver<bool>,
) {
    let handle = open.handle.clone();
    let app = shared.app.clone();
    let service = service_fn(move |mut request: Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        request.extensions_mut().insert(handle.clone());
        app.call(request)
    });
    // Boxed: the connection's buffers and state make a large future.
    let mut connection = Box::pin(shared.builder.serve_connection(io, service));
    let mut closed = pin!(open.handle.closed());
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
}
