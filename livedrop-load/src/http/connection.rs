//! [`Connection`]: one worker's keep-alive HTTP/1.1 connection, from its own address,
//! redone after any failure.
//!
//! Driven with hyper's connection API rather than reqwest, because the client must not
//! be the bottleneck: against the bare baseline server, same process, release build,
//! 2 cores, 5 s closed loop of `POST /orders`, a reqwest client per worker (one pooled
//! connection each, the same headers and body) answered 73,000-75,000 orders/s with
//! 256 workers and 80,000-81,000 with 32; this client 154,000-155,000 and
//! 166,000-171,000, twice as many, in two rounds each. reqwest pays per request for a
//! URL parse, a header map, a pool check-out and its middleware; here the connection
//! is the worker's own (no pool: exactly one socket per worker) and the requests come
//! pre-built (`requests.rs`), so each costs little more than hyper's own encoding.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::{self, SendRequest};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpSocket, TcpStream};

/// A request with its whole body in memory.
pub type OneShot = Request<Full<Bytes>>;

/// What the server answered.
#[derive(Clone, Debug)]
pub struct Answer {
    /// The status code.
    pub status: u16,
    /// The whole body (read to the end, as a real client would).
    pub body: Bytes,
}

/// Why a request got no answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Failure {
    /// The connection could not be made: the request was never sent.
    Connect,
    /// No whole answer within the timeout: the request may have been handled.
    Timeout,
    /// The connection broke mid-request: the request may have been handled.
    Transport,
}

impl Failure {
    /// Its name in the summary.
    pub fn name(self) -> &'static str {
        match self {
            Self::Connect => "connect",
            Self::Timeout => "timeout",
            Self::Transport => "transport",
        }
    }

    /// Whether the server may have acted on the request (so an order must be asked
    /// about again before the oversell check).
    pub fn maybe_handled(self) -> bool {
        self != Self::Connect
    }
}

/// One worker's connection to `server`, made on first use and after each failure.
#[derive(Debug)]
pub struct Connection {
    server: SocketAddr,
    local: Option<IpAddr>,
    timeout: Duration,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Connection {
    /// A connection to `server` from `local` (the OS's choice when `None`); each request
    /// (with the connect, if one is needed) must be answered within `timeout`.
    pub fn new(server: SocketAddr, local: Option<IpAddr>, timeout: Duration) -> Self {
        Self {
            server,
            local,
            timeout,
            sender: None,
        }
    }

    /// Connects now, if not connected, so the first request does not carry the
    /// handshake (256 connects at once can overflow the server's accept queue, and a
    /// dropped SYN is retried only after a second).
    ///
    /// # Errors
    /// [`Failure::Connect`], or [`Failure::Timeout`]; the first request tries again.
    pub async fn open(&mut self) -> Result<(), Failure> {
        if self.sender.as_ref().is_some_and(|s| !s.is_closed()) {
            return Ok(());
        }
        let connected = tokio::time::timeout(self.timeout, self.connect()).await;
        self.sender = Some(connected.map_err(|_| Failure::Timeout)??);
        Ok(())
    }

    /// Sends `request` and reads its whole answer.
    ///
    /// # Errors
    /// The [`Failure`]; the connection is dropped, and the next request makes a new one.
    pub async fn send(&mut self, request: OneShot) -> Result<Answer, Failure> {
        let timeout = self.timeout;
        let exchange = async {
            if self.sender.as_ref().is_none_or(SendRequest::is_closed) {
                self.sender = Some(self.connect().await?);
            }
            let sender = self.sender.as_mut().ok_or(Failure::Connect)?;
            sender.ready().await.map_err(|_| Failure::Transport)?;
            let response = sender
                .send_request(request)
                .await
                .map_err(|_| Failure::Transport)?;
            read(response).await
        };
        let outcome = tokio::time::timeout(timeout, exchange)
            .await
            .unwrap_or(Err(Failure::Timeout));
        if outcome.is_err() {
            // Mid-request, the connection's state is unknown: never reuse it.
            self.sender = None;
        }
        outcome
    }

    /// A fresh connection (no Nagle delay: requests are small and each waits for its
    /// answer), its driver running as its own task until the sender is dropped.
    async fn connect(&self) -> Result<SendRequest<Full<Bytes>>, Failure> {
        let stream = self.socket().await.map_err(|_| Failure::Connect)?;
        stream.set_nodelay(true).map_err(|_| Failure::Connect)?;
        let (sender, driver) = http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|_| Failure::Connect)?;
        tokio::spawn(async move {
            // Ends when the sender is dropped or the server closes; either way the next
            // request sees a closed sender and reconnects.
            let _ = driver.await;
        });
        Ok(sender)
    }

    async fn socket(&self) -> std::io::Result<TcpStream> {
        let Some(local) = self.local else {
            return TcpStream::connect(self.server).await;
        };
        let socket = match local {
            IpAddr::V4(_) => TcpSocket::new_v4()?,
            IpAddr::V6(_) => TcpSocket::new_v6()?,
        };
        socket.bind(SocketAddr::new(local, 0))?;
        socket.connect(self.server).await
    }
}

/// The status and the whole body of `response`.
async fn read(response: Response<hyper::body::Incoming>) -> Result<Answer, Failure> {
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|_| Failure::Transport)?
        .to_bytes();
    Ok(Answer { status, body })
}
