//! The media routes over real HTTP: a URL presigned through the port uploads through the
//! server and is served with cache headers; bad uploads are 4xx problem+json and store
//! nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use livedrop_adapters::media::{LocalMedia, UploadSigner};
use livedrop_adapters::memory::MemoryBackend;
use livedrop_core::ids::ProductId;
use livedrop_core::ports::{
    ImageType, Media, MediaHost, MediaKey, Ports, PresignedUpload, UploadRequest,
};
use livedrop_server::AppState;
use reqwest::StatusCode;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n an image";

/// A server over directory media; returns its base URL and the store.
async fn server() -> (String, Arc<LocalMedia>) {
    let dir =
        std::env::temp_dir().join(format!("livedrop-media-{}", uuid::Uuid::new_v4().simple()));
    // The base URL only prefixes the links; the tests send each to the server they started.
    let media = Arc::new(
        LocalMedia::in_directory("http://media.test", UploadSigner::random(), dir)
            .await
            .unwrap(),
    );
    let state = AppState::new(media.ports(MemoryBackend::default().ports()));
    (support::serve(state).await, media)
}

async fn presign(media: &LocalMedia, expires_in: Duration) -> PresignedUpload {
    let key = MediaKey::product_image(ProductId::new(), ImageType::Png);
    let request = UploadRequest {
        key,
        content_type: ImageType::Png,
        max_bytes: 64,
        expires_in,
    };
    media.presign_upload(&request, Utc::now()).await.unwrap()
}

/// `url` sent to the server at `base` instead of the host it names.
fn at(base: &str, url: &str) -> String {
    format!("{base}{}", url.strip_prefix("http://media.test").unwrap())
}

async fn put(url: &str, content_type: &str, body: Vec<u8>) -> reqwest::Response {
    reqwest::Client::new()
        .put(url)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn assert_problem(response: reqwest::Response, status: StatusCode, code: &str) {
    assert_eq!(response.status(), status);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], code, "{body}");
}

