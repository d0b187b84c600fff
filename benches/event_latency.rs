//! Outbox commit to consumer receipt, on PostgreSQL and Kafka, at a steady event rate.
//! A load run rather than criterion: the figure is a latency distribution under a fixed
//! offered load, not the time of one operation.
//!
//! Two phases in the same run, on the same broker, each on a topic of its own:
//! - **bus alone** (the baseline): events published straight to the bus at `RATE`/s, timed
//!   from just before `publish` to a consumer group's receipt;
//! - **pipeline**: orders placed at `RATE`/s through `OrderService` on the batched
//!   Postgres ledger, each committing an `order.confirmed` to the outbox; the server's own
//!   background loops relay and consume (inbox writer, cache invalidator); a separate
//!   consumer group times each event from the order's timestamp (taken before its commit,
//!   so the figure is an upper bound of commit-to-receipt) to its receipt.
//!
//! Prints p50/p90/p99/p99.9/max of both, the ratio, and whether p99 meets the 100 ms
//! target (exiting 1 when it does not); checks that every event arrived. Needs
//! `LIVEDROP_BENCH_DATABASE_URL` (or `LIVEDROP_TEST_DATABASE_URL`) and
//! `LIVEDROP_BENCH_KAFKA_BROKERS` (or `LIVEDROP_TEST_KAFKA_BROKERS`):
//! `cargo bench --features postgres,kafka --bench event_latency`.

// A bench: a failed step should stop it loudly, and its output is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

mod support;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use livedrop::core::domain::{Event, EventData, IdempotencyKey, Quantity};
use livedrop::core::ids::{DropId, EventId, UserId};
use livedrop::core::ports::{EventBus, EventSubscription, Ports};
use livedrop::core::testkit::fixtures;
use livedrop::memory::MemoryBackend;
use livedrop_adapters::postgres::LedgerMode;
use livedrop_server::AppState;
use livedrop_server::background::{Background, BackgroundConfig};
use tokio::time::{Instant, MissedTickBehavior};

/// Events per second offered.
const RATE: u64 = 1_000;
/// Seconds each phase offers load for.
const SECONDS: u64 = 20;
/// Events at the start of each phase left out of the figures (connections, group joins).
const WARMUP: usize = 1_000;
/// The target for the pipeline's p99.
const TARGET_P99: Duration = Duration::from_millis(100);

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // The relay's and consumers' warnings (a failed publish, a rebalance) explain outliers.
    livedrop_server::telemetry::init().unwrap();
    let db = support::env_first(&["LIVEDROP_BENCH_DATABASE_URL", "LIVEDROP_TEST_DATABASE_URL"]);
    let brokers = support::env_first(&[
        "LIVEDROP_BENCH_KAFKA_BROKERS",
        "LIVEDROP_TEST_KAFKA_BROKERS",
    ]);
    let (Some(db), Some(brokers)) = (db, brokers) else {
        println!(
            "event_latency: skipped, set LIVEDROP_BENCH_DATABASE_URL and LIVEDROP_BENCH_KAFKA_BROKERS (or the LIVEDROP_TEST_ ones)"
        );
        return;
    };
    println!("event_latency: {RATE} events/s for {SECONDS} s per phase, first {WARMUP} left out");

    let baseline = bus_alone(&support::kafka::fresh_bus(&brokers).await).await;
    report("bus alone (publish -> receipt)", &baseline);
    let (backend, schema) = support::postgres::fresh_backend(&db, LedgerMode::default(), 16).await;
    let pipeline = pipeline(Ports {
        bus: support::kafka::fresh_bus(&brokers).await,
        ..backend.ports(MemoryBackend::default().ports())
    })
    .await;
    report("pipeline (order commit -> receipt)", &pipeline);
    support::postgres::drop_schema(&backend, &schema).await;

    let p99 = percentile(&pipeline, 0.99);
    println!(
        "event_latency: pipeline p99 / bus-alone p99 = {:.1}x; pipeline p99 {:.1} ms {} the {} ms target",
        p99.as_secs_f64() / percentile(&baseline, 0.99).as_secs_f64(),
        p99.as_secs_f64() * 1e3,
        if p99 <= TARGET_P99 { "meets" } else { "MISSES" },
        TARGET_P99.as_millis()
    );
    if p99 > TARGET_P99 {
        std::process::exit(1);
    }
}

/// Publishes `RATE` events/s straight to the bus; returns their latencies.
async fn bus_alone(bus: &Arc<dyn EventBus>) -> Vec<Duration> {
    let drop_id = DropId::new();
    let sub = bus.subscribe("latency-baseline").await.unwrap();
    let timer = tokio::spawn(time_receipts(sub, drop_id, total()));
    offer_load(|_| {
        let bus = bus.clone();
        async move {
            let event = confirmed_event(drop_id);
            bus.publish(&[event]).await.unwrap();
        }
    })
    .await;
    timer.await.unwrap()
}

