//! Allotments: several batched ledgers (server instances) on one database, and the lanes of
//! one ledger, each sell a hot drop from stock allotted to them, and the drop's rules still hold exactly: the stock
//! sells out to the unit, `stock.low` and `drop.sold_out` are announced once, readers see
//! the units left, and units allotted to an instance that stopped are sold at the end.
#![cfg(feature = "postgres")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::Arc;

use livedrop_adapters::postgres::{LedgerMode, PgBackend};
use livedrop_core::Error;
use livedrop_core::domain::{DropStatus, OrderRejection};
use livedrop_core::ports::{Ledger, Placement, Ports};
use livedrop_core::testkit::fixtures::{
    assert_invariant, count_kind, drop_events, key, live_window, now, order_request, plan, race,
    shop, users,
};
use uuid::Uuid;

async fn backend() -> Option<PgBackend> {
    support::postgres::backend(LedgerMode::default()).await
}

/// Units per holder in the drop's allotments.
async fn allotments(backend: &PgBackend, drop_id: Uuid) -> Vec<(Uuid, i32)> {
    sqlx::query_as("SELECT holder, units FROM drop_allotments WHERE drop_id = $1 ORDER BY holder")
        .bind(drop_id)
        .fetch_all(backend.pool())
        .await
        .unwrap()
}

