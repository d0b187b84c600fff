//! [`FollowsHandler`]: following creators, and who follows whom.

use livedrop_core::domain::{Follow, FollowChange};
use livedrop_core::ids::{CreatorId, UserId};
use livedrop_core::wire::{FollowBody, FollowCheck};
use reqwest::Method;

use crate::call::Call;
use crate::{Client, Paged, Result};

/// Follows; get one with [`Client::follows`]. Follow and unfollow are repeated on failure
/// like reads: doing either twice leaves the same state (the repeat may answer
/// `changed: false`).
///
/// ```no_run
/// # async fn example(client: livedrop_client::Client, creator: livedrop_core::ids::CreatorId) -> Result<(), livedrop_client::ClientError> {
/// let me = client.auth().me().await?;
/// client.follows().follow(creator).await?;
/// assert!(client.follows().check(me.id, creator).await?);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, Debug)]
pub struct FollowsHandler<'c> {
    client: &'c Client,
}

impl<'c> FollowsHandler<'c> {
    pub(crate) fn new(client: &'c Client) -> Self {
        Self { client }
    }

    /// `POST /follow`: the caller follows `creator`.
    ///
    /// # Errors
    /// `404` for an unknown creator.
    pub async fn follow(self, creator: CreatorId) -> Result<FollowChange> {
        let url = self.client.url(&["follow"]);
        let body = FollowBody {
            creator_id: creator,
        };
        let call = Call::new(Method::POST, url).json(&body).authed().retried();
        self.client.fetch(call).await
    }

    /// `DELETE /follow/{creatorId}`: the caller stops following `creator`.
    ///
    /// # Errors
    /// `401` when not signed in.
    pub async fn unfollow(self, creator: CreatorId) -> Result<FollowChange> {
        let url = self.client.url(&["follow", &creator.to_string()]);
        let call = Call::new(Method::DELETE, url).authed().retried();
        self.client.fetch(call).await
    }

    /// `GET /creators/{id}/followers`: who follows `creator`, newest first; private, so
    /// the caller must own `creator` (`403` otherwise).
    pub fn followers(self, creator: CreatorId) -> Paged<Follow> {
        let url = self
            .client
            .url(&["creators", &creator.to_string(), "followers"]);
        Paged::new(self.client, Call::new(Method::GET, url).authed())
    }

    /// `GET /users/{id}/following`: the creators `user` follows, newest first; private, so
    /// `user` must be the caller (`404` otherwise).
    pub fn following(self, user: UserId) -> Paged<Follow> {
        let url = self.client.url(&["users", &user.to_string(), "following"]);
        Paged::new(self.client, Call::new(Method::GET, url).authed())
    }

    /// `GET /follow/check?userId&creatorId`: whether `user` follows `creator`, for the
    /// caller being `user` or owning `creator` (`403` otherwise).
    ///
    /// # Errors
    /// As every read.
    pub async fn check(self, user: UserId, creator: CreatorId) -> Result<bool> {
        let url = self.client.url(&["follow", "check"]);
        let call = Call::new(Method::GET, url)
            .authed()
            .query("userId", user)
            .query("creatorId", creator);
        let answer: FollowCheck = self.client.fetch(call).await?;
        Ok(answer.following)
    }
}
