//! The Postgres outbox on its own: events appended with raw SQL the way writers append them
//! (`writes::append_events`), then claimed, released, marked and expired through the port.
//! The conformance suite covers the same contract through the catalog; these cases also
//! pin what only a database can get wrong: a record that commits late with a lower `seq`,
//! leases that outlive their holder, and relays claiming at once.
#![cfg(feature = "postgres")]
// Set-up helpers outside `#[test]` fns: a failed step must stop the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashSet;
use std::time::Duration;

use chrono::Utc;
use livedrop_adapters::postgres::{LedgerMode, PgBackend, PgOutbox};
use livedrop_core::domain::{Event, EventData};
use livedrop_core::ids::CreatorId;
use livedrop_core::ports::{Outbox, OutboxRecord};
use sqlx::{Acquire, PgConnection, PgPool};
use uuid::Uuid;

const ALL: usize = 10_000;
const LONG: Duration = Duration::from_secs(30);

async fn backend() -> Option<PgBackend> {
    support::postgres::backend(LedgerMode::PerOrder).await
}

/// A fresh key in outbox partition `partition` (as `writes::partition_of` computes it).
fn key_in(partition: u128) -> Uuid {
    Uuid::from_u128((Uuid::now_v7().as_u128() & !0xF) | partition)
}

/// `n` events keyed by `key`.
fn events(key: Uuid, n: usize) -> Vec<Event> {
    (0..n)
        .map(|_| {
            Event::new(
                EventData::CreatorUpdated {},
                CreatorId::from_uuid(key),
                None,
                Utc::now(),
            )
        })
        .collect()
}

