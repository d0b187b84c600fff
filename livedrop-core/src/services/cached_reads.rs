//! Catalog and stock reads through the cache port, and what each event makes stale.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use serde::{Serialize, de::DeserializeOwned};

use crate::domain::{Creator, Drop, DropStatus, DropStock, Event, EventData, Product};
use crate::ids::{CreatorId, DropId, ProductId};
use crate::pagination::{Page, PageRequest};
use crate::ports::{Cache, CacheStats, CacheTtls, Catalog, Ledger, cache_keys as keys};
use crate::services::Encoded;
use crate::{Error, Result};

/// Read-through reads of creators, products, drops and stock, with the design's TTLs.
///
/// The cache only ever costs a lookup: a miss, an unreadable entry or an unavailable cache
/// all fall through to the authoritative port, and a failed `put` is logged and ignored.
/// Entries are JSON, so every server instance reads the others' entries; their keys carry
/// the encoding's version (see the cache port's `keys`), so an instance never reads an
/// entry of another encoding. The `*_encoded` reads hand a hit's JSON on as it is.
/// Writers do not touch the cache; the event consumer calls [`stale_keys`] and
/// invalidates, and the short TTLs bound what a lost invalidation can cost.
#[derive(Clone, Debug)]
pub struct CachedReads {
    cache: Arc<dyn Cache>,
    catalog: Arc<dyn Catalog>,
    ledger: Arc<dyn Ledger>,
    ttls: CacheTtls,
}

impl CachedReads {
    /// Reads over these ports.
    pub fn new(
        cache: Arc<dyn Cache>,
        catalog: Arc<dyn Catalog>,
        ledger: Arc<dyn Ledger>,
        ttls: CacheTtls,
    ) -> Self {
        Self {
            cache,
            catalog,
            ledger,
            ttls,
        }
    }

    /// A creator's profile.
    pub async fn creator(&self, id: CreatorId) -> Result<Creator> {
        let load = self.catalog.get_creator(id);
        self.read(keys::creator(id), self.ttls.creator, load).await
    }

    /// A product.
    pub async fn product(&self, id: ProductId) -> Result<Product> {
        let load = self.catalog.get_product(id);
        self.read(keys::product(id), self.ttls.product, load).await
    }

    /// A drop (its status may lag by up to the drop TTL; `GET /drops/:id` reads the
    /// catalog instead).
    pub async fn drop(&self, id: DropId) -> Result<Drop> {
        let load = self.catalog.get_drop(id);
        self.read(keys::drop(id), self.ttls.drop, load).await
    }

    /// [`creator`](Self::creator), as its JSON.
    pub async fn creator_encoded(&self, id: CreatorId) -> Result<Encoded<Creator>> {
        let load = self.catalog.get_creator(id);
        self.read_encoded(keys::creator(id), self.ttls.creator, load)
            .await
    }

    /// [`product`](Self::product), as its JSON.
    pub async fn product_encoded(&self, id: ProductId) -> Result<Encoded<Product>> {
        let load = self.catalog.get_product(id);
        self.read_encoded(keys::product(id), self.ttls.product, load)
            .await
    }

    /// [`drop`](Self::drop), as its JSON.
    pub async fn drop_encoded(&self, id: DropId) -> Result<Encoded<Drop>> {
        let load = self.catalog.get_drop(id);
        self.read_encoded(keys::drop(id), self.ttls.drop, load)
            .await
    }

    /// A drop's stock, at most one stock TTL old.
    pub async fn stock(&self, id: DropId) -> Result<DropStock> {
        let load = self.ledger.stock(id);
        self.read(keys::stock(id), self.ttls.stock, load).await
    }

    /// Live drops, soonest start first. The first page of the default size is the cached
    /// read model (most browsing starts there); later pages read the catalog.
    pub async fn live_drops(&self, page: PageRequest) -> Result<Page<Drop>> {
        let load = self.catalog.drops_by_status(DropStatus::Live, page);
        if page != PageRequest::default() {
            return load.await;
        }
        self.read(keys::live_drops(), self.ttls.drop, load).await
    }

    /// The cache's hit and miss counters.
    pub fn cache_stats(&self) -> CacheStats {
        self.cache.stats()
    }

    /// Removes `keys` (what [`stale_keys`] names for an event) from the cache.
    pub async fn invalidate(&self, keys: &[String]) -> Result<()> {
        self.cache.invalidate(keys).await
    }

    /// Rebuilds the live-drops read model from the catalog (the cache invalidator calls this
    /// when a drop's status changes, so browsing sees it before the TTL would).
    pub async fn refresh_live_drops(&self) -> Result<()> {
        let page = self
            .catalog
            .drops_by_status(DropStatus::Live, PageRequest::default())
            .await?;
        self.fill(&keys::live_drops(), &page, self.ttls.drop).await;
        Ok(())
    }

