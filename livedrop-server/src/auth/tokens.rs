//! [`TokenKeys`]: signing and checking the server's JWTs.
//!
//! Two kinds of sign-in token share one secret but never each other's audience: an **access**
//! token (`aud: livedrop-api`) authenticates API calls for [`ACCESS_TTL`]; a **realtime**
//! token (`aud: livedrop-realtime`) opens one SSE stream and lives [`REALTIME_TTL`], short
//! because it travels in a query string. Both are HS256 and the check accepts HS256 only:
//! the algorithm comes from the server, never from the token's header, so `alg: none` and
//! algorithm-swap tokens fail.
//!
//! Every token names its sign-in (`sid`, the refresh-token family) and carries a unique id
//! (`jti`). Every check refuses a token whose sign-in was revoked (logout, reuse
//! detection: [`RevokedSignIns`], an in-memory lookup this node keeps current), so a token
//! does not outlive its sign-in. [`TokenKeys::verify`] gives the user: enough for API
//! calls. [`TokenKeys::verify_claims`] gives all of it, for the core to check what a
//! signature cannot: that a realtime token is used once, and (against the store) that the
//! sign-in is still on.
//!
//! The same secret signs the registration tokens of confirmation links
//! ([`registration_tokens`](super::registration_tokens)), for an audience of their own.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Utc};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use livedrop_core::domain::{Email, PersonName};
use livedrop_core::ids::{FamilyId, UserId};
use livedrop_core::ports::TokenIssuer;

use super::JwtSecret;
use super::checked_tokens::CheckedTokens;
use super::registration_tokens;

use super::RevokedSignIns;
pub use livedrop_core::ports::{IssuedToken, TokenClaims, TokenId, TokenKind};
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

/// The claims of both kinds of token. `sid` and `jti` are always issued. `jti` is optional
/// when reading (only [`TokenKeys::verify_claims`] needs it); a token without `sid` is
/// refused, since its sign-in could not be revoked.
#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: UserId,
    sid: FamilyId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    jti: Option<TokenId>,
    aud: String,
    iss: String,
    iat: u64,
    exp: u64,
}

/// What a valid token says that the checks after the signature need: kept for each access
/// token this node has checked ([`CheckedTokens`]).
#[derive(Clone, Copy, Debug)]
struct Checked {
    sub: UserId,
    sid: FamilyId,
    jti: Option<TokenId>,
    exp: u64,
}

impl From<Claims> for Checked {
    fn from(claims: Claims) -> Self {
        Self {
            sub: claims.sub,
            sid: claims.sid,
            jti: claims.jti,
            exp: claims.exp,
        }
    }
}

/// Why a token was refused. Callers answer every case with the same `401`; the variants
/// exist for the log.
#[derive(Debug, thiserror::Error)]
pub enum TokenRefused {
    /// Malformed, forged, expired, of the other kind, or missing a claim.
    #[error("token refused: {0}")]
    Invalid(#[from] jsonwebtoken::errors::Error),
    /// Its sign-in was revoked (logout, or reuse detection).
    #[error("token refused: its sign-in was revoked")]
    Revoked,
}

/// Signs and checks tokens with one [`JwtSecret`]. Tokens are timed by the wall clock,
/// not the services' [`Clock`](livedrop_core::clock::Clock): expiry is a security
/// property, not a domain one.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    /// What an access token must carry, built once: every authenticated request checks
    /// one, and building the rules costs a few allocations each time.
    access: Validation,
    /// The same for realtime tokens.
    realtime: Validation,
    /// The same for registration tokens.
    registration: Validation,
    /// The sign-ins whose tokens are refused however valid they look.
    revoked: RevokedSignIns,
    /// The access tokens already checked, so a client's next request skips the signature.
    checked: CheckedTokens<Checked>,
}

