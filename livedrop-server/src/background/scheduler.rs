//! The drop scheduler's loop: a tick every period.

use std::time::Duration;

use livedrop_core::services::Scheduler;
use tokio::sync::watch;
use tokio::time::MissedTickBehavior;

/// Ticks `scheduler` every `period` until `stop` turns true (or its sender is gone). A
/// failed tick is logged; the next one retries what it left.
pub(super) async fn run(scheduler: Scheduler, period: Duration, mut stop: watch::Receiver<bool>) {
    let mut interval = tokio::time::interval(period);
    interval.set_missed_tick_behavior(MissedTickBehavior::Delay);
    tracing::debug!(?period, "scheduler started");
    loop {
        tokio::select! {
            _ = stop.wait_for(|stop| *stop) => break,
            _ = interval.tick() => {}
        }
        match scheduler.tick().await {
            Ok(applied) => {
                for t in &applied {
                    tracing::info!(drop_id = %t.drop_id, from = %t.from, to = %t.to, "drop status changed");
                }
            }
            Err(error) => {
                tracing::warn!(%error, retryable = error.is_retryable(), "scheduler round failed");
            }
        }
    }
    tracing::debug!("scheduler stopped");
}
