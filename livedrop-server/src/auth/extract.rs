//! [`AuthUser`]: the caller of an authenticated route, from its bearer token.

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use livedrop_core::ids::UserId;

use super::TokenKind;
use crate::{ApiError, AppState};

/// The user an `Authorization: Bearer <access token>` header names. A missing, malformed,
/// forged, expired or realtime-only token is `401 unauthorized` (with
/// `WWW-Authenticate: Bearer`); why is logged, not told.
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
                tracing::debug!(%refused, "access token refused");
                ApiError::unauthorized("the access token is invalid or expired")
            })?;
        Ok(Self(user))
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
