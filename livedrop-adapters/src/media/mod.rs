//! Media backends: where product images are uploaded to and served from.
//!
//! - [`LocalMedia`]: the server accepts the uploads itself (`PUT /media/{key}` with an
//!   HMAC-signed, expiring query, see [`signing`]) and serves them (`GET /media/{key}`).
//!   Objects live in a [`BlobStore`]: process memory ([`MemoryBlobs`], the memory
//!   backend's) or a directory ([`DirBlobs`], written atomically). Always built.
//! - [`S3Media`] (feature `s3`): SigV4-presigned `PUT`s straight to an S3-compatible
//!   bucket; the server only signs, and the bucket (or a CDN in front) serves.
//!
//! # Layout
//! - `local`: [`LocalMedia`], the [`Media`](livedrop_core::ports::Media) and
//!   [`MediaHost`](livedrop_core::ports::MediaHost) ports for uploads the server accepts
//!   itself (what an accepted upload ([`AuthorizedUpload`]) or a refused one
//!   ([`UploadRefused`]) is belongs to the port, in the core).
//! - `blobs`: the [`BlobStore`] seam and [`MemoryBlobs`]; separate from `local` so where
//!   the bytes live can change without touching the upload and serving logic.
//! - `dir`: [`DirBlobs`], objects as files (written to a temporary file, then renamed).
//! - [`signing`]: the HMAC signer of upload grants; public because the server makes the
//!   signer from its configured secret, and its own file because every local backend
//!   shares it.
//! - `s3`: [`S3Media`] and [`S3Config`]; only compiled with feature `s3`, which keeps
//!   object_store out of builds that do not use it.

mod blobs;
mod dir;
mod local;
#[cfg(feature = "s3")]
mod s3;
pub mod signing;

pub use blobs::{BlobStore, MemoryBlobs};
pub use dir::DirBlobs;
pub use local::LocalMedia;
// The upload types are the core's (the media host port's); re-exported for callers of
// this module.
pub use livedrop_core::ports::{AuthorizedUpload, StoredObject, UploadGrant, UploadRefused};
#[cfg(feature = "s3")]
pub use s3::{S3Config, S3Media};
pub use signing::UploadSigner;
