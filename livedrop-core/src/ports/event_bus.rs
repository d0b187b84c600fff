//! The event bus port: fan-out of events to consumer groups, and tails that read every
//! event outside any group.

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

/// A reader of every partition of the bus outside any consumer group: what each server
/// node's realtime hub reads. Every node must see every event, whichever node caused it,
/// from the moment it starts; a group member would share the events with the other nodes'
/// members, wait for the group to rebalance before reading, and commit positions nobody
/// needs (a hub that restarts answers from its own retained window, not from the bus).
///
/// # Contract
/// Positions are fixed when [`EventBus::tail`] returns: [`start`](EventTail::start) holds one
/// offset per partition of the bus (at least one). Then:
/// - The tail delivers every event of partition `p` at an offset `>= start()[p]` exactly
///   once, and none below it. Every event whose [`publish`](EventBus::publish) returned
///   before `tail` was called lies below `start`, and every event of a `publish` called
///   after `tail` returned lies at or above it, so the first are never delivered and the
///   second all are. (A publish overlapping the call falls on either side; `start` says
///   which.)
/// - Each delivery has `partition < start().len()`; within a partition offsets strictly
///   increase (they need not be contiguous), so the events of one key come in publish
///   order. Partitions interleave in any order.
/// - Delivery starts at once: there is no group to join, so an event published right after
///   `tail` returned is handed out as soon as the bus has it.
/// - Any number of tails may be open, each getting every event.
/// - A tail belongs to no consumer group: opening, reading or dropping it creates none,
///   commits nothing and changes no group's [`EventBus::lag`].
/// - Dropping the tail stops it. While it lives, a bus that trims its log keeps what the
///   tail has not read yet (the memory bus); a bus with time-based retention (Kafka) may
///   expire events before a tail that fell that far behind reads them, and its offsets
///   then jump.
///
/// # Errors
/// [`next_batch`](EventTail::next_batch) fails with `Internal` when the tail cannot go on
/// (a client failed for good): open a new one.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait EventTail: Send + Debug {
    /// Where the tail started: for each partition (index = partition number, so
    /// `start().len()` is the partition count), the offset of the first event it can
    /// deliver there. Everything published before the tail opened has a lower offset.
    fn start(&self) -> &[i64];
    /// Waits for the next event, then takes up to `max` (at least one) of those already at
    /// hand (fetched, not waited for), in offset order within each partition: what a hub
    /// applies in one go. Cancel safe: dropping the future before it completes loses no
    /// event (a hub races it against its stop signal).
    async fn next_batch(&mut self, max: usize) -> Result<Vec<Delivery>>;
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
/// - [`tail`](EventBus::tail) reads every partition outside any group, as [`EventTail`]
///   says: it neither sees nor changes what groups committed.
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
    /// Opens a tail: every event published from now on, on every partition (see
    /// [`EventTail`]). Returns once the tail's [`start`](EventTail::start) is fixed, without
    /// joining any group.
    ///
    /// # Errors
    /// `Unavailable` when the bus does not answer in time.
    async fn tail(&self) -> Result<Box<dyn EventTail>>;
}
