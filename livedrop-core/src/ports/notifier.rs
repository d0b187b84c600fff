//! The notifier port: the inbox behind offline notifications.

use std::fmt::Debug;

use async_trait::async_trait;

use crate::Result;
use crate::domain::Notification;
use crate::ids::UserId;
use crate::pagination::{Page, PageRequest};

/// Stores notifications and serves each user's inbox.
///
/// # Contract
/// - [`deliver`](Notifier::deliver) is idempotent by event id: delivering one event twice
///   stores it once (returns `false` the second time).
/// - A [`Recipient::FollowersOf`](crate::domain::Recipient::FollowersOf) notification is stored
///   once, not per follower, and appears in the inbox of every user who followed the creator
///   before it occurred and still does.
/// - [`inbox`](Notifier::inbox) is newest first by `(occurred_at, event id)`, keyset-paginated.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Notifier: Send + Sync + Debug + 'static {
    /// Stores a notification; `false` if it was already there.
    async fn deliver(&self, notification: &Notification) -> Result<bool>;
    /// A user's notifications, newest first.
    async fn inbox(&self, user_id: UserId, page: PageRequest) -> Result<Page<Notification>>;
}
