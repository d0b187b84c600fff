//! The idempotency store port: the fast path that makes retried orders safe.

use std::{fmt::Debug, time::Duration};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::Result;
use crate::domain::{IdempotencyKey, Order, OrderRejection};
use crate::ids::UserId;

/// Identifies the request a key was first used with; a retry must match it. Either a
/// SHA-256 digest of the request ([`Fingerprint::of`]) or, for a request that fits in 32
/// bytes, the request itself ([`Fingerprint::from_bytes`]). Serialized as 64 hex characters.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Fingerprint([u8; 32]);

impl From<Fingerprint> for String {
    fn from(fingerprint: Fingerprint) -> String {
        hex::encode(fingerprint.0)
    }
}

impl TryFrom<String> for Fingerprint {
    type Error = hex::FromHexError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(text, &mut bytes)?;
        Ok(Self(bytes))
    }
}

impl Fingerprint {
    /// SHA-256 over `parts`, each length-prefixed so that `("ab","c")` and `("a","bc")` differ.
    pub fn of(parts: &[&[u8]]) -> Self {
        let mut hasher = Sha256::new();
        for part in parts {
            hasher.update((part.len() as u64).to_be_bytes());
            hasher.update(part);
        }
        Self(hasher.finalize().into())
    }

    /// Wraps stored fingerprint bytes, or a request packed exactly into 32 bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The fingerprint bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

/// What an order request settled to: the order, or why it was refused. Refusals are
/// answers too. The store keeps the answer itself, not its HTTP encoding: the server's
/// encoding of an answer is deterministic, so a replay is still byte for byte the first
/// response, and the order path does not pay for bytes an embedding caller may never need.
pub type OrderAnswer = Result<Order, OrderRejection>;

/// What is stored under a key.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub enum IdempotencyRecord {
    /// The first request is being processed.
    InFlight {
        /// Its fingerprint.
        fingerprint: Fingerprint,
    },
    /// The first request finished; this is its answer.
    Completed {
        /// Its fingerprint.
        fingerprint: Fingerprint,
        /// Its answer.
        answer: OrderAnswer,
    },
}

impl IdempotencyRecord {
    /// The fingerprint of the request that owns the key.
    pub fn fingerprint(&self) -> &Fingerprint {
        match self {
            IdempotencyRecord::InFlight { fingerprint }
            | IdempotencyRecord::Completed { fingerprint, .. } => fingerprint,
        }
    }
}

/// The result of [`IdempotencyStore::begin`].
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Begin {
    /// The caller owns the key now and must `complete` or `abandon` it.
    Started,
    /// Someone already holds the key: here is what they stored.
    Existing(IdempotencyRecord),
}

/// How long records live.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct IdempotencyPolicy {
    /// How long an in-flight record blocks retries if its owner dies without finishing.
    pub lock_ttl: Duration,
    /// How long a completed answer is replayed. LiveDrop's default and promise: 24 hours.
    pub retention: Duration,
}

impl Default for IdempotencyPolicy {
    fn default() -> Self {
        Self {
            lock_ttl: Duration::from_secs(30),
            retention: Duration::from_secs(24 * 60 * 60),
        }
    }
}

impl IdempotencyPolicy {
    /// Short lifetimes so the testkit can watch records expire.
    pub fn for_tests() -> Self {
        Self {
            lock_ttl: Duration::from_millis(400),
            retention: Duration::from_millis(900),
        }
    }
}

/// Idempotency records, scoped per user, with lifetimes from an [`IdempotencyPolicy`].
///
/// # Contract
/// - [`begin`](IdempotencyStore::begin) is an atomic set-if-absent: of any number of
///   concurrent begins with one `(user, key)`, exactly one gets [`Begin::Started`]; the others
///   see the record. Keys of different users never collide.
/// - An in-flight record expires after `lock_ttl` (its owner died); a completed one after
///   `retention`. An expired record is as if absent.
/// - [`complete`](IdempotencyStore::complete) replaces the caller's in-flight record with its
///   answer; [`abandon`](IdempotencyStore::abandon) deletes the caller's in-flight record so a
///   retry can run. Neither touches a record with another fingerprint or a completed one.
/// - The store is a fast path, not the authority (the ledger's unique `(user, key)` is):
///   [`Error::Unavailable`](crate::Error::Unavailable) from it must cost speed, not orders.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait IdempotencyStore: Send + Sync + Debug + 'static {
    /// Claims `(user, key)` for a request with `fingerprint`.
    async fn begin(
        &self,
        user: UserId,
        key: &IdempotencyKey,
        fingerprint: &Fingerprint,
    ) -> Result<Begin>;
    /// Stores the answer of the caller's in-flight request.
    async fn complete(
        &self,
        user: UserId,
        key: &IdempotencyKey,
        fingerprint: &Fingerprint,
        answer: &OrderAnswer,
    ) -> Result<()>;
    /// Drops the caller's in-flight record after a failure that stored nothing.
    async fn abandon(
        &self,
        user: UserId,
        key: &IdempotencyKey,
        fingerprint: &Fingerprint,
    ) -> Result<()>;
    /// The live record under `(user, key)`, if any.
    async fn lookup(&self, user: UserId, key: &IdempotencyKey)
    -> Result<Option<IdempotencyRecord>>;
}
