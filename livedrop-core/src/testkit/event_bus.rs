//! The [`EventBus`] contract: every group gets every event published
//! after it subscribed, per-key publish order, one member at a time within a group, and
//! redelivery of what was not committed.
//!
//! Every case uses fresh group names and fresh events and ignores events it did not publish,
//! so cases may share a bus, except [`lag_counts_what_the_group_has_not_committed`] and
//! [`the_bus_counts_a_stalled_groups_backlog`], which count every event on it.
//!
//! Tails (reading outside any group) have their own module, `event_bus_tail`, which shares
//! this one's builders.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::Mutex;

use super::fixtures::*;
use crate::domain::{Event, EventData, TraceParent};
use crate::ids::{CreatorId, DropId, EventId, UserId};
use crate::ports::{Delivery, EventBus, EventSubscription};

pub(super) const WAIT: Duration = Duration::from_secs(10);
/// How often a case asks again while waiting for a bus to catch up.
pub(super) const RETRY: Duration = Duration::from_millis(20);

pub(super) fn group() -> String {
    unique("testkit-group-")
}

/// `n` events keyed by `drop_id` (when given) or a fresh creator.
pub(super) fn events(n: usize, drop_id: Option<DropId>) -> Vec<Event> {
    let creator = CreatorId::new();
    (0..n)
        .map(|_| {
            Event::new(
                EventData::FollowCreated {
                    user_id: UserId::new(),
                },
                creator,
                drop_id,
                now(),
            )
        })
        .collect()
}

/// Reads from `sub` until every id in `wanted` was delivered at least once, committing each
/// delivery when `commit` holds; returns the deliveries of `wanted` events, in order.
pub(super) async fn read_until(
    sub: &mut dyn EventSubscription,
    wanted: &HashSet<EventId>,
    commit: bool,
) -> Vec<Delivery> {
    let mut got = Vec::new();
    let mut seen = HashSet::new();
    while !wanted.iter().all(|id| seen.contains(id)) {
        let delivery = tokio::time::timeout(WAIT, sub.next())
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "no delivery within {WAIT:?}; still missing {}",
                    wanted.len() - seen.len()
                )
            })
            .expect("next delivery");
        if commit {
            sub.commit(&delivery).await.expect("commit");
        }
        if wanted.contains(&delivery.event.id) {
            seen.insert(delivery.event.id);
            got.push(delivery);
        }
    }
    got
}

pub(super) fn ids(events: &[Event]) -> HashSet<EventId> {
    events.iter().map(|e| e.id).collect()
}

pub(super) fn order_of(deliveries: &[Delivery], key: uuid::Uuid) -> Vec<EventId> {
    let mut firsts = Vec::new();
    for d in deliveries.iter().filter(|d| d.event.key() == key) {
        if !firsts.contains(&d.event.id) {
            firsts.push(d.event.id);
        }
    }
    firsts
}

