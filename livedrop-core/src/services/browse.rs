//! Browsing: every list is keyset-paginated.

use std::sync::Arc;

use crate::Result;
use crate::domain::{Drop, DropStatus, Follow, Product};
use crate::ids::{CreatorId, UserId};
use crate::pagination::{Page, PageRequest};
use crate::ports::{Catalog, FollowStore};
use crate::services::CachedReads;

/// Read-only lists over the catalog and follows.
#[derive(Clone, Debug)]
pub struct BrowseService {
    catalog: Arc<dyn Catalog>,
    follows: Arc<dyn FollowStore>,
    reads: CachedReads,
}

impl BrowseService {
    /// A service over these ports; `reads` serves the live-drops read model.
    pub fn new(
        catalog: Arc<dyn Catalog>,
        follows: Arc<dyn FollowStore>,
        reads: CachedReads,
    ) -> Self {
        Self {
            catalog,
            follows,
            reads,
        }
    }

    /// Drops in `status`, soonest start first. The first page of live drops (where most
    /// browsing starts) comes from the cached read model the cache invalidator rebuilds
    /// when a drop's status changes; it may lag by at most the drop TTL when a reader's
    /// fill races the rebuild.
    pub async fn drops(&self, status: DropStatus, page: PageRequest) -> Result<Page<Drop>> {
        if status == DropStatus::Live {
            return self.reads.live_drops(page).await;
        }
        self.catalog.drops_by_status(status, page).await
    }

    /// A creator's products, newest first.
    pub async fn products_of(
        &self,
        creator: CreatorId,
        page: PageRequest,
    ) -> Result<Page<Product>> {
        self.catalog.products_by_creator(creator, page).await
    }

    /// A creator's drops, of any status, newest first.
    pub async fn drops_of(&self, creator: CreatorId, page: PageRequest) -> Result<Page<Drop>> {
        self.catalog.drops_by_creator(creator, page).await
    }

    /// A creator's followers, newest first.
    pub async fn followers_of(
        &self,
        creator: CreatorId,
        page: PageRequest,
    ) -> Result<Page<Follow>> {
        self.follows.followers(creator, page).await
    }

    /// The creators `user` follows, newest first.
    pub async fn following_of(&self, user: UserId, page: PageRequest) -> Result<Page<Follow>> {
        self.follows.following(user, page).await
    }
}
