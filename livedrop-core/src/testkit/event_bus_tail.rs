//! The [`EventTail`] contract: a tail delivers every event published after it opened,
//! exactly once, in offset order per partition from its start, and none published before;
//! every tail gets every event; delivery starts at once; tails leave consumer groups and
//! their backlog alone.
//!
//! Every case reads through calls it mostly drops unfinished (see `SHORT`), so each also
//! checks that reading is cancel safe: a dropped call that lost an event would leave the
//! case waiting for it. Cases use fresh events and check the events of others only against
//! the tail's start and offset order, so cases may share a bus, except
//! [`tails_leave_groups_and_their_lag_alone`], which counts a group's backlog exactly.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use tokio::time::Instant;

use super::event_bus::{RETRY, WAIT, events, group, ids, order_of, read_until};
use crate::domain::Event;
use crate::ids::{DropId, EventId};
use crate::ports::{Delivery, EventBus, EventTail, PartitionLag};

/// How long a read waits before the case drops it and asks again: most reads are dropped
/// before they complete, which is what checks that dropping one loses nothing.
const SHORT: Duration = Duration::from_millis(3);

/// Longest a tail may take to open and hand out an event published right after: a group
/// member first waits for its group to rebalance (about half a session timeout on Kafka:
/// 3 s in the tests, 5 s by default), a tail has nothing to wait for.
const PROMPT: Duration = Duration::from_secs(2);

/// A tail and what it handed out, each delivery checked as it comes.
struct Reader {
    tail: Box<dyn EventTail>,
    /// The last offset handed out, per partition.
    last: HashMap<i32, i64>,
    /// Every delivery, in the order handed out.
    got: Vec<Delivery>,
    seen: HashSet<EventId>,
}

impl Reader {
    fn new(tail: Box<dyn EventTail>) -> Self {
        assert!(!tail.start().is_empty(), "a bus has at least one partition");
        Self {
            tail,
            last: HashMap::new(),
            got: Vec::new(),
            seen: HashSet::new(),
        }
    }

    /// Reads batches of at most `max` until every id in `wanted` was handed out.
    async fn read_until(&mut self, wanted: &HashSet<EventId>, max: usize) {
        let deadline = Instant::now() + WAIT;
        while !wanted.is_subset(&self.seen) {
            assert!(
                Instant::now() < deadline,
                "{} of {} events not delivered within {WAIT:?}",
                wanted.difference(&self.seen).count(),
                wanted.len()
            );
            let Ok(batch) = tokio::time::timeout(SHORT, self.tail.next_batch(max)).await else {
                continue;
            };
            self.take(batch.expect("next batch"), max);
        }
    }

    /// Reads whatever comes within `period`: what should not come at all.
    async fn read_for(&mut self, period: Duration, max: usize) {
        let until = Instant::now() + period;
        while let Ok(batch) = tokio::time::timeout_at(until, self.tail.next_batch(max)).await {
            self.take(batch.expect("next batch"), max);
        }
    }

    fn take(&mut self, batch: Vec<Delivery>, max: usize) {
        assert!(
            (1..=max).contains(&batch.len()),
            "a batch holds 1 to {max} events, not {}",
            batch.len()
        );
        for delivery in batch {
            self.check(&delivery);
            self.seen.insert(delivery.event.id);
            self.got.push(delivery);
        }
    }

    /// The tail's bounds hold for every delivery, whoever published it.
    fn check(&mut self, delivery: &Delivery) {
        let start = self.tail.start();
        let Some(&first) = usize::try_from(delivery.partition)
            .ok()
            .and_then(|p| start.get(p))
        else {
            panic!(
                "partition {} outside the tail's {} partitions",
                delivery.partition,
                start.len()
            );
        };
        assert!(
            delivery.offset >= first,
            "offset {} of partition {} is before the tail's start {first}",
            delivery.offset,
            delivery.partition
        );
        if let Some(last) = self.last.insert(delivery.partition, delivery.offset) {
            assert!(
                delivery.offset > last,
                "partition {} handed out offset {} after {last}",
                delivery.partition,
                delivery.offset
            );
        }
    }

    /// How many times the tail handed out `id`.
    fn times(&self, id: EventId) -> usize {
        self.got.iter().filter(|d| d.event.id == id).count()
    }
}

/// Events of `keys` drops, `per_key` each, interleaved.
fn keyed(keys: &[DropId], per_key: usize) -> Vec<Event> {
    let mut by_key: Vec<Vec<Event>> = keys.iter().map(|k| events(per_key, Some(*k))).collect();
    let mut all = Vec::new();
    for _ in 0..per_key {
        for events in &mut by_key {
            all.push(events.remove(0));
        }
    }
    all
}

