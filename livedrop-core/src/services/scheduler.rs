//! The drop scheduler: flips due drops live or ended.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::Result;
use crate::clock::Clock;
use crate::ports::{DropTransition, Ledger};

/// Applies due lifecycle transitions. Safe to run on several instances at once: the ledger
/// guarantees each transition is applied (and announced) by exactly one of them.
#[derive(Clone, Debug)]
pub struct Scheduler {
    ledger: Arc<dyn Ledger>,
    clock: Arc<dyn Clock>,
    batch: usize,
}

impl Scheduler {
    /// A scheduler that asks the ledger for `batch` drops at a time.
    pub fn new(ledger: Arc<dyn Ledger>, clock: Arc<dyn Clock>, batch: usize) -> Self {
        Self {
            ledger,
            clock,
            batch: batch.max(1),
        }
    }

    /// When the next transition falls due (`None`: no drop has one ahead).
    pub async fn next_due(&self) -> Result<Option<DateTime<Utc>>> {
        self.ledger.next_due().await
    }

    /// The scheduler's clock (its loop sleeps until a due time on it).
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// One tick: applies everything due now, batch by batch, and returns what changed.
    pub async fn tick(&self) -> Result<Vec<DropTransition>> {
        let now = self.clock.now();
        let mut applied = Vec::new();
        loop {
            let batch = self.ledger.advance_drops(now, self.batch).await?;
            let done = batch.len() < self.batch;
            applied.extend(batch);
            if done {
                return Ok(applied);
            }
        }
    }
}
