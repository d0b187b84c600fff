//! [`AuthUser`]: the caller of an authenticated route, from its bearer token; and
//! [`AuthSignIn`]: the caller and the sign-in their token belongs to.

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use livedrop_core::ids::{FamilyId, UserId};

use super::TokenKind;
use crate::{ApiError, AppState};

/// The user an `Authorization: Bearer <access token>` header names. A missing, malformed,
/// forged, expired or realtime-only token is `401 unauthorized` (with
/// `WWW-Authenticate: Bearer`), one of a sign-in that ended (logout, refresh-token reuse)
/// `401 sign_in_ended`; why is logged, not told.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuthUser(pub UserId);

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(VerifiedUser(user)) = parts.extensions.get::<VerifiedUser>() {
            return Ok(Self(*user));
        }
        if !parts.headers.contains_key(AUTHORIZATION) {
            return Err(ApiError::unauthorized("this route needs an access token"));
        }
        let token = bearer(&parts.headers)
            .ok_or_else(|| ApiError::unauthorized("expected `Authorization: Bearer <token>`"))?;
        let user = state
            .tokens()
            .verify(TokenKind::Access, token)
            .map_err(|refused| {
                ApiError::refused_token(&refused, "the access token is invalid or expired")
            })?;
        Ok(Self(user))
    }
}

/// The user an `Authorization: Bearer <access token>` header names and the sign-in
/// (refresh-token family) the token was issued to, for the routes that act on the sign-in
/// itself. Refused like [`AuthUser`], and also when the token names no sign-in (one
/// signed before tokens did: a refresh gets one that does). Whether the sign-in is still
/// on is the core's to check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuthSignIn {
    /// The caller.
    pub user: UserId,
    /// Their sign-in.
    pub family: FamilyId,
}

impl FromRequestParts<AppState> for AuthSignIn {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        // Not the rate limiter's `VerifiedUser`: that carries the user alone. One more
        // HMAC on the few routes that need the sign-in.
        if !parts.headers.contains_key(AUTHORIZATION) {
            return Err(ApiError::unauthorized("this route needs an access token"));
        }
        let token = bearer(&parts.headers)
            .ok_or_else(|| ApiError::unauthorized("expected `Authorization: Bearer <token>`"))?;
        let claims = state
            .tokens()
            .verify_claims(TokenKind::Access, token)
            .map_err(|refused| {
                ApiError::refused_token(&refused, "the access token is invalid or expired")
            })?;
        Ok(Self {
            user: claims.user,
            family: claims.family,
        })
    }
}

/// A user whose access token the rate limiter already verified for this request.
#[derive(Clone, Copy, Debug)]
pub(crate) struct VerifiedUser(pub(crate) UserId);

/// The token of an `Authorization: Bearer <token>` header (scheme case-insensitive).
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}
