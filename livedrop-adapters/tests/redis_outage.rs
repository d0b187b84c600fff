//! Redis crashes in the middle of an order load and comes back: orders keep succeeding on
//! the ledger's unique key, none is placed twice, and the fast path recovers by itself.
#![cfg(all(feature = "redis", feature = "postgres"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::time::Duration;

use livedrop_adapters::postgres::LedgerMode;
use livedrop_adapters::redis::RedisBackend;
use livedrop_core::clock::SystemClock;
use livedrop_core::domain::{IdempotencyKey, Quantity};
use livedrop_core::ids::{DropId, OrderId, UserId};
use livedrop_core::ports::{IdempotencyRecord, IdempotencyStore};
use livedrop_core::services::OrderService;
use livedrop_core::testkit::fixtures;
use support::redis_server::RedisServer;

const BUYERS: usize = 8;
/// Phases of the run, as the buyers see them.
const UP: u8 = 0;
const DOWN: u8 = 1;
const BACK: u8 = 2;

/// What one order (and its immediate retry) came to.
struct Attempt {
    phase: u8,
    user: UserId,
    key: IdempotencyKey,
    /// The first answer's order id, or the error.
    first: Result<OrderId, String>,
    /// The retry's order id and whether it was a replay.
    retry: Result<(OrderId, bool), String>,
}

async fn buy(
    orders: &OrderService,
    user: UserId,
    key: &IdempotencyKey,
    drop_id: DropId,
) -> Result<(OrderId, bool), String> {
    let receipt = orders
        .place_order(user, key.clone(), drop_id, Quantity::ONE)
        .await
        .map_err(|e| e.to_string())?;
    let order = receipt.outcome.map_err(|rejection| rejection.to_string())?;
    Ok((order.id, receipt.replayed))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_crash_costs_no_order_and_places_none_twice() {
    let Some(mut server) = RedisServer::start() else {
        return;
    };
    let Some(pg) = support::postgres::backend(LedgerMode::default()).await else {
        return;
    };
    let mut config = support::redis::config(server.url());
    config.retry_every = Duration::from_millis(100);
    config.idempotency = Default::default();
    let redis = RedisBackend::new(config).unwrap();
    redis.ping().await.unwrap();
    let ports = redis.ports(pg.ports(support::postgres::base()));
    let shop = fixtures::live_drop(&*ports.catalog, 1_000_000).await;
    let drop_id = shop.drop.id;
    let buyers = fixtures::users(&*ports.catalog, BUYERS).await;
    let orders = OrderService::new(
        ports.ledger.clone(),
        ports.idempotency.clone(),
        Arc::new(SystemClock),
    );

    let phase = Arc::new(AtomicU8::new(UP));
    let done = Arc::new(AtomicBool::new(false));
    let load: Vec<_> = buyers
        .iter()
        .enumerate()
        .map(|(b, buyer)| {
            let (orders, phase, done, user) =
                (orders.clone(), phase.clone(), done.clone(), buyer.id);
            tokio::spawn(async move {
                let mut attempts = Vec::new();
                for n in 0.. {
                    if done.load(Ordering::Relaxed) {
                        break;
                    }
                    let key = IdempotencyKey::try_from(format!("b{b}-{n}")).unwrap();
                    let phase = phase.load(Ordering::Relaxed);
                    let first = buy(&orders, user, &key, drop_id).await.map(|(id, _)| id);
                    // The client's retry, as after a lost response.
                    let retry = buy(&orders, user, &key, drop_id).await;
                    attempts.push(Attempt {
                        phase,
                        user,
                        key,
                        first,
                        retry,
                    });
                }
                attempts
            })
        })
        .collect();

    tokio::time::sleep(Duration::from_millis(800)).await;
    server.stop();
    phase.store(DOWN, Ordering::Relaxed);
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert!(!redis.is_up(), "the adapters noticed the crash");
    server.restart();
    phase.store(BACK, Ordering::Relaxed);
    for _ in 0..100 {
        if redis.is_up() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(redis.is_up(), "the fast path recovered by itself");
    tokio::time::sleep(Duration::from_millis(800)).await;
    done.store(true, Ordering::Relaxed);
    let mut attempts = Vec::new();
    for buyer in load {
        attempts.extend(buyer.await.unwrap());
    }

    let failed: Vec<_> = attempts
        .iter()
        .filter_map(|a| a.first.as_ref().err().map(|e| (a.phase, e)))
        .collect();
    let count = |p: u8| attempts.iter().filter(|a| a.phase == p).count();
    eprintln!(
        "orders: {} before the crash, {} while down, {} after; failed: {failed:?}",
        count(UP),
        count(DOWN),
        count(BACK)
    );
    assert!(
        count(UP) > 0 && count(DOWN) > 0 && count(BACK) > 0,
        "orders ran in every phase"
    );
    // The fallback covers even the orders in flight at the crash.
    assert!(failed.is_empty(), "no order failed: {failed:?}");
    for attempt in &attempts {
        let first = attempt.first.as_ref().unwrap();
        let (retried, replayed) = attempt.retry.as_ref().unwrap();
        assert_eq!(
            retried, first,
            "a retry returns the same order ({:?})",
            attempt.key
        );
        assert!(replayed, "a retry is a replay");
    }
    let books = ports.ledger.summary(drop_id).await.unwrap();
    assert!(books.invariant_holds(), "{books:?}");
    assert_eq!(
        books.confirmed_units,
        attempts.len() as u64,
        "one order per key: no duplicates"
    );

    // Records written before the crash died with it, yet their retries still replay the
    // same order: the ledger's unique key is the authority.
    let early = attempts.iter().find(|a| a.phase == UP).unwrap();
    let idempotency = redis.idempotency();
    assert_eq!(
        idempotency.lookup(early.user, &early.key).await.unwrap(),
        None
    );
    let (again, _) = buy(&orders, early.user, &early.key, drop_id).await.unwrap();
    assert_eq!(&again, early.first.as_ref().unwrap());
    // Orders after the recovery are on the fast path again.
    let late = attempts.iter().rev().find(|a| a.phase == BACK).unwrap();
    assert!(matches!(
        idempotency.lookup(late.user, &late.key).await.unwrap(),
        Some(IdempotencyRecord::Completed { .. })
    ));
}
