//! The caller's inbox: `GET /api/notifications?cursor&limit`, newest first (followed
//! creators' drops starting, running low and selling out; the caller's own orders);
//! `POST /api/notifications/read`, marking it read up to a notification; and
//! `GET /api/notifications/unread`, how many are newer than that mark.
//!
//! The unread count has a route of its own rather than a member of the inbox page: the
//! page is the generic `Page` every list shares, a badge is polled far more often than the
//! list is read and needs none of its items, and later pages would pay for a count they
//! do not show.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use livedrop_core::domain::Notification;
use livedrop_core::pagination::Page;
use livedrop_core::services::MarkedRead;
use livedrop_core::wire::{MarkReadBody, UnreadCount};

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::AuthUser;
use crate::extract::{JsonBody, PageParams, PageQuery};
use crate::openapi::{
    BadRequest, PayloadTooLarge, TooManyRequests, Unauthorized, UnsupportedMediaType,
};
use crate::{ApiError, AppState};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(inbox))
        .routes(routes!(mark_read))
        .routes(routes!(unread))
}

/// The caller's notifications, newest first.
#[utoipa::path(
    get,
    path = "/api/notifications", operation_id = "list_my_notifications",
    tag = "notifications",
    params(PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of the inbox", body = Page<Notification>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 429, response = TooManyRequests),
    )
)]
async fn inbox(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    PageQuery(page): PageQuery,
) -> Result<Json<Page<Notification>>, ApiError> {
    Ok(Json(state.inbox().inbox(user, page).await?))
}

/// Marks the caller's inbox read up to and including a notification (the newest one shown:
/// its `event.id` and `event.occurredAt`). The mark only moves forward: an older position
/// than the stored one changes nothing and is still `204`. `400 read_mark_in_future` for a
/// position more than a minute ahead of the server's clock; a malformed body is
/// `400 invalid_json` / `invalid_body`. Refused bodies change nothing.
#[utoipa::path(
    post,
    path = "/api/notifications/read", operation_id = "mark_notifications_read",
    tag = "notifications",
    request_body = MarkReadBody,
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Read up to the position (or already read further)"),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 429, response = TooManyRequests),
    )
)]
async fn mark_read(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    JsonBody(body): JsonBody<MarkReadBody>,
) -> Result<StatusCode, ApiError> {
    match state.inbox().mark_read(user, body.up_to.cursor()).await? {
        MarkedRead::Moved | MarkedRead::AlreadyRead => Ok(StatusCode::NO_CONTENT),
        MarkedRead::InFuture => Err(ApiError::Problem(MarkReadBody::in_future())),
    }
}

/// How many of the caller's notifications are newer than their read mark (all of them
/// before the first mark), counted up to 100 (`capped` past it), and the mark itself.
#[utoipa::path(
    get,
    path = "/api/notifications/unread", operation_id = "count_unread_notifications",
    tag = "notifications",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The unread count and the read mark", body = UnreadCount),
        (status = 401, response = Unauthorized),
        (status = 429, response = TooManyRequests),
    )
)]
async fn unread(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<Json<UnreadCount>, ApiError> {
    Ok(Json(state.inbox().unread(user).await?.into()))
}
