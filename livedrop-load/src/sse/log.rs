//! [`StreamLog`]: everything one stream received, frame by frame, across its
//! connections; the checks and the latencies are read from it after the phases.

use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::frames::Frame;
use crate::latency::since;
use crate::outcomes::lock;

/// One frame as received.
#[derive(Clone, Debug, PartialEq)]
pub struct Received {
    /// Which connection of the stream brought it (1 for the first).
    pub connection: u32,
    /// `event:` (`open`, `reset`, `reconnect`, or an event type).
    pub kind: String,
    /// `id:`.
    pub id: Option<String>,
    /// The event's own id (`data.id`), for events.
    pub event_id: Option<String>,
    /// `data.dropId`, for events about a drop.
    pub drop_id: Option<String>,
    /// Receipt minus `data.occurredAt`, for events.
    pub latency: Option<Duration>,
    /// `data.reason`, for `reset` and `reconnect`.
    pub reason: Option<String>,
}

impl Received {
    /// Whether it is a domain event (not one of the stream's own control frames).
    pub fn is_event(&self) -> bool {
        !matches!(self.kind.as_str(), "open" | "reset" | "reconnect")
    }
}

/// The fields of `data:` this mode reads.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Data {
    id: Option<String>,
    occurred_at: Option<DateTime<Utc>>,
    drop_id: Option<String>,
    reason: Option<String>,
}

/// One stream's record; shared by its connection task (which appends) and the phases
/// (which read).
#[derive(Debug, Default)]
pub struct StreamLog {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    frames: Vec<Received>,
    /// Connections answered `200`.
    connections: u32,
    /// The last `id:` received, to resume from.
    last_id: Option<String>,
    /// Why the last attempt to connect failed, while it has not connected since.
    open_error: Option<String>,
    /// Connections that ended without being asked to (a `reconnect`, or a cut).
    server_ends: u32,
}

impl StreamLog {
    /// A connection was answered `200`; returns its number.
    pub fn connected(&self) -> u32 {
        let mut inner = lock(&self.inner);
        inner.connections += 1;
        inner.open_error = None;
        inner.connections
    }

    /// An attempt to connect failed.
    pub fn open_failed(&self, why: String) {
        lock(&self.inner).open_error = Some(why);
    }

    /// The connection ended by itself.
    pub fn ended(&self) {
        lock(&self.inner).server_ends += 1;
    }

    /// Records `frame`, received on `connection` now.
    pub fn record(&self, connection: u32, frame: Frame) {
        let data: Option<Data> = serde_json::from_str(&frame.data).ok();
        let received = Received {
            connection,
            latency: data.as_ref().and_then(|d| d.occurred_at).map(since),
            event_id: data.as_ref().and_then(|d| d.id.clone()),
            drop_id: data.as_ref().and_then(|d| d.drop_id.clone()),
            reason: data.and_then(|d| d.reason),
            kind: frame.event,
            id: frame.id,
        };
        let mut inner = lock(&self.inner);
        if received.id.is_some() {
            inner.last_id.clone_from(&received.id);
        }
        inner.frames.push(received);
    }

    /// A copy of what it received.
    pub fn frames(&self) -> Vec<Received> {
        lock(&self.inner).frames.clone()
    }

    /// Connections made so far.
    pub fn connections(&self) -> u32 {
        lock(&self.inner).connections
    }

    /// The id to resume from.
    pub fn last_id(&self) -> Option<String> {
        lock(&self.inner).last_id.clone()
    }

    /// Why it is not connected, if its last attempt failed.
    pub fn open_error(&self) -> Option<String> {
        lock(&self.inner).open_error.clone()
    }

    /// Ends the server caused.
    pub fn server_ends(&self) -> u32 {
        lock(&self.inner).server_ends
    }

    /// Whether any frame on `connection` or later satisfies `test`.
    pub fn has(&self, since_connection: u32, test: impl Fn(&Received) -> bool) -> bool {
        lock(&self.inner)
            .frames
            .iter()
            .any(|r| r.connection >= since_connection && test(r))
    }

    /// Whether the event `event_id` was received.
    pub fn has_event(&self, event_id: &str) -> bool {
        self.has(0, |r| r.event_id.as_deref() == Some(event_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_keep_their_ids_and_control_frames_their_reason() {
        let log = StreamLog::default();
        let connection = log.connected();
        log.record(
            connection,
            Frame {
                id: Some("3".to_owned()),
                event: "drop.started".to_owned(),
                data: r#"{"id":"e1","type":"drop.started","occurredAt":"2024-01-01T00:00:00.000001Z","dropId":"d1"}"#.to_owned(),
            },
        );
        log.record(
            connection,
            Frame {
                id: Some("4".to_owned()),
                event: "reset".to_owned(),
                data: r#"{"reason":"outside_window"}"#.to_owned(),
            },
        );
        let frames = log.frames();
        assert_eq!(frames[0].event_id.as_deref(), Some("e1"));
        assert_eq!(frames[0].drop_id.as_deref(), Some("d1"));
        assert!(frames[0].latency.is_some() && frames[0].is_event());
        assert_eq!(frames[1].reason.as_deref(), Some("outside_window"));
        assert!(!frames[1].is_event());
        assert_eq!(log.last_id().as_deref(), Some("4"));
        assert!(log.has_event("e1"));
    }
}
