//! `application/problem+json` (RFC 9457) bodies with a stable `code`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::Error;
use crate::domain::OrderRejection;

/// The media type of problem bodies.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem with LiveDrop's `code` extension and any typed extension members
/// (`available`, `limit`, `retryAfter`, ...).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Problem {
    /// A URI naming the problem type: `/problems/{code}`.
    #[serde(rename = "type")]
    pub type_uri: String,
    /// Short human summary (stable per code).
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// Stable machine-readable code.
    pub code: String,
    /// Human explanation of this occurrence; never internal detail on 5xx.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Extension members.
    #[serde(flatten)]
    pub extensions: Map<String, Value>,
}

impl Problem {
    /// A problem with `status`, `code` and `title`.
    pub fn new(status: u16, code: &str, title: &str) -> Self {
        Self {
            type_uri: format!("/problems/{code}"),
            title: title.to_owned(),
            status,
            code: code.to_owned(),
            detail: None,
            extensions: Map::new(),
        }
    }

    /// Sets `detail`.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Adds an extension member.
    pub fn with(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.extensions.insert(name.to_owned(), value.into());
        self
    }

    /// The problem for an order refusal; its members decode back with
    /// `serde_json::from_slice::<OrderRejection>` (the `code` tags the variant).
    pub fn from_rejection(rejection: &OrderRejection) -> Self {
        let status = status_of_rejection(rejection);
        let mut problem = Problem::new(status, rejection.code(), "Order refused")
            .with_detail(rejection.to_string());
        if let Ok(Value::Object(fields)) = serde_json::to_value(rejection) {
            for (name, value) in fields {
                if name != "code" {
                    problem.extensions.insert(name, value);
                }
            }
        }
        problem
    }

    /// The problem for any error. 5xx problems carry no internal detail.
    pub fn from_error(error: &Error) -> Self {
        if let Error::Rejected(rejection) = error {
            return Self::from_rejection(rejection);
        }
        let status = status_of(error);
        let title = match error {
            Error::Validation(_) => "Invalid request",
            Error::NotFound { .. } => "Not found",
            Error::AlreadyExists { .. } => "Already exists",
            Error::IdempotencyMismatch => "Idempotency key reused",
            Error::IdempotencyInFlight => "Request in progress",
            Error::SignIn(_) => "Unauthorized",
            Error::Forbidden(_) => "Forbidden",
            Error::QuotaExceeded { .. } => "Quota exceeded",
            Error::Unavailable { .. } => "Service unavailable",
            Error::Internal { .. } => "Internal error",
            _ => "Conflict",
        };
        let problem = Problem::new(status, error.code(), title);
        if status >= 500 {
            problem
        } else {
            problem.with_detail(error.to_string())
        }
    }

    /// The JSON bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        // Serializing a map of JSON values cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// The HTTP status of an order refusal.
pub fn status_of_rejection(rejection: &OrderRejection) -> u16 {
    match rejection {
        OrderRejection::DropNotFound => 404,
        _ => 409,
    }
}

/// The HTTP status of an error.
pub fn status_of(error: &Error) -> u16 {
    match error {
        Error::Validation(_) => 400,
        Error::NotFound { .. } => 404,
        Error::Rejected(rejection) => status_of_rejection(rejection),
        Error::SignIn(_) => 401,
        Error::Forbidden(_) => 403,
        Error::IdempotencyMismatch => 422,
        Error::QuotaExceeded { .. } => 429,
        Error::AlreadyExists { .. }
        | Error::IllegalTransition(_)
        | Error::DropNotEditable { .. }
        | Error::IdempotencyInFlight => 409,
        Error::Unavailable { .. } => 503,
        Error::Internal { .. } => 500,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{DropStatus, ValidationError};

    #[test]
    fn rejection_problem_round_trips_to_the_rejection() {
        for rejection in [
            OrderRejection::SoldOut,
            OrderRejection::InsufficientStock { available: 2 },
            OrderRejection::DropNotLive {
                drop_status: DropStatus::Ended,
            },
            OrderRejection::LimitReached {
                limit: 2,
                already: 1,
            },
            OrderRejection::DropNotFound,
        ] {
            let problem = Problem::from_rejection(&rejection);
            assert_eq!(problem.code, rejection.code());
            let bytes = problem.to_bytes();
            assert_eq!(
                serde_json::from_slice::<OrderRejection>(&bytes).unwrap(),
                rejection
            );
            assert_eq!(serde_json::from_slice::<Problem>(&bytes).unwrap(), problem);
        }
    }

    #[test]
    fn server_errors_hide_their_cause() {
        let problem = Problem::from_error(&Error::internal(
            "postgres",
            "relation \"orders\" does not exist",
        ));
        assert_eq!(
            (problem.status, problem.code.as_str(), problem.detail),
            (500, "internal", None)
        );
        let problem = Problem::from_error(&Error::unavailable("redis", "connection refused"));
        assert_eq!((problem.status, problem.detail), (503, None));
    }

    #[test]
    fn client_errors_explain_themselves() {
        let problem = Problem::from_error(&ValidationError::NegativePrice.into());
        assert_eq!(
            (problem.status, problem.code.as_str()),
            (400, "negative_price")
        );
        assert!(problem.detail.unwrap().contains("price"));
        assert_eq!(status_of(&Error::IdempotencyMismatch), 422);
        assert_eq!(status_of(&Error::IdempotencyInFlight), 409);
    }
}
