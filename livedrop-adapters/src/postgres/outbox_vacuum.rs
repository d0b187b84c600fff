//! [`OutboxVacuum`]: the relay vacuums the outbox it empties.
//!
//! The outbox is a queue: each record is deleted moments after it was inserted, and every
//! claim's index scans (the partition pick, the fetch, the delete) step over the deleted
//! rows until a vacuum removes them. Migration 0010 lowers the table's autovacuum
//! threshold to 5,000 dead rows, but autovacuum only looks at a database once per
//! `autovacuum_naptime` (a minute by default, one setting for the whole server): under a
//! hot drop at 7,300 orders/s no vacuum ran in a 12 s load, the dead rows reached 88,000,
//! and the claims' statements took 24 µs of database time per event, against 11-15 µs with
//! the relay's vacuums, their own time included (`BENCHMARKS.md`, "The outbox's dead
//! rows").
//!
//! So the relay that deletes records starts a `VACUUM` of the table itself, in the
//! background, once enough rows have gone and a while has passed since its last. Each
//! vacuum's work is the dead rows' (autovacuum would do the same work later); done often,
//! the scans stay short. `SKIP_LOCKED`: while another instance's vacuum runs, this one is
//! skipped, not queued behind it. A role that does not own the table gets a warning from
//! Postgres and vacuums nothing, which leaves things as autovacuum alone would.

use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use sqlx::PgPool;

/// Fewer deleted rows than this are left to autovacuum: at a trickle, its minute is fine.
const MIN_ROWS: u64 = 1_000;
/// At most one vacuum per this long from one relay (measured, scans and vacuums together:
/// 24 µs of database time per event with none, 21 µs with one every 0.25 s, 14 µs with one
/// a second).
const MIN_INTERVAL: Duration = Duration::from_secs(1);

/// Counts the relay's deletes and vacuums the outbox after enough of them; see the module
/// docs.
#[derive(Debug)]
pub(crate) struct OutboxVacuum {
    pool: PgPool,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Rows deleted since the last vacuum started.
    deleted: u64,
    /// When the last vacuum started.
    last: Option<Instant>,
    /// Whether a vacuum is running now.
    running: bool,
}

impl OutboxVacuum {
    pub(crate) fn new(pool: PgPool) -> Self {
        Self {
            pool,
            state: Mutex::default(),
        }
    }

    /// Counts `rows` deleted, and starts a vacuum in the background when they are due one.
    /// Returns at once: the relay never waits for a vacuum.
    pub(crate) fn deleted(self: &Arc<Self>, rows: u64) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        {
            let mut state = self.state.lock();
            state.deleted += rows;
            let too_soon = state.last.is_some_and(|last| last.elapsed() < MIN_INTERVAL);
            if state.running || too_soon || state.deleted < MIN_ROWS {
                return;
            }
            state.running = true;
            state.deleted = 0;
            state.last = Some(Instant::now());
        }
        let vacuum = Arc::clone(self);
        runtime.spawn(async move {
            // Cleared however the task ends, a runtime shutting down included.
            let _running = Running(&vacuum);
            if let Err(error) = sqlx::query("VACUUM (SKIP_LOCKED) outbox")
                .execute(&vacuum.pool)
                .await
            {
                tracing::debug!(%error, "outbox: vacuum failed; autovacuum will get to it");
            }
        });
    }
}

/// Clears [`State::running`] when dropped.
struct Running<'a>(&'a OutboxVacuum);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.state.lock().running = false;
    }
}
