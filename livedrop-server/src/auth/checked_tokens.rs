//! [`CheckedTokens`]: the access tokens this node has already checked, so a client's next
//! request with the same token skips the signature and the claims' parsing.
//!
//! Checking an access token costs an HMAC, two base64 decodes and two JSON parses: about
//! 4 % of the server's CPU per order under an order load, for a token the same client sends
//! with every request for 15 minutes. A token is a string the server signed; the same
//! string always says the same thing, so what its check found can be kept under the string
//! itself. Only what cannot change is kept (who, which sign-in, which token, until when);
//! what can change is checked on every request anyway: the expiry against the clock, and
//! the sign-in against the revocations.
//!
//! Only tokens that passed the full check are kept, so a flood of forged tokens adds
//! nothing; the memory is bounded by [`CheckedTokens::CAPACITY`] entries (a shard that
//! fills is emptied, and its clients' next requests check their tokens again).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// Shards, so the runtime's workers rarely wait on one another's lookups.
const SHARDS: usize = 16;

/// One shard: what was found, under the whole token string. Hashed with foldhash, not
/// std's SipHash: a token is some 350 bytes, and SipHash over it was about 1,000
/// instructions of every authenticated request (callgrind). Only tokens this server
/// signed are kept, so nobody else chooses the keys; the hasher is seeded per map anyway.
type Tokens<T> = HashMap<Box<str>, T, foldhash::fast::RandomState>;
type Shard<T> = Mutex<Tokens<T>>;

/// Checked tokens. Cheap to clone (shared).
#[derive(Clone, Debug)]
pub(super) struct CheckedTokens<T> {
    shards: Arc<[Shard<T>]>,
}

impl<T: Copy> CheckedTokens<T> {
    /// The most tokens kept: about 2 MiB at the most (a token is some 350 bytes), enough
    /// for every active client of a busy node (each sends one token until it refreshes).
    pub(super) const CAPACITY: usize = 4_096;

    /// What the check of exactly `token` found, if this node checked it before.
    pub(super) fn get(&self, token: &str) -> Option<T> {
        self.shard(token).get(token).copied()
    }

    /// Keeps what the check of `token` found.
    pub(super) fn insert(&self, token: &str, checked: T) {
        let mut shard = self.shard(token);
        if shard.len() >= Self::CAPACITY / SHARDS {
            // Emptying beats tracking recency here: a refilled entry costs one full check.
            shard.clear();
        }
        shard.insert(token.into(), checked);
    }

    /// Forgets `token` (expired: it will never pass again).
    pub(super) fn remove(&self, token: &str) {
        self.shard(token).remove(token);
    }

    /// How many tokens are kept.
    #[cfg(test)]
    fn len(&self) -> usize {
        (0..SHARDS).map(|i| lock(&self.shards[i]).len()).sum()
    }

    fn shard(&self, token: &str) -> MutexGuard<'_, Tokens<T>> {
        // The last bytes are the signature's: HMAC output, spread evenly, and chosen by
        // nobody but this server for the tokens that are kept.
        let tail = token.as_bytes().iter().rev().take(4);
        let spread = tail.fold(0usize, |acc, byte| {
            acc.wrapping_mul(31) ^ usize::from(*byte)
        });
        lock(&self.shards[spread % SHARDS])
    }
}

impl<T> Default for CheckedTokens<T> {
    fn default() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
        }
    }
}

fn lock<T>(shard: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic under the lock leaves a map that is still a valid map.
    shard
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_token_is_found_only_under_its_exact_string() {
        let tokens = CheckedTokens::default();
        tokens.insert("header.claims.signature", 7u32);
        assert_eq!(tokens.get("header.claims.signature"), Some(7));
        assert_eq!(tokens.get("header.claims.signaturE"), None);
        assert_eq!(tokens.get("header.claims.signatur"), None);
        tokens.remove("header.claims.signature");
        assert_eq!(tokens.get("header.claims.signature"), None);
    }

    #[test]
    fn the_tokens_kept_never_exceed_the_capacity() {
        let tokens = CheckedTokens::default();
        let capacity = CheckedTokens::<u32>::CAPACITY;
        for i in 0..capacity * 3 {
            tokens.insert(&format!("token-{i:08}"), 1u32);
            assert!(tokens.len() <= capacity, "{} kept after {i}", tokens.len());
        }
        assert!(
            tokens.len() > capacity / 4,
            "a full shard empties only itself"
        );
    }
}
