//! [`OrderOutcomes`]: what became of the orders, counted as the answers arrive (atomics,
//! so the progress bar reads them live) and kept for the summary.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use livedrop_client::ClientError;
use livedrop_core::domain::{IdempotencyKey, Order};

use crate::LatencyStats;
use crate::summary::OrdersSummary;

/// Counts and samples of the load's orders.
#[derive(Debug, Default)]
pub struct OrderOutcomes {
    /// Orders the schedule called for so far.
    pub scheduled: AtomicU64,
    /// Orders sent.
    pub sent: AtomicU64,
    /// Orders due while `max_in_flight` were awaiting answers, so not sent.
    pub skipped: AtomicU64,
    /// Orders sent and not yet answered.
    pub in_flight: AtomicU64,
    /// `201`s.
    pub confirmed: AtomicU64,
    /// `429`s.
    pub rate_limited: AtomicU64,
    /// Orders with no answer (connection refused or reset, timeout).
    pub failed: AtomicU64,
    /// Other refusals by problem code (`sold_out`, `drop_not_live`, `internal`, ...).
    refused: Mutex<BTreeMap<String, u64>>,
    /// Latencies of the `201`s.
    latencies: Mutex<Vec<Duration>>,
    /// The buyer and key of each order with no answer, to ask again after the load.
    unanswered: Mutex<Vec<(usize, IdempotencyKey)>>,
}

/// How one order ended, as far as the tally cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// `201`: the `n`th confirmation (from 0).
    Confirmed(u64),
    /// Any other answer, or none.
    NotConfirmed,
}

impl OrderOutcomes {
    /// Counts `answer` to buyer `buyer`'s order sent with `key` (`None`: not sent), which
    /// took `latency`.
    pub fn record(
        &self,
        buyer: usize,
        key: Option<IdempotencyKey>,
        latency: Duration,
        answer: &Result<Order, ClientError>,
    ) -> Outcome {
        match answer {
            Ok(_) => {
                lock(&self.latencies).push(latency);
                return Outcome::Confirmed(self.confirmed.fetch_add(1, Ordering::Relaxed));
            }
            Err(ClientError::Api {
                status, problem, ..
            }) => {
                if status.as_u16() == 429 {
                    self.rate_limited.fetch_add(1, Ordering::Relaxed);
                } else {
                    *lock(&self.refused).entry(problem.code.clone()).or_default() += 1;
                }
            }
            // Sent, but whether the server committed it is unknown.
            Err(ClientError::Transport(_) | ClientError::Decode { .. }) => {
                self.failed.fetch_add(1, Ordering::Relaxed);
                if let Some(key) = key {
                    lock(&self.unanswered).push((buyer, key));
                }
            }
            // Nothing was sent (a refreshed-away session, a bad argument).
            Err(other) => {
                let reason = match other {
                    ClientError::NotSignedIn => "not_signed_in",
                    _ => "not_sent",
                };
                *lock(&self.refused).entry(reason.to_owned()).or_default() += 1;
            }
        }
        Outcome::NotConfirmed
    }

    /// Refusals by code.
    pub fn refused(&self) -> BTreeMap<String, u64> {
        lock(&self.refused).clone()
    }

    /// Takes the `201`s' latencies.
    pub fn take_latencies(&self) -> Vec<Duration> {
        std::mem::take(&mut *lock(&self.latencies))
    }

    /// Takes the orders that got no answer.
    pub fn take_unanswered(&self) -> Vec<(usize, IdempotencyKey)> {
        std::mem::take(&mut *lock(&self.unanswered))
    }

    /// The summary, for a load window of `window_seconds`; `settled`: every order was
    /// answered in time; `replayed`: what asking again about the unanswered ones gave,
    /// `(confirmed, still unknown)`.
    pub fn summary(
        &self,
        window_seconds: f64,
        settled: bool,
        replayed: (u64, u64),
    ) -> OrdersSummary {
        let get = Self::get;
        let per_second = |n: u64| {
            if window_seconds > 0.0 {
                n as f64 / window_seconds
            } else {
                0.0
            }
        };
        OrdersSummary {
            scheduled: get(&self.scheduled),
            sent: get(&self.sent),
            skipped: get(&self.skipped),
            confirmed: get(&self.confirmed),
            rate_limited: get(&self.rate_limited),
            refused: self.refused(),
            failed: get(&self.failed),
            confirmed_on_replay: replayed.0,
            unknown: replayed.1,
            settled,
            window_seconds,
            sent_per_second: per_second(get(&self.sent)),
            confirmed_per_second: per_second(get(&self.confirmed)),
            latency_ms: LatencyStats::of(self.take_latencies()),
        }
    }

    /// A counter's current value.
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}

/// Locks `mutex`, taking over a poisoned one: a counting task that panicked left whole
/// counts behind (each update is one statement), so the tally stays usable.
pub fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
