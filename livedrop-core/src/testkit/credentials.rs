//! The [`Credentials`](crate::ports::Credentials) contract: a registration stores the user
//! and the password together or neither, password hashes round-trip,
//! rotation spends a token for its successor in the same family, a replayed spent token
//! revokes the family, expired, unknown and revoked tokens are refused without changing
//! anything, logout revokes one family only, and of concurrent rotations of one token
//! exactly one wins and the family ends revoked. A family is live until it is revoked
//! (logout or reuse) or its unspent token expires. The single-use token ids are
//! [`credentials_token_ids`](super::credentials_token_ids).
//!
//! Every case uses fresh users and tokens, so cases may share a backend.

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};

use super::fixtures::*;
use crate::ids::{FamilyId, UserId};
use crate::ports::{PasswordHash, Ports, RefreshRefusal, RefreshTokenHash, Rotation};

/// A fresh token hash.
fn token() -> RefreshTokenHash {
    RefreshTokenHash::of(&unique("refresh-"))
}

fn in_a_day(at: DateTime<Utc>) -> DateTime<Utc> {
    at + TimeDelta::days(1)
}

fn rotated(rotation: Rotation) -> UserId {
    match rotation {
        Rotation::Rotated { user_id, .. } => user_id,
        other => panic!("expected Rotated, got {other:?}"),
    }
}

/// `set_password` stores and replaces; `password` reads the last one; unknown users have
/// none and cannot get one.
pub async fn passwords_round_trip_and_need_a_user(ports: &Ports) {
    let store = &*ports.credentials;
    let user = user(&*ports.catalog).await;
    assert_eq!(store.password(user.id).await.unwrap(), None);
    let first = PasswordHash::new("$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$first");
    store.set_password(user.id, &first).await.unwrap();
    assert_eq!(store.password(user.id).await.unwrap(), Some(first));
    let second = PasswordHash::new("$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$second");
    store.set_password(user.id, &second).await.unwrap();
    assert_eq!(store.password(user.id).await.unwrap(), Some(second.clone()));

    let stranger = UserId::new();
    assert_not_found(store.set_password(stranger, &second).await, "unknown user");
    assert_eq!(store.password(stranger).await.unwrap(), None);
    assert_not_found(
        store
            .issue_refresh(stranger, &token(), in_a_day(now()), now())
            .await,
        "refresh for an unknown user",
    );
}

/// `register` stores a new user and their password together: both are there after it,
/// and a taken email stores neither the second user nor its password.
pub async fn register_stores_the_user_and_password_together(ports: &Ports) {
    let store = &*ports.credentials;
    let hash = PasswordHash::new("$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$first");
    let user = new_user(now());
    store.register(&user, &hash).await.unwrap();
    assert_eq!(ports.catalog.get_user(user.id).await.unwrap(), user);
    assert_eq!(
        ports.catalog.user_by_email(&user.email).await.unwrap().id,
        user.id
    );
    assert_eq!(store.password(user.id).await.unwrap(), Some(hash.clone()));

    let mut twin = new_user(now());
    twin.email = user.email.clone();
    assert_already_exists(store.register(&twin, &hash).await, "a taken email");
    assert_not_found(ports.catalog.get_user(twin.id).await, "the refused user");
    assert_eq!(store.password(twin.id).await.unwrap(), None);
}

/// A live token rotates once into its successor, which rotates in turn; the family and
/// the user stay the same.
pub async fn rotation_spends_the_token_and_keeps_the_family(ports: &Ports) {
    let store = &*ports.credentials;
    let user = user(&*ports.catalog).await;
    let t = now();
    let (first, second, third) = (token(), token(), token());
    let family = store
        .issue_refresh(user.id, &first, in_a_day(t), t)
        .await
        .unwrap();
    let answer = store.rotate(&first, &second, in_a_day(t), t).await.unwrap();
    assert_eq!(
        answer,
        Rotation::Rotated {
            user_id: user.id,
            family_id: family
        }
    );
    let later = t + TimeDelta::minutes(20);
    let answer = store
        .rotate(&second, &third, in_a_day(later), later)
        .await
        .unwrap();
    assert_eq!(rotated(answer), user.id);
}

