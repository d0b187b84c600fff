//! [`PageQuery`]: a list's `cursor` and `limit`.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use livedrop_core::domain::ValidationError;
use livedrop_core::pagination::{Cursor, Limit, PageRequest};
use serde::Deserialize;

use super::QueryParams;
use crate::ApiError;

/// The `cursor` and `limit` query parameters of a list, as a [`PageRequest`]. A cursor
/// this server did not issue is `400 invalid_cursor`; a limit outside `1..=100` or not a
/// number is `400 invalid_limit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageQuery(pub PageRequest);

/// The raw parameters: text, so each bad value gets its own code rather than serde's. Also
/// what handlers' OpenAPI `params(PageParams)` documents, so the two stay the same fields.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// The `nextCursor` of the previous page; absent for the first. Opaque: 34 characters
    /// of URL-safe base64 (a version byte, a sort key and an id).
    #[param(pattern = r"^A[Q-Za-f][A-Za-z0-9_-]{31}[AQgw]$")]
    cursor: Option<String>,
    /// Items per page (default 20).
    #[param(value_type = Option<u16>, minimum = 1, maximum = 100)]
    limit: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for PageQuery {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let QueryParams(raw) = QueryParams::<PageParams>::from_request_parts(parts, state).await?;
        let limit = match raw.limit {
            None => Limit::default(),
            Some(text) => {
                let n = text
                    .parse::<i64>()
                    .map_err(|_| ValidationError::InvalidLimit { max: Limit::MAX })?;
                Limit::try_from(n)?
            }
        };
        let cursor = raw.cursor.map(|text| text.parse::<Cursor>()).transpose()?;
        Ok(Self(PageRequest { cursor, limit }))
    }
}
