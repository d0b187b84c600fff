//! A group member's (or a tail's) librdkafka consumer, polled on a thread of its own.
//!
//! librdkafka hands a consumer its rebalances (partitions assigned or taken away) through
//! the same queue as its messages, and a group cannot finish a rebalance until every
//! member has served it. Polling only when the application asks for the next event would
//! stall the whole group whenever one member is busy or idle (a test holding one member
//! while it reads another is enough). So a thread polls all the time and keeps what it
//! fetched in a bounded buffer the subscription reads; when the group takes a partition
//! away, its buffered events are dropped, since the partition's next owner starts again
//! from the last commit (keeping them would hand the same event to two live members).
//!
//! A tail (`tail`) reuses the thread and its buffer: its consumer is assigned every
//! partition by hand, so no rebalance ever comes, and the end-of-partition events it asks
//! for are of use only while it opens.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use livedrop_core::domain::{Event, TraceParent};
use livedrop_core::ports::Delivery;
use livedrop_core::{Error, Result};
use parking_lot::{Condvar, Mutex};
use rdkafka::ClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext, Rebalance};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{BorrowedMessage, Headers, Message};
use tokio::sync::Notify;

use super::{BACKEND, TRACEPARENT};

/// How long one poll waits: also how soon the thread notices its member was dropped.
const POLL: Duration = Duration::from_millis(50);
/// The buffer may grow past its capacity by one event per [`POLL`] while the reader is
/// stuck (so rebalances are still served); at this many times the capacity the brokers'
/// partitions are paused, which bounds it.
const PAUSE_FACTOR: usize = 2;

/// One fetched event (or the reason it could not be read), with its partition so a
/// revocation can drop it.
#[derive(Debug)]
pub(super) struct Fetched {
    pub(super) partition: i32,
    pub(super) delivery: Delivery,
}

#[derive(Debug, Default)]
pub(super) struct State {
    /// Fetched, not yet handed to the application.
    pub(super) buffer: VecDeque<Fetched>,
    /// Counts the assignments received; 0 until the member has joined the group.
    pub(super) assignments: u64,
    /// A fatal client error: the member cannot go on.
    pub(super) fatal: Option<String>,
}

/// What the polling thread and the subscription (or tail) share.
#[derive(Debug, Default)]
pub(super) struct Shared {
    pub(super) state: Mutex<State>,
    /// Signalled whenever `state` changes.
    pub(super) changed: Notify,
    /// Signalled by the reader when it takes from the buffer: the polling thread waits on
    /// it while the buffer is full.
    pub(super) taken: Condvar,
    /// Set when the subscription is dropped: the thread closes the consumer and ends.
    pub(super) stop: AtomicBool,
    /// Set once the consumer has closed (left its group).
    pub(super) closed: AtomicBool,
}

impl Shared {
    /// Whether the member was dropped but has not left its group yet.
    pub(super) fn leaving(&self) -> bool {
        self.stop.load(Ordering::Acquire) && !self.closed.load(Ordering::Acquire)
    }

    /// Waits until the consumer has closed.
    pub(super) async fn wait_closed(&self) {
        loop {
            let changed = self.changed.notified();
            let mut changed = std::pin::pin!(changed);
            changed.as_mut().enable();
            if self.closed.load(Ordering::Acquire) {
                return;
            }
            changed.await;
        }
    }
}

/// Keeps the buffer consistent with the group's rebalances (served on the polling thread).
pub(super) struct GroupContext {
    shared: Arc<Shared>,
}

impl GroupContext {
    pub(super) fn new(shared: Arc<Shared>) -> Self {
        Self { shared }
    }
}

impl ClientContext for GroupContext {
    /// librdkafka also reports each partition's end, which a tail asks for
    /// (`enable.partition.eof`: how it learns where it starts), as a global error event,
    /// and the default context logged each at ERROR: one line per fetch that reached the
    /// end, hundreds a minute on a quiet topic. It is not a failure; anything else is
    /// logged as before.
    fn error(&self, error: KafkaError, reason: &str) {
        if matches!(
            error,
            KafkaError::Global(RDKafkaErrorCode::PartitionEOF) | KafkaError::PartitionEOF(_)
        ) {
            return;
        }
        tracing::error!(backend = BACKEND, %error, reason, "librdkafka error");
    }
}

impl ConsumerContext for GroupContext {
    fn pre_rebalance(&self, _: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        if let Rebalance::Revoke(partitions) = rebalance {
            // The bus reads one topic, so a partition number names a partition.
            let revoked: HashSet<i32> = partitions
                .elements()
                .iter()
                .map(|p| p.partition())
                .collect();
            tracing::debug!(?revoked, "kafka: partitions revoked");
            let mut state = self.shared.state.lock();
            state.buffer.retain(|f| !revoked.contains(&f.partition));
        }
    }

    fn post_rebalance(&self, _: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        match rebalance {
            Rebalance::Assign(partitions) => {
                tracing::debug!(count = partitions.count(), "kafka: partitions assigned");
                self.shared.state.lock().assignments += 1;
                self.shared.changed.notify_waiters();
            }
            Rebalance::Revoke(_) => {}
            Rebalance::Error(error) => tracing::warn!(%error, "kafka: rebalance failed"),
        }
    }
}

