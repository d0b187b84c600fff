//! [`JsonBody`]: a JSON request body whose every rejection is a problem.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use livedrop_core::wire::Problem;
use serde::de::DeserializeOwned;

use crate::ApiError;

/// The largest JSON body the API reads (every request body it takes is a few hundred
/// bytes; this leaves room without letting a client make it buffer megabytes).
pub const JSON_BODY_LIMIT: usize = 64 * 1024;

/// A JSON body deserialized into `T`, whose validated field types make a body that
/// deserializes a valid request. Rejections, each with its own code:
/// - no `Content-Type: application/json`: `415 unsupported_media_type`;
/// - larger than the route's limit ([`JSON_BODY_LIMIT`]): `413 payload_too_large`;
/// - not JSON: `400 invalid_json`;
/// - JSON of the wrong shape (a missing field, a wrong type, an unknown field, a value
///   its type refuses): `400 invalid_body`, the detail naming the field.
#[derive(Clone, Copy, Debug, Default)]
pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(rejected(&rejection)),
        }
    }
}

fn rejected(rejection: &JsonRejection) -> ApiError {
    let detail = rejection.body_text();
    let problem = match rejection {
        JsonRejection::MissingJsonContentType(_) => {
            Problem::new(415, "unsupported_media_type", "Unsupported media type")
                .with_detail("the body must be JSON, sent with `Content-Type: application/json`")
        }
        JsonRejection::JsonSyntaxError(_) => {
            Problem::new(400, "invalid_json", "Invalid request").with_detail(detail)
        }
        JsonRejection::JsonDataError(_) => {
            Problem::new(400, "invalid_body", "Invalid request").with_detail(detail)
        }
        _ if rejection.status().as_u16() == 413 => {
            Problem::new(413, "payload_too_large", "Payload too large")
                .with_detail(format!("the body exceeds {JSON_BODY_LIMIT} bytes"))
        }
        // The body could not be read (the client went away mid-body, ...).
        _ => Problem::new(400, "invalid_body", "Invalid request").with_detail(detail),
    };
    ApiError::Problem(problem)
}
