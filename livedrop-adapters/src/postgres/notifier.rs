//! Notification storage on PostgreSQL: one `notifications` row per (feed, event).
//!
//! A buyer's own notifications go to the user's feed. A creator-wide notification is
//! stored once, in the creator's feed, and fanned out on read: a user's inbox is their
//! feed merged with the feed of every creator they follow now, from the moment they
//! started following (a new follower does not inherit the creator's history; one who left
//! sees none of it). The merge queries are in `inbox_sql`.
//!
//! Unlike the memory backend, feeds are not trimmed here; retention is left to a
//! maintenance job.
//!
//! Read marks live in `inbox_reads` (one row per user, migration 0012), written and read
//! on the primary so a count right after a mark uses it; the count of what is newer than a
//! mark runs on the read pool, as the inbox's merge bounded below by the mark and stopped
//! at its bound in every branch.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use livedrop_core::Result;
use livedrop_core::domain::{Event, Notification, Recipient, STOCK_NOTICE_WINDOW};
use livedrop_core::ids::{CreatorId, UserId};
use livedrop_core::pagination::{Cursor, Page, PageRequest};
use livedrop_core::ports::Notifier;
use uuid::Uuid;

use super::codec::corrupt;
use super::inbox_sql::{COUNT_ALL, COUNT_NEWER, FIRST_PAGE, NEXT_PAGE};
use super::{db_error, keyset};
use crate::postgres::GuardedPool;

/// The notifier port: deliveries on the primary, inboxes from the read pool.
#[derive(Debug, Clone)]
pub struct PgNotifier {
    primary: GuardedPool,
    reads: GuardedPool,
}

impl PgNotifier {
    pub(crate) fn new(primary: GuardedPool, reads: GuardedPool) -> Self {
        Self { primary, reads }
    }
}

/// A stored notification with the feed it sits in.
#[derive(sqlx::FromRow)]
struct NotificationRow {
    feed_kind: String,
    feed_id: Uuid,
    /// As text: jsonb writes shorter keys first, so `type` comes before `payload` and the
    /// event is read in one pass (as a `serde_json::Value` its keys would come sorted,
    /// `payload` first, which the reader must hold until it knows the type).
    event: String,
    occurred_at: DateTime<Utc>,
    event_id: Uuid,
}

impl NotificationRow {
    fn into_notification(self) -> Result<(Notification, DateTime<Utc>, Uuid)> {
        let recipient = match self.feed_kind.as_str() {
            "user" => Recipient::User(UserId::from_uuid(self.feed_id)),
            "creator" => Recipient::FollowersOf(CreatorId::from_uuid(self.feed_id)),
            other => return Err(corrupt("notification feed", other)),
        };
        let event: Event =
            serde_json::from_str(&self.event).map_err(|e| corrupt("notification event", e))?;
        Ok((
            Notification { recipient, event },
            self.occurred_at,
            self.event_id,
        ))
    }
}

/// Where a notification is stored: its feed's kind and id.
fn feed_of(notification: &Notification) -> (&'static str, Uuid) {
    match notification.recipient {
        Recipient::User(user) => ("user", user.as_uuid()),
        Recipient::FollowersOf(creator) => ("creator", creator.as_uuid()),
    }
}

fn body_of(notification: &Notification) -> String {
    notification.event.to_json_string()
}

impl PgNotifier {
    /// Stores notifications that coalesce with nothing, in one statement; for each,
    /// whether it was new. A duplicate within the batch is stored once (its first).
    async fn insert_plain(&self, notifications: &[&Notification]) -> Result<Vec<bool>> {
        let mut kinds = Vec::with_capacity(notifications.len());
        let mut feeds = Vec::with_capacity(notifications.len());
        let mut ids = Vec::with_capacity(notifications.len());
        let mut bodies = Vec::with_capacity(notifications.len());
        let mut times = Vec::with_capacity(notifications.len());
        for notification in notifications {
            let (kind, feed) = feed_of(notification);
            kinds.push(kind);
            feeds.push(feed);
            ids.push(notification.event.id.as_uuid());
            bodies.push(body_of(notification));
            times.push(notification.event.occurred_at);
        }
        let inserted: Vec<(String, Uuid, Uuid)> = sqlx::query_as(
            "INSERT INTO notifications (feed_kind, feed_id, event_id, event, occurred_at) \
             SELECT kind, feed, id, body::jsonb, at \
             FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::text[], $5::timestamptz[]) \
                 AS n(kind, feed, id, body, at) \
             ON CONFLICT DO NOTHING \
             RETURNING feed_kind, feed_id, event_id",
        )
        .bind(&kinds)
        .bind(&feeds)
        .bind(&ids)
        .bind(&bodies)
        .bind(&times)
        .fetch_all(&mut *self.primary.acquire().await?)
        .await
        .map_err(db_error)?;
        let mut new: std::collections::HashSet<(String, Uuid, Uuid)> =
            inserted.into_iter().collect();
        Ok((0..notifications.len())
            // `remove`: a second copy of the same row in the batch was not the one stored.
            .map(|at| new.remove(&(kinds[at].to_owned(), feeds[at], ids[at])))
            .collect())
    }

