//! The credentials port: password hashes, rotating refresh-token families, and the spent
//! ids of single-use tokens.

use std::fmt::{self, Debug};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::Result;
use crate::domain::User;
use crate::ids::{FamilyId, UserId};
use crate::ports::TokenId;

/// A password hash as a PHC string (`$argon2id$v=19$m=...$salt$hash`), made by the server.
/// The core and the stores never hash or check passwords: they keep this text. Its
/// `Debug` hides it (a hash is still an offline-guessing target).
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Wraps a PHC string.
    pub fn new(phc: impl Into<String>) -> Self {
        Self(phc.into())
    }

    /// The PHC string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(..)")
    }
}

/// The SHA-256 of a refresh token: all a store ever sees of one, so a leaked table holds
/// no usable token. A plain hash is enough (no salt, no argon2): the tokens are 256 random
/// bits, beyond guessing.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct RefreshTokenHash([u8; 32]);

impl RefreshTokenHash {
    /// The hash of the token text as the client sends it.
    pub fn of(token: &str) -> Self {
        Self(Sha256::digest(token.as_bytes()).into())
    }

    /// A stored hash.
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The digest bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl Debug for RefreshTokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A prefix is enough to tell hashes apart in a log.
        write!(f, "RefreshTokenHash({}..)", hex::encode(&self.0[..4]))
    }
}

/// What [`Credentials::rotate`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rotation {
    /// The old token was live: it is spent now and the new one is live in its family.
    Rotated {
        /// The family's user.
        user_id: UserId,
        /// The family, unchanged.
        family_id: FamilyId,
    },
    /// The old token had already been spent: someone replayed it, so the whole family is
    /// revoked now (reuse detection). Nothing new was stored.
    Reused {
        /// The family's user.
        user_id: UserId,
        /// The family just revoked.
        family_id: FamilyId,
    },
    /// The old token cannot be used; nothing changed.
    Refused(RefreshRefusal),
}

/// Why a refresh token was refused without anything changing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefreshRefusal {
    /// No such token was ever issued.
    Unknown,
    /// Its family was revoked (logout, or reuse detected earlier).
    Revoked,
    /// Past its `expires_at`.
    Expired,
}

/// Password hashes, refresh-token families, and spent single-use token ids.
///
/// A **family** is what one sign-in starts: its first token comes from
/// [`issue_refresh`](Credentials::issue_refresh), each
/// [`rotate`](Credentials::rotate) spends one token and adds its successor, and the family
/// is revoked as a whole. A token is **live** when it is known, unspent, unexpired
/// (`now < expires_at`) and its family is not revoked. A family is **live** (the sign-in
/// is still on) when it is not revoked and its unspent token is live; a family holds at
/// most one unspent token, since a rotation spends one for its successor.
///
/// # Contract
/// - [`register`](Credentials::register) stores a new user (exactly as
///   [`Catalog::create_user`](super::Catalog::create_user) would, with its uniqueness
///   errors and audit entry) and their password hash in one atomic unit: after an error
///   neither is stored, so no account ever exists without its password.
/// - [`set_password`](Credentials::set_password) stores or replaces the user's hash;
///   [`password`](Credentials::password) returns the last one stored, `None` if none. An
///   unknown user is [`Error::NotFound`](crate::Error::NotFound) for `set_password` and
///   `issue_refresh`.
/// - Stores keep only [`RefreshTokenHash`]es, never tokens.
/// - [`rotate`](Credentials::rotate) is one atomic step per family, decided in this order:
///   unknown token -> `Refused(Unknown)`; family revoked -> `Refused(Revoked)`; token
///   already spent -> the family MUST be revoked and the answer is `Reused`; expired ->
///   `Refused(Expired)`; otherwise the old token is spent, `new` is stored live in the
///   same family with `expires_at`, and the answer is `Rotated`. Only `Rotated` stores a
///   token.
/// - Concurrent rotations of one token: exactly one is `Rotated`; every other sees a spent
///   token, so it is `Reused` (or `Refused(Revoked)` once an earlier loser revoked the
///   family), and the family ends revoked, the winner's new token included. A client
///   racing itself is signed out: the store cannot tell that from a thief's replay.
/// - [`revoke_family`](Credentials::revoke_family) revokes the family of any of its tokens
///   (live, spent or expired), idempotently, and returns it; `None` for an unknown token.
///   A revocation and a concurrent rotation of the same family never leave a live token:
///   either the rotation is refused or the revocation covers its new token.
/// - [`family_live`](Credentials::family_live) answers whether the family is live at
///   `now`: `false` for an unknown family, one revoked (by
///   [`revoke_family`](Credentials::revoke_family) or reuse detection in
///   [`rotate`](Credentials::rotate)), or one whose unspent token expired
///   (`now >= expires_at`); otherwise `true`. It reads what committed before it: after a
///   revocation returned, no call answers `true` for that family, on any node sharing the
///   store. It changes nothing.
/// - [`revoked_since`](Credentials::revoked_since) lists every family revoked (by either
///   way) at or after `since`, each once, with the `now` of its revocation (the first, for
///   a family revoked twice), for any `since` within the last hour; what committed before
///   the call is in it, on any node sharing the store. Instances poll it to refuse the
///   access tokens of sign-ins revoked elsewhere, so it is one cheap read.
/// - [`spend_once`](Credentials::spend_once) spends a single-use token's id, atomically
///   across every node sharing the store: the first spend of an id answers `true`, every
///   later one `false`; of concurrent spends of one id exactly one answers `true`. An id
///   is spendable only before its `expires_at`: a spend with `now >= expires_at` answers
///   `false` and stores nothing. A spent id is remembered at least until its `expires_at`
///   (by the `now` later calls pass); after that the store may forget it, which is safe
///   since it can no longer be spent. Spends of other ids never interfere, and keeping the
///   spent ids bounded (forgetting expired ones) is the store's job, done cheaply as it
///   goes.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Credentials: Send + Sync + Debug + 'static {
    /// Stores a new user with their password hash, atomically.
    async fn register(&self, user: &User, hash: &PasswordHash) -> Result<()>;
    /// Stores (or replaces) `user_id`'s password hash.
    async fn set_password(&self, user_id: UserId, hash: &PasswordHash) -> Result<()>;
    /// `user_id`'s password hash, if one was stored.
    async fn password(&self, user_id: UserId) -> Result<Option<PasswordHash>>;

    /// Starts a family for `user_id` whose first live token is `hash`.
    async fn issue_refresh(
        &self,
        user_id: UserId,
        hash: &RefreshTokenHash,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<FamilyId>;
    /// Spends `old` for `new` (expiring at `expires_at`); see the contract for the order
    /// of the checks and reuse detection.
    async fn rotate(
        &self,
        old: &RefreshTokenHash,
        new: &RefreshTokenHash,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Rotation>;
    /// Revokes the family `token` belongs to (logout).
    async fn revoke_family(
        &self,
        token: &RefreshTokenHash,
        now: DateTime<Utc>,
    ) -> Result<Option<FamilyId>>;

    /// Whether the sign-in `family` is still on at `now`: known, not revoked, and its
    /// unspent refresh token unexpired.
    async fn family_live(&self, family: FamilyId, now: DateTime<Utc>) -> Result<bool>;
    /// The families revoked at or after `since`, with when (see the contract).
    async fn revoked_since(&self, since: DateTime<Utc>) -> Result<Vec<(FamilyId, DateTime<Utc>)>>;
    /// Spends the single-use token `id`, valid until `expires_at`: `true` the first time
    /// only (see the contract).
    async fn spend_once(
        &self,
        id: TokenId,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool>;
}
