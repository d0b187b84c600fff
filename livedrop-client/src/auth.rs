//! [`AuthHandler`]: `/api/auth/*`; signing in stores the token pair in the client.

use livedrop_core::domain::User;
use livedrop_core::wire::{LoginBody, RefreshBody, RegisterBody, Registered, TokenPair};
use reqwest::Method;

use crate::call::Call;
use crate::{Client, ClientError, Result};

/// Sign-up, sign-in and the session; get one with [`Client::auth`].
///
/// Register and login store the returned token pair in the client: later calls send its
/// access token, refresh it shortly before it expires or after a `401` (once, serialized
/// across tasks, since the server revokes a sign-in whose refresh token is spent twice),
/// and repeat the call. None of these calls is repeated on failure: a lost login answer
/// is safe to repeat by hand, but a refresh's is not.
///
/// ```no_run
/// # async fn example(client: livedrop_client::Client) -> Result<(), livedrop_client::ClientError> {
/// let registered = client.auth().register("ada@example.com", "Ada", "correct horse battery").await?;
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

    /// `POST /api/auth/register`: a new account, signed in.
    ///
    /// # Errors
    /// `409 already_exists` for a taken email, `400 invalid_email` / `invalid_password`.
    pub async fn register(self, email: &str, name: &str, password: &str) -> Result<Registered> {
        let body = RegisterBody {
            email: email.to_owned(),
            name: name.to_owned(),
            password: password.to_owned(),
        };
        let url = self.client.url(&["api", "auth", "register"]);
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
