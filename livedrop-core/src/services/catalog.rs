//! Users, creators, products and drops: creation and edits, with ownership checks; a
//! drop's authoritative stock; upload URLs for product images.

use std::sync::Arc;
use std::time::Duration;

use crate::clock::Clock;
use crate::domain::DropStock;
use crate::domain::{
    Creator, DisplayName, Drop, DropStatus, DropWindow, Email, Handle, PersonName, Product,
    ProductDetails, StockPlan, User, ValidationError,
};
use crate::ids::{CreatorId, DropId, ProductId, UserId};
use crate::ports::{
    Catalog, ImageType, Ledger, Media, MediaKey, PresignedUpload, RateLimiter, RouteClass,
    UploadRequest,
};
use crate::{Error, Result};

/// The largest product image accepted.
pub const MAX_IMAGE_BYTES: u64 = 5 * 1024 * 1024;
/// The most images a product shows.
pub const MAX_PRODUCT_IMAGES: usize = 8;

/// How long an image upload URL works: long enough for a slow phone upload, short enough
/// that a leaked one is soon useless.
pub const UPLOAD_URL_TTL: Duration = Duration::from_secs(10 * 60);

/// The catalog use cases. Only a creator's owner may manage its products and drops.
#[derive(Clone, Debug)]
pub struct CatalogService {
    catalog: Arc<dyn Catalog>,
    ledger: Arc<dyn Ledger>,
    media: Arc<dyn Media>,
    /// The upload quota's buckets ([`RouteClass::Upload`]), per product and per user.
    quotas: Arc<dyn RateLimiter>,
    clock: Arc<dyn Clock>,
}

