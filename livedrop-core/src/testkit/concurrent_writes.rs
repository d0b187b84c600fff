//! More races (see [`concurrency`](super::concurrency) for how to run them): cancellation
//! returns stock once however many tasks cancel, buys racing cancels keep the books, and a
//! drop is never visible without its stock.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use tokio::sync::Barrier;

use super::fixtures::*;
use crate::domain::{DropStatus, OrderRejection};
use crate::ports::{Placement, Ports};
use crate::{Error, Result};

/// 16 tasks cancel one order at once: exactly one changes it, its units come back once, and
/// one `order.cancelled` is written.
pub async fn concurrent_cancels_return_stock_once(ports: &Ports) {
    let shop = live_drop(&*ports.catalog, 5).await;
    let buyer = user(&*ports.catalog).await.id;
    let order = buy_ok(&*ports.ledger, buyer, shop.drop.id, 3).await;
    let cancellations = race(16, |_| {
        let ledger = ports.ledger.clone();
        async move { ledger.cancel_order(order.id, buyer, now()).await.unwrap() }
    })
    .await;
    let mut changed = 0;
    for cancellation in cancellations {
        assert_eq!(cancellation.order.id, order.id);
        changed += usize::from(cancellation.changed);
    }
    assert_eq!(changed, 1, "exactly one cancel returns the units");
    let summary = assert_invariant(&*ports.ledger, shop.drop.id).await;
    assert_eq!((summary.available, summary.confirmed_orders), (5, 0));
    let events = drop_events(&*ports.outbox, shop.drop.id, 2).await;
    assert_eq!(count_kind(&events, "order.cancelled"), 1, "{events:?}");
}

/// 40 buyers race 10 cancellations on a drop of 20 whose first 10 units are sold: whatever
/// the interleaving, the books match the answers, stock never goes past its bounds, and the
/// sell-outs and reopenings announced alternate and agree with the final status.
pub async fn concurrent_buys_and_cancels_keep_the_books(ports: &Ports) {
    let shop = live_drop(&*ports.catalog, 20).await;
    let drop_id = shop.drop.id;
    let early = user(&*ports.catalog).await.id;
    let mut sold = Vec::new();
    for _ in 0..10 {
        sold.push(buy_ok(&*ports.ledger, early, drop_id, 1).await.id);
    }
    let buyers = users(&*ports.catalog, 40).await;
    let barrier = Arc::new(Barrier::new(50));
    let mut cancels = Vec::new();
    for order_id in sold {
        let (ledger, barrier) = (ports.ledger.clone(), barrier.clone());
        cancels.push(tokio::spawn(async move {
            barrier.wait().await;
            ledger
                .cancel_order(order_id, early, now())
                .await
                .unwrap()
                .changed
        }));
    }
    let mut buys = Vec::new();
    for buyer in &buyers {
        let (ledger, barrier, buyer) = (ports.ledger.clone(), barrier.clone(), buyer.id);
        buys.push(tokio::spawn(async move {
            barrier.wait().await;
            buy(&*ledger, buyer, drop_id, 1).await
        }));
    }
    for cancel in cancels {
        assert!(cancel.await.unwrap(), "each order is cancelled once");
    }
    let mut confirmed = 0u32;
    for task in buys {
        match task.await.unwrap() {
            Ok(Placement::Confirmed(_)) => confirmed += 1,
            Err(Error::Rejected(OrderRejection::SoldOut)) => {}
            other => panic!("a racing buyer got {other:?}"),
        }
    }
    assert!(
        (10..=20).contains(&confirmed),
        "{confirmed} buyers confirmed for 10 to 20 free units"
    );
    let summary = assert_invariant(&*ports.ledger, drop_id).await;
    assert_eq!(
        (summary.available, summary.confirmed_orders),
        (20 - confirmed, u64::from(confirmed))
    );
    let events = drop_events(&*ports.outbox, drop_id, 20 + confirmed as usize).await;
    let turns = kinds_among(&events, &["drop.sold_out", "drop.restocked"]);
    assert!(
        turns
            .iter()
            .enumerate()
            .all(|(i, kind)| *kind == ["drop.sold_out", "drop.restocked"][i % 2]),
        "sell-outs and reopenings must alternate: {turns:?}"
    );
    let sold_out_now = turns.len() % 2 == 1;
    assert_eq!(
        sold_out_now,
        summary.status == DropStatus::SoldOut,
        "{turns:?} vs {summary:?}"
    );
    assert_eq!(sold_out_now, summary.available == 0);
}

/// While drops are being created, every drop a reader can see (in the scheduled list) already
/// has its stock. The writer pauses halfway until the reader has made a pass, so the reader
/// runs during the second half of the writes on every run.
pub async fn drops_are_never_visible_without_stock(ports: &Ports) {
    let seller = seller(&*ports.catalog).await;
    let product = product(&*ports.catalog, &seller).await;
    let done = Arc::new(AtomicBool::new(false));
    let passes = Arc::new(AtomicUsize::new(0));
    let (catalog, flag, s, p) = (
        ports.catalog.clone(),
        done.clone(),
        seller.clone(),
        product.clone(),
    );
    let seen_passes = passes.clone();
    let writer = tokio::spawn(async move {
        let mut ids = Vec::new();
        for i in 0..40 {
            let drop = drop_of(&*catalog, &s, &p, scheduled_window(now()), plan(3, 0, None)).await;
            ids.push(drop.id);
            if i == 19 {
                let before = seen_passes.load(Ordering::SeqCst);
                let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
                while seen_passes.load(Ordering::SeqCst) <= before
                    && tokio::time::Instant::now() < deadline
                {
                    tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                }
            }
            tokio::task::yield_now().await;
        }
        flag.store(true, Ordering::SeqCst);
        ids
    });
    let mut checked = HashSet::new();
    while !done.load(Ordering::SeqCst) {
        let listed = collect_pages(limit(100), |page| {
            ports.catalog.drops_by_status(DropStatus::Scheduled, page)
        })
        .await;
        for drop in listed.iter().filter(|d| d.product_id == product.id) {
            let stock: Result<_> = ports.ledger.stock(drop.id).await;
            match stock {
                Ok(stock) => assert_eq!(stock.available, 3),
                Err(error) => panic!(
                    "drop {} is listed but its stock is not there: {error:?}",
                    drop.id
                ),
            }
            checked.insert(drop.id);
        }
        passes.fetch_add(1, Ordering::SeqCst);
        tokio::task::yield_now().await;
    }
    let ids = writer.await.unwrap();
    for id in &ids {
        assert_eq!(ports.catalog.get_drop(*id).await.unwrap().id, *id);
        assert_eq!(ports.ledger.stock(*id).await.unwrap().available, 3);
    }
    assert!(
        checked.len() >= 20,
        "the reader checked only {} drops",
        checked.len()
    );
}
