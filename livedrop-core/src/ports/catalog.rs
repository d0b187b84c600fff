//! The catalog port: users, creators, products and drops.

use std::fmt::Debug;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

// `Drop` is used by path: mockall's generated `impl Drop for MockCatalog` needs the std trait.
use crate::Result;
use crate::domain::{self, Creator, DropStatus, Email, Handle, Product, User};
use crate::ids::{CreatorId, DropId, ProductId, UserId};
use crate::pagination::{Page, PageRequest};

/// Users, creators, products and drops.
///
/// # Contract
/// - Creates MUST reject duplicates with [`Error::AlreadyExists`](crate::Error::AlreadyExists):
///   a user's email, a creator's handle, a second creator for the same owner.
/// - Creates MUST reject dangling references with [`Error::NotFound`](crate::Error::NotFound):
///   a creator's owner, a product's creator, a drop's product (which MUST belong to
///   `drop.creator_id`).
/// - Every write of a creator, product or drop MUST append its event to the outbox
///   (`creator.created`, `product.updated`, `drop.created`, ...) and, for products and drops,
///   an audit entry with `actor`, in the same atomic unit as the write.
/// - [`create_drop`](Catalog::create_drop) MUST create the drop's stock (its
///   [`DropBook`](crate::domain::DropBook)) in the same unit: a drop is never visible without it.
/// - Updates take the instant they happen at (`now`, from the caller's clock): their events,
///   audit entries and `updated_at` carry it, and a drop's lifecycle is judged at it.
/// - [`update_drop`](Catalog::update_drop) MUST only change a drop that is still scheduled
///   otherwise [`Error::DropNotEditable`](crate::Error::DropNotEditable); it replaces the window
///   and stock plan (stock resets to the new initial stock: no order can exist yet).
/// - [`get_drop`](Catalog::get_drop) returns the drop with its current status.
/// - Lists are keyset-paginated: products of a creator newest first by `(created_at, id)`;
///   drops of a status by `(start_at, id)` ascending; drops of a creator newest first by
///   `(created_at, id)`, whatever their status. A page never repeats or skips an item
///   that existed when the first page was read, whatever is inserted meanwhile.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Catalog: Send + Sync + Debug + 'static {
    /// Stores a new user.
    async fn create_user(&self, user: &User) -> Result<()>;
    /// A user by id.
    async fn get_user(&self, id: UserId) -> Result<User>;
    /// A user by email.
    async fn user_by_email(&self, email: &Email) -> Result<User>;

    /// Stores a new creator.
    async fn create_creator(&self, creator: &Creator) -> Result<()>;
    /// A creator by id.
    async fn get_creator(&self, id: CreatorId) -> Result<Creator>;
    /// The creator `owner` manages (a user has at most one); `NotFound` if none.
    async fn creator_of(&self, owner: UserId) -> Result<Creator>;
    /// A creator by handle.
    async fn creator_by_handle(&self, handle: &Handle) -> Result<Creator>;
    /// Replaces a creator's display name and handle, at `now`.
    async fn update_creator(&self, creator: &Creator, now: DateTime<Utc>) -> Result<()>;

    /// Stores a new product; `actor` is audited.
    async fn create_product(&self, product: &Product, actor: UserId) -> Result<()>;
    /// A product by id.
    async fn get_product(&self, id: ProductId) -> Result<Product>;
    /// Replaces a product's details and images at `now`; `actor` is audited.
    async fn update_product(
        &self,
        product: &Product,
        actor: UserId,
        now: DateTime<Utc>,
    ) -> Result<()>;
    /// A creator's products, newest first.
    async fn products_by_creator(
        &self,
        creator_id: CreatorId,
        page: PageRequest,
    ) -> Result<Page<Product>>;

    /// Stores a new drop and its stock; `actor` is audited.
    async fn create_drop(&self, drop: &domain::Drop, actor: UserId) -> Result<()>;
    /// A drop by id, with its current status.
    async fn get_drop(&self, id: DropId) -> Result<domain::Drop>;
    /// Replaces a scheduled drop's window and plan at `now`; `actor` is audited.
    async fn update_drop(
        &self,
        drop: &domain::Drop,
        actor: UserId,
        now: DateTime<Utc>,
    ) -> Result<()>;
    /// A creator's drops, of any status, newest first by `(created_at, id)`.
    async fn drops_by_creator(
        &self,
        creator_id: CreatorId,
        page: PageRequest,
    ) -> Result<Page<domain::Drop>>;
    /// Drops in `status`, by `(start_at, id)` ascending.
    async fn drops_by_status(
        &self,
        status: DropStatus,
        page: PageRequest,
    ) -> Result<Page<domain::Drop>>;
}
