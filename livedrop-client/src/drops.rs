//! [`DropsHandler`]: creating drops, reading them (authoritative or cached) and browsing
//! them by status.

use livedrop_core::domain::{Drop, DropStatus};
use livedrop_core::ids::DropId;
use livedrop_core::wire::{CreateDropBody, DropView};
use reqwest::Method;

use crate::call::Call;
use crate::{Client, Paged, Result};

/// Requests about drops; get one with [`Client::drops`].
///
/// ```no_run
/// use futures_util::TryStreamExt;
/// use livedrop_core::domain::DropStatus;
///
/// # async fn example(client: livedrop_client::Client) -> Result<(), livedrop_client::ClientError> {
/// let mut live = std::pin::pin!(client.drops().browse(DropStatus::Live).items());
/// while let Some(drop) = live.try_next().await? {
///     let view = client.drops().get(drop.id).await?;
///     println!("{}: {} left", drop.id, view.stock.available);
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, Debug)]
pub struct DropsHandler<'c> {
    client: &'c Client,
}

impl<'c> DropsHandler<'c> {
    pub(crate) fn new(client: &'c Client) -> Self {
        Self { client }
    }

    /// `POST /drops`: schedules a drop of one of the caller's products; the server makes it
    /// live at `start_at`. Not repeated on failure (a repeat would schedule a second drop).
    ///
    /// # Errors
    /// `403 forbidden` for another's product; `400` for a bad window or stock plan.
    pub async fn create(self, body: &CreateDropBody) -> Result<Drop> {
        let url = self.client.url(&["drops"]);
        self.client
            .fetch(Call::new(Method::POST, url).json(body).authed())
            .await
    }

    /// `GET /drops/{id}`: the drop and its live stock, read from the server's authority
    /// (no cache).
    ///
    /// # Errors
    /// [`ApiErrorKind::NotFound`](crate::ApiErrorKind::NotFound) (404) for an unknown drop;
    /// transport and decode errors as for every request.
    pub async fn get(self, id: DropId) -> Result<DropView> {
        let url = self.client.url(&["drops", &id.to_string()]);
        self.client.fetch(Call::new(Method::GET, url)).await
    }

    /// `GET /api/drops/{id}`: the drop through the server's cache (up to 30 s stale; use
    /// [`get`](Self::get) before acting on its status).
    ///
    /// # Errors
    /// `404` for an unknown drop.
    pub async fn get_cached(self, id: DropId) -> Result<Drop> {
        let url = self.client.url(&["api", "drops", &id.to_string()]);
        self.client.fetch(Call::new(Method::GET, url)).await
    }

    /// `GET /browse/drops?status`: drops with `status`, soonest start first.
    /// [`DropStatus::Scheduled`] is the API's `upcoming`.
    pub fn browse(self, status: DropStatus) -> Paged<Drop> {
        let status = match status {
            DropStatus::Scheduled => "upcoming",
            DropStatus::Live => "live",
            DropStatus::SoldOut => "sold_out",
            DropStatus::Ended => "ended",
        };
        let url = self.client.url(&["browse", "drops"]);
        Paged::new(
            self.client,
            Call::new(Method::GET, url).query("status", status),
        )
    }
}
