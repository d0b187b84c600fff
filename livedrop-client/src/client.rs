//! [`Client`]: one server's base URL and a pooled HTTP client, plus the request plumbing
//! every resource handler uses.

use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;

use crate::{ClientBuilder, ClientError, DropsHandler, Result};

/// A client of one LiveDrop server. Cheap to clone (connections are pooled and shared).
///
/// ```no_run
/// use livedrop_client::Client;
///
/// # async fn example(id: livedrop_core::ids::DropId) -> Result<(), livedrop_client::ClientError> {
/// let client = Client::builder().base_url("http://127.0.0.1:8080").build()?;
/// client.health().await?;
/// let view = client.drops().get(id).await?;
/// println!("{} of {} left", view.stock.available, view.drop.plan.initial_stock());
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Client {
    http: reqwest::Client,
    base_url: Url,
}

impl Client {
    /// A builder; see [`ClientBuilder`].
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    pub(crate) fn from_parts(http: reqwest::Client, base_url: Url) -> Self {
        Self { http, base_url }
    }

    /// The base URL every path is resolved against (always ends in `/`).
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// `GET /healthz`: succeeds when the server process is up and serving.
    ///
    /// # Errors
    /// [`ClientError::Transport`] if the server cannot be reached, [`ClientError::Api`] if it
    /// answers with an error.
    pub async fn health(&self) -> Result<()> {
        let url = self.url(&["healthz"])?;
        self.send(self.request(Method::GET, url)).await.map(drop)
    }

    /// The `/drops` resource.
    pub fn drops(&self) -> DropsHandler<'_> {
        DropsHandler::new(self)
    }

    /// `GET` an arbitrary `path` (relative to the base URL, as written, not re-encoded) and
    /// decode its JSON body: for routes this version has no typed method for.
    ///
    /// # Errors
    /// As the typed methods, plus [`ClientError::InvalidUrl`] if `path` does not join.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        let url = self
            .base_url
            .join(path.trim_start_matches('/'))
            .map_err(|error| ClientError::InvalidUrl {
                url: path.to_owned(),
                reason: error.to_string(),
            })?;
        self.json(self.request(Method::GET, url)).await
    }

    /// A request on the shared connection pool.
    pub(crate) fn request(&self, method: Method, url: Url) -> reqwest::RequestBuilder {
        self.http.request(method, url)
    }

    /// The base URL with `segments` appended, each percent-encoded as one path segment.
    pub(crate) fn url(&self, segments: &[&str]) -> Result<Url> {
        let mut url = self.base_url.clone();
        url.path_segments_mut()
            .map_err(|()| ClientError::InvalidUrl {
                url: self.base_url.to_string(),
                reason: "cannot be a base".to_owned(),
            })?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    /// Sends `request` and decodes a 2xx JSON body as `T`.
    pub(crate) async fn json<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T> {
        let (status, body) = self.send(request).await?;
        serde_json::from_slice(&body).map_err(|source| ClientError::Decode { status, source })
    }

    /// Sends `request`; a non-2xx answer becomes [`ClientError::Api`] (or
    /// [`ClientError::Decode`] when its body is no problem).
    async fn send(&self, request: reqwest::RequestBuilder) -> Result<(StatusCode, Vec<u8>)> {
        let response = request.send().await?;
        let status = response.status();
        let body = response.bytes().await?;
        if status.is_success() {
            Ok((status, body.to_vec()))
        } else {
            Err(ClientError::from_answer(status, &body))
        }
    }
}
