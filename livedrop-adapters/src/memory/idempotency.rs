//! In-memory idempotency store: a sharded map with per-record expiry.
//!
//! Deliberately not an LRU cache: evicting a live record under memory pressure would
//! silently turn a retry into a second order attempt. Records leave only when they expire;
//! the bound on memory is the retention window.

use std::{
    sync::atomic::{AtomicUsize, Ordering},
    time::Instant,
};

use super::FastMap;
use async_trait::async_trait;
use livedrop_core::Result;
use livedrop_core::domain::IdempotencyKey;
use livedrop_core::ids::UserId;
use livedrop_core::ports::{
    Begin, Fingerprint, IdempotencyPolicy, IdempotencyRecord, IdempotencyStore, OrderAnswer,
};

#[derive(Debug)]
struct Slot {
    record: IdempotencyRecord,
    /// When the record was begun; retention counts from here, so completing it needs no
    /// second clock read.
    begun_at: Instant,
    expires_at: Instant,
}

/// Idempotency records per `(user, key)`.
#[derive(Debug)]
pub struct MemoryIdempotencyStore {
    records: FastMap<(UserId, IdempotencyKey), Slot>,
    policy: IdempotencyPolicy,
    /// Inserts since the last sweep of expired records.
    since_sweep: AtomicUsize,
}

impl MemoryIdempotencyStore {
    pub(crate) fn new(policy: IdempotencyPolicy) -> Self {
        Self {
            records: FastMap::default(),
            policy,
            since_sweep: AtomicUsize::new(0),
        }
    }

    /// Drops expired records once inserts since the last sweep outnumber the live records:
    /// O(1) amortized per insert, and the map never holds more than about twice what the
    /// retention window requires. The size is only looked at every 4096 inserts, since
    /// counting walks every shard.
    fn maybe_sweep(&self) {
        let inserts = self.since_sweep.fetch_add(1, Ordering::Relaxed) + 1;
        if inserts % 4096 != 0 || inserts < self.records.len() {
            return;
        }
        self.since_sweep.store(0, Ordering::Relaxed);
        let now = Instant::now();
        self.records.retain(|_, slot| slot.expires_at > now);
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
        let now = Instant::now();
        let fresh = Slot {
            record: IdempotencyRecord::InFlight {
                fingerprint: *fingerprint,
            },
            begun_at: now,
            expires_at: now + self.policy.lock_ttl,
        };
        let outcome = match self.records.entry((user, key.clone())) {
            dashmap::Entry::Occupied(mut taken) if taken.get().expires_at <= now => {
                taken.insert(fresh);
                Begin::Started
            }
            dashmap::Entry::Occupied(taken) => Begin::Existing(taken.get().record.clone()),
            dashmap::Entry::Vacant(slot) => {
                slot.insert(fresh);
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
        if let Some(mut slot) = self.records.get_mut(&(user, key.clone())) {
            // An in-flight record with this fingerprint is the caller's, or, if the caller
            // outlived its lock (30 s by default), a retry's. Checking the lock's age would
            // not tell those apart (the retry's lock is fresh), so it is not paid for here.
            let ours = matches!(&slot.record, IdempotencyRecord::InFlight { fingerprint: f } if f == fingerprint);
            if ours {
                slot.record = IdempotencyRecord::Completed {
                    fingerprint: *fingerprint,
                    answer: answer.clone(),
                };
                slot.expires_at = slot.begun_at + self.policy.retention;
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
        self.records.remove_if(&(user, key.clone()), |_, slot| {
            matches!(&slot.record, IdempotencyRecord::InFlight { fingerprint: f } if f == fingerprint)
        });
        Ok(())
    }

    async fn lookup(
        &self,
        user: UserId,
        key: &IdempotencyKey,
    ) -> Result<Option<IdempotencyRecord>> {
        let now = Instant::now();
        Ok(self
            .records
            .get(&(user, key.clone()))
            .filter(|slot| slot.expires_at > now)
            .map(|slot| slot.record.clone()))
    }
}