impl CatalogService {
    /// A service over these ports: the ledger for drops' stock, the media port for image
    /// upload URLs and a rate limiter for their quota.
    pub fn new(
        catalog: Arc<dyn Catalog>,
        ledger: Arc<dyn Ledger>,
        media: Arc<dyn Media>,
        quotas: Arc<dyn RateLimiter>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            catalog,
            ledger,
            media,
            quotas,
            clock,
        }
    }

    /// Registers a user.
    pub async fn register_user(&self, email: Email, name: PersonName) -> Result<User> {
        let user = User::new(email, name, self.clock.now());
        self.catalog.create_user(&user).await?;
        Ok(user)
    }

    /// Makes `owner` a creator.
    pub async fn become_creator(
        &self,
        owner: UserId,
        display_name: DisplayName,
        handle: Handle,
    ) -> Result<Creator> {
        let creator = Creator::new(owner, display_name, handle, self.clock.now());
        self.catalog.create_creator(&creator).await?;
        Ok(creator)
    }

    /// Renames a creator.
    pub async fn update_creator(
        &self,
        actor: UserId,
        creator_id: CreatorId,
        display_name: DisplayName,
        handle: Handle,
    ) -> Result<Creator> {
        let mut creator = self.owned_creator(actor, creator_id).await?;
        creator.display_name = display_name;
        creator.handle = handle;
        self.catalog
            .update_creator(&creator, self.clock.now())
            .await?;
        Ok(creator)
    }

    /// Adds a product to `actor`'s creator.
    pub async fn create_product(
        &self,
        actor: UserId,
        creator_id: CreatorId,
        details: ProductDetails,
    ) -> Result<Product> {
        self.owned_creator(actor, creator_id).await?;
        let product = Product::new(creator_id, details, self.clock.now());
        self.catalog.create_product(&product, actor).await?;
        Ok(product)
    }

    /// Edits a product of `actor`'s creator.
    pub async fn update_product(
        &self,
        actor: UserId,
        product_id: ProductId,
        details: ProductDetails,
    ) -> Result<Product> {
        let mut product = self.owned_product(actor, product_id).await?;
        product.details = details;
        self.catalog
            .update_product(&product, actor, self.clock.now())
            .await?;
        Ok(product)
    }

    /// Schedules a drop of a product of `actor`'s creator.
    pub async fn create_drop(
        &self,
        actor: UserId,
        product_id: ProductId,
        window: DropWindow,
        plan: StockPlan,
    ) -> Result<Drop> {
        let product = self.owned_product(actor, product_id).await?;
        let drop = Drop::new(
            product.id,
            product.creator_id,
            window,
            plan,
            self.clock.now(),
        );
        self.catalog.create_drop(&drop, actor).await?;
        Ok(drop)
    }

    /// Reschedules or resizes a drop that has not started.
    pub async fn update_drop(
        &self,
        actor: UserId,
        drop_id: DropId,
        window: DropWindow,
        plan: StockPlan,
    ) -> Result<Drop> {
        let mut drop = self.catalog.get_drop(drop_id).await?;
        self.owned_creator(actor, drop.creator_id).await?;
        if drop.status != DropStatus::Scheduled {
            return Err(Error::DropNotEditable {
                status: drop.status,
            });
        }
        drop.window = window;
        drop.plan = plan;
        self.catalog
            .update_drop(&drop, actor, self.clock.now())
            .await?;
        Ok(drop)
    }

    /// A drop and its live stock, both from the authority (never a cache).
    pub async fn drop_with_stock(&self, id: DropId) -> Result<(Drop, DropStock)> {
        let (mut drop, stock) =
            futures_util::future::try_join(self.catalog.get_drop(id), self.ledger.stock(id))
                .await?;
        // The two reads are separate instants; the stock row's status goes with its count.
        drop.status = stock.status;
        Ok((drop, stock))
    }

    /// A signed URL `actor` uploads one image of `content_type` for their product to,
    /// straight to the media backend (at most [`MAX_IMAGE_BYTES`], for
    /// [`UPLOAD_URL_TTL`]).
    ///
    /// Each URL may store an image, so each takes one from the user's upload quota
    /// ([`RouteClass::Upload`]; a product's URLs all come from its owner's, so it bounds
    /// each product too): past it, [`Error::QuotaExceeded`] (`429 quota_exceeded`), with
    /// when the next one is allowed. Checked after ownership, so nobody spends another's.
    pub async fn image_upload_url(
        &self,
        actor: UserId,
        product_id: ProductId,
        content_type: ImageType,
    ) -> Result<PresignedUpload> {
        let product = self.owned_product(actor, product_id).await?;
        self.take_upload_quota(actor).await?;
        let request = UploadRequest {
            key: MediaKey::product_image(product.id, content_type),
            content_type,
            max_bytes: MAX_IMAGE_BYTES,
            expires_in: UPLOAD_URL_TTL,
        };
        self.media.presign_upload(&request, self.clock.now()).await
    }

    /// Takes one from `user`'s upload quota.
    async fn take_upload_quota(&self, user: UserId) -> Result<()> {
        let decision = self
            .quotas
            .check(&format!("user:{user}"), RouteClass::Upload, 1)
            .await?;
        if decision.allowed {
            return Ok(());
        }
        Err(Error::QuotaExceeded {
            what: "image upload URLs",
            retry_after: decision.retry_after.unwrap_or(decision.refill_every),
        })
    }

    /// Shows `keys` (images uploaded through [`image_upload_url`](Self::image_upload_url)
    /// for this product, in display order) as the images of `actor`'s product, at most
    /// [`MAX_PRODUCT_IMAGES`]. A key of another product, or not a key at all, changes
    /// nothing.
    pub async fn set_product_images(
        &self,
        actor: UserId,
        product_id: ProductId,
        keys: &[String],
    ) -> Result<Product> {
        if keys.len() > MAX_PRODUCT_IMAGES {
            return Err(ValidationError::TooManyImages {
                max: MAX_PRODUCT_IMAGES,
            }
            .into());
        }
        let images = keys
            .iter()
            .map(|key| MediaKey::of_product(key, product_id).map(|key| key.as_str().to_owned()))
            .collect::<Result<Vec<_>, _>>()?;
        let mut product = self.owned_product(actor, product_id).await?;
        product.images = images;
        self.catalog
            .update_product(&product, actor, self.clock.now())
            .await?;
        Ok(product)
    }

    /// The creator `owner` manages; `NotFound` if they have none.
    pub async fn creator_of(&self, owner: UserId) -> Result<Creator> {
        self.catalog.creator_of(owner).await
    }

    /// A user by id.
    pub async fn get_user(&self, id: UserId) -> Result<User> {
        self.catalog.get_user(id).await
    }

    /// A creator by id.
    pub async fn get_creator(&self, id: CreatorId) -> Result<Creator> {
        self.catalog.get_creator(id).await
    }

    /// A product by id.
    pub async fn get_product(&self, id: ProductId) -> Result<Product> {
        self.catalog.get_product(id).await
    }

    /// A drop by id.
    pub async fn get_drop(&self, id: DropId) -> Result<Drop> {
        self.catalog.get_drop(id).await
    }

    /// The creator, if `actor` owns it: `Forbidden` if not, `NotFound` if there is no such
    /// creator.
    pub async fn owned_creator(&self, actor: UserId, creator_id: CreatorId) -> Result<Creator> {
        let creator = self.catalog.get_creator(creator_id).await?;
        if creator.owner_id != actor {
            return Err(Error::Forbidden("only the creator's owner may do this"));
        }
        Ok(creator)
    }

    /// The product, if `actor` owns its creator: `Forbidden` if not, `NotFound` if there is
    /// no such product.
    pub async fn owned_product(&self, actor: UserId, product_id: ProductId) -> Result<Product> {
        let product = self.catalog.get_product(product_id).await?;
        self.owned_creator(actor, product.creator_id).await?;
        Ok(product)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeDelta, Utc};

    use super::*;
    use crate::clock::ManualClock;
    use crate::domain::{CurrencyCode, Description, PriceCents, Title};
    use crate::ports::{MockCatalog, MockLedger, MockMedia, MockRateLimiter};

    fn details() -> ProductDetails {
        ProductDetails {
            title: Title::try_from("Hat").unwrap(),
            description: Description::try_from("").unwrap(),
            price_cents: PriceCents::try_from(1000).unwrap(),
            currency_code: CurrencyCode::try_from("EUR").unwrap(),
        }
    }

    fn creator_owned_by(owner: UserId) -> Creator {
        Creator::new(
            owner,
            DisplayName::try_from("Ada").unwrap(),
            Handle::try_from("ada").unwrap(),
            Utc::now(),
        )
    }

    fn service(catalog: MockCatalog) -> CatalogService {
        CatalogService::new(
            Arc::new(catalog),
            Arc::new(MockLedger::new()),
            Arc::new(MockMedia::new()),
            Arc::new(MockRateLimiter::new()),
            Arc::new(ManualClock::new(Utc::now())),
        )
    }

    #[tokio::test]
    async fn only_the_owner_creates_products_and_nothing_is_written_otherwise() {
        let owner = UserId::new();
        let creator = creator_owned_by(owner);
        let mut catalog = MockCatalog::new();
        let c = creator.clone();
        catalog
            .expect_get_creator()
            .returning(move |_| Ok(c.clone()));
        catalog
            .expect_create_product()
            .times(1)
            .returning(|_, _| Ok(()));
        let svc = service(catalog);
        let err = svc
            .create_product(UserId::new(), creator.id, details())
            .await
            .unwrap_err();
        assert_eq!(err.code(), "forbidden");
        assert_eq!(
            svc.create_product(owner, creator.id, details())
                .await
                .unwrap()
                .creator_id,
            creator.id
        );
    }

    #[tokio::test]
    async fn a_started_drop_cannot_be_edited() {
        let owner = UserId::new();
        let creator = creator_owned_by(owner);
        let now = Utc::now();
        let window = DropWindow::new(now, now + TimeDelta::hours(1)).unwrap();
        let plan = StockPlan::new(5, 1, None).unwrap();
        let mut live = Drop::new(ProductId::new(), creator.id, window, plan, now);
        live.status = DropStatus::Live;
        let mut catalog = MockCatalog::new();
        let c = creator.clone();
        catalog
            .expect_get_creator()
            .returning(move |_| Ok(c.clone()));
        let d = live.clone();
        catalog.expect_get_drop().returning(move |_| Ok(d.clone()));
        catalog.expect_update_drop().never();
        let err = service(catalog)
            .update_drop(owner, live.id, window, plan)
            .await
            .unwrap_err();
        assert!(matches!(
            err,
            Error::DropNotEditable {
                status: DropStatus::Live
            }
        ));
    }

    #[tokio::test]
    async fn a_failing_catalog_write_surfaces_and_returns_no_entity() {
        let owner = UserId::new();
        let creator = creator_owned_by(owner);
        let mut catalog = MockCatalog::new();
        let c = creator.clone();
        catalog
            .expect_get_creator()
            .returning(move |_| Ok(c.clone()));
        catalog
            .expect_create_product()
            .returning(|_, _| Err(Error::unavailable("postgres", "down")));
        let err = service(catalog)
            .create_product(owner, creator.id, details())
            .await
            .unwrap_err();
        assert!(err.is_retryable());
    }
}
