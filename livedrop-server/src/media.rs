//! Which media backend the server signs uploads for: the configuration and the wiring.
//!
//! - nothing set: uploads come to this server and are kept in memory;
//! - `--media-dir`: uploads come to this server and are written under that directory;
//! - `--s3-bucket` (feature `s3`): uploads go straight to the bucket, the server only
//!   signs them and serves nothing.

use std::path::PathBuf;
use std::sync::Arc;

use livedrop_adapters::media::{LocalMedia, UploadSigner};
use livedrop_core::ports::Media;

use crate::backends::BackendError;

/// The media settings ([`Config`](crate::Config) flattens them in).
#[derive(Clone, PartialEq, Eq, clap::Args)]
#[non_exhaustive]
pub struct MediaConfig {
    /// The server's public base URL (`https://api.example.com`): upload and image links
    /// it signs start with it. Unset: `http://{listen address}`.
    #[arg(long, env = "LIVEDROP_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Directory product images are stored in and served from. Unset: in memory.
    #[arg(long, env = "LIVEDROP_MEDIA_DIR", conflicts_with = "s3_bucket")]
    pub media_dir: Option<PathBuf>,
    /// Secret upload URLs are signed with; instances sharing a media directory need the
    /// same one. Unset: random, so upload URLs die with the process.
    #[arg(long, env = "LIVEDROP_MEDIA_SECRET", hide_env_values = true)]
    pub media_secret: Option<String>,
    /// S3 bucket for product images (needs feature `s3`; credentials from the `AWS_*`
    /// variables).
    #[arg(long, env = "LIVEDROP_S3_BUCKET")]
    pub s3_bucket: Option<String>,
    /// S3-compatible endpoint (MinIO, ...); unset: AWS.
    #[arg(long, env = "LIVEDROP_S3_ENDPOINT", requires = "s3_bucket")]
    pub s3_endpoint: Option<String>,
    /// The bucket's region; unset: `AWS_REGION`, else `us-east-1`.
    #[arg(long, env = "LIVEDROP_S3_REGION", requires = "s3_bucket")]
    pub s3_region: Option<String>,
    /// Where the bucket's objects are served from (a CDN); unset: the bucket's URL.
    #[arg(long, env = "LIVEDROP_S3_PUBLIC_URL", requires = "s3_bucket")]
    pub s3_public_url: Option<String>,
}

impl std::fmt::Debug for MediaConfig {
    // Never the secret: configs get logged.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaConfig")
            .field("public_url", &self.public_url)
            .field("media_dir", &self.media_dir)
            .field("media_secret", &self.media_secret.as_ref().map(|_| "set"))
            .field("s3_bucket", &self.s3_bucket)
            .field("s3_endpoint", &self.s3_endpoint)
            .field("s3_region", &self.s3_region)
            .field("s3_public_url", &self.s3_public_url)
            .finish()
    }
}

/// The media port, and the store the server's `/media` routes serve when uploads come
/// to the server (`None` with S3).
pub(crate) async fn connect(
    config: &MediaConfig,
    listen: std::net::SocketAddr,
) -> Result<(Arc<dyn Media>, Option<Arc<LocalMedia>>), BackendError> {
    if let Some(bucket) = &config.s3_bucket {
        return Ok((s3(config, bucket)?, None));
    }
    let base = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{listen}"));
    let signer = config
        .media_secret
        .as_ref()
        .map_or_else(UploadSigner::random, |secret| {
            UploadSigner::new(secret.as_bytes().to_vec())
        });
    let local = match &config.media_dir {
        Some(dir) => LocalMedia::in_directory(&base, signer, dir)
            .await
            .map_err(|source| BackendError::Connect {
                backend: "media directory",
                source,
            })?,
        None => LocalMedia::in_memory(&base, signer),
    };
    let local = Arc::new(local);
    Ok((local.clone(), Some(local)))
}

#[cfg(feature = "s3")]
fn s3(config: &MediaConfig, bucket: &str) -> Result<Arc<dyn Media>, BackendError> {
    use livedrop_adapters::media::{S3Config, S3Media};
    let mut s3 = S3Config::new(bucket);
    s3.endpoint.clone_from(&config.s3_endpoint);
    s3.region.clone_from(&config.s3_region);
    s3.public_base_url.clone_from(&config.s3_public_url);
    let media = S3Media::new(s3).map_err(|source| BackendError::Connect {
        backend: "s3",
        source,
    })?;
    Ok(Arc::new(media))
}

#[cfg(not(feature = "s3"))]
fn s3(_: &MediaConfig, _: &str) -> Result<Arc<dyn Media>, BackendError> {
    Err(BackendError::NotBuilt {
        setting: "LIVEDROP_S3_BUCKET",
        backend: "s3",
    })
}
