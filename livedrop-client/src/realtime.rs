//! [`RealtimeHandler`]: the realtime token and the caller's event stream, reconnecting by
//! itself.

use std::collections::{HashSet, VecDeque};
use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use futures_util::stream::{self, BoxStream, Stream, StreamExt};
use livedrop_core::domain::Event;
use livedrop_core::ids::EventId;
use livedrop_core::wire::RealtimeToken;
use reqwest::header::ACCEPT;
use reqwest::{Method, StatusCode};
use sse_stream::{Sse, SseByteStream};

use crate::call::Call;
use crate::{Client, ClientError, Result};

/// How many recent event ids are remembered to drop repeats. The server resumes exactly,
/// so none are expected; a server from before exact resumes repeated up to the events of
/// the 30 s before the position.
const RECENT_IDS: usize = 1024;
/// Reconnect delays: from 100 ms, doubling up to 10 s, jittered so clients cut off
/// together (a server restart) do not come back together.
const RECONNECT_MIN: Duration = Duration::from_millis(100);
const RECONNECT_MAX: Duration = Duration::from_secs(10);

/// One event of the stream: the domain event and its SSE `id` (its position on the bus,
/// the same on every server, for resuming with [`RealtimeHandler::events_after`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RealtimeEvent {
    /// The SSE `id:`.
    pub id: String,
    /// The event (`drop.started`, `order.confirmed`, ...).
    pub event: Event,
}

/// The realtime endpoints; get one with [`Client::realtime`].
///
/// ```no_run
/// use futures_util::TryStreamExt;
///
/// # async fn example(client: livedrop_client::Client) -> Result<(), livedrop_client::ClientError> {
/// let mut events = std::pin::pin!(client.realtime().events());
/// while let Some(item) = events.try_next().await? {
///     println!("{} ({})", item.event.kind(), item.id);
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, Debug)]
pub struct RealtimeHandler<'c> {
    client: &'c Client,
}

impl<'c> RealtimeHandler<'c> {
    pub(crate) fn new(client: &'c Client) -> Self {
        Self { client }
    }

    /// `GET /api/realtime/token`: a 60 s token that opens the event stream.
    ///
    /// # Errors
    /// `401` when not signed in.
    pub async fn token(self) -> Result<RealtimeToken> {
        let url = self.client.url(&["api", "realtime", "token"]);
        self.client
            .fetch(Call::new(Method::GET, url).authed())
            .await
    }

    /// The caller's events from now on; see [`events_after`](Self::events_after).
    pub fn events(self) -> impl Stream<Item = Result<RealtimeEvent>> + Send + use<> {
        self.events_after(None)
    }

    /// The caller's events after the SSE id `last_event_id` (`None`: from now on).
    ///
    /// Each connection fetches a fresh realtime token and opens
    /// `GET /api/realtime/events?token=`. When the connection ends, breaks, stays silent
    /// past the read timeout, or the server says `event: reconnect` (shutting down, the
    /// stream's lifetime, a client too slow), the stream reconnects after a jittered
    /// backoff with `Last-Event-ID` set to the last id seen, and the server replays exactly
    /// the events missed. When it cannot (`event: reset`), the stream yields
    /// [`ClientError::StreamReset`] (reload the inbox) and goes on. Repeats, which a
    /// server resuming exactly never sends, are dropped anyway. The stream yields an error
    /// and ends only when it cannot reconnect for good (signed out, or a refusal a repeat
    /// cannot cure); a body that is not an event yields an error and the stream goes on.
    pub fn events_after(
        &self,
        last_event_id: Option<String>,
    ) -> impl Stream<Item = Result<RealtimeEvent>> + Send + use<> {
        let feed = Feed {
            client: self.client.clone(),
            last_id: last_event_id,
            body: None,
            wait: None,
            backoff: backoff(),
            recent: Recent::default(),
            done: false,
        };
        stream::unfold(feed, |mut feed| async move {
            let item = feed.next().await?;
            Some((item, feed))
        })
    }
}

type SseBody = BoxStream<'static, Result<Sse, sse_stream::Error>>;

/// The stream's state between items.
struct Feed {
    client: Client,
    last_id: Option<String>,
    body: Option<SseBody>,
    /// How long to wait before the next connection attempt.
    wait: Option<Duration>,
    backoff: backon::ExponentialBackoff,
    recent: Recent,
    done: bool,
}

