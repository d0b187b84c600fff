//! Media backends for the tests: a local directory (always), S3 from
//! `LIVEDROP_TEST_S3_ENDPOINT` (feature `s3`).

use std::sync::Arc;

use livedrop_adapters::media::{LocalMedia, UploadSigner};
use livedrop_core::ports::Ports;

/// A fresh directory under the system's temporary directory, removed by the caller (or
/// left for the OS to clean: tests write a few bytes).
pub fn temp_dir() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("livedrop-media-{}", uuid::Uuid::new_v4().simple()))
}

/// Local media over a fresh directory.
pub async fn local_dir() -> LocalMedia {
    LocalMedia::in_directory("http://127.0.0.1:8080", UploadSigner::random(), temp_dir())
        .await
        .expect("create a temporary media directory")
}

/// The memory ports with directory media.
pub async fn local_dir_ports() -> Ports {
    Arc::new(local_dir().await).ports(super::memory_ports())
}

#[cfg(feature = "s3")]
pub mod s3 {
    use std::sync::Arc;

    use livedrop_adapters::media::{S3Config, S3Media};
    use livedrop_core::ports::Ports;

    const ENDPOINT_VARIABLE: &str = "LIVEDROP_TEST_S3_ENDPOINT";

    /// The endpoint, or `None` after saying why (a failure under
    /// `LIVEDROP_REQUIRE_BACKENDS=1`).
    pub fn endpoint() -> Option<String> {
        match std::env::var(ENDPOINT_VARIABLE) {
            Ok(endpoint) => Some(endpoint),
            Err(_) => {
                super::super::missing(
                    "S3",
                    &format!("{ENDPOINT_VARIABLE} is not set (.ci/run starts moto_server)"),
                );
                None
            }
        }
    }

    /// A bucket of the test's own on `endpoint`, created with a plain `PUT /{bucket}`
    /// (moto and S3-compatible test servers accept it unsigned), and a signer for it.
    pub async fn bucket(endpoint: &str) -> (S3Media, String) {
        let bucket = format!("livedrop-test-{}", uuid::Uuid::new_v4().simple());
        let created = reqwest::Client::new()
            .put(format!("{endpoint}/{bucket}"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{ENDPOINT_VARIABLE}={endpoint} does not answer: {e}"));
        assert!(
            created.status().is_success(),
            "create bucket {bucket}: {}",
            created.status()
        );
        let mut config = S3Config::new(&bucket);
        config.endpoint = Some(endpoint.to_owned());
        config.region = Some("us-east-1".to_owned());
        config.access_key_id = Some("testing".to_owned());
        config.secret_access_key = Some("testing".to_owned());
        (S3Media::new(config).expect("an S3 signer"), bucket)
    }

    /// The memory ports with S3 media, or `None` when no endpoint is configured.
    pub async fn ports() -> Option<Ports> {
        let endpoint = endpoint()?;
        let (media, _) = bucket(&endpoint).await;
        Some(Arc::new(media).ports(super::super::memory_ports()))
    }
}
