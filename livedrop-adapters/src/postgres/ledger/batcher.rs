//! Group commit for hot drops: concurrent orders of one drop share one transaction.
//!
//! The first order of a drop with nothing in flight starts a drainer task and is applied
//! at once (no added latency when the drop is quiet). Orders arriving while a batch
//! commits queue up and go together in the next one, up to `max_orders`, taken once the
//! queue stops growing. So the collection window is the previous transaction's duration
//! (a few ms under load), and a hot drop costs one row lock and one commit per batch
//! instead of per order.
//!
//! Each batcher is one holder of allotments (see `super::allotment`): its batches sell from
//! the units it was allotted where they can, and it remembers how many it holds per drop.
//!
//! Answers come back over oneshot channels. The drainer owns the work: an order whose
//! caller went away (a dropped future, a closed connection) is still decided and written
//! whole, never half, and its retry gets the stored order.

use std::collections::HashMap;
use std::sync::Arc;

use livedrop_core::ids::DropId;
use livedrop_core::ports::{OrderRequest, Placement};
use livedrop_core::{Error, Result};
use parking_lot::Mutex;
use sqlx::Postgres;
use sqlx::pool::PoolConnection;
use tokio::sync::oneshot;
use uuid::Uuid;

use super::allotment::Allotment;
use super::unit::{place_batch, shared};
use crate::postgres::GuardedPool;

/// Most scheduler yields a drainer waits for its queue to stop growing (see
/// [`Batcher::settle`]); a bound on the added latency when orders never stop arriving.
const SETTLE_YIELDS: usize = 64;

/// An order waiting for its batch.
struct Waiting {
    request: OrderRequest,
    answer: oneshot::Sender<Result<Placement>>,
}

/// Orders queued per drop; a drop is present while its drainer runs.
#[derive(Default)]
struct Queues {
    by_drop: HashMap<DropId, Vec<Waiting>>,
    /// Units this batcher was allotted per drop, as its last batch left them (absent: none).
    allotted: HashMap<DropId, u32>,
}

/// The batching front of the ledger.
#[derive(Clone)]
pub(crate) struct Batcher {
    pool: GuardedPool,
    max_orders: usize,
    /// This batcher's name on its allotments: one per lane of a ledger (see `super::lanes`).
    holder: Uuid,
    queues: Arc<Mutex<Queues>>,
}

impl std::fmt::Debug for Batcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batcher")
            .field("max_orders", &self.max_orders)
            .field("holder", &self.holder)
            .finish_non_exhaustive()
    }
}

impl Batcher {
    pub(crate) fn new(pool: GuardedPool, max_orders: usize) -> Self {
        Self {
            pool,
            max_orders: max_orders.max(1),
            holder: Uuid::new_v4(),
            queues: Arc::default(),
        }
    }

    /// Queues `request` and waits for its batch's answer.
    pub(crate) async fn place(&self, request: &OrderRequest) -> Result<Placement> {
        let (answer, answered) = oneshot::channel();
        let drop_id = request.drop_id;
        let start_drainer = {
            let mut queues = self.queues.lock();
            let waiting = Waiting {
                request: request.clone(),
                answer,
            };
            match queues.by_drop.get_mut(&drop_id) {
                Some(queue) => {
                    queue.push(waiting);
                    false
                }
                None => {
                    queues.by_drop.insert(drop_id, vec![waiting]);
                    true
                }
            }
        };
        if start_drainer {
            let batcher = self.clone();
            tokio::spawn(async move { batcher.drain(drop_id).await });
        }
        answered.await.unwrap_or_else(|_| {
            Err(Error::internal(
                "postgres",
                "the batch of this order was lost",
            ))
        })
    }

