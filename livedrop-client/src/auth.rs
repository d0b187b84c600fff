//! [`AuthHandler`]: `/api/auth/*`; signing in stores the token pair in the client.

use livedrop_core::domain::User;
use livedrop_core::wire::{
    ConfirmRegistrationBody, LoginBody, RefreshBody, RegisterBody, Registered, RegistrationStarted,
    TokenPair,
};
use reqwest::Method;

use crate::call::Call;
use crate::{Client, ClientError, Result};

/// Sign-up, sign-in and the session; get one with [`Client::auth`].
///
/// Registration takes two calls, with the user's mailbox between them:
/// [`register`](Self::register) mails the address a link, and
/// [`confirm_registration`](Self::confirm_registration) completes it with the link's
/// token and the password. Confirming and login store the returned token pair in the client: later calls send its
/// access token, refresh it shortly before it expires or after a `401` (once, serialized
/// across tasks, since the server revokes a sign-in whose refresh token is spent twice),
/// and repeat the call. None of these calls is repeated on failure: a lost login answer
/// is safe to repeat by hand, but a refresh's is not.
///
/// ```no_run
/// # async fn example(client: livedrop_client::Client) -> Result<(), livedrop_client::ClientError> {
/// client.auth().register("ada@example.com", "Ada").await?;
/// // The token of the link mailed to ada@example.com (`...#/confirm?token=...`).
/// let token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9...";
/// let registered = client
///     .auth()
///     .confirm_registration(token, "correct horse battery")
///     .await?;
/// assert_eq!(client.auth().me().await?.id, registered.user.id);
/// client.auth().logout().await?;
/// assert!(!client.is_signed_in());
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, Debug)]
pub struct AuthHandler<'c> {
    client: &'c Client,
}

impl<'c> AuthHandler<'c> {
    pub(crate) fn new(client: &'c Client) -> Self {
        Self { client }
    }

    /// `POST /api/auth/register`: mails `email` the link that completes the registration
    /// (or, when it has an account already, word of that: the answer is the same).
    ///
    /// # Errors
    /// `400 invalid_email` / `invisible_characters` / `empty_text` for the name.
    pub async fn register(self, email: &str, name: &str) -> Result<RegistrationStarted> {
        let body = RegisterBody {
            email: email.to_owned(),
            name: name.to_owned(),
        };
        let url = self.client.url(&["api", "auth", "register"]);
        self.client
            .fetch(Call::new(Method::POST, url).json(&body))
            .await
    }

    /// `POST /api/auth/register/confirm`: the account the mailed link's `token` names, with
    /// `password`, signed in.
    ///
    /// # Errors
    /// `401 invalid_registration_token` for a link forged, changed or a day old,
    /// `409 already_exists` for one used before, `400 invalid_password` /
    /// `weak_password`.
    pub async fn confirm_registration(self, token: &str, password: &str) -> Result<Registered> {
        let body = ConfirmRegistrationBody {
            token: token.to_owned(),
            password: password.to_owned(),
        };
        let url = self.client.url(&["api", "auth", "register", "confirm"]);
        let registered: Registered = self
            .client
            .fetch(Call::new(Method::POST, url).json(&body))
            .await?;
        self.client.set_tokens(Some(registered.tokens.clone()));
        Ok(registered)
    }

    /// `POST /api/auth/login`.
    ///
    /// # Errors
    /// `401 invalid_credentials` for an unknown email or a wrong password.
    pub async fn login(self, email: &str, password: &str) -> Result<TokenPair> {
        let body = LoginBody {
            email: email.to_owned(),
            password: password.to_owned(),
        };
        let url = self.client.url(&["api", "auth", "login"]);
        let tokens: TokenPair = self
            .client
            .fetch(Call::new(Method::POST, url).json(&body))
            .await?;
        self.client.set_tokens(Some(tokens.clone()));
        Ok(tokens)
    }

    /// `POST /api/auth/refresh` now, whatever the access token's age; the client does this
    /// by itself when needed.
    ///
    /// # Errors
    /// [`ClientError::NotSignedIn`]; `401 invalid_refresh_token` / `refresh_token_reused`,
    /// after which the client is signed out.
    pub async fn refresh(self) -> Result<TokenPair> {
        let pair = self.client.tokens().ok_or(ClientError::NotSignedIn)?;
        self.client.refresh_after(&pair.access_token).await?;
        self.client.tokens().ok_or(ClientError::NotSignedIn)
    }

    /// `POST /api/auth/logout`: revokes this sign-in server-side and forgets it locally
    /// (even if the server could not be told).
    ///
    /// # Errors
    /// [`ClientError::NotSignedIn`], or the server's refusal.
    pub async fn logout(self) -> Result<()> {
        // Under the refresh lock, so a refresh in flight cannot bring the session back.
        let _refreshing = self.client.session().refreshing.lock().await;
        let pair = self.client.tokens().ok_or(ClientError::NotSignedIn)?;
        self.client.set_tokens(None);
        let body = RefreshBody {
            refresh_token: pair.refresh_token,
        };
        let url = self.client.url(&["api", "auth", "logout"]);
        self.client
            .send_call(Call::new(Method::POST, url).json(&body))
            .await
    }

    /// `GET /api/auth/me`: the signed-in user.
    ///
    /// # Errors
    /// [`ClientError::NotSignedIn`]; `401` if the session cannot be refreshed.
    pub async fn me(self) -> Result<User> {
        let url = self.client.url(&["api", "auth", "me"]);
        self.client
            .fetch(Call::new(Method::GET, url).authed())
            .await
    }
}
