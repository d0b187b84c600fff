//! A server-sent events reader for the tests, on `sse-stream` (the client's parser): the
//! events as a browser's `EventSource` would read them, however the bytes are chunked.

use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use sse_stream::{Sse, SseByteStream};

/// One event as received.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Message {
    pub event: String,
    pub id: String,
    pub data: String,
}

impl Message {
    /// The data as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.data).unwrap()
    }
}

/// An open stream.
pub struct Reader {
    events: BoxStream<'static, Result<Sse, sse_stream::Error>>,
    /// The id of the `open` event a fresh stream starts with: where it started.
    pub opened: String,
}

impl Reader {
    /// Opens `url` afresh; the answer must be a 200 stream starting with an `open` event
    /// that carries an id.
    pub async fn open(url: &str) -> Self {
        let mut reader = Self::connect(url, None).await;
        let open = reader.next(Duration::from_secs(5)).await.unwrap();
        assert_eq!(open.event, "open", "{open:?}");
        assert!(!open.id.is_empty(), "{open:?}");
        reader.opened = open.id;
        reader
    }

    /// Opens `url`, sending `last_event_id` if given; the answer must be a 200 stream.
    /// Nothing is read yet.
    pub async fn connect(url: &str, last_event_id: Option<&str>) -> Self {
        let mut request = reqwest::Client::new().get(url);
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200, "{url}");
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        assert_eq!(response.headers()["x-accel-buffering"], "no");
        Self {
            events: SseByteStream::new(response.bytes_stream()).boxed(),
            opened: String::new(),
        }
    }

    /// Every event that arrives until none has for `quiet`.
    pub async fn drain(&mut self, quiet: Duration) -> Vec<Message> {
        let mut seen = Vec::new();
        while let Some(message) = self.next(quiet).await {
            seen.push(message);
        }
        seen
    }

    /// The next event, or `None` when the stream ends or `patience` passes first.
    pub async fn next(&mut self, patience: Duration) -> Option<Message> {
        let deadline = tokio::time::Instant::now() + patience;
        loop {
            let sse = tokio::time::timeout_at(deadline, self.events.next())
                .await
                .ok()??
                .unwrap();
            if let Some(message) = Message::from_sse(sse) {
                return Some(message);
            }
        }
    }

    /// Events until one of type `kind` arrives (returned with everything before it).
    pub async fn until(&mut self, kind: &str, patience: Duration) -> Vec<Message> {
        let mut seen = Vec::new();
        while let Some(message) = self.next(patience).await {
            let done = message.event == kind;
            seen.push(message);
            if done {
                return seen;
            }
        }
        panic!("no {kind} event within {patience:?}; got {seen:?}");
    }
}

impl Message {
    /// The event as received; `None` for a block with no field at all.
    fn from_sse(sse: Sse) -> Option<Self> {
        if sse.event.is_none() && sse.id.is_none() && sse.data.is_none() {
            return None;
        }
        Some(Self {
            event: sse.event.unwrap_or_else(|| "message".to_owned()),
            id: sse.id.unwrap_or_default(),
            data: sse.data.unwrap_or_default(),
        })
    }
}