    async fn read<T: Serialize + DeserializeOwned>(
        &self,
        key: String,
        ttl: Duration,
        load: impl Future<Output = Result<T>>,
    ) -> Result<T> {
        match self.cache.get(&key).await {
            Ok(Some(bytes)) => match serde_json::from_slice(&bytes) {
                Ok(value) => return Ok(value),
                // Written by an incompatible version, say: reload and overwrite it.
                Err(error) => tracing::warn!(%key, %error, "unreadable cache entry"),
            },
            Ok(None) => {}
            Err(error) => tracing::debug!(%key, %error, "cache bypassed"),
        }
        let value = load.await?;
        self.fill(&key, &value, ttl).await;
        Ok(value)
    }

    /// [`read`](Self::read) without decoding a hit: the entry's bytes are the value's JSON.
    async fn read_encoded<T: Serialize>(
        &self,
        key: String,
        ttl: Duration,
        load: impl Future<Output = Result<T>>,
    ) -> Result<Encoded<T>> {
        match self.cache.get(&key).await {
            Ok(Some(bytes)) => return Ok(Encoded::new(bytes)),
            Ok(None) => {}
            Err(error) => tracing::debug!(%key, %error, "cache bypassed"),
        }
        let value = load.await?;
        let json = serde_json::to_vec(&value).map_err(|e| Error::internal("encode", e))?;
        self.put(&key, json.clone(), ttl).await;
        Ok(Encoded::new(json))
    }

    /// Stores `value` under `key`; a cache that cannot take it only costs later misses.
    async fn fill<T: Serialize>(&self, key: &str, value: &T, ttl: Duration) {
        match serde_json::to_vec(value) {
            Ok(bytes) => self.put(key, bytes, ttl).await,
            Err(error) => tracing::warn!(%key, %error, "value not cacheable"),
        }
    }

    async fn put(&self, key: &str, json: Vec<u8>, ttl: Duration) {
        if let Err(error) = self.cache.put(key, json, ttl).await {
            tracing::debug!(%key, %error, "cache fill skipped");
        }
    }
}

/// Adds the keys `event` makes stale to `stale`, each key once however many events of a
/// batch name it (a sale's thousand `order.confirmed` events name the same few); whether
/// the event made any key stale.
pub fn add_stale_keys(event: &Event, stale: &mut Vec<String>) -> bool {
    let keys = stale_keys(event);
    let any = !keys.is_empty();
    for key in keys {
        if !stale.contains(&key) {
            stale.push(key);
        }
    }
    any
}

