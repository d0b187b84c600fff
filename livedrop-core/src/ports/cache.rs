//! The read cache port.

use std::{fmt::Debug, time::Duration};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::ids::{CreatorId, DropId, ProductId};

/// Hit and miss counters since start.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheStats {
    /// Lookups that found a value.
    pub hits: u64,
    /// Lookups that did not.
    pub misses: u64,
}

/// The design's TTLs: short for stock, longer for profiles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CacheTtls {
    /// Creator profiles.
    pub creator: Duration,
    /// Products.
    pub product: Duration,
    /// Drops.
    pub drop: Duration,
    /// Stock counts.
    pub stock: Duration,
}

impl Default for CacheTtls {
    fn default() -> Self {
        Self {
            creator: Duration::from_secs(300),
            product: Duration::from_secs(120),
            drop: Duration::from_secs(30),
            stock: Duration::from_secs(1),
        }
    }
}

/// The cache keys LiveDrop uses, in one place so writers and invalidators agree. Each
/// starts with the entries' encoding version ([`ENCODING`](keys::ENCODING)): cached JSON
/// is answered as it is, so an instance must never read another encoding's entries.
pub mod keys {
    use uuid::Uuid;

    use super::*;

    /// The version of the cached values' JSON; change it whenever a cached type's `serde`
    /// form changes, so instances of two versions sharing a cache keep apart.
    pub const ENCODING: &str = "v1";

    /// A creator profile.
    pub fn creator(id: CreatorId) -> String {
        keyed("creator", id.as_uuid())
    }
    /// A product.
    pub fn product(id: ProductId) -> String {
        keyed("product", id.as_uuid())
    }
    /// A drop.
    pub fn drop(id: DropId) -> String {
        keyed("drop", id.as_uuid())
    }
    /// A drop's stock.
    pub fn stock(id: DropId) -> String {
        keyed("stock", id.as_uuid())
    }
    /// The first page (default size) of live drops: the read model behind "browse live
    /// drops", refreshed by the cache invalidator when a drop's status changes.
    pub fn live_drops() -> String {
        format!("{ENCODING}:drops:live:first")
    }

    /// `v1:<kind>:<id>`, the id as its `Display` writes it. Built by hand: a cached read
    /// and every event's invalidation make one, and `format!` took about 800 instructions
    /// of a read's 35,000 (callgrind).
    fn keyed(kind: &str, id: Uuid) -> String {
        let mut key = String::with_capacity(ENCODING.len() + kind.len() + 2 + 36);
        key.push_str(ENCODING);
        key.push(':');
        key.push_str(kind);
        key.push(':');
        key.push_str(id.hyphenated().encode_lower(&mut Uuid::encode_buffer()));
        key
    }
}

/// A bounded key/value cache of serialized reads with per-entry TTLs.
///
/// # Contract
/// - [`get`](Cache::get) returns what the last [`put`](Cache::put) stored under the key,
///   until its TTL passes or it is [`invalidate`](Cache::invalidate)d; then `None`.
/// - Every `get` counts one hit or one miss in [`stats`](Cache::stats).
/// - The cache MAY forget entries early (it is bounded); callers always have a loader.
/// - [`Error::Unavailable`](crate::Error::Unavailable) means "bypass me", never "fail the read".
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Cache: Send + Sync + Debug + 'static {
    /// The cached bytes under `key`.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>>;
    /// Stores `value` under `key` for `ttl`.
    async fn put(&self, key: &str, value: Vec<u8>, ttl: Duration) -> Result<()>;
    /// Removes keys.
    async fn invalidate(&self, keys: &[String]) -> Result<()>;
    /// Drops this process's own copies of `keys` (all of a cache kept in process, the
    /// near tier of a shared one), leaving a shared store's entries to
    /// [`invalidate`](Cache::invalidate). Why both: `invalidate` runs once per event, in
    /// whichever instance the invalidators' consumer group hands it to; this runs in
    /// every instance (the server calls it from its own tail of the bus), so no instance
    /// goes on serving its own stale copy until the TTL. The default invalidates, right
    /// for a cache that lives in this process only.
    async fn forget_local(&self, keys: &[String]) -> Result<()> {
        self.invalidate(keys).await
    }
    /// Hit and miss counters.
    fn stats(&self) -> CacheStats;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_key_is_the_encoding_the_kind_and_the_id_as_displayed() {
        let (creator, product, drop) = (CreatorId::new(), ProductId::new(), DropId::new());
        assert_eq!(keys::creator(creator), format!("v1:creator:{creator}"));
        assert_eq!(keys::product(product), format!("v1:product:{product}"));
        assert_eq!(keys::drop(drop), format!("v1:drop:{drop}"));
        assert_eq!(keys::stock(drop), format!("v1:stock:{drop}"));
        assert_eq!(keys::live_drops(), "v1:drops:live:first");
    }
}
