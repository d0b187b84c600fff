//! In-memory credentials: password hashes and refresh-token families behind one mutex.
//!
//! One lock for every family is simple and enough: a rotation is a few map operations,
//! and sign-ins are rare next to orders. Holding it for the whole check-then-write makes
//! each [`rotate`](Credentials::rotate) and revocation one critical section, which is
//! the contract's atomicity. Spent and expired tokens are kept (a spent one must stay
//! recognisable to detect its reuse); like orders, they grow with use.
//!
//! Spent single-use token ids have a lock of their own (a spend touches no family) and
//! are forgotten once expired: each spend first drops the expired ones, found in expiry
//! order on a min-heap, so the set holds only ids that could still be presented.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::sync::{Arc, Mutex, RwLock};

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use livedrop_core::domain::User;
use livedrop_core::domain::announcement;
use livedrop_core::ids::{FamilyId, UserId};
use livedrop_core::ports::{
    Credentials, PasswordHash, RefreshRefusal, RefreshTokenHash, Rotation, TokenId,
};
use livedrop_core::{Entity, Error, Result};

use super::FastHashMap;
use super::audit_log::MemoryAuditLog;
use super::catalog::Tables;
use super::sync::{lock, read, write};

#[derive(Debug)]
struct Token {
    family_id: FamilyId,
    expires_at: DateTime<Utc>,
    spent: bool,
}

#[derive(Debug)]
struct Family {
    user_id: UserId,
    revoked: bool,
    /// The expiry of the family's one unspent token (its newest): the sign-in is live
    /// until then unless revoked.
    live_until: DateTime<Utc>,
}

#[derive(Debug, Default)]
struct State {
    passwords: FastHashMap<UserId, PasswordHash>,
    tokens: FastHashMap<RefreshTokenHash, Token>,
    families: FastHashMap<FamilyId, Family>,
    /// Each family's revocation, in the order they happened, for the last hour or more.
    revocations: VecDeque<(FamilyId, DateTime<Utc>)>,
}

/// How long revocations are listed (the contract's hour).
const REVOCATIONS_KEPT: TimeDelta = TimeDelta::hours(1);

/// Records `family_id`'s revocation at `now`, forgetting those over an hour older.
fn record_revocation(
    revocations: &mut VecDeque<(FamilyId, DateTime<Utc>)>,
    family_id: FamilyId,
    now: DateTime<Utc>,
) {
    while revocations
        .front()
        .is_some_and(|(_, at)| *at < now - REVOCATIONS_KEPT)
    {
        revocations.pop_front();
    }
    revocations.push_back((family_id, now));
}

/// Spent single-use token ids, each until its expiry.
#[derive(Debug, Default)]
struct SpentIds {
    ids: FastHashMap<TokenId, DateTime<Utc>>,
    /// The same ids, soonest expiry first.
    by_expiry: BinaryHeap<Reverse<(DateTime<Utc>, TokenId)>>,
}

impl SpentIds {
    /// Forgets every id expired at `now`.
    fn prune(&mut self, now: DateTime<Utc>) {
        while let Some(Reverse((expires_at, id))) = self.by_expiry.peek().copied() {
            if expires_at > now {
                break;
            }
            self.by_expiry.pop();
            self.ids.remove(&id);
        }
    }
}

/// The credentials port in memory; users come from the shared catalog tables.
#[derive(Debug)]
pub struct MemoryCredentials {
    tables: Arc<RwLock<Tables>>,
    audit: Arc<MemoryAuditLog>,
    state: Mutex<State>,
    spent: Mutex<SpentIds>,
}

impl MemoryCredentials {
    pub(crate) fn new(tables: Arc<RwLock<Tables>>, audit: Arc<MemoryAuditLog>) -> Self {
        Self {
            tables,
            audit,
            state: Mutex::default(),
            spent: Mutex::default(),
        }
    }

    fn require_user(&self, user_id: UserId) -> Result<()> {
        if read(&self.tables).users.contains_key(&user_id) {
            Ok(())
        } else {
            Err(Error::not_found(Entity::User, user_id))
        }
    }
}

#[async_trait]
impl Credentials for MemoryCredentials {
    async fn register(&self, user: &User, hash: &PasswordHash) -> Result<()> {
        // The tables' lock is held across both writes: nobody sees the user without its
        // password (lock order: tables, then state, as nowhere takes them the other way).
        let mut tables = write(&self.tables);
        tables.insert_user(user)?;
        lock(&self.state).passwords.insert(user.id, hash.clone());
        drop(tables);
        self.audit.record(announcement::user_registered(user));
        Ok(())
    }

    async fn set_password(&self, user_id: UserId, hash: &PasswordHash) -> Result<()> {
        self.require_user(user_id)?;
        lock(&self.state).passwords.insert(user_id, hash.clone());
        Ok(())
    }

