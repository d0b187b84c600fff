//! The token issuer port: signed, short-lived bearer tokens for a user.

use std::fmt::Debug;

use chrono::{DateTime, Utc};

use crate::Result;
use crate::ids::UserId;

/// What a token is for; each kind is its own audience, so one is never taken for the other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// API calls (`Authorization: Bearer`).
    Access,
    /// Opening the realtime event stream.
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

/// Signs tokens naming a user. The server implements it (JWTs); the core decides when a
/// token is due (sign-in, refresh, a realtime stream).
///
/// # Contract
/// - [`issue`](TokenIssuer::issue) returns a token only its issuer can have made, for
///   `kind` alone, naming `user`, with an `expires_at` in the future.
/// - It does no I/O and never blocks: it is called on the request path.
pub trait TokenIssuer: Send + Sync + Debug + 'static {
    /// A fresh token of `kind` for `user`.
    ///
    /// # Errors
    /// `Internal` only if signing fails, which a correct issuer never does.
    fn issue(&self, kind: TokenKind, user: UserId) -> Result<IssuedToken>;
}
