//! What [`Ledger::place_order`](crate::ports::Ledger::place_order) writes besides the order:
//! its events in the outbox (read through the [`Outbox`](crate::ports::Outbox) port and
//! filtered by drop, so a shared backend is fine) and its audit entry.

use super::fixtures::*;
use crate::domain::{AuditAction, AuditTarget, DropStatus, EventData};
use crate::pagination::PageRequest;
use crate::ports::Ports;

const ORDER_PATH: &[&str] = &[
    "drop.started",
    "order.confirmed",
    "stock.low",
    "drop.sold_out",
    "drop.restocked",
];

/// A confirmed order appends one `order.confirmed` about its drop and creator, carrying the
/// order, buyer, quantity and stock left, and one `order.placed` audit entry.
pub async fn place_order_appends_order_confirmed_and_audit_entry(ports: &Ports) {
    let shop = live_drop(&*ports.catalog, 5).await;
    let buyer = user(&*ports.catalog).await;
    let order = buy_ok(&*ports.ledger, buyer.id, shop.drop.id, 2).await;

    let events = drop_events(&*ports.outbox, shop.drop.id, 2).await;
    let confirmed: Vec<_> = events
        .iter()
        .filter(|e| e.kind() == "order.confirmed")
        .collect();
    assert_eq!(confirmed.len(), 1, "{events:?}");
    let event = confirmed[0];
    assert_eq!(event.creator_id, shop.seller.creator.id);
    assert_eq!(event.drop_id, Some(shop.drop.id));
    assert_eq!(
        event.data,
        EventData::OrderConfirmed {
            order_id: order.id,
            user_id: buyer.id,
            qty: qty(2),
            available: 3,
        }
    );

    let audit = ports
        .audit
        .entries_for(AuditTarget::Order(order.id), PageRequest::default())
        .await
        .unwrap();
    assert_eq!(audit.items.len(), 1, "{audit:?}");
    assert_eq!(audit.items[0].action, AuditAction::OrderPlaced);
    assert_eq!(audit.items[0].target, AuditTarget::Order(order.id));
}

/// The first order of a drop that became live applies and announces the start once, before
/// its own confirmation; later orders do not announce it again.
pub async fn first_order_announces_the_due_start_once(ports: &Ports) {
    let shop = live_drop(&*ports.catalog, 10).await;
    for _ in 0..3 {
        let buyer = user(&*ports.catalog).await;
        buy_ok(&*ports.ledger, buyer.id, shop.drop.id, 1).await;
    }
    let events = drop_events(&*ports.outbox, shop.drop.id, 4).await;
    assert_eq!(
        kinds_among(&events, ORDER_PATH),
        [
            "drop.started",
            "order.confirmed",
            "order.confirmed",
            "order.confirmed"
        ],
        "{events:?}"
    );
    let started = events.iter().find(|e| e.kind() == "drop.started").unwrap();
    assert_eq!(started.data, EventData::DropStarted { available: 10 });
    assert_eq!(started.creator_id, shop.seller.creator.id);
}

/// `stock.low` fires once per drop, from the order that brings stock to the threshold, with
/// the stock and threshold; not again below it, nor after a cancellation lifts stock back.
pub async fn stock_low_is_emitted_exactly_once(ports: &Ports) {
    let shop = shop(&*ports.catalog, live_window(now()), plan(5, 2, None)).await;
    let buyer = user(&*ports.catalog).await;
    let mut orders = Vec::new();
    for _ in 0..4 {
        orders.push(buy_ok(&*ports.ledger, buyer.id, shop.drop.id, 1).await);
    }
    // available: 4, 3, 2 (low), 1
    let cancelled = ports
        .ledger
        .cancel_order(orders[3].id, buyer.id, now())
        .await
        .unwrap();
    assert!(cancelled.changed);
    buy_ok(&*ports.ledger, buyer.id, shop.drop.id, 1).await; // 2 -> 1 again
    assert_invariant(&*ports.ledger, shop.drop.id).await;

    let events = drop_events(&*ports.outbox, shop.drop.id, 8).await;
    assert_eq!(
        kinds_among(&events, &["order.confirmed", "stock.low"]),
        [
            "order.confirmed",
            "order.confirmed",
            "order.confirmed",
            "stock.low",
            "order.confirmed",
            "order.confirmed"
        ],
        "{events:?}"
    );
    let low = events.iter().find(|e| e.kind() == "stock.low").unwrap();
    assert_eq!(
        low.data,
        EventData::StockLow {
            available: 2,
            threshold: 2
        }
    );
}

/// One order can cross the threshold and sell out: `order.confirmed`, `stock.low`,
/// `drop.sold_out`, in that order, each once; refused orders afterwards add nothing.
pub async fn sell_out_is_emitted_exactly_once(ports: &Ports) {
    let shop = shop(&*ports.catalog, live_window(now()), plan(3, 1, None)).await;
    let buyer = user(&*ports.catalog).await;
    buy_ok(&*ports.ledger, buyer.id, shop.drop.id, 3).await;
    for _ in 0..3 {
        let late = user(&*ports.catalog).await;
        assert_eq!(
            rejection(buy(&*ports.ledger, late.id, shop.drop.id, 1).await),
            crate::domain::OrderRejection::SoldOut
        );
    }
    let summary = assert_invariant(&*ports.ledger, shop.drop.id).await;
    assert_eq!(
        (summary.available, summary.status),
        (0, DropStatus::SoldOut)
    );
    assert_eq!(
        ports.catalog.get_drop(shop.drop.id).await.unwrap().status,
        DropStatus::SoldOut
    );

    let events = drop_events(&*ports.outbox, shop.drop.id, 4).await;
    assert_eq!(
        kinds_among(&events, ORDER_PATH),
        [
            "drop.started",
            "order.confirmed",
            "stock.low",
            "drop.sold_out"
        ],
        "{events:?}"
    );
    let low = events.iter().find(|e| e.kind() == "stock.low").unwrap();
    assert_eq!(
        low.data,
        EventData::StockLow {
            available: 0,
            threshold: 1
        }
    );
}

/// A threshold of 0 turns `stock.low` off; selling out unit by unit announces the sell-out
/// once, from the last unit.
pub async fn zero_threshold_never_warns_and_sell_out_comes_from_the_last_unit(ports: &Ports) {
    let shop = live_drop(&*ports.catalog, 3).await;
    for _ in 0..3 {
        let buyer = user(&*ports.catalog).await;
        buy_ok(&*ports.ledger, buyer.id, shop.drop.id, 1).await;
    }
    let events = drop_events(&*ports.outbox, shop.drop.id, 5).await;
    assert_eq!(
        kinds_among(&events, ORDER_PATH),
        [
            "drop.started",
            "order.confirmed",
            "order.confirmed",
            "order.confirmed",
            "drop.sold_out"
        ],
        "{events:?}"
    );
    let last_confirmed = events
        .iter()
        .rfind(|e| e.kind() == "order.confirmed")
        .unwrap();
    assert!(matches!(
        last_confirmed.data,
        EventData::OrderConfirmed { available: 0, .. }
    ));
}
