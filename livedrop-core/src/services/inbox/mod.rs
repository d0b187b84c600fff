//! Inboxes: the offline side of notifications.
//!
//! # Layout
//! - `writer`: [`InboxWriter`], the event consumer that stores what each event tells users
//!   (the write side, run in the background).
//! - here: [`InboxService`], what a request does with an inbox: read a page, mark it read
//!   up to a notification, count what is unread. (Live streams are the server's realtime
//!   hub, fed from the bus, not from the inbox.)

mod writer;

use std::sync::Arc;

use chrono::TimeDelta;

pub use writer::InboxWriter;

use crate::Result;
use crate::clock::Clock;
use crate::domain::Notification;
use crate::ids::UserId;
use crate::pagination::{Cursor, Page, PageRequest};
use crate::ports::Notifier;

/// The most an unread count counts: past it the count is reported as `capped` ("100+"), so
/// counting costs a bounded query however many busy creators a user follows.
pub const UNREAD_CAP: u32 = 100;

/// How far ahead of the service's clock a read mark may point. No notification occurs
/// later than the clock of the node that caused it, and nodes' clocks differ by far less;
/// a mark further ahead would silently count notifications still to come as read.
pub const READ_MARK_LEAD: TimeDelta = TimeDelta::seconds(60);

/// A user's unread notifications.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unread {
    /// How many notifications are newer than the read mark, at most [`UNREAD_CAP`].
    pub count: u32,
    /// Whether there are more than `count` ([`UNREAD_CAP`] was reached).
    pub capped: bool,
    /// The read mark: the inbox position up to which (inclusive) everything is read;
    /// `None` before the user first marked anything (every notification is unread).
    pub read_up_to: Option<Cursor>,
}

/// What [`InboxService::mark_read`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkedRead {
    /// The read mark moved forward to the position.
    Moved,
    /// The read mark was already there or later: nothing changed.
    AlreadyRead,
    /// The position is more than [`READ_MARK_LEAD`] ahead of the clock, so it names no
    /// notification: refused, nothing changed.
    InFuture,
}

/// A user's inbox, read a page at a time, marked read, its unread counted.
#[derive(Clone, Debug)]
pub struct InboxService {
    notifier: Arc<dyn Notifier>,
    clock: Arc<dyn Clock>,
}

impl InboxService {
    /// A service over these ports.
    pub fn new(notifier: Arc<dyn Notifier>, clock: Arc<dyn Clock>) -> Self {
        Self { notifier, clock }
    }

    /// `user`'s notifications, newest first.
    pub async fn inbox(&self, user: UserId, page: PageRequest) -> Result<Page<Notification>> {
        self.notifier.inbox(user, page).await
    }

    /// Marks `user`'s inbox read up to `up_to` (inclusive): the position of the newest
    /// notification the user has seen, [`Cursor::after`] its `occurred_at` and event id.
    /// The mark only moves forward.
    ///
    /// # Errors
    /// When the notifier cannot store the mark.
    pub async fn mark_read(&self, user: UserId, up_to: Cursor) -> Result<MarkedRead> {
        let latest = self.clock.now() + READ_MARK_LEAD;
        if up_to.key > latest.timestamp_micros() {
            return Ok(MarkedRead::InFuture);
        }
        Ok(match self.notifier.mark_read(user, up_to).await? {
            true => MarkedRead::Moved,
            false => MarkedRead::AlreadyRead,
        })
    }

    /// How many of `user`'s notifications are newer than their read mark (all of them
    /// before the first mark), up to [`UNREAD_CAP`], and the mark. The mark is read where
    /// it was written, so a count right after [`mark_read`](Self::mark_read) already uses
    /// it; the count itself may come from a replica.
    ///
    /// # Errors
    /// When the notifier cannot be read.
    pub async fn unread(&self, user: UserId) -> Result<Unread> {
        let mark = self.notifier.read_mark(user).await?;
        // One past the cap tells "exactly the cap" from "more".
        let counted = self
            .notifier
            .count_newer(user, mark, UNREAD_CAP + 1)
            .await?;
        Ok(Unread {
            count: counted.min(UNREAD_CAP),
            capped: counted > UNREAD_CAP,
            read_up_to: mark,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use chrono::{DateTime, TimeZone, Utc};
    use mockall::predicate::eq;
    use uuid::Uuid;

    use super::*;
    use crate::clock::ManualClock;
    use crate::ports::MockNotifier;

    fn service(notifier: MockNotifier) -> (InboxService, DateTime<Utc>) {
        let now = Utc.with_ymd_and_hms(2030, 1, 1, 12, 0, 0).unwrap();
        let clock = Arc::new(ManualClock::new(now));
        (InboxService::new(Arc::new(notifier), clock), now)
    }

    #[tokio::test]
    async fn a_mark_beyond_the_clocks_lead_is_refused_without_touching_the_store() {
        let user = UserId::new();
        let mut notifier = MockNotifier::new();
        notifier
            .expect_mark_read()
            .times(2)
            .returning(|_, _| Ok(true));
        let (inbox, now) = service(notifier);
        let ahead = Cursor::after(
            now + READ_MARK_LEAD + TimeDelta::microseconds(1),
            Uuid::nil(),
        );
        assert_eq!(
            inbox.mark_read(user, ahead).await.unwrap(),
            MarkedRead::InFuture
        );
        // Within the lead (clock skew between nodes) and in the past: stored.
        for at in [now + READ_MARK_LEAD, now - TimeDelta::hours(1)] {
            assert_eq!(
                inbox
                    .mark_read(user, Cursor::after(at, Uuid::now_v7()))
                    .await
                    .unwrap(),
                MarkedRead::Moved
            );
        }
    }

    #[tokio::test]
    async fn a_mark_the_store_keeps_behind_is_already_read() {
        let mut notifier = MockNotifier::new();
        notifier.expect_mark_read().returning(|_, _| Ok(false));
        let (inbox, now) = service(notifier);
        let marked = inbox
            .mark_read(UserId::new(), Cursor::after(now, Uuid::now_v7()))
            .await
            .unwrap();
        assert_eq!(marked, MarkedRead::AlreadyRead);
    }

    #[tokio::test]
    async fn unread_counts_past_the_mark_and_caps_at_one_hundred() {
        let user = UserId::new();
        let mark = Cursor::after(Utc::now(), Uuid::now_v7());
        for (counted, expected, capped) in [(0, 0, false), (100, 100, false), (101, 100, true)] {
            let mut notifier = MockNotifier::new();
            notifier
                .expect_read_mark()
                .with(eq(user))
                .returning(move |_| Ok(Some(mark)));
            notifier
                .expect_count_newer()
                .with(eq(user), eq(Some(mark)), eq(UNREAD_CAP + 1))
                .returning(move |_, _, _| Ok(counted));
            let (inbox, _) = service(notifier);
            assert_eq!(
                inbox.unread(user).await.unwrap(),
                Unread {
                    count: expected,
                    capped,
                    read_up_to: Some(mark)
                },
                "{counted} counted"
            );
        }
    }
}
