//! [`Ledger::cancel_order`](crate::ports::Ledger::cancel_order): units return exactly once,
//! with their event and audit entry; only the buyer may cancel; a sold-out drop reopens.

use chrono::TimeDelta;

use super::fixtures::*;
use super::ledger::event_order_id;
use crate::domain::{AuditAction, AuditTarget, DropStatus, EventData, OrderRejection, OrderStatus};
use crate::ids::OrderId;
use crate::ports::Ports;

/// Cancelling flips the order to cancelled and returns its units once, with one
/// `order.cancelled` event and one audit entry; cancelling again changes nothing.
pub async fn cancel_returns_stock_exactly_once(ports: &Ports) {
    let shop = live_drop(&*ports.catalog, 5).await;
    let buyer = user(&*ports.catalog).await;
    let order = buy_ok(&*ports.ledger, buyer.id, shop.drop.id, 2).await;
    let at = order.created_at + TimeDelta::milliseconds(10);

    let first = ports
        .ledger
        .cancel_order(order.id, buyer.id, at)
        .await
        .unwrap();
    assert!(first.changed);
    assert_eq!(first.order.id, order.id);
    assert_eq!(first.order.status, OrderStatus::Cancelled);
    assert_eq!(first.order.cancelled_at, Some(at));
    assert_eq!(
        (first.order.qty, first.order.created_at),
        (order.qty, order.created_at)
    );
    assert_eq!(ports.ledger.order(order.id).await.unwrap(), first.order);
    let summary = assert_invariant(&*ports.ledger, shop.drop.id).await;
    assert_eq!(
        (
            summary.available,
            summary.confirmed_units,
            summary.confirmed_orders
        ),
        (5, 0, 0)
    );

    for _ in 0..2 {
        let again = ports
            .ledger
            .cancel_order(order.id, buyer.id, at + TimeDelta::milliseconds(10))
            .await
            .unwrap();
        assert!(!again.changed, "a second cancel returns nothing");
        assert_eq!(again.order.status, OrderStatus::Cancelled);
        assert_eq!(ports.ledger.stock(shop.drop.id).await.unwrap().available, 5);
    }

    let events = outbox_events(&*ports.outbox, 2, |e| {
        event_order_id(&e.data) == Some(order.id)
    })
    .await;
    assert_eq!(
        kinds_among(&events, &["order.confirmed", "order.cancelled"]),
        ["order.confirmed", "order.cancelled"],
        "{events:?}"
    );
    let cancelled = events
        .iter()
        .find(|e| e.kind() == "order.cancelled")
        .unwrap();
    assert_eq!(
        cancelled.data,
        EventData::OrderCancelled {
            order_id: order.id,
            user_id: buyer.id,
            qty: qty(2),
            available: 5
        }
    );
    assert_eq!(
        (cancelled.drop_id, cancelled.creator_id),
        (Some(shop.drop.id), shop.seller.creator.id)
    );
    let audit = collect_pages(limit(10), |page| {
        ports.audit.entries_for(AuditTarget::Order(order.id), page)
    })
    .await;
    let actions: Vec<_> = audit.iter().map(|e| e.action).collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == AuditAction::OrderCancelled)
            .count(),
        1,
        "{audit:?}"
    );
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == AuditAction::OrderPlaced)
            .count(),
        1,
        "{audit:?}"
    );
}

/// Someone else's order, or an unknown one, is `NotFound`, and nothing changes.
pub async fn cancel_of_another_users_order_is_not_found(ports: &Ports) {
    let shop = live_drop(&*ports.catalog, 5).await;
    let (owner, intruder) = (user(&*ports.catalog).await, user(&*ports.catalog).await);
    let order = buy_ok(&*ports.ledger, owner.id, shop.drop.id, 1).await;
    assert_not_found(
        ports
            .ledger
            .cancel_order(order.id, intruder.id, now())
            .await,
        "someone else's order",
    );
    assert_not_found(
        ports
            .ledger
            .cancel_order(OrderId::new(), owner.id, now())
            .await,
        "unknown order",
    );
    assert_eq!(
        ports.ledger.order(order.id).await.unwrap().status,
        OrderStatus::Confirmed
    );
    let summary = assert_invariant(&*ports.ledger, shop.drop.id).await;
    assert_eq!((summary.available, summary.confirmed_orders), (4, 1));
}

/// Cancelling an order of a sold-out drop reopens it (`drop.restocked`, live again); the next
/// sell-out is announced again.
pub async fn cancel_reopens_a_sold_out_drop(ports: &Ports) {
    let shop = shop(&*ports.catalog, live_window(now()), plan(1, 0, None)).await;
    let (a, b) = (user(&*ports.catalog).await, user(&*ports.catalog).await);
    let order = buy_ok(&*ports.ledger, a.id, shop.drop.id, 1).await;
    assert_eq!(
        ports.ledger.stock(shop.drop.id).await.unwrap().status,
        DropStatus::SoldOut
    );

    assert!(
        ports
            .ledger
            .cancel_order(order.id, a.id, now())
            .await
            .unwrap()
            .changed
    );
    let stock = ports.ledger.stock(shop.drop.id).await.unwrap();
    assert_eq!((stock.available, stock.status), (1, DropStatus::Live));
    assert_eq!(
        ports.catalog.get_drop(shop.drop.id).await.unwrap().status,
        DropStatus::Live
    );
    buy_ok(&*ports.ledger, b.id, shop.drop.id, 1).await;
    assert_eq!(
        assert_invariant(&*ports.ledger, shop.drop.id).await.status,
        DropStatus::SoldOut
    );

    let events = drop_events(&*ports.outbox, shop.drop.id, 6).await;
    assert_eq!(
        kinds_among(
            &events,
            &[
                "order.confirmed",
                "order.cancelled",
                "drop.sold_out",
                "drop.restocked"
            ]
        ),
        [
            "order.confirmed",
            "drop.sold_out",
            "order.cancelled",
            "drop.restocked",
            "order.confirmed",
            "drop.sold_out"
        ],
        "{events:?}"
    );
    let restocked = events
        .iter()
        .find(|e| e.kind() == "drop.restocked")
        .unwrap();
    assert_eq!(restocked.data, EventData::DropRestocked { available: 1 });
}

/// A cancelled order no longer counts toward `maxPerUser`.
pub async fn cancel_frees_the_per_user_limit(ports: &Ports) {
    let shop = shop(&*ports.catalog, live_window(now()), plan(5, 0, Some(1))).await;
    let buyer = user(&*ports.catalog).await;
    let order = buy_ok(&*ports.ledger, buyer.id, shop.drop.id, 1).await;
    assert_eq!(
        rejection(buy(&*ports.ledger, buyer.id, shop.drop.id, 1).await),
        OrderRejection::LimitReached {
            limit: 1,
            already: 1
        }
    );
    ports
        .ledger
        .cancel_order(order.id, buyer.id, now())
        .await
        .unwrap();
    buy_ok(&*ports.ledger, buyer.id, shop.drop.id, 1).await;
    let summary = assert_invariant(&*ports.ledger, shop.drop.id).await;
    assert_eq!((summary.available, summary.confirmed_orders), (4, 1));
}
