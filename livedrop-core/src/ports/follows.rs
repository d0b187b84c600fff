//! The follow store port.

use std::fmt::Debug;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::Result;
use crate::domain::{Follow, FollowChange};
use crate::ids::{CreatorId, UserId};
use crate::pagination::{Page, PageRequest};

/// Who follows whom, with exact follower counts.
///
/// # Contract
/// - [`follow`](FollowStore::follow) and [`unfollow`](FollowStore::unfollow) are idempotent:
///   following twice leaves one follow (`changed: false` the second time), unfollowing
///   someone not followed changes nothing.
/// - The follower count MUST be exact under any concurrency: it always equals the number of
///   stored follows of the creator.
/// - A change MUST append its event (`follow.created` / `follow.removed`) and audit entry in
///   the same atomic unit; a no-op appends nothing.
/// - Following an unknown user or creator is [`Error::NotFound`](crate::Error::NotFound).
/// - Lists are keyset-paginated, newest first by `(created_at, id)`: followers of a creator
///   (id = the user), creators a user follows (id = the creator).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait FollowStore: Send + Sync + Debug + 'static {
    /// `user_id` follows `creator_id`.
    async fn follow(
        &self,
        user_id: UserId,
        creator_id: CreatorId,
        now: DateTime<Utc>,
    ) -> Result<FollowChange>;
    /// `user_id` stops following `creator_id`.
    async fn unfollow(
        &self,
        user_id: UserId,
        creator_id: CreatorId,
        now: DateTime<Utc>,
    ) -> Result<FollowChange>;
    /// Whether `user_id` follows `creator_id`.
    async fn is_following(&self, user_id: UserId, creator_id: CreatorId) -> Result<bool>;
    /// The exact follower count.
    async fn follower_count(&self, creator_id: CreatorId) -> Result<u64>;
    /// A creator's followers, newest first.
    async fn followers(&self, creator_id: CreatorId, page: PageRequest) -> Result<Page<Follow>>;
    /// The creators a user follows, newest first.
    async fn following(&self, user_id: UserId, page: PageRequest) -> Result<Page<Follow>>;
}
