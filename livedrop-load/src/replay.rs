//! Asking again about orders that got no answer, with the same key: the server replays
//! the first answer if it had one (so an order committed before its answer was lost is
//! counted), else it takes the order now. Every mode that checks for oversell settles
//! its unanswered orders this way first.

use std::time::Duration;

use livedrop_client::{ApiErrorKind, Client};
use livedrop_core::domain::IdempotencyKey;
use livedrop_core::ids::DropId;

/// How often an unanswered order is asked again when the key is still in flight on the
/// server (or the buyer is rate limited).
const REPLAY_ATTEMPTS: usize = 5;

/// Asks again about each `(buyer, key)` of `unanswered` (one unit of `drop` each, buyer
/// an index into `buyers`). Returns `(confirmed, still unknown)`; refusals need no
/// count, they took no stock.
pub async fn replay_unanswered(
    buyers: &[Client],
    drop: DropId,
    unanswered: Vec<(usize, IdempotencyKey)>,
) -> (u64, u64) {
    let (mut confirmed, mut unknown) = (0, 0);
    for (buyer, key) in unanswered {
        let Some(client) = buyers.get(buyer) else {
            unknown += 1;
            continue;
        };
        let mut attempts = 0;
        loop {
            match client.orders().place_with_key(drop, 1, key.clone()).await {
                Ok(_) => confirmed += 1,
                Err(error) => match error.kind() {
                    Some(
                        ApiErrorKind::IdempotencyKeyInFlight | ApiErrorKind::RateLimited { .. },
                    ) if attempts < REPLAY_ATTEMPTS => {
                        attempts += 1;
                        let wait = error.retry_after().unwrap_or(Duration::from_millis(200));
                        tokio::time::sleep(wait).await;
                        continue;
                    }
                    Some(_) if error.status().is_some_and(|s| s.is_client_error()) => {}
                    _ => unknown += 1,
                },
            }
            break;
        }
    }
    (confirmed, unknown)
}
