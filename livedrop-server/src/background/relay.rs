//! The relay loop: publishes outbox events as soon as there are any, and waits for word of
//! new ones (not a poll) while there are none.

use std::time::Duration;

use livedrop_core::services::Relay;
use tokio::sync::watch;
use tokio::time::Instant;

use super::BackgroundConfig;
use super::retry::{is_stopped, stopped_during};

/// How often the outbox lag metrics are refreshed while the outbox is empty: the relay
/// found nothing to send, so the figures are 0 unless another instance's relay holds
/// events (then they are refreshed as often as while busy, until they read 0); at rest
/// each refresh is a query the database would otherwise not see.
const IDLE_LAG_EVERY: Duration = Duration::from_secs(30);

/// Runs `relay` until `stop`: back to back while the outbox has events, waiting for the
/// outbox's word of new ones (at most `relay_idle`) while it is empty, and with growing
/// delays while the bus (or the outbox) fails, the failed batch going back to the outbox
/// for the next attempt. Refreshes the outbox lag metrics every `lag_every` while busy,
/// once on going idle, then every [`IDLE_LAG_EVERY`].
pub(super) async fn run(relay: Relay, config: BackgroundConfig, mut stop: watch::Receiver<bool>) {
    tracing::debug!(idle = ?config.relay_idle, "relay started");
    let mut delays = config.retry.delays();
    let mut lag_due = Instant::now();
    let mut failing = false;
    let mut idle = false;
    while !is_stopped(&stop) {
        if Instant::now() >= lag_due {
            let pending = record_lag(&relay).await;
            // Idle with events still pending means another instance's relay holds them:
            // keep the figure fresh until they are gone, or this instance would show them
            // pending for up to `IDLE_LAG_EVERY` after that relay had sent them.
            let every = if idle && pending == Some(0) {
                IDLE_LAG_EVERY
            } else {
                config.lag_every
            };
            lag_due = Instant::now() + every;
        }
        let round = Instant::now();
        // A round cut short by the stop signal (a publish waiting on a silent broker, say)
        // leaves its batch leased; the lease expires and a relay sends it then.
        let outcome = tokio::select! {
            _ = stop.wait_for(|stop| *stop) => break,
            outcome = relay.relay_once() => outcome,
        };
        let pause = match outcome {
            Ok(moved) => {
                tracing::trace!(moved, elapsed = ?round.elapsed(), "relay round");
                if failing {
                    tracing::info!("relay: publishing again");
                    failing = false;
                    delays = config.retry.delays();
                }
                metrics::counter!("livedrop_relayed_events_total").increment(moved as u64);
                if moved == 0 && !idle {
                    // Just drained: the figures to show while idle, now.
                    idle = true;
                    lag_due = Instant::now();
                    continue;
                }
                if moved > 0 && idle {
                    // Busy again: back to the busy refresh period.
                    lag_due = lag_due.min(Instant::now() + config.lag_every);
                }
                idle = moved == 0;
                if idle {
                    let waited = tokio::select! {
                        _ = stop.wait_for(|stop| *stop) => break,
                        waited = relay.wait_for_events(config.relay_idle) => waited,
                    };
                    if let Err(error) = waited {
                        tracing::debug!(%error, "waiting for outbox events failed");
                        config.relay_idle
                    } else {
                        Duration::ZERO
                    }
                } else {
                    Duration::ZERO
                }
            }
            Err(error) => {
                metrics::counter!("livedrop_relay_failures_total").increment(1);
                let pause = delays.next_delay();
                // One line per outage at warn; the retries in between at debug.
                if failing {
                    tracing::debug!(%error, cause = ?error, ?pause, "relay round failed again");
                } else {
                    tracing::warn!(%error, ?pause, "relay round failed; events wait in the outbox");
                    failing = true;
                }
                pause
            }
        };
        if pause.is_zero() {
            // A busy outbox must not starve the other tasks on this worker.
            tokio::task::yield_now().await;
        } else if stopped_during(&mut stop, pause).await {
            break;
        }
    }
    tracing::debug!("relay stopped");
}

/// Publishes the outbox lag as `livedrop_outbox_pending` and
/// `livedrop_outbox_oldest_age_seconds`; returns the events pending (`None`: unknown).
async fn record_lag(relay: &Relay) -> Option<u64> {
    match relay.lag().await {
        Ok(lag) => {
            metrics::gauge!("livedrop_outbox_pending").set(lag.pending as f64);
            metrics::gauge!("livedrop_outbox_oldest_age_seconds")
                .set(lag.oldest.unwrap_or_default().as_secs_f64());
            Some(lag.pending)
        }
        Err(error) => {
            tracing::debug!(%error, "outbox lag unavailable");
            None
        }
    }
}
