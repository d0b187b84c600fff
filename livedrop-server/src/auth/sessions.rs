//! The sign-in flows behind `/api/auth/*`: register, log in, refresh (rotation with reuse
//! detection, enforced by the [`Credentials`](livedrop_core::ports::Credentials) port) and
//! log out. Handlers in `routes::auth` only move bodies in and out of these.

use chrono::Utc;
use livedrop_core::Error;
use livedrop_core::domain::{Email, Password, PersonName, User};
use livedrop_core::ids::UserId;
use livedrop_core::ports::{RefreshTokenHash, Rotation};
use livedrop_core::wire::{BEARER, LoginBody, RefreshBody, RegisterBody, Registered, TokenPair};

use super::refresh::NewRefresh;
use super::tokens::TokenKind;
use crate::{ApiError, AppState};

/// Creates the user with a password and signs them in. `409 already_exists` for a taken
/// email; `400` with the field's code for a bad email, name or password.
pub(crate) async fn register(state: &AppState, body: RegisterBody) -> Result<Registered, ApiError> {
    let email = Email::try_from(body.email)?;
    let name = PersonName::try_from(body.name)?;
    let password = Password::try_from(body.password)?;
    // Hash before creating the user: if hashing fails, no account is left without a
    // password (which could then neither sign in nor register again).
    let hash = state.passwords().hash(password).await?;
    let user = state.catalog().register_user(email, name).await?;
    state
        .ports()
        .credentials
        .set_password(user.id, &hash)
        .await?;
    let tokens = sign_in(state, user.id).await?;
    Ok(Registered { user, tokens })
}

/// Checks the email and password and starts a refresh family. Every failure (unknown
/// email, no password, wrong password, malformed input) is the same
/// `401 invalid_credentials`, and an unknown email costs the same hash as a wrong
/// password, so neither the answer nor its timing says which emails have accounts.
pub(crate) async fn login(state: &AppState, body: LoginBody) -> Result<TokenPair, ApiError> {
    let (Ok(email), Ok(password)) = (
        Email::try_from(body.email),
        Password::try_from(body.password),
    ) else {
        // Malformed input matches no account; saying so sooner reveals nothing.
        return Err(ApiError::invalid_credentials());
    };
    let user = match state.ports().catalog.user_by_email(&email).await {
        Ok(user) => Some(user),
        Err(Error::NotFound { .. }) => None,
        Err(error) => return Err(error.into()),
    };
    let stored = match &user {
        Some(user) => state.ports().credentials.password(user.id).await?,
        None => None,
    };
    let matches = state.passwords().verify(stored, password).await?;
    match user {
        Some(user) if matches => sign_in(state, user.id).await,
        _ => Err(ApiError::invalid_credentials()),
    }
}

/// Spends a refresh token for a new pair. A spent token presented again revokes its
/// whole family (`401 refresh_token_reused`); unknown, expired and revoked tokens are
/// `401 invalid_refresh_token`.
pub(crate) async fn refresh(state: &AppState, body: RefreshBody) -> Result<TokenPair, ApiError> {
    let now = Utc::now();
    let old = RefreshTokenHash::of(&body.refresh_token);
    let next = NewRefresh::generate(now)?;
    let rotation = state
        .ports()
        .credentials
        .rotate(&old, &next.hash, next.expires_at, now)
        .await?;
    match rotation {
        Rotation::Rotated { user_id, .. } => Ok(pair(state, user_id, next)?),
        Rotation::Reused { user_id, family_id } => {
            // Either a thief or the user replayed a spent token; both are signed out.
            tracing::warn!(%user_id, %family_id, "refresh token reused; family revoked");
            Err(ApiError::refresh_token_reused())
        }
        Rotation::Refused(why) => {
            tracing::debug!(?why, "refresh token refused");
            Err(ApiError::invalid_refresh_token())
        }
    }
}

/// Revokes the family of the token (any of its tokens, spent ones included). Always
/// succeeds: logging out twice, or with a token we never issued, leaves nothing signed in.
pub(crate) async fn logout(state: &AppState, body: RefreshBody) -> Result<(), ApiError> {
    let token = RefreshTokenHash::of(&body.refresh_token);
    state
        .ports()
        .credentials
        .revoke_family(&token, Utc::now())
        .await?;
    Ok(())
}

/// The caller of an authenticated route, as stored.
pub(crate) async fn me(state: &AppState, user: UserId) -> Result<User, ApiError> {
    Ok(state.catalog().get_user(user).await?)
}

/// A new family for `user`, and its first pair.
async fn sign_in(state: &AppState, user: UserId) -> Result<TokenPair, ApiError> {
    let now = Utc::now();
    let refresh = NewRefresh::generate(now)?;
    state
        .ports()
        .credentials
        .issue_refresh(user, &refresh.hash, refresh.expires_at, now)
        .await?;
    Ok(pair(state, user, refresh)?)
}

/// An access token for `user` next to `refresh`, already stored.
fn pair(state: &AppState, user: UserId, refresh: NewRefresh) -> Result<TokenPair, Error> {
    let access = state
        .tokens()
        .issue(TokenKind::Access, user)
        .map_err(|e| Error::internal("jwt", e))?;
    Ok(TokenPair {
        token_type: BEARER.to_owned(),
        access_token: access.token,
        access_token_expires_at: access.expires_at,
        refresh_token: refresh.token,
        refresh_token_expires_at: refresh.expires_at,
    })
}
