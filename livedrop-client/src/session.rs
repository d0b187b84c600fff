//! [`Session`]: the token pair a signed-in client holds, and the lock that serializes its
//! refreshes.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use livedrop_core::wire::TokenPair;

/// The current token pair, if signed in.
///
/// Refresh tokens are single use and the server revokes the whole sign-in when one is
/// presented twice (two concurrent refreshes count), so every refresh happens under
/// `refreshing`: a caller that waited for it finds the pair already replaced and uses the
/// new one instead of spending the old refresh token again.
#[derive(Debug)]
pub(crate) struct Session {
    tokens: Mutex<Option<TokenPair>>,
    /// Held for the whole refresh round trip (hence tokio's lock: it is held across await).
    pub(crate) refreshing: tokio::sync::Mutex<()>,
    /// An access token this close to expiry is refreshed before use, so calls do not
    /// race the expiry (and clock skew) into a 401.
    pub(crate) margin: Duration,
}

impl Session {
    pub(crate) fn new(margin: Duration) -> Self {
        Self {
            tokens: Mutex::new(None),
            refreshing: tokio::sync::Mutex::new(()),
            margin,
        }
    }

    /// The current pair. The lock only guards a swap, so a poisoned one still holds a
    /// whole value.
    pub(crate) fn current(&self) -> Option<TokenPair> {
        self.tokens
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Replaces (or, with `None`, forgets) the pair.
    pub(crate) fn set(&self, pair: Option<TokenPair>) {
        *self.tokens.lock().unwrap_or_else(PoisonError::into_inner) = pair;
    }

    /// Whether `pair`'s access token expires within the margin.
    pub(crate) fn is_stale(&self, pair: &TokenPair) -> bool {
        let left = pair.access_token_expires_at - chrono::Utc::now();
        left.to_std().map_or(true, |left| left <= self.margin)
    }
}
