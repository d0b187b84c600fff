//! Cases that race many tasks against one backend: no oversell, one order per idempotency
//! key, exact follower counts, each scheduled transition applied once. Keyset pagination
//! under concurrent inserts is in [`concurrent_pagination`](super::concurrent_pagination),
//! racing cancellations and drop creation in [`concurrent_writes`](super::concurrent_writes).
//!
//! These cases spawn tasks and only race for real on a multi-thread runtime: call them from
//! `#[tokio::test(flavor = "multi_thread", worker_threads = 2)]` (the
//! [`conformance_suite!`](crate::conformance_suite) macro does).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use super::fixtures::*;
use crate::Error;
use crate::clock::SystemClock;
use crate::domain::{DropStatus, EventData, OrderRejection};
use crate::ids::OrderId;
use crate::ports::{Placement, Ports};
use crate::services::{OrderService, Receipt};
use crate::wire::order_response;

const BUYERS: usize = 64;

/// 64 buyers, each ordering `units` at once from a drop of `stock`: exactly
/// `min(stock / units, 64)` orders are confirmed, every refusal is `sold_out` or
/// `insufficient_stock` with what is finally left, the books balance, and each crossing is
/// announced once.
pub async fn race_for_stock(ports: &Ports, stock: u32, units: u32) {
    let threshold = stock / 4;
    let shop = shop(
        &*ports.catalog,
        live_window(now()),
        plan(stock, threshold, None),
    )
    .await;
    let drop_id = shop.drop.id;
    let buyers = users(&*ports.catalog, BUYERS).await;
    let answers = race(buyers.len(), |i| {
        let ledger = ports.ledger.clone();
        let req = order_request(buyers[i].id, drop_id, units, &key());
        async move { ledger.place_order(&req).await }
    })
    .await;
    let mut confirmed = Vec::new();
    let mut refusals = Vec::new();
    for answer in answers {
        match answer {
            Ok(Placement::Confirmed(order)) => confirmed.push(order),
            Err(Error::Rejected(rejection)) => refusals.push(rejection),
            other => panic!("a racing buyer got {other:?}"),
        }
    }

    let orders = (stock / units).min(BUYERS as u32);
    let left = stock - orders * units;
    assert_eq!(
        confirmed.len() as u32,
        orders,
        "confirmed orders (stock {stock}, {units} each)"
    );
    assert_eq!(
        confirmed
            .iter()
            .map(|o| o.id)
            .collect::<HashSet<OrderId>>()
            .len(),
        confirmed.len()
    );
    for refusal in &refusals {
        match refusal {
            OrderRejection::SoldOut => assert_eq!(left, 0, "sold_out while {left} units were left"),
            OrderRejection::InsufficientStock { available } => {
                assert!(
                    *available == left && left > 0 && left < units,
                    "insufficient_stock {available} but {left} left"
                )
            }
            other => panic!("a racing buyer was refused with {other:?}"),
        }
    }
    let summary = assert_invariant(&*ports.ledger, drop_id).await;
    assert_eq!(
        (
            summary.available,
            summary.confirmed_units,
            summary.confirmed_orders
        ),
        (left, u64::from(orders * units), u64::from(orders))
    );
    let expected_status = if left == 0 {
        DropStatus::SoldOut
    } else {
        DropStatus::Live
    };
    assert_eq!(summary.status, expected_status);

    let events = drop_events(&*ports.outbox, drop_id, orders as usize).await;
    let mut after: Vec<u32> = events
        .iter()
        .filter_map(|e| match e.data {
            EventData::OrderConfirmed { available, .. } => Some(available),
            _ => None,
        })
        .collect();
    after.sort_unstable();
    let expected_after: Vec<u32> = (1..=orders).map(|n| stock - n * units).rev().collect();
    assert_eq!(
        after, expected_after,
        "each confirmation reports the stock its own order left"
    );
    assert_eq!(
        count_kind(&events, "drop.sold_out"),
        usize::from(left == 0),
        "{events:?}"
    );
    assert_eq!(
        count_kind(&events, "stock.low"),
        usize::from(threshold > 0 && left <= threshold)
    );
}

