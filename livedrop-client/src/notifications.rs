//! [`NotificationsHandler`]: `GET /api/notifications`, the caller's inbox, its read mark
//! (`POST /api/notifications/read`) and unread count (`GET /api/notifications/unread`).

use livedrop_core::domain::Notification;
use livedrop_core::wire::{InboxPosition, MarkReadBody, UnreadCount};
use reqwest::Method;

use crate::call::Call;
use crate::{Client, Paged, Result};

/// The caller's inbox; get one with [`Client::notifications`].
///
/// ```no_run
/// # async fn example(client: livedrop_client::Client) -> Result<(), livedrop_client::ClientError> {
/// let badge = client.notifications().unread().await?;
/// println!("{}{}", badge.unread, if badge.capped { "+" } else { "" });
/// let latest = client.notifications().inbox().limit(10).page(None).await?;
/// for notification in &latest.items {
///     println!("{}", notification.event.kind());
/// }
/// if let Some(newest) = latest.items.first() {
///     client.notifications().mark_read(newest).await?;
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

    /// `POST /api/notifications/read`: everything up to and including `up_to` is read;
    /// pass the newest notification shown (a [`Notification`], its
    /// [`Event`](livedrop_core::domain::Event), or an [`InboxPosition`]). The mark only
    /// moves forward (an older position changes nothing), so the call is repeated on
    /// failure like a read.
    ///
    /// # Errors
    /// `400 read_mark_in_future` ([`READ_MARK_IN_FUTURE`](livedrop_core::wire::READ_MARK_IN_FUTURE))
    /// for a position ahead of the server's clock, which no notification has.
    pub async fn mark_read(self, up_to: impl Into<InboxPosition>) -> Result<()> {
        let url = self.client.url(&["api", "notifications", "read"]);
        let body = MarkReadBody {
            up_to: up_to.into(),
        };
        let call = Call::new(Method::POST, url).json(&body).authed().retried();
        self.client.send_call(call).await
    }

    /// `GET /api/notifications/unread`: how many notifications are newer than the read
    /// mark (counted up to 100, `capped` past it), and the mark.
    ///
    /// # Errors
    /// As every read.
    pub async fn unread(self) -> Result<UnreadCount> {
        let url = self.client.url(&["api", "notifications", "unread"]);
        self.client
            .fetch(Call::new(Method::GET, url).authed())
            .await
    }
}
