//! `GET /api/notifications?cursor&limit`: the caller's inbox, newest first (followed
//! creators' drops starting, running low and selling out; the caller's own orders).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use livedrop_core::domain::Notification;
use livedrop_core::pagination::Page;

use crate::auth::AuthUser;
use crate::extract::PageQuery;
use crate::{ApiError, AppState};

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/api/notifications", get(inbox))
}

async fn inbox(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    PageQuery(page): PageQuery,
) -> Result<Json<Page<Notification>>, ApiError> {
    Ok(Json(state.ports().notifier.inbox(user, page).await?))
}