    async fn password(&self, user_id: UserId) -> Result<Option<PasswordHash>> {
        Ok(lock(&self.state).passwords.get(&user_id).cloned())
    }

    async fn issue_refresh(
        &self,
        user_id: UserId,
        hash: &RefreshTokenHash,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<FamilyId> {
        self.require_user(user_id)?;
        let family_id = FamilyId::at(now);
        let mut state = lock(&self.state);
        if state.tokens.contains_key(hash) {
            // 256 random bits do not collide; a caller reusing a token is a bug.
            return Err(Error::internal("credentials", "refresh token issued twice"));
        }
        state.families.insert(
            family_id,
            Family {
                user_id,
                revoked: false,
                live_until: expires_at,
            },
        );
        state.tokens.insert(
            *hash,
            Token {
                family_id,
                expires_at,
                spent: false,
            },
        );
        Ok(family_id)
    }

    async fn rotate(
        &self,
        old: &RefreshTokenHash,
        new: &RefreshTokenHash,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Rotation> {
        let mut state = lock(&self.state);
        let State {
            tokens,
            families,
            revocations,
            ..
        } = &mut *state;
        let Some(token) = tokens.get_mut(old) else {
            return Ok(Rotation::Refused(RefreshRefusal::Unknown));
        };
        let family_id = token.family_id;
        let Some(family) = families.get_mut(&family_id) else {
            return Err(Error::internal("credentials", "token without its family"));
        };
        let user_id = family.user_id;
        if family.revoked {
            return Ok(Rotation::Refused(RefreshRefusal::Revoked));
        }
        if token.spent {
            family.revoked = true;
            record_revocation(revocations, family_id, now);
            return Ok(Rotation::Reused { user_id, family_id });
        }
        if now >= token.expires_at {
            return Ok(Rotation::Refused(RefreshRefusal::Expired));
        }
        if tokens.contains_key(new) {
            return Err(Error::internal("credentials", "refresh token issued twice"));
        }
        if let Some(token) = tokens.get_mut(old) {
            token.spent = true;
        }
        family.live_until = expires_at;
        tokens.insert(
            *new,
            Token {
                family_id,
                expires_at,
                spent: false,
            },
        );
        Ok(Rotation::Rotated { user_id, family_id })
    }

    async fn revoke_family(
        &self,
        token: &RefreshTokenHash,
        now: DateTime<Utc>,
    ) -> Result<Option<FamilyId>> {
        let mut guard = lock(&self.state);
        let state = &mut *guard;
        let Some(family_id) = state.tokens.get(token).map(|token| token.family_id) else {
            return Ok(None);
        };
        if let Some(family) = state.families.get_mut(&family_id)
            && !family.revoked
        {
            family.revoked = true;
            record_revocation(&mut state.revocations, family_id, now);
        }
        Ok(Some(family_id))
    }

    async fn revoked_since(&self, since: DateTime<Utc>) -> Result<Vec<(FamilyId, DateTime<Utc>)>> {
        Ok(lock(&self.state)
            .revocations
            .iter()
            .filter(|(_, at)| *at >= since)
            .copied()
            .collect())
    }

    async fn family_live(&self, family: FamilyId, now: DateTime<Utc>) -> Result<bool> {
        Ok(lock(&self.state)
            .families
            .get(&family)
            .is_some_and(|family| !family.revoked && now < family.live_until))
    }

    async fn spend_once(
        &self,
        id: TokenId,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let mut spent = lock(&self.spent);
        spent.prune(now);
        if now >= expires_at || spent.ids.contains_key(&id) {
            return Ok(false);
        }
        spent.ids.insert(id, expires_at);
        spent.by_expiry.push(Reverse((expires_at, id)));
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;

    #[test]
    fn spent_ids_are_forgotten_once_expired_soonest_first() {
        let t = DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap();
        let mut spent = SpentIds::default();
        let ids: Vec<(TokenId, DateTime<Utc>)> = [3, 1, 2]
            .into_iter()
            .map(|minutes| (TokenId::new(), t + TimeDelta::minutes(minutes)))
            .collect();
        for &(id, expires_at) in &ids {
            spent.ids.insert(id, expires_at);
            spent.by_expiry.push(Reverse((expires_at, id)));
        }
        spent.prune(t);
        assert_eq!(spent.ids.len(), 3);
        spent.prune(t + TimeDelta::minutes(2));
        assert_eq!(spent.ids.keys().copied().collect::<Vec<_>>(), [ids[0].0]);
        assert_eq!(spent.by_expiry.len(), 1);
        spent.prune(t + TimeDelta::minutes(3));
        assert!(spent.ids.is_empty() && spent.by_expiry.is_empty());
    }
}
