//! The S3 media backend against a real S3-compatible server (`LIVEDROP_TEST_S3_ENDPOINT`,
//! moto in `.ci/run`): a presigned PUT stores the bytes where the public URL serves them.
#![cfg(feature = "s3")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use chrono::Utc;
use livedrop_core::ids::ProductId;
use livedrop_core::ports::{ImageType, Media, MediaKey, UploadRequest};

#[tokio::test]
async fn a_presigned_put_uploads_what_the_public_url_serves() {
    let Some(endpoint) = support::media::s3::endpoint() else {
        return;
    };
    let (media, bucket) = support::media::s3::bucket(&endpoint).await;
    let key = MediaKey::product_image(ProductId::new(), ImageType::Png);
    let upload = media
        .presign_upload(
            &UploadRequest {
                key: key.clone(),
                content_type: ImageType::Png,
                max_bytes: 1024,
                expires_in: Duration::from_secs(600),
            },
            Utc::now(),
        )
        .await
        .unwrap();
    assert!(
        upload
            .url
            .starts_with(&format!("{endpoint}/{bucket}/{key}?")),
        "{}",
        upload.url
    );
    assert!(upload.url.contains("X-Amz-Signature="), "{}", upload.url);
    assert_eq!(upload.public_url, format!("{endpoint}/{bucket}/{key}"));

    let client = reqwest::Client::new();
    let body = b"\x89PNG\r\n\x1a\n bytes".to_vec();
    let put = client
        .put(&upload.url)
        .header("content-type", "image/png")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert!(put.status().is_success(), "PUT: {}", put.status());

    // Read back as an authenticated caller: the bucket is private (moto refuses anonymous
    // reads), and moto does not check the signature itself.
    let got = client
        .get(&upload.public_url)
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0",
        )
        .send()
        .await
        .unwrap();
    assert!(got.status().is_success(), "GET: {}", got.status());
    assert_eq!(got.headers()["content-type"], "image/png");
    assert_eq!(got.bytes().await.unwrap().as_ref(), body.as_slice());
}

/// The content type is a signed header, so an S3 that verifies signatures refuses another.
/// moto does not verify signatures: there the upload goes through, and this test says so
/// instead of failing (`LIVEDROP_TEST_S3_VERIFIES_SIGNATURES=1` makes it strict, for s3s).
#[tokio::test]
async fn a_presigned_put_with_another_content_type_is_refused_where_signatures_are_checked() {
    let Some(endpoint) = support::media::s3::endpoint() else {
        return;
    };
    let (media, _) = support::media::s3::bucket(&endpoint).await;
    let key = MediaKey::product_image(ProductId::new(), ImageType::Png);
    let request = UploadRequest {
        key,
        content_type: ImageType::Png,
        max_bytes: 1024,
        expires_in: Duration::from_secs(600),
    };
    let upload = media.presign_upload(&request, Utc::now()).await.unwrap();
    let put = reqwest::Client::new()
        .put(&upload.url)
        .header("content-type", "image/jpeg")
        .body(b"jpeg?".to_vec())
        .send()
        .await
        .unwrap();
    let strict = std::env::var("LIVEDROP_TEST_S3_VERIFIES_SIGNATURES").is_ok_and(|v| v == "1");
    if strict {
        assert_eq!(put.status(), reqwest::StatusCode::FORBIDDEN);
    } else if put.status().is_success() {
        eprintln!(
            "note: {endpoint} accepted a PUT whose content type breaks the signature: it does not verify signatures (moto)"
        );
    }
}
