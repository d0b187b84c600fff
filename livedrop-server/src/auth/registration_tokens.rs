//! Registration tokens: the secret of a confirmation link. A token names the email and the
//! name someone asked to register (`sub`, `name`), for its own audience
//! (`livedrop-registration`), signed with the access tokens' secret and algorithm, valid
//! for [`REGISTRATION_TTL`]. Nothing about a pending registration is stored: the token is
//! all of it, and completing one creates the account, which is what makes a second use
//! fail (the email is taken by then).

use chrono::{DateTime, Utc};
use jsonwebtoken::errors::{Error, ErrorKind};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use livedrop_core::domain::{Email, PersonName};
use livedrop_core::ports::{IssuedToken, REGISTRATION_TTL, TokenId};
use serde::{Deserialize, Serialize};

const AUDIENCE: &str = "livedrop-registration";

/// What a registration token says.
#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    /// The email, as [`Email`] keeps it.
    sub: String,
    name: String,
    jti: TokenId,
    aud: String,
    iss: String,
    iat: u64,
    exp: u64,
}

/// A fresh token for the registration of `email` as `name`.
pub(super) fn issue(
    key: &EncodingKey,
    algorithm: Algorithm,
    issuer: &str,
    email: &Email,
    name: &PersonName,
) -> Result<IssuedToken, Error> {
    // Like the sign-in tokens, timed by the wall clock: expiry is a security property.
    let now = u64::try_from(Utc::now().timestamp()).unwrap_or(0);
    let exp = now + REGISTRATION_TTL.as_secs();
    let claims = Claims {
        sub: email.as_str().to_owned(),
        name: name.as_str().to_owned(),
        jti: TokenId::new(),
        aud: AUDIENCE.to_owned(),
        iss: issuer.to_owned(),
        iat: now,
        exp,
    };
    Ok(IssuedToken {
        token: jsonwebtoken::encode(&Header::new(algorithm), &claims, key)?,
        expires_at: DateTime::from_timestamp(i64::try_from(exp).unwrap_or(i64::MAX), 0)
            .unwrap_or(DateTime::<Utc>::MAX_UTC),
    })
}

/// What a registration token must carry: the signature, issuer and audience of
/// [`validation`]'s caller, an expiry and a subject.
pub(super) fn validation(algorithm: Algorithm, issuer: &str, leeway: u64) -> Validation {
    let mut validation = Validation::new(algorithm);
    validation.set_audience(&[AUDIENCE]);
    validation.set_issuer(&[issuer]);
    validation.set_required_spec_claims(&["exp", "sub", "aud", "iss"]);
    validation.leeway = leeway;
    validation
}

/// The email and name of a valid, unexpired registration token. The two are checked
/// again as the domain checks them, so a token signed under older rules cannot bring in
/// what the rules now refuse.
pub(super) fn verify(
    key: &DecodingKey,
    validation: &Validation,
    token: &str,
) -> Result<(Email, PersonName), Error> {
    let claims = jsonwebtoken::decode::<Claims>(token, key, validation)?.claims;
    let email = Email::try_from(claims.sub.as_str()).map_err(|_| ErrorKind::InvalidSubject)?;
    let name = PersonName::try_from(claims.name.as_str())
        .map_err(|_| ErrorKind::MissingRequiredClaim("name".to_owned()))?;
    Ok((email, name))
}

#[cfg(test)]
mod tests {
    use livedrop_core::ids::{FamilyId, UserId};
    use livedrop_core::ports::{TokenIssuer, TokenKind};

    use super::super::{JwtSecret, TokenKeys};
    use super::*;

    fn unix_now() -> u64 {
        u64::try_from(Utc::now().timestamp()).unwrap()
    }

    fn ada() -> (Email, PersonName) {
        (
            Email::try_from("ada@example.com").unwrap(),
            PersonName::try_from("Ada").unwrap(),
        )
    }

    #[test]
    fn a_registration_token_gives_back_its_email_and_name_for_its_own_audience_only() {
        let keys = TokenKeys::new(&JwtSecret::random());
        let (email, name) = ada();
        let issued = keys.issue_registration(&email, &name).unwrap();
        assert_eq!(
            keys.verify_registration(&issued.token).unwrap(),
            (email, name)
        );
        let lifetime = issued.expires_at - Utc::now();
        assert!(lifetime.num_minutes() > 24 * 60 - 2, "{lifetime}");
        // Neither kind passes for the other.
        assert!(keys.verify(TokenKind::Access, &issued.token).is_err());
        let access = keys
            .issue(TokenKind::Access, UserId::new(), FamilyId::new())
            .unwrap();
        assert!(keys.verify_registration(&access.token).is_err());
    }

    #[test]
    fn a_changed_foreign_or_expired_registration_token_is_refused() {
        let secret = "a secret of this test, long enough".repeat(2);
        let keys = TokenKeys::new(&JwtSecret::try_from(secret.clone()).unwrap());
        let (email, name) = ada();
        let token = keys.issue_registration(&email, &name).unwrap().token;
        // Another server's secret.
        let other = TokenKeys::new(&JwtSecret::random());
        assert!(other.verify_registration(&token).is_err());
        // One character of the signature changed.
        let mut changed = token.clone().into_bytes();
        let last = changed.len() - 2;
        changed[last] = if changed[last] == b'A' { b'B' } else { b'A' };
        assert!(
            keys.verify_registration(std::str::from_utf8(&changed).unwrap())
                .is_err()
        );
        // A day and more ago.
        let old = Claims {
            sub: email.as_str().to_owned(),
            name: name.as_str().to_owned(),
            jti: TokenId::new(),
            aud: AUDIENCE.to_owned(),
            iss: "livedrop".to_owned(),
            iat: unix_now() - 2 * 86_400,
            exp: unix_now() - 86_400,
        };
        let key = EncodingKey::from_secret(secret.as_bytes());
        let expired = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &old, &key).unwrap();
        assert!(keys.verify_registration(&expired).is_err());
    }
}