    /// Applies the drop's queued orders batch after batch until none are left.
    async fn drain(&self, drop_id: DropId) {
        // If this task dies (a panic, a runtime shutting down), the guard removes the
        // drop's queue, so its waiting callers get an error instead of waiting forever and
        // the next order starts a fresh drainer.
        let mut guard = DrainGuard {
            queues: &self.queues,
            drop_id,
            armed: true,
        };
        let mut answered = 0;
        // Held while the drop has orders queued; back to the pool when the drainer ends.
        let mut conn = None;
        loop {
            // After a lone order (a quiet drop), the next one goes at once.
            if answered > 1 {
                self.settle(drop_id).await;
            }
            let (batch, mut allotment) = {
                let mut queues = self.queues.lock();
                let Some(queue) = queues.by_drop.get_mut(&drop_id) else {
                    guard.armed = false;
                    return;
                };
                if queue.is_empty() {
                    // Removed under the lock, so a later order starts a new drainer (whose
                    // queue the disarmed guard must then leave alone).
                    queues.by_drop.remove(&drop_id);
                    guard.armed = false;
                    return;
                }
                let take = queue.len().min(self.max_orders);
                let batch = queue.drain(..take).collect::<Vec<_>>();
                let units = queues.allotted.get(&drop_id).copied().unwrap_or(0);
                (
                    batch,
                    Allotment {
                        holder: self.holder,
                        units,
                    },
                )
            };
            let requests: Vec<OrderRequest> = batch.iter().map(|w| w.request.clone()).collect();
            answered = requests.len();
            let placed = self.place_on(&mut conn, &requests, &mut allotment).await;
            {
                let mut queues = self.queues.lock();
                if allotment.units == 0 {
                    queues.allotted.remove(&drop_id);
                } else {
                    queues.allotted.insert(drop_id, allotment.units);
                }
            }
            let answers = match placed {
                Ok(answers) => answers,
                Err(error) => requests.iter().map(|_| Err(shared(&error))).collect(),
            };
            for (waiting, answer) in batch.into_iter().zip(answers) {
                // The caller may have gone; its order is decided and stored all the same.
                let _ = waiting.answer.send(answer);
            }
        }
    }

    /// Applies one batch on the drainer's connection, taking one from the pool if it has
    /// none. The drainer keeps its connection from batch to batch: the pool tests a
    /// connection with a round trip when it hands it out and again when it takes it back,
    /// two of a batch's nine. A failed batch gives its connection back (the pool closes it
    /// if it is broken), so the next batch starts on a tested one.
    async fn place_on(
        &self,
        conn: &mut Option<PoolConnection<Postgres>>,
        requests: &[OrderRequest],
        allotment: &mut Allotment,
    ) -> Result<Vec<Result<Placement>>> {
        let held = match conn {
            Some(held) => held,
            None => conn.insert(self.pool.acquire().await?),
        };
        // A batch whose connection died under it is how a hot drop first learns the
        // database is gone: it opens the circuit, so the orders queued meanwhile are
        // refused at once instead of waiting for a connection.
        let placed = self
            .pool
            .observe(place_batch(held, requests, Some(allotment)).await);
        if placed.is_err() {
            *conn = None;
        }
        placed
    }

    /// Waits, yielding to the scheduler, while the drop's queue is still growing: after a
    /// batch answered many callers, those that order again (a client's next order, a
    /// server's next request on the same connections) are on their way back. Taking the
    /// queue at once split a busy drop's crowd into batches of ~500 and ~30 in turn, the
    /// small ones paying a whole transaction's fixed cost (a fifth of the time for a
    /// twelfth of the orders); letting the queue settle keeps the batches full. It costs
    /// one yield when nothing is arriving, and is bounded when something always is.
    async fn settle(&self, drop_id: DropId) {
        let queued = || self.queues.lock().by_drop.get(&drop_id).map_or(0, Vec::len);
        let mut before = queued();
        for _ in 0..SETTLE_YIELDS {
            tokio::task::yield_now().await;
            let now = queued();
            if now == before || now >= self.max_orders {
                return;
            }
            before = now;
        }
    }
}

/// Removes a drop's queue if its drainer dies mid-way (a panic, a runtime shutting down).
/// The queued answers' senders go with it, which wakes their callers with "lost".
struct DrainGuard<'a> {
    queues: &'a Mutex<Queues>,
    drop_id: DropId,
    /// Cleared when the drainer leaves normally, having removed the queue itself.
    armed: bool,
}

impl Drop for DrainGuard<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.queues.lock().by_drop.remove(&self.drop_id);
        }
    }
}
