//! Answers for requests no route takes.

use crate::ApiError;

/// No route serves the path: `404 not_found`.
pub(super) async fn no_route() -> ApiError {
    ApiError::no_route()
}

/// The path exists but not with this method: `405 method_not_allowed` (axum adds `Allow`).
pub(super) async fn method_not_allowed() -> ApiError {
    ApiError::method_not_allowed()
}
