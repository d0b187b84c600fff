//! Authentication: who a request is from.
//!
//! - [`tokens`]: the JWTs (access and realtime), HS256 only, signed with a [`JwtSecret`];
//!   `registration_tokens`, the same keys' tokens of registration confirmation links;
//!   `checked_tokens`, the access tokens already checked, so a client's next request
//!   skips the signature.
//! - [`extract`]: [`AuthUser`], the extractor every authenticated handler takes, and
//!   [`AuthSignIn`], for the routes that need the caller's sign-in too.
//! - [`realtime_admission`]: [`admit_realtime`], which lets a realtime token open one
//!   event stream.
//! - [`passwords`]: argon2id hashing ([`Passwords`]) on threads of its own
//!   (`hash_threads`).
//! - [`session_cookie`]: the web app's refresh token as an `HttpOnly` cookie.
//! - [`revoked_sign_ins`]: the sign-ins revoked while their access tokens may still be
//!   alive, which every token check refuses; [`recording_credentials`]: the credential
//!   store adding this node's revocations to them as they happen.
//!
//! The sign-in flows themselves (register, login, refresh, logout) are the core's
//! `SessionService`, over these as its token issuer and password hasher.

mod checked_tokens;
pub mod extract;
mod hash_threads;
mod jwt_secret;
pub mod passwords;
pub mod realtime_admission;
pub mod recording_credentials;
mod registration_tokens;
pub mod revoked_sign_ins;
pub mod session_cookie;
pub mod tokens;

pub use extract::{AuthSignIn, AuthUser};
pub use jwt_secret::JwtSecret;
pub use livedrop_core::services::REFRESH_TTL;
pub use passwords::Passwords;
pub use realtime_admission::admit_realtime;
pub use recording_credentials::RecordingCredentials;
pub use revoked_sign_ins::RevokedSignIns;
pub use tokens::{IssuedToken, TokenClaims, TokenKeys, TokenKind};

use livedrop_core::ids::UserId;
use livedrop_core::{Entity, Error};

/// A user's private lists (orders, follows) are theirs alone; to anyone else they do not
/// exist.
pub(crate) fn only_owner(caller: UserId, owner: UserId) -> Result<(), Error> {
    if caller == owner {
        Ok(())
    } else {
        Err(Error::not_found(Entity::User, owner))
    }
}
