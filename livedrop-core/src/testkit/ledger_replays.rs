//! Retries under one `(user, idempotency key)`: the ledger's unique key is the authority,
//! so a retry returns the first order (`Placement::Existing`) and takes nothing, and another
//! payload under the same key is `IdempotencyMismatch`.

use chrono::TimeDelta;

use super::fixtures::*;
use crate::Error;
use crate::domain::DropStatus;
use crate::pagination::PageRequest;
use crate::ports::{Placement, Ports};

/// A retry with the same `(user, key)`, drop and quantity returns the first order as
/// `Existing` and takes nothing, even with a new order id and a later instant.
pub async fn same_key_returns_the_existing_order_without_taking_stock(ports: &Ports) {
    let shop = live_drop(&*ports.catalog, 5).await;
    let buyer = user(&*ports.catalog).await;
    let k = key();
    let first = order_request(buyer.id, shop.drop.id, 2, &k);
    let order = ports
        .ledger
        .place_order(&first)
        .await
        .unwrap()
        .order()
        .clone();
    for _ in 0..3 {
        let mut retry = order_request(buyer.id, shop.drop.id, 2, &k);
        retry.now = first.now + TimeDelta::milliseconds(5);
        assert_eq!(
            ports.ledger.place_order(&retry).await.unwrap(),
            Placement::Existing(order.clone())
        );
    }
    let summary = assert_invariant(&*ports.ledger, shop.drop.id).await;
    assert_eq!((summary.available, summary.confirmed_orders), (3, 1));
    let orders = ports
        .ledger
        .orders_by_user(buyer.id, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(orders.items, vec![order.clone()]);
    let events = drop_events(&*ports.outbox, shop.drop.id, 1).await;
    assert_eq!(
        count_kind(&events, "order.confirmed"),
        1,
        "a replay emits nothing: {events:?}"
    );
}

/// The same `(user, key)` with another drop or quantity is `IdempotencyMismatch`, and
/// writes nothing.
pub async fn same_key_with_another_payload_is_a_mismatch(ports: &Ports) {
    let shop = live_drop(&*ports.catalog, 5).await;
    let other_drop = drop_of(
        &*ports.catalog,
        &shop.seller,
        &shop.product,
        live_window(now()),
        plan(5, 0, None),
    )
    .await;
    let buyer = user(&*ports.catalog).await;
    let k = key();
    ports
        .ledger
        .place_order(&order_request(buyer.id, shop.drop.id, 1, &k))
        .await
        .unwrap();
    let before = assert_invariant(&*ports.ledger, shop.drop.id).await;
    let other_before = assert_invariant(&*ports.ledger, other_drop.id).await;
    for req in [
        order_request(buyer.id, shop.drop.id, 2, &k),
        order_request(buyer.id, other_drop.id, 1, &k),
    ] {
        match ports.ledger.place_order(&req).await {
            Err(Error::IdempotencyMismatch) => {}
            other => panic!("expected IdempotencyMismatch, got {other:?}"),
        }
    }
    let after = assert_invariant(&*ports.ledger, shop.drop.id).await;
    assert_eq!(after.available, before.available);
    let other_after = assert_invariant(&*ports.ledger, other_drop.id).await;
    assert_eq!(other_after.available, other_before.available);
    let orders = ports
        .ledger
        .orders_by_user(buyer.id, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(orders.items.len(), 1, "{orders:?}");
}

/// Keys are scoped per user: two buyers using the same key text get two orders.
pub async fn same_key_of_different_users_are_different_orders(ports: &Ports) {
    let shop = live_drop(&*ports.catalog, 5).await;
    let k = key();
    let (a, b) = (user(&*ports.catalog).await, user(&*ports.catalog).await);
    let first = ports
        .ledger
        .place_order(&order_request(a.id, shop.drop.id, 1, &k))
        .await
        .unwrap();
    let second = ports
        .ledger
        .place_order(&order_request(b.id, shop.drop.id, 1, &k))
        .await
        .unwrap();
    assert!(matches!(first, Placement::Confirmed(_)) && matches!(second, Placement::Confirmed(_)));
    assert_ne!(first.order().id, second.order().id);
    let summary = assert_invariant(&*ports.ledger, shop.drop.id).await;
    assert_eq!((summary.available, summary.confirmed_orders), (3, 2));
}

/// The stored answer wins over the drop's current state: a retry after the drop sold out
/// still returns the buyer's order, not `sold_out`.
pub async fn same_key_after_sell_out_returns_the_existing_order(ports: &Ports) {
    let shop = live_drop(&*ports.catalog, 1).await;
    let buyer = user(&*ports.catalog).await;
    let k = key();
    let order = ports
        .ledger
        .place_order(&order_request(buyer.id, shop.drop.id, 1, &k))
        .await
        .unwrap()
        .order()
        .clone();
    assert_eq!(
        ports.ledger.stock(shop.drop.id).await.unwrap().status,
        DropStatus::SoldOut
    );
    let retry = ports
        .ledger
        .place_order(&order_request(buyer.id, shop.drop.id, 1, &k))
        .await
        .unwrap();
    assert_eq!(retry, Placement::Existing(order));
    assert_invariant(&*ports.ledger, shop.drop.id).await;
}

/// A retry of a cancelled order's key returns that order (`Existing`) and takes nothing.
pub async fn retry_of_a_cancelled_order_takes_nothing(ports: &Ports) {
    let shop = live_drop(&*ports.catalog, 5).await;
    let buyer = user(&*ports.catalog).await;
    let k = key();
    let placed = ports
        .ledger
        .place_order(&order_request(buyer.id, shop.drop.id, 2, &k))
        .await
        .unwrap();
    let cancelled = ports
        .ledger
        .cancel_order(placed.order().id, buyer.id, now())
        .await
        .unwrap();
    let retry = ports
        .ledger
        .place_order(&order_request(buyer.id, shop.drop.id, 2, &k))
        .await
        .unwrap();
    assert_eq!(retry, Placement::Existing(cancelled.order));
    let summary = assert_invariant(&*ports.ledger, shop.drop.id).await;
    assert_eq!((summary.available, summary.confirmed_orders), (5, 0));
}
