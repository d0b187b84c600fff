//! [`JsonBody`]: a JSON request body whose every rejection is a problem.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, header};
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
        // axum's `Json` steps, with one change: the body is read by plain serde_json
        // first. axum's reader tracks the path to every value so that an error can name
        // its field, which cost about half of an order's body parse (callgrind); only a
        // body that is refused is read again by axum's, for that error.
        if !json_content_type(request.headers()) {
            return Err(unsupported_media_type());
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| rejected(&JsonRejection::from(rejection)))?;
        if let Ok(value) = serde_json::from_slice(&bytes) {
            return Ok(Self(value));
        }
        match Json::<T>::from_bytes(&bytes) {
            Ok(Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(rejected(&rejection)),
        }
    }
}

/// Whether the request says its body is JSON, by axum's own rule: `application/json` or
/// any `application/*+json`, with any parameters.
fn json_content_type(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<mime::Mime>().ok())
        .is_some_and(|mime| {
            mime.type_() == "application"
                && (mime.subtype() == "json" || mime.suffix().is_some_and(|name| name == "json"))
        })
}

fn unsupported_media_type() -> ApiError {
    ApiError::Problem(
        Problem::new(415, "unsupported_media_type", "Unsupported media type")
            .with_detail("the body must be JSON, sent with `Content-Type: application/json`"),
    )
}

fn rejected(rejection: &JsonRejection) -> ApiError {
    let detail = rejection.body_text();
    let problem = match rejection {
        JsonRejection::MissingJsonContentType(_) => return unsupported_media_type(),
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

#[cfg(test)]
mod tests {
    use axum::http::{HeaderValue, Request as HttpRequest};
    use livedrop_core::wire::PlaceOrderBody;

    use super::*;

    async fn read(content_type: Option<&str>, body: &str) -> Result<PlaceOrderBody, Problem> {
        let mut request = HttpRequest::post("/orders")
            .body(axum::body::Body::from(body.to_owned()))
            .unwrap();
        if let Some(content_type) = content_type {
            request.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_str(content_type).unwrap(),
            );
        }
        match JsonBody::<PlaceOrderBody>::from_request(request, &()).await {
            Ok(JsonBody(body)) => Ok(body),
            Err(ApiError::Problem(problem)) => Err(problem),
            Err(other) => panic!("not a problem: {other:?}"),
        }
    }

    const BODY: &str = r#"{"dropId":"0193a7c4-5e2f-7000-8000-000000000001","qty":2}"#;

    #[tokio::test]
    async fn a_json_body_is_read_under_every_json_content_type() {
        for content_type in [
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON",
            "application/problem+json",
        ] {
            let body = read(Some(content_type), BODY).await.unwrap();
            assert_eq!(body.qty.get(), 2, "{content_type}");
        }
    }

    #[tokio::test]
    async fn a_body_not_sent_as_json_is_415() {
        for content_type in [
            None,
            Some("text/plain"),
            Some("application/jsonx"),
            Some("json"),
        ] {
            let problem = read(content_type, BODY).await.unwrap_err();
            assert_eq!(
                (problem.status, problem.code.as_str()),
                (415, "unsupported_media_type")
            );
        }
    }

    #[tokio::test]
    async fn a_refused_body_still_names_what_is_wrong() {
        let problem = read(Some("application/json"), "{").await.unwrap_err();
        assert_eq!(
            (problem.status, problem.code.as_str()),
            (400, "invalid_json")
        );
        let problem = read(
            Some("application/json"),
            r#"{"dropId":"0193a7c4-5e2f-7000-8000-000000000001","qty":11}"#,
        )
        .await
        .unwrap_err();
        assert_eq!(
            (problem.status, problem.code.as_str()),
            (400, "invalid_body")
        );
        assert!(
            problem
                .detail
                .as_deref()
                .unwrap_or_default()
                .contains("qty"),
            "{problem:?}"
        );
        let problem = read(
            Some("application/json"),
            r#"{"dropId":"x","qty":1,"extra":1}"#,
        )
        .await
        .unwrap_err();
        assert!(
            problem
                .detail
                .as_deref()
                .unwrap_or_default()
                .contains("dropId"),
            "{problem:?}"
        );
    }
}
