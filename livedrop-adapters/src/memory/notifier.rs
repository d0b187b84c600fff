//! In-memory inboxes: personal notifications per user, follower notifications per creator
//! (stored once, fanned out when a follower reads).

use std::{collections::BTreeMap, sync::Arc};

use super::FastMap;
use async_trait::async_trait;
use livedrop_core::Result;
use livedrop_core::domain::{Notification, Recipient, STOCK_NOTICE_WINDOW};
use livedrop_core::ids::UserId;
use livedrop_core::pagination::{Cursor, Page, PageRequest};
use livedrop_core::ports::Notifier;
use uuid::Uuid;

use super::follows::FollowGraph;
use super::keyset::Position;

type Feed = BTreeMap<Position, Notification>;

/// Inboxes bounded to the newest `per_feed` notifications of each user and each creator.
#[derive(Debug)]
pub struct MemoryNotifier {
    pub(crate) graph: Arc<FollowGraph>,
    personal: FastMap<Uuid, Feed>,
    creators: FastMap<Uuid, Feed>,
    per_feed: usize,
}

impl MemoryNotifier {
    pub(crate) fn new(graph: Arc<FollowGraph>, per_feed: usize) -> Self {
        Self {
            graph,
            personal: FastMap::default(),
            creators: FastMap::default(),
            per_feed: per_feed.max(1),
        }
    }
}

fn position(n: &Notification) -> Position {
    (n.event.occurred_at.timestamp_micros(), n.event.id.as_uuid())
}

/// Up to `take` newest entries of `feed` strictly before `before`, accepted by `keep`.
fn newest(
    feed: &Feed,
    before: Option<Position>,
    take: usize,
    keep: impl Fn(&Notification) -> bool,
) -> Vec<Notification> {
    let range = match before {
        Some(b) => feed.range(..b),
        None => feed.range(..),
    };
    range
        .rev()
        .map(|(_, n)| n)
        .filter(|n| keep(n))
        .take(take)
        .cloned()
        .collect()
}

/// Whether `notification` is a stock-state notice with one of its kind stored in `feed`
/// within the coalescing window of it (either side).
fn repeats_a_stored_notice(feed: &Feed, notification: &Notification) -> bool {
    let Some(key) = notification.coalesce_key() else {
        return false;
    };
    let at = notification.event.occurred_at;
    let window = STOCK_NOTICE_WINDOW.num_microseconds().unwrap_or(i64::MAX);
    let (from, to) = (
        at.timestamp_micros().saturating_sub(window),
        at.timestamp_micros().saturating_add(window),
    );
    // Exclusive at both ends: a notice exactly a window away stands on its own.
    feed.range((from + 1, Uuid::nil())..(to, Uuid::nil()))
        .any(|(_, stored)| stored.coalesce_key() == Some(key))
}

#[async_trait]
impl Notifier for MemoryNotifier {
    async fn deliver(&self, notification: &Notification) -> Result<bool> {
        let (feeds, id) = match notification.recipient {
            Recipient::User(user) => (&self.personal, user.as_uuid()),
            Recipient::FollowersOf(creator) => (&self.creators, creator.as_uuid()),
        };
        let mut feed = feeds.entry(id).or_default();
        let key = position(notification);
        if feed.contains_key(&key) || repeats_a_stored_notice(&feed, notification) {
            return Ok(false);
        }
        feed.insert(key, notification.clone());
        while feed.len() > self.per_feed {
            feed.pop_first();
        }
        Ok(true)
    }

    async fn inbox(&self, user_id: UserId, page: PageRequest) -> Result<Page<Notification>> {
        let before = page.cursor.map(|c| (c.key, c.id));
        let take = page.limit.get() + 1;
        let mut items = self
            .personal
            .get(&user_id.as_uuid())
            .map(|feed| newest(&feed, before, take, |_| true))
            .unwrap_or_default();
        for (creator, since) in self.graph.followed_by(user_id) {
            if let Some(feed) = self.creators.get(&creator.as_uuid()) {
                // Only what happened while the user followed: a new follower does not
                // inherit the creator's whole history.
                items.extend(newest(&feed, before, take, |n| {
                    n.event.occurred_at >= since
                }));
            }
        }
        items.sort_by_key(|n| std::cmp::Reverse(position(n)));
        items.truncate(take);
        Ok(Page::from_overfetch(items, page.limit, |n| {
            Cursor::after(n.event.occurred_at, n.event.id)
        }))
    }
}
