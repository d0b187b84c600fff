//! Request bodies of the catalog and follow endpoints. Fields are the domain's validated
//! types, so a body that deserializes is a valid request.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{
    CurrencyCode, Description, DisplayName, DropWindow, Handle, PriceCents, ProductDetails,
    StockPlan, Title, ValidationError, optional_whole, whole,
};
use crate::ids::{CreatorId, ProductId};
use crate::ports::ImageType;

/// `POST /api/creators`: the caller becomes a creator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateCreatorBody {
    /// Shown on the creator's page.
    pub display_name: DisplayName,
    /// Unique `@handle`.
    pub handle: Handle,
}

/// `POST /products`: a product of one of the caller's creators.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateProductBody {
    /// The creator it belongs to (the caller must own it).
    pub creator_id: CreatorId,
    /// Title.
    pub title: Title,
    /// Description (may be empty).
    pub description: Description,
    /// Price in minor units.
    pub price_cents: PriceCents,
    /// ISO 4217 currency.
    pub currency_code: CurrencyCode,
}

impl CreateProductBody {
    /// The product's editable part.
    pub fn details(&self) -> ProductDetails {
        ProductDetails {
            title: self.title.clone(),
            description: self.description.clone(),
            price_cents: self.price_cents,
            currency_code: self.currency_code,
        }
    }
}

/// `POST /drops`: the design's `{ productId, startAt, endAt, initialStock,
/// lowStockThreshold }`, plus an optional per-buyer limit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateDropBody {
    /// The product on sale (the caller must own its creator).
    pub product_id: ProductId,
    /// When it goes live.
    pub start_at: DateTime<Utc>,
    /// When it ends: after `startAt` (`400 start_not_before_end`).
    pub end_at: DateTime<Utc>,
    /// Units for sale: 1 to 2,147,483,647.
    #[serde(deserialize_with = "whole")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 2147483647))]
    pub initial_stock: i64,
    /// `stock.low` fires when stock falls to this: 0 (never) up to `initialStock`
    /// (`400 low_stock_threshold_out_of_range` above it).
    #[serde(deserialize_with = "whole")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 2147483647))]
    pub low_stock_threshold: i64,
    /// Most units one buyer may hold: 1 or more.
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    #[serde(
        default,
        deserialize_with = "optional_whole",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_per_user: Option<i64>,
}

impl CreateDropBody {
    /// The validated window and stock plan.
    ///
    /// # Errors
    /// A window that does not start before it ends, or a stock plan out of range.
    pub fn validate(&self) -> Result<(DropWindow, StockPlan), ValidationError> {
        Ok((
            DropWindow::new(self.start_at, self.end_at)?,
            StockPlan::new(
                self.initial_stock,
                self.low_stock_threshold,
                self.max_per_user,
            )?,
        ))
    }
}

/// `POST /follow`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FollowBody {
    /// The creator to follow.
    pub creator_id: CreatorId,
}

/// `POST /api/products/{id}/images`: asks for a signed URL to upload one image to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImageUploadBody {
    /// The image's type (`image/png`, `image/jpeg`, `image/webp` or `image/gif`); the
    /// upload must declare the same.
    pub content_type: ImageType,
}

/// `PUT /api/products/{id}/images`: the product's images, in display order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductImagesBody {
    /// Keys that upload URLs of this product named (`key` of their answer), at most 8;
    /// any other key is `400 image_not_of_product`.
    #[cfg_attr(feature = "openapi", schema(max_items = 8))]
    pub keys: Vec<String>,
}

/// `GET /api/creators/{id}/follower-count` answer.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FollowerCount {
    /// How many users follow the creator.
    pub follower_count: u64,
}

/// `GET /follow/check?userId&creatorId` answer.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FollowCheck {
    /// Whether the user follows the creator.
    pub following: bool,
}
