//! The cache invalidator (the design's "database updater"): caches and read models follow
//! the events.

use async_trait::async_trait;

use super::{CachedReads, EventHandler, add_stale_keys};
use crate::Result;
use crate::domain::Event;
use crate::ports::cache_keys as keys;

/// Invalidates what each event makes stale ([`stale_keys`](super::stale_keys)) and, when a drop's status
/// changes, rebuilds the live-drops read model at once rather than waiting for a reader
/// to miss.
///
/// Idempotent by nature: deleting a key twice, or rebuilding a list from the catalog
/// twice, leaves what doing it once leaves.
#[derive(Clone, Debug)]
pub struct CacheInvalidator {
    reads: CachedReads,
}

impl CacheInvalidator {
    /// The consumer group of cache invalidators. Named after the design's "database
    /// updater", as it was first deployed: a new name would start a new group at the
    /// oldest event.
    pub const GROUP: &'static str = "livedrop-database-updater";

    /// An invalidator of the cache `reads` reads through.
    pub fn new(reads: CachedReads) -> Self {
        Self { reads }
    }
}

#[async_trait]
impl EventHandler for CacheInvalidator {
    fn group(&self) -> &str {
        Self::GROUP
    }

    async fn handle(&self, event: &Event) -> Result<bool> {
        Ok(self.handle_batch(std::slice::from_ref(event)).await?[0])
    }

    /// One invalidation for the keys the whole batch made stale (each once), and at most
    /// one rebuild of the live-drops list: a sale's thousand `order.confirmed` events name
    /// the same few keys.
    async fn handle_batch(&self, events: &[Event]) -> Result<Vec<bool>> {
        let mut stale: Vec<String> = Vec::new();
        let applied = events
            .iter()
            .map(|event| add_stale_keys(event, &mut stale))
            .collect();
        if stale.is_empty() {
            return Ok(applied);
        }
        // A failed invalidation is retried (the consumer does not commit past it): a stale
        // stock count would otherwise live for a whole TTL.
        self.reads.invalidate(&stale).await?;
        // A drop entered or left the live list (so its key is among the stale ones).
        if stale.contains(&keys::live_drops()) {
            self.reads.refresh_live_drops().await?;
        }
        Ok(applied)
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use mockall::predicate::eq;

    use std::sync::Arc;

    use super::*;
    use crate::domain::{EventData, Quantity};
    use crate::ids::{CreatorId, DropId, OrderId, UserId};
    use crate::pagination::Page;
    use crate::ports::{CacheTtls, MockCache, MockCatalog, MockLedger};

    fn invalidator(cache: MockCache, catalog: MockCatalog) -> CacheInvalidator {
        CacheInvalidator::new(CachedReads::new(
            Arc::new(cache),
            Arc::new(catalog),
            Arc::new(MockLedger::new()),
            CacheTtls::default(),
        ))
    }

    fn event(data: EventData, drop_id: DropId) -> Event {
        Event::new(data, CreatorId::new(), Some(drop_id), Utc::now())
    }

    #[tokio::test]
    async fn a_sell_out_invalidates_the_drop_and_rebuilds_the_live_list() {
        let drop_id = DropId::new();
        let mut cache = MockCache::new();
        cache
            .expect_invalidate()
            .with(eq(vec![
                keys::drop(drop_id),
                keys::stock(drop_id),
                keys::live_drops(),
            ]))
            .times(1)
            .returning(|_| Ok(()));
        cache
            .expect_put()
            .withf(|key, _, _| key == keys::live_drops())
            .times(1)
            .returning(|_, _, _| Ok(()));
        let mut catalog = MockCatalog::new();
        catalog.expect_drops_by_status().times(1).returning(|_, _| {
            Ok(Page {
                items: Vec::new(),
                next_cursor: None,
            })
        });
        let applied = invalidator(cache, catalog)
            .handle(&event(EventData::DropSoldOut {}, drop_id))
            .await
            .unwrap();
        assert!(applied);
    }

    #[tokio::test]
    async fn an_order_only_invalidates_the_stock_and_a_follow_touches_nothing() {
        let drop_id = DropId::new();
        let mut cache = MockCache::new();
        cache
            .expect_invalidate()
            .with(eq(vec![keys::stock(drop_id)]))
            .times(1)
            .returning(|_| Ok(()));
        let updater = invalidator(cache, MockCatalog::new());
        let confirmed = EventData::OrderConfirmed {
            order_id: OrderId::new(),
            user_id: UserId::new(),
            qty: Quantity::ONE,
            available: 1,
        };
        assert!(updater.handle(&event(confirmed, drop_id)).await.unwrap());
        let follow = EventData::FollowCreated {
            user_id: UserId::new(),
        };
        assert!(!updater.handle(&event(follow, drop_id)).await.unwrap());
    }

    #[tokio::test]
    async fn a_failed_invalidation_is_an_error_to_retry() {
        let mut cache = MockCache::new();
        cache
            .expect_invalidate()
            .returning(|_| Err(crate::Error::unavailable("cache", "down")));
        let updater = invalidator(cache, MockCatalog::new());
        let error = updater
            .handle(&event(EventData::DropSoldOut {}, DropId::new()))
            .await
            .unwrap_err();
        assert!(error.is_retryable());
    }
}
