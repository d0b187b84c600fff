//! [`Ledger::place_order`](crate::ports::Ledger::place_order): confirmations, refusals that
//! write nothing, reads and pagination.
//!
//! Retries under one idempotency key are checked in [`ledger_replays`](super::ledger_replays),
//! the events and audit entries the ledger writes in [`ledger_events`](super::ledger_events),
//! cancellation in [`ledger_cancel`](super::ledger_cancel) and time transitions in
//! [`ledger_schedule`](super::ledger_schedule).

use chrono::TimeDelta;

use super::fixtures::*;
use crate::domain::{AuditTarget, DropStatus, EventData, Order, OrderRejection, OrderStatus};
use crate::ids::{DropId, OrderId, UserId};
use crate::pagination::PageRequest;
use crate::ports::{LedgerSummary, OrderRequest, Placement, Ports};
/// Checks that `order` is what `req` asked for, freshly confirmed.
pub fn assert_order_matches(order: &Order, req: &OrderRequest) {
    assert_eq!(order.id, req.order_id, "the order keeps the caller's id");
    assert_eq!(order.user_id, req.user_id);
    assert_eq!(order.drop_id, req.drop_id);
    assert_eq!(order.qty, req.qty);
    assert_eq!(order.status, OrderStatus::Confirmed);
    assert_eq!(order.idempotency_key, req.idempotency_key);
    assert_eq!(
        order.created_at, req.now,
        "an order is confirmed at the instant it is decided"
    );
    assert_eq!(order.cancelled_at, None);
}

/// Checks that a refused `req` left no trace: the drop's books equal `before`, no order,
/// no audit entry and no event mention it.
pub async fn assert_refusal_wrote_nothing(
    ports: &Ports,
    req: &OrderRequest,
    before: &LedgerSummary,
) {
    let after = assert_invariant(&*ports.ledger, req.drop_id).await;
    assert_eq!(
        (
            after.available,
            after.confirmed_units,
            after.confirmed_orders
        ),
        (
            before.available,
            before.confirmed_units,
            before.confirmed_orders
        ),
        "a refusal takes no stock"
    );
    assert_not_found(
        ports.ledger.order(req.order_id).await,
        "a refused order is not stored",
    );
    let mine = collect_pages(limit(100), |page| {
        ports.ledger.orders_by_user(req.user_id, page)
    })
    .await;
    assert!(
        mine.iter()
            .all(|o| o.id != req.order_id && o.idempotency_key != req.idempotency_key),
        "a refused order is not listed: {mine:?}"
    );
    let audit = ports
        .audit
        .entries_for(AuditTarget::Order(req.order_id), PageRequest::default())
        .await
        .unwrap();
    assert!(
        audit.items.is_empty(),
        "a refusal is not audited as an order: {audit:?}"
    );
    let events = outbox_events(&*ports.outbox, 0, |e| {
        event_order_id(&e.data) == Some(req.order_id)
    })
    .await;
    assert!(
        events.is_empty(),
        "a refusal emits no order event: {events:?}"
    );
}

/// The order an `order.*` event is about.
pub fn event_order_id(data: &EventData) -> Option<OrderId> {
    match data {
        EventData::OrderConfirmed { order_id, .. } | EventData::OrderCancelled { order_id, .. } => {
            Some(*order_id)
        }
        _ => None,
    }
}

