//! The drop scheduler's loop: it sleeps until the next transition falls due.

use std::time::Duration;

use livedrop_core::services::Scheduler;
use tokio::sync::watch;

use super::retry::{is_stopped, stopped_during};

/// How soon the scheduler asks again when a transition was due but another instance (or a
/// transaction holding the drop's row) had it.
const BUSY_RETRY: Duration = Duration::from_millis(50);

/// Runs `scheduler` until `stop` turns true (or its sender is gone): asks when the next
/// transition falls due, sleeps until then (at most `recheck`, so a drop another instance
/// scheduled meanwhile is seen within that), and applies what is due. At rest that is one
/// small query per `recheck` instead of a claim every tick. A failed round is logged and
/// retried after `recheck`.
pub(super) async fn run(scheduler: Scheduler, recheck: Duration, mut stop: watch::Receiver<bool>) {
    tracing::debug!(?recheck, "scheduler started");
    loop {
        let pause = match scheduler.next_due().await {
            Ok(Some(due)) if due <= scheduler.now() => match scheduler.tick().await {
                Ok(applied) if applied.is_empty() => {
                    // Due, yet nothing applied: another scheduler holds the drop, or an
                    // order batch its row. Ask again shortly rather than spin.
                    BUSY_RETRY.min(recheck)
                }
                Ok(applied) => {
                    for t in &applied {
                        tracing::info!(drop_id = %t.drop_id, from = %t.from, to = %t.to, "drop status changed");
                    }
                    // Ask again at once: another transition may be due already.
                    Duration::ZERO
                }
                Err(error) => {
                    tracing::warn!(%error, retryable = error.is_retryable(), "scheduler round failed");
                    recheck
                }
            },
            Ok(Some(due)) => (due - scheduler.now())
                .to_std()
                .unwrap_or_default()
                .min(recheck),
            Ok(None) => recheck,
            Err(error) => {
                tracing::warn!(%error, retryable = error.is_retryable(), "scheduler could not read when the next drop is due");
                recheck
            }
        };
        if pause.is_zero() {
            if is_stopped(&stop) {
                break;
            }
            tokio::task::yield_now().await;
        } else if stopped_during(&mut stop, pause).await {
            break;
        }
    }
    tracing::debug!("scheduler stopped");
}
