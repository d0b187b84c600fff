//! [`Ledger::advance_drops`](crate::ports::Ledger::advance_drops): each due transition is
//! applied and announced once, at most `limit` per call; `next_due` names the earliest. (Concurrent schedulers are in
//! [`concurrency`](super::concurrency).)
//!
//! These cases assume nobody else advances their drops between their calls (another case
//! calling `advance_drops` concurrently on a shared backend may apply them first); their
//! outbox checks hold either way.

use chrono::TimeDelta;

use super::fixtures::*;
use crate::domain::{DropStatus, DropWindow, EventData};
use crate::ids::DropId;
use crate::ports::{DropTransition, Ports};

fn transitions_of(applied: &[DropTransition], drop_id: DropId) -> Vec<DropTransition> {
    applied
        .iter()
        .copied()
        .filter(|t| t.drop_id == drop_id)
        .collect()
}

/// `advance_drops` starts a due drop once (second call: nothing for it), announces it once,
/// and leaves drops that are not due alone.
pub async fn advance_drops_applies_each_transition_once(ports: &Ports) {
    let due = shop(&*ports.catalog, live_window(now()), plan(4, 0, None)).await;
    let future = shop(&*ports.catalog, scheduled_window(now()), plan(4, 0, None)).await;
    let at = now();

    let first = ports.ledger.advance_drops(at, 1000).await.unwrap();
    assert_eq!(
        transitions_of(&first, due.drop.id),
        [DropTransition {
            drop_id: due.drop.id,
            from: DropStatus::Scheduled,
            to: DropStatus::Live
        }]
    );
    assert!(
        transitions_of(&first, future.drop.id).is_empty(),
        "a future drop is not due"
    );
    let second = ports.ledger.advance_drops(at, 1000).await.unwrap();
    assert!(
        transitions_of(&second, due.drop.id).is_empty(),
        "applied twice: {second:?}"
    );

    assert_eq!(
        ports.ledger.stock(due.drop.id).await.unwrap().status,
        DropStatus::Live
    );
    assert_eq!(
        ports.catalog.get_drop(due.drop.id).await.unwrap().status,
        DropStatus::Live
    );
    assert_eq!(
        ports.ledger.stock(future.drop.id).await.unwrap().status,
        DropStatus::Scheduled
    );
    let events = drop_events(&*ports.outbox, due.drop.id, 1).await;
    assert_eq!(count_kind(&events, "drop.started"), 1, "{events:?}");
    assert_eq!(
        events
            .iter()
            .find(|e| e.kind() == "drop.started")
            .unwrap()
            .data,
        EventData::DropStarted { available: 4 }
    );
    assert!(
        drop_events(&*ports.outbox, future.drop.id, 0)
            .await
            .iter()
            .all(|e| e.kind() != "drop.started")
    );
    buy_ok(
        &*ports.ledger,
        user(&*ports.catalog).await.id,
        due.drop.id,
        1,
    )
    .await;
}

