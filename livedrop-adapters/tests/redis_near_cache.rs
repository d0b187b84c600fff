//! The near cache across instances: each instance's own writes show at once, another
//! instance's within the near tier's lifetime, or at once once this instance forgets its
//! local copies.
#![cfg(feature = "redis")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use livedrop_adapters::redis::RedisBackend;
use livedrop_core::ports::Cache;

const LIFETIME: Duration = Duration::from_millis(300);
const LONG: Duration = Duration::from_secs(60);

/// Two instances' caches on one Redis and one key prefix.
async fn two_instances() -> Option<(std::sync::Arc<dyn Cache>, std::sync::Arc<dyn Cache>)> {
    let url = match support::redis::redis_url().await {
        Ok(url) => url,
        Err(why) => {
            support::missing("Redis", &why);
            return None;
        }
    };
    let mut config = support::redis::config(url);
    config.near_cache = LIFETIME;
    let a = RedisBackend::new(config.clone()).expect("a valid Redis URL");
    let b = RedisBackend::new(config).expect("a valid Redis URL");
    a.ping().await.expect("Redis answers");
    let ports = |backend: RedisBackend| backend.ports(support::memory_ports()).cache;
    Some((ports(a), ports(b)))
}

#[tokio::test]
async fn another_instances_write_shows_within_the_near_lifetime() {
    let Some((a, b)) = two_instances().await else {
        return;
    };
    a.put("drop", b"v1".to_vec(), LONG).await.unwrap();
    assert_eq!(b.get("drop").await.unwrap().as_deref(), Some(&b"v1"[..]));
    a.put("drop", b"v2".to_vec(), LONG).await.unwrap();
    assert_eq!(
        a.get("drop").await.unwrap().as_deref(),
        Some(&b"v2"[..]),
        "the writer reads its own write"
    );
    tokio::time::sleep(LIFETIME + Duration::from_millis(50)).await;
    assert_eq!(b.get("drop").await.unwrap().as_deref(), Some(&b"v2"[..]));
}

#[tokio::test]
async fn an_invalidation_empties_both_tiers_of_its_instance_and_the_shared_one() {
    let Some((a, b)) = two_instances().await else {
        return;
    };
    a.put("creator", b"old".to_vec(), LONG).await.unwrap();
    assert!(b.get("creator").await.unwrap().is_some());
    a.invalidate(&["creator".to_owned()]).await.unwrap();
    assert_eq!(a.get("creator").await.unwrap(), None);
    tokio::time::sleep(LIFETIME + Duration::from_millis(50)).await;
    assert_eq!(b.get("creator").await.unwrap(), None);
}

#[tokio::test]
async fn forgetting_its_local_copies_shows_another_instances_invalidation_at_once() {
    let Some((a, b)) = two_instances().await else {
        return;
    };
    a.put("product", b"old".to_vec(), LONG).await.unwrap();
    assert!(
        b.get("product").await.unwrap().is_some(),
        "b keeps a near copy"
    );
    // The invalidators' group hands the event to a; every instance's tail tells its own
    // cache to forget.
    a.invalidate(&["product".to_owned()]).await.unwrap();
    assert_eq!(
        b.get("product").await.unwrap().as_deref(),
        Some(&b"old"[..]),
        "b's near copy outlives the invalidation until b forgets it"
    );
    b.forget_local(&["product".to_owned()]).await.unwrap();
    assert_eq!(b.get("product").await.unwrap(), None);

    // Forgetting leaves the shared entries alone.
    a.put("product", b"new".to_vec(), LONG).await.unwrap();
    b.forget_local(&["product".to_owned()]).await.unwrap();
    assert_eq!(
        b.get("product").await.unwrap().as_deref(),
        Some(&b"new"[..])
    );
}
