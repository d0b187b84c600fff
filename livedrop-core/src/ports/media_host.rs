//! The media host port: uploads and images the server itself accepts and serves (the
//! local media backends), as opposed to a bucket that takes presigned uploads directly.

use std::fmt::Debug;

use async_trait::async_trait;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::{ImageType, MediaKey};
use crate::{Error, Result};

/// The signed parts of an upload URL, as the server parses them back from its query
/// (`?max=..&expires=..&sig=..`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadGrant {
    /// Object key.
    pub key: MediaKey,
    /// Largest accepted body.
    pub max_bytes: u64,
    /// Expiry, Unix seconds.
    pub expires: i64,
    /// The signature over the above.
    pub signature: String,
}

impl UploadGrant {
    /// The query string of the URL carrying this grant (without the `?`). Every value is
    /// a number or base64url, so none needs escaping.
    pub fn query(&self) -> String {
        format!(
            "max={}&expires={}&sig={}",
            self.max_bytes, self.expires, self.signature
        )
    }
}

/// Why an upload was refused. Nothing is stored in every case.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UploadRefused {
    /// The signature does not match the key, limit and expiry (tampered or foreign URL).
    #[error("upload signature does not match")]
    BadSignature,
    /// The URL's expiry has passed.
    #[error("upload URL has expired")]
    Expired,
    /// The declared content type is not the one the key was signed for.
    #[error("content type {content_type:?} differs from the signed one")]
    WrongType {
        /// What the upload declared.
        content_type: String,
    },
    /// The body is larger than the signed limit.
    #[error("upload is larger than the signed limit of {max_bytes} bytes")]
    TooLarge {
        /// The limit.
        max_bytes: u64,
    },
    /// The body is not an image of the signed type (its first bytes say otherwise).
    #[error("the body is not a {} image", expected.mime())]
    NotAnImage {
        /// The type the URL was signed for.
        expected: ImageType,
    },
    /// Something was already uploaded with this URL: each works once, and a stored
    /// image never changes.
    #[error("this upload URL was already used")]
    AlreadyUploaded,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] Error),
}

/// An upload whose URL checked out; the body still has to fit
/// ([`MediaHost::store`] checks).
#[derive(Debug)]
pub struct AuthorizedUpload {
    key: MediaKey,
    max_bytes: u64,
}

impl AuthorizedUpload {
    /// An upload of at most `max_bytes` to `key`: made by a host's
    /// [`authorize`](MediaHost::authorize), once it checked the grant.
    pub fn new(key: MediaKey, max_bytes: u64) -> Self {
        Self { key, max_bytes }
    }

    /// Where it goes.
    pub fn key(&self) -> &MediaKey {
        &self.key
    }

    /// The largest body to read.
    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }
}

/// A stored object, ready to serve.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredObject {
    /// Its type (from the key's extension, which the upload had to match).
    pub kind: ImageType,
    /// The bytes.
    pub bytes: Vec<u8>,
    /// A strong entity tag, quoted (`"..."`): a hash of the bytes.
    pub etag: String,
}

impl StoredObject {
    /// `bytes` of `kind`, with their entity tag.
    pub fn new(kind: ImageType, bytes: Vec<u8>) -> Self {
        // 128 bits of SHA-256 are plenty to tell versions apart, and keep the header short.
        let digest = Sha256::digest(&bytes);
        let etag = format!("\"{}\"", URL_SAFE_NO_PAD.encode(&digest[..16]));
        Self { kind, bytes, etag }
    }
}

/// Accepts the uploads its [`Media`](super::Media) signed and serves what was stored.
///
/// # Contract
/// - [`authorize`](MediaHost::authorize) accepts a grant only if its signature matches
///   its key, limit and expiry, `now` is before the expiry, and `content_type` is the
///   key's image type; otherwise it says which check failed. It does no I/O, so the
///   caller can refuse before reading any body.
/// - [`store`](MediaHost::store) refuses a body over the authorized limit
///   ([`UploadRefused::TooLarge`]), one that is not an image of the key's type
///   ([`UploadRefused::NotAnImage`], by its first bytes), and any upload to a key that
///   already holds an object ([`UploadRefused::AlreadyUploaded`]: a URL works once, and
///   an image served as immutable never changes). A store is all or nothing: a reader
///   sees no object or the whole one; of concurrent stores to one key, one wins.
/// - [`object`](MediaHost::object) returns what was last stored at `key`, `None` for
///   nothing.
#[async_trait]
pub trait MediaHost: Send + Sync + Debug + 'static {
    /// Checks an upload URL's grant for a body of `content_type` at `now`.
    fn authorize(
        &self,
        grant: &UploadGrant,
        content_type: &str,
        now: DateTime<Utc>,
    ) -> Result<AuthorizedUpload, UploadRefused>;
    /// Stores an authorized upload's body, if it fits.
    async fn store(&self, upload: AuthorizedUpload, body: Vec<u8>) -> Result<(), UploadRefused>;
    /// A stored object, to serve.
    async fn object(&self, key: &MediaKey) -> Result<Option<StoredObject>>;
}
