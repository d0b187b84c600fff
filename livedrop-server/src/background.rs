//! The background loops every server node runs: the drop scheduler and the outbox relay.
//!
//! Both are safe to run on several nodes at once (the ledger applies each transition once,
//! the outbox leases each batch to one relay). A round that fails is logged and retried on
//! the next tick; a round in progress when the stop signal comes is allowed to finish.

use std::{future::Future, time::Duration};

use livedrop_core::Result;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use crate::AppState;

/// How often each loop runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BackgroundConfig {
    /// Period of [`Scheduler::tick`](livedrop_core::services::Scheduler::tick).
    pub scheduler_every: Duration,
    /// Period of [`Relay::drain`](livedrop_core::services::Relay::drain).
    pub relay_every: Duration,
}

impl Default for BackgroundConfig {
    fn default() -> Self {
        Self {
            scheduler_every: Duration::from_millis(250),
            relay_every: Duration::from_millis(100),
        }
    }
}

/// The running loops. [`Background::stop`] ends them; dropping this without stopping
/// also ends them, at their next tick.
#[derive(Debug)]
#[must_use = "the loops stop when this is dropped"]
pub struct Background {
    stop: watch::Sender<bool>,
    tasks: Vec<(&'static str, JoinHandle<()>)>,
}

impl Background {
    /// Spawns the scheduler and relay loops over `state`'s services on the current runtime.
    pub fn spawn(state: &AppState, config: BackgroundConfig) -> Self {
        let (stop, stopped) = watch::channel(false);
        let scheduler = state.scheduler().clone();
        let relay = state.relay().clone();
        let tasks = vec![
            (
                "scheduler",
                tokio::spawn(repeat(
                    "scheduler",
                    config.scheduler_every,
                    stopped.clone(),
                    move || {
                        let scheduler = scheduler.clone();
                        async move {
                            let applied = scheduler.tick().await?;
                            for t in &applied {
                                tracing::info!(drop_id = %t.drop_id, from = %t.from, to = %t.to, "drop status changed");
                            }
                            Ok(())
                        }
                    },
                )),
            ),
            (
                "relay",
                tokio::spawn(repeat("relay", config.relay_every, stopped, move || {
                    let relay = relay.clone();
                    async move {
                        let moved = relay.drain().await?;
                        if moved > 0 {
                            tracing::debug!(moved, "relayed outbox events");
                        }
                        Ok(())
                    }
                })),
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

/// Runs `round` every `period` until `stop` turns true (or its sender is gone).
async fn repeat<F, Fut>(
    name: &'static str,
    period: Duration,
    mut stop: watch::Receiver<bool>,
    mut round: F,
) where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<()>>,
{
    let mut interval = tokio::time::interval(period);
    interval.set_missed_tick_behavior(MissedTickBehavior::Delay);
    tracing::debug!(task = name, ?period, "background task started");
    loop {
        tokio::select! {
            _ = stop.wait_for(|stop| *stop) => break,
            _ = interval.tick() => {}
        }
        if let Err(error) = round().await {
            tracing::warn!(task = name, %error, retryable = error.is_retryable(), "background round failed");
        }
    }
    tracing::debug!(task = name, "background task stopped");
}