/// The cache keys `event` makes stale: what the event consumer invalidates.
pub fn stale_keys(event: &Event) -> Vec<String> {
    let drop_keys = || {
        event
            .drop_id
            .map(|id| vec![keys::drop(id), keys::stock(id)])
            .unwrap_or_default()
    };
    match &event.data {
        EventData::CreatorCreated { .. } | EventData::CreatorUpdated {} => {
            vec![keys::creator(event.creator_id)]
        }
        EventData::ProductCreated { product_id } | EventData::ProductUpdated { product_id } => {
            vec![keys::product(*product_id)]
        }
        // A new drop is scheduled: not in the live list yet.
        EventData::DropCreated { .. } => drop_keys(),
        // A status or window change: the drop, its stock and the live list.
        EventData::DropUpdated { .. }
        | EventData::DropStarted { .. }
        | EventData::DropEnded { .. }
        | EventData::DropSoldOut {}
        | EventData::DropRestocked { .. } => {
            let mut stale = drop_keys();
            stale.push(keys::live_drops());
            stale
        }
        // Only the count moved; a status change comes as its own event.
        EventData::StockLow { .. }
        | EventData::OrderConfirmed { .. }
        | EventData::OrderCancelled { .. } => event
            .drop_id
            .map(|id| vec![keys::stock(id)])
            .unwrap_or_default(),
        // Follower lists are not cached.
        EventData::FollowCreated { .. } | EventData::FollowRemoved { .. } => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use chrono::Utc;

    use super::*;
    use crate::Error;
    use crate::domain::{DisplayName, Handle, Quantity};
    use crate::ids::{OrderId, UserId};
    use crate::ports::{MockCache, MockCatalog, MockLedger};

    fn creator() -> Creator {
        Creator::new(
            UserId::new(),
            DisplayName::try_from("Ada").unwrap(),
            Handle::try_from("ada").unwrap(),
            Utc::now(),
        )
    }

    /// A catalog that must be asked for `creator` exactly `loads` times.
    fn catalog_loading(creator: &Creator, loads: usize) -> MockCatalog {
        let mut catalog = MockCatalog::new();
        let loaded = creator.clone();
        catalog
            .expect_get_creator()
            .times(loads)
            .returning(move |_| Ok(loaded.clone()));
        catalog
    }

    fn reads(cache: MockCache, catalog: MockCatalog) -> CachedReads {
        CachedReads::new(
            Arc::new(cache),
            Arc::new(catalog),
            Arc::new(MockLedger::new()),
            CacheTtls::default(),
        )
    }

    /// A one-entry cache over `stored` that must be filled exactly once, under `key` for
    /// `ttl`.
    fn one_entry_cache(
        stored: &Arc<Mutex<Option<Vec<u8>>>>,
        key: String,
        ttl: Duration,
    ) -> MockCache {
        let mut cache = MockCache::new();
        let on_get = Arc::clone(stored);
        cache
            .expect_get()
            .returning(move |_| Ok(on_get.lock().unwrap().clone()));
        let on_put = Arc::clone(stored);
        cache
            .expect_put()
            .times(1)
            .withf(move |k, _, t| k == key && *t == ttl)
            .returning(move |_, value, _| {
                *on_put.lock().unwrap() = Some(value);
                Ok(())
            });
        cache
    }

    #[tokio::test]
    async fn a_miss_fills_the_cache_and_the_next_read_is_served_from_it() {
        let ada = creator();
        let stored: Arc<Mutex<Option<Vec<u8>>>> = Arc::default();
        let cache = one_entry_cache(&stored, keys::creator(ada.id), CacheTtls::default().creator);
        let reads = reads(cache, catalog_loading(&ada, 1));
        assert_eq!(reads.creator(ada.id).await.unwrap(), ada);
        assert_eq!(reads.creator(ada.id).await.unwrap(), ada);
    }

    #[tokio::test]
    async fn an_encoded_read_fills_with_the_json_and_hands_a_hit_on_as_it_is() {
        let ada = creator();
        let stored: Arc<Mutex<Option<Vec<u8>>>> = Arc::default();
        let cache = one_entry_cache(&stored, keys::creator(ada.id), CacheTtls::default().creator);
        let reads = reads(cache, catalog_loading(&ada, 1));
        let missed = reads.creator_encoded(ada.id).await.unwrap().into_bytes();
        assert_eq!(missed, serde_json::to_vec(&ada).unwrap());
        // What the cache holds now is handed on byte for byte, whatever it is.
        *stored.lock().unwrap() = Some(b"{\"as\":\"stored\"}".to_vec());
        let hit = reads.creator_encoded(ada.id).await.unwrap().into_bytes();
        assert_eq!(hit, b"{\"as\":\"stored\"}");
    }

    #[tokio::test]
    async fn an_unavailable_cache_is_bypassed() {
        let ada = creator();
        let mut cache = MockCache::new();
        cache
            .expect_get()
            .returning(|_| Err(Error::unavailable("redis", "down")));
        cache
            .expect_put()
            .returning(|_, _, _| Err(Error::unavailable("redis", "down")));
        let reads = reads(cache, catalog_loading(&ada, 2));
        assert_eq!(reads.creator(ada.id).await.unwrap(), ada);
        assert_eq!(reads.creator(ada.id).await.unwrap(), ada);
    }

    #[tokio::test]
    async fn an_unreadable_entry_is_reloaded_and_a_missing_item_is_not_cached() {
        let ada = creator();
        let mut cache = MockCache::new();
        cache
            .expect_get()
            .returning(|_| Ok(Some(b"not json".to_vec())));
        cache.expect_put().times(1).returning(|_, _, _| Ok(()));
        let mut catalog = catalog_loading(&ada, 1);
        catalog
            .expect_get_product()
            .returning(|id| Err(Error::not_found(crate::Entity::Product, id)));
        let reads = reads(cache, catalog);
        assert_eq!(reads.creator(ada.id).await.unwrap(), ada);
        let missing = reads.product(ProductId::new()).await.unwrap_err();
        assert_eq!(missing.code(), "not_found");
    }

    #[test]
    fn events_name_exactly_the_entries_they_make_stale() {
        let (creator_id, drop_id, product_id) = (CreatorId::new(), DropId::new(), ProductId::new());
        let now = Utc::now();
        let event = |data| Event::new(data, creator_id, Some(drop_id), now);
        let confirmed = event(EventData::OrderConfirmed {
            order_id: OrderId::new(),
            user_id: UserId::new(),
            qty: Quantity::ONE,
            available: 3,
        });
        assert_eq!(stale_keys(&confirmed), vec![keys::stock(drop_id)]);
        assert_eq!(
            stale_keys(&event(EventData::DropSoldOut {})),
            vec![
                keys::drop(drop_id),
                keys::stock(drop_id),
                keys::live_drops()
            ]
        );
        // A new drop is scheduled: the live list cannot have changed.
        let created = event(EventData::DropCreated {
            product_id,
            start_at: now,
            end_at: now,
            initial_stock: 1,
        });
        assert_eq!(
            stale_keys(&created),
            vec![keys::drop(drop_id), keys::stock(drop_id)]
        );
        assert_eq!(
            stale_keys(&Event::new(
                EventData::ProductUpdated { product_id },
                creator_id,
                None,
                now
            )),
            vec![keys::product(product_id)]
        );
        assert_eq!(
            stale_keys(&event(EventData::CreatorUpdated {})),
            vec![keys::creator(creator_id)]
        );
    }
}
