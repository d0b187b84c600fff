//! The inbox's read state on the wire: marking the inbox read
//! (`POST /api/notifications/read`) and the unread count (`GET /api/notifications/unread`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{Event, Notification};
use crate::ids::EventId;
use crate::pagination::Cursor;
use crate::services::Unread;

use super::Problem;

/// The code of a read mark more than
/// [`READ_MARK_LEAD`](crate::services::READ_MARK_LEAD) ahead of the server's clock
/// (`400`): it names no notification, and would count those still to come as read.
pub const READ_MARK_IN_FUTURE: &str = "read_mark_in_future";

/// A position in the inbox: a notification's event id and when it occurred, as every
/// inbox item (`event.id`, `event.occurredAt`) and every streamed event carry them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InboxPosition {
    /// The notification's event id.
    pub event_id: EventId,
    /// When its event occurred.
    pub occurred_at: DateTime<Utc>,
}

impl InboxPosition {
    /// The position of `event`'s notification.
    pub fn of(event: &Event) -> Self {
        Self {
            event_id: event.id,
            occurred_at: event.occurred_at,
        }
    }

    /// The inbox cursor at this position (what the inbox sorts and pages by).
    pub fn cursor(&self) -> Cursor {
        Cursor::after(self.occurred_at, self.event_id)
    }

    /// The position a cursor stands at (`None` past what a timestamp holds, which no
    /// stored mark is).
    pub fn from_cursor(cursor: Cursor) -> Option<Self> {
        Some(Self {
            event_id: EventId::from_uuid(cursor.id),
            occurred_at: DateTime::from_timestamp_micros(cursor.key)?,
        })
    }
}

impl From<&Event> for InboxPosition {
    fn from(event: &Event) -> Self {
        Self::of(event)
    }
}

impl From<&Notification> for InboxPosition {
    fn from(notification: &Notification) -> Self {
        Self::of(&notification.event)
    }
}

/// `POST /api/notifications/read`: everything up to and including the notification at
/// `upTo` is read (usually the newest one the user has seen). The mark only moves
/// forward: an older position than the stored one changes nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MarkReadBody {
    /// The newest notification read: one listed already, so never ahead of the server's
    /// clock (`400 read_mark_in_future`).
    pub up_to: InboxPosition,
}

impl MarkReadBody {
    /// The problem a mark in the future is refused with: `400 read_mark_in_future`.
    pub fn in_future() -> Problem {
        Problem::new(400, READ_MARK_IN_FUTURE, "Invalid request").with_detail(
            "upTo.occurredAt is ahead of the server's clock: no notification is there yet",
        )
    }
}

/// `GET /api/notifications/unread`: how many notifications are newer than the read mark,
/// counted up to 100.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnreadCount {
    /// Notifications newer than the read mark, at most 100.
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 100))]
    pub unread: u32,
    /// More than `unread` are unread (show "100+").
    pub capped: bool,
    /// The read mark: every notification at or before it is read (items newer than it
    /// are the unread ones). `null` before the first mark: everything is unread.
    // Always present, so required though nullable.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub read_up_to: Option<InboxPosition>,
}

impl From<Unread> for UnreadCount {
    fn from(unread: Unread) -> Self {
        Self {
            unread: unread.count,
            capped: unread.capped,
            read_up_to: unread.read_up_to.and_then(InboxPosition::from_cursor),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use chrono::TimeZone;
    use serde_json::json;

    use super::*;

    #[test]
    fn a_position_round_trips_through_its_cursor() {
        let at = Utc.with_ymd_and_hms(2030, 5, 1, 8, 30, 0).unwrap()
            + chrono::TimeDelta::microseconds(123_456);
        let position = InboxPosition {
            event_id: EventId::at(at),
            occurred_at: at,
        };
        assert_eq!(
            InboxPosition::from_cursor(position.cursor()),
            Some(position)
        );
    }

    #[test]
    fn the_bodies_are_camel_case_and_refuse_unknown_fields() {
        let id = EventId::at(Utc::now());
        let body: MarkReadBody = serde_json::from_value(json!({
            "upTo": { "eventId": id, "occurredAt": "2030-05-01T08:30:00.123456Z" }
        }))
        .unwrap();
        assert_eq!(body.up_to.event_id, id);
        for bad in [
            json!({ "upTo": { "eventId": id } }),
            json!({ "upTo": { "eventId": id, "occurredAt": "yesterday" } }),
            json!({ "upTo": { "eventId": "nope", "occurredAt": "2030-05-01T08:30:00Z" } }),
            json!({ "upTo": { "eventId": id, "occurredAt": "2030-05-01T08:30:00Z", "x": 1 } }),
            json!({ "eventId": id, "occurredAt": "2030-05-01T08:30:00Z" }),
        ] {
            assert!(
                serde_json::from_value::<MarkReadBody>(bad.clone()).is_err(),
                "{bad}"
            );
        }
        let count = UnreadCount {
            unread: 3,
            capped: false,
            read_up_to: None,
        };
        assert_eq!(
            serde_json::to_value(count).unwrap(),
            json!({ "unread": 3, "capped": false, "readUpTo": null })
        );
    }
}
