//! The notifier port: the inbox behind offline notifications.

use std::fmt::Debug;

use async_trait::async_trait;

use crate::Result;
use crate::domain::Notification;
use crate::ids::UserId;
use crate::pagination::{Cursor, Page, PageRequest};

/// Stores notifications and serves each user's inbox.
///
/// # Contract
/// - [`deliver`](Notifier::deliver) is idempotent by event id: delivering one event twice
///   stores it once (returns `false` the second time). An event id names one event, whose
///   `occurred_at` never changes, so a backend may key what it stores on both.
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
///
/// # Read marks
/// Each user has at most one read mark: an inbox position (a notification's
/// `(occurred_at, event id)` as a [`Cursor`], see [`Cursor::after`]) up to which, inclusive,
/// everything counts as read.
/// - [`mark_read`](Notifier::mark_read) only moves the mark forward: a position at or
///   before the stored one changes nothing (returns `false`); a later one, or a first one,
///   replaces it (returns `true`). Concurrent marks of one user leave the latest position
///   any of them named, whatever their order.
/// - [`read_mark`](Notifier::read_mark) is `None` until the user marks anything, then the
///   stored position; it reflects every `mark_read` that has returned (read from the
///   primary, never a lagging replica), and one user's mark never moves another's.
/// - [`count_newer`](Notifier::count_newer) counts the notifications [`inbox`](Notifier::inbox)
///   would list that sit strictly after the given position (all of them for `None`), with
///   exactly the inbox's visibility (own notifications; followed creators' since the
///   follow), and stops counting at `at_most`: it answers `min(count, at_most)`, so its
///   cost is bounded by `at_most` whatever the inbox's size. Like `inbox`, it may read a
///   replica, and then misses notifications stored a moment ago.
/// - A mark is a position, not a set: a notification stored after the user marked a later
///   position (events reach inboxes through the outbox and the bus, so one can land after
///   a newer one) counts as read.
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
    /// Moves `user_id`'s read mark forward to `up_to`; `false` if the mark was already
    /// there or later (nothing changed).
    async fn mark_read(&self, user_id: UserId, up_to: Cursor) -> Result<bool>;
    /// `user_id`'s read mark, `None` before the first [`mark_read`](Notifier::mark_read).
    async fn read_mark(&self, user_id: UserId) -> Result<Option<Cursor>>;
    /// How many of `user_id`'s inbox notifications are newer than `than` (all for `None`),
    /// counting no further than `at_most`.
    async fn count_newer(&self, user_id: UserId, than: Option<Cursor>, at_most: u32)
    -> Result<u32>;
}
