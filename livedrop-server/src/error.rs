//! [`ApiError`]: what handlers return when they do not succeed, rendered as
//! `application/problem+json` (RFC 9457) with a stable `code`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use livedrop_core::Error;
use livedrop_core::domain::ValidationError;
use livedrop_core::wire::{PROBLEM_JSON, Problem};

/// Seconds a client is told to wait after a `503 unavailable` (a backend outage): the
/// Postgres and Redis circuit breakers probe once a second.
const UNAVAILABLE_RETRY_AFTER: u64 = 1;

/// The one error type of every handler and extractor.
///
/// Core errors map to their status with [`livedrop_core::wire::status_of`] and to a body
/// with [`Problem::from_error`]; a 5xx body carries no internal detail, and its cause is
/// logged instead.
#[derive(Debug)]
pub enum ApiError {
    /// A core or port error.
    Core(Error),
    /// A problem decided by the HTTP layer itself (unknown route, wrong method, ...).
    Problem(Problem),
    /// A refusal to try again later: the problem, answered with `Retry-After` seconds.
    RetryLater(Problem, u64),
}

impl ApiError {
    /// `404 not_found` for a path no route serves.
    pub fn no_route() -> Self {
        Self::Problem(
            Problem::new(404, "not_found", "Not found").with_detail("no route serves this path"),
        )
    }

    /// `405 method_not_allowed` for a route that exists but not with this method.
    pub fn method_not_allowed() -> Self {
        Self::Problem(
            Problem::new(405, "method_not_allowed", "Method not allowed")
                .with_detail("this route does not support the request's method"),
        )
    }

    /// `401 unauthorized`: no usable credentials. The response also carries
    /// `WWW-Authenticate: Bearer`.
    pub fn unauthorized(detail: &str) -> Self {
        Self::Problem(Problem::new(401, "unauthorized", "Unauthorized").with_detail(detail))
    }

    /// A refused token's answer: `401 sign_in_ended` when its sign-in was revoked (the
    /// client must sign in again, and can tell), else `401 unauthorized` with `detail`.
    /// Why exactly is logged, not told.
    pub fn refused_token(refused: &crate::auth::tokens::TokenRefused, detail: &str) -> Self {
        tracing::debug!(%refused, "token refused");
        match refused {
            crate::auth::tokens::TokenRefused::Revoked => {
                Self::Core(livedrop_core::domain::SignInRefusal::SignInEnded.into())
            }
            _ => Self::unauthorized(detail),
        }
    }

    /// The problem this error renders as.
    pub fn problem(&self) -> Problem {
        match self {
            Self::Core(error) => Problem::from_error(error),
            Self::Problem(problem) | Self::RetryLater(problem, _) => problem.clone(),
        }
    }
}

impl From<Error> for ApiError {
    fn from(error: Error) -> Self {
        Self::Core(error)
    }
}

impl From<ValidationError> for ApiError {
    fn from(error: ValidationError) -> Self {
        Self::Core(error.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = self.problem();
        // A refusal to retry later is load shedding, not a failure: no error in the log.
        // Nor is a refusal by an open circuit breaker: its outage was logged once, when the
        // circuit opened, and one line per refused request would flood the log.
        let circuit_open = matches!(&self, Self::Core(error) if error.is_circuit_open());
        if circuit_open {
            tracing::debug!(code = %problem.code, "refused while a backend is down");
        } else if problem.status >= 500 && !matches!(self, Self::RetryLater(..)) {
            // The body says only what kind of failure it was; the cause goes to the log.
            match &self {
                Self::Core(error) => {
                    tracing::error!(error = %chain(error), code = error.code(), "request failed")
                }
                Self::Problem(problem) | Self::RetryLater(problem, _) => {
                    tracing::error!(code = %problem.code, "request failed")
                }
            }
        }
        let mut response = problem_response(&problem);
        match self {
            Self::RetryLater(_, seconds) => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            }
            Self::Core(Error::QuotaExceeded { retry_after, .. }) => {
                let seconds = retry_after.as_secs_f64().ceil().max(1.0) as u64;
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            }
            // A backend outage: worth a retry, after a moment rather than at once.
            Self::Core(Error::Unavailable { .. }) => {
                response.headers_mut().insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(UNAVAILABLE_RETRY_AFTER),
                );
            }
            _ => {}
        }
        if problem.status == 401 {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// `error` and its sources, outermost first: `redis is unavailable: connection refused`.
fn chain(error: &Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// `problem` as a response with its status and the problem+json media type.
pub fn problem_response(problem: &Problem) -> Response {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, problem.to_bytes()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_render_without_their_cause() {
        let error = ApiError::from(Error::internal(
            "postgres",
            "password authentication failed for user x",
        ));
        let problem = error.problem();
        assert_eq!(
            (problem.status, problem.code.as_str(), problem.detail),
            (500, "internal", None)
        );
        let response = ApiError::from(Error::internal("postgres", "secret")).into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(response.headers()[header::CONTENT_TYPE], PROBLEM_JSON);
    }

    #[test]
    fn the_logged_chain_keeps_the_cause() {
        let error = Error::unavailable("redis", "connection refused");
        assert_eq!(chain(&error), "redis is unavailable: connection refused");
    }

    #[test]
    fn outages_and_spent_quotas_say_when_to_come_back() {
        let retry_after = |error: Error| {
            let response = ApiError::from(error).into_response();
            let seconds = response.headers()[header::RETRY_AFTER]
                .to_str()
                .unwrap()
                .to_owned();
            (response.status().as_u16(), seconds)
        };
        assert_eq!(
            retry_after(Error::circuit_open("postgres")),
            (503, "1".to_owned())
        );
        assert_eq!(
            retry_after(Error::QuotaExceeded {
                what: "image upload URLs",
                retry_after: std::time::Duration::from_millis(179_200),
            }),
            (429, "180".to_owned())
        );
    }

    #[test]
    fn validation_errors_are_400_with_their_code() {
        let problem = ApiError::from(ValidationError::InvalidId { kind: "drop id" }).problem();
        assert_eq!((problem.status, problem.code.as_str()), (400, "invalid_id"));
    }
}
