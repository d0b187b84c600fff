//! [`LocalMedia`]: upload URLs the server itself accepts (HMAC-signed, expiring), objects
//! in a [`BlobStore`] the server serves from.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use livedrop_core::ports::{
    AuthorizedUpload, ImageType, Media, MediaHost, MediaKey, Ports, PresignedUpload, StoredObject,
    UploadGrant, UploadRefused, UploadRequest,
};
use livedrop_core::{Error, Result};

use super::blobs::{BlobStore, MemoryBlobs};
use super::dir::DirBlobs;
use super::signing::UploadSigner;

/// S3's limit on presigned URLs, kept here so a URL lives no longer on any backend.
const LONGEST_URL_LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);

/// Media the server accepts and serves itself: the memory backend's (objects in process
/// memory) and the local directory backend's (objects as files).
#[derive(Debug)]
pub struct LocalMedia {
    base_url: String,
    signer: UploadSigner,
    blobs: Arc<dyn BlobStore>,
}

impl LocalMedia {
    /// Upload and public URLs under `base_url` (the server's public address), signed by
    /// `signer`, objects in `blobs`.
    pub fn new(base_url: &str, signer: UploadSigner, blobs: Arc<dyn BlobStore>) -> Self {
        Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            signer,
            blobs,
        }
    }

    /// Objects in process memory (lost on exit).
    pub fn in_memory(base_url: &str, signer: UploadSigner) -> Self {
        Self::new(base_url, signer, Arc::new(MemoryBlobs::default()))
    }

    /// Objects as files under `dir`, created if missing.
    ///
    /// # Errors
    /// [`Error::Unavailable`] when the directory cannot be created.
    pub async fn in_directory(
        base_url: &str,
        signer: UploadSigner,
        dir: impl Into<std::path::PathBuf>,
    ) -> Result<Self> {
        let blobs = DirBlobs::open(dir).await?;
        Ok(Self::new(base_url, signer, Arc::new(blobs)))
    }

    /// [`authorize`](MediaHost::authorize) then [`store`](MediaHost::store), for a body
    /// already read.
    ///
    /// # Errors
    /// See both.
    pub async fn accept_upload(
        &self,
        grant: &UploadGrant,
        content_type: &str,
        body: Vec<u8>,
        now: DateTime<Utc>,
    ) -> Result<(), UploadRefused> {
        let upload = self.authorize(grant, content_type, now)?;
        self.store(upload, body).await
    }

    /// `base` with its media port and media host replaced by this store.
    pub fn ports(self: &Arc<Self>, base: Ports) -> Ports {
        Ports {
            media: self.clone(),
            media_host: Some(self.clone()),
            ..base
        }
    }
}

#[async_trait]
impl MediaHost for LocalMedia {
    /// Checks an upload's URL and declared type before its body is read: the signature
    /// must match, the URL must not have expired, and `content_type` must be the key's.
    ///
    /// # Errors
    /// [`UploadRefused`] saying which check failed.
    fn authorize(
        &self,
        grant: &UploadGrant,
        content_type: &str,
        now: DateTime<Utc>,
    ) -> Result<AuthorizedUpload, UploadRefused> {
        if !self.signer.verify(grant) {
            return Err(UploadRefused::BadSignature);
        }
        if now.timestamp() >= grant.expires {
            return Err(UploadRefused::Expired);
        }
        let declared = ImageType::try_from(content_type).ok();
        if declared.is_none() || declared != grant.key.image_type() {
            return Err(UploadRefused::WrongType {
                content_type: content_type.to_owned(),
            });
        }
        Ok(AuthorizedUpload::new(grant.key.clone(), grant.max_bytes))
    }

    /// Stores an authorized upload's body: if it fits, is an image of the key's type, and
    /// is the first at its key.
    ///
    /// # Errors
    /// [`UploadRefused::TooLarge`], [`UploadRefused::NotAnImage`],
    /// [`UploadRefused::AlreadyUploaded`], or the store's failure.
    async fn store(&self, upload: AuthorizedUpload, body: Vec<u8>) -> Result<(), UploadRefused> {
        if body.len() as u64 > upload.max_bytes() {
            return Err(UploadRefused::TooLarge {
                max_bytes: upload.max_bytes(),
            });
        }
        if let Some(expected) = upload.key().image_type()
            && !expected.matches(&body)
        {
            return Err(UploadRefused::NotAnImage { expected });
        }
        if self.blobs.put_new(upload.key(), body).await? {
            Ok(())
        } else {
            Err(UploadRefused::AlreadyUploaded)
        }
    }

    /// A stored object, to serve.
    ///
    /// # Errors
    /// The store's failure.
    async fn object(&self, key: &MediaKey) -> Result<Option<StoredObject>> {
        let Some(kind) = key.image_type() else {
            return Ok(None);
        };
        Ok(self
            .blobs
            .get(key)
            .await?
            .map(|bytes| StoredObject::new(kind, bytes)))
    }
}

#[async_trait]
impl Media for LocalMedia {
    async fn presign_upload(
        &self,
        req: &UploadRequest,
        now: DateTime<Utc>,
    ) -> Result<PresignedUpload> {
        req.check_type()?;
        let lifetime = chrono::Duration::from_std(req.expires_in.min(LONGEST_URL_LIFETIME))
            .map_err(|e| Error::internal("media", e))?;
        let expires_at = now + lifetime;
        let grant = self
            .signer
            .sign(&req.key, req.max_bytes, expires_at.timestamp());
        Ok(PresignedUpload {
            // The same path serves the object once uploaded: PUT here, GET there.
            url: format!("{}?{}", self.public_url(&req.key), grant.query()),
            method: "PUT".to_owned(),
            headers: vec![(
                "content-type".to_owned(),
                req.content_type.mime().to_owned(),
            )],
            expires_at: DateTime::from_timestamp(grant.expires, 0).unwrap_or(expires_at),
            key: req.key.clone(),
            public_url: self.public_url(&req.key),
        })
    }

    fn public_url(&self, key: &MediaKey) -> String {
        format!("{}/media/{}", self.base_url, key)
    }
}
