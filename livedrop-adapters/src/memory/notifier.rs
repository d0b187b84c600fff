//! In-memory inboxes: personal notifications per user, follower notifications per creator
//! (stored once, fanned out when a follower reads), and each user's read mark.

use std::ops::Bound;
use std::{collections::BTreeMap, sync::Arc};

use super::FastMap;
use async_trait::async_trait;
use dashmap::Entry;
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
    /// Each user's read mark: the newest position they marked.
    reads: FastMap<Uuid, Position>,
    per_feed: usize,
}

impl MemoryNotifier {
    pub(crate) fn new(graph: Arc<FollowGraph>, per_feed: usize) -> Self {
        Self {
            graph,
            personal: FastMap::default(),
            creators: FastMap::default(),
            reads: FastMap::default(),
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

/// How many entries of `feed` sit strictly after `than` (all for `None`) and are accepted
/// by `keep`, counting no further than `at_most`.
fn count_after(
    feed: &Feed,
    than: Option<Position>,
    at_most: usize,
    keep: impl Fn(&Notification) -> bool,
) -> usize {
    let from = than.map_or(Bound::Unbounded, Bound::Excluded);
    feed.range((from, Bound::Unbounded))
        .filter(|(_, n)| keep(n))
        .take(at_most)
        .count()
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

    async fn mark_read(&self, user_id: UserId, up_to: Cursor) -> Result<bool> {
        let up_to = (up_to.key, up_to.id);
        // The entry holds the user's shard locked: racing marks apply one at a time.
        Ok(match self.reads.entry(user_id.as_uuid()) {
            Entry::Vacant(first) => {
                first.insert(up_to);
                true
            }
            Entry::Occupied(mut stored) if up_to > *stored.get() => {
                stored.insert(up_to);
                true
            }
            Entry::Occupied(_) => false,
        })
    }

    async fn read_mark(&self, user_id: UserId) -> Result<Option<Cursor>> {
        Ok(self.reads.get(&user_id.as_uuid()).map(|mark| Cursor {
            key: mark.0,
            id: mark.1,
        }))
    }

    async fn count_newer(
        &self,
        user_id: UserId,
        than: Option<Cursor>,
        at_most: u32,
    ) -> Result<u32> {
        let than = than.map(|c| (c.key, c.id));
        let at_most = usize::try_from(at_most).unwrap_or(usize::MAX);
        let mut counted = self
            .personal
            .get(&user_id.as_uuid())
            .map(|feed| count_after(&feed, than, at_most, |_| true))
            .unwrap_or_default();
        for (creator, since) in self.graph.followed_by(user_id) {
            if counted >= at_most {
                break;
            }
            if let Some(feed) = self.creators.get(&creator.as_uuid()) {
                counted += count_after(&feed, than, at_most - counted, |n| {
                    n.event.occurred_at >= since
                });
            }
        }
        Ok(u32::try_from(counted.min(at_most)).unwrap_or(u32::MAX))
    }
}
