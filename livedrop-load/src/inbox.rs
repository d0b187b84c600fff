//! [`InboxSampler`]: event-to-inbox latency. For a sample of confirmed orders, the buyer's
//! `GET /api/notifications` is polled until the order's `order.confirmed` shows up.
//!
//! One poller per buyer, polling only while it has samples pending and checking all of
//! them with each poll: a buyer's polls stay at 20/s however many of its orders are
//! sampled, under the `read` limit (50/s), so the polls themselves draw no `429`s.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use livedrop_client::Client;
use livedrop_core::domain::EventData;
use livedrop_core::ids::OrderId;
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender, error::TryRecvError};
use tokio::task::JoinHandle;

use crate::latency::{LatencyStats, since};
use crate::outcomes::lock;
use crate::summary::InboxSummary;

/// How often a poller asks while samples are pending.
const POLL_EVERY: Duration = Duration::from_millis(50);
/// Notifications per poll: the newest 20 hold the sample unless the buyer had 20 newer
/// ones since, several seconds' worth at the rates a buyer gets.
const PAGE: u16 = 20;

/// What a poller is told.
enum Message {
    /// Find this order's `order.confirmed`.
    Sample(OrderId),
    /// Give up on samples still pending at this instant.
    Deadline(Instant),
}

/// What one poller saw.
#[derive(Debug, Default)]
struct Tally {
    sampled: u64,
    latencies: Vec<Duration>,
    missing: u64,
    polls: u64,
    poll_errors: u64,
}

/// Hands sampled orders to their buyer's poller. Shared by the order tasks, so it is
/// closed and read through `&self`.
#[derive(Debug)]
pub struct InboxSampler {
    every: u64,
    senders: Mutex<Vec<UnboundedSender<Message>>>,
    pollers: Mutex<Vec<JoinHandle<Tally>>>,
}

impl InboxSampler {
    /// A poller per buyer (idle until given a sample); every `every`th confirmation is
    /// sampled (0: none, and no pollers).
    pub fn start(buyers: &[Client], every: u64) -> Self {
        let (senders, pollers) = match every {
            0 => (Vec::new(), Vec::new()),
            _ => buyers
                .iter()
                .map(|buyer| {
                    let (sender, receiver) = mpsc::unbounded_channel();
                    (sender, tokio::spawn(poll(buyer.clone(), receiver)))
                })
                .unzip(),
        };
        Self {
            every,
            senders: Mutex::new(senders),
            pollers: Mutex::new(pollers),
        }
    }

    /// Offers buyer `buyer`'s order `order`, the `nth` confirmation of the run (from 0).
    pub fn offer(&self, buyer: usize, nth: u64, order: OrderId) {
        if self.every > 0
            && nth.is_multiple_of(self.every)
            && let Some(sender) = lock(&self.senders).get(buyer)
        {
            // A poller that is gone has already reported; nothing to add.
            let _ = sender.send(Message::Sample(order));
        }
    }

    /// Samples still pending at `deadline` count as missing.
    pub fn close_at(&self, deadline: Instant) {
        for sender in lock(&self.senders).iter() {
            let _ = sender.send(Message::Deadline(deadline));
        }
    }

    /// Ends the sampling (after [`close_at`](Self::close_at), the pollers stop at its
    /// deadline; without, at once) and sums what the pollers found.
    pub async fn finish(&self) -> InboxSummary {
        lock(&self.senders).clear();
        let pollers = std::mem::take(&mut *lock(&self.pollers));
        let mut total = Tally::default();
        for poller in pollers {
            // A poller that panicked counts for nothing rather than failing the run.
            if let Ok(tally) = poller.await {
                total.sampled += tally.sampled;
                total.latencies.extend(tally.latencies);
                total.missing += tally.missing;
                total.polls += tally.polls;
                total.poll_errors += tally.poll_errors;
            }
        }
        InboxSummary {
            sampled: total.sampled,
            found: total.latencies.len() as u64,
            missing: total.missing,
            polls: total.polls,
            poll_errors: total.poll_errors,
            latency_ms: LatencyStats::of(total.latencies),
        }
    }
}

/// One buyer's poller: waits for samples, polls while any is pending, stops at the
/// deadline (counting what is still pending as missing) or when told there are no more.
async fn poll(buyer: Client, mut messages: UnboundedReceiver<Message>) -> Tally {
    let mut state = Poller::default();
    loop {
        if state.pending.is_empty() {
            match messages.recv().await {
                Some(message) => state.take(message),
                None => return state.tally,
            }
        }
        loop {
            match messages.try_recv() {
                Ok(message) => state.take(message),
                Err(TryRecvError::Empty) => break,
                // Dropped without a deadline (the run failed): give up now.
                Err(TryRecvError::Disconnected) => {
                    state.deadline.get_or_insert_with(Instant::now);
                    break;
                }
            }
        }
        if state.deadline.is_some_and(|at| Instant::now() >= at) {
            state.tally.missing += state.pending.len() as u64;
            return state.tally;
        }
        if !state.pending.is_empty() {
            check(&buyer, &mut state.pending, &mut state.tally).await;
            tokio::time::sleep(POLL_EVERY).await;
        }
    }
}

/// A poller's state between polls.
#[derive(Default)]
struct Poller {
    pending: Vec<OrderId>,
    deadline: Option<Instant>,
    tally: Tally,
}

impl Poller {
    fn take(&mut self, message: Message) {
        match message {
            Message::Sample(order) => {
                self.tally.sampled += 1;
                self.pending.push(order);
            }
            Message::Deadline(at) => self.deadline = Some(at),
        }
    }
}

/// One poll: each pending order whose `order.confirmed` is in the newest page is found,
/// at the moment the page arrived (an upper bound: it was stored by then).
async fn check(buyer: &Client, pending: &mut Vec<OrderId>, tally: &mut Tally) {
    tally.polls += 1;
    let page = match buyer.notifications().inbox().limit(PAGE).page(None).await {
        Ok(page) => page,
        Err(_) => {
            tally.poll_errors += 1;
            return;
        }
    };
    for notification in page.items {
        if let EventData::OrderConfirmed { order_id, .. } = notification.event.data
            && let Some(at) = pending.iter().position(|p| *p == order_id)
        {
            pending.swap_remove(at);
            tally.latencies.push(since(notification.event.occurred_at));
        }
    }
}
