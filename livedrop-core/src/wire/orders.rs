//! The order endpoint's body and its canonical response encoding.

use serde::{Deserialize, Serialize};

use crate::domain::Quantity;
use crate::ids::DropId;
use crate::ports::OrderAnswer;

use super::Problem;

/// `POST /orders` body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlaceOrderBody {
    /// The drop to buy from.
    pub drop_id: DropId,
    /// Units (1 to [`Quantity::MAX`]).
    pub qty: Quantity,
}

/// The HTTP response of an order answer: status and body bytes.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct OrderResponse {
    /// HTTP status.
    pub status: u16,
    /// Body bytes: `application/json` for `201`, `application/problem+json` otherwise.
    pub body: Vec<u8>,
}

/// The response an order answer is sent and replayed as: `201` with the order, or the
/// refusal's problem. One deterministic encoding, so a replay is byte for byte the first
/// answer.
pub fn order_response(answer: &OrderAnswer) -> OrderResponse {
    match answer {
        Ok(order) => OrderResponse {
            status: 201,
            body: order.to_json(),
        },
        Err(rejection) => {
            let problem = Problem::from_rejection(rejection);
            OrderResponse {
                status: problem.status,
                body: problem.to_bytes(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::domain::{IdempotencyKey, OrderRejection};
    use crate::ids::{OrderId, UserId};
    use crate::ports::OrderRequest;

    // Moved here from the order service's tests when the service stopped encoding HTTP
    // answers: what a receipt's outcome is sent and replayed as.

    #[test]
    fn a_confirmation_is_201() {
        let now = Utc::now();
        let order = OrderRequest {
            order_id: OrderId::at(now),
            user_id: UserId::new(),
            drop_id: DropId::new(),
            qty: Quantity::ONE,
            idempotency_key: IdempotencyKey::try_from("k-1").unwrap(),
            now,
            trace: None,
        }
        .confirmed_order();
        assert_eq!(order_response(&Ok(order)).status, 201);
    }

    #[test]
    fn a_stored_refusal_replays_byte_for_byte() {
        let stored: OrderAnswer = Err(OrderRejection::SoldOut);
        assert_eq!(
            order_response(&stored),
            order_response(&Err(OrderRejection::SoldOut)),
            "replayed byte for byte"
        );
        let limit: OrderAnswer = Err(OrderRejection::LimitReached {
            limit: 1,
            already: 1,
        });
        assert_eq!(order_response(&limit).status, 409);
    }
}
