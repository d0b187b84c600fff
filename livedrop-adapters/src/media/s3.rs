//! [`S3Media`]: SigV4-presigned `PUT`s straight to an S3-compatible bucket (object_store).
//!
//! The server only signs: the client sends the bytes to the bucket, and the bucket (or a
//! CDN in front of it) serves them, so no image passes through the API. Signing is local
//! (HMACs over the request): the server makes no request to S3 at all, and is built
//! without an HTTP client for it.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use livedrop_core::ports::{Media, MediaKey, Ports, PresignedUpload, UploadRequest};
use livedrop_core::{Error, Result};
use object_store::ClientOptions;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::client::{
    HttpClient, HttpConnector, HttpError, HttpErrorKind, HttpRequest, HttpResponse, HttpService,
};
use object_store::path::Path;
use object_store::signer::{HeaderName, HeaderValue, Method, SignedUrlOptions, Signer};

/// SigV4's longest presigned URL lifetime.
const LONGEST_URL_LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);

/// Where the bucket is and how to sign for it. Credentials left `None` come from the
/// usual `AWS_*` environment variables (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, ...).
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct S3Config {
    /// The bucket.
    pub bucket: String,
    /// Its region (`us-east-1` when `None` and `AWS_REGION` is unset).
    pub region: Option<String>,
    /// An S3-compatible endpoint (`http://127.0.0.1:9000`); `None`: AWS itself. With an
    /// endpoint, URLs are path-style (`{endpoint}/{bucket}/{key}`).
    pub endpoint: Option<String>,
    /// Access key id.
    pub access_key_id: Option<String>,
    /// Secret access key.
    pub secret_access_key: Option<String>,
    /// Where objects are served from, e.g. a CDN: `{public_base_url}/{key}`. `None`: the
    /// bucket's own URL.
    pub public_base_url: Option<String>,
}

impl S3Config {
    /// The bucket `bucket`, everything else from the environment.
    pub fn new(bucket: impl Into<String>) -> Self {
        Self {
            bucket: bucket.into(),
            ..Self::default()
        }
    }
}

impl std::fmt::Debug for S3Config {
    // Never the secret key: configs get logged.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Config")
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("access_key_id", &self.access_key_id)
            .field("public_base_url", &self.public_base_url)
            .finish_non_exhaustive()
    }
}

/// object_store's HTTP transport, which presigning never uses: signing is local, and
/// leaving out reqwest keeps a TLS stack out of the build. Credentials that need a request
/// to obtain (instance metadata, web identity) therefore do not work: configure static
/// keys.
#[derive(Debug)]
struct NoTransport;

impl HttpConnector for NoTransport {
    fn connect(&self, _: &ClientOptions) -> object_store::Result<HttpClient> {
        Ok(HttpClient::new(NoTransport))
    }
}

#[async_trait]
impl HttpService for NoTransport {
    async fn call(&self, _: HttpRequest) -> Result<HttpResponse, HttpError> {
        Err(HttpError::new(
            HttpErrorKind::Request,
            std::io::Error::other("the S3 media backend only presigns; it makes no requests"),
        ))
    }
}

/// Product images in an S3 bucket.
#[derive(Debug)]
pub struct S3Media {
    store: AmazonS3,
    public_base_url: String,
}

impl S3Media {
    /// A signer for `config`'s bucket.
    ///
    /// # Errors
    /// [`Error::Internal`] when the configuration is incomplete (no credentials, bad
    /// endpoint URL).
    pub fn new(config: S3Config) -> Result<Self> {
        let mut builder = AmazonS3Builder::from_env()
            .with_http_connector(NoTransport)
            .with_bucket_name(&config.bucket);
        if let Some(region) = &config.region {
            builder = builder.with_region(region);
        }
        if let Some(endpoint) = &config.endpoint {
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"))
                .with_virtual_hosted_style_request(false);
        }
        if let Some(id) = &config.access_key_id {
            builder = builder.with_access_key_id(id);
        }
        if let Some(secret) = &config.secret_access_key {
            builder = builder.with_secret_access_key(secret);
        }
        let store = builder.build().map_err(|e| Error::internal("s3", e))?;
        let public_base_url = match (&config.public_base_url, &config.endpoint) {
            (Some(base), _) => base.trim_end_matches('/').to_owned(),
            (None, Some(endpoint)) => {
                format!("{}/{}", endpoint.trim_end_matches('/'), config.bucket)
            }
            (None, None) => {
                let region = config.region.as_deref().unwrap_or("us-east-1");
                format!("https://{}.s3.{region}.amazonaws.com", config.bucket)
            }
        };
        Ok(Self {
            store,
            public_base_url,
        })
    }
}

impl S3Media {
    /// `base` with its media port replaced by this bucket's signer; the bucket takes the
    /// uploads and serves the images, so there is no media host.
    pub fn ports(self: &Arc<Self>, base: Ports) -> Ports {
        Ports {
            media: self.clone(),
            media_host: None,
            ..base
        }
    }
}

#[async_trait]
impl Media for S3Media {
    async fn presign_upload(
        &self,
        req: &UploadRequest,
        now: DateTime<Utc>,
    ) -> Result<PresignedUpload> {
        req.check_type()?;
        let expires_in = req.expires_in.min(LONGEST_URL_LIFETIME);
        let lifetime =
            chrono::Duration::from_std(expires_in).map_err(|e| Error::internal("s3", e))?;
        // The content type is a signed header: S3 refuses an upload declaring another.
        // A presigned PUT cannot cap the body's size (only a POST policy can), so
        // `max_bytes` is not enforced by the bucket.
        let options = SignedUrlOptions::default().with_signed_header(
            HeaderName::from_static("content-type"),
            HeaderValue::from_static(req.content_type.mime()),
        );
        let url = self
            .store
            .signed_url_opts(
                Method::PUT,
                &Path::from(req.key.as_str()),
                expires_in,
                &options,
            )
            .await
            .map_err(|e| Error::internal("s3", e))?;
        Ok(PresignedUpload {
            url: url.to_string(),
            method: "PUT".to_owned(),
            headers: vec![(
                "content-type".to_owned(),
                req.content_type.mime().to_owned(),
            )],
            // SigV4 signs with the wall clock (object_store reads it), which `now` is in
            // production; the URL's own X-Amz-Date/X-Amz-Expires are what S3 checks.
            expires_at: now + lifetime,
            key: req.key.clone(),
            public_url: self.public_url(&req.key),
        })
    }

    fn public_url(&self, key: &MediaKey) -> String {
        format!("{}/{}", self.public_base_url, key)
    }
}
