//! `GET /api/realtime/events?token=...`: the caller's events as server-sent events.
//!
//! The token is a realtime token (`GET /api/realtime/token`): browsers' `EventSource`
//! cannot send an `Authorization` header, so it travels in the query, which is why it is
//! short-lived and good for nothing else. Each event has the notification's type as its
//! `event:`, its inbox position as its `id:` and the event as JSON `data:`; a reconnect
//! sends that id back as `Last-Event-ID` and resumes after it. A stream starts with an
//! `open` event carrying its starting position, so a client cut off before the first
//! notification still resumes from the right place. It ends with a `reconnect` event
//! carrying the position to resume from when the server shuts down, and after
//! [`STREAM_LIFETIME`]: the token is checked only when a stream opens, so a stream must
//! not outlive the sign-in that opened it by much (a revoked sign-in cannot get the
//! fresh realtime token a reconnect needs).

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream};
use livedrop_core::domain::Notification;
use livedrop_core::pagination::Cursor;
use serde::Deserialize;
use tokio::sync::watch;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::TokenKind;
use crate::extract::QueryParams;
use crate::openapi::{BadRequest, TooManyRequests, Unauthorized};
use crate::{ApiError, AppState};
use livedrop_core::services::InboxFeed;

/// How often a stream looks for notifications other instances stored; this instance's own
/// wake it at once.
const POLL_EVERY: Duration = Duration::from_secs(1);
/// The least time between two reads of one stream's inbox: at most five reads a second per
/// stream however often its wake-up signal fires.
const READ_GAP: Duration = Duration::from_millis(200);
/// Idle streams get a comment this often, so proxies keep them open.
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// How long one stream lasts before it asks the client to reconnect: an access token's
/// lifetime, the longest a sign-in goes unchecked elsewhere.
pub const STREAM_LIFETIME: Duration = crate::auth::tokens::ACCESS_TTL;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(events))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct TokenQuery {
    /// A realtime token from `GET /api/realtime/token` (an access token is refused).
    #[param(required = true)]
    token: Option<String>,
}

/// The caller's notifications as they arrive, after `Last-Event-ID` when resuming.
#[utoipa::path(
    get,
    path = "/api/realtime/events",
    tag = "notifications",
    params(
        TokenQuery,
        (
            "Last-Event-ID" = Option<String>, Header,
            description = "The `id:` of the last event received; the stream resumes after it"
        )
    ),
    responses(
        (
            status = 200,
            description = "Server-sent events: `event:` is the event's type, `id:` its inbox position, `data:` the event as JSON (schema `Event`); a `reconnect` event ends the stream on shutdown",
            content_type = "text/event-stream",
            body = String
        ),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 429, response = TooManyRequests),
    )
)]
async fn events(
    State(state): State<AppState>,
    headers: HeaderMap,
    QueryParams(query): QueryParams<TokenQuery>,
) -> Result<Response, ApiError> {
    let token = query
        .token
        .ok_or_else(|| ApiError::unauthorized("this stream needs a realtime token (`?token=`)"))?;
    let user = state
        .tokens()
        .verify(TokenKind::Realtime, &token)
        .map_err(|refused| {
            tracing::debug!(%refused, "realtime token refused");
            ApiError::unauthorized("the realtime token is invalid or expired")
        })?;
    let resume = headers
        .get("last-event-id")
        .map(|value| value.to_str().unwrap_or_default().parse::<Cursor>())
        .transpose()?;
    let feed = state.inbox().feed(user, resume).await?;
    let stream = notification_stream(&state, feed);
    let mut response = Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
        .into_response();
    // nginx buffers responses unless told not to, which would hold events back.
    response
        .headers_mut()
        .insert("x-accel-buffering", HeaderValue::from_static("no"));
    Ok(response)
}

/// The stream's state between events.
struct Streaming {
    feed: InboxFeed,
    pending: std::vec::IntoIter<Notification>,
    wake: watch::Receiver<u64>,
    closing: watch::Receiver<bool>,
    ends_at: tokio::time::Instant,
    /// When the inbox was last read: reads are at least [`READ_GAP`] apart.
    last_read: tokio::time::Instant,
    /// The state the stream was opened on is gone (its signals' senders dropped): end
    /// rather than spin on signals that can no longer change.
    orphaned: bool,
    announced: bool,
    done: bool,
    _open: OpenStream,
}

fn notification_stream(
    state: &AppState,
    feed: InboxFeed,
) -> impl Stream<Item = Result<SseEvent, Infallible>> + use<> {
    let streaming = Streaming {
        feed,
        pending: Vec::new().into_iter(),
        wake: state.inbox_signal().subscribe(),
        closing: state.closing(),
        ends_at: tokio::time::Instant::now() + STREAM_LIFETIME,
        last_read: tokio::time::Instant::now() - READ_GAP,
        orphaned: false,
        announced: false,
        done: false,
        _open: OpenStream::new(),
    };
    stream::unfold(streaming, |mut s| async move {
        if s.done {
            return None;
        }
        if !s.announced {
            s.announced = true;
            let open = SseEvent::default()
                .event("open")
                .id(s.feed.position().encode())
                .data("{}");
            return Some((Ok(open), s));
        }
        loop {
            if let Some(notification) = s.pending.next() {
                return Some((Ok(to_sse(&notification)), s));
            }
            let reason = if *s.closing.borrow() || s.orphaned {
                Some("server shutting down")
            } else if tokio::time::Instant::now() >= s.ends_at {
                Some("stream lifetime reached")
            } else {
                None
            };
            if let Some(reason) = reason {
                s.done = true;
                let farewell = SseEvent::default()
                    .event("reconnect")
                    .id(s.feed.position().encode())
                    .data(format!(r#"{{"reason":"{reason}"}}"#));
                return Some((Ok(farewell), s));
            }
            // During a sale every stored batch wakes every stream: spacing the reads bounds
            // what a stream costs the database, and one read takes all that came meanwhile.
            tokio::time::sleep_until(s.last_read + READ_GAP).await;
            s.last_read = tokio::time::Instant::now();
            match s.feed.next_batch().await {
                Ok(batch) if !batch.is_empty() => {
                    s.pending = batch.into_iter();
                    continue;
                }
                Ok(_) => {}
                // The stream outlives a backend blip: the next poll retries.
                Err(error) => tracing::warn!(%error, "inbox read failed; retrying"),
            }
            let signals_alive = tokio::select! {
                woke = s.wake.changed() => woke.is_ok(),
                closed = s.closing.changed() => closed.is_ok(),
                () = tokio::time::sleep(POLL_EVERY) => true,
                () = tokio::time::sleep_until(s.ends_at) => true,
            };
            s.orphaned = !signals_alive;
        }
    })
}

fn to_sse(notification: &Notification) -> SseEvent {
    let event = &notification.event;
    let data = serde_json::to_string(event).unwrap_or_default();
    SseEvent::default()
        .event(event.kind())
        .id(Cursor::after(event.occurred_at, event.id).encode())
        .data(data)
}

/// Counts open streams in `livedrop_sse_connections` for as long as it lives.
struct OpenStream;

impl OpenStream {
    fn new() -> Self {
        metrics::gauge!("livedrop_sse_connections").increment(1.0);
        Self
    }
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        metrics::gauge!("livedrop_sse_connections").decrement(1.0);
    }
}