#[tokio::test]
async fn an_upload_through_the_server_is_served_with_cache_headers() {
    let (base, media) = server().await;
    let upload = presign(&media, Duration::from_secs(600)).await;
    let response = put(&at(&base, &upload.url), "image/png", PNG.to_vec()).await;
    assert_eq!(response.status(), StatusCode::CREATED);

    let got = reqwest::get(at(&base, &upload.public_url)).await.unwrap();
    assert_eq!(got.status(), StatusCode::OK);
    let headers = got.headers().clone();
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(
        headers["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let etag = headers["etag"].to_str().unwrap().to_owned();
    assert!(etag.starts_with('"'), "{etag}");
    assert_eq!(got.bytes().await.unwrap().as_ref(), PNG);

    let again = reqwest::Client::new()
        .get(at(&base, &upload.public_url))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
}

#[tokio::test]
async fn an_absent_object_is_a_404_problem() {
    let (base, _) = server().await;
    let key = MediaKey::product_image(ProductId::new(), ImageType::Png);
    let response = reqwest::get(format!("{base}/media/{key}")).await.unwrap();
    assert_problem(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = reqwest::get(format!("{base}/media/../etc/passwd"))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn refused_uploads_are_problems_and_store_nothing() {
    let (base, media) = server().await;
    let upload = presign(&media, Duration::from_secs(600)).await;
    let url = at(&base, &upload.url);
    let tampered = url.replace("max=64", "max=65");
    let unsigned = url.split_once('?').unwrap().0.to_owned();
    let cases = [
        (
            "tampered",
            tampered.as_str(),
            "image/png",
            PNG.to_vec(),
            StatusCode::FORBIDDEN,
            "invalid_signature",
        ),
        (
            "unsigned",
            unsigned.as_str(),
            "image/png",
            PNG.to_vec(),
            StatusCode::FORBIDDEN,
            "invalid_signature",
        ),
        (
            "wrong type",
            url.as_str(),
            "image/jpeg",
            PNG.to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            "too big",
            url.as_str(),
            "image/png",
            vec![7; 65],
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        ),
    ];
    for (what, url, content_type, body, status, code) in cases {
        let response = put(url, content_type, body).await;
        assert_eq!(response.status(), status, "{what}");
        assert_problem(response, status, code).await;
    }
    assert_eq!(media.object(&upload.key).await.unwrap(), None);
    let served = reqwest::get(at(&base, &upload.public_url)).await.unwrap();
    assert_eq!(served.status(), StatusCode::NOT_FOUND);
}

/// An upload URL works once: the image served as immutable cannot be replaced through it.
#[tokio::test]
async fn an_upload_url_works_once() {
    let (base, media) = server().await;
    let upload = presign(&media, Duration::from_secs(600)).await;
    let url = at(&base, &upload.url);
    assert_eq!(
        put(&url, "image/png", PNG.to_vec()).await.status(),
        StatusCode::CREATED
    );
    let replacement = b"\x89PNG\r\n\x1a\n another one".to_vec();
    assert_problem(
        put(&url, "image/png", replacement).await,
        StatusCode::CONFLICT,
        "already_uploaded",
    )
    .await;
    let served = reqwest::get(at(&base, &upload.public_url)).await.unwrap();
    assert_eq!(served.bytes().await.unwrap(), PNG, "the first upload stays");
}

/// Bytes that are not an image of the signed type (a page declared as a PNG) are refused
/// and stored nowhere; what is served says its type and nothing else may be sniffed.
#[tokio::test]
async fn only_images_of_the_signed_type_are_stored_and_served_unsniffable() {
    let (base, media) = server().await;
    let upload = presign(&media, Duration::from_secs(600)).await;
    let url = at(&base, &upload.url);
    for body in [
        b"<html><script>alert(1)</script>".to_vec(),
        b"GIF89a a gif, not a png".to_vec(),
        Vec::new(),
    ] {
        assert_problem(
            put(&url, "image/png", body).await,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "not_an_image",
        )
        .await;
    }
    let nothing = reqwest::get(at(&base, &upload.public_url)).await.unwrap();
    assert_eq!(nothing.status(), StatusCode::NOT_FOUND);

    assert_eq!(
        put(&url, "image/png", PNG.to_vec()).await.status(),
        StatusCode::CREATED,
        "a refused upload does not use the URL up"
    );
    let served = reqwest::get(at(&base, &upload.public_url)).await.unwrap();
    assert_eq!(served.headers()["x-content-type-options"], "nosniff");
    assert_eq!(
        served.headers()["content-security-policy"],
        "default-src 'none'; sandbox"
    );
}

#[tokio::test]
async fn an_expired_url_is_refused() {
    let (base, media) = server().await;
    // Signed to expire now: a second later it is past.
    let upload = presign(&media, Duration::ZERO).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let response = put(&at(&base, &upload.url), "image/png", PNG.to_vec()).await;
    assert_problem(response, StatusCode::FORBIDDEN, "upload_expired").await;
    assert_eq!(media.object(&upload.key).await.unwrap(), None);
}

#[tokio::test]
async fn without_a_media_store_images_redirect_to_the_bucket_and_uploads_are_404() {
    // Media on a bucket: no host.
    let ports = Ports {
        media_host: None,
        ..MemoryBackend::default().ports()
    };
    let public = ports.media.clone();
    let base = support::serve(AppState::new(ports)).await;
    let key = MediaKey::product_image(ProductId::new(), ImageType::Png);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = client
        .get(format!("{base}/media/{key}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(
        response.headers()["location"],
        public.public_url(&key).as_str()
    );
    let upload = put(
        &format!("{base}/media/{key}?max=1&expires=1&sig=x"),
        "image/png",
        PNG.to_vec(),
    )
    .await;
    assert_problem(upload, StatusCode::NOT_FOUND, "not_found").await;
    let not_a_key = client
        .get(format!("{base}/media/elsewhere/x.png"))
        .send()
        .await
        .unwrap();
    assert_problem(not_a_key, StatusCode::NOT_FOUND, "not_found").await;
}
