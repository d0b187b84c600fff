//! [`TokenKeys`]: signing and checking the server's JWTs.
//!
//! Two kinds of token share one secret but never each other's audience: an **access**
//! token (`aud: livedrop-api`) authenticates API calls for [`ACCESS_TTL`]; a **realtime**
//! token (`aud: livedrop-realtime`) opens one SSE stream and lives [`REALTIME_TTL`], short
//! because it travels in a query string. Both are HS256 and the check accepts HS256 only:
//! the algorithm comes from the server, never from the token's header, so `alg: none` and
//! algorithm-swap tokens fail.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use livedrop_core::ids::UserId;
use livedrop_core::ports::TokenIssuer;
pub use livedrop_core::ports::{IssuedToken, TokenKind};
use serde::{Deserialize, Serialize};

/// How long an access token is valid.
pub const ACCESS_TTL: Duration = Duration::from_secs(15 * 60);
/// How long a realtime token is valid: enough to open the stream it is for.
pub const REALTIME_TTL: Duration = Duration::from_secs(60);
/// Clock skew tolerated between instances when checking `exp`.
const LEEWAY_SECS: u64 = 5;
const ISSUER: &str = "livedrop";
const ALGORITHM: Algorithm = Algorithm::HS256;

/// The audience a token of `kind` is for (each kind its own, so one is never taken for
/// the other).
fn audience(kind: TokenKind) -> &'static str {
    match kind {
        TokenKind::Access => "livedrop-api",
        TokenKind::Realtime => "livedrop-realtime",
    }
}

/// How long a token of `kind` lives.
fn ttl(kind: TokenKind) -> Duration {
    match kind {
        TokenKind::Access => ACCESS_TTL,
        TokenKind::Realtime => REALTIME_TTL,
    }
}

/// The HMAC secret tokens are signed with: at least 32 bytes (HS256's key size), never
/// printed. Every instance behind one load balancer needs the same one.
#[derive(Clone, PartialEq, Eq)]
pub struct JwtSecret(Vec<u8>);

impl JwtSecret {
    /// The shortest secret accepted.
    pub const MIN_BYTES: usize = 32;

    /// A random secret, for a single instance whose tokens need not outlive it.
    pub fn random() -> Self {
        let mut bytes = vec![0; Self::MIN_BYTES];
        // The OS generator failing is a broken machine, and a predictable secret would be
        // worse than not starting.
        #[allow(clippy::expect_used)]
        getrandom::fill(&mut bytes).expect("the OS random generator is unavailable");
        Self(bytes)
    }
}

impl TryFrom<String> for JwtSecret {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        if text.len() < Self::MIN_BYTES {
            return Err(format!(
                "the JWT secret must be at least {} bytes (got {})",
                Self::MIN_BYTES,
                text.len()
            ));
        }
        Ok(Self(text.into_bytes()))
    }
}

impl std::str::FromStr for JwtSecret {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::try_from(text.to_owned())
    }
}

impl fmt::Debug for JwtSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JwtSecret(..)")
    }
}

/// The claims of both kinds of token.
#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: UserId,
    aud: String,
    iss: String,
    iat: u64,
    exp: u64,
}

