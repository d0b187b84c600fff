//! The outbox port: events written with their cause, read by the relay.

use std::{fmt::Debug, time::Duration};

use async_trait::async_trait;
use uuid::Uuid;

use crate::Result;
use crate::domain::Event;

/// An event waiting in the outbox, with its commit-order sequence number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxRecord {
    /// Commit order (increasing; gaps allowed).
    pub seq: u64,
    /// The event.
    pub event: Event,
}

/// Records leased to one relay. The batch is opaque: it is marked sent or released whole.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxBatch {
    /// The lease, to mark or release the batch with.
    pub lease: Uuid,
    /// The records, in commit order per key.
    pub records: Vec<OutboxRecord>,
}

/// How far the relay is behind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct OutboxLag {
    /// Events not yet marked sent.
    pub pending: u64,
    /// Age of the oldest unsent event.
    pub oldest: Option<Duration>,
}

/// The transactional outbox. Writers (ledger, catalog, follows) append inside their own
/// atomic units; this port is the relay's side.
///
/// # Contract
/// - [`claim`](Outbox::claim) leases up to `max` unsent records for `lease_for`. Records with
///   the same [`Event::key`] MUST come in commit order and MUST NOT be in two unexpired
///   leases at once, so several relays keep per-key order.
/// - [`mark_sent`](Outbox::mark_sent) removes a batch's records for good (idempotent).
///   [`release`](Outbox::release) returns them for a later claim, ahead of newer records.
///   A lease that expires releases its records the same way (the relay died).
/// - Delivery is at least once: a record is only gone after `mark_sent`.
/// - [`wait_for_events`](Outbox::wait_for_events) returns soon (well under a second) after
///   an append committed while the caller waited or since its previous wait returned, and
///   after `at_most` at the latest. It MAY return early for no reason (the caller then
///   finds nothing to claim) but MUST NOT hold a caller past an append: an append in this
///   process always wakes it; one in another process wakes it where the backend can tell
///   (Postgres `NOTIFY`), else within `at_most`.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Outbox: Send + Sync + Debug + 'static {
    /// Leases up to `max` unsent records.
    async fn claim(&self, max: usize, lease_for: Duration) -> Result<OutboxBatch>;
    /// Marks a batch sent.
    async fn mark_sent(&self, batch: &OutboxBatch) -> Result<()>;
    /// Gives a batch back unsent.
    async fn release(&self, batch: &OutboxBatch) -> Result<()>;
    /// Unsent count and oldest age.
    async fn lag(&self) -> Result<OutboxLag>;
    /// Waits until events may have been appended since this outbox last answered a wait
    /// (or was created), or `at_most` passed: what an idle relay does instead of polling.
    async fn wait_for_events(&self, at_most: Duration) -> Result<()>;
}
