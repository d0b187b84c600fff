//! [`InboxFeed`]: what one stream has sent and what it sends next.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use crate::Result;
use crate::domain::Notification;
use crate::ids::{EventId, UserId};
use crate::pagination::{Cursor, Limit, PageRequest};
use crate::ports::Notifier;
use chrono::{DateTime, Utc};

/// How far before the newest notification sent a stream still looks for ones it has not
/// sent. The inbox is ordered by when events occurred, but events reach it through the
/// outbox, the bus and consumers, so one can land after a newer one; a notification
/// stored up to this much "late" is still delivered.
pub const LATE_WINDOW: Duration = Duration::from_secs(30);
/// Notifications read per inbox page.
const PAGE: i64 = 100;

/// One stream's position in a user's inbox.
///
/// Delivery is at least once: a stream resumed from a `Last-Event-ID` re-reads the
/// [`LATE_WINDOW`] before it and may send a notification again; each carries its event id
/// for the client to drop repeats.
#[derive(Debug)]
pub struct InboxFeed {
    notifier: Arc<dyn Notifier>,
    user: UserId,
    /// The newest position sent (or the resume point): `(occurred_at µs, event id)`.
    mark: Cursor,
    /// Ids sent within the late window of `mark`, with their sort keys for pruning.
    sent: VecDeque<(i64, EventId)>,
    sent_ids: HashSet<EventId>,
}

impl InboxFeed {
    /// A feed of `user`'s notifications from `resume` on (the client's last event id),
    /// or, without one, of those stored from now on.
    ///
    /// # Errors
    /// When the inbox cannot be read to find where "now" is.
    pub(crate) async fn open(
        notifier: Arc<dyn Notifier>,
        user: UserId,
        resume: Option<Cursor>,
        now: DateTime<Utc>,
    ) -> Result<Self> {
        let fresh = resume.is_none();
        let mut feed = Self {
            notifier,
            user,
            mark: resume.unwrap_or_else(|| Cursor::after(now, uuid::Uuid::nil())),
            sent: VecDeque::new(),
            sent_ids: HashSet::new(),
        };
        if fresh {
            // What is already in the window is history, served by the inbox endpoint:
            // count it as sent so the stream starts with what happens next.
            let history = feed.unsent().await?;
            feed.record(&history);
        }
        Ok(feed)
    }

    /// The position to resume from after the last notification handed out.
    pub fn position(&self) -> Cursor {
        self.mark
    }

    /// Notifications not yet sent, oldest first, now counted as sent.
    ///
    /// # Errors
    /// When the inbox cannot be read; nothing is counted as sent then.
    pub async fn next_batch(&mut self) -> Result<Vec<Notification>> {
        let batch = self.unsent().await?;
        self.record(&batch);
        Ok(batch)
    }

    /// Reads the inbox newest first down to the late window's floor, keeping what has
    /// not been sent; returns it oldest first.
    async fn unsent(&self) -> Result<Vec<Notification>> {
        let floor = self.floor();
        let limit = Limit::try_from(PAGE)?;
        let mut request = PageRequest::first(limit);
        let mut unsent = Vec::new();
        loop {
            let page = self.notifier.inbox(self.user, request).await?;
            let mut reached_floor = false;
            for notification in page.items {
                let key = notification.event.occurred_at.timestamp_micros();
                if key < floor {
                    reached_floor = true;
                    break;
                }
                if !self.sent_ids.contains(&notification.event.id) {
                    unsent.push(notification);
                }
            }
            match page.next_cursor {
                Some(next) if !reached_floor => request = PageRequest::after(next, limit),
                _ => break,
            }
        }
        unsent.reverse();
        Ok(unsent)
    }

    fn record(&mut self, batch: &[Notification]) {
        for notification in batch {
            let event = &notification.event;
            let position = Cursor::after(event.occurred_at, event.id);
            self.mark = self.mark.max(position);
            if self.sent_ids.insert(event.id) {
                self.sent.push_back((position.key, event.id));
            }
        }
        // Forget what has fallen out of the window: the floor only moves forward.
        let floor = self.floor();
        while let Some(&(key, id)) = self.sent.front() {
            if key >= floor {
                break;
            }
            self.sent.pop_front();
            self.sent_ids.remove(&id);
        }
    }

    fn floor(&self) -> i64 {
        let window = i64::try_from(LATE_WINDOW.as_micros()).unwrap_or(i64::MAX);
        self.mark.key.saturating_sub(window)
    }
}
