//! [`PathId`]: a typed id from the route's one path parameter.

use std::str::FromStr;

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use livedrop_core::domain::ValidationError;
use livedrop_core::wire::Problem;

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