/// Replaying a spent token revokes the family: the answer is `Reused`, the live successor
/// is refused as revoked afterwards, and the replay stored nothing.
pub async fn reusing_a_spent_token_revokes_the_family(ports: &Ports) {
    let store = &*ports.credentials;
    let user = user(&*ports.catalog).await;
    let t = now();
    let (first, second, stolen_next, after) = (token(), token(), token(), token());
    let family = store
        .issue_refresh(user.id, &first, in_a_day(t), t)
        .await
        .unwrap();
    rotated(store.rotate(&first, &second, in_a_day(t), t).await.unwrap());

    let replay = store
        .rotate(&first, &stolen_next, in_a_day(t), t)
        .await
        .unwrap();
    assert_eq!(
        replay,
        Rotation::Reused {
            user_id: user.id,
            family_id: family
        }
    );
    let successor = store.rotate(&second, &after, in_a_day(t), t).await.unwrap();
    assert_eq!(successor, Rotation::Refused(RefreshRefusal::Revoked));
    let nothing_stored = store
        .rotate(&stolen_next, &token(), in_a_day(t), t)
        .await
        .unwrap();
    assert_eq!(nothing_stored, Rotation::Refused(RefreshRefusal::Unknown));
}

/// Unknown and expired tokens are refused and change nothing: an expired token's refusal
/// does not spend it (its family is not revoked by a later look).
pub async fn expired_and_unknown_tokens_are_refused(ports: &Ports) {
    let store = &*ports.credentials;
    let user = user(&*ports.catalog).await;
    let t = now();
    let unknown = store
        .rotate(&token(), &token(), in_a_day(t), t)
        .await
        .unwrap();
    assert_eq!(unknown, Rotation::Refused(RefreshRefusal::Unknown));

    let (old, new) = (token(), token());
    let expiry = t + TimeDelta::minutes(1);
    store.issue_refresh(user.id, &old, expiry, t).await.unwrap();
    for at in [expiry, expiry + TimeDelta::days(1)] {
        let answer = store.rotate(&old, &new, in_a_day(at), at).await.unwrap();
        assert_eq!(
            answer,
            Rotation::Refused(RefreshRefusal::Expired),
            "at {at}"
        );
    }
    let never_stored = store.rotate(&new, &token(), in_a_day(t), t).await.unwrap();
    assert_eq!(never_stored, Rotation::Refused(RefreshRefusal::Unknown));
    // Still unspent: just before expiry it rotates.
    let before = expiry - TimeDelta::seconds(1);
    rotated(
        store
            .rotate(&old, &token(), in_a_day(before), before)
            .await
            .unwrap(),
    );
}

/// Logout revokes the family of any of its tokens, idempotently, and no other family
/// (the same user's other sign-in keeps working); an unknown token revokes nothing.
pub async fn revoke_family_ends_one_family_only(ports: &Ports) {
    let store = &*ports.credentials;
    let user = user(&*ports.catalog).await;
    let t = now();
    let (phone, phone_next, laptop) = (token(), token(), token());
    let family = store
        .issue_refresh(user.id, &phone, in_a_day(t), t)
        .await
        .unwrap();
    let other = store
        .issue_refresh(user.id, &laptop, in_a_day(t), t)
        .await
        .unwrap();
    assert_ne!(family, other);
    rotated(
        store
            .rotate(&phone, &phone_next, in_a_day(t), t)
            .await
            .unwrap(),
    );

    // Through the spent token: still its family.
    assert_eq!(store.revoke_family(&phone, t).await.unwrap(), Some(family));
    assert_eq!(
        store.revoke_family(&phone_next, t).await.unwrap(),
        Some(family)
    );
    let answer = store
        .rotate(&phone_next, &token(), in_a_day(t), t)
        .await
        .unwrap();
    assert_eq!(answer, Rotation::Refused(RefreshRefusal::Revoked));
    // A revoked family's spent token is refused as revoked, not reported again as reuse.
    let answer = store
        .rotate(&phone, &token(), in_a_day(t), t)
        .await
        .unwrap();
    assert_eq!(answer, Rotation::Refused(RefreshRefusal::Revoked));

    rotated(
        store
            .rotate(&laptop, &token(), in_a_day(t), t)
            .await
            .unwrap(),
    );
    assert_eq!(store.revoke_family(&token(), t).await.unwrap(), None);
}

