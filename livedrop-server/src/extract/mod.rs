//! Extractors whose rejections are [`ApiError`](crate::ApiError)s, so a bad request gets a
//! problem+json body like every other error.
//!
//! # Layout
//! One file per extractor, each owning the error codes of what it parses:
//! - `json_body`: [`JsonBody`], a JSON request body, and [`JSON_BODY_LIMIT`], the body
//!   limit the router applies to every JSON route.
//! - `query_params`: [`QueryParams`], any query string (`400 invalid_query`, see
//!   `bad_query` below); `page_query` builds on it.
//! - `page_query`: [`PageQuery`], a list's `cursor` and `limit`, each bad value with its
//!   own code; [`PageParams`] is also what the handlers' OpenAPI entries document.
//! - `path_id`: [`PathId`], a typed id from a route's one path parameter.
//! - `idempotency_key`: [`IdempotencyKeyHeader`], the `Idempotency-Key` header orders
//!   are placed under.

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
