//! One event handler's consumer: a member of its consumer group that handles events in
//! batches (whatever the bus already has at hand, up to [`BATCH`]), then commits them.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use livedrop_core::domain::Event;
use livedrop_core::ports::{Delivery, EventBus, EventSubscription};
use livedrop_core::services::EventHandler;
use tokio::sync::watch;
use tokio::time::Instant;

use super::BackgroundConfig;
use super::retry::{Delays, stopped_during};

/// Most events handled in one go: one notifier round trip, one cache invalidation. Large
/// enough that a backlog drains in a few round trips per second, small enough that one
/// batch's statement stays short.
pub const BATCH: usize = 512;

/// Why a member's session ended.
enum Ended {
    /// The stop signal came.
    Stopped,
    /// The subscription failed for good: join the group again.
    Broken,
}

/// Consumes `handler.group()` until `stop`, joining the group again (with backoff)
/// whenever the subscription breaks.
pub(super) async fn run(
    bus: Arc<dyn EventBus>,
    handler: Arc<dyn EventHandler>,
    config: BackgroundConfig,
    mut stop: watch::Receiver<bool>,
) {
    let group = handler.group().to_owned();
    // Made before the first join so the series reads 0 from the start: an alert on its
    // increase then sees the first failure too. Counted as well as logged: a broker that
    // stops admitting a group's members shows as lag alone, which a merely slow consumer
    // shows too.
    let join_failures =
        metrics::counter!("livedrop_consumer_join_failures_total", "group" => group.clone());
    let mut delays = config.retry.delays();
    tracing::debug!(%group, "consumer started");
    loop {
        let joined = tokio::select! {
            _ = stop.wait_for(|stop| *stop) => break,
            joined = bus.subscribe(&group) => joined,
        };
        match joined {
            Ok(mut sub) => {
                delays = config.retry.delays();
                let session = Session {
                    handler: &*handler,
                    group: &group,
                    config,
                };
                if let Ended::Stopped = session.consume(&mut *sub, &mut stop).await {
                    break;
                }
            }
            Err(error) => {
                join_failures.increment(1);
                let pause = delays.next_delay();
                tracing::warn!(%group, %error, ?pause, "consumer could not join its group");
                if stopped_during(&mut stop, pause).await {
                    break;
                }
            }
        }
    }
    tracing::debug!(%group, "consumer stopped");
}

/// What a waiting member woke up for.
enum Wake {
    Stop,
    Commit,
    Next(livedrop_core::Result<Vec<Delivery>>),
}

/// One membership of the group.
struct Session<'a> {
    handler: &'a dyn EventHandler,
    group: &'a str,
    config: BackgroundConfig,
}

