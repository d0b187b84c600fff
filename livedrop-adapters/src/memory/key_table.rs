//! One table for everything the memory backend knows about a `(user, idempotency key)`.

use std::time::Instant;

use livedrop_core::domain::IdempotencyKey;
use livedrop_core::ids::UserId;
use livedrop_core::ports::IdempotencyRecord;

use super::FastMap;
use super::order_index::KeyHolder;

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

/// What one `(user, key)` holds: the idempotency store's fast-path record (which expires)
/// and the ledger's unique-index entry (which does not).
///
/// They share an entry because an order touches both three times in a row (begin, the
/// ledger's check-and-insert, complete): in one table the last two find a hot bucket, in
/// two tables each was a cold insert. The two ports stay independent in behaviour; each
/// reads and writes only its own half.
#[derive(Debug, Default)]
pub(crate) struct KeyEntry {
    pub(crate) record: Option<Slot>,
    pub(crate) holder: Option<KeyHolder>,
}

impl KeyEntry {
    pub(crate) fn is_empty(&self) -> bool {
        self.record.is_none() && self.holder.is_none()
    }
}

/// Entries by `(user, key)`.
pub(crate) type KeyTable = FastMap<(UserId, IdempotencyKey), KeyEntry>;
