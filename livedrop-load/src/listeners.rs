//! [`Listeners`]: event-to-stream latency. Some buyers hold their event stream open (the
//! client's realtime stream: a fresh realtime token per connection, reconnecting by
//! itself), and every event they receive is timed from its `occurredAt`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use livedrop_client::{ApiErrorKind, Client, Url};
use livedrop_core::ids::CreatorId;
use tokio::task::JoinHandle;

use crate::Error;
use crate::latency::{LatencyStats, since};
use crate::outcomes::lock;
use crate::prometheus::Metrics;
use crate::summary::StreamSummary;

/// Follows are repeated this often on a `429` before the run gives up.
const FOLLOW_ATTEMPTS: usize = 5;

/// What the streams received.
#[derive(Debug, Default)]
struct Tally {
    latencies: Vec<Duration>,
    by_type: BTreeMap<String, u64>,
    /// Events per listener.
    per_listener: Vec<u64>,
    errors: u64,
}

/// The running streams.
#[derive(Debug)]
pub struct Listeners {
    tasks: Vec<JoinHandle<()>>,
    tally: Arc<Mutex<Tally>>,
}

impl Listeners {
    /// Each of `listeners` follows `follow` (when given, so it also hears of the
    /// creator's drops and stock) and opens its event stream.
    ///
    /// # Errors
    /// A follow the server refuses.
    pub async fn start(listeners: &[Client], follow: Option<CreatorId>) -> Result<Self, Error> {
        if let Some(creator) = follow {
            for listener in listeners {
                follow_creator(listener, creator).await?;
            }
        }
        let tally = Arc::new(Mutex::new(Tally {
            per_listener: vec![0; listeners.len()],
            ..Tally::default()
        }));
        let tasks = listeners
            .iter()
            .enumerate()
            .map(|(i, listener)| tokio::spawn(listen(listener.clone(), i, tally.clone())))
            .collect();
        Ok(Self { tasks, tally })
    }

    /// Closes the streams and sums what they received.
    pub async fn stop(self) -> StreamSummary {
        for task in &self.tasks {
            task.abort();
        }
        for task in self.tasks {
            // Cancelled, as asked (or panicked: its events are counted already).
            let _ = task.await;
        }
        let tally = std::mem::take(&mut *lock(&self.tally));
        StreamSummary {
            listeners: tally.per_listener.len(),
            listeners_with_events: tally.per_listener.iter().filter(|n| **n > 0).count(),
            streams_open_at_start: None,
            events: tally.latencies.len() as u64,
            by_type: tally.by_type,
            errors: tally.errors,
            latency_ms: LatencyStats::of(tally.latencies),
        }
    }
}

/// Reads one listener's stream until stopped. The stream reconnects by itself; an error
/// it yields (a body that is not an event, or a refusal it cannot cure) is counted.
async fn listen(client: Client, index: usize, tally: Arc<Mutex<Tally>>) {
    let mut events = std::pin::pin!(client.realtime().events());
    while let Some(item) = events.next().await {
        let mut tally = lock(&tally);
        match item {
            Ok(received) => {
                tally.latencies.push(since(received.event.occurred_at));
                *tally
                    .by_type
                    .entry(received.event.kind().to_owned())
                    .or_default() += 1;
                if let Some(count) = tally.per_listener.get_mut(index) {
                    *count += 1;
                }
            }
            Err(_) => tally.errors += 1,
        }
    }
}

/// `POST /follow`, waiting out `429`s (the listener's client repeats nothing).
pub async fn follow_creator(client: &Client, creator: CreatorId) -> Result<(), Error> {
    let mut attempts = 0;
    loop {
        match client.follows().follow(creator).await {
            Ok(_) => return Ok(()),
            Err(error) => match error.kind() {
                Some(ApiErrorKind::RateLimited { retry_after }) if attempts < FOLLOW_ATTEMPTS => {
                    attempts += 1;
                    tokio::time::sleep(retry_after).await;
                }
                _ => return Err(error.into()),
            },
        }
    }
}

/// Waits (up to `timeout`) until the server counts `expected` more open event streams
/// than `before` (`livedrop_sse_connections`), so the drop does not go live before the
/// listeners can hear of it. Returns the last count; `None` when the server never
/// published the gauge (the wait then lasts the whole `timeout`; the drop's start delay
/// still gives the streams time).
pub async fn wait_for_streams(
    http: &reqwest::Client,
    base: &Url,
    before: Option<f64>,
    expected: usize,
    timeout: Duration,
) -> Option<f64> {
    const GAUGE: &str = "livedrop_sse_connections";
    let deadline = Instant::now() + timeout;
    let target = before.unwrap_or(0.0) + expected as f64;
    loop {
        let open = Metrics::scrape(http, base)
            .await
            .ok()
            .and_then(|metrics| metrics.sum(GAUGE, &[]));
        match open {
            Some(open) if open >= target => return Some(open),
            _ if Instant::now() >= deadline => return open,
            _ => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}
