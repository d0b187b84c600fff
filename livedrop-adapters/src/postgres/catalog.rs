//! The catalog on PostgreSQL: users, creators and products here, drops in
//! [`catalog_drops`](super::catalog_drops).
//!
//! Uniqueness (email, handle, one creator per owner) is the database's unique indexes, so
//! it holds across processes; a violation is mapped by constraint name to
//! `AlreadyExists`. Each write is one transaction with its outbox event and audit entry.
//! Writes of creator-keyed events (creator and product changes) hold the creator's row
//! lock (`FOR NO KEY UPDATE`, which leaves foreign-key checks unblocked), so that key's
//! outbox `seq` order is its commit order, as the outbox relay relies on.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use livedrop_core::domain::announcement;
use livedrop_core::domain::{Creator, Drop, DropStatus, Email, Handle, Product, User};
use livedrop_core::ids::{CreatorId, DropId, ProductId, UserId};
use livedrop_core::pagination::{Page, PageRequest};
use livedrop_core::ports::Catalog;
use livedrop_core::{Entity, Error, Result};
use sqlx::PgConnection;

use super::catalog_drops;
use super::catalog_rows::{
    CreatorRow, ProductRow, UserRow, creator_columns, product_columns, user_columns,
};
use super::codec::micros;
use super::db_error;
use super::error::is_unique_violation;
use super::keyset;
use super::writes::{announce, append_audit};
use crate::postgres::GuardedPool;

/// The catalog port over the primary (writes, lookups by key) and the read pool (lists).
#[derive(Debug, Clone)]
pub struct PgCatalog {
    primary: GuardedPool,
    reads: GuardedPool,
}

impl PgCatalog {
    pub(crate) fn new(primary: GuardedPool, reads: GuardedPool) -> Self {
        Self { primary, reads }
    }
}

/// Inserts a new user and its audit entry on the caller's transaction; `AlreadyExists` for
/// a taken email or id.
pub(crate) async fn insert_user(conn: &mut PgConnection, user: &User) -> Result<()> {
    sqlx::query("INSERT INTO users (id, email, name, created_at) VALUES ($1, $2, $3, $4)")
        .bind(user.id.as_uuid())
        .bind(user.email.as_str())
        .bind(user.name.as_str())
        .bind(user.created_at)
        .execute(&mut *conn)
        .await
        .map_err(|e| {
            if is_unique_violation(&e, "users_email_key") {
                Error::already_exists(Entity::User, &user.email)
            } else if is_unique_violation(&e, "users_pkey") {
                Error::already_exists(Entity::User, user.id)
            } else {
                db_error(e)
            }
        })?;
    append_audit(conn, &[announcement::user_registered(user)]).await
}

/// Locks a creator's row for the rest of the transaction; `NotFound` if there is none.
async fn lock_creator(conn: &mut PgConnection, id: CreatorId) -> Result<()> {
    sqlx::query("SELECT 1 FROM creators WHERE id = $1 FOR NO KEY UPDATE")
        .bind(id.as_uuid())
        .fetch_optional(conn)
        .await
        .map_err(db_error)?
        .map(|_| ())
        .ok_or_else(|| Error::not_found(Entity::Creator, id))
}

/// A duplicate creator as the contract names it; anything else as a database error.
fn creator_conflict(error: sqlx::Error, creator: &Creator) -> Error {
    if is_unique_violation(&error, "creators_handle_key") {
        Error::already_exists(Entity::Creator, &creator.handle)
    } else if is_unique_violation(&error, "creators_owner_key") {
        Error::already_exists(
            Entity::Creator,
            format!("creator of user {}", creator.owner_id),
        )
    } else if is_unique_violation(&error, "creators_pkey") {
        Error::already_exists(Entity::Creator, creator.id)
    } else {
        db_error(error)
    }
}

#[async_trait]
impl Catalog for PgCatalog {
    async fn create_user(&self, user: &User) -> Result<()> {
        let mut tx = self.primary.begin().await?;
        insert_user(&mut tx, user).await?;
        tx.commit().await.map_err(db_error)
    }

