//! [`SignInRefusal`]: why a sign-in or a refresh was refused.

/// Why credentials or a refresh token were refused. Like an order's refusal it is an
/// answer, not a failure: the caller signs in again. Which part of an email and password
/// pair was wrong is never said.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignInRefusal {
    /// The email and password do not match an account.
    #[error("the email or password is wrong")]
    InvalidCredentials,
    /// Unknown, expired or revoked: sign in again.
    #[error("the refresh token is invalid, expired or revoked")]
    InvalidRefreshToken,
    /// An already spent refresh token came back, so its whole family was revoked.
    #[error("this refresh token was already used; every token of its sign-in is revoked")]
    RefreshTokenReused,
}

impl SignInRefusal {
    /// The stable machine-readable code.
    pub fn code(self) -> &'static str {
        match self {
            SignInRefusal::InvalidCredentials => "invalid_credentials",
            SignInRefusal::InvalidRefreshToken => "invalid_refresh_token",
            SignInRefusal::RefreshTokenReused => "refresh_token_reused",
        }
    }
}