/// Places `RATE` orders/s with the server's background loops running; returns the
/// latencies of their `order.confirmed` events.
async fn pipeline(ports: Ports) -> Vec<Duration> {
    let shop = fixtures::live_drop(&*ports.catalog, u32::MAX / 2).await;
    let drop_id = shop.drop.id;
    let state = AppState::new(ports.clone());
    let sub = ports.bus.subscribe("latency-pipeline").await.unwrap();
    let background = Background::spawn(&state, BackgroundConfig::default());
    let timer = tokio::spawn(time_receipts(sub, drop_id, total()));
    let order_times = Arc::new(std::sync::Mutex::new(Vec::with_capacity(total())));
    offer_load(|n| {
        let (orders, order_times) = (state.orders().clone(), order_times.clone());
        async move {
            let key = IdempotencyKey::try_from(format!("latency-{n}")).unwrap();
            let started = Instant::now();
            let receipt = orders
                .place_order(UserId::new(), key, drop_id, Quantity::ONE)
                .await
                .unwrap();
            order_times.lock().unwrap().push(started.elapsed());
            assert!(receipt.outcome.is_ok(), "stock is plentiful");
        }
    })
    .await;
    // Of the pipeline's latency, the order's own commit.
    report("of which place_order", &order_times.lock().unwrap());
    let latencies = timer.await.unwrap();
    background.stop().await;
    latencies
}

fn total() -> usize {
    (RATE * SECONDS) as usize
}

/// Runs `task(n)` for `n` in `0..total()`, started `RATE` times a second on a steady
/// clock, each on its own task so a slow one does not delay the next start.
async fn offer_load<F, Fut>(task: F)
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let mut ticks = tokio::time::interval(Duration::from_micros(1_000_000 / RATE));
    ticks.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let mut running = Vec::with_capacity(total());
    for n in 0..total() {
        ticks.tick().await;
        running.push(tokio::spawn(task(n)));
    }
    for task in running {
        task.await.unwrap();
    }
}

/// An `order.confirmed` of `drop_id`, stamped now.
fn confirmed_event(drop_id: DropId) -> Event {
    Event::new(
        EventData::OrderConfirmed {
            order_id: livedrop::core::ids::OrderId::new(),
            user_id: UserId::new(),
            qty: Quantity::ONE,
            available: 0,
        },
        livedrop::core::ids::CreatorId::new(),
        Some(drop_id),
        Utc::now(),
    )
}

/// Receives until `expected` distinct `order.confirmed` events of `drop_id` arrived;
/// returns each one's latency (from its timestamp), in arrival order.
async fn time_receipts(
    mut sub: Box<dyn EventSubscription>,
    drop_id: DropId,
    expected: usize,
) -> Vec<Duration> {
    let mut seen: HashSet<EventId> = HashSet::with_capacity(expected);
    let mut latencies = Vec::with_capacity(expected);
    let deadline = Instant::now() + Duration::from_secs(SECONDS * 3 + 60);
    while seen.len() < expected {
        let delivery = tokio::time::timeout_at(deadline, sub.next())
            .await
            .unwrap_or_else(|_| panic!("only {} of {expected} events arrived", seen.len()))
            .unwrap();
        let received = Utc::now();
        let event = &delivery.event;
        if event.drop_id == Some(drop_id)
            && matches!(event.data, EventData::OrderConfirmed { .. })
            && seen.insert(event.id)
        {
            latencies.push((received - event.occurred_at).to_std().unwrap_or_default());
        }
        // Commit now and then: each commit is a round trip to the group coordinator.
        if seen.len().is_multiple_of(100) {
            sub.commit(&delivery).await.unwrap();
        }
    }
    latencies
}

fn percentile(latencies: &[Duration], q: f64) -> Duration {
    let mut measured: Vec<Duration> = latencies.iter().skip(WARMUP).copied().collect();
    measured.sort();
    let index = ((measured.len() as f64 * q).ceil() as usize).clamp(1, measured.len()) - 1;
    measured[index]
}

fn report(what: &str, latencies: &[Duration]) {
    let ms = |q: f64| percentile(latencies, q).as_secs_f64() * 1e3;
    println!(
        "event_latency/{what}: {} events, p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, p99.9 {:.1} ms, max {:.1} ms",
        latencies.len().saturating_sub(WARMUP),
        ms(0.5),
        ms(0.9),
        ms(0.99),
        ms(0.999),
        ms(1.0)
    );
    // The worst event of each second, in arrival order: a steady tail or one stall.
    let worst: Vec<String> = latencies
        .chunks(RATE as usize)
        .map(|second| {
            let max = second.iter().max().copied().unwrap_or_default();
            format!("{:.0}", max.as_secs_f64() * 1e3)
        })
        .collect();
    println!(
        "event_latency/{what}: worst per second (ms): {}",
        worst.join(" ")
    );
}
