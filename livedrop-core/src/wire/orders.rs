//! The order endpoint's body and its canonical response encoding.

use serde::{Deserialize, Serialize};

use crate::domain::{Order, OrderRejection, Quantity};
use crate::ids::DropId;
use crate::ports::StoredResponse;

use super::Problem;

/// `POST /orders` body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlaceOrderBody {
    /// The drop to buy from.
    pub drop_id: DropId,
    /// Units (1 to [`Quantity::MAX`]).
    pub qty: Quantity,
}

/// The response an order answer is stored and replayed as: `201` with the order, or the
/// refusal's problem. One encoding, so a replay is byte for byte the first answer.
pub fn order_response(outcome: &Result<Order, OrderRejection>) -> StoredResponse {
    match outcome {
        Ok(order) => {
            // Sized for a typical order (about 300 bytes) so encoding does not regrow it.
            let mut body = Vec::with_capacity(384);
            // Serializing plain data with string keys into a Vec cannot fail.
            let _ = serde_json::to_writer(&mut body, order);
            StoredResponse { status: 201, body }
        }
        Err(rejection) => {
            let problem = Problem::from_rejection(rejection);
            StoredResponse {
                status: problem.status,
                body: problem.to_bytes(),
            }
        }
    }
}
