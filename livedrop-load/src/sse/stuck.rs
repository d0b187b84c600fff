//! Stuck streams: clients that send their request and never read a byte. They follow a
//! creator of their own, whose many drops then start at once: the burst fills their
//! sockets, then their queues on the server, which must cut them (after its `stuck_for`)
//! rather than hold their frames forever. Measured: how long after the burst the
//! server's stream gauge shows them gone, its slow-close and overflow counters, its RSS.
//! A burst that overflows the queue before the socket is full ends the stream gracefully
//! instead (what is queued fits in the socket, then a `reconnect`): the summary says
//! which happened.
//!
//! The sockets are raw TCP with a tiny receive buffer and a small MSS, both set before
//! connecting: the MSS the client announces bounds the server's send buffer (the kernel
//! sizes it in segments), so a few hundred frames fill everything between the queue and
//! the client, where a loopback socket's defaults would take megabytes.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use futures_util::{StreamExt, TryStreamExt, stream};
use livedrop_client::{ApiErrorKind, Url};
use livedrop_core::wire::CreateDropBody;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use super::host::ProcSample;
use super::server_metrics::{OVERFLOWS, SLOW_CLOSES, SSE_CONNECTIONS, scrape, total};
use super::summary::StuckSummary;
use super::users::User;
use crate::Error;
use crate::setup::Seller;

/// The client's receive buffer (the kernel doubles it, and keeps a floor of ~2 KiB).
const RECEIVE_BUFFER: u32 = 1024;
/// The MSS the client announces.
const MSS: u32 = 536;
/// Drops created at once (the seller's `read` budget: 100 burst, then 50 a second).
const CREATE_CONCURRENCY: usize = 8;
/// How often the gauge is read.
const POLL: Duration = Duration::from_millis(100);
/// After the cut, how long each stuck socket is read for what the server had sent.
const DRAIN: Duration = Duration::from_secs(2);

/// What the phase needs.
pub struct StuckRun<'a> {
    /// The stuck users (following `seller`'s creator only).
    pub users: &'a [Arc<User>],
    /// The servers.
    pub urls: &'a [String],
    /// The second seller, whose drops make the burst.
    pub seller: &'a Seller,
    /// Drops (so events per stuck stream).
    pub events: usize,
    /// `--server-pid`s.
    pub pids: &'a [u32],
    /// For `/metrics`.
    pub http: &'a reqwest::Client,
    /// How long the server may take to cut them after the burst.
    pub timeout: Duration,
}

