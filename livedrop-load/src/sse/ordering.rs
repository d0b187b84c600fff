//! Orders placed to cause events: one unit each, with an `Idempotency-Key`, so the
//! client's repeats (on `429`, `5xx`, a lost answer) never buy twice.

use std::sync::Arc;

use futures_util::{StreamExt, stream};
use livedrop_core::domain::IdempotencyKey;
use livedrop_core::ids::DropId;

use super::users::User;

/// Orders under way at once.
const CONCURRENCY: usize = 64;

/// What became of one user's orders: their ids (which are their `order.confirmed`
/// events' ids), and the refusals.
#[derive(Clone, Debug, Default)]
pub struct Placed {
    /// Confirmed orders' ids.
    pub ids: Vec<String>,
    /// Refusals or failures, as said.
    pub failed: Vec<String>,
}

/// Each of `who` (user, server to order through) places `each` orders of `drop`, one
/// after the other per user (the per-user order limit is what stops a burst); returns
/// one [`Placed`] per entry of `who`, in order.
pub async fn place_all(who: Vec<(Arc<User>, usize)>, drop: DropId, each: usize) -> Vec<Placed> {
    stream::iter(who)
        .map(|(user, url)| async move {
            let mut placed = Placed::default();
            for _ in 0..each {
                match place(&user, url, drop).await {
                    Ok(id) => placed.ids.push(id),
                    Err(why) => placed.failed.push(why),
                }
            }
            placed
        })
        .buffered(CONCURRENCY)
        .collect()
        .await
}

/// One order by `user` through server `url`; its id.
async fn place(user: &User, url: usize, drop: DropId) -> Result<String, String> {
    let key =
        IdempotencyKey::try_from(uuid::Uuid::now_v7().to_string()).map_err(|e| e.to_string())?;
    user.on(url)
        .orders()
        .place_with_key(drop, 1, key)
        .await
        .map(|order| order.id.to_string())
        .map_err(|e| e.to_string())
}
