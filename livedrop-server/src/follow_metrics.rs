//! [`TimedFollowStore`]: the follow store with each read's time recorded, the design's
//! "follower query performance" (`livedrop_follower_query_seconds{query}`).

use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use livedrop_core::Result;
use livedrop_core::domain::{Follow, FollowChange};
use livedrop_core::ids::{CreatorId, UserId};
use livedrop_core::pagination::{Page, PageRequest};
use livedrop_core::ports::FollowStore;

const SECONDS: &str = "livedrop_follower_query_seconds";

/// Wraps a [`FollowStore`], timing its reads; writes pass through (their time is the
/// request's).
#[derive(Debug)]
pub struct TimedFollowStore(pub Arc<dyn FollowStore>);

/// Runs `query`, recording how long it took under `name`, whatever it returned.
async fn timed<T>(name: &'static str, query: impl Future<Output = T>) -> T {
    let started = Instant::now();
    let answer = query.await;
    metrics::histogram!(SECONDS, "query" => name).record(started.elapsed().as_secs_f64());
    answer
}

#[async_trait]
impl FollowStore for TimedFollowStore {
    async fn follow(
        &self,
        user_id: UserId,
        creator_id: CreatorId,
        now: DateTime<Utc>,
    ) -> Result<FollowChange> {
        self.0.follow(user_id, creator_id, now).await
    }

    async fn unfollow(
        &self,
        user_id: UserId,
        creator_id: CreatorId,
        now: DateTime<Utc>,
    ) -> Result<FollowChange> {
        self.0.unfollow(user_id, creator_id, now).await
    }

    async fn is_following(&self, user_id: UserId, creator_id: CreatorId) -> Result<bool> {
        timed("check", self.0.is_following(user_id, creator_id)).await
    }

    async fn follower_count(&self, creator_id: CreatorId) -> Result<u64> {
        timed("count", self.0.follower_count(creator_id)).await
    }

    async fn followers(&self, creator_id: CreatorId, page: PageRequest) -> Result<Page<Follow>> {
        timed("followers", self.0.followers(creator_id, page)).await
    }

    async fn following(&self, user_id: UserId, page: PageRequest) -> Result<Page<Follow>> {
        timed("following", self.0.following(user_id, page)).await
    }
}
