//! [`User`]: one simulated person of the `sse` mode: an HTTP client sending from its own
//! loopback address, and a LiveDrop client per server sharing it and its session.

use std::net::IpAddr;
use std::sync::Arc;

use futures_util::{StreamExt, TryStreamExt, stream};
use indicatif::ProgressBar;
use livedrop_client::{Client, DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT};
use livedrop_core::ids::CreatorId;

use crate::Error;
use crate::accounts::{buyer_address, sign_up};
use crate::listeners::follow_creator;

/// How often a user's API calls are repeated (same key for orders, so never twice).
const RETRIES: usize = 3;

/// A signed-up user.
#[derive(Debug)]
pub struct User {
    /// Where it sends from (127.0.0.2 on; `None` in no test here).
    pub address: Option<IpAddr>,
    /// The HTTP client every call and stream of this user goes through.
    pub http: reqwest::Client,
    /// One client per base URL, all signed in as this user.
    pub clients: Vec<Client>,
}

impl User {
    /// This user's client of server `url` (an index into the base URLs).
    pub fn on(&self, url: usize) -> &Client {
        // `clients` has one entry per base URL, and callers index base URLs modulo them.
        &self.clients[url % self.clients.len()]
    }
}

/// Signs up users `range` (user `i` from [`buyer_address`]`(i)`, on server `i % urls`),
/// each following `follow`; `bar` counts them. Sign-ups wait out the per-address limit.
///
/// # Errors
/// A sign-up or follow the server refuses, or a bad base URL.
pub async fn sign_up_all(
    urls: &[String],
    range: std::ops::Range<usize>,
    follow: Option<CreatorId>,
    run: &str,
    concurrency: usize,
    bar: &ProgressBar,
) -> Result<Vec<Arc<User>>, Error> {
    stream::iter(range)
        .map(|index| async move {
            let user = sign_up_one(urls, index, run).await?;
            if let Some(creator) = follow {
                follow_creator(user.on(index), creator).await?;
            }
            bar.inc(1);
            Ok::<_, Error>(Arc::new(user))
        })
        .buffered(concurrency.max(1))
        .try_collect()
        .await
}

async fn sign_up_one(urls: &[String], index: usize, run: &str) -> Result<User, Error> {
    let address = Some(buyer_address(index));
    let http = http_client(address)?;
    let clients = urls
        .iter()
        .map(|url| {
            Client::builder()
                .base_url(url.as_str())
                .http_client(http.clone())
                .max_retries(RETRIES)
                .build()
        })
        .collect::<Result<Vec<_>, _>>()?;
    let home = &clients[index % clients.len()];
    sign_up(
        home,
        &format!("sse-user{index}-{run}@example.com"),
        "SSE User",
    )
    .await?;
    // Every server verifies the same access token (they share the JWT secret), so the
    // other clients carry the pair the sign-up returned. None refreshes within a run
    // shorter than the access token's life (15 min).
    for other in &clients {
        other.set_tokens(home.tokens());
    }
    Ok(User {
        address,
        http,
        clients,
    })
}

/// The user's HTTP client: from `address`, the client's timeouts (the read timeout is
/// what ends a stream gone silent past its heartbeats), and no idle pooled connections,
/// so the tool holds one socket per open stream and nothing else (the open-file limit
/// is what bounds the streams one process can hold).
fn http_client(address: Option<IpAddr>) -> Result<reqwest::Client, Error> {
    Ok(reqwest::Client::builder()
        .local_address(address)
        .connect_timeout(DEFAULT_CONNECT_TIMEOUT)
        .read_timeout(DEFAULT_READ_TIMEOUT)
        .pool_max_idle_per_host(0)
        .user_agent(concat!("livedrop-load/", env!("CARGO_PKG_VERSION")))
        .build()?)
}
