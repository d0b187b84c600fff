//! Objects as files under a directory: `{root}/{key}`, written atomically.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use livedrop_core::ports::MediaKey;
use livedrop_core::{Error, Result};
use tokio::io::AsyncWriteExt;

use super::blobs::BlobStore;

/// Where uploads are written before they are linked into place: inside the root, so the
/// link stays on one file system (and so is atomic).
const INCOMING: &str = ".incoming";

/// A directory of objects. A put writes a temporary file, flushes it to disk and links it
/// at the key's path unless one is there, so a reader (or a crash) never sees half an
/// object, an object is never replaced, and a refused upload leaves nothing behind.
#[derive(Debug, Clone)]
pub struct DirBlobs {
    root: PathBuf,
}

impl DirBlobs {
    /// Objects under `root`, created if missing.
    ///
    /// # Errors
    /// [`Error::Unavailable`] when the directory cannot be created.
    pub async fn open(root: impl Into<PathBuf>) -> Result<Self> {
        let root = root.into();
        tokio::fs::create_dir_all(root.join(INCOMING))
            .await
            .map_err(|e| Error::unavailable("media directory", e))?;
        Ok(Self { root })
    }

    /// The directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// A key's file. Keys are `products/{uuid}/{uuid}.{ext}` by construction
    /// ([`MediaKey::parse`] refuses anything else), so this never leaves the root.
    fn path(&self, key: &MediaKey) -> PathBuf {
        self.root.join(key.as_str())
    }
}

fn io(error: std::io::Error) -> Error {
    Error::unavailable("media directory", error)
}

#[async_trait]
impl BlobStore for DirBlobs {
    async fn put_new(&self, key: &MediaKey, bytes: Vec<u8>) -> Result<bool> {
        let target = self.path(key);
        if let Some(parent) = target.parent() {
            tokio::fs::create_dir_all(parent).await.map_err(io)?;
        }
        let temp = self
            .root
            .join(INCOMING)
            .join(uuid::Uuid::new_v4().simple().to_string());
        let written = async {
            let mut file = tokio::fs::File::create(&temp).await?;
            file.write_all(&bytes).await?;
            // On disk before it becomes visible: a crash then leaves no object or the
            // whole one.
            file.sync_all().await?;
            // A hard link, not a rename: it fails when the key exists, atomically, where
            // a rename would replace the object.
            match tokio::fs::hard_link(&temp, &target).await {
                Ok(()) => Ok(true),
                Err(e) if e.kind() == ErrorKind::AlreadyExists => Ok(false),
                Err(e) => Err(e),
            }
        }
        .await;
        // The temporary name goes either way (best effort: a leftover is only disk).
        let _ = tokio::fs::remove_file(&temp).await;
        written.map_err(io)
    }

    async fn get(&self, key: &MediaKey) -> Result<Option<Vec<u8>>> {
        match tokio::fs::read(self.path(key)).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io(e)),
        }
    }
}
