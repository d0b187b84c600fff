//! The [`Cache`] contract: the last put is returned until its TTL passes
//! or it is invalidated, and every get counts a hit or a miss.
//!
//! The cache may forget entries early; these cases assume a backend with room for the few
//! entries they write (build it with a capacity of at least a few thousand entries). Keys are
//! unique per case; stats are compared as deltas, at least what this case caused, so other
//! cases may share the cache.

use std::time::Duration;

use super::fixtures::*;
use crate::ports::Cache;

fn cache_key(tag: &str) -> String {
    format!("testkit:{}:{tag}", unique("c"))
}

const LONG: Duration = Duration::from_secs(60);

/// `get` returns the last value `put` under the key; other keys are independent.
pub async fn get_returns_the_last_put(cache: &dyn Cache) {
    let (a, b) = (cache_key("a"), cache_key("b"));
    assert_eq!(cache.get(&a).await.unwrap(), None);
    cache.put(&a, b"one".to_vec(), LONG).await.unwrap();
    cache.put(&b, b"other".to_vec(), LONG).await.unwrap();
    assert_eq!(cache.get(&a).await.unwrap().as_deref(), Some(&b"one"[..]));
    cache.put(&a, vec![0, 255, 7], LONG).await.unwrap();
    assert_eq!(cache.get(&a).await.unwrap(), Some(vec![0, 255, 7]));
    assert_eq!(cache.get(&b).await.unwrap().as_deref(), Some(&b"other"[..]));
    cache.put(&a, Vec::new(), LONG).await.unwrap();
    assert_eq!(
        cache.get(&a).await.unwrap(),
        Some(Vec::new()),
        "an empty value is a value"
    );
}

/// An entry is gone once its TTL passes; a later put's TTL replaces an earlier one's.
pub async fn entries_expire_after_their_ttl(cache: &dyn Cache) {
    let (short, renewed) = (cache_key("short"), cache_key("renewed"));
    let ttl = Duration::from_millis(300);
    cache.put(&short, b"soon gone".to_vec(), ttl).await.unwrap();
    cache.put(&renewed, b"v1".to_vec(), ttl).await.unwrap();
    cache.put(&renewed, b"v2".to_vec(), LONG).await.unwrap();
    assert_eq!(
        cache.get(&short).await.unwrap().as_deref(),
        Some(&b"soon gone"[..])
    );
    tokio::time::sleep(ttl * 2).await;
    assert_eq!(cache.get(&short).await.unwrap(), None, "the ttl passed");
    assert_eq!(
        cache.get(&renewed).await.unwrap().as_deref(),
        Some(&b"v2"[..]),
        "the last put's ttl counts"
    );
}

/// Invalidated keys read as absent; others are untouched; unknown keys are fine.
pub async fn invalidate_removes_exactly_the_given_keys(cache: &dyn Cache) {
    let keys: Vec<String> = (0..3).map(|i| cache_key(&i.to_string())).collect();
    for k in &keys {
        cache.put(k, k.as_bytes().to_vec(), LONG).await.unwrap();
    }
    cache
        .invalidate(&[keys[0].clone(), keys[1].clone(), cache_key("never-stored")])
        .await
        .unwrap();
    assert_eq!(cache.get(&keys[0]).await.unwrap(), None);
    assert_eq!(cache.get(&keys[1]).await.unwrap(), None);
    assert_eq!(
        cache.get(&keys[2]).await.unwrap(),
        Some(keys[2].as_bytes().to_vec())
    );
    cache.invalidate(&[]).await.unwrap();
    cache.put(&keys[0], b"back".to_vec(), LONG).await.unwrap();
    assert_eq!(
        cache.get(&keys[0]).await.unwrap().as_deref(),
        Some(&b"back"[..]),
        "a key can be cached again"
    );
}

/// Every get counts one hit or one miss; puts and invalidations count nothing.
pub async fn stats_count_hits_and_misses(cache: &dyn Cache) {
    let k = cache_key("stats");
    let before = cache.stats();
    for _ in 0..3 {
        assert_eq!(cache.get(&k).await.unwrap(), None);
    }
    cache.put(&k, b"x".to_vec(), LONG).await.unwrap();
    for _ in 0..5 {
        assert!(cache.get(&k).await.unwrap().is_some());
    }
    cache.invalidate(std::slice::from_ref(&k)).await.unwrap();
    assert_eq!(cache.get(&k).await.unwrap(), None);
    let after = cache.stats();
    assert_eq!(
        after.hits - before.hits,
        5,
        "5 hits, counted {before:?} -> {after:?}"
    );
    assert_eq!(
        after.misses - before.misses,
        4,
        "4 misses, counted {before:?} -> {after:?}"
    );
}
