//! The outbox relay: moves committed events to the event bus, at least once.

use std::{sync::Arc, time::Duration};

use crate::Result;
use crate::domain::Event;
use crate::ports::{EventBus, Outbox, OutboxLag};

/// Moves outbox records to the bus in order. Several relays may run: the outbox leases each
/// key to one of them at a time.
#[derive(Clone, Debug)]
pub struct Relay {
    outbox: Arc<dyn Outbox>,
    bus: Arc<dyn EventBus>,
    batch: usize,
    lease: Duration,
}

impl Relay {
    /// A relay moving up to `batch` events per round, leasing them for `lease`.
    pub fn new(
        outbox: Arc<dyn Outbox>,
        bus: Arc<dyn EventBus>,
        batch: usize,
        lease: Duration,
    ) -> Self {
        Self {
            outbox,
            bus,
            batch: batch.max(1),
            lease,
        }
    }

    /// One round: claim, publish, mark sent. Returns how many events moved. On a publish
    /// failure the batch is released for a later round and the error returned.
    pub async fn relay_once(&self) -> Result<usize> {
        let batch = self.outbox.claim(self.batch, self.lease).await?;
        if batch.records.is_empty() {
            return Ok(0);
        }
        let events: Vec<Event> = batch.records.iter().map(|r| r.event.clone()).collect();
        if let Err(error) = self.bus.publish(&events).await {
            if let Err(release) = self.outbox.release(&batch).await {
                tracing::warn!(%release, "could not release outbox batch; its lease will expire");
            }
            return Err(error);
        }
        self.outbox.mark_sent(&batch).await?;
        Ok(events.len())
    }

    /// Waits until the outbox may have new events, `at_most` (what an idle relay does
    /// instead of polling).
    pub async fn wait_for_events(&self, at_most: Duration) -> Result<()> {
        self.outbox.wait_for_events(at_most).await
    }

    /// How far behind the outbox is: unsent events and the age of the oldest.
    pub async fn lag(&self) -> Result<OutboxLag> {
        self.outbox.lag().await
    }

    /// Rounds until the outbox is empty; returns the total moved.
    pub async fn drain(&self) -> Result<usize> {
        let mut total = 0;
        loop {
            let moved = self.relay_once().await?;
            total += moved;
            if moved == 0 {
                return Ok(total);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::Error;
    use crate::domain::EventData;
    use crate::ids::{CreatorId, UserId};
    use crate::ports::{MockEventBus, MockOutbox, OutboxBatch, OutboxRecord};

    #[tokio::test]
    async fn a_failed_publish_releases_the_batch_and_marks_nothing() {
        let record = OutboxRecord {
            seq: 1,
            event: Event::new(
                EventData::FollowCreated {
                    user_id: UserId::new(),
                },
                CreatorId::new(),
                None,
                Utc::now(),
            ),
        };
        let mut outbox = MockOutbox::new();
        outbox.expect_claim().returning(move |_, _| {
            Ok(OutboxBatch {
                lease: uuid::Uuid::now_v7(),
                records: vec![record.clone()],
            })
        });
        outbox.expect_release().times(1).returning(|_| Ok(()));
        outbox.expect_mark_sent().never();
        let mut bus = MockEventBus::new();
        bus.expect_publish()
            .returning(|_| Err(Error::unavailable("kafka", "broker down")));
        let relay = Relay::new(Arc::new(outbox), Arc::new(bus), 10, Duration::from_secs(5));
        assert!(relay.relay_once().await.unwrap_err().is_retryable());
    }
}
