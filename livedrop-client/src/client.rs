//! [`Client`]: one server's base URL, a pooled HTTP client and the caller's session, plus
//! the entry points, one handler per resource.

use std::sync::Arc;
use std::time::Duration;

use livedrop_core::wire::{HealthStatus, RefreshBody, TokenPair};
use reqwest::{Method, Url};
use serde::de::DeserializeOwned;

use crate::call::Call;
use crate::session::Session;
use crate::{
    AuthHandler, ClientBuilder, ClientError, CreatorsHandler, DropsHandler, FollowsHandler,
    NotificationsHandler, OrdersHandler, ProductsHandler, RealtimeHandler, Result, RetryPolicy,
};

/// A client of one LiveDrop server. Cheap to clone: clones share the connection pool and
/// the session (signing in on one signs in all).
///
/// ```no_run
/// use livedrop_client::Client;
///
/// # async fn example(id: livedrop_core::ids::DropId) -> Result<(), livedrop_client::ClientError> {
/// let client = Client::builder().base_url("http://127.0.0.1:8080").build()?;
/// client.health().await?;
/// client.auth().login("ada@example.com", "correct horse battery").await?;
/// let view = client.drops().get(id).await?;
/// println!("{} of {} left", view.stock.available, view.drop.plan.initial_stock());
/// let order = client.orders().place(id, 1).await?;
/// println!("order {} confirmed", order.id);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    base_url: Url,
    timeout: Duration,
    retry: RetryPolicy,
    session: Session,
}

/// What [`ClientBuilder::build`] hands over.
pub(crate) struct Parts {
    pub(crate) http: reqwest::Client,
    pub(crate) base_url: Url,
    pub(crate) timeout: Duration,
    pub(crate) retry: RetryPolicy,
    pub(crate) refresh_margin: Duration,
}

impl Client {
    /// A builder; see [`ClientBuilder`].
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    pub(crate) fn from_parts(parts: Parts) -> Self {
        Self {
            inner: Arc::new(Inner {
                http: parts.http,
                base_url: parts.base_url,
                timeout: parts.timeout,
                retry: parts.retry,
                session: Session::new(parts.refresh_margin),
            }),
        }
    }

    /// The base URL every path is resolved against (always ends in `/`).
    pub fn base_url(&self) -> &Url {
        &self.inner.base_url
    }

    /// The retry policy of calls that are safe to repeat.
    pub fn retry_policy(&self) -> RetryPolicy {
        self.inner.retry
    }

    /// `GET /healthz`: `{"status":"ok"}` when the server process is up and serving.
    ///
    /// # Errors
    /// [`ClientError::Transport`] if the server cannot be reached, [`ClientError::Api`] if it
    /// answers with an error.
    pub async fn health(&self) -> Result<HealthStatus> {
        self.fetch(Call::new(Method::GET, self.url(&["healthz"])))
            .await
    }

    /// `GET /readyz`: `200` with each backend's state when every one answers; otherwise
    /// `503 not_ready` (an [`ClientError::Api`]).
    ///
    /// # Errors
    /// As [`health`](Self::health).
    pub async fn ready(&self) -> Result<HealthStatus> {
        // Not ready is an answer to report, not a blip to retry away.
        let call = Call::new(Method::GET, self.url(&["readyz"]));
        let answer = self.execute_once(&call).await?;
        crate::call::decode(&answer)
    }