/// A subscribed group receives every event published afterwards, unchanged (a traced
/// event with its trace), and events of one key in publish order (across several publish
/// calls).
pub async fn subscribers_receive_every_event_in_key_order(bus: &dyn EventBus) {
    let mut sub = bus.subscribe(&group()).await.unwrap();
    bus.publish(&[]).await.unwrap();
    let (a, b) = (DropId::new(), DropId::new());
    let parent = TraceParent::parse("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    let first: Vec<Event> = events(4, Some(a))
        .into_iter()
        .chain(events(3, Some(b)))
        .enumerate()
        .map(|(i, event)| event.traced(parent.as_ref().filter(|_| i % 2 == 0)))
        .collect();
    let second: Vec<Event> = events(3, Some(b))
        .into_iter()
        .chain(events(4, Some(a)))
        .collect();
    let by_creator = events(3, None);
    bus.publish(&first).await.unwrap();
    bus.publish(&second).await.unwrap();
    bus.publish(&by_creator).await.unwrap();
    let all: Vec<Event> = first
        .iter()
        .chain(&second)
        .chain(&by_creator)
        .cloned()
        .collect();

    let got = read_until(&mut *sub, &ids(&all), true).await;
    for event in &all {
        let delivered = got.iter().find(|d| d.event.id == event.id).unwrap();
        assert_eq!(delivered.event, *event, "delivered unchanged");
    }
    for key in [a.as_uuid(), b.as_uuid(), by_creator[0].key()] {
        let published: Vec<EventId> = all
            .iter()
            .filter(|e| e.key() == key)
            .map(|e| e.id)
            .collect();
        assert_eq!(
            order_of(&got, key),
            published,
            "events of one key keep publish order"
        );
    }
}

/// `next_batch` hands out at least one and at most `max` events a call, every published
/// event once, each key's in publish order, as `next` does one at a time; `commit_all`
/// commits a batch's partitions together.
pub async fn batches_hand_out_every_event_in_key_order(bus: &dyn EventBus) {
    let mut sub = bus.subscribe(&group()).await.unwrap();
    let (a, b) = (DropId::new(), DropId::new());
    let all: Vec<Event> = events(9, Some(a))
        .into_iter()
        .chain(events(8, Some(b)))
        .collect();
    bus.publish(&all).await.unwrap();
    let wanted = ids(&all);
    let mut got: Vec<Delivery> = Vec::new();
    while got.len() < all.len() {
        let batch = tokio::time::timeout(WAIT, sub.next_batch(4))
            .await
            .expect("a batch within the wait")
            .unwrap();
        assert!(
            (1..=4).contains(&batch.len()),
            "a batch holds 1 to max events, not {}",
            batch.len()
        );
        // The batch's last delivery of each partition, committed together.
        let mut last = std::collections::HashMap::new();
        for delivery in &batch {
            last.insert(delivery.partition, delivery.clone());
        }
        let last: Vec<Delivery> = last.into_values().collect();
        sub.commit_all(&last).await.unwrap();
        got.extend(batch.into_iter().filter(|d| wanted.contains(&d.event.id)));
    }
    assert_eq!(
        ids(&got.iter().map(|d| d.event.clone()).collect::<Vec<_>>()),
        wanted
    );
    assert_eq!(got.len(), all.len(), "each event once");
    for key in [a.as_uuid(), b.as_uuid()] {
        let published: Vec<EventId> = all
            .iter()
            .filter(|e| e.key() == key)
            .map(|e| e.id)
            .collect();
        assert_eq!(
            order_of(&got, key),
            published,
            "key order holds across batches"
        );
    }
}

/// Two groups each receive every event.
pub async fn every_group_receives_every_event(bus: &dyn EventBus) {
    let mut one = bus.subscribe(&group()).await.unwrap();
    let mut two = bus.subscribe(&group()).await.unwrap();
    let published = events(5, Some(DropId::new()));
    bus.publish(&published).await.unwrap();
    let wanted = ids(&published);
    for sub in [&mut one, &mut two] {
        let got = read_until(&mut **sub, &wanted, true).await;
        assert_eq!(
            order_of(&got, published[0].key()),
            published.iter().map(|e| e.id).collect::<Vec<_>>()
        );
    }
}

/// Within one group, two live members that commit what they process never both get the
/// same event, and together they get all of them.
pub async fn a_group_shares_events_between_its_members(bus: &dyn EventBus) {
    let name = group();
    let members = vec![
        bus.subscribe(&name).await.unwrap(),
        bus.subscribe(&name).await.unwrap(),
    ];
    let published: Vec<Event> = (0..4)
        .flat_map(|_| events(5, Some(DropId::new())))
        .collect();
    bus.publish(&published).await.unwrap();
    let wanted = Arc::new(ids(&published));
    let seen = Arc::new(Mutex::new(Vec::<(usize, EventId)>::new()));
    let done = Arc::new(AtomicBool::new(false));
    let tasks: Vec<_> = members
        .into_iter()
        .enumerate()
        .map(|(member, mut sub)| {
            let (wanted, seen, done) = (wanted.clone(), seen.clone(), done.clone());
            tokio::spawn(async move {
                let deadline = tokio::time::Instant::now() + WAIT;
                while !done.load(Ordering::SeqCst) && tokio::time::Instant::now() < deadline {
                    let Ok(delivery) =
                        tokio::time::timeout(Duration::from_millis(100), sub.next()).await
                    else {
                        continue;
                    };
                    let delivery = delivery.expect("next delivery");
                    sub.commit(&delivery).await.expect("commit");
                    if wanted.contains(&delivery.event.id) {
                        let mut seen = seen.lock().await;
                        seen.push((member, delivery.event.id));
                        let distinct: HashSet<_> = seen.iter().map(|(_, id)| *id).collect();
                        if distinct.len() == wanted.len() {
                            done.store(true, Ordering::SeqCst);
                        }
                    }
                }
                sub
            })
        })
        .collect();
    let mut subs = Vec::new();
    for task in tasks {
        subs.push(task.await.unwrap());
    }
    let seen = seen.lock().await;
    let distinct: HashSet<EventId> = seen.iter().map(|(_, id)| *id).collect();
    assert_eq!(
        distinct.len(),
        wanted.len(),
        "the group as a whole got every event"
    );
    assert_eq!(
        seen.len(),
        wanted.len(),
        "an event went to both members: {seen:?}"
    );
    drop(subs);
}

/// An event not committed when its subscription ends is delivered to the group again.
pub async fn uncommitted_events_are_redelivered(bus: &dyn EventBus) {
    let name = group();
    let published = events(3, Some(DropId::new()));
    let mut first = bus.subscribe(&name).await.unwrap();
    bus.publish(&published).await.unwrap();
    // Process and commit the first event only; the member then dies.
    let head: HashSet<EventId> = [published[0].id].into();
    read_until(&mut *first, &head, true).await;
    let rest: HashSet<EventId> = published[1..].iter().map(|e| e.id).collect();
    read_until(&mut *first, &rest, false).await;
    drop(first);

    let mut second = bus.subscribe(&name).await.unwrap();
    let again = read_until(&mut *second, &rest, true).await;
    assert_eq!(
        order_of(&again, published[0].key())
            .iter()
            .filter(|id| rest.contains(id))
            .count(),
        2,
        "both uncommitted events come back"
    );
}

/// A member's uncommitted event is not lost because a live peer of its group committed
/// later events meanwhile: when the member dies, the event reaches the peer.
pub async fn a_dead_members_events_survive_a_committing_peer(bus: &dyn EventBus) {
    let name = group();
    let published = events(3, Some(DropId::new()));
    let mut one = bus.subscribe(&name).await.unwrap();
    let mut two = bus.subscribe(&name).await.unwrap();
    bus.publish(&published).await.unwrap();
    // The events share a key, hence a partition, which the group gives one member: which
    // one is the bus's choice. Whoever gets an event first holds it uncommitted and dies;
    // the other is the committing peer. (The losing `next` is dropped: it took nothing.)
    let (held, dying, mut peer) = tokio::time::timeout(WAIT, async {
        tokio::select! {
            delivery = one.next() => (delivery, one, two),
            delivery = two.next() => (delivery, two, one),
        }
    })
    .await
    .expect("a delivery to either member");
    let held = held.unwrap();
    // The peer processes and commits whatever it is given while the holder keeps its
    // event uncommitted; that event is the holder's alone until the holder dies.
    let deadline = tokio::time::Instant::now() + Duration::from_millis(300);
    while let Ok(Ok(delivery)) = tokio::time::timeout_at(deadline, peer.next()).await {
        assert_ne!(
            delivery.event.id, held.event.id,
            "an event held by a live member went to its peer too"
        );
        peer.commit(&delivery).await.unwrap();
    }
    drop(dying);
    let wanted: HashSet<EventId> = [held.event.id].into();
    read_until(&mut *peer, &wanted, true).await;
}

/// Events published while a group has no live member reach it when a member returns.
pub async fn a_group_catches_up_after_all_members_left(bus: &dyn EventBus) {
    let name = group();
    drop(bus.subscribe(&name).await.unwrap());
    let published = events(3, None);
    bus.publish(&published).await.unwrap();
    let mut back = bus.subscribe(&name).await.unwrap();
    let got = read_until(&mut *back, &ids(&published), true).await;
    assert_eq!(
        order_of(&got, published[0].key()),
        published.iter().map(|e| e.id).collect::<Vec<_>>()
    );
}

/// Lag is what the group has not committed on the member's partitions: events handed to
/// the member count until committed, and committing shrinks it to 0.
pub async fn lag_counts_what_the_group_has_not_committed(bus: &dyn EventBus) {
    let mut sub = bus.subscribe(&group()).await.unwrap();
    assert_eq!(sub.lag().await.unwrap(), 0, "nothing published yet");
    // Several keys, so a bus with partitions sums over several.
    let published: Vec<Event> = events(3, Some(DropId::new()))
        .into_iter()
        .chain(events(2, Some(DropId::new())))
        .chain(events(2, None))
        .collect();
    bus.publish(&published).await.unwrap();
    let read = read_until(&mut *sub, &ids(&published), false).await;
    let all = published.len() as u64;
    // A bus may learn of its newest events a moment after acknowledging them (Kafka's
    // high watermark), so wait for the count rather than take the first answer.
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let lag = sub.lag().await.unwrap();
        if lag == all {
            break;
        }
        assert!(
            lag < all && tokio::time::Instant::now() < deadline,
            "lag {lag} of {all} read, uncommitted events"
        );
        tokio::time::sleep(RETRY).await;
    }
    // The first delivery is the first event of its partition: committing it commits it alone.
    sub.commit(&read[0]).await.unwrap();
    assert_eq!(sub.lag().await.unwrap(), all - 1, "one event committed");
    for delivery in &read {
        sub.commit(delivery).await.unwrap();
    }
    assert_eq!(sub.lag().await.unwrap(), 0, "everything committed");
}