impl TokenKeys {
    /// Keys over `secret`.
    pub fn new(secret: &JwtSecret) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret.bytes()),
            decoding: DecodingKey::from_secret(secret.bytes()),
            access: validation(TokenKind::Access),
            realtime: validation(TokenKind::Realtime),
            registration: registration_tokens::validation(ALGORITHM, ISSUER, LEEWAY_SECS),
            revoked: RevokedSignIns::default(),
            checked: CheckedTokens::default(),
        }
    }

    /// The revoked sign-ins these keys refuse the tokens of: add to it to refuse more.
    pub fn revoked(&self) -> &RevokedSignIns {
        &self.revoked
    }

    /// A token of `kind` for `user`'s sign-in `family`, with a fresh id, valid from now
    /// for the kind's lifetime.
    ///
    /// # Errors
    /// Only if the claims cannot be serialized, which they always can.
    pub fn issue(
        &self,
        kind: TokenKind,
        user: UserId,
        family: FamilyId,
    ) -> Result<IssuedToken, TokenRefused> {
        let now = unix_now();
        let exp = now + ttl(kind).as_secs();
        let claims = Claims {
            sub: user,
            sid: family,
            jti: Some(TokenId::new()),
            aud: audience(kind).to_owned(),
            iss: ISSUER.to_owned(),
            iat: now,
            exp,
        };
        let token = jsonwebtoken::encode(&Header::new(ALGORITHM), &claims, &self.encoding)?;
        Ok(IssuedToken {
            token,
            expires_at: timestamp(exp),
        })
    }

    /// The user a valid, unexpired token of `kind` names.
    ///
    /// # Errors
    /// [`TokenRefused`] for a malformed, forged, expired or other-kind token, or one
    /// signed with any algorithm but HS256 (`none` included).
    pub fn verify(&self, kind: TokenKind, token: &str) -> Result<UserId, TokenRefused> {
        Ok(self.decode(kind, token)?.sub)
    }

    /// Everything a valid, unexpired token of `kind` says: its user, sign-in, id and
    /// expiry. Whether the sign-in is still on, or a single-use token still unused, is
    /// the core's to decide ([`SessionService`](livedrop_core::services::SessionService)).
    ///
    /// # Errors
    /// [`TokenRefused`] as for [`verify`](Self::verify), and for a token without `jti`
    /// (signed before tokens carried one).
    pub fn verify_claims(&self, kind: TokenKind, token: &str) -> Result<TokenClaims, TokenRefused> {
        let claims = self.decode(kind, token)?;
        let missing = |claim: &str| {
            TokenRefused::Invalid(ErrorKind::MissingRequiredClaim(claim.to_owned()).into())
        };
        Ok(TokenClaims {
            user: claims.sub,
            family: claims.sid,
            id: claims.jti.ok_or_else(|| missing("jti"))?,
            expires_at: timestamp(claims.exp),
        })
    }

    /// The email and name of a valid, unexpired registration token (the confirmation
    /// link's).
    ///
    /// # Errors
    /// [`TokenRefused::Invalid`] for a malformed, forged, expired or other-kind token.
    pub fn verify_registration(&self, token: &str) -> Result<(Email, PersonName), TokenRefused> {
        Ok(registration_tokens::verify(
            &self.decoding,
            &self.registration,
            token,
        )?)
    }

    /// The claims of a valid, unexpired token of `kind` whose sign-in was not revoked.
    fn decode(&self, kind: TokenKind, token: &str) -> Result<Checked, TokenRefused> {
        let checked = match kind {
            TokenKind::Access => self.check_access(token)?,
            // Used once each (the core refuses a second use): nothing to gain by keeping.
            TokenKind::Realtime => {
                jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.realtime)?
                    .claims
                    .into()
            }
        };
        if self.revoked.contains(checked.sid) {
            return Err(TokenRefused::Revoked);
        }
        Ok(checked)
    }

    /// An access token's claims: from [`CheckedTokens`] when this node checked the same
    /// token before and it has not expired since, else from the full check.
    fn check_access(&self, token: &str) -> Result<Checked, TokenRefused> {
        if let Some(checked) = self.checked.get(token) {
            // The full check's rule: expired once `exp` is more than the leeway past.
            if checked.exp.saturating_add(LEEWAY_SECS) >= unix_now() {
                return Ok(checked);
            }
            // Never valid again; the full check below says why.
            self.checked.remove(token);
        }
        let checked: Checked = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.access)?
            .claims
            .into();
        self.checked.insert(token, checked);
        Ok(checked)
    }
}

