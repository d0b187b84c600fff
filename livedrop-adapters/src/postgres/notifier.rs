//! Notification storage on PostgreSQL: one `notifications` row per (feed, event).
//!
//! A buyer's own notifications go to the user's feed. A creator-wide notification is
//! stored once, in the creator's feed, and fanned out on read: a user's inbox is their
//! feed merged with the feed of every creator they follow now, from the moment they
//! started following (a new follower does not inherit the creator's history; one who left
//! sees none of it). Each branch of the merge is an index range scan bounded by the page
//! size, so an inbox page costs one small scan per followed creator.
//!
//! Unlike the memory backend, feeds are not trimmed here; retention is left to a
//! maintenance job.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use livedrop_core::Result;
use livedrop_core::domain::{Event, Notification, Recipient};
use livedrop_core::ids::{CreatorId, UserId};
use livedrop_core::pagination::{Page, PageRequest};
use livedrop_core::ports::Notifier;
use sqlx::PgPool;
use uuid::Uuid;

use super::codec::corrupt;
use super::{db_error, keyset};

/// The first page of an inbox: `$1` the user, `$2` the row bound.
const FIRST_PAGE: &str = "\
    SELECT feed_kind, feed_id, event, occurred_at, event_id FROM ( \
        (SELECT feed_kind, feed_id, event, occurred_at, event_id FROM notifications \
          WHERE feed_kind = 'user' AND feed_id = $1 \
          ORDER BY occurred_at DESC, event_id DESC LIMIT $2) \
        UNION ALL \
        (SELECT n.feed_kind, n.feed_id, n.event, n.occurred_at, n.event_id \
          FROM follows f CROSS JOIN LATERAL ( \
              SELECT feed_kind, feed_id, event, occurred_at, event_id FROM notifications \
               WHERE feed_kind = 'creator' AND feed_id = f.creator_id \
                 AND occurred_at >= f.created_at \
               ORDER BY occurred_at DESC, event_id DESC LIMIT $2) n \
          WHERE f.user_id = $1) \
    ) inbox ORDER BY occurred_at DESC, event_id DESC LIMIT $2";

/// A later page: as [`FIRST_PAGE`], strictly before the cursor `($3, $4)`.
const NEXT_PAGE: &str = "\
    SELECT feed_kind, feed_id, event, occurred_at, event_id FROM ( \
        (SELECT feed_kind, feed_id, event, occurred_at, event_id FROM notifications \
          WHERE feed_kind = 'user' AND feed_id = $1 \
            AND (occurred_at, event_id) < ($3, $4) \
          ORDER BY occurred_at DESC, event_id DESC LIMIT $2) \
        UNION ALL \
        (SELECT n.feed_kind, n.feed_id, n.event, n.occurred_at, n.event_id \
          FROM follows f CROSS JOIN LATERAL ( \
              SELECT feed_kind, feed_id, event, occurred_at, event_id FROM notifications \
               WHERE feed_kind = 'creator' AND feed_id = f.creator_id \
                 AND occurred_at >= f.created_at \
                 AND (occurred_at, event_id) < ($3, $4) \
               ORDER BY occurred_at DESC, event_id DESC LIMIT $2) n \
          WHERE f.user_id = $1) \
    ) inbox ORDER BY occurred_at DESC, event_id DESC LIMIT $2";

/// The notifier port: deliveries on the primary, inboxes from the read pool.
#[derive(Debug, Clone)]
pub struct PgNotifier {
    primary: PgPool,
    reads: PgPool,
}

impl PgNotifier {
    pub(crate) fn new(primary: PgPool, reads: PgPool) -> Self {
        Self { primary, reads }
    }
}

/// A stored notification with the feed it sits in.
#[derive(sqlx::FromRow)]
struct NotificationRow {
    feed_kind: String,
    feed_id: Uuid,
    event: serde_json::Value,
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
            serde_json::from_value(self.event).map_err(|e| corrupt("notification event", e))?;
        Ok((
            Notification { recipient, event },
            self.occurred_at,
            self.event_id,
        ))
    }
}

#[async_trait]
impl Notifier for PgNotifier {
    async fn deliver(&self, notification: &Notification) -> Result<bool> {
        let (kind, feed) = match notification.recipient {
            Recipient::User(user) => ("user", user.as_uuid()),
            Recipient::FollowersOf(creator) => ("creator", creator.as_uuid()),
        };
        let event = &notification.event;
        let body = serde_json::to_value(event).map_err(|e| corrupt("notification event", e))?;
        let inserted = sqlx::query(
            "INSERT INTO notifications (feed_kind, feed_id, event_id, event, occurred_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(kind)
        .bind(feed)
        .bind(event.id.as_uuid())
        .bind(body)
        .bind(event.occurred_at)
        .execute(&self.primary)
        .await
        .map_err(db_error)?;
        Ok(inserted.rows_affected() == 1)
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
        .fetch_all(&self.reads)
        .await
        .map_err(db_error)?;
        let items = rows
            .into_iter()
            .map(NotificationRow::into_notification)
            .collect::<Result<Vec<_>>>()?;
        let page = keyset::page_of(items, page, |(_, at, id)| (*at, *id));
        Ok(page.map(|(notification, _, _)| notification))
    }
}
