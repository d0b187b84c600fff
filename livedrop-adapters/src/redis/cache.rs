//! The read cache in Redis: plain strings with a TTL, shared by every server instance.
//! Concurrent reads of one key share one `GET`: a live drop's page read by thousands at
//! once costs Redis (and this process) one round trip per batch of readers, not one each.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use livedrop_core::Result;
use livedrop_core::ports::{Cache, CacheStats};

use super::connection::RedisConnection;
use super::health::Health;
use super::keys::KeySpace;
use super::millis;
use crate::single_flight::{Flight, SingleFlight};

/// Cached reads in Redis. See [`Cache`] for the contract.
///
/// Bounded by Redis's own `maxmemory` and eviction policy. Eviction suits a cache but not
/// the idempotency records or rate buckets (an evicted bucket starts full again), so give
/// the cache a Redis of its own with `allkeys-lru` when memory is tight, and keep the
/// other with `noeviction` (a full Redis then answers `OOM`, which the adapters treat as
/// an outage and fall back from). While Redis is down, `get` is a fast `Unavailable`
/// (counted as a miss) and the caller reads the source instead.
///
/// A read that joins another's `GET` under way may see the value as it was when that `GET`
/// was sent, one round trip before it arrived: no staler than a `GET` of its own that
/// crossed an invalidation on the wire.
#[derive(Debug)]
pub struct RedisCache {
    conn: RedisConnection,
    health: Arc<Health>,
    keys: KeySpace,
    /// `GET`s under way, by key, for readers arriving meanwhile to share.
    reads: SingleFlight<String, Option<Vec<u8>>>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl RedisCache {
    pub(crate) fn new(conn: RedisConnection, health: Arc<Health>, keys: KeySpace) -> Self {
        Self {
            conn,
            health,
            keys,
            reads: SingleFlight::new(),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    fn key(&self, key: &str) -> String {
        self.keys.key("cache", key)
    }
}

#[async_trait]
impl Cache for RedisCache {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        let key = self.key(key);
        let get = || async {
            let mut conn = self.conn.clone();
            let mut get = ::redis::cmd("GET");
            get.arg(&key);
            self.health.call(get.query_async(&mut conn)).await
        };
        let value = self
            .reads
            .run(key.clone(), get)
            .await
            .map(Flight::into_value);
        let counter = match &value {
            Ok(Some(_)) => &self.hits,
            _ => &self.misses,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        value
    }

    async fn put(&self, key: &str, value: Vec<u8>, ttl: Duration) -> Result<()> {
        let mut conn = self.conn.clone();
        let mut set = ::redis::cmd("SET");
        set.arg(self.key(key)).arg(value).arg("PX").arg(millis(ttl));
        self.health.call(set.query_async::<()>(&mut conn)).await
    }

    async fn invalidate(&self, keys: &[String]) -> Result<()> {
        if keys.is_empty() {
            return Ok(());
        }
        let mut conn = self.conn.clone();
        // A cluster connection splits the keys by slot into one `DEL` each.
        let mut del = ::redis::cmd("DEL");
        for key in keys {
            del.arg(self.key(key));
        }
        self.health.call(del.query_async::<()>(&mut conn)).await
    }

    /// Nothing of it lives in this process: every instance reads the same entries, which
    /// `invalidate` removes for all.
    async fn forget_local(&self, _keys: &[String]) -> Result<()> {
        Ok(())
    }

    fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
        }
    }
}
