//! Local media (memory and directory): what an upload URL accepts, what it refuses with
//! nothing stored, and that directory writes are atomic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use livedrop_adapters::media::{LocalMedia, UploadGrant, UploadRefused, UploadSigner};
use livedrop_core::ids::ProductId;
use livedrop_core::ports::{ImageType, Media, MediaHost, MediaKey, UploadRequest};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n not really";

async fn backends() -> Vec<(&'static str, LocalMedia, Option<std::path::PathBuf>)> {
    let dir = support::media::temp_dir();
    vec![
        (
            "memory",
            LocalMedia::in_memory("http://x", UploadSigner::random()),
            None,
        ),
        (
            "directory",
            LocalMedia::in_directory("http://x", UploadSigner::random(), &dir)
                .await
                .unwrap(),
            Some(dir),
        ),
    ]
}

/// A presigned PNG upload of at most 64 bytes, valid 10 minutes, as the grant the server
/// parses back from its query.
async fn grant(media: &LocalMedia) -> UploadGrant {
    let key = MediaKey::product_image(ProductId::new(), ImageType::Png);
    let upload = media
        .presign_upload(
            &UploadRequest {
                key: key.clone(),
                content_type: ImageType::Png,
                max_bytes: 64,
                expires_in: Duration::from_secs(600),
            },
            Utc::now(),
        )
        .await
        .unwrap();
    let query = upload.url.split_once('?').unwrap().1;
    let param = |name: &str| {
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
            .unwrap()
            .to_owned()
    };
    UploadGrant {
        key,
        max_bytes: param("max").parse().unwrap(),
        expires: param("expires").parse().unwrap(),
        signature: param("sig"),
    }
}

/// The files under `dir`, temporary ones included.
fn files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found
}

#[tokio::test]
async fn an_upload_within_its_grant_is_stored_and_served() {
    for (name, media, dir) in backends().await {
        let grant = grant(&media).await;
        media
            .accept_upload(&grant, "image/png", PNG.to_vec(), Utc::now())
            .await
            .unwrap();
        let object = media.object(&grant.key).await.unwrap().expect(name);
        assert_eq!(
            (object.kind, object.bytes.as_slice()),
            (ImageType::Png, PNG)
        );
        assert!(
            object.etag.starts_with('"') && object.etag.len() > 10,
            "{}",
            object.etag
        );
        if let Some(dir) = dir {
            // One file, at its key, and no temporary file left behind.
            assert_eq!(files(&dir), vec![dir.join(grant.key.as_str())], "{name}");
            std::fs::remove_dir_all(dir).unwrap();
        }
    }
}

/// What is wrong, the grant, the declared type, the body, how long after signing, and
/// the refusal expected.
type Case = (
    &'static str,
    UploadGrant,
    &'static str,
    Vec<u8>,
    TimeDelta,
    fn(&UploadRefused) -> bool,
);

#[tokio::test]
async fn refused_uploads_store_nothing() {
    for (name, media, dir) in backends().await {
        let good = grant(&media).await;
        let other_key = MediaKey::product_image(ProductId::new(), ImageType::Png);
        let cases: Vec<Case> = vec![
            (
                "tampered limit",
                UploadGrant {
                    max_bytes: 1 << 30,
                    ..good.clone()
                },
                "image/png",
                PNG.to_vec(),
                TimeDelta::zero(),
                |r| matches!(r, UploadRefused::BadSignature),
            ),
            (
                "tampered signature",
                UploadGrant {
                    signature: "AAAA".into(),
                    ..good.clone()
                },
                "image/png",
                PNG.to_vec(),
                TimeDelta::zero(),
                |r| matches!(r, UploadRefused::BadSignature),
            ),
            (
                "another key",
                UploadGrant {
                    key: other_key.clone(),
                    ..good.clone()
                },
                "image/png",
                PNG.to_vec(),
                TimeDelta::zero(),
                |r| matches!(r, UploadRefused::BadSignature),
            ),
            (
                "expired",
                good.clone(),
                "image/png",
                PNG.to_vec(),
                TimeDelta::minutes(11),
                |r| matches!(r, UploadRefused::Expired),
            ),
            (
                "wrong type",
                good.clone(),
                "image/jpeg",
                PNG.to_vec(),
                TimeDelta::zero(),
                |r| matches!(r, UploadRefused::WrongType { .. }),
            ),
            (
                "not an image",
                good.clone(),
                "text/html",
                PNG.to_vec(),
                TimeDelta::zero(),
                |r| matches!(r, UploadRefused::WrongType { .. }),
            ),
            (
                "too big",
                good.clone(),
                "image/png",
                vec![0; 65],
                TimeDelta::zero(),
                |r| matches!(r, UploadRefused::TooLarge { max_bytes: 64 }),
            ),
        ];
        for (what, grant, content_type, body, later, expected) in cases {
            let refusal = media
                .accept_upload(&grant, content_type, body, Utc::now() + later)
                .await
                .expect_err(what);
            assert!(expected(&refusal), "{name} {what}: {refusal:?}");
        }
        for key in [&good.key, &other_key] {
            assert_eq!(media.object(key).await.unwrap(), None, "{name}");
        }
        if let Some(dir) = dir {
            assert_eq!(files(&dir), Vec::<std::path::PathBuf>::new(), "{name}");
            std::fs::remove_dir_all(dir).unwrap();
        }
    }
}

#[tokio::test]
async fn a_request_whose_type_is_not_its_keys_is_not_signed() {
    let media = LocalMedia::in_memory("http://x", UploadSigner::random());
    let request = UploadRequest {
        key: MediaKey::product_image(ProductId::new(), ImageType::Png),
        content_type: ImageType::Jpeg,
        max_bytes: 64,
        expires_in: Duration::from_secs(60),
    };
    assert!(media.presign_upload(&request, Utc::now()).await.is_err());
}

#[tokio::test]
async fn the_url_is_the_public_url_plus_the_signed_query() {
    let media = LocalMedia::in_memory("http://cdn.example/", UploadSigner::random());
    let key = MediaKey::product_image(ProductId::new(), ImageType::Webp);
    assert_eq!(
        media.public_url(&key),
        format!("http://cdn.example/media/{key}")
    );
}
