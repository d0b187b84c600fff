//! Inboxes: the offline side of notifications.
//!
//! # Layout
//! - `writer`: [`InboxWriter`], the event consumer that stores what each event tells users
//!   (the write side, run in the background).
//! - `feed`: [`InboxFeed`], one event stream's position in a user's inbox and what it has
//!   already sent (the read side of a live stream).
//! - here: [`InboxService`], the reads a request makes: a page of the inbox, or a feed to
//!   stream from.

mod feed;
mod writer;

use std::sync::Arc;

pub use feed::{InboxFeed, LATE_WINDOW};
pub use writer::InboxWriter;

use crate::Result;
use crate::clock::Clock;
use crate::domain::Notification;
use crate::ids::UserId;
use crate::pagination::{Cursor, Page, PageRequest};
use crate::ports::Notifier;

/// A user's inbox, read a page at a time or followed as a feed.
#[derive(Clone, Debug)]
pub struct InboxService {
    notifier: Arc<dyn Notifier>,
    clock: Arc<dyn Clock>,
}

impl InboxService {
    /// A service over these ports.
    pub fn new(notifier: Arc<dyn Notifier>, clock: Arc<dyn Clock>) -> Self {
        Self { notifier, clock }
    }

    /// `user`'s notifications, newest first.
    pub async fn inbox(&self, user: UserId, page: PageRequest) -> Result<Page<Notification>> {
        self.notifier.inbox(user, page).await
    }

    /// A feed of `user`'s notifications from `resume` on (the client's last event id), or,
    /// without one, of those stored from now on.
    ///
    /// # Errors
    /// When the inbox cannot be read to find where "now" is.
    pub async fn feed(&self, user: UserId, resume: Option<Cursor>) -> Result<InboxFeed> {
        InboxFeed::open(self.notifier.clone(), user, resume, self.clock.now()).await
    }
}