/// What a token of `kind` must carry to be accepted: this server's signature algorithm,
/// issuer and the kind's audience, an expiry (with [`LEEWAY_SECS`] of clock skew) and a
/// subject.
fn validation(kind: TokenKind) -> Validation {
    let mut validation = Validation::new(ALGORITHM);
    validation.set_audience(&[audience(kind)]);
    validation.set_issuer(&[ISSUER]);
    validation.set_required_spec_claims(&["exp", "sub", "aud", "iss"]);
    validation.leeway = LEEWAY_SECS;
    validation
}

impl TokenIssuer for TokenKeys {
    fn issue(
        &self,
        kind: TokenKind,
        user: UserId,
        family: FamilyId,
    ) -> livedrop_core::Result<IssuedToken> {
        TokenKeys::issue(self, kind, user, family)
            .map_err(|e| livedrop_core::Error::internal("jwt", e))
    }

    fn issue_registration(
        &self,
        email: &Email,
        name: &PersonName,
    ) -> livedrop_core::Result<IssuedToken> {
        registration_tokens::issue(&self.encoding, ALGORITHM, ISSUER, email, name)
            .map_err(|e| livedrop_core::Error::internal("jwt", e))
    }
}

impl fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenKeys(..)")
    }
}

/// `exp` (Unix seconds) as a time.
fn timestamp(exp: u64) -> DateTime<Utc> {
    DateTime::from_timestamp(i64::try_from(exp).unwrap_or(i64::MAX), 0)
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
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
        let (user, family) = (UserId::new(), FamilyId::new());
        let access = keys.issue(TokenKind::Access, user, family).unwrap();
        assert_eq!(keys.verify(TokenKind::Access, &access.token).unwrap(), user);
        assert!(keys.verify(TokenKind::Realtime, &access.token).is_err());
        assert!(
            keys.verify_claims(TokenKind::Realtime, &access.token)
                .is_err()
        );
        let realtime = keys.issue(TokenKind::Realtime, user, family).unwrap();
        assert!(keys.verify(TokenKind::Access, &realtime.token).is_err());
        assert!(realtime.expires_at < access.expires_at);
    }

    #[test]
    fn a_token_carries_its_sign_in_and_a_unique_id() {
        let keys = keys();
        let (user, family) = (UserId::new(), FamilyId::new());
        let first = keys.issue(TokenKind::Realtime, user, family).unwrap();
        let second = keys.issue(TokenKind::Realtime, user, family).unwrap();
        let a = keys
            .verify_claims(TokenKind::Realtime, &first.token)
            .unwrap();
        let b = keys
            .verify_claims(TokenKind::Realtime, &second.token)
            .unwrap();
        assert_eq!(
            (a.user, a.family, a.expires_at),
            (user, family, first.expires_at)
        );
        assert_eq!((b.user, b.family), (user, family));
        assert_ne!(a.id, b.id);
    }

    #[test]
    fn a_token_without_a_sign_in_is_refused() {
        // Its sign-in could never be revoked, so it would outlive any logout.
        let secret = JwtSecret::random();
        let claims = serde_json::json!({
            "sub": UserId::new(), "aud": audience(TokenKind::Access), "iss": ISSUER,
            "iat": unix_now(), "exp": unix_now() + 60,
        });
        let token = jsonwebtoken::encode(
            &Header::new(ALGORITHM),
            &claims,
            &EncodingKey::from_secret(secret.bytes()),
        )
        .unwrap();
        let keys = TokenKeys::new(&secret);
        assert!(keys.verify(TokenKind::Access, &token).is_err());
        assert!(keys.verify_claims(TokenKind::Access, &token).is_err());
    }

    #[test]
    fn a_revoked_sign_ins_tokens_are_refused_and_no_others() {
        let keys = keys();
        let (user, revoked, other) = (UserId::new(), FamilyId::new(), FamilyId::new());
        let issue = |kind, family| keys.issue(kind, user, family).unwrap().token;
        let (access, realtime) = (
            issue(TokenKind::Access, revoked),
            issue(TokenKind::Realtime, revoked),
        );
        let still_on = issue(TokenKind::Access, other);
        assert!(keys.verify(TokenKind::Access, &access).is_ok());
        keys.revoked().insert(revoked, Utc::now());
        assert!(matches!(
            keys.verify(TokenKind::Access, &access),
            Err(TokenRefused::Revoked)
        ));
        assert!(keys.verify_claims(TokenKind::Access, &access).is_err());
        assert!(keys.verify_claims(TokenKind::Realtime, &realtime).is_err());
        assert_eq!(keys.verify(TokenKind::Access, &still_on).unwrap(), user);
    }

    #[test]
    fn another_secrets_tokens_are_refused() {
        let token = keys()
            .issue(TokenKind::Access, UserId::new(), FamilyId::new())
            .unwrap();
        assert!(keys().verify(TokenKind::Access, &token.token).is_err());
        assert!(
            keys()
                .verify_claims(TokenKind::Access, &token.token)
                .is_err()
        );
    }

    #[test]
    fn expired_tokens_are_refused() {
        let secret = JwtSecret::random();
        let claims = Claims {
            sub: UserId::new(),
            sid: FamilyId::new(),
            jti: Some(TokenId::new()),
            aud: audience(TokenKind::Access).to_owned(),
            iss: ISSUER.to_owned(),
            iat: unix_now() - 3600,
            exp: unix_now() - 60,
        };
        let token = jsonwebtoken::encode(
            &Header::new(ALGORITHM),
            &claims,
            &EncodingKey::from_secret(secret.bytes()),
        )
        .unwrap();
        let keys = TokenKeys::new(&secret);
        assert!(keys.verify(TokenKind::Access, &token).is_err());
        assert!(keys.verify_claims(TokenKind::Access, &token).is_err());
    }

    #[test]
    fn unsigned_tokens_are_refused() {
        let keys = keys();
        let genuine = keys
            .issue(TokenKind::Access, UserId::new(), FamilyId::new())
            .unwrap()
            .token;
        let payload = genuine.split('.').nth(1).unwrap();
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        for token in [
            format!("{header}.{payload}."),
            format!("{header}.{payload}"),
        ] {
            assert!(keys.verify(TokenKind::Access, &token).is_err(), "{token}");
            assert!(
                keys.verify_claims(TokenKind::Access, &token).is_err(),
                "{token}"
            );
        }
    }

    #[test]
    fn a_checked_token_vouches_only_for_its_exact_string_and_only_until_it_expires() {
        let keys = keys();
        let genuine = keys
            .issue(TokenKind::Access, UserId::new(), FamilyId::new())
            .unwrap()
            .token;
        assert!(keys.verify(TokenKind::Access, &genuine).is_ok());
        let (signed, signature) = genuine.rsplit_once('.').unwrap();
        let flipped = if signature.starts_with('A') { "B" } else { "A" };
        let forged = format!("{signed}.{flipped}{}", &signature[1..]);
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let payload = genuine.split('.').nth(1).unwrap();
        for token in [
            forged,
            format!("{header}.{payload}."),
            format!("{genuine} "),
        ] {
            assert!(keys.verify(TokenKind::Access, &token).is_err(), "{token}");
        }
        assert!(keys.verify(TokenKind::Access, &genuine).is_ok());

        // A token kept while valid is refused once expired, as the full check refuses it.
        let now = unix_now();
        let claims = |exp| Claims {
            sub: UserId::new(),
            sid: FamilyId::new(),
            jti: Some(TokenId::new()),
            aud: audience(TokenKind::Access).to_owned(),
            iss: ISSUER.to_owned(),
            iat: now - 3600,
            exp,
        };
        let expired = claims(now - LEEWAY_SECS - 1);
        let token =
            jsonwebtoken::encode(&Header::new(ALGORITHM), &expired, &keys.encoding).unwrap();
        keys.checked.insert(&token, expired.into());
        assert!(matches!(
            keys.verify(TokenKind::Access, &token),
            Err(TokenRefused::Invalid(e)) if matches!(e.kind(), ErrorKind::ExpiredSignature)
        ));
    }
}
