//! Following creators.

use std::sync::Arc;

use crate::Result;
use crate::clock::Clock;
use crate::domain::FollowChange;
use crate::ids::{CreatorId, UserId};
use crate::pagination::{Limit, PageRequest};
use crate::ports::FollowStore;

/// The most follows [`FollowService::followed_creators`] returns: a live stream subscribes
/// to each, so an account following more gets news of the first this many only.
pub const MAX_STREAMED_FOLLOWS: usize = 10_000;

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

    /// Every creator `user` follows (at most [`MAX_STREAMED_FOLLOWS`]), for a live stream
    /// to subscribe to: read a page at a time.
    pub async fn followed_creators(&self, user: UserId) -> Result<Vec<CreatorId>> {
        let limit = Limit::try_from(i64::from(Limit::MAX))?;
        let mut request = PageRequest::first(limit);
        let mut creators = Vec::new();
        loop {
            let page = self.follows.following(user, request).await?;
            creators.extend(page.items.iter().map(|follow| follow.creator_id));
            match page.next_cursor {
                Some(next) if creators.len() < MAX_STREAMED_FOLLOWS => {
                    request = PageRequest::after(next, limit);
                }
                _ => break,
            }
        }
        creators.truncate(MAX_STREAMED_FOLLOWS);
        Ok(creators)
    }
}
