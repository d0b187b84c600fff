//! [`Paged`]: a keyset-paginated list, read one page at a time or as a stream of items.

use std::marker::PhantomData;

use futures_util::stream::{self, Stream, StreamExt, TryStreamExt};
use livedrop_core::pagination::{Cursor, Page};
use serde::de::DeserializeOwned;

use crate::call::Call;
use crate::{Client, Result};

/// A list the server pages with `?cursor&limit` (`{"items", "nextCursor"}`). Owns a clone
/// of the client, so its streams are `'static` and can be moved into tasks.
///
/// ```no_run
/// use futures_util::TryStreamExt;
/// use livedrop_client::Client;
/// use livedrop_core::domain::DropStatus;
///
/// # async fn example(client: Client) -> Result<(), livedrop_client::ClientError> {
/// // Every live drop, fetching 50 per request as the stream is read.
/// let live: Vec<_> = client.drops().browse(DropStatus::Live).limit(50).items().try_collect().await?;
/// // Or one page at a time, keeping the cursor.
/// let first = client.drops().browse(DropStatus::Scheduled).page(None).await?;
/// if let Some(cursor) = first.next_cursor {
///     let _second = client.drops().browse(DropStatus::Scheduled).page(Some(cursor)).await?;
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
#[must_use = "a list is only read when a page or stream is polled"]
pub struct Paged<T> {
    client: Client,
    call: Call,
    limit: Option<u16>,
    _items: PhantomData<fn() -> T>,
}

// By hand: a derived `Clone` would require `T: Clone`.
impl<T> Clone for Paged<T> {
    fn clone(&self) -> Self {
        Self {
            client: self.client.clone(),
            call: self.call.clone(),
            limit: self.limit,
            _items: PhantomData,
        }
    }
}

impl<T: DeserializeOwned + Send + 'static> Paged<T> {
    pub(crate) fn new(client: &Client, call: Call) -> Self {
        Self {
            client: client.clone(),
            call,
            limit: None,
            _items: PhantomData,
        }
    }

    /// Items per request (1 to 100; the server's default is 20).
    pub fn limit(mut self, limit: u16) -> Self {
        self.limit = Some(limit);
        self
    }

    /// One page: the first with `None`, else the one after `cursor` (a page's
    /// `next_cursor`).
    ///
    /// # Errors
    /// As every call; `400 invalid_cursor` / `invalid_limit` for bad parameters.
    pub async fn page(&self, cursor: Option<Cursor>) -> Result<Page<T>> {
        let mut call = self.call.clone();
        if let Some(cursor) = cursor {
            call = call.query("cursor", cursor.encode());
        }
        if let Some(limit) = self.limit {
            call = call.query("limit", limit);
        }
        self.client.fetch(call).await
    }

    /// Every page in order, requested as the stream is polled; ends after the page without
    /// a `next_cursor`, or after the first error.
    pub fn pages(self) -> impl Stream<Item = Result<Page<T>>> + Send + 'static {
        // The state is the cursor of the next page to fetch; `None` once the last was read.
        stream::try_unfold(Some(None), move |next: Option<Option<Cursor>>| {
            let list = self.clone();
            async move {
                let Some(cursor) = next else {
                    return Ok(None);
                };
                let page = list.page(cursor).await?;
                let after = page.next_cursor.map(Some);
                Ok(Some((page, after)))
            }
        })
    }

    /// Every item of every page, in order.
    pub fn items(self) -> impl Stream<Item = Result<T>> + Send + 'static {
        self.pages()
            .map_ok(|page| stream::iter(page.items).map(Ok))
            .try_flatten()
    }
}
