//! What the Postgres idempotency store adds to the port's contract (which the conformance
//! suite covers): expired rows are deleted by `purge_expired`, live ones are kept.
#![cfg(feature = "postgres")]

mod support;

use std::time::Duration;

use livedrop_adapters::postgres::{LedgerMode, PgIdempotencyStore};
use livedrop_core::domain::IdempotencyKey;
use livedrop_core::ids::UserId;
use livedrop_core::ports::{Begin, Fingerprint, IdempotencyPolicy, IdempotencyStore};

#[tokio::test]
async fn purge_deletes_expired_records_only() {
    let Some(backend) = support::postgres::backend(LedgerMode::PerOrder).await else {
        return;
    };
    let policy = IdempotencyPolicy::for_tests();
    let store = PgIdempotencyStore::new(backend.pool().clone(), policy);
    let fingerprint = Fingerprint::of(&[b"purge"]);
    let (user, old, fresh) = (
        UserId::new(),
        IdempotencyKey::try_from("old").unwrap(),
        IdempotencyKey::try_from("fresh").unwrap(),
    );
    assert_eq!(
        store.begin(user, &old, &fingerprint).await.unwrap(),
        Begin::Started
    );
    tokio::time::sleep(policy.lock_ttl + Duration::from_millis(100)).await;
    assert_eq!(
        store.begin(user, &fresh, &fingerprint).await.unwrap(),
        Begin::Started
    );

    assert_eq!(store.purge_expired(100).await.unwrap(), 1);
    assert_eq!(store.purge_expired(100).await.unwrap(), 0);
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM idempotency_keys")
        .fetch_one(backend.pool())
        .await
        .unwrap();
    assert_eq!(rows, 1);
    assert!(store.lookup(user, &fresh).await.unwrap().is_some());
}
