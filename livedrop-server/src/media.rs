//! Which media backend the server signs uploads for: the configuration (wired in
//! [`backends`](crate::backends)).
//!
//! - nothing set: uploads come to this server and are kept in memory;
//! - `--media-dir`: uploads come to this server and are written under that directory;
//! - `--s3-bucket` (feature `s3`): uploads go straight to the bucket, the server only
//!   signs them and serves nothing.

use std::path::PathBuf;

/// The media settings ([`Config`](crate::Config) flattens them in).
#[derive(Clone, PartialEq, Eq, clap::Args)]
#[non_exhaustive]
pub struct MediaConfig {
    /// The server's public base URL (`https://api.example.com`): upload and image links
    /// it signs start with it, and so do the links in the registration mail (the web app
    /// is served there). Unset: `http://{listen address}`.
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