/// A confirmed order takes its units, is stored, readable by id and listed for its buyer.
pub async fn place_order_confirms_takes_stock_and_stores_the_order(ports: &Ports) {
    let shop = live_drop(&*ports.catalog, 5).await;
    let buyer = user(&*ports.catalog).await;
    let req = order_request(buyer.id, shop.drop.id, 2, &key());
    let order = match ports.ledger.place_order(&req).await.unwrap() {
        Placement::Confirmed(order) => order,
        other => panic!("expected Confirmed, got {other:?}"),
    };
    assert_order_matches(&order, &req);

    let stock = ports.ledger.stock(shop.drop.id).await.unwrap();
    assert_eq!(stock.drop_id, shop.drop.id);
    assert_eq!(stock.available, 3);
    assert_eq!(
        stock.status,
        DropStatus::Live,
        "the start due at req.now was applied"
    );
    assert_eq!(ports.ledger.order(order.id).await.unwrap(), order);
    let listed = ports
        .ledger
        .orders_by_user(buyer.id, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(listed.items, vec![order.clone()]);
    assert_eq!(listed.next_cursor, None);

    let summary = assert_invariant(&*ports.ledger, shop.drop.id).await;
    assert_eq!(
        (
            summary.initial_stock,
            summary.available,
            summary.confirmed_units,
            summary.confirmed_orders,
            summary.status
        ),
        (5, 3, 2, 1, DropStatus::Live)
    );
}

/// The last units sell out the drop; the next order is `sold_out` and writes nothing.
pub async fn place_order_sold_out_writes_nothing(ports: &Ports) {
    let shop = live_drop(&*ports.catalog, 2).await;
    let first = user(&*ports.catalog).await;
    buy_ok(&*ports.ledger, first.id, shop.drop.id, 2).await;
    let before = assert_invariant(&*ports.ledger, shop.drop.id).await;
    assert_eq!((before.available, before.status), (0, DropStatus::SoldOut));

    let late = user(&*ports.catalog).await;
    let req = order_request(late.id, shop.drop.id, 1, &key());
    assert_eq!(
        rejection(ports.ledger.place_order(&req).await),
        OrderRejection::SoldOut
    );
    assert_refusal_wrote_nothing(ports, &req, &before).await;
}

/// Asking for more than is left is `insufficient_stock` with what is left; nothing is written
/// and the key stays unused.
pub async fn place_order_insufficient_stock_writes_nothing(ports: &Ports) {
    let shop = live_drop(&*ports.catalog, 3).await;
    let buyer = user(&*ports.catalog).await;
    let before = assert_invariant(&*ports.ledger, shop.drop.id).await;
    let k = key();
    let req = order_request(buyer.id, shop.drop.id, 5, &k);
    assert_eq!(
        rejection(ports.ledger.place_order(&req).await),
        OrderRejection::InsufficientStock { available: 3 }
    );
    assert_refusal_wrote_nothing(ports, &req, &before).await;

    let retry = order_request(buyer.id, shop.drop.id, 3, &k);
    match ports.ledger.place_order(&retry).await.unwrap() {
        Placement::Confirmed(order) => assert_order_matches(&order, &retry),
        other => panic!(
            "a refused request stores nothing under its key, so a new payload is a new order: {other:?}"
        ),
    }
}

/// A drop whose window has not opened refuses orders as `drop_not_live` (scheduled).
pub async fn place_order_on_scheduled_drop_is_not_live(ports: &Ports) {
    let shop = shop(&*ports.catalog, scheduled_window(now()), plan(5, 0, None)).await;
    let buyer = user(&*ports.catalog).await;
    let before = assert_invariant(&*ports.ledger, shop.drop.id).await;
    let req = order_request(buyer.id, shop.drop.id, 1, &key());
    assert_eq!(
        rejection(ports.ledger.place_order(&req).await),
        OrderRejection::DropNotLive {
            drop_status: DropStatus::Scheduled
        }
    );
    assert_refusal_wrote_nothing(ports, &req, &before).await;
    assert_eq!(
        ports.ledger.stock(shop.drop.id).await.unwrap().status,
        DropStatus::Scheduled
    );
}

/// A drop whose window has closed refuses orders as `drop_not_live` (ended); the end that was
/// due is applied (and announced) once even though the order is refused.
pub async fn place_order_on_ended_drop_is_not_live(ports: &Ports) {
    let shop = shop(&*ports.catalog, ended_window(now()), plan(5, 0, None)).await;
    let buyer = user(&*ports.catalog).await;
    let before = assert_invariant(&*ports.ledger, shop.drop.id).await;
    for _ in 0..2 {
        let req = order_request(buyer.id, shop.drop.id, 1, &key());
        assert_eq!(
            rejection(ports.ledger.place_order(&req).await),
            OrderRejection::DropNotLive {
                drop_status: DropStatus::Ended
            }
        );
        assert_refusal_wrote_nothing(ports, &req, &before).await;
    }
    assert_eq!(
        ports.ledger.stock(shop.drop.id).await.unwrap().status,
        DropStatus::Ended
    );
    assert_eq!(
        ports.catalog.get_drop(shop.drop.id).await.unwrap().status,
        DropStatus::Ended
    );
    let events = drop_events(&*ports.outbox, shop.drop.id, 1).await;
    assert_eq!(
        count_kind(&events, "drop.ended"),
        1,
        "the due end is written once: {events:?}"
    );
    assert_eq!(
        count_kind(&events, "drop.started"),
        0,
        "a missed window never went live: {events:?}"
    );
}

/// `maxPerUser` counts what the buyer already holds: over it is `limit_reached`, nothing is
/// written, and other buyers are not affected.
pub async fn place_order_over_the_per_user_limit_is_refused(ports: &Ports) {
    let shop = shop(&*ports.catalog, live_window(now()), plan(10, 0, Some(2))).await;
    let buyer = user(&*ports.catalog).await;

    let greedy = order_request(buyer.id, shop.drop.id, 3, &key());
    let before = assert_invariant(&*ports.ledger, shop.drop.id).await;
    assert_eq!(
        rejection(ports.ledger.place_order(&greedy).await),
        OrderRejection::LimitReached {
            limit: 2,
            already: 0
        }
    );
    assert_refusal_wrote_nothing(ports, &greedy, &before).await;

    buy_ok(&*ports.ledger, buyer.id, shop.drop.id, 1).await;
    buy_ok(&*ports.ledger, buyer.id, shop.drop.id, 1).await;
    let before = assert_invariant(&*ports.ledger, shop.drop.id).await;
    let third = order_request(buyer.id, shop.drop.id, 1, &key());
    assert_eq!(
        rejection(ports.ledger.place_order(&third).await),
        OrderRejection::LimitReached {
            limit: 2,
            already: 2
        }
    );
    assert_refusal_wrote_nothing(ports, &third, &before).await;

    let other = user(&*ports.catalog).await;
    buy_ok(&*ports.ledger, other.id, shop.drop.id, 2).await;
    let summary = assert_invariant(&*ports.ledger, shop.drop.id).await;
    assert_eq!((summary.available, summary.confirmed_orders), (6, 3));
}

/// An unknown drop is refused as `drop_not_found` (a refusal, not `Error::NotFound`).
pub async fn place_order_on_unknown_drop_is_refused(ports: &Ports) {
    let buyer = user(&*ports.catalog).await;
    let req = order_request(buyer.id, DropId::new(), 1, &key());
    assert_eq!(
        rejection(ports.ledger.place_order(&req).await),
        OrderRejection::DropNotFound
    );
    assert_not_found(
        ports.ledger.order(req.order_id).await,
        "no order for an unknown drop",
    );
    let orders = ports
        .ledger
        .orders_by_user(buyer.id, PageRequest::default())
        .await
        .unwrap();
    assert!(orders.items.is_empty(), "{orders:?}");
    assert_not_found(
        ports.ledger.stock(req.drop_id).await,
        "stock of an unknown drop",
    );
    assert_not_found(
        ports.ledger.summary(req.drop_id).await,
        "summary of an unknown drop",
    );
}

/// Unknown order ids are `Error::NotFound`.
pub async fn unknown_order_is_not_found(ports: &Ports) {
    assert_not_found(ports.ledger.order(OrderId::new()).await, "unknown order");
}

/// A user's orders come newest first by `(created_at, id)`, each exactly once across pages,
/// and only theirs.
pub async fn orders_by_user_are_newest_first_and_paginated(ports: &Ports) {
    let shop = shop(
        &*ports.catalog,
        live_window(now() - TimeDelta::minutes(30)),
        plan(100, 0, None),
    )
    .await;
    let buyer = user(&*ports.catalog).await;
    let stranger = user(&*ports.catalog).await;
    let base = now() - TimeDelta::minutes(10);
    // Out of time order, with two orders sharing an instant (the id breaks the tie).
    let mut placed = Vec::new();
    for offset in [3, 0, 4, 1, 1, 6, 2] {
        let mut req = order_request(buyer.id, shop.drop.id, 1, &key());
        req.now = base + TimeDelta::seconds(offset);
        placed.push(
            ports
                .ledger
                .place_order(&req)
                .await
                .unwrap()
                .order()
                .clone(),
        );
        buy_ok(&*ports.ledger, stranger.id, shop.drop.id, 1).await;
    }
    placed.sort_by_key(|o| std::cmp::Reverse((o.created_at, o.id)));
    for size in [1, 2, 3, 100] {
        let listed = collect_pages(limit(size), |page| {
            ports.ledger.orders_by_user(buyer.id, page)
        })
        .await;
        assert_eq!(listed, placed, "page size {size}");
    }
    let nobody = ports
        .ledger
        .orders_by_user(UserId::new(), PageRequest::default())
        .await
        .unwrap();
    assert!(nobody.items.is_empty() && nobody.next_cursor.is_none());
}
