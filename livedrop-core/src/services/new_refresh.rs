//! A new refresh token: opaque random text for the client, its hash for the store.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeDelta, Utc};

use crate::ports::RefreshTokenHash;
use crate::{Error, Result};

/// How long an unspent refresh token stays valid. Each rotation issues a successor with a
/// fresh lifetime, so a client that refreshes at least this often stays signed in; one
/// idle for longer signs in again.
pub const REFRESH_TTL: TimeDelta = TimeDelta::days(14);

/// Random bytes per refresh token: 256 bits, beyond guessing, so a fast unsalted hash
/// ([`RefreshTokenHash`]) is all a store needs to keep.
const REFRESH_TOKEN_BYTES: usize = 32;

/// A new refresh token: opaque random text for the client, its hash for the store. Unlike
/// access tokens it is checked only against the store, which is what makes it revocable.
#[derive(Debug)]
pub(super) struct NewRefresh {
    pub(super) token: String,
    pub(super) hash: RefreshTokenHash,
    pub(super) expires_at: DateTime<Utc>,
}

impl NewRefresh {
    /// A fresh token valid from `now` for [`REFRESH_TTL`].
    pub(super) fn generate(now: DateTime<Utc>) -> Result<Self> {
        let mut bytes = [0u8; REFRESH_TOKEN_BYTES];
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
    fn refresh_tokens_are_random_url_safe_and_hashed() {
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