    async fn get_user(&self, id: UserId) -> Result<User> {
        sqlx::query_as::<_, UserRow>(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE id = $1"
        ))
        .bind(id.as_uuid())
        .fetch_optional(&mut *self.primary.acquire().await?)
        .await
        .map_err(db_error)?
        .ok_or_else(|| Error::not_found(Entity::User, id))?
        .into_user()
    }

    async fn user_by_email(&self, email: &Email) -> Result<User> {
        sqlx::query_as::<_, UserRow>(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE lower(email) = lower($1)"
        ))
        .bind(email.as_str())
        .fetch_optional(&mut *self.primary.acquire().await?)
        .await
        .map_err(db_error)?
        .ok_or_else(|| Error::not_found(Entity::User, email))?
        .into_user()
    }

    async fn create_creator(&self, creator: &Creator) -> Result<()> {
        let mut tx = self.primary.begin().await?;
        // The owner check is in the insert: nothing is stored for an unknown owner, and the
        // owner is reported missing before any uniqueness is looked at.
        let inserted = sqlx::query(
            "INSERT INTO creators (id, owner_id, display_name, handle, created_at) \
             SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM users WHERE id = $2)",
        )
        .bind(creator.id.as_uuid())
        .bind(creator.owner_id.as_uuid())
        .bind(creator.display_name.as_str())
        .bind(creator.handle.as_str())
        .bind(creator.created_at)
        .execute(&mut *tx)
        .await
        .map_err(|e| creator_conflict(e, creator))?;
        if inserted.rows_affected() == 0 {
            return Err(Error::not_found(Entity::User, creator.owner_id));
        }
        announce(&mut tx, announcement::creator_created(creator)).await?;
        tx.commit().await.map_err(db_error)
    }

    async fn get_creator(&self, id: CreatorId) -> Result<Creator> {
        sqlx::query_as::<_, CreatorRow>(concat!(
            "SELECT ",
            creator_columns!(),
            " FROM creators WHERE id = $1"
        ))
        .bind(id.as_uuid())
        .fetch_optional(&mut *self.primary.acquire().await?)
        .await
        .map_err(db_error)?
        .ok_or_else(|| Error::not_found(Entity::Creator, id))?
        .into_creator()
    }

    async fn creator_of(&self, owner: UserId) -> Result<Creator> {
        sqlx::query_as::<_, CreatorRow>(concat!(
            "SELECT ",
            creator_columns!(),
            " FROM creators WHERE owner_id = $1"
        ))
        .bind(owner.as_uuid())
        .fetch_optional(&mut *self.reads.acquire().await?)
        .await
        .map_err(db_error)?
        .ok_or_else(|| Error::not_found(Entity::Creator, format!("creator of user {owner}")))?
        .into_creator()
    }

    async fn creator_by_handle(&self, handle: &Handle) -> Result<Creator> {
        sqlx::query_as::<_, CreatorRow>(concat!(
            "SELECT ",
            creator_columns!(),
            " FROM creators WHERE lower(handle) = lower($1)"
        ))
        .bind(handle.as_str())
        .fetch_optional(&mut *self.primary.acquire().await?)
        .await
        .map_err(db_error)?
        .ok_or_else(|| Error::not_found(Entity::Creator, handle))?
        .into_creator()
    }

    async fn update_creator(&self, creator: &Creator, now: DateTime<Utc>) -> Result<()> {
        let mut tx = self.primary.begin().await?;
        // Only the editable fields change; id, owner and creation time stay the stored ones.
        let updated = sqlx::query_as::<_, CreatorRow>(concat!(
            "UPDATE creators SET display_name = $2, handle = $3 WHERE id = $1 RETURNING ",
            creator_columns!()
        ))
        .bind(creator.id.as_uuid())
        .bind(creator.display_name.as_str())
        .bind(creator.handle.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(|e| creator_conflict(e, creator))?
        .ok_or_else(|| Error::not_found(Entity::Creator, creator.id))?
        .into_creator()?;
        announce(
            &mut tx,
            announcement::creator_updated(&updated, micros(now)),
        )
        .await?;
        tx.commit().await.map_err(db_error)
    }

    async fn create_product(&self, product: &Product, actor: UserId) -> Result<()> {
        let mut tx = self.primary.begin().await?;
        lock_creator(&mut tx, product.creator_id).await?;
        sqlx::query(
            "INSERT INTO products (id, creator_id, title, description, price_cents, \
                                   currency_code, images, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(product.id.as_uuid())
        .bind(product.creator_id.as_uuid())
        .bind(product.details.title.as_str())
        .bind(product.details.description.as_str())
        .bind(product.details.price_cents.get())
        .bind(product.details.currency_code.code())
        .bind(&product.images)
        .bind(product.created_at)
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e, "products_pkey") {
                Error::already_exists(Entity::Product, product.id)
            } else {
                db_error(e)
            }
        })?;
        announce(&mut tx, announcement::product_created(product, actor)).await?;
        tx.commit().await.map_err(db_error)
    }

    async fn get_product(&self, id: ProductId) -> Result<Product> {
        sqlx::query_as::<_, ProductRow>(concat!(
            "SELECT ",
            product_columns!(),
            " FROM products WHERE id = $1"
        ))
        .bind(id.as_uuid())
        .fetch_optional(&mut *self.primary.acquire().await?)
        .await
        .map_err(db_error)?
        .ok_or_else(|| Error::not_found(Entity::Product, id))?
        .into_product()
    }

    async fn update_product(
        &self,
        product: &Product,
        actor: UserId,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let not_found = || Error::not_found(Entity::Product, product.id);
        let mut tx = self.primary.begin().await?;
        // A product never changes creator, so its stored creator is the row to lock.
        let creator_id: uuid::Uuid =
            sqlx::query_scalar("SELECT creator_id FROM products WHERE id = $1")
                .bind(product.id.as_uuid())
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_error)?
                .ok_or_else(not_found)?;
        lock_creator(&mut tx, CreatorId::from_uuid(creator_id)).await?;
        let stored = sqlx::query_as::<_, ProductRow>(concat!(
            "UPDATE products SET title = $2, description = $3, price_cents = $4, \
                                 currency_code = $5, images = $6 \
             WHERE id = $1 RETURNING ",
            product_columns!()
        ))
        .bind(product.id.as_uuid())
        .bind(product.details.title.as_str())
        .bind(product.details.description.as_str())
        .bind(product.details.price_cents.get())
        .bind(product.details.currency_code.code())
        .bind(&product.images)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error)?
        .ok_or_else(not_found)?
        .into_product()?;
        announce(
            &mut tx,
            announcement::product_updated(&stored, actor, micros(now)),
        )
        .await?;
        tx.commit().await.map_err(db_error)
    }

    async fn products_by_creator(
        &self,
        creator_id: CreatorId,
        page: PageRequest,
    ) -> Result<Page<Product>> {
        let rows: Vec<ProductRow> = keyset::newest_first(
            &self.reads,
            (
                concat!(
                    "SELECT ",
                    product_columns!(),
                    " FROM products WHERE creator_id = $1 \
                     ORDER BY created_at DESC, id DESC LIMIT $2"
                ),
                concat!(
                    "SELECT ",
                    product_columns!(),
                    " FROM products WHERE creator_id = $1 AND (created_at, id) < ($2, $3) \
                     ORDER BY created_at DESC, id DESC LIMIT $4"
                ),
            ),
            creator_id.as_uuid(),
            page,
        )
        .await?;
        let items = rows
            .into_iter()
            .map(ProductRow::into_product)
            .collect::<Result<Vec<_>>>()?;
        Ok(keyset::page_of(items, page, ProductRow::position))
    }

    async fn create_drop(&self, drop: &Drop, actor: UserId) -> Result<()> {
        catalog_drops::create(&self.primary, drop, actor).await
    }

    async fn get_drop(&self, id: DropId) -> Result<Drop> {
        catalog_drops::get(&self.primary, id).await
    }

    async fn update_drop(&self, drop: &Drop, actor: UserId, now: DateTime<Utc>) -> Result<()> {
        catalog_drops::update(&self.primary, drop, actor, micros(now)).await
    }

    async fn drops_by_creator(
        &self,
        creator_id: CreatorId,
        page: PageRequest,
    ) -> Result<Page<Drop>> {
        catalog_drops::by_creator(&self.reads, creator_id, page).await
    }

    async fn drops_by_status(&self, status: DropStatus, page: PageRequest) -> Result<Page<Drop>> {
        catalog_drops::by_status(&self.reads, status, page).await
    }
}
