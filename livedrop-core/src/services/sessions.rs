//! Sign-ins: register (by a link mailed to the address, so the answer never says whether
//! an address has an account), log in, refresh (rotation with reuse detection, which the
//! [`Credentials`] port enforces), log out, and the short-lived, single-use realtime token,
//! issued to and admitted for a live sign-in only.

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};

use crate::clock::Clock;
use crate::domain::{Email, Password, PersonName, SignInRefusal, User};
use crate::ids::{FamilyId, UserId};
use crate::ports::{
    Catalog, Credentials, IssuedToken, Mailer, PasswordHasher, RefreshTokenHash, Rotation,
    TokenClaims, TokenIssuer, TokenKind,
};
use crate::services::app_url::AppUrl;
use crate::services::new_refresh::NewRefresh;
use crate::services::registration_mail;
use crate::{Error, Result};

/// How long past its own expiry a spent realtime token's id is kept: more than the
/// verifier's leeway on `exp` and the clock skew between nodes, so no node still accepting
/// the token's signature finds its id forgotten.
const SPENT_TOKEN_MARGIN: TimeDelta = TimeDelta::minutes(5);

/// The tokens of a sign-in: an access token, and the opaque refresh token that gets the
/// next pair.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedIn {
    /// Who signed in.
    pub user: UserId,
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
    mailer: Arc<dyn Mailer>,
    app: AppUrl,
    clock: Arc<dyn Clock>,
}

