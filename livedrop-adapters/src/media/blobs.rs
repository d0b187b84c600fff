//! Where a locally served backend keeps its objects: the [`BlobStore`] seam between the
//! upload/serving logic ([`LocalMedia`](super::LocalMedia)) and the bytes' home (process
//! memory, or a directory).

use std::fmt::Debug;

use async_trait::async_trait;
use livedrop_core::Result;
use livedrop_core::ports::MediaKey;

/// Whole objects by key. A put is all or nothing: a reader sees the old object (or none)
/// or the new one, never part of it.
#[async_trait]
pub trait BlobStore: Send + Sync + Debug + 'static {
    /// Stores `bytes` at `key`, replacing what was there.
    async fn put(&self, key: &MediaKey, bytes: Vec<u8>) -> Result<()>;
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
    async fn put(&self, key: &MediaKey, bytes: Vec<u8>) -> Result<()> {
        self.objects.insert(key.clone(), bytes);
        Ok(())
    }

    async fn get(&self, key: &MediaKey) -> Result<Option<Vec<u8>>> {
        Ok(self.objects.get(key).map(|o| o.clone()))
    }
}
