//! The load: `connections` workers, each with its own keep-alive connection, sending
//! until the run's end, closed loop (the next request as soon as the last is answered)
//! or paced (open loop, see [`Pace`]); each counts its own answers, merged at the end.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Barrier;

use super::connection::{Connection, Failure};
use super::requests::Requests;
use super::schedule::{Mix, Pace};
use super::tally::{Kind, Live, Tally};
use crate::accounts::buyer_address;

/// How long a worker waits after a failed connect before trying again: a server that
/// refuses connections would otherwise turn the closed loop into a busy loop of errors.
const CONNECT_BACKOFF: Duration = Duration::from_millis(100);

/// How the load is sent.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    /// The server's address.
    pub server: SocketAddr,
    /// A second instance of the same service: odd workers connect to it, so the load is
    /// split evenly between the two.
    pub other_server: Option<SocketAddr>,
    /// Workers (one connection each).
    pub connections: usize,
    /// How long requests are started.
    pub duration: Duration,
    /// Requests per second in all (open loop), or `None` (closed loop).
    pub rate: Option<u32>,
    /// The share of requests that are reads.
    pub read_share: f64,
    /// A request unanswered this long is an error.
    pub timeout: Duration,
    /// Worker `i` connects from [`buyer_address`]`(i)`, spreading per-address limits.
    pub own_addresses: bool,
}

/// What the load got.
#[derive(Debug)]
pub struct Sent {
    /// The orders' answers.
    pub orders: Tally,
    /// The reads' answers.
    pub reads: Tally,
    /// From the start to the last answer, s.
    pub seconds: f64,
    /// Paced requests due before the end that no worker got to (the server fell
    /// behind the rate with every connection busy); 0 in a closed loop.
    pub behind: u64,
}

/// Runs `plan` with `requests`, counting on `live` as it goes. Every worker connects
/// first; the clock starts when all have (or failed to), so no latency carries a
/// handshake.
pub async fn run(plan: Plan, requests: Arc<Requests>, live: Arc<Live>) -> Sent {
    let connected = Arc::new(Barrier::new(plan.connections + 1));
    let workers: Vec<_> = (0..plan.connections)
        .map(|index| {
            let worker = Worker {
                index,
                plan,
                requests: requests.clone(),
                live: live.clone(),
            };
            tokio::spawn(worker.run(connected.clone()))
        })
        .collect();
    connected.wait().await;
    let start = Instant::now();
    let mut sent = Sent {
        orders: Tally::default(),
        reads: Tally::default(),
        seconds: 0.0,
        behind: 0,
    };
    for worker in workers {
        // A worker that panicked took its counts with it; the others still add up.
        if let Ok(done) = worker.await {
            sent.orders.merge(done.orders);
            sent.reads.merge(done.reads);
            sent.behind += done.behind;
        }
    }
    sent.seconds = start.elapsed().as_secs_f64();
    sent
}

struct Worker {
    index: usize,
    plan: Plan,
    requests: Arc<Requests>,
    live: Arc<Live>,
}

impl Worker {
    /// Connects, waits for the others at `connected`, then sends until the plan's end;
    /// a request started before it is still awaited.
    async fn run(self, connected: Arc<Barrier>) -> Sent {
        let plan = self.plan;
        let local = plan.own_addresses.then(|| buyer_address(self.index));
        let server = match plan.other_server {
            Some(other) if self.index % 2 == 1 => other,
            _ => plan.server,
        };
        let mut connection = Connection::new(server, local, plan.timeout);
        // A connection that failed is tried again (and counted) on the first request.
        let _ = connection.open().await;
        connected.wait().await;
        let start = Instant::now();
        let deadline = start + plan.duration;
        let mut mix = Mix::new(plan.read_share, self.index);
        let pace = plan
            .rate
            .map(|rate| Pace::new(start, rate, plan.connections, self.index));
        let (mut orders, mut reads) = (Tally::default(), Tally::default());
        let mut started = 0u64;
        // When the last answer came: a request due before then waited on the server.
        let mut ready = start;
        loop {
            let due = pace.map_or_else(Instant::now, |pace| pace.due(started));
            if due >= deadline {
                break;
            }
            if pace.is_some() {
                tokio::time::sleep_until(due.into()).await;
            }
            // Behind (the server kept this worker busy past `due`): timed from `due`, so
            // the wait shows. On time: timed from now, so the timer's own lateness (tokio
            // wakes to the millisecond) does not.
            let timed_from = if ready > due { due } else { Instant::now() };
            let order = if mix.next_is_read() {
                None
            } else {
                self.requests.order()
            };
            let (kind, request, sent, tally) = match order {
                Some((request, sent)) => (Kind::Order, request, Some(sent), &mut orders),
                None => (Kind::Read, self.requests.read(), None, &mut reads),
            };
            let outcome = connection.send(request).await;
            ready = Instant::now();
            let latency = ready.duration_since(timed_from);
            tally.record(kind, sent, &outcome, latency, &self.live);
            started += 1;
            if matches!(outcome, Err(Failure::Connect)) {
                tokio::time::sleep(CONNECT_BACKOFF).await;
            }
        }
        let behind = pace.map_or(0, |pace| pace.due_before(deadline).saturating_sub(started));
        Sent {
            orders,
            reads,
            seconds: 0.0,
            behind,
        }
    }
}
