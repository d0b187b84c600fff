//! The background loops every server node runs: the drop scheduler, the outbox relay and
//! one event consumer per [`EventHandler`](livedrop_core::services::EventHandler).
//!
//! All are safe to run on several nodes at once: the ledger applies each transition once,
//! the outbox leases each batch to one relay, and each handler's consumers share one
//! consumer group, so the bus hands every event to one of them. A round that fails is
//! logged and retried (the relay and the consumers back off exponentially, with jitter).
//! On the stop signal a consumer commits what it has handled; a relay round or an event
//! cut short is simply done again later (the outbox lease expires; the bus redelivers
//! what was not committed; handlers are idempotent).
//!
//! # Layout
//! - `scheduler`: the scheduler's loop, asleep until the next transition is due.
//! - `relay`: moves the outbox to the bus as soon as it has events (woken by the outbox),
//!   and reports its lag.
//! - `consumer`: one handler's consumer-group member: handle batches, then commit.
//! - `lag`: the consumer lag metrics, read from the bus per group and partition.
//! - `realtime`: the realtime hub's feed (a tail of the bus) and its node-wide sweep, and
//!   `revocations`: the watch for sign-ins revoked on other nodes; both spawned apart
//!   ([`Background::serving`]) by the server itself.
//! - `retry`: the backoff policy the relay and consumers share, and a stoppable sleep.

mod consumer;
mod lag;
mod realtime;
mod relay;
mod retry;
mod revocations;
mod scheduler;

use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use retry::RetryPolicy;

use crate::AppState;

/// How often each node reads the sign-ins revoked elsewhere: how long another node's
/// logout can leave its access tokens working here.
pub const REVOCATIONS_EVERY: Duration = Duration::from_secs(1);

/// How often the loops run and how they retry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BackgroundConfig {
    /// The longest the scheduler sleeps without asking when the next transition is due
    /// (it sleeps until exactly then when it knows): how late a drop scheduled by another
    /// instance, or due sooner than the last answer, can start. One small query per period.
    pub scheduler_every: Duration,
    /// The longest the relay waits for word of new events once the outbox is empty. The
    /// outbox wakes it when events are appended (Postgres `LISTEN/NOTIFY`, a signal in
    /// memory); this is the safety net for a lost wake-up: one claim per period at rest.
    pub relay_idle: Duration,
    /// How long a consumer may hold handled events uncommitted: commits are batched, and
    /// a member that dies redelivers at most about this much (handlers are idempotent).
    pub commit_every: Duration,
    /// How often the consumer lag metrics, and the outbox lag while the relay is busy, are
    /// refreshed (an idle relay refreshes the outbox lag every 30 s).
    pub lag_every: Duration,
    /// Backoff of the relay and the consumers after a failure.
    pub retry: RetryPolicy,
}

impl Default for BackgroundConfig {
    fn default() -> Self {
        Self {
            scheduler_every: Duration::from_secs(1),
            relay_idle: Duration::from_secs(2),
            commit_every: Duration::from_millis(100),
            lag_every: Duration::from_secs(1),
            retry: RetryPolicy::default(),
        }
    }
}

/// The running loops. [`Background::stop`] ends them; dropping this without stopping
/// also ends them, at their next check of the stop signal.
#[derive(Debug)]
#[must_use = "the loops stop when this is dropped"]
pub struct Background {
    stop: watch::Sender<bool>,
    tasks: Vec<(String, JoinHandle<()>)>,
}

impl Background {
    /// Spawns the scheduler, the relay, a consumer per handler of `state` and the consumer
    /// lag metrics on the current runtime.
    pub fn spawn(state: &AppState, config: BackgroundConfig) -> Self {
        let (stop, stopped) = watch::channel(false);
        let mut tasks = vec![
            (
                "scheduler".to_owned(),
                tokio::spawn(scheduler::run(
                    state.scheduler().clone(),
                    config.scheduler_every,
                    stopped.clone(),
                )),
            ),
            (
                "relay".to_owned(),
                tokio::spawn(relay::run(state.relay().clone(), config, stopped.clone())),
            ),
        ];
        tasks.push((
            "consumer lag".to_owned(),
            tokio::spawn(lag::run(
                state.ports().bus.clone(),
                state
                    .handlers()
                    .iter()
                    .map(|h| h.group().to_owned())
                    .collect(),
                config.lag_every,
                stopped.clone(),
            )),
        ));
        for handler in state.handlers() {
            tasks.push((
                format!("consumer {}", handler.group()),
                tokio::spawn(consumer::run(
                    state.ports().bus.clone(),
                    handler.clone(),
                    config,
                    stopped.clone(),
                )),
            ));
        }
        Self { stop, tasks }
    }

    /// Spawns what serving itself needs, so [`run`](crate::run) starts them with the
    /// server, on every node, whichever background loops it runs: the realtime hub's feed
    /// (a tail of the bus) and sweep, for the event streams, and the watch for sign-ins
    /// revoked on other nodes, for the token checks. Returns once the hub reads the bus (or
    /// after a few seconds if the bus does not answer; the feed keeps trying).
    pub async fn serving(state: &AppState, retry: RetryPolicy) -> Self {
        let (stop, stopped) = watch::channel(false);
        let hub = state.streams().hub().clone();
        let bus = state.ports().bus.clone();
        let first = realtime::first_tail(&bus).await;
        if let Some(tail) = &first {
            hub.attach(tail.start());
        }
        let tasks = vec![
            (
                "realtime feed".to_owned(),
                tokio::spawn(realtime::feed(
                    bus,
                    hub.clone(),
                    state.ports().cache.clone(),
                    retry,
                    first,
                    stopped.clone(),
                )),
            ),
            (
                "realtime sweep".to_owned(),
                tokio::spawn(realtime::sweep(hub, stopped.clone())),
            ),
            (
                "revoked sign-ins".to_owned(),
                tokio::spawn(revocations::run(
                    state.ports().credentials.clone(),
                    state.tokens().revoked().clone(),
                    state.clock().clone(),
                    REVOCATIONS_EVERY,
                    stopped,
                )),
            ),
        ];
        Self { stop, tasks }
    }

    /// Signals every loop to stop and waits until they have.
    pub async fn stop(self) {
        // Fails only when every loop has already ended, which is what we want anyway.
        let _ = self.stop.send(true);
        for (name, task) in self.tasks {
            if let Err(error) = task.await {
                tracing::error!(task = name, %error, "background task ended abnormally");
            }
        }
    }
}