impl SessionService {
    /// A service over these ports, mailing links into the web app at `app`.
    pub fn new(
        catalog: Arc<dyn Catalog>,
        credentials: Arc<dyn Credentials>,
        passwords: Arc<dyn PasswordHasher>,
        tokens: Arc<dyn TokenIssuer>,
        mailer: Arc<dyn Mailer>,
        app: AppUrl,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            catalog,
            credentials,
            passwords,
            tokens,
            mailer,
            app,
            clock,
        }
    }

    /// Starts the registration of `email` as `name` by mail, answering the same for every
    /// address: a new one gets the link that completes it (a token only this server signs,
    /// naming the email and the name: nothing is stored until it is used), one with an
    /// account gets word of that instead. Both cost one lookup and one message, so neither
    /// the answer nor its timing tells a stranger which addresses have accounts.
    /// `Unavailable` when the mail cannot be handed over.
    pub async fn start_registration(&self, email: Email, name: PersonName) -> Result<()> {
        let mail = match self.catalog.user_by_email(&email).await {
            Ok(_) => registration_mail::already_registered(&self.app, &email),
            Err(Error::NotFound { .. }) => {
                let token = self.tokens.issue_registration(&email, &name)?;
                registration_mail::confirmation(&self.app, &email, &token)
            }
            Err(error) => return Err(error),
        };
        self.mailer.send(mail).await
    }

    /// Completes a registration whose link (the server checked its token) named `email`
    /// and `name`: creates the user with `password` and signs them in. `AlreadyExists`
    /// when the email has an account by now (the link was used before: only the
    /// mailbox's owner sees this); a password easily guessed is `Validation(WeakPassword)`
    /// (see [`Password::check_strength`]). The user and the password are stored together
    /// or not at all; should signing in fail after that, the account stays and a retry of
    /// the link finds it (`AlreadyExists`): the user logs in instead.
    pub async fn complete_registration(
        &self,
        email: Email,
        name: PersonName,
        password: Password,
    ) -> Result<(User, SignedIn)> {
        password.check_strength(&[email.as_str(), name.as_str(), "livedrop"])?;
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
            Rotation::Rotated { user_id, family_id } => self.pair(user_id, family_id, next),
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

    /// A short-lived token that opens `user`'s realtime event stream once, for the caller
    /// of an access token of the sign-in `family`. Refused with
    /// [`SignInRefusal::SignInEnded`] when that sign-in is over (logged out, revoked after
    /// refresh-token reuse, or expired): an access token outlives its sign-in by up to its
    /// lifetime, a realtime token must not.
    pub async fn realtime_token(&self, user: UserId, family: FamilyId) -> Result<IssuedToken> {
        self.require_live(family).await?;
        self.tokens.issue(TokenKind::Realtime, user, family)
    }

    /// Lets a verified realtime token open a stream, once: its sign-in must still be live
    /// ([`SignInRefusal::SignInEnded`] otherwise, so a logout stops new streams even with
    /// a token issued before it), and its id is spent in the shared store, so a second
    /// use, on this node or any other, is [`SignInRefusal::RealtimeTokenUsed`]. The
    /// stream's user on success.
    pub async fn admit_stream(&self, token: &TokenClaims) -> Result<UserId> {
        self.require_live(token.family).await?;
        let keep_until = token.expires_at + SPENT_TOKEN_MARGIN;
        let now = self.clock.now();
        if self
            .credentials
            .spend_once(token.id, keep_until, now)
            .await?
        {
            Ok(token.user)
        } else {
            tracing::debug!(user_id = %token.user, token_id = %token.id, "realtime token reused");
            Err(SignInRefusal::RealtimeTokenUsed.into())
        }
    }

    /// `Ok` while the sign-in `family` is live.
    async fn require_live(&self, family: FamilyId) -> Result<()> {
        if self
            .credentials
            .family_live(family, self.clock.now())
            .await?
        {
            Ok(())
        } else {
            Err(SignInRefusal::SignInEnded.into())
        }
    }

    /// A new family for `user`, and its first pair.
    async fn sign_in(&self, user: UserId) -> Result<SignedIn> {
        let now = self.clock.now();
        let refresh = NewRefresh::generate(now)?;
        let family = self
            .credentials
            .issue_refresh(user, &refresh.hash, refresh.expires_at, now)
            .await?;
        self.pair(user, family, refresh)
    }

    /// An access token for `user`'s sign-in `family` next to `refresh`, already stored.
    fn pair(&self, user: UserId, family: FamilyId, refresh: NewRefresh) -> Result<SignedIn> {
        Ok(SignedIn {
            user,
            access: self.tokens.issue(TokenKind::Access, user, family)?,
            refresh_token: refresh.token,
            refresh_expires_at: refresh.expires_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use mockall::predicate::eq;

    use super::*;
    use crate::clock::ManualClock;
    use crate::ids::FamilyId;
    use crate::ports::{Mail, MockCatalog, MockCredentials, PasswordHash, TokenId};

    /// Never called by the realtime use cases.
    #[derive(Debug)]
    struct NoPasswords;

    #[async_trait::async_trait]
    impl PasswordHasher for NoPasswords {
        async fn hash(&self, _: Password) -> Result<PasswordHash> {
            unreachable!("no password is hashed here")
        }
        async fn verify(&self, _: Option<PasswordHash>, _: Password) -> Result<bool> {
            unreachable!("no password is checked here")
        }
    }

    /// Records what it was asked to sign.
    #[derive(Debug, Default)]
    struct RecordingIssuer(Mutex<Vec<(TokenKind, UserId, FamilyId)>>);

    impl TokenIssuer for RecordingIssuer {
        fn issue(&self, kind: TokenKind, user: UserId, family: FamilyId) -> Result<IssuedToken> {
            self.0.lock().unwrap().push((kind, user, family));
            Ok(IssuedToken {
                token: "signed".to_owned(),
                expires_at: Utc::now() + TimeDelta::seconds(60),
            })
        }

        fn issue_registration(&self, _: &Email, _: &PersonName) -> Result<IssuedToken> {
            unreachable!("no registration here")
        }
    }

    /// Never called by the sign-in use cases.
    #[derive(Debug)]
    struct NoMail;

    #[async_trait::async_trait]
    impl Mailer for NoMail {
        async fn send(&self, _: Mail) -> Result<()> {
            unreachable!("no mail is sent here")
        }
    }

    fn service(
        credentials: MockCredentials,
        at: DateTime<Utc>,
    ) -> (SessionService, Arc<RecordingIssuer>) {
        let issuer = Arc::new(RecordingIssuer::default());
        let service = SessionService::new(
            Arc::new(MockCatalog::new()),
            Arc::new(credentials),
            Arc::new(NoPasswords),
            issuer.clone(),
            Arc::new(NoMail),
            AppUrl::try_from("https://drops.example").unwrap(),
            Arc::new(ManualClock::new(at)),
        );
        (service, issuer)
    }

    fn claims(at: DateTime<Utc>) -> TokenClaims {
        TokenClaims {
            user: UserId::new(),
            family: FamilyId::new(),
            id: TokenId::new(),
            expires_at: at + TimeDelta::seconds(60),
        }
    }

    fn refusal<T: std::fmt::Debug>(result: Result<T>) -> SignInRefusal {
        match result {
            Err(Error::SignIn(refusal)) => refusal,
            other => panic!("expected a sign-in refusal, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_realtime_token_is_signed_only_for_a_live_sign_in() {
        let at = Utc::now();
        let (user, live, ended) = (UserId::new(), FamilyId::new(), FamilyId::new());
        let mut credentials = MockCredentials::new();
        credentials
            .expect_family_live()
            .with(eq(live), eq(at))
            .returning(|_, _| Ok(true));
        credentials
            .expect_family_live()
            .with(eq(ended), eq(at))
            .returning(|_, _| Ok(false));
        let (service, issuer) = service(credentials, at);

        service.realtime_token(user, live).await.unwrap();
        assert_eq!(
            refusal(service.realtime_token(user, ended).await),
            SignInRefusal::SignInEnded
        );
        assert_eq!(
            *issuer.0.lock().unwrap(),
            [(TokenKind::Realtime, user, live)],
            "nothing is signed for an ended sign-in"
        );
    }

    #[tokio::test]
    async fn a_stream_is_admitted_once_for_a_live_sign_in() {
        let at = Utc::now();
        let token = claims(at);
        let mut credentials = MockCredentials::new();
        credentials
            .expect_family_live()
            .with(eq(token.family), eq(at))
            .returning(|_, _| Ok(true));
        // Kept past the token's own expiry by the margin; true once, then false.
        let mut first = true;
        credentials
            .expect_spend_once()
            .with(
                eq(token.id),
                eq(token.expires_at + SPENT_TOKEN_MARGIN),
                eq(at),
            )
            .times(2)
            .returning(move |_, _, _| Ok(std::mem::replace(&mut first, false)));
        let (service, _) = service(credentials, at);

        assert_eq!(service.admit_stream(&token).await.unwrap(), token.user);
        assert_eq!(
            refusal(service.admit_stream(&token).await),
            SignInRefusal::RealtimeTokenUsed
        );
    }

    #[tokio::test]
    async fn an_ended_sign_in_opens_no_stream_and_spends_nothing() {
        let at = Utc::now();
        let token = claims(at);
        let mut credentials = MockCredentials::new();
        credentials.expect_family_live().returning(|_, _| Ok(false));
        credentials.expect_spend_once().never();
        let (service, _) = service(credentials, at);

        assert_eq!(
            refusal(service.admit_stream(&token).await),
            SignInRefusal::SignInEnded
        );
    }

    #[tokio::test]
    async fn a_failing_store_is_an_error_not_a_refusal() {
        let at = Utc::now();
        let mut credentials = MockCredentials::new();
        credentials
            .expect_family_live()
            .returning(|_, _| Err(Error::unavailable("postgres", "down")));
        let (service, _) = service(credentials, at);

        let error = service.admit_stream(&claims(at)).await.unwrap_err();
        assert!(matches!(error, Error::Unavailable { .. }), "{error:?}");
    }
}
