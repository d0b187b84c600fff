//! Sign-in for the web app: `POST /api/auth/web/{register,register/confirm,login}` and
//! `POST /api/auth/web/{refresh,logout}`.
//!
//! The same sign-ins as `/api/auth/*`, held the way the OAuth 2.0 for Browser-Based Apps
//! practice recommends: the refresh token lives only in an `HttpOnly` cookie scoped to these
//! routes (see `auth::session_cookie`), and the page gets the user and a 15-minute access
//! token to keep in memory. A page load asks `refresh` for a fresh access token; nothing
//! long-lived is ever readable by page scripts.
//!
//! `register` (which mails a link and signs nobody in: no cookie), `register/confirm` and
//! `login` sit in the `auth` rate-limit class, as the API's do;
//! `refresh` and `logout` only present a 256-bit cookie, nothing to guess, and sit in the
//! `read` class, so reloading a page a few times never signs anyone out.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use livedrop_core::services::SignedIn;
use livedrop_core::wire::{
    ConfirmRegistrationBody, LoginBody, RegisterBody, RegistrationStarted, WebSession,
};
use livedrop_core::{Error, domain::SignInRefusal, domain::User};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::{confirm_sign_up, no_store, sign_in, start_sign_up};
use crate::auth::REFRESH_TTL;
use crate::auth::session_cookie::{FromThisOrigin, clear_session, session_token, set_session};
use crate::extract::JsonBody;
use crate::openapi::{
    BadRequest, Conflict, Forbidden, ServiceUnavailable, TooManyRequests, Unauthorized,
};
use crate::{ApiError, AppState};

/// Sign-up and login, behind the `auth` limit.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(web_register))
        .routes(routes!(web_confirm_registration))
        .routes(routes!(web_login))
}

/// Refresh and logout, behind the `read` limit.
pub(super) fn renewal_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(web_refresh))
        .routes(routes!(web_logout))
}

/// `202`, the same for every address, as `POST /api/auth/register`.
#[utoipa::path(post, path = "/api/auth/web/register", operation_id = "web_register_user", tag = "auth",
    request_body = RegisterBody,
    responses(
        (status = 202, description = "A message went to the address (the confirmation link, or word of the account it has)", body = RegistrationStarted),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 429, response = TooManyRequests),
        (status = 503, response = ServiceUnavailable)
    ))]
async fn web_register(
    State(state): State<AppState>,
    _: FromThisOrigin,
    JsonBody(body): JsonBody<RegisterBody>,
) -> Result<Response, ApiError> {
    let started = start_sign_up(&state, body).await?;
    Ok(no_store(StatusCode::ACCEPTED, &started))
}

/// `201` with the session; the refresh token is set as the `livedrop_session` cookie.
#[utoipa::path(post, path = "/api/auth/web/register/confirm", operation_id = "web_confirm_registration", tag = "auth",
    request_body = ConfirmRegistrationBody,
    responses(
        (status = 201, description = "Registered and signed in; `Set-Cookie: livedrop_session` (HttpOnly)", body = WebSession),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
        (status = 429, response = TooManyRequests)
    ))]
async fn web_confirm_registration(
    State(state): State<AppState>,
    _: FromThisOrigin,
    JsonBody(body): JsonBody<ConfirmRegistrationBody>,
) -> Result<Response, ApiError> {
    let (user, signed_in) = confirm_sign_up(&state, body).await?;
    Ok(session(StatusCode::CREATED, user, &signed_in))
}

/// `200` with the session, or `401 invalid_credentials`.
#[utoipa::path(post, path = "/api/auth/web/login", operation_id = "web_log_in", tag = "auth",
    request_body = LoginBody,
    responses(
        (status = 200, description = "Signed in; `Set-Cookie: livedrop_session` (HttpOnly)", body = WebSession),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 429, response = TooManyRequests)
    ))]
async fn web_login(
    State(state): State<AppState>,
    _: FromThisOrigin,
    JsonBody(body): JsonBody<LoginBody>,
) -> Result<Response, ApiError> {
    let signed_in = sign_in(&state, body).await?;
    let user = state.sessions().me(signed_in.user).await?;
    Ok(session(StatusCode::OK, user, &signed_in))
}

/// Spends the cookie's refresh token: `200` with a new access token and the next cookie.
/// Without a live one, `401` (`invalid_refresh_token`, `refresh_token_reused`) and the
/// cookie is removed: the page is simply signed out. Any other failure leaves the cookie.
#[utoipa::path(post, path = "/api/auth/web/refresh", operation_id = "web_refresh_session", tag = "auth",
    params(("livedrop_session" = String, Cookie, description = "The refresh token (HttpOnly cookie)")),
    responses(
        (status = 200, description = "A fresh access token; the cookie holds the next refresh token", body = WebSession),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 429, response = TooManyRequests)
    ))]
async fn web_refresh(
    State(state): State<AppState>,
    _: FromThisOrigin,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let renewed = match session_token(&headers) {
        Some(token) => state.sessions().refresh(token).await,
        None => Err(Error::from(SignInRefusal::InvalidRefreshToken)),
    };
    let signed_in = match renewed {
        Ok(signed_in) => signed_in,
        // Only a refusal ends the sign-in; a store that failed keeps the cookie, so a
        // passing outage does not sign anyone out.
        Err(refusal @ Error::SignIn(_)) => return Ok(signed_out(ApiError::from(refusal))),
        Err(error) => return Err(error.into()),
    };
    let user = state.sessions().me(signed_in.user).await?;
    Ok(session(StatusCode::OK, user, &signed_in))
}

/// `204`: the cookie's sign-in is revoked (on every tab) and the cookie removed.
#[utoipa::path(post, path = "/api/auth/web/logout", operation_id = "web_log_out", tag = "auth",
    params(("livedrop_session" = Option<String>, Cookie, description = "The refresh token (HttpOnly cookie); without one there is nothing to revoke and the answer is the same")),
    responses(
        (status = 204, description = "Signed out; the cookie is removed"),
        (status = 403, response = Forbidden),
        (status = 429, response = TooManyRequests)
    ))]
async fn web_logout(
    State(state): State<AppState>,
    _: FromThisOrigin,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(token) = session_token(&headers) {
        state.sessions().logout(token).await?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, clear_session());
    Ok(response)
}

/// The session answer: the user and access token in the body, the refresh token in the
/// cookie, none of it cacheable.
fn session(status: StatusCode, user: User, signed_in: &SignedIn) -> Response {
    let mut response = no_store(status, &WebSession::new(user, signed_in));
    let lifetime = REFRESH_TTL.to_std().unwrap_or_default();
    response.headers_mut().insert(
        header::SET_COOKIE,
        set_session(&signed_in.refresh_token, lifetime),
    );
    response
}

/// A refused refresh: the problem, and the dead cookie removed.
fn signed_out(error: ApiError) -> Response {
    let mut response = error.into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, clear_session());
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
