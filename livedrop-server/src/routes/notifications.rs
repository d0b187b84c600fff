//! `GET /api/notifications?cursor&limit`: the caller's inbox, newest first (followed
//! creators' drops starting, running low and selling out; the caller's own orders).

use axum::Json;
use axum::extract::State;
use livedrop_core::domain::Notification;
use livedrop_core::pagination::Page;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::AuthUser;
use crate::extract::{PageParams, PageQuery};
use crate::openapi::{BadRequest, TooManyRequests, Unauthorized};
use crate::{ApiError, AppState};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(inbox))
}

/// The caller's notifications, newest first.
#[utoipa::path(
    get,
    path = "/api/notifications",
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
