//! Uploads and images this server hosts itself (the local media backends).

use std::sync::Arc;

use crate::Result;
use crate::clock::Clock;
use crate::ports::{
    AuthorizedUpload, Media, MediaHost, MediaKey, StoredObject, UploadGrant, UploadRefused,
};

/// Accepting signed uploads and serving the stored images, when the media backend is this
/// server; with a bucket (S3) there is no host and [`is_hosted`](Self::is_hosted) is false.
#[derive(Clone, Debug)]
pub struct MediaService {
    media: Arc<dyn Media>,
    host: Option<Arc<dyn MediaHost>>,
    clock: Arc<dyn Clock>,
}

impl MediaService {
    /// A service over the media backend and its host, if this server is one.
    pub fn new(
        media: Arc<dyn Media>,
        host: Option<Arc<dyn MediaHost>>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { media, host, clock }
    }

    /// Where the media backend serves `key` (a bucket or CDN URL when this server is not
    /// the host): pages may link every image as `/media/{key}` and be sent on.
    pub fn public_url(&self, key: &MediaKey) -> String {
        self.media.public_url(key)
    }

    /// Whether this server accepts uploads and serves images itself.
    pub fn is_hosted(&self) -> bool {
        self.host.is_some()
    }

    /// Checks an upload's URL and declared type now, before its body is read.
    ///
    /// # Errors
    /// [`UploadRefused`] saying which check failed (every check fails without a host).
    pub fn authorize_upload(
        &self,
        grant: &UploadGrant,
        content_type: &str,
    ) -> Result<AuthorizedUpload, UploadRefused> {
        let host = self.host.as_ref().ok_or(UploadRefused::BadSignature)?;
        host.authorize(grant, content_type, self.clock.now())
    }

    /// Stores an authorized upload's body, if it fits.
    ///
    /// # Errors
    /// [`UploadRefused::TooLarge`], or the store's failure.
    pub async fn store_upload(
        &self,
        upload: AuthorizedUpload,
        body: Vec<u8>,
    ) -> Result<(), UploadRefused> {
        let host = self.host.as_ref().ok_or(UploadRefused::BadSignature)?;
        host.store(upload, body).await
    }

    /// The image stored at `key`, if this server hosts one there.
    pub async fn image(&self, key: &MediaKey) -> Result<Option<StoredObject>> {
        match &self.host {
            Some(host) => host.object(key).await,
            None => Ok(None),
        }
    }
}
