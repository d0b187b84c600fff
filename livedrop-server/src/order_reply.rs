//! [`OrderReply`]: how an order's [`Receipt`] is answered over HTTP, in one place.
//!
//! The body is the wire's canonical encoding of the answer
//! ([`order_response`]), so a replay under the same key is byte for byte the first answer;
//! this adds what HTTP carries beside it: the status, the content type, `Location` for a
//! confirmation and `Idempotent-Replayed` for a replay.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::{BufMut, BytesMut};
use livedrop_core::ids::OrderId;
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
                headers.insert(header::LOCATION, location(order.id));
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

/// `/orders/{id}`, built without `fmt` (about 600 instructions an order with `format!`).
fn location(id: OrderId) -> HeaderValue {
    let mut path = BytesMut::with_capacity(8 + 36);
    path.put_slice(b"/orders/");
    path.put_slice(
        id.as_uuid()
            .hyphenated()
            .encode_lower(&mut uuid::Uuid::encode_buffer())
            .as_bytes(),
    );
    // A path and a lower-case hex UUID: visible ASCII, always a valid header value.
    HeaderValue::from_maybe_shared(path.freeze())
        .unwrap_or_else(|_| HeaderValue::from_static("/orders"))
}
