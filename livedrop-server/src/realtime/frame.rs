//! [`Frame`]: one server-sent event, encoded once and shared by every stream sending it.

use bytes::{BufMut, Bytes, BytesMut};
use livedrop_core::domain::Event;

/// An encoded server-sent event (`id:`, `event:`, `data:` lines and the blank line). The
/// hub encodes an event once per node and hands the same bytes (a reference count) to
/// every subscriber's queue.
#[derive(Clone, Debug)]
pub struct Frame {
    bytes: Bytes,
    /// Length of the id after `id: ` at the start, 0 when the frame has none.
    id_len: usize,
    /// When the event happened (µs since the epoch), for the fan-out latency; 0 if none.
    occurred_micros: i64,
}

impl Frame {
    /// `event` as a frame of type `event.kind()` with `id`, its JSON as `data`.
    pub fn event(id: &str, event: &Event) -> Self {
        // Copied into a frame of exactly its size: the window keeps frames up to two
        // minutes, and its budget counts their length, not a writer's spare room.
        let mut frame = Self::build(Some(id), event.kind(), &event.to_json());
        frame.occurred_micros = event.occurred_at.timestamp_micros();
        frame
    }

    /// A frame of type `kind` with `data` (one line of JSON) and an optional `id`.
    pub fn build(id: Option<&str>, kind: &str, data: &[u8]) -> Self {
        let id_len = id.map_or(0, str::len);
        let mut bytes = BytesMut::with_capacity(32 + id_len + kind.len() + data.len());
        if let Some(id) = id {
            bytes.put_slice(b"id: ");
            bytes.put_slice(id.as_bytes());
            bytes.put_u8(b'\n');
        }
        bytes.put_slice(b"event: ");
        bytes.put_slice(kind.as_bytes());
        bytes.put_slice(b"\ndata: ");
        bytes.put_slice(data);
        bytes.put_slice(b"\n\n");
        Self {
            bytes: bytes.freeze(),
            id_len,
            occurred_micros: 0,
        }
    }

    /// A comment line: keeps idle connections open through proxies, changes nothing.
    pub fn heartbeat() -> Self {
        Self {
            bytes: Bytes::from_static(b":\n\n"),
            id_len: 0,
            occurred_micros: 0,
        }
    }

    /// Marks the frame as carrying news of `occurred_micros` (the fan-out latency).
    pub fn occurred_at(mut self, occurred_micros: i64) -> Self {
        self.occurred_micros = occurred_micros;
        self
    }

    /// The bytes to write.
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }

    /// The `id:` it carries, if any (shares the frame's bytes).
    pub fn id(&self) -> Option<Bytes> {
        (self.id_len > 0).then(|| self.bytes.slice(4..4 + self.id_len))
    }

    /// When the news it carries happened (µs since the epoch), if it carries any.
    pub fn occurred_micros(&self) -> Option<i64> {
        (self.occurred_micros != 0).then_some(self.occurred_micros)
    }

    /// Bytes held, for the history's budget.
    pub fn size(&self) -> usize {
        self.bytes.len()
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use livedrop_core::domain::EventData;
    use livedrop_core::ids::{CreatorId, DropId};

    use super::*;

    #[test]
    fn an_event_frame_is_one_sse_event_with_its_id() {
        let event = Event::new(
            EventData::DropStarted { available: 3 },
            CreatorId::new(),
            Some(DropId::new()),
            Utc::now(),
        );
        let frame = Frame::event("4.0.7", &event);
        let text = std::str::from_utf8(frame.bytes()).unwrap();
        let lines: Vec<&str> = text.split('\n').collect();
        assert_eq!(lines[0], "id: 4.0.7");
        assert_eq!(lines[1], "event: drop.started");
        let data: Event = serde_json::from_str(lines[2].strip_prefix("data: ").unwrap()).unwrap();
        assert_eq!(data, event);
        assert!(text.ends_with("\n\n") && lines.len() == 5, "{text:?}");
        assert_eq!(frame.id().as_deref(), Some(&b"4.0.7"[..]));
        assert_eq!(
            frame.occurred_micros(),
            Some(event.occurred_at.timestamp_micros())
        );
    }

    #[test]
    fn a_frame_without_id_says_so() {
        let frame = Frame::build(None, "stock", br#"{"available":1}"#);
        assert_eq!(
            frame.bytes().as_ref(),
            b"event: stock\ndata: {\"available\":1}\n\n"
        );
        assert_eq!(frame.id(), None);
        assert_eq!(Frame::heartbeat().id(), None);
    }
}