    /// Sign-up, sign-in and the session's tokens.
    pub fn auth(&self) -> AuthHandler<'_> {
        AuthHandler::new(self)
    }

    /// Creators: `/api/creators`.
    pub fn creators(&self) -> CreatorsHandler<'_> {
        CreatorsHandler::new(self)
    }

    /// Products, their images and a creator's catalog.
    pub fn products(&self) -> ProductsHandler<'_> {
        ProductsHandler::new(self)
    }

    /// Drops: create, read, browse by status.
    pub fn drops(&self) -> DropsHandler<'_> {
        DropsHandler::new(self)
    }

    /// Follows: follow, unfollow, lists and the check.
    pub fn follows(&self) -> FollowsHandler<'_> {
        FollowsHandler::new(self)
    }

    /// The caller's orders.
    pub fn orders(&self) -> OrdersHandler<'_> {
        OrdersHandler::new(self)
    }

    /// The caller's notification inbox.
    pub fn notifications(&self) -> NotificationsHandler<'_> {
        NotificationsHandler::new(self)
    }

    /// The caller's live event stream.
    pub fn realtime(&self) -> RealtimeHandler<'_> {
        RealtimeHandler::new(self)
    }

    /// `GET` an arbitrary `path` (relative to the base URL, as written, not re-encoded) and
    /// decode its JSON body: for routes this version has no typed method for. Sends the
    /// access token when signed in.
    ///
    /// # Errors
    /// As the typed methods, plus [`ClientError::InvalidUrl`] if `path` does not join.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        let url = self
            .inner
            .base_url
            .join(path.trim_start_matches('/'))
            .map_err(|error| ClientError::InvalidUrl {
                url: path.to_owned(),
                reason: error.to_string(),
            })?;
        // An absolute URL joins to another host; the session's token must not go there.
        if url.origin() != self.inner.base_url.origin() {
            return Err(ClientError::InvalidUrl {
                url: path.to_owned(),
                reason: "not on the client's server".to_owned(),
            });
        }
        let call = Call::new(Method::GET, url);
        let call = match self.is_signed_in() {
            true => call.authed(),
            false => call,
        };
        self.fetch(call).await
    }

    /// Whether the client holds a token pair (from a login or registration).
    pub fn is_signed_in(&self) -> bool {
        self.inner.session.current().is_some()
    }

    /// The held token pair, to persist a session across restarts.
    pub fn tokens(&self) -> Option<TokenPair> {
        self.inner.session.current()
    }

    /// Signs in with a pair persisted earlier (or `None` to forget the session locally).
    pub fn set_tokens(&self, tokens: Option<TokenPair>) {
        self.inner.session.set(tokens);
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    pub(crate) fn timeout(&self) -> Duration {
        self.inner.timeout
    }

    /// The base URL with `segments` appended, each percent-encoded as one path segment.
    pub(crate) fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.inner.base_url.clone();
        // The builder only accepts http(s) URLs, which always have path segments.
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    /// The access token to send now, refreshed first when it is about to expire.
    pub(crate) async fn access_token(&self) -> Result<String> {
        let pair = self
            .inner
            .session
            .current()
            .ok_or(ClientError::NotSignedIn)?;
        if !self.inner.session.is_stale(&pair) {
            return Ok(pair.access_token);
        }
        self.refresh_after(&pair.access_token).await?;
        let pair = self
            .inner
            .session
            .current()
            .ok_or(ClientError::NotSignedIn)?;
        Ok(pair.access_token)
    }

    /// Replaces the pair whose access token is `stale`, once: callers that queued behind a
    /// refresh find the pair already replaced and return at once. A refused refresh token
    /// (expired, revoked, reused) ends the session.
    pub(crate) async fn refresh_after(&self, stale: &str) -> Result<()> {
        let session = &self.inner.session;
        let _refreshing = session.refreshing.lock().await;
        let pair = session.current().ok_or(ClientError::NotSignedIn)?;
        if pair.access_token != stale {
            return Ok(());
        }
        let body = RefreshBody {
            refresh_token: pair.refresh_token,
        };
        // Never repeated: if the answer was lost, the token is spent and a repeat would be
        // taken as theft (the whole sign-in revoked).
        let call = Call::new(Method::POST, self.url(&["api", "auth", "refresh"])).json(&body);
        match self.execute_once(&call).await {
            Ok(answer) => {
                session.set(Some(crate::call::decode::<TokenPair>(&answer)?));
                Ok(())
            }
            Err(error) => {
                if error.status() == Some(reqwest::StatusCode::UNAUTHORIZED) {
                    session.set(None);
                }
                Err(error)
            }
        }
    }

    pub(crate) fn session(&self) -> &Session {
        &self.inner.session
    }
}
