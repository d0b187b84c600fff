//! Extractors whose rejections are [`ApiError`](crate::ApiError)s, so a bad request gets a
//! problem+json body like every other error.

mod idempotency_key;
mod json_body;
mod page_query;
mod path_id;
mod query_params;

pub use idempotency_key::IdempotencyKeyHeader;
pub use json_body::{JSON_BODY_LIMIT, JsonBody};
pub use page_query::{PageParams, PageQuery};
pub use path_id::PathId;
pub use query_params::QueryParams;

use livedrop_core::wire::Problem;

use crate::ApiError;

/// `400 invalid_query` for a query string that does not parse at all.
pub(crate) fn bad_query(why: &str) -> ApiError {
    ApiError::Problem(Problem::new(400, "invalid_query", "Invalid request").with_detail(why))
}
