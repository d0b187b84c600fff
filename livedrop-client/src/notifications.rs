//! [`NotificationsHandler`]: `GET /api/notifications`, the caller's inbox.

use livedrop_core::domain::Notification;
use reqwest::Method;

use crate::call::Call;
use crate::{Client, Paged};

/// The caller's inbox; get one with [`Client::notifications`].
///
/// ```no_run
/// use futures_util::TryStreamExt;
///
/// # async fn example(client: livedrop_client::Client) -> Result<(), livedrop_client::ClientError> {
/// let latest = client.notifications().inbox().limit(10).page(None).await?;
/// for notification in latest.items {
///     println!("{}", notification.event.kind());
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, Debug)]
pub struct NotificationsHandler<'c> {
    client: &'c Client,
}

impl<'c> NotificationsHandler<'c> {
    pub(crate) fn new(client: &'c Client) -> Self {
        Self { client }
    }

    /// `GET /api/notifications`: newest first (followed creators' drops starting, running
    /// low and selling out; the caller's own orders).
    pub fn inbox(self) -> Paged<Notification> {
        let url = self.client.url(&["api", "notifications"]);
        Paged::new(self.client, Call::new(Method::GET, url).authed())
    }
}
