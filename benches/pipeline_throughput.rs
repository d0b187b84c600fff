//! Throughput of the event pipeline alone, against the bus alone, in one run.
//!
//! - **bus alone** (the baseline): `EVENTS` `order.confirmed` events published to a fresh
//!   Kafka topic in batches of the relay's size, read back by one consumer group in
//!   batches of the consumers' size, committing each batch: publish start to last receipt.
//! - **pipeline**: the same number of events already committed to the Postgres outbox; the
//!   server's own background loops relay them to a fresh topic and the inbox writer (and
//!   the cache invalidator, as in the server) apply them: from the first inbox row stored to
//!   the last (`notifications` counted every 20 ms).
//!
//! Both rates leave out joining the consumer group (seconds on some brokers, tansu among
//! them): from the first event received to the last.
//!
//! Prints both rates, their ratio, and whether the pipeline meets 20,000 events/s (exit 1
//! when it does not). Needs `LIVEDROP_BENCH_DATABASE_URL` (or
//! `LIVEDROP_TEST_DATABASE_URL`) and `LIVEDROP_BENCH_KAFKA_BROKERS` (or
//! `LIVEDROP_TEST_KAFKA_BROKERS`); `LIVEDROP_BENCH_EVENTS` sets the count (default
//! 100,000): `cargo bench --features postgres,kafka --bench pipeline_throughput`.

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
use std::time::{Duration, Instant};

use chrono::Utc;
use livedrop::core::domain::{Event, EventData, Quantity};
use livedrop::core::ids::{CreatorId, DropId, EventId, OrderId, UserId};
use livedrop::core::ports::EventBus;
use livedrop::memory::MemoryBackend;
use livedrop_adapters::postgres::LedgerMode;
use livedrop_server::AppState;
use livedrop_server::background::{Background, BackgroundConfig};
use livedrop_server::state::RELAY_BATCH;

/// The pipeline's target.
const TARGET: f64 = 20_000.0;
/// Events a consumer takes at once (the server's consumers' batch).
const CONSUME_BATCH: usize = 512;

