//! [`Shards`]: a map split over many locks, so streams opening and closing on every core
//! and the hub's fan-out rarely wait for each other.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// Shards per map: a power of two (a mask picks the shard), as Centrifugo's hub has.
const SHARDS: usize = 64;

/// A `HashMap<K, V>` in [`SHARDS`] pieces, each behind its own lock; the caller says which
/// number picks a key's shard.
#[derive(Debug)]
pub struct Shards<K, V> {
    shards: Box<[Mutex<HashMap<K, V, foldhash::fast::RandomState>>]>,
}

impl<K: Eq + Hash, V> Shards<K, V> {
    /// Empty shards.
    pub fn new() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
        }
    }

    /// The shard `key_number` falls in, locked.
    pub fn lock(
        &self,
        key_number: u64,
    ) -> MutexGuard<'_, HashMap<K, V, foldhash::fast::RandomState>> {
        // SHARDS is a power of two, so the mask is a modulo; the cast keeps the low bits.
        let at = (key_number as usize) & (SHARDS - 1);
        self.shards[at]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Every shard in turn, each locked only while `visit` runs on it.
    pub fn for_each_shard(
        &self,
        mut visit: impl FnMut(&mut HashMap<K, V, foldhash::fast::RandomState>),
    ) {
        for shard in self.shards.iter() {
            visit(&mut shard.lock().unwrap_or_else(PoisonError::into_inner));
        }
    }
}

impl<K: Eq + Hash, V> Default for Shards<K, V> {
    fn default() -> Self {
        Self::new()
    }
}