impl StuckRun<'_> {
    /// Runs the phase.
    ///
    /// # Errors
    /// A stuck stream that cannot be opened, or a drop the server refuses.
    pub async fn run(&self) -> Result<StuckSummary, Error> {
        let before = self.scrape_all().await;
        let open_before = total(&before, SSE_CONNECTIONS);
        let mut sockets = Vec::with_capacity(self.users.len());
        for (j, user) in self.users.iter().enumerate() {
            sockets.push(open_stuck(user, &self.urls[j % self.urls.len()], j).await?);
        }
        let target = open_before + self.users.len() as f64;
        self.until(|open, _| open >= target, Duration::from_secs(10))
            .await;
        let rss_before: Vec<Option<u64>> = self
            .pids
            .iter()
            .map(|p| ProcSample::read(*p).rss_kib)
            .collect();

        let burst = self.schedule_burst().await?;
        tokio::time::sleep((burst - Utc::now()).to_std().unwrap_or_default()).await;
        let burst_at = Instant::now();
        // Back to the count before, and only once the burst reached every stuck stream:
        // streams of an earlier phase whose clients left are noticed only when written to,
        // so the burst itself can close some and bring the count down before any stuck
        // stream was cut.
        let overflowed = total(&before, OVERFLOWS) + self.users.len() as f64;
        let closed = self
            .until(
                |open, overflows| open <= open_before && overflows >= overflowed,
                self.timeout,
            )
            .await;
        let closed_after_ms = closed.then(|| burst_at.elapsed().as_secs_f64() * 1000.0);

        let after = self.scrape_all().await;
        let rss_kib = self
            .pids
            .iter()
            .zip(rss_before)
            .map(|(pid, before)| (before, ProcSample::read(*pid).rss_kib))
            .collect();
        let drained: Vec<(u64, bool)> = stream::iter(sockets).then(drain).collect().await;
        let buffered: Vec<u64> = drained.iter().map(|d| d.0).collect();
        Ok(StuckSummary {
            streams: self.users.len(),
            events_each: self.events,
            all_closed: closed,
            closed_after_ms,
            slow_closes: total(&after, SLOW_CLOSES) - total(&before, SLOW_CLOSES),
            queue_overflows: total(&after, OVERFLOWS) - total(&before, OVERFLOWS),
            ended_with_reconnect: drained.iter().filter(|d| d.1).count(),
            frames_buffered: (
                buffered.iter().copied().min().unwrap_or(0),
                buffered.iter().copied().max().unwrap_or(0),
            ),
            rss_kib,
        })
    }

    async fn scrape_all(&self) -> Vec<Option<crate::prometheus::Metrics>> {
        let mut scrapes = Vec::with_capacity(self.urls.len());
        for url in self.urls {
            scrapes.push(scrape(self.http, url).await);
        }
        scrapes
    }

    /// Reads the stream gauge and the queue overflows (all servers) until `done` holds for
    /// them or `timeout` passes.
    async fn until(&self, done: impl Fn(f64, f64) -> bool, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            let scraped = self.scrape_all().await;
            if done(total(&scraped, SSE_CONNECTIONS), total(&scraped, OVERFLOWS)) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Creates `events` one-unit drops all starting at one instant, late enough that they
    /// all exist by then at the seller's rate; returns that instant.
    async fn schedule_burst(&self) -> Result<chrono::DateTime<Utc>, Error> {
        let seconds = i64::try_from(self.events.saturating_sub(100) / 40 + 3).unwrap_or(60);
        let start_at = Utc::now() + TimeDelta::seconds(seconds);
        let body = CreateDropBody {
            product_id: self.seller.product.id,
            start_at,
            end_at: start_at + TimeDelta::hours(1),
            initial_stock: 1,
            low_stock_threshold: 0,
            max_per_user: None,
        };
        let client = &self.seller.client;
        stream::iter(0..self.events)
            .map(|_| async {
                loop {
                    match client.drops().create(&body).await {
                        Ok(_) => return Ok(()),
                        Err(error) => match error.kind() {
                            Some(ApiErrorKind::RateLimited { retry_after }) => {
                                tokio::time::sleep(retry_after).await;
                            }
                            _ => return Err(Error::from(error)),
                        },
                    }
                }
            })
            .buffer_unordered(CREATE_CONCURRENCY)
            .try_collect::<()>()
            .await?;
        Ok(start_at)
    }
}

/// Connects `user`'s stuck stream to `base` and sends its request; reads nothing.
async fn open_stuck(user: &User, base: &str, server: usize) -> Result<TcpStream, Error> {
    let token = user.on(server).realtime().token().await?;
    let url = Url::parse(base)?;
    let host = url.host_str().ok_or("a base URL without a host")?;
    let port = url
        .port_or_known_default()
        .ok_or("a base URL without a port")?;
    let peer: SocketAddr = tokio::net::lookup_host((host, port))
        .await?
        .find(SocketAddr::is_ipv4)
        .ok_or("the server's host has no IPv4 address")?;
    let socket = TcpSocket::new_v4()?;
    socket.set_recv_buffer_size(RECEIVE_BUFFER)?;
    socket2::SockRef::from(&socket).set_tcp_mss(MSS)?;
    if let Some(address) = user.address {
        socket.bind(SocketAddr::new(address, 0))?;
    }
    let mut stream = socket.connect(peer).await?;
    let request = format!(
        "GET /api/realtime/events?token={} HTTP/1.1\r\nHost: {host}:{port}\r\n\
         Accept: text/event-stream\r\n\r\n",
        token.token
    );
    stream.write_all(request.as_bytes()).await?;
    Ok(stream)
}

/// Reads what `socket` still holds, for up to [`DRAIN`]; returns the frames in it, and
/// whether they end with a `reconnect` (the stream ended after its queue: everything
/// queued fitted in the socket) rather than being cut (its queue stayed full).
async fn drain(mut socket: TcpStream) -> (u64, bool) {
    let mut bytes = Vec::new();
    // On the heap: an array here would make every future awaiting this one 16 KiB larger.
    let mut chunk = vec![0u8; 16 * 1024];
    let deadline = tokio::time::Instant::now() + DRAIN;
    while let Ok(Ok(n)) = tokio::time::timeout_at(deadline, socket.read(&mut chunk)).await {
        if n == 0 {
            break;
        }
        bytes.extend_from_slice(chunk.get(..n).unwrap_or_default());
    }
    let frames = bytes.windows(7).filter(|w| w == b"event: ").count() as u64;
    let reconnect = bytes.windows(16).any(|w| w == b"event: reconnect");
    (frames, reconnect)
}