/// Eight concurrent rotations of one token: exactly one `Rotated`, the others `Reused`
/// or `Refused(Revoked)` (at least one `Reused`), and afterwards the family is revoked:
/// the winner's new token is refused too.
pub async fn concurrent_rotations_of_one_token_let_exactly_one_win(ports: &Ports) {
    const TASKS: usize = 8;
    let store = Arc::clone(&ports.credentials);
    let user = user(&*ports.catalog).await;
    let t = now();
    let first = token();
    store
        .issue_refresh(user.id, &first, in_a_day(t), t)
        .await
        .unwrap();
    let successors: Vec<RefreshTokenHash> = (0..TASKS).map(|_| token()).collect();
    let answers = race(TASKS, |i| {
        let (store, new) = (Arc::clone(&store), successors[i]);
        async move { store.rotate(&first, &new, in_a_day(t), t).await.unwrap() }
    })
    .await;

    let winners: Vec<usize> = (0..TASKS)
        .filter(|&i| matches!(answers[i], Rotation::Rotated { .. }))
        .collect();
    assert_eq!(winners.len(), 1, "{answers:?}");
    assert!(
        answers.iter().any(|a| matches!(a, Rotation::Reused { .. })),
        "{answers:?}"
    );
    for answer in &answers {
        assert!(
            matches!(
                answer,
                Rotation::Rotated { .. }
                    | Rotation::Reused { .. }
                    | Rotation::Refused(RefreshRefusal::Revoked)
            ),
            "{answers:?}"
        );
    }
    let winner_next = successors[winners[0]];
    let answer = store
        .rotate(&winner_next, &token(), in_a_day(t), t)
        .await
        .unwrap();
    assert_eq!(answer, Rotation::Refused(RefreshRefusal::Revoked));
}

/// A logout racing a rotation of the same family never leaves a live token behind.
pub async fn logout_racing_a_rotation_leaves_no_live_token(ports: &Ports) {
    let store = Arc::clone(&ports.credentials);
    let user = user(&*ports.catalog).await;
    let t = now();
    for _ in 0..10 {
        let (old, new) = (token(), token());
        store
            .issue_refresh(user.id, &old, in_a_day(t), t)
            .await
            .unwrap();
        race(2, |i| {
            let store = Arc::clone(&store);
            async move {
                if i == 0 {
                    store.rotate(&old, &new, in_a_day(t), t).await.unwrap();
                } else {
                    store.revoke_family(&old, t).await.unwrap();
                }
            }
        })
        .await;
        let answer = store.rotate(&new, &token(), in_a_day(t), t).await.unwrap();
        assert!(
            matches!(
                answer,
                Rotation::Refused(RefreshRefusal::Revoked | RefreshRefusal::Unknown)
            ),
            "{answer:?}"
        );
    }
}

/// A family is live from its first token until logout revokes it, through any of its
/// tokens; the same user's other sign-in stays live, and an unknown family is not live.
pub async fn a_family_is_live_until_logout_revokes_it(ports: &Ports) {
    let store = &*ports.credentials;
    let user = user(&*ports.catalog).await;
    let t = now();
    let (phone, phone_next, laptop) = (token(), token(), token());
    let family = store
        .issue_refresh(user.id, &phone, in_a_day(t), t)
        .await
        .unwrap();
    let other = store
        .issue_refresh(user.id, &laptop, in_a_day(t), t)
        .await
        .unwrap();
    assert!(store.family_live(family, t).await.unwrap());
    rotated(
        store
            .rotate(&phone, &phone_next, in_a_day(t), t)
            .await
            .unwrap(),
    );
    assert!(
        store.family_live(family, t).await.unwrap(),
        "a rotation keeps the sign-in on"
    );

    // Logout through the spent token still ends the family.
    assert_eq!(store.revoke_family(&phone, t).await.unwrap(), Some(family));
    assert!(!store.family_live(family, t).await.unwrap());
    assert!(store.family_live(other, t).await.unwrap());
    assert!(!store.family_live(FamilyId::new(), t).await.unwrap());
}

