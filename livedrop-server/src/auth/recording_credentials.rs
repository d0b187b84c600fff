//! The credential store, telling this node's token checks of each revocation as it happens.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use livedrop_core::Result;
use livedrop_core::domain::User;
use livedrop_core::ids::{FamilyId, UserId};
use livedrop_core::ports::{Credentials, PasswordHash, RefreshTokenHash, Rotation, TokenId};

use super::RevokedSignIns;

/// Passes every call to the store; a logout's revocation and a reuse detection's also go
/// into [`RevokedSignIns`], so this node refuses the sign-in's access tokens from the next
/// request (other nodes learn of it from the store, within a second).
#[derive(Debug)]
pub struct RecordingCredentials {
    inner: Arc<dyn Credentials>,
    revoked: RevokedSignIns,
}

impl RecordingCredentials {
    /// `inner`, recording its revocations in `revoked`.
    pub fn new(inner: Arc<dyn Credentials>, revoked: RevokedSignIns) -> Self {
        Self { inner, revoked }
    }
}

#[async_trait]
impl Credentials for RecordingCredentials {
    async fn register(&self, user: &User, hash: &PasswordHash) -> Result<()> {
        self.inner.register(user, hash).await
    }

    async fn set_password(&self, user_id: UserId, hash: &PasswordHash) -> Result<()> {
        self.inner.set_password(user_id, hash).await
    }

    async fn password(&self, user_id: UserId) -> Result<Option<PasswordHash>> {
        self.inner.password(user_id).await
    }

    async fn issue_refresh(
        &self,
        user_id: UserId,
        hash: &RefreshTokenHash,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<FamilyId> {
        self.inner
            .issue_refresh(user_id, hash, expires_at, now)
            .await
    }

    async fn rotate(
        &self,
        old: &RefreshTokenHash,
        new: &RefreshTokenHash,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Rotation> {
        let rotation = self.inner.rotate(old, new, expires_at, now).await?;
        if let Rotation::Reused { family_id, .. } = rotation {
            self.revoked.insert(family_id, now);
        }
        Ok(rotation)
    }

    async fn revoke_family(
        &self,
        token: &RefreshTokenHash,
        now: DateTime<Utc>,
    ) -> Result<Option<FamilyId>> {
        let family = self.inner.revoke_family(token, now).await?;
        if let Some(family) = family {
            self.revoked.insert(family, now);
        }
        Ok(family)
    }

    async fn family_live(&self, family: FamilyId, now: DateTime<Utc>) -> Result<bool> {
        self.inner.family_live(family, now).await
    }

    async fn revoked_since(&self, since: DateTime<Utc>) -> Result<Vec<(FamilyId, DateTime<Utc>)>> {
        self.inner.revoked_since(since).await
    }

    async fn spend_once(
        &self,
        id: TokenId,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        self.inner.spend_once(id, expires_at, now).await
    }
}
