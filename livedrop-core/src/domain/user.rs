//! Users, creators (a user's storefront) and follows.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{DisplayName, Email, Handle, PersonName};
use crate::ids::{CreatorId, UserId};

/// A person who follows creators and places orders.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    /// Id.
    pub id: UserId,
    /// Unique, lower case.
    pub email: Email,
    /// Display name.
    pub name: PersonName,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
}

impl User {
    /// A new user with a fresh id.
    pub fn new(email: Email, name: PersonName, now: DateTime<Utc>) -> Self {
        Self {
            id: UserId::new(),
            email,
            name,
            created_at: now,
        }
    }
}

/// A user's creator profile: the storefront that owns products and drops.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Creator {
    /// Id.
    pub id: CreatorId,
    /// The user who manages this creator; only they may edit it or its products and drops.
    pub owner_id: UserId,
    /// Shown name.
    pub display_name: DisplayName,
    /// Unique handle.
    pub handle: Handle,
    /// When the profile was created.
    pub created_at: DateTime<Utc>,
}

impl Creator {
    /// A new creator owned by `owner_id`.
    pub fn new(
        owner_id: UserId,
        display_name: DisplayName,
        handle: Handle,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id: CreatorId::new(),
            owner_id,
            display_name,
            handle,
            created_at: now,
        }
    }
}

/// `user_id` follows `creator_id`. Stored sharded by `creator_id`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Follow {
    /// The follower.
    pub user_id: UserId,
    /// The followed creator.
    pub creator_id: CreatorId,
    /// When the follow was created.
    pub created_at: DateTime<Utc>,
}

/// What a follow or unfollow did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FollowChange {
    /// Whether this call changed anything (false: it was already so).
    pub changed: bool,
    /// Whether the user follows the creator after the call.
    pub following: bool,
    /// The creator's exact follower count after the call.
    pub follower_count: u64,
}
