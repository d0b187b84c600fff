//! Where a locally served backend keeps its objects: the [`BlobStore`] seam between the
//! upload/serving logic ([`LocalMedia`](super::LocalMedia)) and the bytes' home (process
//! memory, or a directory).

use std::fmt::Debug;

use async_trait::async_trait;
use livedrop_core::Result;
use livedrop_core::ports::MediaKey;

/// Whole objects by key, each written once: a key never changes content (pages and caches
/// keep an image for a year). A put is all or nothing: a reader sees no object or the
/// whole one, never part of it.
#[async_trait]
pub trait BlobStore: Send + Sync + Debug + 'static {
    /// Stores `bytes` at `key` if nothing is there yet: `false` (and nothing changed)
    /// when something is. Of concurrent puts to one key, one stores.
    async fn put_new(&self, key: &MediaKey, bytes: Vec<u8>) -> Result<bool>;
    /// The bytes at `key`, if any.
    async fn get(&self, key: &MediaKey) -> Result<Option<Vec<u8>>>;
}

/// Objects in process memory.
#[derive(Debug, Default)]
pub struct MemoryBlobs {
    objects: crate::memory::FastMap<MediaKey, Vec<u8>>,
}

#[async_trait]
impl BlobStore for MemoryBlobs {
    async fn put_new(&self, key: &MediaKey, bytes: Vec<u8>) -> Result<bool> {
        match self.objects.entry(key.clone()) {
            dashmap::Entry::Occupied(_) => Ok(false),
            dashmap::Entry::Vacant(slot) => {
                slot.insert(bytes);
                Ok(true)
            }
        }
    }

    async fn get(&self, key: &MediaKey) -> Result<Option<Vec<u8>>> {
        Ok(self.objects.get(key).map(|o| o.clone()))
    }
}
