//! A minimal server-sent events reader for the tests: enough of the format
//! (`event:`, `id:`, `data:` lines, blank-line separated, `:` comments) to check what the
//! server streams.

use std::time::Duration;

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
    response: reqwest::Response,
    buffer: String,
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
            response,
            buffer: String::new(),
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
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                if let Some(message) = parse(&block) {
                    return Some(message);
                }
                continue;
            }
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk())
                .await
                .ok()?
                .unwrap()?;
            self.buffer.push_str(std::str::from_utf8(&chunk).unwrap());
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

/// A block of lines as an event; `None` for a comment-only block (keep-alive).
fn parse(block: &str) -> Option<Message> {
    let mut message = Message::default();
    let mut any = false;
    for line in block.lines() {
        let Some((field, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "event" => message.event = value.to_owned(),
            "id" => message.id = value.to_owned(),
            "data" => {
                if !message.data.is_empty() {
                    message.data.push('\n');
                }
                message.data.push_str(value);
            }
            _ => continue,
        }
        any = true;
    }
    any.then_some(message)
}
