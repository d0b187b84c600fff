//! [`QueryParams`]: a route's query string, whose rejection is a problem.

use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::bad_query;
use crate::ApiError;

/// The query string deserialized into `T`; one that does not fit (a missing parameter,
/// a repeated one, ...) is `400 invalid_query`. Parameters whose values have their own
/// codes (ids, statuses) are best kept as text in `T` and parsed by the handler.
#[derive(Clone, Copy, Debug, Default)]
pub struct QueryParams<T>(pub T);

impl<S, T> FromRequestParts<S> for QueryParams<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(params)| Self(params))
            .map_err(|rejection| bad_query(&rejection.body_text()))
    }
}
