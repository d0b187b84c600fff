//! Extractors whose rejections are [`ApiError`]s, so a bad request gets a problem+json
//! body like every other error.

use std::str::FromStr;

use axum::Json;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use livedrop_core::domain::ValidationError;
use livedrop_core::pagination::{Cursor, Limit, PageRequest};
use livedrop_core::wire::Problem;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::ApiError;

/// The single `{id}` segment of a route, parsed into a typed id
/// ([`DropId`](livedrop_core::ids::DropId), ...). Anything that is not a UUID is
/// `400 invalid_id`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PathId<T>(pub T);

impl<S, T> FromRequestParts<S> for PathId<T>
where
    S: Send + Sync,
    T: FromStr<Err = ValidationError> + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|rejection| {
                if rejection.status().is_server_error() {
                    // The route has no single parameter: a wiring bug, not the caller's fault.
                    tracing::error!(%rejection, "PathId used on a route without exactly one parameter");
                    ApiError::Problem(Problem::new(500, "internal", "Internal error"))
                } else {
                    // Percent-encoding that does not decode to UTF-8: not an id either.
                    ApiError::Problem(
                        Problem::new(400, "invalid_id", "Invalid request").with_detail(rejection.body_text()),
                    )
                }
            })?;
        raw.parse().map(PathId).map_err(ApiError::from)
    }
}

/// The `cursor` and `limit` query parameters of a list, as a [`PageRequest`]. A cursor
/// this server did not issue is `400 invalid_cursor`; a limit outside `1..=100` or not a
/// number is `400 invalid_limit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageQuery(pub PageRequest);

/// The raw parameters: text, so each bad value gets its own code rather than serde's.
#[derive(Debug, Deserialize)]
struct RawPage {
    cursor: Option<String>,
    limit: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for PageQuery {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Query(raw) = Query::<RawPage>::from_request_parts(parts, state)
            .await
            .map_err(|rejection| bad_query(&rejection.body_text()))?;
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

/// `400 invalid_query` for a query string that does not parse at all.
pub(crate) fn bad_query(why: &str) -> ApiError {
    ApiError::Problem(Problem::new(400, "invalid_query", "Invalid request").with_detail(why))
}

/// A JSON request body decoded as `T`; a body that is not `T` is a problem+json
/// `invalid_body` with axum's status (`400` malformed JSON, `422` wrong shape, `415`
/// without `Content-Type: application/json`, `413` too large) and what was wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let Json(body) = Json::<T>::from_request(request, state)
            .await
            .map_err(|rejection| {
                ApiError::Problem(
                    Problem::new(
                        rejection.status().as_u16(),
                        "invalid_body",
                        "Invalid request",
                    )
                    .with_detail(rejection.body_text()),
                )
            })?;
        Ok(Self(body))
    }
}