impl Session<'_> {
    async fn consume(
        &self,
        sub: &mut dyn EventSubscription,
        stop: &mut watch::Receiver<bool>,
    ) -> Ended {
        // Handled but not yet committed: the last delivery of each partition (a commit
        // covers everything before it in its partition). Committing each event would cost
        // the group coordinator a round trip per event.
        let mut handled: HashMap<i32, Delivery> = HashMap::new();
        let mut commit_due: Option<Instant> = None;
        loop {
            let woke = tokio::select! {
                _ = stop.wait_for(|stop| *stop) => Wake::Stop,
                () = sleep_until_some(commit_due) => Wake::Commit,
                next = sub.next_batch(BATCH) => Wake::Next(next),
            };
            let next = match woke {
                Wake::Stop => {
                    self.commit(sub, &mut handled).await;
                    return Ended::Stopped;
                }
                Wake::Commit => {
                    commit_due = None;
                    if !self.commit(sub, &mut handled).await {
                        return self.pause_then(Ended::Broken, stop).await;
                    }
                    continue;
                }
                Wake::Next(next) => next,
            };
            let batch = match next {
                Ok(batch) => batch,
                Err(error) => {
                    tracing::warn!(group = self.group, %error, "consumer lost its subscription");
                    return self.pause_then(Ended::Broken, stop).await;
                }
            };
            let started = Instant::now();
            if !self.handle(&batch, stop).await {
                // Stopped before the batch was handled: it stays uncommitted and goes to
                // the group's next member; what was handled before it is committed.
                self.commit(sub, &mut handled).await;
                return Ended::Stopped;
            }
            tracing::trace!(group = self.group, events = batch.len(), elapsed = ?started.elapsed(), "consumer batch");
            for delivery in batch {
                handled.insert(delivery.partition, delivery);
            }
            commit_due.get_or_insert_with(|| Instant::now() + self.config.commit_every);
        }
    }

    /// Commits what was handled; `false` when the subscription is broken for good. A
    /// failed commit only means the events come again, which the handler tolerates.
    async fn commit(
        &self,
        sub: &mut dyn EventSubscription,
        handled: &mut HashMap<i32, Delivery>,
    ) -> bool {
        let last: Vec<Delivery> = handled.drain().map(|(_, delivery)| delivery).collect();
        if last.is_empty() {
            return true;
        }
        // Every partition in one round trip to the coordinator.
        match sub.commit_all(&last).await {
            Ok(()) => true,
            Err(error) => {
                tracing::warn!(group = self.group, %error, "commit failed; events may come again");
                error.is_retryable()
            }
        }
    }

    /// Handles `batch` until it succeeds or fails for good; `false` if stopped first.
    async fn handle(&self, batch: &[Delivery], stop: &mut watch::Receiver<bool>) -> bool {
        let events: Vec<Event> = batch.iter().map(|d| d.event.clone()).collect();
        // Event time to receipt, before handling adds its own time.
        let received = Utc::now();
        // Each traced event's span lasts until the batch is handled.
        #[cfg(feature = "otel")]
        let _spans = crate::otel::consumer_spans(self.group, &events);
        let mut delays: Option<Delays> = None;
        loop {
            let outcomes = match self.handler.handle_batch(&events).await {
                Ok(applied) => applied
                    .into_iter()
                    .map(|applied| if applied { "applied" } else { "skipped" })
                    .collect(),
                Err(error) if error.is_retryable() => {
                    let pause = delays
                        .get_or_insert_with(|| self.config.retry.delays())
                        .next_delay();
                    tracing::warn!(group = self.group, events = events.len(), %error, ?pause, "event handling failed; retrying");
                    if stopped_during(stop, pause).await {
                        return false;
                    }
                    continue;
                }
                // Retrying cannot help (a bug or an event this version cannot apply):
                // holding the partition would stop every later event, so log loudly and
                // move on past the event that cannot be applied.
                Err(error) if events.len() == 1 => {
                    let event = &events[0];
                    tracing::error!(group = self.group, event_id = %event.id, kind = event.kind(), %error, "event could not be applied; skipped");
                    vec!["failed"]
                }
                // In a batch, find which event it is.
                Err(_) => match self.one_by_one(&events, stop).await {
                    Some(outcomes) => outcomes,
                    None => return false,
                },
            };
            self.record(&events, &outcomes, received);
            return true;
        }
    }

    /// Handles `events` one at a time: retryable failures are retried, an event that can
    /// never be applied is logged and passed. `None` if stopped first.
    async fn one_by_one(
        &self,
        events: &[Event],
        stop: &mut watch::Receiver<bool>,
    ) -> Option<Vec<&'static str>> {
        let mut outcomes = Vec::with_capacity(events.len());
        for event in events {
            let mut delays: Option<Delays> = None;
            let outcome = loop {
                match self.handler.handle(event).await {
                    Ok(true) => break "applied",
                    Ok(false) => break "skipped",
                    Err(error) if error.is_retryable() => {
                        let pause = delays
                            .get_or_insert_with(|| self.config.retry.delays())
                            .next_delay();
                        tracing::warn!(group = self.group, event_id = %event.id, %error, ?pause, "event handling failed; retrying");
                        if stopped_during(stop, pause).await {
                            return None;
                        }
                    }
                    Err(error) => {
                        tracing::error!(group = self.group, event_id = %event.id, kind = event.kind(), %error, "event could not be applied; skipped");
                        break "failed";
                    }
                }
            };
            outcomes.push(outcome);
        }
        Some(outcomes)
    }

    /// Counts each event's outcome and, for first deliveries, its age at receipt.
    fn record(&self, events: &[Event], outcomes: &[&'static str], received: DateTime<Utc>) {
        let group = self.group.to_owned();
        let delivery =
            metrics::histogram!("livedrop_event_delivery_seconds", "group" => group.clone());
        // Tallied first, each outcome's counter looked up once a batch: the lookup by name
        // and labels cost more than the rest of the bookkeeping of an event.
        let mut tally: Vec<(&'static str, u64)> = Vec::with_capacity(2);
        for (event, outcome) in events.iter().zip(outcomes) {
            match tally.iter_mut().find(|(seen, _)| seen == outcome) {
                Some((_, count)) => *count += 1,
                None => tally.push((outcome, 1)),
            }
            // First deliveries only: a redelivered event's age says nothing of the pipeline.
            if *outcome == "applied" {
                let age = (received - event.occurred_at).to_std().unwrap_or_default();
                delivery.record(age.as_secs_f64());
            }
        }
        for (outcome, count) in tally {
            metrics::counter!("livedrop_events_handled_total", "group" => group.clone(), "outcome" => outcome)
                .increment(count);
        }
    }

    /// Waits the first backoff delay (so a broken bus is not hammered), then returns `ended`
    /// or [`Ended::Stopped`] if the stop signal came meanwhile.
    async fn pause_then(&self, ended: Ended, stop: &mut watch::Receiver<bool>) -> Ended {
        if stopped_during(stop, self.config.retry.min).await {
            Ended::Stopped
        } else {
            ended
        }
    }
}

/// Sleeps until `deadline`, or forever when there is none.
async fn sleep_until_some(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests;
