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
/// - A notification with a [`coalesce_key`](Notification::coalesce_key) (a drop's
///   stock-state notice) MUST NOT be stored while one with the same key is stored whose
///   `occurred_at` is less than
///   [`STOCK_NOTICE_WINDOW`](crate::domain::STOCK_NOTICE_WINDOW) from its own, earlier notifications
///   of the same [`deliver_all`](Notifier::deliver_all) call included; it is then reported
///   as not stored (`false`).
/// - [`deliver_all`](Notifier::deliver_all) answers, in order, what
///   [`deliver`](Notifier::deliver) would have for each notification delivered one after
///   the other; backends make it one round trip where they can.
/// - [`inbox`](Notifier::inbox) is newest first by `(occurred_at, event id)`, keyset-paginated.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Notifier: Send + Sync + Debug + 'static {
    /// Stores a notification; `false` if it was already there (or a repeat it coalesces
    /// into was).
    async fn deliver(&self, notification: &Notification) -> Result<bool>;
    /// Stores notifications in order; for each, whether it was stored.
    async fn deliver_all(&self, notifications: &[Notification]) -> Result<Vec<bool>> {
        let mut stored = Vec::with_capacity(notifications.len());
        for notification in notifications {
            stored.push(self.deliver(notification).await?);
        }
        Ok(stored)
    }
    /// A user's notifications, newest first.
    async fn inbox(&self, user_id: UserId, page: PageRequest) -> Result<Page<Notification>>;
}
