//! [`admit_realtime`]: whether a realtime token may open an event stream.
//!
//! A realtime token travels in a query string (browsers' `EventSource` cannot send a
//! header), so it is short-lived, names the sign-in it was issued to, and opens one
//! stream only. The signature, audience and expiry are checked here ([`TokenKeys`]); the
//! rest is the core's ([`SessionService::admit_stream`]): the sign-in must still be on,
//! and the token's id is spent in the shared store, so a second use is refused on every
//! node.
//!
//! [`TokenKeys`]: super::TokenKeys
//! [`SessionService::admit_stream`]: livedrop_core::services::SessionService::admit_stream

use livedrop_core::ids::UserId;

use super::TokenKind;
use crate::{ApiError, AppState};

/// The user whose stream `token` (the `?token=` of `GET /api/realtime/events`) opens,
/// spending it. `401` (problem+json, `WWW-Authenticate: Bearer`) for a token that is:
/// - missing, malformed, forged, expired or not a realtime token: `unauthorized`;
/// - of a sign-in that has ended (logout, refresh-token reuse, expiry): `sign_in_ended`;
/// - already used, here or on another node: `realtime_token_used`.
///
/// A failing store is its own error (`503`/`500`), never a `401`.
pub async fn admit_realtime(state: &AppState, token: Option<&str>) -> Result<UserId, ApiError> {
    let token = token
        .ok_or_else(|| ApiError::unauthorized("this stream needs a realtime token (`?token=`)"))?;
    let claims = state
        .tokens()
        .verify_claims(TokenKind::Realtime, token)
        .map_err(|refused| {
            ApiError::refused_token(&refused, "the realtime token is invalid or expired")
        })?;
    Ok(state.sessions().admit_stream(&claims).await?)
}
