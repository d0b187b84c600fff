//! The authentication endpoints' bodies: `POST /api/auth/{register,login,refresh,logout}`,
//! `POST /api/auth/register/confirm`
//! and `GET /api/realtime/token`.
//!
//! Request fields are plain text so the server can answer each bad one with its own code
//! (`invalid_email`, `invalid_password`, ...) rather than a generic body error.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::User;
use crate::ports::IssuedToken;
use crate::services::SignedIn;

/// The `tokenType` of every [`TokenPair`]: send the access token as
/// `Authorization: Bearer <accessToken>`.
pub const BEARER: &str = "Bearer";

/// `POST /api/auth/register` body: who to register. The password is chosen when the
/// registration is confirmed ([`ConfirmRegistrationBody`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RegisterBody {
    /// The sign-in email (unique, case-insensitive), which the confirmation link goes to.
    #[cfg_attr(feature = "openapi", schema(format = Email, max_length = 254))]
    pub email: String,
    /// The shown name: 1 to 80 characters once trimmed, no control characters.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 80,
            pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
        )
    )]
    pub name: String,
}

/// `202` answer of `POST /api/auth/register`: the same for every address, whether it has
/// an account or not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RegistrationStarted {
    /// Where the message went (the email as the account would keep it: trimmed, lower
    /// case).
    pub sent_to: String,
}

/// `POST /api/auth/register/confirm` body: the token of the mailed link, and the password.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConfirmRegistrationBody {
    /// The `token` of the confirmation link.
    pub token: String,
    /// 8 to 128 characters, taken exactly as typed, not easy to guess.
    #[cfg_attr(feature = "openapi", schema(min_length = 8, max_length = 128))]
    pub password: String,
}

/// `POST /api/auth/login` body.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LoginBody {
    /// The sign-in email.
    pub email: String,
    /// The password.
    pub password: String,
}

/// `POST /api/auth/refresh` and `POST /api/auth/logout` body.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RefreshBody {
    /// The refresh token of the last [`TokenPair`].
    pub refresh_token: String,
}

/// The tokens of a sign-in: a short-lived access token for API calls and a refresh token
/// that can be exchanged once for the next pair.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TokenPair {
    /// Always [`BEARER`].
    pub token_type: String,
    /// The JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// When the access token stops working.
    pub access_token_expires_at: DateTime<Utc>,
    /// Opaque; single use: `POST /api/auth/refresh` spends it.
    pub refresh_token: String,
    /// When the refresh token stops working if not spent.
    pub refresh_token_expires_at: DateTime<Utc>,
}

impl From<SignedIn> for TokenPair {
    fn from(signed_in: SignedIn) -> Self {
        Self {
            token_type: BEARER.to_owned(),
            access_token: signed_in.access.token,
            access_token_expires_at: signed_in.access.expires_at,
            refresh_token: signed_in.refresh_token,
            refresh_token_expires_at: signed_in.refresh_expires_at,
        }
    }
}

/// `201` answer of `POST /api/auth/register/confirm`: the new user, already signed in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Registered {
    /// The user created.
    pub user: User,
    /// Their first tokens.
    pub tokens: TokenPair,
}

/// The answer of the web app's sign-in routes (`POST /api/auth/web/{register,login,refresh}`):
/// the user and an access token for page memory. The refresh token is not here: it travels
/// only in an `HttpOnly` cookie, out of reach of page scripts (the OAuth 2.0 for
/// Browser-Based Apps practice of keeping long-lived tokens away from JavaScript).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct WebSession {
    /// The signed-in user.
    pub user: User,
    /// The JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// When the access token stops working (refresh before).
    pub access_token_expires_at: DateTime<Utc>,
}

impl WebSession {
    /// `user`'s session from a sign-in (its refresh token goes in the cookie instead).
    pub fn new(user: User, signed_in: &SignedIn) -> Self {
        Self {
            user,
            access_token: signed_in.access.token.clone(),
            access_token_expires_at: signed_in.access.expires_at,
        }
    }
}

/// `GET /api/realtime/token` answer: a short-lived token for
/// `GET /api/realtime/events?token=`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RealtimeToken {
    /// The JWT.
    pub token: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

impl From<IssuedToken> for RealtimeToken {
    fn from(issued: IssuedToken) -> Self {
        Self {
            token: issued.token,
            expires_at: issued.expires_at,
        }
    }
}

// Bodies carry secrets: their `Debug` names the fields but not the secrets.
macro_rules! redacted_debug {
    ($type:ident { $($shown:ident),* } hides [$($hidden:ident),*]) => {
        impl std::fmt::Debug for $type {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($type))
                    $(.field(stringify!($shown), &self.$shown))*
                    $(.field(stringify!($hidden), &".."))*
                    .finish()
            }
        }
    };
}

redacted_debug!(ConfirmRegistrationBody {} hides [token, password]);
redacted_debug!(LoginBody { email } hides [password]);
redacted_debug!(RefreshBody {} hides [refresh_token]);
redacted_debug!(TokenPair { token_type, access_token_expires_at, refresh_token_expires_at }
    hides [access_token, refresh_token]);
redacted_debug!(WebSession { user, access_token_expires_at } hides [access_token]);
redacted_debug!(RealtimeToken { expires_at } hides [token]);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_camel_case_and_debug_hides_secrets() {
        let body: RefreshBody = serde_json::from_str(r#"{"refreshToken":"abc"}"#).unwrap();
        assert_eq!(body.refresh_token, "abc");
        assert!(!format!("{body:?}").contains("abc"));
        let login = LoginBody {
            email: "a@example.com".into(),
            password: "hunter22hunter".into(),
        };
        assert!(!format!("{login:?}").contains("hunter"));
        assert!(
            serde_json::from_str::<LoginBody>(r#"{"email":"a","password":"b","x":1}"#).is_err()
        );
    }
}
