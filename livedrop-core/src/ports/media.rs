//! The media port: signed upload URLs for product images.

use std::{fmt, fmt::Debug, time::Duration};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::domain::ValidationError;
use crate::ids::ProductId;

/// The image types LiveDrop accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum ImageType {
    /// `image/png`
    Png,
    /// `image/jpeg`
    Jpeg,
    /// `image/webp`
    Webp,
    /// `image/gif`
    Gif,
}

impl ImageType {
    /// The MIME type.
    pub fn mime(self) -> &'static str {
        match self {
            ImageType::Png => "image/png",
            ImageType::Jpeg => "image/jpeg",
            ImageType::Webp => "image/webp",
            ImageType::Gif => "image/gif",
        }
    }

    /// Whether `bytes` start as a file of this type does (its signature, "magic
    /// number"): what a browser would sniff, so an upload declared as one type cannot be
    /// another (an HTML page stored as `image/png`).
    pub fn matches(self, bytes: &[u8]) -> bool {
        match self {
            ImageType::Png => bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
            ImageType::Jpeg => bytes.starts_with(&[0xFF, 0xD8, 0xFF]),
            ImageType::Gif => bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a"),
            ImageType::Webp => {
                bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP"
            }
        }
    }

    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            ImageType::Png => "png",
            ImageType::Jpeg => "jpg",
            ImageType::Webp => "webp",
            ImageType::Gif => "gif",
        }
    }
}

impl TryFrom<&str> for ImageType {
    type Error = ValidationError;

    fn try_from(mime: &str) -> Result<Self, Self::Error> {
        match mime.trim().to_ascii_lowercase().as_str() {
            "image/png" => Ok(ImageType::Png),
            "image/jpeg" | "image/jpg" => Ok(ImageType::Jpeg),
            "image/webp" => Ok(ImageType::Webp),
            "image/gif" => Ok(ImageType::Gif),
            _ => Err(ValidationError::UnsupportedMediaType {
                content_type: mime.to_owned(),
            }),
        }
    }
}

impl TryFrom<String> for ImageType {
    type Error = ValidationError;

    fn try_from(mime: String) -> Result<Self, Self::Error> {
        Self::try_from(mime.as_str())
    }
}

impl From<ImageType> for String {
    fn from(kind: ImageType) -> String {
        kind.mime().to_owned()
    }
}

/// Sent as its MIME type (`into = "String"`), so the schema is a string enum of those rather
/// than the variant names a derive would list.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for ImageType {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        let mimes = [Self::Png, Self::Jpeg, Self::Webp, Self::Gif].map(Self::mime);
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(mimes))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for ImageType {}

/// Where an object lives in the media store: `products/{product id}/{uuid v7}.{ext}`.
/// Only ever built here, so it is always path-safe.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(value_type = String))]
pub struct MediaKey(String);

impl MediaKey {
    /// A fresh key for a new image of `product_id`.
    pub fn product_image(product_id: ProductId, kind: ImageType) -> Self {
        Self(format!(
            "products/{product_id}/{}.{}",
            uuid::Uuid::now_v7(),
            kind.extension()
        ))
    }

    /// Parses a key this module produced (used when a signed URL comes back).
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        let mut parts = text.split('/');
        let well_formed = parts.next() == Some("products")
            && parts.next().is_some_and(|p| p.parse::<ProductId>().is_ok())
            && parts.next().is_some_and(|file| {
                file.split_once('.').is_some_and(|(stem, ext)| {
                    uuid::Uuid::try_parse(stem).is_ok()
                        && ImageType::try_from(format!("image/{ext}")).is_ok()
                })
            })
            && parts.next().is_none();
        if well_formed {
            Ok(Self(text.to_owned()))
        } else {
            Err(ValidationError::InvalidId { kind: "media key" })
        }
    }

    /// Parses `text` as a key of an image of `product` (as its upload URL named it).
    pub fn of_product(text: &str, product: ProductId) -> Result<Self, ValidationError> {
        let key = Self::parse(text).ok().filter(|key| {
            key.0
                .strip_prefix("products/")
                .and_then(|rest| rest.split_once('/'))
                .is_some_and(|(id, _)| id == product.to_string())
        });
        key.ok_or_else(|| ValidationError::ImageNotOfProduct {
            key: text.chars().take(200).collect(),
        })
    }

    /// The key text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The image type the key names by its extension ([`product_image`](Self::product_image)
    /// always ends a key in its type's extension).
    pub fn image_type(&self) -> Option<ImageType> {
        let (_, extension) = self.0.rsplit_once('.')?;
        ImageType::try_from(format!("image/{extension}")).ok()
    }
}

impl fmt::Display for MediaKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Debug for MediaKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Debug::fmt(&self.0, f)
    }
}

/// A request for an upload URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadRequest {
    /// Where the object will live.
    pub key: MediaKey,
    /// Its type; the upload must declare the same.
    pub content_type: ImageType,
    /// Largest accepted body.
    pub max_bytes: u64,
    /// How long the URL stays valid.
    pub expires_in: Duration,
}

impl UploadRequest {
    /// Checks that the request's type is the one its key names: uploads are checked
    /// against the key, so any other type would get a URL no upload could use.
    ///
    /// # Errors
    /// [`ValidationError::UnsupportedMediaType`] when they differ.
    pub fn check_type(&self) -> Result<(), ValidationError> {
        if self.key.image_type() == Some(self.content_type) {
            Ok(())
        } else {
            Err(ValidationError::UnsupportedMediaType {
                content_type: self.content_type.mime().to_owned(),
            })
        }
    }
}

/// A URL the client uploads to directly, without passing the bytes through the API.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PresignedUpload {
    /// Where to send the bytes.
    pub url: String,
    /// HTTP method (`PUT`).
    pub method: String,
    /// Headers the upload must carry (at least `content-type`), as `[name, value]` pairs.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Vec<String>>))]
    pub headers: Vec<(String, String)>,
    /// When the URL stops working.
    pub expires_at: DateTime<Utc>,
    /// The object's key, to attach to the product afterwards.
    pub key: MediaKey,
    /// Where the object will be served from once uploaded.
    pub public_url: String,
}

/// Signed, expiring upload URLs and public URLs for stored media.
///
/// # Contract
/// - [`presign_upload`](Media::presign_upload) returns a URL that accepts exactly one object
///   at `req.key`, of `req.content_type`, until `now + req.expires_in`; it MUST NOT be
///   forgeable for another key, type or expiry.
/// - [`public_url`](Media::public_url) is where a stored object is served from.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Media: Send + Sync + Debug + 'static {
    /// Signs an upload URL.
    async fn presign_upload(
        &self,
        req: &UploadRequest,
        now: DateTime<Utc>,
    ) -> Result<PresignedUpload>;
    /// The public URL of `key`.
    fn public_url(&self, key: &MediaKey) -> String;
}
