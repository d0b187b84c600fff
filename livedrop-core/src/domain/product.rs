//! Products: what a creator sells.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{CurrencyCode, Description, PriceCents, Title};
use crate::ids::{CreatorId, ProductId};

/// The editable part of a product, all fields validated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductDetails {
    /// Title.
    pub title: Title,
    /// Description (may be empty).
    pub description: Description,
    /// Price in minor units.
    pub price_cents: PriceCents,
    /// ISO 4217 currency.
    pub currency_code: CurrencyCode,
}

/// A product of a creator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Product {
    /// Id.
    pub id: ProductId,
    /// The creator who sells it.
    pub creator_id: CreatorId,
    /// Title, description, price.
    #[serde(flatten)]
    pub details: ProductDetails,
    /// Image keys in the media store, in display order.
    pub images: Vec<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

impl Product {
    /// A new product of `creator_id`.
    pub fn new(creator_id: CreatorId, details: ProductDetails, now: DateTime<Utc>) -> Self {
        Self {
            id: ProductId::new(),
            creator_id,
            details,
            images: Vec::new(),
            created_at: now,
        }
    }
}
