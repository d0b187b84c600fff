//! Authentication: `POST /api/auth/{register,register/confirm,login,refresh,logout}` (the
//! `auth` rate-limit class: cheap to ask, expensive to answer), and the signed-in caller's
//! `GET /api/auth/me` and `GET /api/realtime/token`.
//!
//! Every answer carrying a token or the caller's own data is `Cache-Control: no-store`
//! (RFC 6749 §5.1): no cache between us and the client may keep one.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use livedrop_core::Error;
use livedrop_core::domain::{Email, Password, PersonName, SignInRefusal, User};
use livedrop_core::services::SignedIn;
use livedrop_core::wire::{
    ConfirmRegistrationBody, LoginBody, RealtimeToken, RefreshBody, RegisterBody, Registered,
    RegistrationStarted, TokenPair,
};
use serde::Serialize;

use crate::auth::{AuthSignIn, AuthUser};
use crate::extract::JsonBody;
use crate::openapi::{BadRequest, Conflict, ServiceUnavailable, TooManyRequests, Unauthorized};
use crate::{ApiError, AppState};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The credential exchanges, behind the `auth` limit.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(confirm_registration))
        .routes(routes!(login))
        .routes(routes!(refresh))
        .routes(routes!(logout))
}

/// What a signed-in caller asks about themselves, behind the `read` limit.
pub(super) fn account_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(me))
        .routes(routes!(realtime_token))
}

/// `202`, the same for every address: a message is on its way to it.
#[utoipa::path(post, path = "/api/auth/register", operation_id = "register_user", tag = "auth",
    request_body = RegisterBody,
    responses(
        (status = 202, description = "A message went to the address: the confirmation link for a new one, word of the account for one that has it", body = RegistrationStarted),
        (status = 400, response = BadRequest),
        (status = 429, response = TooManyRequests),
        (status = 503, response = ServiceUnavailable)
    ))]
/// Starts a registration: the address gets a link that completes it
/// (`POST /api/auth/register/confirm`), or, when it already has an account, a message
/// saying so; the answer is the same either way, so it never tells which addresses have
/// accounts. A display name must hold no invisible or text-direction characters
/// (`400 invisible_characters`), and the email must be ASCII (an internationalized domain
/// in punycode).
async fn register(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<RegisterBody>,
) -> Result<Response, ApiError> {
    let started = start_sign_up(&state, body).await?;
    Ok(no_store(StatusCode::ACCEPTED, &started))
}

/// `201` with the user and their first tokens.
#[utoipa::path(post, path = "/api/auth/register/confirm", operation_id = "confirm_registration", tag = "auth",
    request_body = ConfirmRegistrationBody,
    responses(
        (status = 201, description = "Registered and signed in", body = Registered),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 409, response = Conflict),
        (status = 429, response = TooManyRequests)
    ))]
/// Completes a registration with the token of its mailed link and the password. A link
/// forged, changed or older than a day is `401 invalid_registration_token`; one already
/// used finds the account made (`409 already_exists`). Beyond its length, the password
/// must not be easy to guess (`400 weak_password`: a common password, a pattern such as a
/// repeat or a keyboard walk, or the user's own email or name; judged by zxcvbn, score 3
/// or more).
async fn confirm_registration(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<ConfirmRegistrationBody>,
) -> Result<Response, ApiError> {
    let (user, signed_in) = confirm_sign_up(&state, body).await?;
    let registered = Registered {
        user,
        tokens: signed_in.into(),
    };
    Ok(no_store(StatusCode::CREATED, &registered))
}

/// `200` with a token pair, or `401 invalid_credentials`.
#[utoipa::path(post, path = "/api/auth/login", operation_id = "log_in", tag = "auth",
    request_body = LoginBody,
    responses(
        (status = 200, description = "Signed in", body = TokenPair),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 429, response = TooManyRequests)
    ))]
async fn login(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<LoginBody>,
) -> Result<Response, ApiError> {
    let tokens: TokenPair = sign_in(&state, body).await?.into();
    Ok(no_store(StatusCode::OK, &tokens))
}

