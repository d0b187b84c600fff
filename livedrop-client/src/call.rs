//! [`Call`]: one API request as data, so it can be sent again (a retry, or the repeat after
//! a token refresh), and the loop that sends it.

use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{Client, ClientError, Result};

/// One request: what to send, whether it needs the caller's access token, and whether it
/// is safe to repeat.
#[derive(Clone, Debug)]
pub(crate) struct Call {
    method: Method,
    url: Url,
    query: Vec<(&'static str, String)>,
    headers: HeaderMap,
    /// Encoded once; each attempt sends a copy.
    body: Option<Vec<u8>>,
    authed: bool,
    retry: bool,
}

/// A 2xx answer.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) body: Vec<u8>,
}

impl Call {
    /// A request that needs no token and is not repeated.
    pub(crate) fn new(method: Method, url: Url) -> Self {
        Self {
            // GETs change nothing: repeating one is always safe.
            retry: method == Method::GET,
            method,
            url,
            query: Vec::new(),
            headers: HeaderMap::new(),
            body: None,
            authed: false,
        }
    }

    /// A JSON body.
    pub(crate) fn json(mut self, body: &impl Serialize) -> Self {
        // The wire types are plain data with string keys: encoding cannot fail, and an
        // empty body would be refused by the server as `invalid_json` anyway.
        let bytes = serde_json::to_vec(body).unwrap_or_default();
        self.headers
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        self.body = Some(bytes);
        self
    }

    /// A raw body (its type goes in a [`header`](Self::header)).
    pub(crate) fn bytes(mut self, body: Vec<u8>) -> Self {
        self.body = Some(body);
        self
    }

    /// A query parameter.
    pub(crate) fn query(mut self, name: &'static str, value: impl ToString) -> Self {
        self.query.push((name, value.to_string()));
        self
    }

    /// A header.
    pub(crate) fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// Sends the caller's access token (refreshing it when needed).
    pub(crate) fn authed(mut self) -> Self {
        self.authed = true;
        self
    }

    /// Marks a non-GET call safe to repeat: the server answers a repeat as it answered the
    /// first (an idempotency key) or the effect is the same (follow, unfollow, cancel).
    pub(crate) fn retried(mut self) -> Self {
        self.retry = true;
        self
    }

    fn request(&self, client: &Client, token: Option<&str>) -> reqwest::RequestBuilder {
        let mut request = client
            .http()
            .request(self.method.clone(), self.url.clone())
            .headers(self.headers.clone())
            .timeout(client.timeout());
        if !self.query.is_empty() {
            request = request.query(&self.query);
        }
        if let Some(body) = &self.body {
            request = request.body(body.clone());
        }
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request
    }
}

impl Client {
    /// Sends `call` until it succeeds, fails for good, or runs out of retries.
    ///
    /// A `401` on an authenticated call refreshes the tokens once and repeats the call
    /// (that repeat is not counted as a retry: the first attempt was refused before it did
    /// anything). Calls marked safe to repeat are repeated on network failures, `5xx`,
    /// `429` (waiting at least its `Retry-After`) and `409 idempotency_key_in_flight`.
    pub(crate) async fn execute(&self, call: &Call) -> Result<Answer> {
        let mut delays = self.retry_policy().delays();
        let mut refreshed = false;
        loop {
            let token = match call.authed {
                true => Some(self.access_token().await?),
                false => None,
            };
            let error = match self.attempt(call, token.as_deref()).await {
                Ok(answer) => return Ok(answer),
                Err(error) => error,
            };
            if let (Some(token), false) = (&token, refreshed)
                && error.status() == Some(StatusCode::UNAUTHORIZED)
            {
                refreshed = true;
                self.refresh_after(token).await?;
                continue;
            }
            if !call.retry || !error.is_retryable() {
                return Err(error);
            }
            let Some(delay) = delays.next() else {
                return Err(error);
            };
            let delay = delay.max(error.retry_after().unwrap_or_default());
            tokio::time::sleep(delay).await;
        }
    }

    /// One attempt: the answer, or the error it became.
    async fn attempt(&self, call: &Call, token: Option<&str>) -> Result<Answer> {
        let response = call.request(self, token).send().await?;
        let status = response.status();
        let headers = response.headers().clone();
        // A connection that breaks mid-body surfaces here, as a transport error.
        let body = response.bytes().await?.to_vec();
        if status.is_success() {
            Ok(Answer { status, body })
        } else {
            Err(ClientError::from_answer(status, &headers, &body))
        }
    }

    /// One attempt, no token, no retry: for answers that must not be repeated.
    pub(crate) async fn execute_once(&self, call: &Call) -> Result<Answer> {
        self.attempt(call, None).await
    }

    /// Sends `call` and decodes its 2xx JSON body as `T`.
    pub(crate) async fn fetch<T: DeserializeOwned>(&self, call: Call) -> Result<T> {
        let answer = self.execute(&call).await?;
        decode(&answer)
    }

    /// Sends `call`, ignoring its 2xx body.
    pub(crate) async fn send_call(&self, call: Call) -> Result<()> {
        self.execute(&call).await.map(drop)
    }
}

/// The JSON body of `answer` as `T`.
pub(crate) fn decode<T: DeserializeOwned>(answer: &Answer) -> Result<T> {
    serde_json::from_slice(&answer.body).map_err(|source| ClientError::Decode {
        status: answer.status,
        source,
    })
}
