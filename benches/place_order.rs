//! Place-order throughput on ONE hot drop, memory backend.
//!
//! - `ledger`: `Ledger::place_order` alone (the atomic unit: lifecycle check, conditional
//!   decrement, order insert with its unique key, outbox events, audit entry).
//! - `service`: `OrderService::place_order`, i.e. the idempotency store's begin/complete
//!   around the ledger: the full order path of an embedding program, idempotency on.
//! - `service_json`: the same plus encoding each answer as the HTTP body the server sends
//!   (`wire::order_response`): the order path minus HTTP itself.
//! - `baseline`: the floor for any design that serializes a hot drop, a bare
//!   `Mutex<u32>` decrement with the same tasks, measured in the same run so results can be
//!   read as ratios on a noisy machine.
//!
//! Each sample places `iters` orders from 1 or 2 tasks (one per worker thread) against a
//! fresh drop holding exactly `iters` units, then checks that every order was confirmed and
//! the invariant holds: a run that oversold fails instead of reporting a figure.

// Bench code: a failed setup step should abort the run loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use chrono::Utc;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use livedrop::core::clock::SystemClock;
use livedrop::core::domain::{IdempotencyKey, Quantity};
use livedrop::core::ids::{DropId, OrderId, UserId};
use livedrop::core::ports::{OrderRequest, Ports};
use livedrop::core::services::OrderService;
use livedrop::core::testkit::fixtures;
use livedrop::core::wire::order_response;
use livedrop::memory::MemoryBackend;
use tokio::runtime::Runtime;

// The allocator a production embedding would pick; glibc malloc spent a fifth of the
// order path in malloc/free here.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const BUYERS: usize = 1024;

struct HotDrop {
    ports: Ports,
    orders: OrderService,
    drop_id: DropId,
    buyers: Arc<Vec<UserId>>,
    /// One key per order, made during setup: keys arrive parsed, like the buyers' ids.
    keys: Arc<Vec<IdempotencyKey>>,
}

async fn hot_drop(stock: u64) -> HotDrop {
    let ports = MemoryBackend::default().ports();
    let shop = fixtures::live_drop(&*ports.catalog, u32::try_from(stock).unwrap()).await;
    let orders = OrderService::new(
        ports.ledger.clone(),
        ports.idempotency.clone(),
        Arc::new(SystemClock),
    );
    HotDrop {
        ports,
        orders,
        drop_id: shop.drop.id,
        buyers: Arc::new((0..BUYERS).map(|_| UserId::new()).collect()),
        keys: Arc::new(
            (0..stock)
                .map(|i| IdempotencyKey::try_from(format!("order-{i}")).unwrap())
                .collect(),
        ),
    }
}

fn runtime(threads: usize) -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .build()
        .unwrap()
}

/// How far along the order path a bench goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Path {
    Ledger,
    Service,
    ServiceJson,
}

/// Runs `orders` orders split over `threads` tasks; returns the elapsed time.
async fn place_all(hot: &HotDrop, orders: u64, threads: usize, path: Path) -> Duration {
    let per_task = orders / threads as u64;
    let started = Instant::now();
    let tasks: Vec<_> = (0..threads)
        .map(|task| {
            let (ledger, service, buyers, keys, drop_id) = (
                hot.ports.ledger.clone(),
                hot.orders.clone(),
                hot.buyers.clone(),
                hot.keys.clone(),
                hot.drop_id,
            );
            tokio::spawn(async move {
                for i in 0..per_task as usize {
                    let user = buyers[(i + task) % BUYERS];
                    let key = keys[task * per_task as usize + i].clone();
                    if path != Path::Ledger {
                        let receipt = service
                            .place_order(user, key, drop_id, Quantity::ONE)
                            .await
                            .unwrap();
                        assert!(receipt.outcome.is_ok(), "{:?}", receipt.outcome);
                        if path == Path::ServiceJson {
                            let response = order_response(&receipt.outcome);
                            assert_eq!(response.status, 201);
                            std::hint::black_box(response.body);
                        }
                    } else {
                        let now = Utc::now();
                        let request = OrderRequest {
                            order_id: OrderId::at(now),
                            user_id: user,
                            drop_id,
                            qty: Quantity::ONE,
                            idempotency_key: key,
                            now,
                            trace: None,
                        };
                        ledger.place_order(&request).await.unwrap();
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    started.elapsed()
}

/// Units per drop: a limited drop, sold out in every iteration.
const STOCK: u64 = 10_000;

fn bench_place_order(c: &mut Criterion) {
    let mut group = c.benchmark_group("place_order_hot_drop");
    group.throughput(Throughput::Elements(STOCK));
    group.sampling_mode(criterion::SamplingMode::Flat);
    group.sample_size(30);
    group.measurement_time(Duration::from_secs(8));
    for threads in [1usize, 2] {
        let rt = runtime(threads);
        for (name, path) in [
            ("ledger", Path::Ledger),
            ("service", Path::Service),
            ("service_json", Path::ServiceJson),
        ] {
            group.bench_function(BenchmarkId::new(name, format!("{threads}t")), |b| {
                b.iter_custom(|iters| {
                    rt.block_on(async {
                        let mut selling = Duration::ZERO;
                        for _ in 0..iters {
                            // Setup is not timed; only selling the drop out is.
                            let hot = hot_drop(STOCK).await;
                            selling += place_all(&hot, STOCK, threads, path).await;
                            let books = hot.ports.ledger.summary(hot.drop_id).await.unwrap();
                            assert!(books.invariant_holds(), "oversold: {books:?}");
                            assert_eq!(
                                books.confirmed_units, STOCK,
                                "every unit sold exactly once"
                            );
                            assert_eq!(books.available, 0);
                        }
                        selling
                    })
                });
            });
        }
        group.bench_function(
            BenchmarkId::new("baseline_mutex_decrement", format!("{threads}t")),
            |b| {
                b.iter_custom(|iters| {
                    let mut selling = Duration::ZERO;
                    for _ in 0..iters {
                        let stock = Arc::new(Mutex::new(STOCK));
                        let per_thread = STOCK / threads as u64;
                        let started = Instant::now();
                        std::thread::scope(|scope| {
                            for _ in 0..threads {
                                let stock = Arc::clone(&stock);
                                scope.spawn(move || {
                                    for _ in 0..per_thread {
                                        let mut left = stock.lock().unwrap();
                                        *left = std::hint::black_box(left.saturating_sub(1));
                                    }
                                });
                            }
                        });
                        selling += started.elapsed();
                    }
                    selling
                });
            },
        );
    }
    group.finish();
}

criterion_group!(benches, bench_place_order);
criterion_main!(benches);