/// Sells a 2,000-unit drop (low-stock threshold 200) to 64 buyers ordering one unit at a
/// time through `ledgers` in turn, and checks that it sold out to the unit, announcing
/// `stock.low` and `drop.sold_out` once; returns each allotment holder's units left.
async fn sell_out_through(backend: &PgBackend, ledgers: &[Ports]) -> Vec<(Uuid, i32)> {
    let (stock, threshold) = (2_000, 200);
    let shop = shop(
        &*ledgers[0].catalog,
        live_window(now()),
        plan(stock, threshold, None),
    )
    .await;
    let drop_id = shop.drop.id;
    let buyers = users(&*ledgers[0].catalog, 64).await;
    // 2,000 units go in many batches, so allotments are granted, topped up and taken back.
    let confirmed = race(buyers.len(), |i| {
        let ledger: Arc<dyn Ledger> = ledgers[i % ledgers.len()].ledger.clone();
        let buyer = buyers[i].id;
        async move {
            let mut mine = 0u32;
            loop {
                match ledger
                    .place_order(&order_request(buyer, drop_id, 1, &key()))
                    .await
                {
                    Ok(Placement::Confirmed(_)) => mine += 1,
                    Err(Error::Rejected(OrderRejection::SoldOut)) => return mine,
                    other => panic!("a buyer got {other:?}"),
                }
            }
        }
    })
    .await;
    assert_eq!(confirmed.iter().sum::<u32>(), stock, "sold to the unit");

    let summary = assert_invariant(&*ledgers[ledgers.len() - 1].ledger, drop_id).await;
    assert_eq!(
        (summary.available, summary.status),
        (0, DropStatus::SoldOut)
    );
    let events = drop_events(&*ledgers[0].outbox, drop_id, stock as usize + 2).await;
    assert_eq!(count_kind(&events, "order.confirmed"), stock as usize);
    assert_eq!(count_kind(&events, "stock.low"), 1);
    assert_eq!(count_kind(&events, "drop.sold_out"), 1);
    allotments(backend, drop_id.as_uuid()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_sell_exactly_the_stock_and_announce_each_crossing_once() {
    let Some(backend) = support::postgres::backend(LedgerMode::default().with_lanes(1)).await
    else {
        return;
    };
    // Two ledgers of one lane each on one database: two holders, as two server processes
    // of one lane are.
    let instances: Vec<Ports> = (0..2)
        .map(|_| backend.ports(support::postgres::base()))
        .collect();
    let held = sell_out_through(&backend, &instances).await;
    assert_eq!(
        held.len(),
        2,
        "both instances were allotted stock: {held:?}"
    );
    assert!(held.iter().all(|(_, units)| *units == 0), "{held:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_lane_of_one_ledger_sells_from_an_allotment_of_its_own() {
    let Some(backend) = backend().await else {
        return;
    };
    let lanes = match LedgerMode::default() {
        LedgerMode::Batched { lanes, .. } => lanes,
        LedgerMode::PerOrder => panic!("the default ledger batches"),
    };
    assert!(lanes > 1, "the default has lanes to test");
    let ledger = backend.ports(support::postgres::base());
    let held = sell_out_through(&backend, std::slice::from_ref(&ledger)).await;
    assert_eq!(
        held.len(),
        lanes,
        "each lane was allotted stock under its own name: {held:?}"
    );
    assert!(held.iter().all(|(_, units)| *units == 0), "{held:?}");
}

#[tokio::test]
async fn readers_count_the_allotted_units_as_left() {
    let Some(backend) = backend().await else {
        return;
    };
    let ports = backend.ports(support::postgres::base());
    let shop = shop(&*ports.catalog, live_window(now()), plan(10_000, 100, None)).await;
    let buyer = users(&*ports.catalog, 1).await.remove(0);
    for _ in 0..3 {
        let request = order_request(buyer.id, shop.drop.id, 2, &key());
        ports.ledger.place_order(&request).await.unwrap();
    }
    let held = allotments(&backend, shop.drop.id.as_uuid()).await;
    assert!(
        held.iter().any(|(_, units)| *units > 0),
        "the orders were sold from an allotment: {held:?}"
    );
    assert_eq!(
        ports.ledger.stock(shop.drop.id).await.unwrap().available,
        9_994
    );
    assert_eq!(
        assert_invariant(&*ports.ledger, shop.drop.id)
            .await
            .available,
        9_994
    );
}

#[tokio::test]
async fn a_cancellation_takes_the_allotments_back_and_restocks_exactly() {
    let Some(backend) = backend().await else {
        return;
    };
    let ports = backend.ports(support::postgres::base());
    let shop = shop(&*ports.catalog, live_window(now()), plan(1_000, 10, None)).await;
    let buyer = users(&*ports.catalog, 1).await.remove(0);
    let request = order_request(buyer.id, shop.drop.id, 3, &key());
    let order = match ports.ledger.place_order(&request).await.unwrap() {
        Placement::Confirmed(order) => order,
        other => panic!("{other:?}"),
    };
    ports
        .ledger
        .cancel_order(order.id, buyer.id, now())
        .await
        .unwrap();
    let held = allotments(&backend, shop.drop.id.as_uuid()).await;
    assert!(held.iter().all(|(_, units)| *units == 0), "{held:?}");
    let stock: i32 = sqlx::query_scalar("SELECT available FROM drop_stock WHERE drop_id = $1")
        .bind(shop.drop.id.as_uuid())
        .fetch_one(backend.pool())
        .await
        .unwrap();
    assert_eq!(stock, 1_000, "the stock row holds every unit again");
    assert_eq!(
        assert_invariant(&*ports.ledger, shop.drop.id)
            .await
            .available,
        1_000
    );
}

#[tokio::test]
async fn units_allotted_to_a_stopped_instance_are_sold_by_another() {
    let Some(backend) = backend().await else {
        return;
    };
    let first = backend.ports(support::postgres::base());
    let (stock, threshold) = (500, 50);
    let shop = shop(
        &*first.catalog,
        live_window(now()),
        plan(stock, threshold, None),
    )
    .await;
    let buyer = users(&*first.catalog, 1).await.remove(0);
    // The first order starts the drop (on the stock row); the second is sold from an
    // allotment.
    for _ in 0..2 {
        let request = order_request(buyer.id, shop.drop.id, 1, &key());
        first.ledger.place_order(&request).await.unwrap();
    }
    let stranded = allotments(&backend, shop.drop.id.as_uuid()).await;
    assert!(stranded.iter().any(|(_, units)| *units > 0), "{stranded:?}");
    drop(first);

    // Another instance sells the rest, the stranded units included.
    let second = backend.ports(support::postgres::base());
    let mut sold = 2;
    loop {
        let request = order_request(buyer.id, shop.drop.id, 1, &key());
        match second.ledger.place_order(&request).await {
            Ok(Placement::Confirmed(_)) => sold += 1,
            Err(Error::Rejected(OrderRejection::SoldOut)) => break,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(sold, stock);
    let summary = assert_invariant(&*second.ledger, shop.drop.id).await;
    assert_eq!(
        (summary.available, summary.status),
        (0, DropStatus::SoldOut)
    );
}
