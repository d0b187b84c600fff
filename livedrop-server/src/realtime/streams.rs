//! [`Streams`]: opening event streams, what the realtime routes call.

use livedrop_core::ids::{DropId, UserId};
use livedrop_core::services::{CatalogService, FollowService};
use livedrop_core::wire::Problem;

use super::drop_ticker::DropTick;
use super::hub::{Hub, Refusal, Resume};
use super::subscriber::Disconnect;
use super::subscription::Subscription;
use crate::ApiError;

/// Seconds a client refused for a full or starting node waits before trying again.
const RETRY_AFTER_SECS: u64 = 2;

/// Opens users' streams (with the creators they follow) and drops' public streams on the
/// node's [`Hub`].
#[derive(Clone, Debug)]
pub struct Streams {
    hub: Hub,
    follows: FollowService,
    catalog: CatalogService,
}

impl Streams {
    /// Streams on `hub`, reading follows and drops through these services.
    pub fn new(hub: Hub, follows: FollowService, catalog: CatalogService) -> Self {
        Self {
            hub,
            follows,
            catalog,
        }
    }

    /// The node's hub (the background feeds and sweeps it).
    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    /// `user`'s stream: their orders and the news of every creator they follow, from
    /// `resume`.
    pub async fn open_user(
        &self,
        user: UserId,
        resume: Resume,
        connection: Option<Box<dyn Disconnect>>,
    ) -> Result<Subscription, ApiError> {
        // Refuse a full node before reading the follows.
        if self.hub.streams() >= self.hub.config().max_streams {
            return Err(refused(Refusal::NodeFull));
        }
        let followed = self.follows.followed_creators(user).await?;
        self.hub
            .open_user(user, &followed, resume, connection)
            .await
            .map_err(refused)
    }

    /// A drop's public stream: its state now, then each change (coalesced).
    pub async fn open_drop(
        &self,
        drop: DropId,
        connection: Option<Box<dyn Disconnect>>,
    ) -> Result<Subscription, ApiError> {
        if self.hub.streams() >= self.hub.config().max_streams {
            return Err(refused(Refusal::NodeFull));
        }
        let (_, stock) = self.catalog.drop_with_stock(drop).await?;
        self.hub
            .open_drop(drop, DropTick::from_stock(&stock), connection)
            .map_err(refused)
    }
}

/// The problem a refusal answers with.
fn refused(refusal: Refusal) -> ApiError {
    metrics::counter!("livedrop_realtime_refused_total", "reason" => match refusal {
        Refusal::TooManyForUser => "per_user",
        Refusal::NodeFull => "node_full",
        Refusal::NotReady => "not_ready",
    })
    .increment(1);
    match refusal {
        Refusal::TooManyForUser => ApiError::Problem(
            Problem::new(429, "too_many_streams", "Too many streams").with_detail(
                "this user already has the most event streams open a user may; close one first",
            ),
        ),
        Refusal::NodeFull => ApiError::RetryLater(
            Problem::new(503, "streams_full", "Service unavailable")
                .with_detail("this server holds all the event streams it can; retry shortly"),
            RETRY_AFTER_SECS,
        ),
        Refusal::NotReady => ApiError::RetryLater(
            Problem::new(503, "realtime_unavailable", "Service unavailable")
                .with_detail("event streams are starting or shutting down here; retry shortly"),
            RETRY_AFTER_SECS,
        ),
    }
}