/// Windows close: live -> ended, sold out -> ended, and a window missed entirely goes
/// scheduled -> ended without starting; each once, each announced once.
pub async fn advance_drops_ends_closed_windows(ports: &Ports) {
    let t = now();
    let missed = shop(&*ports.catalog, ended_window(t), plan(3, 0, None)).await;
    let short = shop(
        &*ports.catalog,
        window(t - TimeDelta::seconds(3), t - TimeDelta::seconds(1)),
        plan(3, 0, None),
    )
    .await;
    let sold = shop(
        &*ports.catalog,
        window(t - TimeDelta::seconds(1), t + TimeDelta::seconds(2)),
        plan(1, 0, None),
    )
    .await;
    let buyer = user(&*ports.catalog).await;
    buy_ok(&*ports.ledger, buyer.id, sold.drop.id, 1).await;

    // While the short window was open it went live; the missed one was already over.
    let mid = ports
        .ledger
        .advance_drops(t - TimeDelta::seconds(2), 1000)
        .await
        .unwrap();
    assert_eq!(
        transitions_of(&mid, short.drop.id),
        [DropTransition {
            drop_id: short.drop.id,
            from: DropStatus::Scheduled,
            to: DropStatus::Live
        }]
    );
    assert_eq!(
        transitions_of(&mid, missed.drop.id),
        [DropTransition {
            drop_id: missed.drop.id,
            from: DropStatus::Scheduled,
            to: DropStatus::Ended
        }]
    );
    let after_all = sold.drop.window.end_at() + TimeDelta::milliseconds(1);
    let end = ports.ledger.advance_drops(after_all, 1000).await.unwrap();
    let again = ports.ledger.advance_drops(after_all, 1000).await.unwrap();
    assert!(
        transitions_of(&end, missed.drop.id).is_empty(),
        "an ended drop is final"
    );
    for (shop, from) in [(&short, DropStatus::Live), (&sold, DropStatus::SoldOut)] {
        let id = shop.drop.id;
        assert_eq!(
            transitions_of(&end, id),
            [DropTransition {
                drop_id: id,
                from,
                to: DropStatus::Ended
            }]
        );
    }
    for shop in [&missed, &short, &sold] {
        let id = shop.drop.id;
        assert!(transitions_of(&again, id).is_empty());
        assert_eq!(
            ports.ledger.stock(id).await.unwrap().status,
            DropStatus::Ended
        );
        let events = drop_events(&*ports.outbox, id, 1).await;
        assert_eq!(count_kind(&events, "drop.ended"), 1, "{events:?}");
    }
    let missed_events = drop_events(&*ports.outbox, missed.drop.id, 1).await;
    assert_eq!(count_kind(&missed_events, "drop.started"), 0);
    let sold_events = drop_events(&*ports.outbox, sold.drop.id, 1).await;
    let ended = sold_events
        .iter()
        .find(|e| e.kind() == "drop.ended")
        .unwrap();
    assert_eq!(ended.data, EventData::DropEnded { available: 0 });
    assert_invariant(&*ports.ledger, sold.drop.id).await;
}

/// `advance_drops` applies at most `limit` transitions per call; repeated calls apply every
/// due one, each exactly once.
pub async fn advance_drops_respects_its_limit(ports: &Ports) {
    let mut mine = live_drops(&*ports.catalog, 3, 2).await;
    let at = now();
    let mut seen = Vec::new();
    for _ in 0..10_000 {
        let applied = ports.ledger.advance_drops(at, 1).await.unwrap();
        assert!(applied.len() <= 1, "limit 1 applied {applied:?}");
        if applied.is_empty() {
            break;
        }
        seen.extend(applied.into_iter().filter(|t| mine.contains(&t.drop_id)));
    }
    seen.sort_by_key(|t| t.drop_id);
    mine.sort();
    let ids: Vec<DropId> = seen.iter().map(|t| t.drop_id).collect();
    assert_eq!(ids, mine, "every due drop is applied exactly once");
    for id in mine {
        assert_eq!(
            ports.ledger.stock(id).await.unwrap().status,
            DropStatus::Live
        );
    }
    let none = ports.ledger.advance_drops(at, 1000).await.unwrap();
    assert!(none.iter().all(|t| !ids.contains(&t.drop_id)));
    for id in ids {
        let events = drop_events(&*ports.outbox, id, 1).await;
        assert_eq!(count_kind(&events, "drop.started"), 1, "{events:?}");
    }
}

/// `next_due` names a time no later than a scheduled drop's start, and, once the drop is
/// live, no later than its end; it never names a time before every drop's next change
/// (it is the minimum over the backend, which other cases share).
pub async fn next_due_is_the_earliest_transition_ahead(ports: &Ports) {
    let window = DropWindow::new(now() + TimeDelta::minutes(1), now() + TimeDelta::minutes(2))
        .expect("a valid window");
    let shop = shop(&*ports.catalog, window, plan(4, 0, None)).await;
    let due = ports.ledger.next_due().await.unwrap();
    assert!(
        due.is_some_and(|due| due <= window.start_at()),
        "{due:?} is not at or before the start {}",
        window.start_at()
    );
    ports
        .ledger
        .advance_drops(window.start_at(), 1000)
        .await
        .unwrap();
    assert_eq!(
        ports.ledger.stock(shop.drop.id).await.unwrap().status,
        DropStatus::Live
    );
    let due = ports.ledger.next_due().await.unwrap();
    assert!(
        due.is_some_and(|due| due <= window.end_at()),
        "{due:?} is not at or before the end {}",
        window.end_at()
    );
}