#[tokio::main]
async fn main() {
    let db = support::env_first(&["LIVEDROP_BENCH_DATABASE_URL", "LIVEDROP_TEST_DATABASE_URL"]);
    let brokers = support::env_first(&[
        "LIVEDROP_BENCH_KAFKA_BROKERS",
        "LIVEDROP_TEST_KAFKA_BROKERS",
    ]);
    let (Some(db), Some(brokers)) = (db, brokers) else {
        println!(
            "pipeline_throughput: skipped, set LIVEDROP_BENCH_DATABASE_URL and LIVEDROP_BENCH_KAFKA_BROKERS (or the LIVEDROP_TEST_ ones)"
        );
        return;
    };
    // `RUST_LOG=livedrop_server::background=trace` shows each relay round and batch.
    if std::env::var_os("RUST_LOG").is_some() {
        livedrop_server::telemetry::init().unwrap();
    }
    let events: usize = std::env::var("LIVEDROP_BENCH_EVENTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    println!("pipeline_throughput: {events} events per phase");

    let bus_rate = bus_alone(&support::kafka::fresh_bus(&brokers).await, events).await;
    println!("pipeline_throughput/bus alone: {bus_rate:.0} events/s");

    let (backend, schema) = support::postgres::fresh_backend(&db, LedgerMode::default(), 16).await;
    fill_outbox(backend.pool(), events).await;
    let bus = support::kafka::fresh_bus(&brokers).await;
    let ports = backend.ports(MemoryBackend::default().ports());
    let ports = livedrop::core::ports::Ports { bus, ..ports };
    let rate = pipeline(AppState::new(ports), backend.pool(), events).await;
    println!("pipeline_throughput/pipeline (outbox -> Kafka -> inbox rows): {rate:.0} events/s");
    support::postgres::drop_schema(&backend, &schema).await;

    println!(
        "pipeline_throughput: pipeline / bus alone = {:.2}; the pipeline {} the {TARGET:.0} events/s target",
        rate / bus_rate,
        if rate >= TARGET { "meets" } else { "MISSES" },
    );
    if rate < TARGET {
        std::process::exit(1);
    }
}

/// An `order.confirmed` of a buyer of its own (so each is a notification of its own).
fn confirmed(drop_id: DropId) -> Event {
    Event::new(
        EventData::OrderConfirmed {
            order_id: OrderId::new(),
            user_id: UserId::new(),
            qty: Quantity::ONE,
            available: 0,
        },
        CreatorId::new(),
        Some(drop_id),
        Utc::now(),
    )
}

/// Publishes `n` events in the relay's batches and reads them back in the consumers'
/// batches; events per second from the first publish to the last receipt.
async fn bus_alone(bus: &Arc<dyn EventBus>, n: usize) -> f64 {
    let mut sub = bus.subscribe("throughput-baseline").await.unwrap();
    // Several drops, as a sale's events spread over partitions by drop.
    let drops: Vec<DropId> = (0..16).map(|_| DropId::new()).collect();
    let events: Vec<Event> = (0..n).map(|i| confirmed(drops[i % drops.len()])).collect();
    let wanted: HashSet<EventId> = events.iter().map(|e| e.id).collect();
    let started = Instant::now();
    let publisher = {
        let bus = bus.clone();
        tokio::spawn(async move {
            for batch in events.chunks(RELAY_BATCH) {
                bus.publish(batch).await.unwrap();
            }
        })
    };
    let mut seen = HashSet::with_capacity(n);
    // From the first receipt: joining the group takes seconds on some brokers, and is not
    // throughput.
    let mut first: Option<(Instant, usize)> = None;
    // Commits as the server's consumers make them: the last of each partition, every
    // 100 ms (a commit is a round trip to the group coordinator).
    let mut handled = std::collections::HashMap::new();
    let mut commit_due = Instant::now() + Duration::from_millis(100);
    while seen.len() < n {
        let batch = tokio::time::timeout(Duration::from_secs(120), sub.next_batch(CONSUME_BATCH))
            .await
            .unwrap_or_else(|_| panic!("only {} of {n} arrived", seen.len()))
            .unwrap();
        for delivery in &batch {
            if wanted.contains(&delivery.event.id) {
                seen.insert(delivery.event.id);
            }
        }
        if first.is_none() && !seen.is_empty() {
            first = Some((Instant::now(), seen.len()));
        }
        for delivery in batch {
            handled.insert(delivery.partition, delivery);
        }
        if Instant::now() >= commit_due {
            let last: Vec<_> = handled.drain().map(|(_, delivery)| delivery).collect();
            sub.commit_all(&last).await.unwrap();
            commit_due = Instant::now() + Duration::from_millis(100);
        }
    }
    let (from, already) = first.unwrap_or((started, 0));
    let elapsed = from.elapsed();
    publisher.await.unwrap();
    (n - already) as f64 / elapsed.as_secs_f64()
}

/// Commits `n` events to the outbox directly (in chunks), as the order path would have.
async fn fill_outbox(pool: &sqlx::PgPool, n: usize) {
    let drops: Vec<DropId> = (0..16).map(|_| DropId::new()).collect();
    let mut written = 0;
    while written < n {
        let chunk = (n - written).min(10_000);
        let events: Vec<Event> = (written..written + chunk)
            .map(|i| confirmed(drops[i % drops.len()]))
            .collect();
        let ids: Vec<uuid::Uuid> = events.iter().map(|e| e.id.as_uuid()).collect();
        // A drop's events in one partition, as the writers place them.
        let partitions: Vec<i16> = (written..written + chunk)
            .map(|i| (i % drops.len()) as i16)
            .collect();
        let bodies: Vec<String> = events
            .iter()
            .map(|e| serde_json::to_string(e).unwrap())
            .collect();
        let times: Vec<chrono::DateTime<Utc>> = events.iter().map(|e| e.occurred_at).collect();
        sqlx::query(
            "INSERT INTO outbox (event_id, partition, event, occurred_at) \
             SELECT * FROM unnest($1::uuid[], $2::smallint[], $3::text[], $4::timestamptz[])",
        )
        .bind(&ids)
        .bind(&partitions)
        .bind(&bodies)
        .bind(&times)
        .execute(pool)
        .await
        .unwrap();
        written += chunk;
    }
}

/// Runs the server's background loops until `n` inbox rows exist; events per second from
/// the first row stored (joining the consumer groups takes seconds on some brokers, and is
/// not throughput).
async fn pipeline(state: AppState, pool: &sqlx::PgPool, n: usize) -> f64 {
    let started = Instant::now();
    let background = Background::spawn(&state, BackgroundConfig::default());
    let deadline = started + Duration::from_secs(600);
    let mut first: Option<(Instant, usize)> = None;
    loop {
        let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM notifications")
            .fetch_one(pool)
            .await
            .unwrap();
        let stored = stored as usize;
        if first.is_none() && stored > 0 {
            first = Some((Instant::now(), stored));
        }
        if stored >= n {
            break;
        }
        assert!(Instant::now() < deadline, "only {stored} of {n} inbox rows");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (from, already) = first.unwrap_or((started, 0));
    let elapsed = from.elapsed();
    println!(
        "pipeline_throughput/pipeline: first inbox row {:.1} s after the loops started",
        (from - started).as_secs_f64()
    );
    background.stop().await;
    (n - already) as f64 / elapsed.as_secs_f64()
}