    /// Stores a stock-state notice unless one of its kind for its drop sits within the
    /// coalescing window of it in the same feed.
    async fn insert_unless_repeated(&self, notification: &Notification) -> Result<bool> {
        let (kind, feed) = feed_of(notification);
        let Some((drop_id, event_type)) = notification.coalesce_key() else {
            return Ok(self.insert_plain(&[notification]).await?[0]);
        };
        let window = STOCK_NOTICE_WINDOW.num_microseconds().unwrap_or(i64::MAX);
        let inserted = sqlx::query(
            "INSERT INTO notifications (feed_kind, feed_id, event_id, event, occurred_at) \
             SELECT $1, $2, $3, $4::jsonb, $5 \
             WHERE NOT EXISTS ( \
                 SELECT 1 FROM notifications \
                 WHERE feed_kind = $1 AND feed_id = $2 \
                   AND occurred_at > $5 - $6 * interval '1 microsecond' \
                   AND occurred_at < $5 + $6 * interval '1 microsecond' \
                   AND event->>'type' = $7 AND event->>'dropId' = $8) \
             ON CONFLICT DO NOTHING",
        )
        .bind(kind)
        .bind(feed)
        .bind(notification.event.id.as_uuid())
        .bind(body_of(notification))
        .bind(notification.event.occurred_at)
        .bind(window)
        .bind(event_type)
        .bind(drop_id.as_uuid().to_string())
        .execute(&mut *self.primary.acquire().await?)
        .await
        .map_err(db_error)?;
        Ok(inserted.rows_affected() == 1)
    }
}

#[async_trait]
impl Notifier for PgNotifier {
    async fn deliver(&self, notification: &Notification) -> Result<bool> {
        self.insert_unless_repeated(notification).await
    }

    /// Everything that coalesces with nothing (order notifications: nearly all of a sale's)
    /// in one multi-row insert; stock-state notices, a handful per drop, one at a time
    /// after it, each checked against what is stored (the earlier ones included). The two
    /// sets never affect each other, so the answers are those of one-by-one delivery.
    async fn deliver_all(&self, notifications: &[Notification]) -> Result<Vec<bool>> {
        let (notices, plain): (Vec<usize>, Vec<usize>) =
            (0..notifications.len()).partition(|&at| notifications[at].coalesce_key().is_some());
        let mut stored = vec![false; notifications.len()];
        if !plain.is_empty() {
            let batch: Vec<&Notification> = plain.iter().map(|&at| &notifications[at]).collect();
            for (at, new) in plain.iter().zip(self.insert_plain(&batch).await?) {
                stored[*at] = new;
            }
        }
        for at in notices {
            stored[at] = self.insert_unless_repeated(&notifications[at]).await?;
        }
        Ok(stored)
    }

    async fn inbox(&self, user_id: UserId, page: PageRequest) -> Result<Page<Notification>> {
        let rows = match page.cursor {
            None => sqlx::query_as::<_, NotificationRow>(FIRST_PAGE)
                .bind(user_id.as_uuid())
                .bind(keyset::fetch_limit(page)),
            Some(cursor) => {
                let (at, id) = keyset::position(cursor);
                sqlx::query_as::<_, NotificationRow>(NEXT_PAGE)
                    .bind(user_id.as_uuid())
                    .bind(keyset::fetch_limit(page))
                    .bind(at)
                    .bind(id)
            }
        }
        .fetch_all(&mut *self.reads.acquire().await?)
        .await
        .map_err(db_error)?;
        let items = rows
            .into_iter()
            .map(NotificationRow::into_notification)
            .collect::<Result<Vec<_>>>()?;
        let page = keyset::page_of(items, page, |(_, at, id)| (*at, *id));
        Ok(page.map(|(notification, _, _)| notification))
    }

    async fn mark_read(&self, user_id: UserId, up_to: Cursor) -> Result<bool> {
        let (at, id) = keyset::position(up_to);
        // The row lock of `ON CONFLICT DO UPDATE` orders racing marks, and the WHERE is
        // checked against the row as the previous one left it: the latest position wins.
        let moved = sqlx::query(
            "INSERT INTO inbox_reads (user_id, occurred_at, event_id) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id) DO UPDATE \
                 SET occurred_at = EXCLUDED.occurred_at, event_id = EXCLUDED.event_id \
                 WHERE (inbox_reads.occurred_at, inbox_reads.event_id) \
                     < (EXCLUDED.occurred_at, EXCLUDED.event_id)",
        )
        .bind(user_id.as_uuid())
        .bind(at)
        .bind(id)
        .execute(&mut *self.primary.acquire().await?)
        .await
        .map_err(db_error)?;
        Ok(moved.rows_affected() == 1)
    }

    async fn read_mark(&self, user_id: UserId) -> Result<Option<Cursor>> {
        let mark: Option<(DateTime<Utc>, Uuid)> =
            sqlx::query_as("SELECT occurred_at, event_id FROM inbox_reads WHERE user_id = $1")
                .bind(user_id.as_uuid())
                .fetch_optional(&mut *self.primary.acquire().await?)
                .await
                .map_err(db_error)?;
        Ok(mark.map(|(at, id)| Cursor::after(at, id)))
    }

    async fn count_newer(
        &self,
        user_id: UserId,
        than: Option<Cursor>,
        at_most: u32,
    ) -> Result<u32> {
        let query = match than {
            None => sqlx::query_scalar::<_, i64>(COUNT_ALL)
                .bind(user_id.as_uuid())
                .bind(i64::from(at_most)),
            Some(than) => {
                let (at, id) = keyset::position(than);
                sqlx::query_scalar::<_, i64>(COUNT_NEWER)
                    .bind(user_id.as_uuid())
                    .bind(i64::from(at_most))
                    .bind(at)
                    .bind(id)
            }
        };
        let counted = query
            .fetch_one(&mut *self.reads.acquire().await?)
            .await
            .map_err(db_error)?;
        u32::try_from(counted).map_err(|e| corrupt("unread count", e))
    }
}
