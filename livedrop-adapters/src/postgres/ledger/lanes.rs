//! Lanes: several batchers in one ledger, so a hot drop has more than one batch in flight.
//!
//! A batcher commits one batch of a drop at a time: the next gathers while the previous
//! commits, so a hot drop's orders per second were one transaction's worth of orders per
//! commit time. Each lane is a batcher with an allotment holder of its own (see
//! `super::allotment`), exactly as a second server instance is, so two lanes overlap their
//! commits without queuing on one row, and the allotments keep the drop's rules whole
//! across them as they do across instances.

use livedrop_core::Result;
use livedrop_core::ports::{OrderRequest, Placement};

use super::batcher::Batcher;
use crate::postgres::GuardedPool;

/// The batchers of one ledger.
#[derive(Clone, Debug)]
pub(crate) struct Lanes {
    batchers: Vec<Batcher>,
}

impl Lanes {
    /// `lanes` batchers (at least one) of up to `max_orders` orders a batch.
    pub(crate) fn new(pool: &GuardedPool, max_orders: usize, lanes: usize) -> Self {
        Self {
            batchers: (0..lanes.max(1))
                .map(|_| Batcher::new(pool.clone(), max_orders))
                .collect(),
        }
    }

    /// Places `request` in its buyer's lane. By buyer, so that a buyer's orders, and the
    /// retries of each, meet in one lane's batches: a retry arriving while its first
    /// attempt is queued is answered within the batch, not by a unique-key conflict
    /// between two transactions.
    pub(crate) async fn place(&self, request: &OrderRequest) -> Result<Placement> {
        let (_, low) = request.user_id.as_uuid().as_u64_pair();
        // Both UUID versions in use keep random bits at the low end.
        let lane = (low % self.batchers.len() as u64) as usize;
        self.batchers[lane].place(request).await
    }
}
