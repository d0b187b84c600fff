//! Following creators.

use std::sync::Arc;

use crate::Result;
use crate::clock::Clock;
use crate::domain::FollowChange;
use crate::ids::{CreatorId, UserId};
use crate::ports::FollowStore;

/// Follow and unfollow, idempotent, with exact counts.
#[derive(Clone, Debug)]
pub struct FollowService {
    follows: Arc<dyn FollowStore>,
    clock: Arc<dyn Clock>,
}

impl FollowService {
    /// A service over these ports.
    pub fn new(follows: Arc<dyn FollowStore>, clock: Arc<dyn Clock>) -> Self {
        Self { follows, clock }
    }

    /// `user` follows `creator` (again: no change).
    pub async fn follow(&self, user: UserId, creator: CreatorId) -> Result<FollowChange> {
        self.follows.follow(user, creator, self.clock.now()).await
    }

    /// `user` unfollows `creator` (not following: no change).
    pub async fn unfollow(&self, user: UserId, creator: CreatorId) -> Result<FollowChange> {
        self.follows.unfollow(user, creator, self.clock.now()).await
    }

    /// Whether `user` follows `creator`.
    pub async fn is_following(&self, user: UserId, creator: CreatorId) -> Result<bool> {
        self.follows.is_following(user, creator).await
    }

    /// The creator's exact follower count.
    pub async fn follower_count(&self, creator: CreatorId) -> Result<u64> {
        self.follows.follower_count(creator).await
    }
}
