//! In-memory idempotency store: a sharded map with per-record expiry.
//!
//! Deliberately not an LRU cache: evicting a live record under memory pressure would
//! silently turn a retry into a second order attempt. Records leave only when they expire;
//! the bound on memory is the retention window.

use std::{
    cell::Cell,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
};

use super::key_table::{KeyEntry, KeyTable, Slot, coarse, coarse_now};
use async_trait::async_trait;
use livedrop_core::Result;
use livedrop_core::domain::IdempotencyKey;
use livedrop_core::ids::UserId;
use livedrop_core::ports::{
    Begin, Fingerprint, IdempotencyPolicy, IdempotencyRecord, IdempotencyStore, OrderAnswer,
};

/// Begins a thread counts before publishing them (to any store: the count is a trigger,
/// not a bound).
const SWEEP_BATCH: usize = 256;

thread_local! {
    static BEGINS_ON_THIS_THREAD: Cell<usize> = const { Cell::new(0) };
}

/// Idempotency records per `(user, key)`.
#[derive(Debug)]
pub struct MemoryIdempotencyStore {
    /// Shared with the ledger's unique index (see [`KeyEntry`]); this store touches only
    /// the `record` half.
    records: Arc<KeyTable>,
    policy: IdempotencyPolicy,
    /// Inserts since the last sweep of expired records.
    since_sweep: AtomicUsize,
}

impl MemoryIdempotencyStore {
    pub(crate) fn new(policy: IdempotencyPolicy, records: Arc<KeyTable>) -> Self {
        Self {
            records,
            policy,
            since_sweep: AtomicUsize::new(0),
        }
    }

    /// Drops expired records once inserts since the last sweep outnumber the entries: O(1)
    /// amortized per insert, and the map never holds much more than twice what the
    /// retention window requires. Inserts are counted per thread and published to the
    /// shared counter in batches: one shared counter bumped by every order was a cache line
    /// both cores fought over.
    fn maybe_sweep(&self) {
        let batch_full = BEGINS_ON_THIS_THREAD.with(|count| {
            let n = count.get() + 1;
            count.set(n % SWEEP_BATCH);
            n == SWEEP_BATCH
        });
        if !batch_full {
            return;
        }
        let inserts = self.since_sweep.fetch_add(SWEEP_BATCH, Ordering::Relaxed) + SWEEP_BATCH;
        if inserts < self.records.map.len() {
            return;
        }
        self.since_sweep.store(0, Ordering::Relaxed);
        let now = coarse_now();
        self.records.map.retain(|_, entry| {
            if entry.record.as_ref().is_some_and(|slot| !slot.is_live(now)) {
                entry.record = None;
            }
            !entry.is_empty()
        });
    }
}

#[async_trait]
impl IdempotencyStore for MemoryIdempotencyStore {
    async fn begin(
        &self,
        user: UserId,
        key: &IdempotencyKey,
        fingerprint: &Fingerprint,
    ) -> Result<Begin> {
        let now = coarse_now();
        let fresh = Slot {
            record: IdempotencyRecord::InFlight {
                fingerprint: *fingerprint,
            },
            begun_at: now,
            expires_at: now + coarse(self.policy.lock_ttl),
        };
        let outcome = match self.records.map.entry(self.records.id(user, key)) {
            dashmap::Entry::Occupied(mut taken) => match &taken.get().record {
                Some(slot) if slot.is_live(now) => Begin::Existing(slot.record.clone()),
                _ => {
                    let entry = taken.get_mut();
                    match &mut entry.record {
                        Some(expired) => **expired = fresh,
                        None => entry.record = Some(Box::new(fresh)),
                    }
                    Begin::Started
                }
            },
            dashmap::Entry::Vacant(slot) => {
                slot.insert(KeyEntry {
                    record: Some(Box::new(fresh)),
                    holder: None,
                });
                Begin::Started
            }
        };
        if outcome == Begin::Started {
            self.maybe_sweep();
        }
        Ok(outcome)
    }

    async fn complete(
        &self,
        user: UserId,
        key: &IdempotencyKey,
        fingerprint: &Fingerprint,
        answer: &OrderAnswer,
    ) -> Result<()> {
        if let Some(mut entry) = self.records.map.get_mut(&self.records.id(user, key)) {
            // An in-flight record with this fingerprint is the caller's, or, if the caller
            // outlived its lock (30 s by default), a retry's. Checking the lock's age would
            // not tell those apart (the retry's lock is fresh), so it is not paid for here.
            if let Some(slot) = entry.record.as_mut().filter(|slot| {
                matches!(&slot.record, IdempotencyRecord::InFlight { fingerprint: f } if f == fingerprint)
            }) {
                slot.record = IdempotencyRecord::Completed {
                    fingerprint: *fingerprint,
                    answer: answer.clone(),
                };
                slot.expires_at = slot.begun_at + coarse(self.policy.retention);
            }
        }
        Ok(())
    }

    async fn abandon(
        &self,
        user: UserId,
        key: &IdempotencyKey,
        fingerprint: &Fingerprint,
    ) -> Result<()> {
        let k = self.records.id(user, key);
        let ours = |slot: &Slot| matches!(&slot.record, IdempotencyRecord::InFlight { fingerprint: f } if f == fingerprint);
        if let Some(mut entry) = self.records.map.get_mut(&k)
            && entry.record.as_deref().is_some_and(ours)
        {
            entry.record = None;
        }
        // The ledger may hold the key too; only an entry left empty goes.
        self.records.map.remove_if(&k, |_, entry| entry.is_empty());
        Ok(())
    }

    async fn lookup(
        &self,
        user: UserId,
        key: &IdempotencyKey,
    ) -> Result<Option<IdempotencyRecord>> {
        let now = coarse_now();
        Ok(self
            .records
            .map
            .get(&self.records.id(user, key))
            .and_then(|entry| {
                let slot = entry.record.as_ref().filter(|slot| slot.is_live(now))?;
                Some(slot.record.clone())
            }))
    }
}
