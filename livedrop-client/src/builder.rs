//! [`ClientBuilder`]: how a [`Client`] is configured.

use std::time::Duration;

use reqwest::Url;

use crate::{Client, ClientError, Result, RetryPolicy};

/// The base URL used when none is set: the server's default listen address.
pub const DEFAULT_BASE_URL: &str = "http://127.0.0.1:8080/";
/// The whole-request timeout used when none is set.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The connect timeout used when none is set.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long the event stream may stay silent before it is taken as dead and reopened:
/// the server sends a keep-alive every 15 s.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(45);
/// An access token this close to its expiry is refreshed before it is sent.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(30);

/// Configures a [`Client`]; start with [`Client::builder`].
///
/// ```
/// use std::time::Duration;
/// use livedrop_client::Client;
///
/// let client = Client::builder()
///     .base_url("http://127.0.0.1:8080/v1")
///     .timeout(Duration::from_secs(5))
///     .max_retries(5)
///     .retry_base_delay(Duration::from_millis(50))
///     .build()?;
/// assert_eq!(client.retry_policy().max_retries, 5);
/// assert_eq!(client.base_url().as_str(), "http://127.0.0.1:8080/v1/");
/// assert!(Client::builder().base_url("ftp://example.com").build().is_err());
/// # Ok::<(), livedrop_client::ClientError>(())
/// ```
#[derive(Debug, Default)]
#[must_use]
pub struct ClientBuilder {
    base_url: Option<String>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    user_agent: Option<String>,
    http: Option<reqwest::Client>,
    retry: RetryPolicy,
    refresh_margin: Option<Duration>,
}

impl ClientBuilder {
    /// The server's URL (`http://host:port`, optionally with a path prefix). Default
    /// [`DEFAULT_BASE_URL`]. This build has no TLS backend of its own: for `https://` pass a
    /// TLS-enabled client with [`http_client`](Self::http_client).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Gives up on a request after this long (default [`DEFAULT_TIMEOUT`]).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Repeats of a failed call that is safe to repeat (default 3; 0 turns retries off).
    pub fn max_retries(mut self, max_retries: usize) -> Self {
        self.retry.max_retries = max_retries;
        self
    }

    /// The first retry's delay, doubled for each further one (default 100 ms), jittered.
    pub fn retry_base_delay(mut self, delay: Duration) -> Self {
        self.retry.base_delay = delay;
        self
    }

    /// The whole retry policy at once; see [`RetryPolicy`].
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Refreshes the access token when it expires within this (default
    /// [`DEFAULT_REFRESH_MARGIN`]).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = Some(margin);
        self
    }

    /// Gives up connecting after this long (default [`DEFAULT_CONNECT_TIMEOUT`]).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// The `User-Agent` header (default `livedrop-client/VERSION`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Uses this `reqwest` client as is (its own TLS, proxies); the connect timeout and
    /// user agent settings above are then ignored (the per-request timeout still applies
    /// to every call but the event stream).
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// The client.
    ///
    /// # Errors
    /// [`ClientError::InvalidUrl`] for a base URL that is not `http(s)://`, or has a query or
    /// fragment; [`ClientError::Transport`] if the HTTP client cannot be set up.
    pub fn build(self) -> Result<Client> {
        let base_url = parse_base_url(self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL))?;
        let http = match self.http {
            Some(http) => http,
            // No client-wide total timeout: it would cut the event stream. Each call sets
            // its own; a silent stream is caught by the read timeout.
            None => reqwest::Client::builder()
                .read_timeout(DEFAULT_READ_TIMEOUT)
                .connect_timeout(self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))
                .user_agent(self.user_agent.unwrap_or_else(|| {
                    concat!("livedrop-client/", env!("CARGO_PKG_VERSION")).to_owned()
                }))
                .build()?,
        };
        Ok(Client::from_parts(crate::client::Parts {
            http,
            base_url,
            timeout: self.timeout.unwrap_or(DEFAULT_TIMEOUT),
            retry: self.retry,
            refresh_margin: self.refresh_margin.unwrap_or(DEFAULT_REFRESH_MARGIN),
        }))
    }
}

/// Parses and normalises a base URL: `http(s)`, no query or fragment, path ending in `/`
/// so paths join below it.
fn parse_base_url(text: &str) -> Result<Url> {
    let invalid = |reason: &str| ClientError::InvalidUrl {
        url: text.to_owned(),
        reason: reason.to_owned(),
    };
    let mut url = Url::parse(text).map_err(|error| invalid(&error.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("the scheme must be http or https"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("a base URL has no query or fragment"));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_normalised_or_refused() {
        assert_eq!(
            parse_base_url("http://localhost:1").unwrap().as_str(),
            "http://localhost:1/"
        );
        assert_eq!(
            parse_base_url("http://h/api/").unwrap().as_str(),
            "http://h/api/"
        );
        for bad in [
            "localhost:8080",
            "ftp://h",
            "http://h/?x=1",
            "http://h/#f",
            "",
        ] {
            assert!(
                matches!(parse_base_url(bad), Err(ClientError::InvalidUrl { .. })),
                "{bad:?} should be refused"
            );
        }
    }
}