/// Starts the polling thread of `consumer`; it holds at most about `capacity` events.
pub(super) fn spawn(
    consumer: Arc<BaseConsumer<GroupContext>>,
    shared: Arc<Shared>,
    capacity: usize,
) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("livedrop-kafka-member".to_owned())
        .spawn(move || {
            run(consumer, &shared, capacity.max(1));
            // Nobody reads them any more (the bus keeps `shared` until the group's next join).
            shared.state.lock().buffer.clear();
            shared.closed.store(true, Ordering::Release);
            shared.changed.notify_waiters();
        })
        .map(drop)
}

fn run(consumer: Arc<BaseConsumer<GroupContext>>, shared: &Shared, capacity: usize) {
    // Assignment count at the last pause, while paused.
    let mut paused_at: Option<u64> = None;
    while !shared.stop.load(Ordering::Acquire) {
        wait_for_room(shared, capacity);
        match consumer.poll(POLL) {
            None => {}
            Some(Ok(message)) => match decode(&message) {
                Ok(delivery) => {
                    let fetched = Fetched {
                        partition: message.partition(),
                        delivery,
                    };
                    shared.state.lock().buffer.push_back(fetched);
                    shared.changed.notify_waiters();
                }
                // An event this version cannot read (a kind a newer node publishes during
                // a rolling deploy, say) is skipped, loudly: handing it on would stop the
                // partition for good, and the next commit on it covers this offset.
                Err(error) => tracing::error!(%error, "kafka: skipped an unreadable event"),
            },
            Some(Err(error)) => on_error(shared, &error),
        }
        paused_at = apply_backpressure(&consumer, shared, capacity * PAUSE_FACTOR, paused_at);
    }
    // Dropping the last handle closes the consumer: it leaves the group at once (rather
    // than after a session timeout), so its partitions, uncommitted events included, move
    // on now. The subscription dropped its handle before stopping this thread, so that
    // (blocking) close happens here rather than on an async runtime's thread, unless a
    // commit or lag query still in flight holds the last handle (on a blocking thread).
    drop(consumer);
}

/// While the buffer is at `capacity`, waits (up to one [`POLL`]) for the reader to take
/// some before polling again. librdkafka keeps prefetching into its own queue meanwhile
/// (bounded by `queued.max.messages.kbytes`), so a reader that is merely slower than the
/// brokers reads on from there; pausing instead would drop that prefetch and fetch again
/// from the brokers after each pause (a round trip, each time, that capped a backlog's
/// drain at about one buffer per round trip). One poll per [`POLL`] still goes through, so
/// rebalances are served however slow the reader is.
fn wait_for_room(shared: &Shared, capacity: usize) {
    let until = std::time::Instant::now() + POLL;
    let mut state = shared.state.lock();
    while state.buffer.len() >= capacity && !shared.stop.load(Ordering::Acquire) {
        if shared.taken.wait_until(&mut state, until).timed_out() {
            break;
        }
    }
}

/// Pauses fetching while the buffer is full, resumes it once half is read. A pause drops
/// what librdkafka prefetched, and fetching resumes after the last event buffered. A new
/// assignment comes unpaused, so it is paused again.
fn apply_backpressure(
    consumer: &BaseConsumer<GroupContext>,
    shared: &Shared,
    capacity: usize,
    paused_at: Option<u64>,
) -> Option<u64> {
    let (len, assignments) = {
        let state = shared.state.lock();
        (state.buffer.len(), state.assignments)
    };
    // Errors below leave the state as it is; the next round tries again.
    match paused_at {
        Some(at) if len < capacity / 2 => {
            // After a rebalance the new assignment is not paused: nothing to resume.
            if at == assignments
                && let Ok(assignment) = consumer.assignment()
            {
                let _ = consumer.resume(&assignment);
            }
            None
        }
        Some(at) if at != assignments => pause(consumer, assignments, paused_at),
        None if len >= capacity => pause(consumer, assignments, paused_at),
        other => other,
    }
}

fn pause(
    consumer: &BaseConsumer<GroupContext>,
    assignments: u64,
    paused_at: Option<u64>,
) -> Option<u64> {
    match consumer.assignment().map(|a| consumer.pause(&a)) {
        Ok(Ok(())) => Some(assignments),
        _ => paused_at,
    }
}

fn on_error(shared: &Shared, error: &KafkaError) {
    if let KafkaError::PartitionEOF(_) = error {
        // A tail's consumer reports each partition's end: it found its start with them
        // and has no use for the later ones.
        return;
    }
    if error.rdkafka_error_code() == Some(RDKafkaErrorCode::Fatal) {
        tracing::error!(%error, "kafka: consumer failed for good");
        shared.state.lock().fatal = Some(error.to_string());
        shared.changed.notify_waiters();
    } else {
        // Brokers going away and coming back show up here; librdkafka reconnects by
        // itself and the member carries on.
        tracing::warn!(%error, "kafka: consumer error");
    }
}

/// The event in `message` (a JSON [`Event`]), joined to the trace its `traceparent` header
/// names (a missing or malformed header: no trace).
pub(super) fn decode(message: &BorrowedMessage<'_>) -> Result<Delivery> {
    let (partition, offset) = (message.partition(), message.offset());
    let event: Event =
        serde_json::from_slice(message.payload().unwrap_or_default()).map_err(|e| {
            Error::internal(
                BACKEND,
                format!("partition {partition} offset {offset} is not an event: {e}"),
            )
        })?;
    let trace = message.headers().and_then(|headers| {
        headers
            .iter()
            .find(|header| header.key == TRACEPARENT)
            .and_then(|header| std::str::from_utf8(header.value?).ok())
            .and_then(TraceParent::parse)
    });
    let event = event.traced(trace.as_ref());
    Ok(Delivery {
        event,
        partition,
        offset,
    })
}
