//! The realtime hub's two loops: the feed (every event of the bus, from a tail outside any
//! consumer group) and the node-wide sweep.
//!
//! The feed is the node's only view of every event, so it also tells the node's cache to
//! forget its own copies of what each event makes stale ([`Cache::forget_local`]): the
//! invalidators' consumer group sees each event in one instance only.

use std::sync::Arc;
use std::time::Duration;

use livedrop_core::ports::{Cache, Delivery, EventBus, EventTail};
use livedrop_core::services::add_stale_keys;
use tokio::sync::watch;
use tokio::time::{Instant, MissedTickBehavior};

use super::retry::{RetryPolicy, is_stopped, stopped_during};
use crate::realtime::Hub;

/// Events handed to the hub per batch: one lock of its sequencer each.
const FEED_BATCH: usize = 512;
/// How often the sweep looks at every stream (lifetimes, stuck clients, the window's
/// age); heartbeats go out on the sweep that follows each heartbeat period.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// How long the server waits for the bus tail before it serves: streams opened before it
/// is attached are refused (`503`), so a node normally serves none of those.
const FIRST_TAIL_WAIT: Duration = Duration::from_secs(5);

/// The first tail, opened before the server serves (or `None` when the bus does not answer
/// in time: the feed keeps trying, and the hub reports not ready meanwhile).
pub(super) async fn first_tail(bus: &Arc<dyn EventBus>) -> Option<Box<dyn EventTail>> {
    match tokio::time::timeout(FIRST_TAIL_WAIT, bus.tail()).await {
        Ok(Ok(tail)) => Some(tail),
        Ok(Err(error)) => {
            tracing::warn!(%error, "realtime feed: cannot open the bus tail yet; retrying");
            None
        }
        Err(_) => {
            tracing::warn!(wait = ?FIRST_TAIL_WAIT, "realtime feed: the bus tail is slow to open; retrying");
            None
        }
    }
}

/// Feeds `hub` every event published to `bus` until `stop`, from `first` if given. A tail
/// starts at the end of each partition, so delivery starts the moment it is open (no
/// group to join); a tail that fails is reopened with backoff, and the hub starts a new
/// window from it (resumes from before are reset, never replayed with a hole).
pub(super) async fn feed(
    bus: Arc<dyn EventBus>,
    hub: Hub,
    cache: Arc<dyn Cache>,
    retry: RetryPolicy,
    mut first: Option<Box<dyn EventTail>>,
    mut stop: watch::Receiver<bool>,
) {
    let mut delays = retry.delays();
    while !is_stopped(&stop) {
        // The first tail was attached by whoever opened it; a new one starts a new window.
        let opened = match first.take() {
            Some(tail) => Ok((tail, false)),
            None => bus.tail().await.map(|tail| (tail, true)),
        };
        let mut tail = match opened {
            Ok((tail, fresh)) => {
                if fresh {
                    hub.attach(tail.start());
                }
                tail
            }
            Err(error) => {
                tracing::warn!(%error, "realtime feed: cannot open the bus tail; retrying");
                if stopped_during(&mut stop, delays.next_delay()).await {
                    return;
                }
                continue;
            }
        };
        tracing::debug!(
            partitions = tail.start().len(),
            "realtime feed reading the bus"
        );
        delays = retry.delays();
        loop {
            let batch = tokio::select! {
                _ = stop.wait_for(|stop| *stop) => return,
                batch = tail.next_batch(FEED_BATCH) => batch,
            };
            match batch {
                Ok(deliveries) => {
                    hub.publish(&deliveries);
                    forget_stale(&*cache, &deliveries).await;
                }
                Err(error) => {
                    tracing::warn!(%error, "realtime feed: the bus tail failed; reopening");
                    break;
                }
            }
        }
        if stopped_during(&mut stop, delays.next_delay()).await {
            return;
        }
    }
}

/// Has this node's cache forget its own copies of what `deliveries` made stale, each key
/// once. A failure is only logged: the entries then live out their TTL, as they did
/// before this node looked.
async fn forget_stale(cache: &dyn Cache, deliveries: &[Delivery]) {
    let mut stale: Vec<String> = Vec::new();
    for delivery in deliveries {
        add_stale_keys(&delivery.event, &mut stale);
    }
    if stale.is_empty() {
        return;
    }
    if let Err(error) = cache.forget_local(&stale).await {
        tracing::debug!(%error, "realtime feed: the cache could not forget stale entries");
    }
}

/// Flushes drops' public states every `drop_tick` and sweeps every stream every
/// [`SWEEP_EVERY`], with heartbeats every `heartbeat`, until `stop`: the only timers
/// streams have.
pub(super) async fn sweep(hub: Hub, mut stop: watch::Receiver<bool>) {
    let config = *hub.config();
    let mut ticks = tokio::time::interval(config.drop_tick);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut next_sweep = Instant::now() + SWEEP_EVERY;
    let mut next_heartbeat = Instant::now() + config.heartbeat;
    loop {
        tokio::select! {
            _ = stop.wait_for(|stop| *stop) => return,
            _ = ticks.tick() => {}
        }
        hub.flush_drops();
        let now = Instant::now();
        if now >= next_sweep {
            let heartbeat = now >= next_heartbeat;
            if heartbeat {
                next_heartbeat = now + config.heartbeat;
            }
            hub.sweep(now.into_std(), heartbeat);
            next_sweep = now + SWEEP_EVERY;
        }
    }
}