/// `200` with the next pair, or `401 invalid_refresh_token` / `refresh_token_reused`.
#[utoipa::path(post, path = "/api/auth/refresh", operation_id = "refresh_tokens", tag = "auth",
    request_body = RefreshBody,
    responses(
        (status = 200, description = "The next token pair (the presented refresh token is spent)", body = TokenPair),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 429, response = TooManyRequests)
    ))]
async fn refresh(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<RefreshBody>,
) -> Result<Response, ApiError> {
    let tokens: TokenPair = state.sessions().refresh(&body.refresh_token).await?.into();
    Ok(no_store(StatusCode::OK, &tokens))
}

/// `204`: the token's sign-in is over, on every device holding one of its tokens.
#[utoipa::path(post, path = "/api/auth/logout", operation_id = "log_out", tag = "auth",
    request_body = RefreshBody,
    responses(
        (status = 204, description = "The sign-in's token family is revoked"),
        (status = 400, response = BadRequest),
        (status = 429, response = TooManyRequests)
    ))]
async fn logout(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<RefreshBody>,
) -> Result<StatusCode, ApiError> {
    state.sessions().logout(&body.refresh_token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's own user (personal, so not cached either).
#[utoipa::path(get, path = "/api/auth/me", operation_id = "get_my_account", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's user", body = User),
        (status = 401, response = Unauthorized),
        (status = 429, response = TooManyRequests)
    ))]
async fn me(State(state): State<AppState>, AuthUser(user): AuthUser) -> Result<Response, ApiError> {
    let user: User = state.sessions().me(user).await?;
    Ok(no_store(StatusCode::OK, &user))
}

/// A single-use realtime token for the caller's event stream, while the access token's
/// sign-in is on: `401 sign_in_ended` after its logout or revocation.
#[utoipa::path(get, path = "/api/realtime/token", operation_id = "issue_realtime_token", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 200, description = "A 60 s token that opens the event stream once", body = RealtimeToken),
        (status = 401, response = Unauthorized),
        (status = 429, response = TooManyRequests)
    ))]
async fn realtime_token(
    State(state): State<AppState>,
    AuthSignIn { user, family }: AuthSignIn,
) -> Result<Response, ApiError> {
    let body = RealtimeToken::from(state.sessions().realtime_token(user, family).await?);
    Ok(no_store(StatusCode::OK, &body))
}

/// Starts the registration of `body`'s user (each field checked with its own code); the
/// API's and the web app's sign-ups both go through here.
pub(super) async fn start_sign_up(
    state: &AppState,
    body: RegisterBody,
) -> Result<RegistrationStarted, ApiError> {
    let email = Email::try_from(body.email)?;
    let name = PersonName::try_from(body.name)?;
    let sent_to = email.as_str().to_owned();
    state.sessions().start_registration(email, name).await?;
    Ok(RegistrationStarted { sent_to })
}

/// Completes the registration `body`'s token names and signs the new user in; the API's
/// and the web app's confirmations both go through here.
pub(super) async fn confirm_sign_up(
    state: &AppState,
    body: ConfirmRegistrationBody,
) -> Result<(User, SignedIn), ApiError> {
    let (email, name) = state
        .tokens()
        .verify_registration(&body.token)
        .map_err(|refused| {
            tracing::debug!(%refused, "registration token refused");
            Error::from(SignInRefusal::InvalidRegistrationToken)
        })?;
    let password = Password::try_from(body.password)?;
    Ok(state
        .sessions()
        .complete_registration(email, name, password)
        .await?)
}

/// Checks `body`'s email and password; the API's and the web app's logins both go through
/// here.
pub(super) async fn sign_in(state: &AppState, body: LoginBody) -> Result<SignedIn, ApiError> {
    let (Ok(email), Ok(password)) = (
        Email::try_from(body.email),
        Password::try_from(body.password),
    ) else {
        // Malformed input matches no account; saying so sooner reveals nothing.
        return Err(Error::from(SignInRefusal::InvalidCredentials).into());
    };
    Ok(state.sessions().login(&email, password).await?)
}

/// `body` as JSON with `status`, never to be cached.
pub(super) fn no_store(status: StatusCode, body: &impl Serialize) -> Response {
    let mut response = (status, Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
