//! [`SignInRefusal`]: why a sign-in, a refresh or a realtime stream was refused.

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
    /// The token's sign-in is over (logged out, revoked on refresh-token reuse, or
    /// expired): it gets no realtime token and opens no stream. Sign in again.
    #[error("the sign-in this token belongs to has ended; sign in again")]
    SignInEnded,
    /// A realtime token opens one stream; this one already did. Get a fresh one.
    #[error("this realtime token was already used; get a fresh one")]
    RealtimeTokenUsed,
    /// A registration's confirmation link this server did not sign, that was cut or
    /// changed, or whose day is over: like any refused credential, it is `401`.
    #[error("the confirmation link is invalid or has expired; sign up again for a new one")]
    InvalidRegistrationToken,
}

impl SignInRefusal {
    /// The stable machine-readable code.
    pub fn code(self) -> &'static str {
        match self {
            SignInRefusal::InvalidCredentials => "invalid_credentials",
            SignInRefusal::InvalidRefreshToken => "invalid_refresh_token",
            SignInRefusal::RefreshTokenReused => "refresh_token_reused",
            SignInRefusal::SignInEnded => "sign_in_ended",
            SignInRefusal::RealtimeTokenUsed => "realtime_token_used",
            SignInRefusal::InvalidRegistrationToken => "invalid_registration_token",
        }
    }
}
