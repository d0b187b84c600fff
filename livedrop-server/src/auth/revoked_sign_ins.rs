//! The sign-ins revoked while their access tokens may still be alive.
//!
//! An access token is a signed statement, checked without a lookup, valid for 15 minutes;
//! signing out (or reuse detection) revokes its sign-in in the credential store. Without
//! this set, the token would keep working until it expired. With it, every token check
//! also asks "is this sign-in revoked?": a hash lookup, skipped while nothing is revoked.
//!
//! This node adds its own revocations as they happen ([`RecordingCredentials`]) and those
//! of other nodes sharing the store within a second (the watch in
//! [`background`](crate::background)). Entries are forgotten once every token of their
//! sign-in has expired.
//!
//! [`RecordingCredentials`]: super::RecordingCredentials

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use livedrop_core::ids::FamilyId;

/// Revoked sign-ins (refresh-token families), shared by the token checks and those who
/// learn of revocations. Cheap to clone.
#[derive(Clone, Debug, Default)]
pub struct RevokedSignIns(Arc<Inner>);

#[derive(Debug, Default)]
struct Inner {
    /// `revoked.len()`, read without the lock: nothing revoked is the common case.
    len: AtomicUsize,
    revoked: RwLock<HashMap<FamilyId, DateTime<Utc>>>,
}

impl RevokedSignIns {
    /// Whether `family` was revoked.
    pub fn contains(&self, family: FamilyId) -> bool {
        if self.0.len.load(Ordering::Acquire) == 0 {
            return false;
        }
        self.0
            .revoked
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .contains_key(&family)
    }

    /// Adds `family`, revoked at `at` (again: nothing changes).
    pub fn insert(&self, family: FamilyId, at: DateTime<Utc>) {
        let mut revoked = self.write();
        revoked.entry(family).or_insert(at);
        self.0.len.store(revoked.len(), Ordering::Release);
    }

    /// Forgets the sign-ins revoked before `before`: their access tokens have all expired.
    pub fn forget_before(&self, before: DateTime<Utc>) {
        let mut revoked = self.write();
        revoked.retain(|_, at| *at >= before);
        self.0.len.store(revoked.len(), Ordering::Release);
    }

    /// How many are held.
    pub fn len(&self) -> usize {
        self.0.len.load(Ordering::Acquire)
    }

    /// Whether none is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<FamilyId, DateTime<Utc>>> {
        // A panic under the lock leaves a map that is still a valid map.
        self.0
            .revoked
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;

    #[test]
    fn revoked_sign_ins_are_held_until_forgotten() {
        let revoked = RevokedSignIns::default();
        let (old, new) = (FamilyId::new(), FamilyId::new());
        let t = Utc::now();
        assert!(!revoked.contains(old));
        revoked.insert(old, t);
        revoked.insert(new, t + TimeDelta::minutes(10));
        revoked.insert(old, t + TimeDelta::minutes(20));
        assert!(revoked.contains(old) && revoked.contains(new));
        revoked.forget_before(t + TimeDelta::minutes(5));
        assert!(!revoked.contains(old), "kept at its first revocation");
        assert!(revoked.contains(new));
        assert_eq!(revoked.len(), 1);
    }
}