/// The writers' append (`writes::append_events`), on `conn`.
async fn append_on(conn: &mut PgConnection, events: &[Event]) {
    for event in events {
        let partition = i16::try_from(event.key().as_u128() % 16).unwrap();
        sqlx::query(
            "INSERT INTO outbox (event_id, partition, event, occurred_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(event.id.as_uuid())
        .bind(partition)
        .bind(serde_json::to_string(event).unwrap())
        .bind(event.occurred_at)
        .execute(&mut *conn)
        .await
        .unwrap();
    }
}

async fn append(pool: &PgPool, events: &[Event]) {
    append_on(&mut pool.acquire().await.unwrap(), events).await;
}

fn of_key(records: &[OutboxRecord], key: Uuid) -> Vec<OutboxRecord> {
    records
        .iter()
        .filter(|r| r.event.key() == key)
        .cloned()
        .collect()
}

#[tokio::test]
async fn claims_come_in_commit_order_per_key_and_respect_max() {
    let Some(backend) = backend().await else {
        return;
    };
    let outbox = PgOutbox::new(backend.pool().clone());
    let (a, b) = (key_in(1), key_in(2));
    let (first_a, first_b) = (events(a, 4), events(b, 3));
    append(backend.pool(), &first_a).await;
    append(backend.pool(), &first_b).await;

    let batch = outbox.claim(ALL, LONG).await.unwrap();
    outbox.release(&batch).await.unwrap();
    assert_eq!(batch.records.len(), 7);
    for (key, appended) in [(a, &first_a), (b, &first_b)] {
        let mine = of_key(&batch.records, key);
        let ids: Vec<_> = mine.iter().map(|r| r.event.id).collect();
        assert_eq!(ids, appended.iter().map(|e| e.id).collect::<Vec<_>>());
        assert!(mine.windows(2).all(|w| w[0].seq < w[1].seq));
    }

    let small = outbox.claim(2, LONG).await.unwrap();
    assert_eq!(small.records.len(), 2);
    assert_eq!(outbox.claim(0, LONG).await.unwrap().records, vec![]);
    outbox.release(&small).await.unwrap();
}

#[tokio::test]
async fn a_leased_key_is_withheld_and_released_records_come_back_first() {
    let Some(backend) = backend().await else {
        return;
    };
    let outbox = PgOutbox::new(backend.pool().clone());
    let key = key_in(3);
    append(backend.pool(), &events(key, 2)).await;
    let held = outbox.claim(ALL, LONG).await.unwrap();
    assert_eq!(held.records.len(), 2);

    let late = events(key, 1);
    append(backend.pool(), &late).await;
    let meanwhile = outbox.claim(ALL, LONG).await.unwrap();
    assert!(meanwhile.records.is_empty(), "{meanwhile:?}");
    outbox.release(&meanwhile).await.unwrap();

    outbox.release(&held).await.unwrap();
    let again = outbox.claim(ALL, LONG).await.unwrap();
    assert_eq!(again.records[..2], held.records[..]);
    assert_eq!(again.records[2].event, late[0]);
    outbox.release(&again).await.unwrap();
}

#[tokio::test]
async fn mark_sent_removes_only_the_leased_records_for_good() {
    let Some(backend) = backend().await else {
        return;
    };
    let outbox = PgOutbox::new(backend.pool().clone());
    let key = key_in(4);
    append(backend.pool(), &events(key, 3)).await;
    let batch = outbox.claim(2, Duration::from_millis(300)).await.unwrap();
    assert_eq!(batch.records.len(), 2);
    // A record of the leased key appended meanwhile is not the batch's to remove.
    let late = events(key, 1);
    append(backend.pool(), &late).await;
    outbox.mark_sent(&batch).await.unwrap();
    outbox.mark_sent(&batch).await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;

    let rest = outbox.claim(ALL, LONG).await.unwrap();
    let events: Vec<_> = rest.records.iter().map(|r| r.event.clone()).collect();
    assert_eq!(
        events.len(),
        2,
        "the unclaimed and the late record: {events:?}"
    );
    assert_eq!(events[1], late[0]);
    assert!(
        rest.records.iter().all(|r| !batch.records.contains(r)),
        "sent records came back"
    );
    outbox.mark_sent(&rest).await.unwrap();
    assert!(outbox.claim(ALL, LONG).await.unwrap().records.is_empty());
    let lag = outbox.lag().await.unwrap();
    assert_eq!((lag.pending, lag.oldest), (0, None));
}

/// A record of another key in the same partition can take a lower `seq` and commit after a
/// claim; marking the claim sent must not take it along.
#[tokio::test]
async fn a_record_committed_late_with_a_lower_seq_survives_mark_sent() {
    let Some(backend) = backend().await else {
        return;
    };
    let outbox = PgOutbox::new(backend.pool().clone());
    let (slow, fast) = (key_in(5), key_in(5));
    let mut slow_conn = backend.pool().acquire().await.unwrap();
    let mut slow_tx = slow_conn.begin().await.unwrap();
    let slow_events = events(slow, 1);
    append_on(&mut slow_tx, &slow_events).await;
    append(backend.pool(), &events(fast, 1)).await;

    let batch = outbox.claim(ALL, LONG).await.unwrap();
    assert_eq!(batch.records.len(), 1);
    assert_eq!(batch.records[0].event.key(), fast);
    slow_tx.commit().await.unwrap();
    outbox.mark_sent(&batch).await.unwrap();

    let rest = outbox.claim(ALL, LONG).await.unwrap();
    assert_eq!(rest.records.len(), 1, "{rest:?}");
    assert_eq!(rest.records[0].event, slow_events[0]);
    assert!(rest.records[0].seq < batch.records[0].seq);
    outbox.release(&rest).await.unwrap();
}

#[tokio::test]
async fn an_expired_lease_gives_its_records_back_and_loses_its_say() {
    let Some(backend) = backend().await else {
        return;
    };
    let outbox = PgOutbox::new(backend.pool().clone());
    append(backend.pool(), &events(key_in(6), 2)).await;
    let short = outbox.claim(ALL, Duration::from_millis(300)).await.unwrap();
    assert!(outbox.claim(ALL, LONG).await.unwrap().records.is_empty());
    tokio::time::sleep(Duration::from_millis(500)).await;

    let again = outbox.claim(ALL, LONG).await.unwrap();
    assert_eq!(again.records, short.records);
    assert_ne!(again.lease, short.lease);
    // The dead relay's late calls must not touch the new holder's lease.
    outbox.release(&short).await.unwrap();
    outbox.mark_sent(&short).await.unwrap();
    assert!(outbox.claim(ALL, LONG).await.unwrap().records.is_empty());
    outbox.release(&again).await.unwrap();
    assert_eq!(
        outbox.claim(ALL, LONG).await.unwrap().records,
        short.records
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_relays_never_share_a_key() {
    let Some(backend) = backend().await else {
        return;
    };
    let outbox = PgOutbox::new(backend.pool().clone());
    let keys: Vec<Uuid> = (0..16).map(key_in).collect();
    for key in &keys {
        append(backend.pool(), &events(*key, 3)).await;
    }
    let claims = (0..6).map(|_| {
        let outbox = outbox.clone();
        tokio::spawn(async move { outbox.claim(5, LONG).await.unwrap() })
    });
    let mut seen = HashSet::new();
    let mut total = 0;
    for claim in claims {
        let batch = claim.await.unwrap();
        assert!(batch.records.len() <= 5);
        let batch_keys: HashSet<Uuid> = batch.records.iter().map(|r| r.event.key()).collect();
        assert!(seen.is_disjoint(&batch_keys), "a key in two leases");
        seen.extend(batch_keys);
        total += batch.records.len();
    }
    // Nobody waited on another's locks, and what was claimed is partitions' fronts.
    assert!(total > 0);
}

#[tokio::test]
async fn lag_counts_unsent_records_and_ages_the_oldest() {
    let Some(backend) = backend().await else {
        return;
    };
    let outbox = PgOutbox::new(backend.pool().clone());
    assert_eq!(outbox.lag().await.unwrap().pending, 0);
    append(backend.pool(), &events(key_in(7), 3)).await;
    tokio::time::sleep(Duration::from_millis(60)).await;
    let lag = outbox.lag().await.unwrap();
    assert_eq!(lag.pending, 3);
    assert!(
        lag.oldest
            .is_some_and(|age| age >= Duration::from_millis(50))
    );
    let held = outbox.claim(ALL, LONG).await.unwrap();
    assert_eq!(
        outbox.lag().await.unwrap().pending,
        3,
        "leased is still unsent"
    );
    outbox.mark_sent(&held).await.unwrap();
    assert_eq!(outbox.lag().await.unwrap().pending, 0);
}

/// How often the test's own `outbox` table was vacuumed (by anyone).
async fn vacuums(pool: &PgPool) -> i64 {
    sqlx::query_scalar(
        "SELECT vacuum_count FROM pg_stat_user_tables \
         WHERE schemaname = current_schema() AND relname = 'outbox'",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

/// Autovacuum looks at a database once a minute, while a hot drop's relay deletes
/// thousands of records a second that every claim's scans step over: the relay vacuums
/// the table itself after enough deletes, and leaves a trickle to autovacuum.
#[tokio::test]
async fn the_relay_vacuums_the_outbox_after_a_thousand_deletes_not_after_a_few() {
    let Some(backend) = backend().await else {
        return;
    };
    let outbox = PgOutbox::new(backend.pool().clone());
    let pool = backend.pool();
    let mut tx = pool.begin().await.unwrap();
    append_on(&mut tx, &events(key_in(6), 10)).await;
    tx.commit().await.unwrap();
    let few = outbox.claim(ALL, LONG).await.unwrap();
    outbox.mark_sent(&few).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(vacuums(pool).await, 0, "ten deletes started a vacuum");

    let mut tx = pool.begin().await.unwrap();
    append_on(&mut tx, &events(key_in(7), 1_000)).await;
    tx.commit().await.unwrap();
    let many = outbox.claim(ALL, LONG).await.unwrap();
    assert_eq!(many.records.len(), 1_000);
    outbox.mark_sent(&many).await.unwrap();
    // Not the dead-row count: a backend reports its deletes to the statistics seconds
    // late at times, so the count may rise again after the vacuum reported it.
    let mut waited = Duration::ZERO;
    while vacuums(pool).await == 0 {
        assert!(waited < LONG, "no vacuum {waited:?} after 1,010 deletes");
        tokio::time::sleep(Duration::from_millis(50)).await;
        waited += Duration::from_millis(50);
    }
}
