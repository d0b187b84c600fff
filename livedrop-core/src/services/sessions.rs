//! Sign-ins: register, log in, refresh (rotation with reuse detection, which the
//! [`Credentials`] port enforces), log out, and the short-lived realtime token.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeDelta, Utc};

use crate::clock::Clock;
use crate::domain::{Email, Password, PersonName, SignInRefusal, User};
use crate::ids::UserId;
use crate::ports::{
    Catalog, Credentials, IssuedToken, PasswordHasher, RefreshTokenHash, Rotation, TokenIssuer,
    TokenKind,
};
use crate::{Error, Result};

/// How long an unspent refresh token stays valid. Each rotation issues a successor with a
/// fresh lifetime, so a client that refreshes at least this often stays signed in; one
/// idle for longer signs in again.
pub const REFRESH_TTL: TimeDelta = TimeDelta::days(14);

/// Random bytes per refresh token: 256 bits, beyond guessing, so a fast unsalted hash
/// ([`RefreshTokenHash`]) is all a store needs to keep.
const REFRESH_TOKEN_BYTES: usize = 32;

/// The tokens of a sign-in: an access token, and the opaque refresh token that gets the
/// next pair.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedIn {
    /// The access token.
    pub access: IssuedToken,
    /// The refresh token's text (the store keeps only its hash).
    pub refresh_token: String,
    /// When the refresh token expires.
    pub refresh_expires_at: DateTime<Utc>,
}

/// The sign-in use cases.
#[derive(Clone, Debug)]
pub struct SessionService {
    catalog: Arc<dyn Catalog>,
    credentials: Arc<dyn Credentials>,
    passwords: Arc<dyn PasswordHasher>,
    tokens: Arc<dyn TokenIssuer>,
    clock: Arc<dyn Clock>,
}

impl SessionService {
    /// A service over these ports.
    pub fn new(
        catalog: Arc<dyn Catalog>,
        credentials: Arc<dyn Credentials>,
        passwords: Arc<dyn PasswordHasher>,
        tokens: Arc<dyn TokenIssuer>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            catalog,
            credentials,
            passwords,
            tokens,
            clock,
        }
    }

    /// Creates the user with a password and signs them in. `AlreadyExists` for a taken
    /// email. The user and the password are stored together or not at all.
    pub async fn register(
        &self,
        email: Email,
        name: PersonName,
        password: Password,
    ) -> Result<(User, SignedIn)> {
        let hash = self.passwords.hash(password).await?;
        let user = User::new(email, name, self.clock.now());
        self.credentials.register(&user, &hash).await?;
        let signed_in = self.sign_in(user.id).await?;
        Ok((user, signed_in))
    }

    /// Checks the email and password and starts a refresh family. Every failure (unknown
    /// email, no password, wrong password) is the same
    /// [`SignInRefusal::InvalidCredentials`], and an unknown email costs the same hash as a
    /// wrong password, so neither the answer nor its timing says which emails have
    /// accounts.
    pub async fn login(&self, email: &Email, password: Password) -> Result<SignedIn> {
        let user = match self.catalog.user_by_email(email).await {
            Ok(user) => Some(user),
            Err(Error::NotFound { .. }) => None,
            Err(error) => return Err(error),
        };
        let stored = match &user {
            Some(user) => self.credentials.password(user.id).await?,
            None => None,
        };
        let matches = self.passwords.verify(stored, password).await?;
        match user {
            Some(user) if matches => self.sign_in(user.id).await,
            _ => Err(SignInRefusal::InvalidCredentials.into()),
        }
    }

    /// Spends a refresh token for a new pair. A spent token presented again revokes its
    /// whole family ([`SignInRefusal::RefreshTokenReused`]); unknown, expired and revoked
    /// tokens are [`SignInRefusal::InvalidRefreshToken`].
    pub async fn refresh(&self, refresh_token: &str) -> Result<SignedIn> {
        let now = self.clock.now();
        let old = RefreshTokenHash::of(refresh_token);
        let next = NewRefresh::generate(now)?;
        match self
            .credentials
            .rotate(&old, &next.hash, next.expires_at, now)
            .await?
        {
            Rotation::Rotated { user_id, .. } => self.pair(user_id, next),
            Rotation::Reused { user_id, family_id } => {
                // Either a thief or the user replayed a spent token; both are signed out.
                tracing::warn!(%user_id, %family_id, "refresh token reused; family revoked");
                Err(SignInRefusal::RefreshTokenReused.into())
            }
            Rotation::Refused(why) => {
                tracing::debug!(?why, "refresh token refused");
                Err(SignInRefusal::InvalidRefreshToken.into())
            }
        }
    }

    /// Revokes the family of the token (any of its tokens, spent ones included). Always
    /// succeeds: logging out twice, or with a token never issued, leaves nothing signed in.
    pub async fn logout(&self, refresh_token: &str) -> Result<()> {
        let token = RefreshTokenHash::of(refresh_token);
        self.credentials
            .revoke_family(&token, self.clock.now())
            .await?;
        Ok(())
    }

    /// The signed-in user, as stored.
    pub async fn me(&self, user: UserId) -> Result<User> {
        self.catalog.get_user(user).await
    }

    /// A short-lived token that opens `user`'s realtime event stream.
    pub fn realtime_token(&self, user: UserId) -> Result<IssuedToken> {
        self.tokens.issue(TokenKind::Realtime, user)
    }

    /// A new family for `user`, and its first pair.
    async fn sign_in(&self, user: UserId) -> Result<SignedIn> {
        let now = self.clock.now();
        let refresh = NewRefresh::generate(now)?;
        self.credentials
            .issue_refresh(user, &refresh.hash, refresh.expires_at, now)
            .await?;
        self.pair(user, refresh)
    }

    /// An access token for `user` next to `refresh`, already stored.
    fn pair(&self, user: UserId, refresh: NewRefresh) -> Result<SignedIn> {
        Ok(SignedIn {
            access: self.tokens.issue(TokenKind::Access, user)?,
            refresh_token: refresh.token,
            refresh_expires_at: refresh.expires_at,
        })
    }
}

/// A new refresh token: opaque random text for the client, its hash for the store. Unlike
/// access tokens it is checked only against the store, which is what makes it revocable.
#[derive(Debug)]
struct NewRefresh {
    token: String,
    hash: RefreshTokenHash,
    expires_at: DateTime<Utc>,
}

impl NewRefresh {
    /// A fresh token valid from `now` for [`REFRESH_TTL`].
    fn generate(now: DateTime<Utc>) -> Result<Self> {
        let mut bytes = [0u8; REFRESH_TOKEN_BYTES];
        getrandom::fill(&mut bytes).map_err(|e| Error::internal("getrandom", e))?;
        let token = URL_SAFE_NO_PAD.encode(bytes);
        Ok(Self {
            hash: RefreshTokenHash::of(&token),
            token,
            expires_at: now + REFRESH_TTL,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_tokens_are_random_url_safe_and_hashed() {
        let now = Utc::now();
        let (a, b) = (
            NewRefresh::generate(now).unwrap(),
            NewRefresh::generate(now).unwrap(),
        );
        assert_ne!(a.token, b.token);
        assert_eq!(a.token.len(), 43);
        assert!(
            a.token
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
        assert_eq!(a.hash, RefreshTokenHash::of(&a.token));
        assert_eq!(a.expires_at, now + REFRESH_TTL);
    }
}
