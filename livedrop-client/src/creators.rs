//! [`CreatorsHandler`]: `POST /api/creators` and the cached `GET /api/creators/{id}`.

use livedrop_core::domain::Creator;
use livedrop_core::ids::CreatorId;
use livedrop_core::wire::CreateCreatorBody;
use reqwest::Method;

use crate::call::Call;
use crate::{Client, Result};

/// Creators; get one with [`Client::creators`].
///
/// ```no_run
/// use livedrop_core::domain::{DisplayName, Handle};
/// use livedrop_core::wire::CreateCreatorBody;
///
/// # async fn example(client: livedrop_client::Client) -> Result<(), Box<dyn std::error::Error>> {
/// let body = CreateCreatorBody {
///     display_name: DisplayName::try_from("Ada's Hats")?,
///     handle: Handle::try_from("adahats")?,
/// };
/// let creator = client.creators().create(&body).await?;
/// assert_eq!(client.creators().get(creator.id).await?.handle, creator.handle);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, Debug)]
pub struct CreatorsHandler<'c> {
    client: &'c Client,
}

impl<'c> CreatorsHandler<'c> {
    pub(crate) fn new(client: &'c Client) -> Self {
        Self { client }
    }

    /// `POST /api/creators`: the caller becomes a creator. Not repeated on failure (a lost
    /// answer would make the repeat `409 already_exists`).
    ///
    /// # Errors
    /// `409 already_exists` for a taken handle; `401` when not signed in.
    pub async fn create(self, body: &CreateCreatorBody) -> Result<Creator> {
        let url = self.client.url(&["api", "creators"]);
        self.client
            .fetch(Call::new(Method::POST, url).json(body).authed())
            .await
    }

    /// `GET /api/creators/{id}`, through the server's cache (up to 5 min stale).
    ///
    /// # Errors
    /// `404 not_found` for an unknown creator.
    pub async fn get(self, id: CreatorId) -> Result<Creator> {
        let url = self.client.url(&["api", "creators", &id.to_string()]);
        self.client.fetch(Call::new(Method::GET, url)).await
    }
}