/// Why a token was refused. Callers answer every case with the same `401`; the variants
/// exist for the log.
#[derive(Debug, thiserror::Error)]
#[error("token refused: {0}")]
pub struct TokenRefused(#[from] jsonwebtoken::errors::Error);

/// Signs and checks tokens with one [`JwtSecret`]. Tokens are timed by the wall clock,
/// not the services' [`Clock`](livedrop_core::clock::Clock): expiry is a security
/// property, not a domain one.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl TokenKeys {
    /// Keys over `secret`.
    pub fn new(secret: &JwtSecret) -> Self {
        Self {
            encoding: EncodingKey::from_secret(&secret.0),
            decoding: DecodingKey::from_secret(&secret.0),
        }
    }

    /// A token of `kind` for `user`, valid from now for the kind's lifetime.
    ///
    /// # Errors
    /// Only if the claims cannot be serialized, which they always can.
    pub fn issue(&self, kind: TokenKind, user: UserId) -> Result<IssuedToken, TokenRefused> {
        let now = unix_now();
        let exp = now + ttl(kind).as_secs();
        let claims = Claims {
            sub: user,
            aud: audience(kind).to_owned(),
            iss: ISSUER.to_owned(),
            iat: now,
            exp,
        };
        let token = jsonwebtoken::encode(&Header::new(ALGORITHM), &claims, &self.encoding)?;
        let expires_at = DateTime::from_timestamp(i64::try_from(exp).unwrap_or(i64::MAX), 0)
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        Ok(IssuedToken { token, expires_at })
    }

    /// The user a valid, unexpired token of `kind` names.
    ///
    /// # Errors
    /// [`TokenRefused`] for a malformed, forged, expired or other-kind token, or one
    /// signed with any algorithm but HS256 (`none` included).
    pub fn verify(&self, kind: TokenKind, token: &str) -> Result<UserId, TokenRefused> {
        let mut validation = Validation::new(ALGORITHM);
        validation.set_audience(&[audience(kind)]);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "sub", "aud", "iss"]);
        validation.leeway = LEEWAY_SECS;
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)?;
        Ok(data.claims.sub)
    }
}

impl TokenIssuer for TokenKeys {
    fn issue(&self, kind: TokenKind, user: UserId) -> livedrop_core::Result<IssuedToken> {
        TokenKeys::issue(self, kind, user).map_err(|e| livedrop_core::Error::internal("jwt", e))
    }
}

impl fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenKeys(..)")
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;

    fn keys() -> TokenKeys {
        TokenKeys::new(&JwtSecret::random())
    }

    #[test]
    fn a_token_names_its_user_for_its_own_kind_only() {
        let keys = keys();
        let user = UserId::new();
        let access = keys.issue(TokenKind::Access, user).unwrap();
        assert_eq!(keys.verify(TokenKind::Access, &access.token).unwrap(), user);
        assert!(keys.verify(TokenKind::Realtime, &access.token).is_err());
        let realtime = keys.issue(TokenKind::Realtime, user).unwrap();
        assert!(keys.verify(TokenKind::Access, &realtime.token).is_err());
        assert!(realtime.expires_at < access.expires_at);
    }

    #[test]
    fn another_secrets_tokens_are_refused() {
        let token = keys().issue(TokenKind::Access, UserId::new()).unwrap();
        assert!(keys().verify(TokenKind::Access, &token.token).is_err());
    }

    #[test]
    fn expired_tokens_are_refused() {
        let secret = JwtSecret::random();
        let claims = Claims {
            sub: UserId::new(),
            aud: audience(TokenKind::Access).to_owned(),
            iss: ISSUER.to_owned(),
            iat: unix_now() - 3600,
            exp: unix_now() - 60,
        };
        let token = jsonwebtoken::encode(
            &Header::new(ALGORITHM),
            &claims,
            &EncodingKey::from_secret(&secret.0),
        )
        .unwrap();
        assert!(
            TokenKeys::new(&secret)
                .verify(TokenKind::Access, &token)
                .is_err()
        );
    }

    #[test]
    fn unsigned_tokens_are_refused() {
        let keys = keys();
        let genuine = keys.issue(TokenKind::Access, UserId::new()).unwrap().token;
        let payload = genuine.split('.').nth(1).unwrap();
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        for token in [
            format!("{header}.{payload}."),
            format!("{header}.{payload}"),
        ] {
            assert!(keys.verify(TokenKind::Access, &token).is_err(), "{token}");
        }
    }

    #[test]
    fn short_secrets_are_refused_and_secrets_never_print() {
        assert!(JwtSecret::try_from("short".to_owned()).is_err());
        let secret = JwtSecret::try_from("x".repeat(32)).unwrap();
        assert!(!format!("{secret:?}").contains("xxxx"));
    }
}
