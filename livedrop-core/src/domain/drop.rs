//! Drops: a product with a fixed stock that goes live for a window of time.

use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};

use super::{DropStatus, ValidationError};
use crate::ids::{CreatorId, DropId, ProductId};

/// When a drop takes orders: `[start_at, end_at)`, with `start_at < end_at`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", try_from = "RawWindow")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DropWindow {
    start_at: DateTime<Utc>,
    end_at: DateTime<Utc>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawWindow {
    start_at: DateTime<Utc>,
    end_at: DateTime<Utc>,
}

impl TryFrom<RawWindow> for DropWindow {
    type Error = ValidationError;

    fn try_from(raw: RawWindow) -> Result<Self, Self::Error> {
        DropWindow::new(raw.start_at, raw.end_at)
    }
}

impl DropWindow {
    /// A window; `start_at` must be strictly before `end_at`. Both are kept to the
    /// microsecond, the precision every backend stores, so two bounds less than a
    /// microsecond apart are refused here rather than by a database.
    pub fn new(start_at: DateTime<Utc>, end_at: DateTime<Utc>) -> Result<Self, ValidationError> {
        let (start_at, end_at) = (start_at.trunc_subsecs(6), end_at.trunc_subsecs(6));
        if start_at >= end_at {
            return Err(ValidationError::StartNotBeforeEnd);
        }
        Ok(Self { start_at, end_at })
    }

    /// When orders open.
    pub fn start_at(&self) -> DateTime<Utc> {
        self.start_at
    }

    /// When orders close.
    pub fn end_at(&self) -> DateTime<Utc> {
        self.end_at
    }

    /// The status time alone implies at `now` for a drop that still has stock.
    pub fn status_at(&self, now: DateTime<Utc>) -> DropStatus {
        if now >= self.end_at {
            DropStatus::Ended
        } else if now >= self.start_at {
            DropStatus::Live
        } else {
            DropStatus::Scheduled
        }
    }
}

/// How much a drop sells and when it counts as low:
/// `initial_stock > 0`, `0 <= low_stock_threshold <= initial_stock`, `max_per_user >= 1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", try_from = "RawStockPlan")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockPlan {
    initial_stock: u32,
    low_stock_threshold: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_per_user: Option<u32>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawStockPlan {
    initial_stock: i64,
    low_stock_threshold: i64,
    max_per_user: Option<i64>,
}

impl TryFrom<RawStockPlan> for StockPlan {
    type Error = ValidationError;

    fn try_from(raw: RawStockPlan) -> Result<Self, Self::Error> {
        StockPlan::new(raw.initial_stock, raw.low_stock_threshold, raw.max_per_user)
    }
}

impl StockPlan {
    /// The largest stock a drop may hold (fits a Postgres `integer`).
    pub const MAX_STOCK: i64 = i32::MAX as i64;

    /// A validated plan. Takes `i64` so that negative or huge wire values are rejected here
    /// rather than wrapped by a cast somewhere else.
    pub fn new(
        initial_stock: i64,
        low_stock_threshold: i64,
        max_per_user: Option<i64>,
    ) -> Result<Self, ValidationError> {
        if initial_stock <= 0 || initial_stock > Self::MAX_STOCK {
            return Err(ValidationError::InitialStockNotPositive);
        }
        if !(0..=initial_stock).contains(&low_stock_threshold) {
            return Err(ValidationError::LowStockThresholdOutOfRange {
                threshold: low_stock_threshold,
                initial_stock,
            });
        }
        let max_per_user = match max_per_user {
            None => None,
            Some(limit) if limit >= 1 => {
                Some(u32::try_from(limit.min(Self::MAX_STOCK)).unwrap_or(u32::MAX))
            }
            Some(_) => return Err(ValidationError::MaxPerUserNotPositive),
        };
        // Both checked to lie in 0..=i32::MAX above, so the conversions cannot fail.
        let as_u32 = |v: i64| u32::try_from(v).unwrap_or(u32::MAX);
        Ok(Self {
            initial_stock: as_u32(initial_stock),
            low_stock_threshold: as_u32(low_stock_threshold),
            max_per_user,
        })
    }

    /// Units the drop starts with.
    pub fn initial_stock(&self) -> u32 {
        self.initial_stock
    }

