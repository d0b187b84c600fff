//! Authentication: who a request is from.
//!
//! - [`tokens`]: the JWTs (access and realtime), HS256 only.
//! - [`extract`]: [`AuthUser`], the extractor every authenticated handler takes.

pub mod extract;
pub mod tokens;

pub use extract::AuthUser;
pub use tokens::{IssuedToken, JwtSecret, TokenKeys, TokenKind};
