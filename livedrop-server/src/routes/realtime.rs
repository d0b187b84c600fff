//! Server-sent event streams from the node's realtime hub:
//! - `GET /api/realtime/events?token=...`: the caller's events (their orders, and the news
//!   of every creator they follow).
//! - `GET /api/drops/{id}/events`: a drop's status and live stock, for anyone.
//!
//! The user stream's token is a single-use realtime token (`GET /api/realtime/token`):
//! browsers' `EventSource` cannot send an `Authorization` header, so it travels in the
//! query, which is why it is short-lived, spent on use and good for nothing else.
//!
//! Each event has its type as `event:`, its bus position as `id:` (the same on every
//! server) and the event as JSON `data:`. A reconnect sends the last id back as
//! `Last-Event-ID` and gets exactly the events missed, in order, without repeats; when
//! that cannot be done (the gap is older than the server's window, or the id unreadable)
//! the stream starts with one `reset` event instead: reload the inbox over REST, then go
//! on. A fresh stream starts with an `open` event carrying its starting position. A
//! stream ends with a `reconnect` event carrying the id to resume from: on shutdown, at
//! the end of its lifetime (jittered around an access token's), or when the client reads
//! too slowly to keep up.

use axum::body::Body;
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use livedrop_core::ids::DropId;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::stream_frames::{DropStreamFrame, UserStreamFrame};
use crate::auth::admit_realtime;
use crate::extract::{PathId, QueryParams};
use crate::openapi::{BadRequest, NotFound, StreamsUnavailable, TooManyRequests, Unauthorized};
use crate::realtime::{Resume, Subscription};
use crate::serve::ConnectionHandle;
use crate::{ApiError, AppState};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(events))
        .routes(routes!(drop_events))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct TokenQuery {
    /// A realtime token from `GET /api/realtime/token` (single use; an access token is
    /// refused).
    #[param(required = true)]
    token: Option<String>,
}

/// The caller's events as they happen, after `Last-Event-ID` when resuming.
#[utoipa::path(
    get,
    path = "/api/realtime/events", operation_id = "stream_my_events",
    tag = "notifications",
    params(
        TokenQuery,
        (
            "Last-Event-ID" = Option<String>, Header,
            description = "The `id:` of the last event received; the stream resumes exactly after it (or starts with a `reset` event when it cannot)"
        )
    ),
    responses(
        (
            status = 200,
            description = "Server-sent events: `event:` is the event's type (or `open`, `reset`, `reconnect`), `id:` its position, `data:` the event as JSON (schema `Event`)",
            content_type = "text/event-stream",
            body = UserStreamFrame
        ),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 429, response = TooManyRequests),
        (status = 503, response = StreamsUnavailable),
    )
)]
async fn events(
    State(state): State<AppState>,
    connection: Option<Extension<ConnectionHandle>>,
    headers: HeaderMap,
    QueryParams(query): QueryParams<TokenQuery>,
) -> Result<Response, ApiError> {
    let user = admit_realtime(&state, query.token.as_deref()).await?;
    let last_event_id = headers.get("last-event-id").map(HeaderValue::as_bytes);
    let resume = Resume::from_last_event_id(last_event_id);
    // A readable id the client resumed from is where a stream ending at once resumes.
    let resumed_from = match &resume {
        Resume::From(_) => last_event_id.map(Bytes::copy_from_slice),
        _ => None,
    };
    let subscription = state
        .streams()
        .open_user(user, resume, disconnect(connection))
        .await?;
    Ok(event_stream(subscription, resumed_from))
}

/// A drop's status and live stock: its state now (`event: stock`), then each change, at
/// most ten a second. No token; no resume (a reconnect starts from the state then).
#[utoipa::path(
    get,
    path = "/api/drops/{id}/events", operation_id = "stream_drop_stock",
    tag = "drops",
    params(("id" = uuid::Uuid, Path, description = "The drop")),
    responses(
        (
            status = 200,
            description = "Server-sent events `stock`: `data:` is `{dropId, available, status?, at}` (`status` when the news says it); a `reconnect` event ends the stream",
            content_type = "text/event-stream",
            body = DropStreamFrame
        ),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
        (status = 429, response = TooManyRequests),
        (status = 503, response = StreamsUnavailable),
    )
)]
async fn drop_events(
    State(state): State<AppState>,
    connection: Option<Extension<ConnectionHandle>>,
    PathId(drop): PathId<DropId>,
) -> Result<Response, ApiError> {
    let subscription = state
        .streams()
        .open_drop(drop, disconnect(connection))
        .await?;
    Ok(event_stream(subscription, None))
}

/// The connection's handle as the hub's way to cut it (absent when the router is served
/// by something other than [`crate::serve`], e.g. in a unit test).
fn disconnect(
    connection: Option<Extension<ConnectionHandle>>,
) -> Option<Box<dyn crate::realtime::Disconnect>> {
    connection.map(|Extension(handle)| Box::new(handle) as Box<dyn crate::realtime::Disconnect>)
}

impl crate::realtime::Disconnect for ConnectionHandle {
    fn disconnect(&self) {
        self.close();
    }
}

/// The response: `text/event-stream`, never cached or buffered on the way.
fn event_stream(subscription: Subscription, resumed_from: Option<Bytes>) -> Response {
    let mut response = Body::from_stream(subscription.into_body(resumed_from)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    // A stream ends only to be reopened by a new request: keeping its connection alive
    // would hold an idle socket per reconnect.
    headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
    // nginx buffers responses unless told not to, which would hold events back.
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}
