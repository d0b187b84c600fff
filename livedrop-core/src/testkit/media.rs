//! The [`Media`] contract: a presigned upload is bound to one key and
//! expiry (changing either changes the URL), uses `PUT` with the content type, and expires
//! `expires_in` after `now`; public URLs name their key. Whether a URL really refuses
//! another object can only be checked by the store that accepts uploads, not through the
//! port.

use std::time::Duration;

use chrono::TimeDelta;

use super::fixtures::*;
use crate::ids::ProductId;
use crate::ports::{ImageType, Media, MediaKey, PresignedUpload, UploadRequest};

fn request(key: &MediaKey, content_type: ImageType, expires_in: Duration) -> UploadRequest {
    UploadRequest {
        key: key.clone(),
        content_type,
        max_bytes: 5 * 1024 * 1024,
        expires_in,
    }
}

fn content_type(upload: &PresignedUpload) -> Option<&str> {
    upload
        .headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("content-type"))
        .map(|(_, value)| value.as_str())
}

/// The upload names its key in the URL, is a `PUT` carrying the content type, and expires
/// exactly `expires_in` after `now`.
pub async fn presigned_upload_is_bound_to_its_request(media: &dyn Media) {
    let t = now();
    for kind in [
        ImageType::Png,
        ImageType::Jpeg,
        ImageType::Webp,
        ImageType::Gif,
    ] {
        let key = MediaKey::product_image(ProductId::new(), kind);
        let upload = media
            .presign_upload(&request(&key, kind, Duration::from_secs(600)), t)
            .await
            .unwrap();
        assert!(
            upload.url.contains(key.as_str()),
            "{} does not name {key}",
            upload.url
        );
        assert_eq!(upload.method, "PUT");
        assert_eq!(
            content_type(&upload),
            Some(kind.mime()),
            "{:?}",
            upload.headers
        );
        let drift = (upload.expires_at - (t + TimeDelta::seconds(600))).abs();
        assert!(
            drift <= TimeDelta::seconds(1),
            "expires at {} for now {t} + 600 s",
            upload.expires_at
        );
        assert_eq!(upload.key, key);
        assert_eq!(upload.public_url, media.public_url(&key));
    }
}

/// Changing the key or the expiry changes the URL, so a URL cannot be reused for another
/// object or stretched in time. (The type is part of the key: keys end in their type's
/// extension, which is how a backend may bind it.)
pub async fn presigned_urls_differ_per_key_and_expiry(media: &dyn Media) {
    let t = now();
    let product = ProductId::new();
    let key = MediaKey::product_image(product, ImageType::Png);
    let ten_minutes = Duration::from_secs(600);
    let base = media
        .presign_upload(&request(&key, ImageType::Png, ten_minutes), t)
        .await
        .unwrap();
    let variants = [
        (
            "key",
            MediaKey::product_image(product, ImageType::Png),
            ImageType::Png,
            ten_minutes,
        ),
        (
            "key and type",
            MediaKey::product_image(product, ImageType::Jpeg),
            ImageType::Jpeg,
            ten_minutes,
        ),
        (
            "expiry",
            key.clone(),
            ImageType::Png,
            Duration::from_secs(60),
        ),
    ];
    for (what, key, kind, expires_in) in variants {
        let upload = media
            .presign_upload(&request(&key, kind, expires_in), t)
            .await
            .unwrap();
        assert_ne!(upload.url, base.url, "another {what} must sign another URL");
    }
}

/// Public URLs name their key and differ per key.
pub async fn public_urls_name_their_key(media: &dyn Media) {
    let a = MediaKey::product_image(ProductId::new(), ImageType::Webp);
    let b = MediaKey::product_image(ProductId::new(), ImageType::Webp);
    let (ua, ub) = (media.public_url(&a), media.public_url(&b));
    assert!(
        ua.contains(a.as_str()) && ub.contains(b.as_str()),
        "{ua} / {ub}"
    );
    assert_ne!(ua, ub);
}
