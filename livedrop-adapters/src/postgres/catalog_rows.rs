//! Rows of `users`, `creators` and `products` and their domain values. Text columns go back
//! through the domain's validating constructors, so a row the domain would refuse is an
//! `Internal` error (see [`corrupt`]), not a value no other backend could produce.

use chrono::{DateTime, Utc};
use livedrop_core::Result;
use livedrop_core::domain::{Creator, CurrencyCode, PriceCents, Product, ProductDetails, User};
use livedrop_core::ids::{CreatorId, ProductId, UserId};
use uuid::Uuid;

use super::codec::corrupt;

/// A `users` row: `SELECT user_columns!()`.
#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: Uuid,
    email: String,
    name: String,
    created_at: DateTime<Utc>,
}

/// The columns of a [`UserRow`], as a literal for `concat!`.
macro_rules! user_columns {
    () => {
        "id, email, name, created_at"
    };
}
pub(crate) use user_columns;

impl UserRow {
    pub(crate) fn into_user(self) -> Result<User> {
        Ok(User {
            id: UserId::from_uuid(self.id),
            email: self.email.try_into().map_err(|e| corrupt("email", e))?,
            name: self.name.try_into().map_err(|e| corrupt("user name", e))?,
            created_at: self.created_at,
        })
    }
}

/// A `creators` row: `SELECT creator_columns!()`.
#[derive(sqlx::FromRow)]
pub(crate) struct CreatorRow {
    id: Uuid,
    owner_id: Uuid,
    display_name: String,
    handle: String,
    created_at: DateTime<Utc>,
}

/// The columns of a [`CreatorRow`], as a literal for `concat!`.
macro_rules! creator_columns {
    () => {
        "id, owner_id, display_name, handle, created_at"
    };
}
pub(crate) use creator_columns;

impl CreatorRow {
    pub(crate) fn into_creator(self) -> Result<Creator> {
        Ok(Creator {
            id: CreatorId::from_uuid(self.id),
            owner_id: UserId::from_uuid(self.owner_id),
            display_name: self
                .display_name
                .try_into()
                .map_err(|e| corrupt("display name", e))?,
            handle: self.handle.try_into().map_err(|e| corrupt("handle", e))?,
            created_at: self.created_at,
        })
    }
}

/// A `products` row: `SELECT product_columns!()`.
#[derive(sqlx::FromRow)]
pub(crate) struct ProductRow {
    id: Uuid,
    creator_id: Uuid,
    title: String,
    description: String,
    price_cents: i64,
    currency_code: String,
    images: Vec<String>,
    created_at: DateTime<Utc>,
}

/// The columns of a [`ProductRow`], as a literal for `concat!`.
macro_rules! product_columns {
    () => {
        "id, creator_id, title, description, price_cents, currency_code, images, created_at"
    };
}
pub(crate) use product_columns;

impl ProductRow {
    pub(crate) fn into_product(self) -> Result<Product> {
        Ok(Product {
            id: ProductId::from_uuid(self.id),
            creator_id: CreatorId::from_uuid(self.creator_id),
            details: ProductDetails {
                title: self.title.try_into().map_err(|e| corrupt("title", e))?,
                description: self
                    .description
                    .try_into()
                    .map_err(|e| corrupt("description", e))?,
                price_cents: PriceCents::try_from(self.price_cents)
                    .map_err(|e| corrupt("price", e))?,
                currency_code: CurrencyCode::try_from(self.currency_code.as_str())
                    .map_err(|e| corrupt("currency", e))?,
            },
            images: self.images,
            created_at: self.created_at,
        })
    }

    pub(crate) fn position(product: &Product) -> (DateTime<Utc>, Uuid) {
        (product.created_at, product.id.as_uuid())
    }
}
