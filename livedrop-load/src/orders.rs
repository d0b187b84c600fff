//! The load: orders at a fixed rate, open loop. A ticker decides when each order is due
//! and sends it without waiting for earlier answers; a bound on orders in flight keeps a
//! slow server from turning into the tool's memory: an order due while the bound is
//! reached is skipped and counted, so falling behind shows in the figures.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use livedrop_client::{Client, ClientError};
use livedrop_core::domain::IdempotencyKey;
use livedrop_core::ids::DropId;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::MissedTickBehavior;

use crate::inbox::InboxSampler;
use crate::outcomes::{OrderOutcomes, Outcome};
use crate::replay::replay_unanswered;

/// The ticker's period: at 1 ms, a few orders go out per tick at thousands a second.
const TICK: Duration = Duration::from_millis(1);

/// The orders' senders and where their answers go.
#[derive(Clone, Debug)]
pub struct Load {
    /// The buyers; order `n` goes to buyer `n % len`.
    pub buyers: Arc<[Client]>,
    /// The drop ordered from.
    pub drop: DropId,
    /// The tally.
    pub outcomes: Arc<OrderOutcomes>,
    /// Where sampled confirmations go.
    pub inbox: Arc<InboxSampler>,
}

/// When the load ran.
#[derive(Clone, Copy, Debug)]
pub struct Window {
    /// The first order was due.
    pub started: Instant,
    /// The last order was due (sending stopped).
    pub ended: Instant,
}

impl Load {
    /// Sends `total` orders at `rate` a second, round robin over the buyers (so each
    /// sends evenly spaced, at `rate / buyers` a second), with at most `in_flight`
    /// unanswered. Returns when the last one is due, not answered: see
    /// [`settle`](Self::settle).
    pub async fn drive(&self, rate: u32, total: u64, in_flight: &Arc<Semaphore>) -> Window {
        let mut ticker = tokio::time::interval(TICK);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Skip);
        let started = Instant::now();
        let per_second = f64::from(rate);
        let buyers = self.buyers.len().max(1) as u64;
        let mut scheduled = 0u64;
        while scheduled < total {
            ticker.tick().await;
            // Due: every order whose slot has begun (the first at once).
            let due = ((started.elapsed().as_secs_f64() * per_second) as u64 + 1).min(total);
            while scheduled < due {
                let buyer = (scheduled % buyers) as usize;
                scheduled += 1;
                self.outcomes.scheduled.fetch_add(1, Ordering::Relaxed);
                match in_flight.clone().try_acquire_owned() {
                    Ok(permit) => {
                        self.outcomes.in_flight.fetch_add(1, Ordering::Relaxed);
                        self.outcomes.sent.fetch_add(1, Ordering::Relaxed);
                        tokio::spawn(self.clone().place(buyer, permit));
                    }
                    Err(_) => {
                        self.outcomes.skipped.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }
        Window {
            started,
            ended: Instant::now(),
        }
    }

    /// One order of one unit by buyer `buyer`, with a fresh key; the permit is held until
    /// the answer is counted.
    async fn place(self, buyer: usize, permit: OwnedSemaphorePermit) {
        let _permit = permit;
        let Some(client) = self.buyers.get(buyer) else {
            return;
        };
        // A UUID's 36 visible ASCII characters always make a valid key; were it refused,
        // the order would count as not sent.
        let key = IdempotencyKey::try_from(uuid::Uuid::now_v7().to_string());
        let sent = Instant::now();
        let answer = match &key {
            Ok(key) => {
                client
                    .orders()
                    .place_with_key(self.drop, 1, key.clone())
                    .await
            }
            Err(invalid) => Err(ClientError::Invalid(invalid.clone())),
        };
        let latency = sent.elapsed();
        if let Outcome::Confirmed(nth) = self.outcomes.record(buyer, key.ok(), latency, &answer)
            && let Ok(order) = &answer
        {
            self.inbox.offer(buyer, nth, order.id);
        }
        self.outcomes.in_flight.fetch_sub(1, Ordering::Relaxed);
    }

    /// Waits (up to `timeout`) until every order sent has been answered or has failed:
    /// all `capacity` permits are back.
    pub async fn settle(in_flight: &Semaphore, capacity: usize, timeout: Duration) -> bool {
        let permits = u32::try_from(capacity).unwrap_or(u32::MAX);
        matches!(
            tokio::time::timeout(timeout, in_flight.acquire_many(permits)).await,
            Ok(Ok(_))
        )
    }

    /// Asks again about each order that got no answer (see [`replay_unanswered`]).
    /// Returns `(confirmed, still unknown)`.
    pub async fn replay_unanswered(&self) -> (u64, u64) {
        let unanswered = self.outcomes.take_unanswered();
        replay_unanswered(&self.buyers, self.drop, unanswered).await
    }
}