/// A tail hands out each event published after it opened once, each key's in publish
/// order, from its start on; none published before it opened, though they share the
/// after-events' keys (so on a bus with partitions they share partitions too, where they
/// would come first).
pub async fn a_tail_delivers_what_was_published_after_it_opened(bus: &dyn EventBus) {
    let keys: Vec<DropId> = (0..6).map(|_| DropId::new()).collect();
    // One publish of several events: a broker may store them as one batch.
    let before = keyed(&keys, 3);
    bus.publish(&before).await.unwrap();
    let mut tail = Reader::new(bus.tail().await.unwrap());
    let (first, second) = (keyed(&keys, 3), keyed(&keys, 2));
    bus.publish(&first).await.unwrap();
    bus.publish(&second).await.unwrap();
    let after: Vec<Event> = first.iter().chain(&second).cloned().collect();
    tail.read_until(&ids(&after), 4).await;
    // Anything still to come (a second copy, a late event from before) comes now.
    tail.read_for(Duration::from_millis(200), 4).await;

    for event in &before {
        assert_eq!(
            tail.times(event.id),
            0,
            "an event from before the tail opened"
        );
    }
    for event in &after {
        assert_eq!(tail.times(event.id), 1, "each event once");
        let delivered = tail.got.iter().find(|d| d.event.id == event.id).unwrap();
        assert_eq!(delivered.event, *event, "delivered unchanged");
    }
    for key in &keys {
        let published: Vec<EventId> = after
            .iter()
            .filter(|e| e.key() == key.as_uuid())
            .map(|e| e.id)
            .collect();
        assert_eq!(
            order_of(&tail.got, key.as_uuid()),
            published,
            "a key's events in publish order"
        );
    }
}

/// Every open tail gets every event; a tail opened later gets only what came after it,
/// and dropping a tail disturbs none of the others.
pub async fn every_tail_gets_every_event(bus: &dyn EventBus) {
    let keys = [DropId::new(), DropId::new()];
    let (mut one, mut two) = (
        Reader::new(bus.tail().await.unwrap()),
        Reader::new(bus.tail().await.unwrap()),
    );
    let first = keyed(&keys, 3);
    bus.publish(&first).await.unwrap();
    one.read_until(&ids(&first), 2).await;
    two.read_until(&ids(&first), 2).await;
    let mut three = Reader::new(bus.tail().await.unwrap());
    drop(two);
    let second = keyed(&keys, 2);
    bus.publish(&second).await.unwrap();
    one.read_until(&ids(&second), 2).await;
    three.read_until(&ids(&second), 2).await;

    for event in first.iter().chain(&second) {
        assert_eq!(one.times(event.id), 1, "the first tail got each event once");
    }
    for event in &first {
        assert_eq!(three.times(event.id), 0, "published before the tail opened");
    }
    for event in &second {
        assert_eq!(
            three.times(event.id),
            1,
            "the later tail got each event once"
        );
    }
}

/// A tail joins no group, so it hands out an event published right after it opened
/// without waiting for a rebalance: opening it and reading that event take less than a
/// group's join would.
pub async fn a_tail_delivers_at_once(bus: &dyn EventBus) {
    let opened = Instant::now();
    let mut tail = Reader::new(bus.tail().await.unwrap());
    let published = events(1, Some(DropId::new()));
    bus.publish(&published).await.unwrap();
    tail.read_until(&ids(&published), 1).await;
    let took = opened.elapsed();
    assert!(
        took < PROMPT,
        "opening a tail and reading one event took {took:?}"
    );
}

/// Opening, reading and dropping tails changes no group's backlog (`EventBus::lag`), and
/// takes nothing from the group: its member still gets every event, and its commits take
/// the backlog to 0.
pub async fn tails_leave_groups_and_their_lag_alone(bus: &dyn EventBus) {
    let group = group();
    let behind = |lags: Vec<PartitionLag>| -> u64 { lags.iter().map(PartitionLag::behind).sum() };
    let mut member = bus.subscribe(&group).await.unwrap();
    let mut tail = Reader::new(bus.tail().await.unwrap());
    // One key, so one partition: a commit there covers exactly what came before it.
    let published = events(4, Some(DropId::new()));
    // One publish per event: a broker may report a multi-event batch's end late (tansu).
    for event in &published {
        bus.publish(std::slice::from_ref(event)).await.unwrap();
    }
    tail.read_until(&ids(&published), 2).await;
    let all = published.len() as u64;
    let deadline = Instant::now() + WAIT;
    loop {
        let lag = behind(bus.lag(&group).await.unwrap());
        if lag == all {
            break;
        }
        assert!(
            lag < all && Instant::now() < deadline,
            "backlog {lag} of {all} published, none committed"
        );
        tokio::time::sleep(RETRY).await;
    }
    drop(tail);
    drop(bus.tail().await.unwrap());
    assert_eq!(
        behind(bus.lag(&group).await.unwrap()),
        all,
        "tails read, opened and dropped: the group's backlog is as it was"
    );

    // Fails unless the member gets every event.
    let got = read_until(&mut *member, &ids(&published), false).await;
    member.commit(&got[got.len() - 1]).await.unwrap();
    assert_eq!(
        behind(bus.lag(&group).await.unwrap()),
        0,
        "the group's commit"
    );
}