    /// `stock.low` fires when available stock first falls to this value or below
    /// (0 turns the warning off).
    pub fn low_stock_threshold(&self) -> u32 {
        self.low_stock_threshold
    }

    /// Most units one user may hold in confirmed orders of this drop, if limited.
    pub fn max_per_user(&self) -> Option<u32> {
        self.max_per_user
    }
}

/// A drop of a product.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Drop {
    /// Id.
    pub id: DropId,
    /// What is sold.
    pub product_id: ProductId,
    /// Whose drop it is (denormalised from the product: events and follower fan-out key on it).
    pub creator_id: CreatorId,
    /// When it takes orders.
    #[serde(flatten)]
    pub window: DropWindow,
    /// Stock, threshold and per-user limit.
    #[serde(flatten)]
    pub plan: StockPlan,
    /// Lifecycle status.
    pub status: DropStatus,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

impl Drop {
    /// A new scheduled drop.
    pub fn new(
        product_id: ProductId,
        creator_id: CreatorId,
        window: DropWindow,
        plan: StockPlan,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id: DropId::new(),
            product_id,
            creator_id,
            window,
            plan,
            status: DropStatus::Scheduled,
            created_at: now,
        }
    }
}

/// The live stock count of a drop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DropStock {
    /// Which drop.
    pub drop_id: DropId,
    /// Units left.
    pub available: u32,
    /// The drop's status at the same instant.
    pub status: DropStatus,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;

    #[test]
    fn window_must_open_before_it_closes() {
        let t = Utc::now();
        assert!(DropWindow::new(t, t + TimeDelta::seconds(1)).is_ok());
        assert_eq!(
            DropWindow::new(t, t),
            Err(ValidationError::StartNotBeforeEnd)
        );
        assert_eq!(
            DropWindow::new(t, t - TimeDelta::seconds(1)),
            Err(ValidationError::StartNotBeforeEnd)
        );
        let json = format!(
            r#"{{"startAt":"{}","endAt":"{}"}}"#,
            t.to_rfc3339(),
            t.to_rfc3339()
        );
        assert!(serde_json::from_str::<DropWindow>(&json).is_err());
    }

    #[test]
    fn window_status_follows_time() {
        let t = Utc::now();
        let w = DropWindow::new(t, t + TimeDelta::seconds(10)).unwrap();
        assert_eq!(
            w.status_at(t - TimeDelta::seconds(1)),
            DropStatus::Scheduled
        );
        assert_eq!(w.status_at(t), DropStatus::Live);
        assert_eq!(w.status_at(t + TimeDelta::seconds(10)), DropStatus::Ended);
    }

    #[test]
    fn stock_plan_rules() {
        let plan = StockPlan::new(100, 10, Some(2)).unwrap();
        assert_eq!(
            (
                plan.initial_stock(),
                plan.low_stock_threshold(),
                plan.max_per_user()
            ),
            (100, 10, Some(2))
        );
        assert!(StockPlan::new(1, 0, None).is_ok());
        assert!(
            StockPlan::new(5, 5, None).is_ok(),
            "threshold may equal the stock"
        );
        assert_eq!(
            StockPlan::new(0, 0, None),
            Err(ValidationError::InitialStockNotPositive)
        );
        assert_eq!(
            StockPlan::new(-3, 0, None),
            Err(ValidationError::InitialStockNotPositive)
        );
        assert_eq!(
            StockPlan::new(i64::from(i32::MAX) + 1, 0, None),
            Err(ValidationError::InitialStockNotPositive)
        );
        assert_eq!(
            StockPlan::new(5, 6, None),
            Err(ValidationError::LowStockThresholdOutOfRange {
                threshold: 6,
                initial_stock: 5
            })
        );
        assert_eq!(
            StockPlan::new(5, -1, None),
            Err(ValidationError::LowStockThresholdOutOfRange {
                threshold: -1,
                initial_stock: 5
            })
        );
        assert_eq!(
            StockPlan::new(5, 1, Some(0)),
            Err(ValidationError::MaxPerUserNotPositive)
        );
        assert!(
            serde_json::from_str::<StockPlan>(r#"{"initialStock":0,"lowStockThreshold":0}"#)
                .is_err()
        );
    }
}
