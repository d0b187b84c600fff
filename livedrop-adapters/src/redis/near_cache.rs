//! [`NearCache`]: a small in-process tier in front of the shared Redis cache, for the few
//! keys read thousands of times a second (a live drop's page).
//!
//! Why: a hot key answered from Redis costs this process a round trip per request (or per
//! batch of readers, with the `GET`s coalesced), about twice the CPU of the rest of the
//! request. Kept here for a fraction of a second, the same entry serves every reader
//! meanwhile. Another instance's write reaches this tier only through the lifetime, so the
//! lifetime is the staleness this tier adds: short, and below the second an invalidation
//! takes to travel the event bus anyway.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use livedrop_core::Result;
use livedrop_core::ports::{Cache, CacheStats};

use crate::memory::MemoryCache;

/// An in-process tier over a shared cache. See [`Cache`] for the contract: it holds for
/// one instance (its own puts and invalidations reach both tiers at once); across
/// instances an entry here may outlive another instance's write by up to `lifetime`. So
/// may one a read of this instance fetched from the shared tier just before this
/// instance's own invalidation and stored after it: `lifetime` bounds every staleness
/// this tier adds.
#[derive(Debug)]
pub struct NearCache {
    near: MemoryCache,
    shared: Arc<dyn Cache>,
    lifetime: Duration,
}

impl NearCache {
    /// `shared` with a tier of at most `max_bytes` in front, each entry kept there for at
    /// most `lifetime`.
    pub fn new(shared: Arc<dyn Cache>, max_bytes: u64, lifetime: Duration) -> Self {
        Self {
            near: MemoryCache::new(max_bytes),
            shared,
            lifetime,
        }
    }
}

#[async_trait]
impl Cache for NearCache {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        if let Some(bytes) = self.near.get(key).await? {
            return Ok(Some(bytes));
        }
        let found = self.shared.get(key).await?;
        if let Some(bytes) = &found {
            // The shared tier does not say how long its entry has left; the short lifetime
            // bounds how much longer this copy can live than that.
            self.near.put(key, bytes.clone(), self.lifetime).await?;
        }
        Ok(found)
    }

    async fn put(&self, key: &str, value: Vec<u8>, ttl: Duration) -> Result<()> {
        self.near
            .put(key, value.clone(), ttl.min(self.lifetime))
            .await?;
        self.shared.put(key, value, ttl).await
    }

    async fn invalidate(&self, keys: &[String]) -> Result<()> {
        self.near.invalidate(keys).await?;
        self.shared.invalidate(keys).await
    }

    /// The near tier only: another instance's invalidation already removed the shared
    /// entries, and this one's copies must not outlive that by their lifetime.
    async fn forget_local(&self, keys: &[String]) -> Result<()> {
        self.near.invalidate(keys).await
    }

    /// A near hit counts as a hit; a near miss is not a miss of the cache (the shared tier
    /// decides that, and counts it).
    fn stats(&self) -> CacheStats {
        let (near, shared) = (self.near.stats(), self.shared.stats());
        CacheStats {
            hits: near.hits + shared.hits,
            misses: shared.misses,
        }
    }
}
