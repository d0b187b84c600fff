//! The [`Credentials`](crate::ports::Credentials) contract's single-use token ids
//! (`spend_once`): an id is spent once, once only under concurrency, and never at or
//! after its expiry; the sign-in and refresh-token cases are in
//! [`credentials`](super::credentials).
//!
//! Every case uses fresh ids, so cases may share a backend.

use std::sync::Arc;

use chrono::TimeDelta;

use super::fixtures::*;
use crate::ports::{Ports, TokenId};

/// The first spend of a token id answers `true`, every later one `false` (right after it
/// and until its expiry); other ids are spent independently.
pub async fn a_token_id_is_spent_once(ports: &Ports) {
    let store = &*ports.credentials;
    let t = now();
    let expiry = t + TimeDelta::minutes(1);
    let (id, other) = (TokenId::new(), TokenId::new());
    assert!(store.spend_once(id, expiry, t).await.unwrap());
    assert!(!store.spend_once(id, expiry, t).await.unwrap());
    let later = expiry - TimeDelta::seconds(1);
    assert!(!store.spend_once(id, expiry, later).await.unwrap());
    assert!(store.spend_once(other, expiry, later).await.unwrap());
    assert!(!store.spend_once(other, expiry, later).await.unwrap());
}

/// An id is never spent at or after its expiry, whether or not it was spent before, and
/// however many other spends came meanwhile (a store that forgets expired ids still
/// refuses them); refusing an expired id stores nothing that would block anything else.
pub async fn expired_token_ids_are_never_spent(ports: &Ports) {
    let store = &*ports.credentials;
    let t = now();
    let expiry = t + TimeDelta::minutes(1);
    let (spent, unspent) = (TokenId::new(), TokenId::new());
    assert!(store.spend_once(spent, expiry, t).await.unwrap());
    for at in [expiry, expiry + TimeDelta::minutes(5)] {
        assert!(
            !store.spend_once(unspent, expiry, at).await.unwrap(),
            "at {at}"
        );
        assert!(
            !store.spend_once(spent, expiry, at).await.unwrap(),
            "at {at}"
        );
        // Fresh ids spent after the expiry (where a store prunes as it goes).
        for _ in 0..3 {
            assert!(
                store
                    .spend_once(TokenId::new(), at + TimeDelta::minutes(1), at)
                    .await
                    .unwrap()
            );
        }
        assert!(
            !store.spend_once(spent, expiry, at).await.unwrap(),
            "at {at}"
        );
    }
    // The refused id is spendable with a later expiry: the refusal stored nothing.
    let renewed = expiry + TimeDelta::hours(1);
    assert!(store.spend_once(unspent, renewed, expiry).await.unwrap());
    assert!(!store.spend_once(unspent, renewed, expiry).await.unwrap());
}

/// Eight concurrent spends of one id: exactly one `true`. Eight concurrent spends of
/// eight ids: all `true`.
pub async fn concurrent_spends_of_one_id_let_exactly_one_win(ports: &Ports) {
    const TASKS: usize = 8;
    let store = Arc::clone(&ports.credentials);
    let t = now();
    let expiry = t + TimeDelta::minutes(1);
    for _ in 0..5 {
        let id = TokenId::new();
        let answers = race(TASKS, |_| {
            let store = Arc::clone(&store);
            async move { store.spend_once(id, expiry, t).await.unwrap() }
        })
        .await;
        assert_eq!(answers.iter().filter(|&&won| won).count(), 1, "{answers:?}");
        assert!(!store.spend_once(id, expiry, t).await.unwrap());
    }
    let ids: Vec<TokenId> = (0..TASKS).map(|_| TokenId::new()).collect();
    let answers = race(TASKS, |i| {
        let (store, id) = (Arc::clone(&store), ids[i]);
        async move { store.spend_once(id, expiry, t).await.unwrap() }
    })
    .await;
    assert!(answers.iter().all(|&won| won), "{answers:?}");
}
