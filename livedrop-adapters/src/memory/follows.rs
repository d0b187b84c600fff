//! In-memory follow graph, sharded by creator like the design's follows table.

use std::{
    collections::BTreeSet,
    sync::{Arc, RwLock},
};

use super::FastMap;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use livedrop_core::domain::announcement;
use livedrop_core::domain::{Follow, FollowChange};
use livedrop_core::ids::{CreatorId, UserId};
use livedrop_core::pagination::{Page, PageRequest};
use livedrop_core::ports::FollowStore;
use livedrop_core::{Entity, Error, Result};

use super::FastHashMap;
use super::audit_log::MemoryAuditLog;
use super::catalog::Tables;
use super::keyset::{self, Position};
use super::outbox::MemoryOutbox;
use super::sync::read;

/// One side of the graph: who (or whom) and since when, plus a `(since, id)` index.
#[derive(Debug, Default)]
struct Edges {
    since: FastHashMap<uuid::Uuid, DateTime<Utc>>,
    ordered: BTreeSet<Position>,
}

impl Edges {
    fn add(&mut self, id: uuid::Uuid, at: DateTime<Utc>) {
        self.since.insert(id, at);
        self.ordered.insert((at.timestamp_micros(), id));
    }

    fn remove(&mut self, id: uuid::Uuid) {
        if let Some(at) = self.since.remove(&id) {
            self.ordered.remove(&(at.timestamp_micros(), id));
        }
    }
}

/// Followers per creator and followed creators per user. A creator's shard lock is the
/// atomic unit of a follow change; the user side is updated inside it (creator, then
/// user: always that order, so no two changes can deadlock).
#[derive(Debug, Default)]
pub(crate) struct FollowGraph {
    followers: FastMap<CreatorId, Edges>,
    following: FastMap<UserId, Edges>,
}

impl FollowGraph {
    /// Creators `user` follows and since when (for fan-out on read).
    pub(crate) fn followed_by(&self, user: UserId) -> Vec<(CreatorId, DateTime<Utc>)> {
        self.following
            .get(&user)
            .map(|edges| {
                edges
                    .since
                    .iter()
                    .map(|(id, at)| (CreatorId::from_uuid(*id), *at))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The follow store port over the graph.
#[derive(Debug, Clone)]
pub struct MemoryFollowStore {
    pub(crate) graph: Arc<FollowGraph>,
    pub(crate) tables: Arc<RwLock<Tables>>,
    pub(crate) outbox: Arc<MemoryOutbox>,
    pub(crate) audit: Arc<MemoryAuditLog>,
}

impl MemoryFollowStore {
    fn check_exists(&self, user_id: UserId, creator_id: CreatorId) -> Result<()> {
        let tables = read(&self.tables);
        if !tables.users.contains_key(&user_id) {
            return Err(Error::not_found(Entity::User, user_id));
        }
        if !tables.creators.contains_key(&creator_id) {
            return Err(Error::not_found(Entity::Creator, creator_id));
        }
        Ok(())
    }

    fn change(
        &self,
        user_id: UserId,
        creator_id: CreatorId,
        follow: bool,
        now: DateTime<Utc>,
    ) -> Result<FollowChange> {
        self.check_exists(user_id, creator_id)?;
        let mut followers = self.graph.followers.entry(creator_id).or_default();
        let was_following = followers.since.contains_key(&user_id.as_uuid());
        let changed = was_following != follow;
        if changed {
            let mut following = self.graph.following.entry(user_id).or_default();
            if follow {
                followers.add(user_id.as_uuid(), now);
                following.add(creator_id.as_uuid(), now);
            } else {
                followers.remove(user_id.as_uuid());
                following.remove(creator_id.as_uuid());
            }
            let announcement = announcement::follow_changed(user_id, creator_id, follow, now);
            self.outbox.append([announcement.event]);
            self.audit.record(announcement.audit);
        }
        Ok(FollowChange {
            changed,
            following: follow,
            follower_count: followers.since.len() as u64,
        })
    }
}

fn page_of(
    edges: Option<&Edges>,
    page: PageRequest,
    to_follow: impl Fn(uuid::Uuid, DateTime<Utc>) -> Follow,
) -> Page<Follow> {
    let Some(edges) = edges else {
        return Page {
            items: Vec::new(),
            next_cursor: None,
        };
    };
    let positions = keyset::newest_first(&edges.ordered, page);
    Page {
        items: positions
            .items
            .iter()
            .filter_map(|(_, id)| edges.since.get(id).map(|at| to_follow(*id, *at)))
            .collect(),
        next_cursor: positions.next_cursor,
    }
}

#[async_trait]
impl FollowStore for MemoryFollowStore {
    async fn follow(
        &self,
        user_id: UserId,
        creator_id: CreatorId,
        now: DateTime<Utc>,
    ) -> Result<FollowChange> {
        self.change(user_id, creator_id, true, now)
    }

    async fn unfollow(
        &self,
        user_id: UserId,
        creator_id: CreatorId,
        now: DateTime<Utc>,
    ) -> Result<FollowChange> {
        self.change(user_id, creator_id, false, now)
    }

    async fn is_following(&self, user_id: UserId, creator_id: CreatorId) -> Result<bool> {
        Ok(self
            .graph
            .followers
            .get(&creator_id)
            .is_some_and(|f| f.since.contains_key(&user_id.as_uuid())))
    }

    async fn follower_count(&self, creator_id: CreatorId) -> Result<u64> {
        Ok(self
            .graph
            .followers
            .get(&creator_id)
            .map_or(0, |f| f.since.len() as u64))
    }

    async fn followers(&self, creator_id: CreatorId, page: PageRequest) -> Result<Page<Follow>> {
        let edges = self.graph.followers.get(&creator_id);
        Ok(page_of(edges.as_deref(), page, |user, at| Follow {
            user_id: UserId::from_uuid(user),
            creator_id,
            created_at: at,
        }))
    }

    async fn following(&self, user_id: UserId, page: PageRequest) -> Result<Page<Follow>> {
        let edges = self.graph.following.get(&user_id);
        Ok(page_of(edges.as_deref(), page, |creator, at| Follow {
            user_id,
            creator_id: CreatorId::from_uuid(creator),
            created_at: at,
        }))
    }
}
