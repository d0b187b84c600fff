//! Refresh tokens: opaque random strings, stored only as their SHA-256
//! ([`RefreshTokenHash`]). Unlike access tokens they are not JWTs: they are only ever
//! checked against the store, which is also what makes them revocable.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeDelta, Utc};
use livedrop_core::Error;
use livedrop_core::ports::RefreshTokenHash;

/// How long an unspent refresh token stays valid. Each rotation issues a successor with a
/// fresh lifetime, so a client that refreshes at least this often stays signed in; one
/// idle for longer signs in again.
pub const REFRESH_TTL: TimeDelta = TimeDelta::days(14);

/// Random bytes per token: 256 bits, beyond guessing, so a fast unsalted hash suffices.
const TOKEN_BYTES: usize = 32;

/// A new refresh token: the text for the client, the hash for the store.
#[derive(Debug)]
pub(crate) struct NewRefresh {
    pub(crate) token: String,
    pub(crate) hash: RefreshTokenHash,
    pub(crate) expires_at: DateTime<Utc>,
}

impl NewRefresh {
    /// A fresh token valid from `now` for [`REFRESH_TTL`].
    pub(crate) fn generate(now: DateTime<Utc>) -> Result<Self, Error> {
        let mut bytes = [0u8; TOKEN_BYTES];
        getrandom::fill(&mut bytes).map_err(|e| Error::internal("getrandom", e))?;
        let token = URL_SAFE_NO_PAD.encode(bytes);
        Ok(Self {
            hash: RefreshTokenHash::of(&token),
            token,
            expires_at: now + REFRESH_TTL,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_url_safe_and_hashed() {
        let now = Utc::now();
        let (a, b) = (
            NewRefresh::generate(now).unwrap(),
            NewRefresh::generate(now).unwrap(),
        );
        assert_ne!(a.token, b.token);
        assert_eq!(a.token.len(), 43);
        assert!(
            a.token
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
        assert_eq!(a.hash, RefreshTokenHash::of(&a.token));
        assert_eq!(a.expires_at, now + REFRESH_TTL);
    }
}
