//! In-memory media: HMAC-signed, expiring upload URLs that the server itself accepts,
//! and the uploaded objects kept in memory.

use std::time::Duration;

use super::FastMap;
use async_trait::async_trait;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use livedrop_core::ports::{ImageType, Media, MediaKey, PresignedUpload, UploadRequest};
use livedrop_core::{Error, Result};
use sha2::Sha256;

/// The signed parts of an upload URL, as the server parses them back from the query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadGrant {
    /// Object key.
    pub key: MediaKey,
    /// Largest accepted body.
    pub max_bytes: u64,
    /// Expiry, Unix seconds.
    pub expires: i64,
    /// Base64url HMAC-SHA256 over the above.
    pub signature: String,
}

/// Uploads and serving for a single process.
#[derive(Debug)]
pub struct MemoryMedia {
    base_url: String,
    secret: Vec<u8>,
    objects: FastMap<MediaKey, (ImageType, Vec<u8>)>,
}

impl MemoryMedia {
    pub(crate) fn new(base_url: String, secret: Vec<u8>) -> Self {
        Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            secret,
            objects: FastMap::default(),
        }
    }

    fn mac(&self, key: &MediaKey, max_bytes: u64, expires: i64) -> Hmac<Sha256> {
        // HMAC accepts keys of any length, so this cannot fail.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.secret)
            .unwrap_or_else(|_| <Hmac<Sha256> as KeyInit>::new(&Default::default()));
        mac.update(format!("PUT\n{key}\n{max_bytes}\n{expires}").as_bytes());
        mac
    }

    /// Accepts an upload made with a URL from [`Media::presign_upload`]: the signature must
    /// match, the URL must not have expired, the declared type must be the key's, and the
    /// body must fit. Anything else is refused and nothing is stored.
    pub fn accept_upload(
        &self,
        grant: &UploadGrant,
        content_type: &str,
        body: Vec<u8>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let signature = URL_SAFE_NO_PAD
            .decode(&grant.signature)
            .map_err(|_| Error::Forbidden("upload signature is malformed"))?;
        self.mac(&grant.key, grant.max_bytes, grant.expires)
            .verify_slice(&signature)
            .map_err(|_| Error::Forbidden("upload signature does not match"))?;
        if now.timestamp() >= grant.expires {
            return Err(Error::Forbidden("upload URL has expired"));
        }
        let kind = ImageType::try_from(content_type)?;
        if !grant
            .key
            .as_str()
            .ends_with(&format!(".{}", kind.extension()))
        {
            return Err(Error::Forbidden("content type differs from the signed one"));
        }
        if body.len() as u64 > grant.max_bytes {
            return Err(Error::Forbidden("upload is larger than the signed limit"));
        }
        self.objects.insert(grant.key.clone(), (kind, body));
        Ok(())
    }

    /// A stored object and its type.
    pub fn object(&self, key: &MediaKey) -> Option<(ImageType, Vec<u8>)> {
        self.objects.get(key).map(|o| o.clone())
    }
}

#[async_trait]
impl Media for MemoryMedia {
    async fn presign_upload(
        &self,
        req: &UploadRequest,
        now: DateTime<Utc>,
    ) -> Result<PresignedUpload> {
        let lifetime =
            chrono::Duration::from_std(req.expires_in.min(Duration::from_secs(7 * 24 * 3600)))
                .map_err(|e| Error::internal("media", e))?;
        let expires_at = now + lifetime;
        let expires = expires_at.timestamp();
        let signature = URL_SAFE_NO_PAD.encode(
            self.mac(&req.key, req.max_bytes, expires)
                .finalize()
                .into_bytes(),
        );
        Ok(PresignedUpload {
            url: format!(
                "{}/media/upload/{}?max={}&expires={}&sig={}",
                self.base_url, req.key, req.max_bytes, expires, signature
            ),
            method: "PUT".to_owned(),
            headers: vec![(
                "content-type".to_owned(),
                req.content_type.mime().to_owned(),
            )],
            expires_at: DateTime::from_timestamp(expires, 0).unwrap_or(expires_at),
            key: req.key.clone(),
            public_url: self.public_url(&req.key),
        })
    }

    fn public_url(&self, key: &MediaKey) -> String {
        format!("{}/media/{}", self.base_url, key)
    }
}
