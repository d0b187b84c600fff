//! [`DropsHandler`]: the `/drops` resource.

use livedrop_core::ids::DropId;
use livedrop_core::wire::DropView;
use reqwest::Method;

use crate::{Client, Result};

/// Requests about drops; get one with [`Client::drops`].
#[derive(Clone, Copy, Debug)]
pub struct DropsHandler<'c> {
    client: &'c Client,
}

impl<'c> DropsHandler<'c> {
    pub(crate) fn new(client: &'c Client) -> Self {
        Self { client }
    }

    /// `GET /drops/{id}`: the drop and its live stock, read from the server's authority
    /// (no cache).
    ///
    /// # Errors
    /// [`ClientError::Api`](crate::ClientError::Api) with code `not_found` (404) for an
    /// unknown drop; transport and decode errors as for every request.
    pub async fn get(&self, id: DropId) -> Result<DropView> {
        let url = self.client.url(&["drops", &id.to_string()])?;
        self.client
            .json(self.client.request(Method::GET, url))
            .await
    }
}
