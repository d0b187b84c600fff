//! Media backends: where product images are uploaded to and served from.
//!
//! - [`LocalMedia`]: the server accepts the uploads itself (`PUT /media/{key}` with an
//!   HMAC-signed, expiring query, see [`signing`]) and serves them (`GET /media/{key}`).
//!   Objects live in a [`BlobStore`]: process memory ([`MemoryBlobs`], the memory
//!   backend's) or a directory ([`DirBlobs`], written atomically). Always built.
//! - [`S3Media`] (feature `s3`): SigV4-presigned `PUT`s straight to an S3-compatible
//!   bucket; the server only signs, and the bucket (or a CDN in front) serves.

mod blobs;
mod dir;
mod local;
#[cfg(feature = "s3")]
mod s3;
pub mod signing;

pub use blobs::{BlobStore, MemoryBlobs, StoredObject};
pub use dir::DirBlobs;
pub use local::{AuthorizedUpload, LocalMedia, UploadRefused};
#[cfg(feature = "s3")]
pub use s3::{S3Config, S3Media};
pub use signing::{UploadGrant, UploadSigner};