/// The bus's own count of a group's backlog (`EventBus::lag`): every event published and
/// not committed, also while the group's member is stalled on them (it read them, commits
/// nothing), falling with each commit to 0.
pub async fn the_bus_counts_a_stalled_groups_backlog(bus: &dyn EventBus) {
    let group = group();
    let mut sub = bus.subscribe(&group).await.unwrap();
    let behind = |lags: Vec<crate::ports::PartitionLag>| -> u64 {
        lags.iter().map(|lag| lag.behind()).sum()
    };
    // One key, so one partition: a commit there covers exactly what came before it.
    let published = events(5, Some(DropId::new()));
    // One publish per event: a broker may report a multi-event batch's end late (tansu).
    for event in &published {
        bus.publish(std::slice::from_ref(event)).await.unwrap();
    }
    let read = read_until(&mut *sub, &ids(&published), false).await;
    let all = published.len() as u64;
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let lag = behind(bus.lag(&group).await.unwrap());
        if lag == all {
            break;
        }
        assert!(
            lag < all && tokio::time::Instant::now() < deadline,
            "backlog {lag} of {all} read, none committed"
        );
        tokio::time::sleep(RETRY).await;
    }
    sub.commit(&read[0]).await.unwrap();
    assert_eq!(
        behind(bus.lag(&group).await.unwrap()),
        all - 1,
        "one committed"
    );
    sub.commit(&read[read.len() - 1]).await.unwrap();
    assert_eq!(behind(bus.lag(&group).await.unwrap()), 0, "all committed");
}