impl Feed {
    /// The next item, or `None` once the stream has ended.
    async fn next(&mut self) -> Option<Result<RealtimeEvent>> {
        loop {
            if self.done {
                return None;
            }
            let Some(body) = self.body.as_mut() else {
                if let Some(wait) = self.wait.take() {
                    tokio::time::sleep(wait).await;
                }
                match connect(&self.client, self.last_id.as_deref()).await {
                    Ok(body) => self.body = Some(body),
                    Err(error) if error.is_retryable() => self.retry_later(),
                    Err(error) => {
                        self.done = true;
                        return Some(Err(error));
                    }
                }
                continue;
            };
            let Some(Ok(sse)) = body.next().await else {
                // Ended or broke: resume from the last id.
                self.retry_later();
                continue;
            };
            if let Some(id) = sse.id.as_ref().filter(|id| !id.is_empty()) {
                self.last_id = Some(id.clone());
            }
            // No `event:` means `message` (the format's default); no `data:`, nothing to
            // read (a block of metadata only).
            let kind = sse.event.as_deref().unwrap_or("message");
            let Some(data) = sse.data.as_deref() else {
                continue;
            };
            if kind == "reconnect" {
                self.retry_later();
                continue;
            }
            if kind == "reset" {
                let reason = serde_json::from_str::<serde_json::Value>(data)
                    .ok()
                    .and_then(|data| data["reason"].as_str().map(str::to_owned))
                    .unwrap_or_default();
                return Some(Err(ClientError::StreamReset { reason }));
            }
            if kind == "open" {
                // The stream's starting position (kept above), so a cut before the first
                // event still resumes from here.
                continue;
            }
            match serde_json::from_str::<Event>(data) {
                Ok(event) => {
                    self.backoff = backoff();
                    if self.recent.insert(event.id) {
                        let id = sse.id.unwrap_or_default();
                        return Some(Ok(RealtimeEvent { id, event }));
                    }
                }
                Err(source) => {
                    return Some(Err(ClientError::Decode {
                        status: StatusCode::OK,
                        source,
                    }));
                }
            }
        }
    }

    fn retry_later(&mut self) {
        self.body = None;
        self.wait = Some(self.backoff.next().unwrap_or(RECONNECT_MAX));
    }
}

fn backoff() -> backon::ExponentialBackoff {
    ExponentialBuilder::new()
        .with_min_delay(RECONNECT_MIN)
        .with_max_delay(RECONNECT_MAX)
        .without_max_times()
        .with_jitter()
        .build()
}

/// Opens the event stream with a fresh realtime token.
async fn connect(client: &Client, last_id: Option<&str>) -> Result<SseBody> {
    let token = client.realtime().token().await?;
    let mut request = client
        .http()
        .get(client.url(&["api", "realtime", "events"]))
        .query(&[("token", token.token.as_str())])
        .header(ACCEPT, "text/event-stream");
    if let Some(id) = last_id {
        request = request.header("last-event-id", id);
    }
    let response = request.send().await?;
    let status = response.status();
    if !status.is_success() {
        let headers = response.headers().clone();
        let body = response.bytes().await?;
        return Err(ClientError::from_answer(status, &headers, &body));
    }
    Ok(SseByteStream::new(response.bytes_stream()).boxed())
}

/// The ids of the last [`RECENT_IDS`] events yielded.
#[derive(Default)]
struct Recent {
    order: VecDeque<EventId>,
    ids: HashSet<EventId>,
}

impl Recent {
    /// Remembers `id`; false if it was already remembered (a repeat).
    fn insert(&mut self, id: EventId) -> bool {
        if !self.ids.insert(id) {
            return false;
        }
        self.order.push_back(id);
        if self.order.len() > RECENT_IDS
            && let Some(oldest) = self.order.pop_front()
        {
            self.ids.remove(&oldest);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_ids_drop_repeats_and_stay_bounded() {
        let mut recent = Recent::default();
        let first = EventId::new();
        assert!(recent.insert(first));
        assert!(!recent.insert(first));
        for _ in 0..RECENT_IDS {
            assert!(recent.insert(EventId::new()));
        }
        assert_eq!(recent.ids.len(), RECENT_IDS);
        // Forgotten once it fell out of the window.
        assert!(recent.insert(first));
    }
}