/// Stock 10 for 64 buyers of one unit.
pub async fn concurrent_buyers_small_stock(ports: &Ports) {
    race_for_stock(ports, 10, 1).await;
}

/// Stock 64 for 64 buyers of one unit: all served, none left.
pub async fn concurrent_buyers_exact_stock(ports: &Ports) {
    race_for_stock(ports, 64, 1).await;
}

/// Stock 100 for 64 buyers of one unit: nobody refused.
pub async fn concurrent_buyers_large_stock(ports: &Ports) {
    race_for_stock(ports, 100, 1).await;
}

/// Stock 50 for 64 buyers of three units: 16 orders, 2 units left, the rest insufficient.
pub async fn concurrent_buyers_multi_unit(ports: &Ports) {
    race_for_stock(ports, 50, 3).await;
}

/// 32 tasks place one order with one key at once through [`OrderService`]; tasks told the
/// key is in flight retry. Exactly one order exists, one answer was decided (the others are
/// replays) and every task got the same response bytes.
pub async fn one_idempotency_key_from_many_tasks_places_one_order(ports: &Ports) {
    let shop = live_drop(&*ports.catalog, 20).await;
    let buyer = user(&*ports.catalog).await.id;
    let service = OrderService::new(
        ports.ledger.clone(),
        ports.idempotency.clone(),
        Arc::new(SystemClock),
    );
    let k = key();
    let receipts: Vec<Receipt> = race(32, |_| {
        let (service, k, drop_id) = (service.clone(), k.clone(), shop.drop.id);
        async move {
            let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
            loop {
                match service.place_order(buyer, k.clone(), drop_id, qty(2)).await {
                    Ok(receipt) => return receipt,
                    Err(Error::IdempotencyInFlight) if tokio::time::Instant::now() < deadline => {
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                    Err(other) => panic!("placing with a shared key: {other:?}"),
                }
            }
        }
    })
    .await;
    let first = &receipts[0];
    assert_eq!(order_response(&first.outcome).status, 201, "{first:?}");
    assert!(
        receipts
            .iter()
            .all(|r| order_response(&r.outcome) == order_response(&first.outcome)),
        "every answer is the same bytes"
    );
    assert_eq!(
        receipts.iter().filter(|r| !r.replayed).count(),
        1,
        "one decision, the rest replays"
    );
    let order = first.outcome.clone().expect("confirmed");
    assert!(
        receipts
            .iter()
            .all(|r| r.outcome.as_ref().map(|o| o.id) == Ok(order.id))
    );

    let summary = assert_invariant(&*ports.ledger, shop.drop.id).await;
    assert_eq!(
        (
            summary.confirmed_orders,
            summary.confirmed_units,
            summary.available
        ),
        (1, 2, 18)
    );
    let mine = collect_pages(limit(100), |page| ports.ledger.orders_by_user(buyer, page)).await;
    assert_eq!(mine.iter().map(|o| o.id).collect::<Vec<_>>(), [order.id]);
    let events = drop_events(&*ports.outbox, shop.drop.id, 1).await;
    assert_eq!(count_kind(&events, "order.confirmed"), 1, "{events:?}");
}

/// 32 concurrent follows of one pair store one follow (one `changed`, one event), and 32
/// concurrent unfollows remove it once.
pub async fn concurrent_follows_of_one_pair_store_one_follow(ports: &Ports) {
    let star = seller(&*ports.catalog).await;
    let fan = user(&*ports.catalog).await.id;
    let c = star.creator.id;
    for unfollow in [false, true] {
        let changes = race(32, |_| {
            let follows = ports.follows.clone();
            async move {
                if unfollow {
                    follows.unfollow(fan, c, now()).await.unwrap()
                } else {
                    follows.follow(fan, c, now()).await.unwrap()
                }
            }
        })
        .await;
        let mut changed = 0;
        for change in changes {
            assert_eq!(change.following, !unfollow);
            assert_eq!(change.follower_count, u64::from(!unfollow));
            changed += usize::from(change.changed);
        }
        assert_eq!(
            changed, 1,
            "exactly one call changes anything (unfollow: {unfollow})"
        );
        assert_eq!(
            ports.follows.follower_count(c).await.unwrap(),
            u64::from(!unfollow)
        );
        let listed = collect_pages(limit(10), |page| ports.follows.followers(c, page)).await;
        assert_eq!(listed.len(), usize::from(!unfollow));
    }
    let events = outbox_events(&*ports.outbox, 2, |e| e.creator_id == c).await;
    assert_eq!(count_kind(&events, "follow.created"), 1, "{events:?}");
    assert_eq!(count_kind(&events, "follow.removed"), 1, "{events:?}");
}

/// 40 users follow and unfollow one creator concurrently (half end following): the count is
/// exact and equals the follower list.
pub async fn concurrent_follow_churn_keeps_the_count_exact(ports: &Ports) {
    let star = seller(&*ports.catalog).await;
    let c = star.creator.id;
    let fans = users(&*ports.catalog, 40).await;
    let churn = race(fans.len(), |i| {
        let (follows, fan) = (ports.follows.clone(), fans[i].id);
        async move {
            let mut counts = Vec::new();
            counts.push(follows.follow(fan, c, now()).await.unwrap().follower_count);
            counts.push(
                follows
                    .unfollow(fan, c, now())
                    .await
                    .unwrap()
                    .follower_count,
            );
            counts.push(follows.follow(fan, c, now()).await.unwrap().follower_count);
            if i % 2 == 1 {
                counts.push(
                    follows
                        .unfollow(fan, c, now())
                        .await
                        .unwrap()
                        .follower_count,
                );
            }
            counts
        }
    })
    .await;
    for counts in churn {
        assert!(counts.into_iter().all(|n| n <= 40));
    }
    assert_eq!(ports.follows.follower_count(c).await.unwrap(), 20);
    let listed = collect_pages(limit(7), |page| ports.follows.followers(c, page)).await;
    assert_eq!(listed.len(), 20);
    let distinct: HashSet<_> = listed.iter().map(|f| f.user_id).collect();
    assert_eq!(distinct.len(), 20, "no follower listed twice");
    for (i, fan) in fans.iter().enumerate() {
        assert_eq!(
            ports.follows.is_following(fan.id, c).await.unwrap(),
            i % 2 == 0
        );
        assert_eq!(distinct.contains(&fan.id), i % 2 == 0);
    }
}

/// Six schedulers advancing at once apply each due transition exactly once between them,
/// and each start is announced once.
pub async fn concurrent_schedulers_apply_each_transition_once(ports: &Ports) {
    let mine = live_drops(&*ports.catalog, 12, 1).await;
    let at = now();
    let rounds = race(6, |_| {
        let ledger = ports.ledger.clone();
        async move {
            let mut applied = Vec::new();
            for _ in 0..10_000 {
                let batch = ledger.advance_drops(at, 2).await.unwrap();
                assert!(batch.len() <= 2);
                if batch.is_empty() {
                    break;
                }
                applied.extend(batch);
            }
            applied
        }
    })
    .await;
    let applied: Vec<_> = rounds.into_iter().flatten().collect();
    for id in &mine {
        let of_drop: Vec<_> = applied.iter().filter(|t| t.drop_id == *id).collect();
        assert_eq!(of_drop.len(), 1, "drop {id} transitioned {of_drop:?}");
        assert_eq!(
            (of_drop[0].from, of_drop[0].to),
            (DropStatus::Scheduled, DropStatus::Live)
        );
        let events = drop_events(&*ports.outbox, *id, 1).await;
        assert_eq!(count_kind(&events, "drop.started"), 1, "{events:?}");
    }
}
