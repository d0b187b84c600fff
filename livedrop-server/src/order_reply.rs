//! [`OrderReply`]: how an order's [`Receipt`] is answered over HTTP, in one place.
//!
//! The body is the wire's canonical encoding of the answer
//! ([`order_response`]), so a replay under the same key is byte for byte the first answer;
//! this adds what HTTP carries beside it: the status, the content type, `Location` for a
//! confirmation and `Idempotent-Replayed` for a replay.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use livedrop_core::services::Receipt;
use livedrop_core::wire::{PROBLEM_JSON, order_response};

/// Set on the answer to a retry: the stored answer of the first request with its key.
pub const IDEMPOTENT_REPLAYED: &str = "idempotent-replayed";

/// The HTTP answer of a settled order request.
#[derive(Debug)]
pub(crate) struct OrderReply(pub Receipt);

impl IntoResponse for OrderReply {
    fn into_response(self) -> Response {
        let Self(receipt) = self;
        let answer = order_response(&receipt.outcome);
        let status =
            StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, answer.body).into_response();
        let headers = response.headers_mut();
        let content_type = match &receipt.outcome {
            Ok(order) => {
                if let Ok(location) = HeaderValue::try_from(format!("/orders/{}", order.id)) {
                    headers.insert(header::LOCATION, location);
                }
                "application/json"
            }
            Err(_) => PROBLEM_JSON,
        };
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        if receipt.replayed {
            headers.insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
        }
        response
    }
}
