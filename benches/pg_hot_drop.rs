//! One hot drop on PostgreSQL with durable commits: the ledger's per-order mode against its
//! batched (group commit) mode, with one lane (one batch of the drop in flight at a time)
//! and with the default two; and two batched ledgers on one database (two server
//! instances' ledgers, each lane selling from its own allotment) against one, measured in
//! the same run. A load run rather than criterion:
//! each round sells out a fresh drop, which takes seconds in the per-order mode.
//!
//! Every round: `BUYERS` concurrent buyers (tasks) order one unit at a time until the drop
//! answers sold out; an order that fails fast with `Unavailable` (pool exhausted) is retried
//! with the same key, as a client would. The round then checks zero oversell from three sides: confirmed
//! answers == initial stock, the ledger's summary (available 0, confirmed units == stock,
//! the invariant), and a count of the order rows. It prints each round and the ratio.
//!
//! Needs a database: `LIVEDROP_BENCH_DATABASE_URL` or `LIVEDROP_TEST_DATABASE_URL`; each run
//! uses a fresh schema. `cargo bench --features postgres --bench pg_hot_drop`.

// A bench: a failed step should stop it loudly, and its output is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use livedrop::core::domain::{IdempotencyKey, OrderRejection, Quantity};
use livedrop::core::ids::{OrderId, UserId};
use livedrop::core::ports::{Ledger, OrderRequest, Ports};
use livedrop::core::testkit::fixtures;
use livedrop::core::{Error, Result};
use livedrop::memory::MemoryBackend;
use livedrop_adapters::postgres::LedgerMode;

mod support;
use support::postgres::{backend_in, drop_schema, fresh_backend};

/// Concurrent buyers: a flash sale's crowd, more than either mode has connections.
const BUYERS: usize = 512;
/// Rounds per mode.
const ROUNDS: usize = 3;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let Some(url) =
        support::env_first(&["LIVEDROP_BENCH_DATABASE_URL", "LIVEDROP_TEST_DATABASE_URL"])
    else {
        println!(
            "pg_hot_drop: skipped, set LIVEDROP_BENCH_DATABASE_URL (or LIVEDROP_TEST_DATABASE_URL)"
        );
        return;
    };
    println!("pg_hot_drop: one hot drop, {BUYERS} concurrent buyers, durable commits");
    let per_order = run_mode(&url, LedgerMode::PerOrder, 2_000, 1).await;
    let single = run_mode(&url, LedgerMode::default().with_lanes(1), 60_000, 1).await;
    let batched = run_mode(&url, LedgerMode::default(), 60_000, 1).await;
    let two = run_mode(&url, LedgerMode::default(), 60_000, 2).await;
    println!(
        "pg_hot_drop: batched, two lanes / one lane = {:.2}x (median rounds: {batched:.0} vs {single:.0} confirmed orders/s)",
        batched / single
    );
    println!(
        "pg_hot_drop: batched / per-order = {:.1}x (median rounds: {:.0} vs {:.0} confirmed orders/s)",
        batched / per_order,
        batched,
        per_order
    );
    println!(
        "pg_hot_drop: two batched ledgers / one = {:.2}x (median rounds: {two:.0} vs {batched:.0} confirmed orders/s)",
        two / batched
    );
}

/// Runs the rounds of one mode with `ledgers` ledgers on one database (each with its own
/// pool, as server instances have); returns the median confirmed orders per second.
async fn run_mode(url: &str, mode: LedgerMode, stock: u32, ledgers: usize) -> f64 {
    let (backend, schema) = fresh_backend(url, mode, 32).await;
    let mut instances = vec![backend.ports(MemoryBackend::default().ports())];
    for _ in 1..ledgers {
        let other = backend_in(url, &schema, mode, 32).await;
        instances.push(other.ports(MemoryBackend::default().ports()));
    }
    let mut rates = Vec::new();
    for round in 1..=ROUNDS {
        let (confirmed, retries, elapsed) = sell_out(&instances, stock).await;
        let rate = confirmed as f64 / elapsed.as_secs_f64();
        println!(
            "pg_hot_drop/{mode:?} x{ledgers} round {round}: {confirmed} orders in {:.2} s = {rate:.0} confirmed orders/s, zero oversell ({retries} retries after a pool timeout)",
            elapsed.as_secs_f64()
        );
        rates.push(rate);
    }
    drop_schema(&backend, &schema).await;
    rates.sort_by(f64::total_cmp);
    rates[rates.len() / 2]
}

/// Sells out a fresh drop of `stock` units, buyer `i` ordering through `instances[i % n]`;
/// returns the confirmed orders and the time.
async fn sell_out(instances: &[Ports], stock: u32) -> (u64, u64, Duration) {
    let ports = &instances[0];
    let shop = fixtures::live_drop(&*ports.catalog, stock).await;
    let drop_id = shop.drop.id;
    let confirmed = Arc::new(AtomicU64::new(0));
    let retries = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let buyers: Vec<_> = (0..BUYERS)
        .map(|i| {
            let ledger = instances[i % instances.len()].ledger.clone();
            let (confirmed, retries) = (confirmed.clone(), retries.clone());
            tokio::spawn(async move {
                let user = UserId::new();
                let mut n = 0;
                loop {
                    match buy(&*ledger, user, drop_id, n).await {
                        Ok(()) => {
                            confirmed.fetch_add(1, Ordering::Relaxed);
                            n += 1;
                        }
                        Err(Error::Rejected(OrderRejection::SoldOut)) => return,
                        // A pool that timed out (the per-order mode cannot serve this
                        // crowd): retry the same key, as a client would; it is safe.
                        Err(Error::Unavailable { .. }) => {
                            retries.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(other) => panic!("unexpected answer: {other:?}"),
                    }
                }
            })
        })
        .collect();
    for buyer in buyers {
        buyer.await.unwrap();
    }
    let elapsed = started.elapsed();
    let confirmed = confirmed.load(Ordering::Relaxed);
    assert_eq!(confirmed, u64::from(stock), "confirmed answers == stock");
    let summary = ports.ledger.summary(drop_id).await.unwrap();
    assert!(summary.invariant_holds(), "oversold: {summary:?}");
    assert_eq!(
        (summary.available, summary.confirmed_units),
        (0, u64::from(stock))
    );
    assert_eq!(
        summary.confirmed_orders,
        u64::from(stock),
        "one row per confirmed answer"
    );
    (confirmed, retries.load(Ordering::Relaxed), elapsed)
}

async fn buy(
    ledger: &dyn Ledger,
    user: UserId,
    drop_id: livedrop::core::ids::DropId,
    n: u64,
) -> Result<()> {
    let now = chrono::Utc::now();
    let request = OrderRequest {
        order_id: OrderId::at(now),
        user_id: user,
        drop_id,
        qty: Quantity::ONE,
        idempotency_key: IdempotencyKey::try_from(format!("bench-{n}")).unwrap(),
        now,
        trace: None,
    };
    ledger.place_order(&request).await.map(|_| ())
}
