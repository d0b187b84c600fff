//! The event bus port: fan-out of events to consumer groups.

use std::fmt::Debug;

use async_trait::async_trait;

use crate::Result;
use crate::domain::Event;

/// One event handed to a consumer, with what it needs to commit it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    /// The event.
    pub event: Event,
    /// Partition it came from (0 where the bus has one).
    pub partition: i32,
    /// Its position in that partition.
    pub offset: i64,
}

/// A group's backlog on one partition of the bus.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PartitionLag {
    /// The partition (0 where the bus has one).
    pub partition: i32,
    /// The offset after the newest event consumers can read.
    pub end: i64,
    /// Where the group resumes: its committed offset, or the oldest retained event's where
    /// it committed none.
    pub committed: i64,
}

impl PartitionLag {
    /// Events published there that the group has not committed.
    pub fn behind(&self) -> u64 {
        u64::try_from(self.end - self.committed).unwrap_or(0)
    }
}

/// A consumer's view of a group's stream.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait EventSubscription: Send + Debug {
    /// Waits for the next event. Cancel safe: dropping the future before it completes
    /// loses no event (consumers race it against timers and stop signals).
    async fn next(&mut self) -> Result<Delivery>;
    /// Waits for the next event, then takes up to `max` in all of those already at hand
    /// (fetched, not waited for), in delivery order: what a consumer applies in one go.
    /// Cancel safe like [`next`](EventSubscription::next).
    async fn next_batch(&mut self, _max: usize) -> Result<Vec<Delivery>> {
        // The simplest batch: one event. Backends that fetch ahead hand out more.
        Ok(vec![self.next().await?])
    }
    /// Commits `delivery` and everything before it in its partition, after processing.
    async fn commit(&mut self, delivery: &Delivery) -> Result<()>;
    /// [`commit`](EventSubscription::commit) for each delivery (at most one per partition),
    /// in one round trip where the bus allows: a commit is a round trip to the group's
    /// coordinator, and a consumer spread over many partitions would otherwise spend its
    /// time committing.
    async fn commit_all(&mut self, deliveries: &[Delivery]) -> Result<()> {
        for delivery in deliveries {
            self.commit(delivery).await?;
        }
        Ok(())
    }
    /// Events of this member's partitions published but not yet committed by its group
    /// (0 while it owns none).
    async fn lag(&mut self) -> Result<u64>;
}

/// Publish/subscribe with consumer groups.
///
/// # Contract
/// - [`publish`](EventBus::publish) returns once the events are durable in the bus. Events
///   with the same [`Event::key`] are delivered in publish order.
/// - Every group receives every event published after it first subscribed (and, where the
///   bus retains it, before); within a group each event goes to one member at a time.
/// - Delivery is at least once: an event not committed when its subscription ends is
///   delivered to the group again. Consumers deduplicate by [`Event::id`].
/// - [`EventSubscription::lag`] counts, over the partitions the member owns when asked,
///   the events published to them (once a consumer could read them) after the group's
///   committed position, or after the oldest retained event where the group committed
///   none: it grows with publishes, shrinks with the group's commits, and is 0 once the
///   group committed everything published or while the member owns no partition. It is
///   the group's backlog on those partitions whatever this member has already been
///   handed, so events read but not committed still count.
/// - [`EventBus::lag`] reports every partition of the bus for `group` (of a group that
///   has subscribed at least once; an unknown one MAY be reported from the oldest retained
///   event): the sum of [`PartitionLag::behind`] grows with publishes, shrinks with the
///   group's commits (whichever member made them), and is 0 once the group committed
///   everything published, whether or not any member is running.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait EventBus: Send + Sync + Debug + 'static {
    /// Publishes events durably.
    async fn publish(&self, events: &[Event]) -> Result<()>;
    /// Joins consumer group `group`.
    async fn subscribe(&self, group: &str) -> Result<Box<dyn EventSubscription>>;
    /// `group`'s backlog on every partition, read from the bus itself (not from a member),
    /// so it is true however slow or stuck the group's members are.
    async fn lag(&self, group: &str) -> Result<Vec<PartitionLag>>;
}
