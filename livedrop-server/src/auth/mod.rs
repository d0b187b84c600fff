//! Authentication: who a request is from.
//!
//! - [`tokens`]: the JWTs (access and realtime), HS256 only.
//! - [`extract`]: [`AuthUser`], the extractor every authenticated handler takes.
//! - [`passwords`]: argon2id hashing on the blocking pool ([`Passwords`]).
//! - [`refresh`]: opaque refresh tokens, stored hashed.
//! - `sessions`: the register, login, refresh and logout flows.

pub mod extract;
pub mod passwords;
pub mod refresh;
pub(crate) mod sessions;
pub mod tokens;

pub use extract::AuthUser;
pub use passwords::Passwords;
pub use refresh::REFRESH_TTL;
pub use tokens::{IssuedToken, JwtSecret, TokenKeys, TokenKind};
