//! [`ClientError`]: everything a request can fail with.

use livedrop_core::wire::Problem;
use reqwest::StatusCode;

/// Shorthand for the client's results.
pub type Result<T, E = ClientError> = std::result::Result<T, E>;

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The server answered with an error: its problem+json body, decoded. Branch on
    /// `problem.code` (stable), not on `detail` (prose).
    #[error("{status}: {}: {}", problem.code, problem.detail.as_deref().unwrap_or(&problem.title))]
    Api {
        /// The HTTP status.
        status: StatusCode,
        /// The RFC 9457 problem the server sent.
        problem: Box<Problem>,
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
}

impl ClientError {
    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Api { status, .. } | Self::Decode { status, .. } => Some(*status),
            Self::Transport(error) => error.status(),
            Self::InvalidUrl { .. } => None,
        }
    }

    /// The problem's stable `code`, for an API error.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Api { problem, .. } => Some(&problem.code),
            _ => None,
        }
    }

    /// The error for a non-2xx answer: its problem, or a decode error if it has none.
    pub(crate) fn from_answer(status: StatusCode, body: &[u8]) -> Self {
        match serde_json::from_slice::<Problem>(body) {
            Ok(problem) => Self::Api {
                status,
                problem: Box::new(problem),
            },
            Err(source) => Self::Decode { status, source },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_body_becomes_an_api_error() {
        let body = Problem::new(404, "not_found", "Not found")
            .with_detail("drop x not found")
            .to_bytes();
        let error = ClientError::from_answer(StatusCode::NOT_FOUND, &body);
        assert_eq!(error.code(), Some("not_found"));
        assert_eq!(error.status(), Some(StatusCode::NOT_FOUND));
        assert_eq!(
            error.to_string(),
            "404 Not Found: not_found: drop x not found"
        );
    }

    #[test]
    fn a_body_that_is_no_problem_is_a_decode_error() {
        let error = ClientError::from_answer(StatusCode::BAD_GATEWAY, b"<html>bad gateway</html>");
        assert!(matches!(
            error,
            ClientError::Decode {
                status: StatusCode::BAD_GATEWAY,
                ..
            }
        ));
        assert_eq!(error.code(), None);
    }
}
