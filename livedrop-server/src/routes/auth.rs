//! Authentication: `POST /api/auth/{register,login,refresh,logout}` (the `auth` rate-limit
//! class: cheap to ask, expensive to answer), and the signed-in caller's
//! `GET /api/auth/me` and `GET /api/realtime/token`.
//!
//! Every answer carrying a token or the caller's own data is `Cache-Control: no-store`
//! (RFC 6749 §5.1): no cache between us and the client may keep one.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use livedrop_core::Error;
use livedrop_core::domain::User;
use livedrop_core::wire::{LoginBody, RealtimeToken, RefreshBody, RegisterBody};
use serde::Serialize;

use crate::auth::{AuthUser, TokenKind, sessions};
use crate::extract::JsonBody;
use crate::{ApiError, AppState};

/// The credential exchanges, behind the `auth` limit.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/auth/register", post(register))
        .route("/api/auth/login", post(login))
        .route("/api/auth/refresh", post(refresh))
        .route("/api/auth/logout", post(logout))
}

/// What a signed-in caller asks about themselves, behind the `read` limit.
pub(super) fn account_routes() -> Router<AppState> {
    Router::new()
        .route("/api/auth/me", get(me))
        .route("/api/realtime/token", get(realtime_token))
}

/// `201` with the user and their first tokens.
async fn register(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<RegisterBody>,
) -> Result<Response, ApiError> {
    let registered = sessions::register(&state, body).await?;
    Ok(no_store(StatusCode::CREATED, &registered))
}

/// `200` with a token pair, or `401 invalid_credentials`.
async fn login(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<LoginBody>,
) -> Result<Response, ApiError> {
    let tokens = sessions::login(&state, body).await?;
    Ok(no_store(StatusCode::OK, &tokens))
}

/// `200` with the next pair, or `401 invalid_refresh_token` / `refresh_token_reused`.
async fn refresh(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<RefreshBody>,
) -> Result<Response, ApiError> {
    let tokens = sessions::refresh(&state, body).await?;
    Ok(no_store(StatusCode::OK, &tokens))
}

/// `204`: the token's sign-in is over, on every device holding one of its tokens.
async fn logout(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<RefreshBody>,
) -> Result<StatusCode, ApiError> {
    sessions::logout(&state, body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's own user (personal, so not cached either).
async fn me(State(state): State<AppState>, AuthUser(user): AuthUser) -> Result<Response, ApiError> {
    let user: User = sessions::me(&state, user).await?;
    Ok(no_store(StatusCode::OK, &user))
}

/// A realtime token for the caller's event stream.
async fn realtime_token(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<Response, ApiError> {
    let issued = state
        .tokens()
        .issue(TokenKind::Realtime, user)
        .map_err(|e| Error::internal("jwt", e))?;
    let body = RealtimeToken {
        token: issued.token,
        expires_at: issued.expires_at,
    };
    Ok(no_store(StatusCode::OK, &body))
}

/// `body` as JSON with `status`, never to be cached.
fn no_store(status: StatusCode, body: &impl Serialize) -> Response {
    let mut response = (status, Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
