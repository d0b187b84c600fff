//! In-memory read cache: moka (TinyLFU admission, size-bounded) with per-entry TTLs.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use async_trait::async_trait;
use livedrop_core::Result;
use livedrop_core::ports::{Cache, CacheStats};
use moka::{Expiry, sync::Cache as Moka};

#[derive(Clone, Debug)]
struct Entry {
    bytes: Arc<[u8]>,
    ttl: Duration,
}

/// Each entry lives for the TTL it was put with.
struct PerEntryTtl;

impl Expiry<String, Entry> for PerEntryTtl {
    fn expire_after_create(&self, _key: &String, entry: &Entry, _at: Instant) -> Option<Duration> {
        Some(entry.ttl)
    }

    fn expire_after_update(
        &self,
        _key: &String,
        entry: &Entry,
        _at: Instant,
        _left: Option<Duration>,
    ) -> Option<Duration> {
        Some(entry.ttl)
    }
}

/// A cache bounded by total bytes.
#[derive(Debug)]
pub struct MemoryCache {
    entries: Moka<String, Entry>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl MemoryCache {
    pub(crate) fn new(max_bytes: u64) -> Self {
        let entries = Moka::builder()
            .max_capacity(max_bytes)
            .weigher(|key: &String, entry: &Entry| {
                u32::try_from(key.len() + entry.bytes.len()).unwrap_or(u32::MAX)
            })
            .expire_after(PerEntryTtl)
            .build();
        Self {
            entries,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }
}

#[async_trait]
impl Cache for MemoryCache {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        let found = self.entries.get(key).map(|entry| entry.bytes.to_vec());
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        Ok(found)
    }

    async fn put(&self, key: &str, value: Vec<u8>, ttl: Duration) -> Result<()> {
        self.entries.insert(
            key.to_owned(),
            Entry {
                bytes: value.into(),
                ttl,
            },
        );
        Ok(())
    }

    async fn invalidate(&self, keys: &[String]) -> Result<()> {
        for key in keys {
            self.entries.invalidate(key);
        }
        Ok(())
    }

    fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
        }
    }
}
