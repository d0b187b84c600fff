//! [`ClientError`]: everything a request can fail with, and [`ApiErrorKind`], the typed
//! view of the server's problem codes.

use std::time::Duration;

use livedrop_core::domain::{OrderRejection, ValidationError};
use livedrop_core::wire::Problem;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

/// Shorthand for the client's results.
pub type Result<T, E = ClientError> = std::result::Result<T, E>;

/// Why a request failed.
///
/// ```
/// use std::time::Duration;
/// use livedrop_client::{ApiErrorKind, ClientError, StatusCode};
/// use livedrop_core::wire::Problem;
///
/// let problem = Problem::new(429, "rate_limited", "Too many requests").with("retryAfter", 3);
/// let error = ClientError::api(StatusCode::TOO_MANY_REQUESTS, problem, None);
/// assert_eq!(error.kind(), Some(ApiErrorKind::RateLimited { retry_after: Duration::from_secs(3) }));
/// assert!(error.is_retryable());
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The server answered with an error: its problem+json body, decoded. Branch on
    /// [`ClientError::kind`] or `problem.code` (stable), not on `detail` (prose).
    #[error("{status}: {}: {}", problem.code, problem.detail.as_deref().unwrap_or(&problem.title))]
    Api {
        /// The HTTP status.
        status: StatusCode,
        /// The RFC 9457 problem the server sent.
        problem: Box<Problem>,
        /// The `Retry-After` header (whole seconds), when the answer had one.
        retry_after: Option<Duration>,
    },
    /// The request did not complete: connection refused, timeout, reset, ...
    #[error("transport error: {0}")]
    Transport(#[from] reqwest::Error),
    /// The server answered, but not with the body this client expects (a proxy's HTML
    /// error page, a newer server's incompatible body, ...).
    #[error("cannot decode the {status} response: {source}")]
    Decode {
        /// The HTTP status of the undecodable response.
        status: StatusCode,
        /// What did not parse.
        #[source]
        source: serde_json::Error,
    },
    /// The base URL (or a path joined to it) is not a usable `http(s)://` URL.
    #[error("invalid URL {url:?}: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An argument the server would refuse, caught before sending (a quantity out of
    /// range, an invalid idempotency key).
    #[error("invalid argument: {0}")]
    Invalid(#[from] ValidationError),
    /// The call needs a signed-in client: log in or confirm a registration first (or the
    /// session was dropped because its refresh token was refused).
    #[error("not signed in")]
    NotSignedIn,
    /// The event stream could not be resumed exactly (the gap was older than the server's
    /// window, or the id unreadable): events may have been missed, so reload the inbox
    /// (`notifications().inbox(...)`). The stream goes on from the server's position.
    #[error("the event stream was reset ({reason}): reload the inbox")]
    StreamReset {
        /// Why the server could not resume (`outside_window`, `unreadable_id`, ...).
        reason: String,
    },
}

/// What an [`ClientError::Api`] means, from its stable code (and status for codes this
/// version does not know).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApiErrorKind {
    /// `409 sold_out`: no stock left.
    SoldOut,
    /// `409 insufficient_stock`: fewer units left than asked for.
    InsufficientStock {
        /// Units left when the order was decided.
        available: u32,
    },
    /// `409 drop_not_live`: the drop is scheduled or has ended.
    DropNotLive,
    /// `409 limit_reached`: the buyer's per-user limit would be exceeded.
    LimitReached {
        /// The drop's `maxPerUser`.
        limit: u32,
        /// Units the buyer already holds.
        already: u32,
    },
    /// `429 rate_limited`: come back after `retry_after` (the header, else the body's
    /// `retryAfter`, else one second).
    RateLimited {
        /// How long to wait.
        retry_after: Duration,
    },
    /// `422 idempotency_key_reused`: the key was used for another order.
    IdempotencyKeyReused,
    /// `409 idempotency_key_in_flight`: the first request with the key is still running.
    IdempotencyKeyInFlight,
    /// `401`: no, an expired or a refused token, or wrong credentials.
    Unauthorized,
    /// `403`: the caller may not do this (not the creator's owner, a bad upload signature).
    Forbidden,
    /// `404`: unknown id, or another user's private resource (including `drop_not_found`).
    NotFound,
    /// `400`, `413`, `415`: a request the server refuses as malformed (`invalid_body`,
    /// `invalid_id`, `invalid_cursor`, a validation code such as `invalid_password`, ...).
    Validation,
    /// Another `409`: `already_exists`, `illegal_transition`, `drop_not_editable`, ...
    Conflict,
    /// `5xx`: the server could not answer now; retryable.
    Server,
    /// Any other status.
    Other,
}

