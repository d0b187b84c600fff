//! One table for everything the memory backend knows about a `(user, idempotency key)`.

use std::hash::{BuildHasher, Hash, Hasher};

use coarsetime::{Duration, Instant};

use livedrop_core::domain::IdempotencyKey;
use livedrop_core::ids::UserId;
use livedrop_core::ports::IdempotencyRecord;

use super::FastMap;
use super::order_place::KeyHolder;

/// The idempotency store's record under a key, with its lifetime.
#[derive(Debug)]
pub(crate) struct Slot {
    pub(crate) record: IdempotencyRecord,
    /// When the record was begun; retention counts from here, so completing it needs no
    /// second clock read.
    pub(crate) begun_at: Instant,
    pub(crate) expires_at: Instant,
}

impl Slot {
    pub(crate) fn is_live(&self, now: Instant) -> bool {
        self.expires_at > now
    }
}

/// Now, on the coarse monotonic clock (a few milliseconds' resolution, against lifetimes
/// of seconds to hours): a fifth of the cost of the precise clock, read on every order.
/// Read without updating coarsetime's shared cached value, which every core would write.
pub(crate) fn coarse_now() -> Instant {
    Instant::now_without_cache_update()
}

/// A lifetime on the coarse clock.
pub(crate) fn coarse(lifetime: std::time::Duration) -> Duration {
    Duration::from(lifetime)
}

/// What one `(user, key)` holds: the idempotency store's fast-path record (which expires)
/// and the ledger's unique-index entry (which does not).
///
/// They share an entry because an order touches both three times in a row (begin, the
/// ledger's check-and-insert, complete): in one table the last two find a hot bucket, in
/// two tables each was a cold insert. The two ports stay independent in behaviour; each
/// reads and writes only its own half.
#[derive(Debug, Default)]
pub(crate) struct KeyEntry {
    /// Boxed: a record (144 bytes, a whole order once completed) would otherwise set the
    /// size of every entry, including the ledger-only ones left when records expire, and
    /// growing the table moved all of those bytes. Boxed, an entry is 48 bytes.
    pub(crate) record: Option<Box<Slot>>,
    pub(crate) holder: Option<KeyHolder>,
}

impl KeyEntry {
    pub(crate) fn is_empty(&self) -> bool {
        self.record.is_none() && self.holder.is_none()
    }
}

/// A `(user, key)` carrying its hash, computed once when the id is made.
///
/// The table rehashes every entry each time it grows; hashing a `(user, key)` there meant
/// following each key's pointer to its text, a cache miss per entry. With the hash kept
/// in the id, growing touches only the table.
#[derive(Debug, Clone)]
pub(crate) struct KeyId {
    hash: u64,
    user: UserId,
    key: IdempotencyKey,
}

impl PartialEq for KeyId {
    fn eq(&self, other: &Self) -> bool {
        self.hash == other.hash && self.user == other.user && self.key == other.key
    }
}

impl Eq for KeyId {}

impl Hash for KeyId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

/// Entries by `(user, key)`.
#[derive(Debug, Default)]
pub(crate) struct KeyTable {
    pub(crate) map: FastMap<KeyId, KeyEntry>,
    /// Seeds the ids' hashes; random per table, so keys chosen by clients cannot be aimed
    /// at one bucket.
    seed: foldhash::fast::RandomState,
}

impl KeyTable {
    /// The id of `(user, key)` in this table.
    pub(crate) fn id(&self, user: UserId, key: &IdempotencyKey) -> KeyId {
        KeyId {
            hash: self.seed.hash_one((user, key.as_str())),
            user,
            key: key.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_stays_small_whatever_its_record_holds() {
        // The record is boxed so that the ledger-only entries, which outlive every record,
        // and the table's growth pay for a pointer, not for a whole order.
        assert!(
            size_of::<KeyEntry>() <= 48,
            "KeyEntry grew to {} bytes",
            size_of::<KeyEntry>()
        );
    }
}