/// Revocations are listed from when they happened, either way (logout and reuse), once
/// each with their first instant; a live family and one revoked before `since` are not.
pub async fn revocations_are_listed_from_when_they_happened(ports: &Ports) {
    let store = &*ports.credentials;
    let user = user(&*ports.catalog).await;
    let t = micros(now());
    let (early, logout, reused, reused_next, live) = (token(), token(), token(), token(), token());
    let mut family = Vec::new();
    for token in [&early, &logout, &reused, &live] {
        family.push(
            store
                .issue_refresh(user.id, token, in_a_day(t), t)
                .await
                .unwrap(),
        );
    }
    let (t1, t2, t3) = (t + ms(10), t + ms(20), t + ms(30));
    store.revoke_family(&early, t1).await.unwrap();
    store.revoke_family(&logout, t2).await.unwrap();
    rotated(
        store
            .rotate(&reused, &reused_next, in_a_day(t), t3)
            .await
            .unwrap(),
    );
    assert!(matches!(
        store
            .rotate(&reused, &token(), in_a_day(t), t3)
            .await
            .unwrap(),
        Rotation::Reused { .. }
    ));
    // Revoking again keeps the first instant.
    store.revoke_family(&logout, t3 + ms(10)).await.unwrap();

    let mut listed: Vec<(FamilyId, DateTime<Utc>)> = store
        .revoked_since(t2)
        .await
        .unwrap()
        .into_iter()
        .filter(|(id, _)| family.contains(id))
        .collect();
    listed.sort_unstable_by_key(|(_, at)| *at);
    assert_eq!(listed, [(family[1], t2), (family[2], t3)]);
}

/// Reuse detection ends the sign-in: once a spent token comes back, the family is not live.
pub async fn a_reused_refresh_token_ends_its_family(ports: &Ports) {
    let store = &*ports.credentials;
    let user = user(&*ports.catalog).await;
    let t = now();
    let (first, second) = (token(), token());
    let family = store
        .issue_refresh(user.id, &first, in_a_day(t), t)
        .await
        .unwrap();
    rotated(store.rotate(&first, &second, in_a_day(t), t).await.unwrap());
    assert!(store.family_live(family, t).await.unwrap());
    let replay = store
        .rotate(&first, &token(), in_a_day(t), t)
        .await
        .unwrap();
    assert!(matches!(replay, Rotation::Reused { .. }), "{replay:?}");
    assert!(!store.family_live(family, t).await.unwrap());
}

/// A family is live while its unspent token is: not from that token's expiry on, unless a
/// rotation before it gave the family a successor with a later one.
pub async fn a_family_is_live_while_its_refresh_token_is(ports: &Ports) {
    let store = &*ports.credentials;
    let user = user(&*ports.catalog).await;
    let t = now();
    let expiry = t + TimeDelta::minutes(1);
    let idle = store
        .issue_refresh(user.id, &token(), expiry, t)
        .await
        .unwrap();
    assert!(store.family_live(idle, t).await.unwrap());
    assert!(
        store
            .family_live(idle, expiry - TimeDelta::seconds(1))
            .await
            .unwrap()
    );
    assert!(!store.family_live(idle, expiry).await.unwrap());
    assert!(
        !store
            .family_live(idle, expiry + TimeDelta::days(1))
            .await
            .unwrap()
    );

    let (old, new) = (token(), token());
    let active = store.issue_refresh(user.id, &old, expiry, t).await.unwrap();
    let before = expiry - TimeDelta::seconds(10);
    rotated(
        store
            .rotate(&old, &new, in_a_day(before), before)
            .await
            .unwrap(),
    );
    assert!(
        store
            .family_live(active, expiry + TimeDelta::hours(1))
            .await
            .unwrap(),
        "the successor's expiry counts, not the spent token's"
    );
    assert!(!store.family_live(active, in_a_day(before)).await.unwrap());
}