impl ClientError {
    /// An API error from its parts (for tests and adapters; the client builds these from
    /// answers).
    pub fn api(status: StatusCode, problem: Problem, retry_after: Option<Duration>) -> Self {
        Self::Api {
            status,
            problem: Box::new(problem),
            retry_after,
        }
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Api { status, .. } | Self::Decode { status, .. } => Some(*status),
            Self::Transport(error) => error.status(),
            Self::InvalidUrl { .. }
            | Self::Invalid(_)
            | Self::NotSignedIn
            | Self::StreamReset { .. } => None,
        }
    }

    /// The problem's stable `code`, for an API error.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Api { problem, .. } => Some(&problem.code),
            _ => None,
        }
    }

    /// The typed meaning of an API error; `None` for the other variants.
    pub fn kind(&self) -> Option<ApiErrorKind> {
        let Self::Api {
            status,
            problem,
            retry_after,
        } = self
        else {
            return None;
        };
        // Order refusals carry their members as problem extensions, tagged by `code`.
        let rejection = serde_json::to_value(problem.as_ref())
            .ok()
            .and_then(|value| serde_json::from_value::<OrderRejection>(value).ok());
        let kind = match (problem.code.as_str(), rejection) {
            (_, Some(OrderRejection::SoldOut)) => ApiErrorKind::SoldOut,
            (_, Some(OrderRejection::InsufficientStock { available })) => {
                ApiErrorKind::InsufficientStock { available }
            }
            (_, Some(OrderRejection::DropNotLive { .. })) => ApiErrorKind::DropNotLive,
            (_, Some(OrderRejection::LimitReached { limit, already })) => {
                ApiErrorKind::LimitReached { limit, already }
            }
            (_, Some(OrderRejection::DropNotFound)) => ApiErrorKind::NotFound,
            ("rate_limited", _) => ApiErrorKind::RateLimited {
                retry_after: retry_after
                    .or_else(|| retry_after_in(problem))
                    .unwrap_or(Duration::from_secs(1)),
            },
            ("idempotency_key_reused", _) => ApiErrorKind::IdempotencyKeyReused,
            ("idempotency_key_in_flight", _) => ApiErrorKind::IdempotencyKeyInFlight,
            _ => match status.as_u16() {
                400 | 413 | 415 | 422 => ApiErrorKind::Validation,
                401 => ApiErrorKind::Unauthorized,
                403 => ApiErrorKind::Forbidden,
                404 => ApiErrorKind::NotFound,
                409 => ApiErrorKind::Conflict,
                429 => ApiErrorKind::RateLimited {
                    retry_after: retry_after.unwrap_or(Duration::from_secs(1)),
                },
                500..=599 => ApiErrorKind::Server,
                _ => ApiErrorKind::Other,
            },
        };
        Some(kind)
    }

    /// How long the server asked us to wait (`429` and some `503`s).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Api {
                problem,
                retry_after,
                ..
            } => retry_after.or_else(|| retry_after_in(problem)),
            _ => None,
        }
    }

    /// Whether repeating the same request could succeed: network failures, `5xx`, `429`
    /// and an idempotency key still in flight. Whether it is *safe* to repeat depends on
    /// the call; the client only repeats the ones that are (see the crate docs).
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Transport(error) => is_transient(error),
            Self::Api { .. } => matches!(
                self.kind(),
                Some(
                    ApiErrorKind::Server
                        | ApiErrorKind::RateLimited { .. }
                        | ApiErrorKind::IdempotencyKeyInFlight
                )
            ),
            _ => false,
        }
    }

    /// The error for a non-2xx answer: its problem, or a decode error if it has none.
    pub(crate) fn from_answer(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Self {
        match serde_json::from_slice::<Problem>(body) {
            Ok(problem) => Self::api(status, problem, retry_after_header(headers)),
            Err(source) => Self::Decode { status, source },
        }
    }
}

/// A transport failure a repeat may cure: connecting, timing out, or the connection
/// breaking while the request or response was on the wire. Not a bad URL or a redirect
/// loop, which repeat identically.
pub(crate) fn is_transient(error: &reqwest::Error) -> bool {
    !(error.is_builder() || error.is_redirect() || error.is_decode() || error.is_status())
}

