//! Browsing: every list is keyset-paginated.

use std::sync::Arc;

use crate::Result;
use crate::domain::{Drop, DropStatus, Follow, Product};
use crate::ids::{CreatorId, UserId};
use crate::pagination::{Page, PageRequest};
use crate::ports::{Catalog, FollowStore};

/// Read-only lists over the catalog and follows.
#[derive(Clone, Debug)]
pub struct BrowseService {
    catalog: Arc<dyn Catalog>,
    follows: Arc<dyn FollowStore>,
}

impl BrowseService {
    /// A service over these ports.
    pub fn new(catalog: Arc<dyn Catalog>, follows: Arc<dyn FollowStore>) -> Self {
        Self { catalog, follows }
    }

    /// Drops in `status`, soonest start first.
    pub async fn drops(&self, status: DropStatus, page: PageRequest) -> Result<Page<Drop>> {
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
