//! The token issuer port: signed, short-lived bearer tokens for a user's sign-in.

use std::fmt::{self, Debug};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Result;
use crate::domain::{Email, PersonName};
use crate::ids::{FamilyId, UserId};

/// What a token is for; each kind is its own audience, so one is never taken for the other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// API calls (`Authorization: Bearer`).
    Access,
    /// Opening the realtime event stream, once.
    Realtime,
}

/// A signed token and when it stops working.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuedToken {
    /// The token text the client presents.
    pub token: String,
    /// When it expires.
    pub expires_at: DateTime<Utc>,
}

/// The unique id of one issued token (a JWT's `jti`): what a single-use token is spent by
/// ([`Credentials::spend_once`](super::Credentials::spend_once)).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TokenId(Uuid);

impl TokenId {
    /// A fresh id (UUID v7: unique without coordination, time ordered for a store's index).
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Self(crate::ids::v7_at(Utc::now()))
    }

    /// Wraps a stored UUID.
    pub const fn from_uuid(uuid: Uuid) -> Self {
        Self(uuid)
    }

    /// The UUID inside.
    pub const fn as_uuid(&self) -> Uuid {
        self.0
    }
}

impl fmt::Display for TokenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl Debug for TokenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenId({})", self.0)
    }
}

/// What a token says, once the server has checked it (signature, kind, expiry): whose it
/// is, which sign-in it belongs to, its own id and its expiry. The server verifies tokens;
/// the core decides what a verified token may still do (is its sign-in live, was a
/// single-use token already spent).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenClaims {
    /// The user the token names (`sub`).
    pub user: UserId,
    /// The sign-in (refresh-token family) it was issued to (`sid`).
    pub family: FamilyId,
    /// Its unique id (`jti`).
    pub id: TokenId,
    /// When it expires (`exp`).
    pub expires_at: DateTime<Utc>,
}

/// Signs tokens naming a user and their sign-in. The server implements it (JWTs); the core
/// decides when a token is due (sign-in, refresh, a realtime stream).
///
/// # Contract
/// - [`issue`](TokenIssuer::issue) returns a token only its issuer can have made, for
///   `kind` alone, naming `user` and the sign-in `family`, carrying a fresh [`TokenId`]
///   no other token has, with an `expires_at` in the future. The server's check of it
///   yields exactly these as [`TokenClaims`].
/// - [`issue_registration`](TokenIssuer::issue_registration) likewise returns a token only
///   its issuer can have made, of its own kind, naming the email and the name, expiring
///   [`REGISTRATION_TTL`] from now. It is not single use by itself: completing a
///   registration creates the account, so a second use finds the email taken.
/// - It does no I/O and never blocks: it is called on the request path.
pub trait TokenIssuer: Send + Sync + Debug + 'static {
    /// A fresh token of `kind` for `user`'s sign-in `family`.
    ///
    /// # Errors
    /// `Internal` only if signing fails, which a correct issuer never does.
    fn issue(&self, kind: TokenKind, user: UserId, family: FamilyId) -> Result<IssuedToken>;

    /// A fresh token that completes the registration of `email` as `name`: the secret of
    /// a confirmation link, so only the mailbox's owner can finish it. Valid for
    /// [`REGISTRATION_TTL`]; the server's check of it yields `email` and `name`, and
    /// nothing else accepts it (it is its own audience).
    ///
    /// # Errors
    /// `Internal` only if signing fails, which a correct issuer never does.
    fn issue_registration(&self, email: &Email, name: &PersonName) -> Result<IssuedToken>;
}

/// How long a registration's confirmation link works: a day, long enough for mail that is
/// slow or read the next morning, short enough that an old mailbox's links are dead.
pub const REGISTRATION_TTL: std::time::Duration = std::time::Duration::from_secs(24 * 60 * 60);