/// `Retry-After` as whole seconds (the server never sends an HTTP date).
fn retry_after_header(headers: &HeaderMap) -> Option<Duration> {
    let seconds = headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(seconds))
}

/// The problem's `retryAfter` member (seconds).
fn retry_after_in(problem: &Problem) -> Option<Duration> {
    problem
        .extensions
        .get("retryAfter")
        .and_then(serde_json::Value::as_u64)
        .map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use livedrop_core::domain::DropStatus;

    fn answer(problem: &Problem) -> ClientError {
        let status = StatusCode::from_u16(problem.status).unwrap();
        ClientError::from_answer(status, &HeaderMap::new(), &problem.to_bytes())
    }

    #[test]
    fn a_problem_body_becomes_an_api_error() {
        let body = Problem::new(404, "not_found", "Not found")
            .with_detail("drop x not found")
            .to_bytes();
        let error = ClientError::from_answer(StatusCode::NOT_FOUND, &HeaderMap::new(), &body);
        assert_eq!(error.code(), Some("not_found"));
        assert_eq!(error.status(), Some(StatusCode::NOT_FOUND));
        assert_eq!(error.kind(), Some(ApiErrorKind::NotFound));
        assert_eq!(
            error.to_string(),
            "404 Not Found: not_found: drop x not found"
        );
    }

    #[test]
    fn a_body_that_is_no_problem_is_a_decode_error() {
        let error = ClientError::from_answer(
            StatusCode::BAD_GATEWAY,
            &HeaderMap::new(),
            b"<html>bad gateway</html>",
        );
        assert!(matches!(
            error,
            ClientError::Decode {
                status: StatusCode::BAD_GATEWAY,
                ..
            }
        ));
        assert_eq!(error.code(), None);
        assert_eq!(error.kind(), None);
    }

    #[test]
    fn order_refusals_are_typed() {
        let cases = [
            (OrderRejection::SoldOut, ApiErrorKind::SoldOut),
            (
                OrderRejection::InsufficientStock { available: 2 },
                ApiErrorKind::InsufficientStock { available: 2 },
            ),
            (
                OrderRejection::DropNotLive {
                    drop_status: DropStatus::Ended,
                },
                ApiErrorKind::DropNotLive,
            ),
            (
                OrderRejection::LimitReached {
                    limit: 2,
                    already: 1,
                },
                ApiErrorKind::LimitReached {
                    limit: 2,
                    already: 1,
                },
            ),
            (OrderRejection::DropNotFound, ApiErrorKind::NotFound),
        ];
        for (rejection, kind) in cases {
            let error = answer(&Problem::from_rejection(&rejection));
            assert_eq!(error.kind(), Some(kind), "{rejection:?}");
            assert!(!error.is_retryable());
        }
    }

    #[test]
    fn codes_and_statuses_map_to_kinds() {
        let cases = [
            (
                422,
                "idempotency_key_reused",
                ApiErrorKind::IdempotencyKeyReused,
            ),
            (
                409,
                "idempotency_key_in_flight",
                ApiErrorKind::IdempotencyKeyInFlight,
            ),
            (401, "refresh_token_reused", ApiErrorKind::Unauthorized),
            (403, "forbidden", ApiErrorKind::Forbidden),
            (400, "invalid_body", ApiErrorKind::Validation),
            (415, "unsupported_media_type", ApiErrorKind::Validation),
            (409, "already_exists", ApiErrorKind::Conflict),
            (503, "unavailable", ApiErrorKind::Server),
        ];
        for (status, code, kind) in cases {
            let error = answer(&Problem::new(status, code, "t"));
            assert_eq!(error.kind(), Some(kind), "{code}");
        }
    }

    #[test]
    fn retry_after_comes_from_the_header_first() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, "7".parse().unwrap());
        let body = Problem::new(429, "rate_limited", "t")
            .with("retryAfter", 3)
            .to_bytes();
        let error = ClientError::from_answer(StatusCode::TOO_MANY_REQUESTS, &headers, &body);
        assert_eq!(error.retry_after(), Some(Duration::from_secs(7)));
        assert_eq!(
            error.kind(),
            Some(ApiErrorKind::RateLimited {
                retry_after: Duration::from_secs(7)
            })
        );
        assert!(error.is_retryable());
    }
}
