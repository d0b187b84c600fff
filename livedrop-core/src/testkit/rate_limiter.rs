//! The [`RateLimiter`] contract, for a limiter built with
//! [`RateLimits::default`](crate::ports::RateLimits): a fresh bucket grants its capacity and
//! then denies with a retry delay, a denial takes nothing, subjects and classes are
//! independent, and concurrency never grants more than the bucket allows.
//!
//! Every case uses fresh subjects, so cases may share the limiter.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::fixtures::*;
use crate::ports::{Ports, RateLimiter, RateLimits, RouteClass};

fn subject() -> String {
    unique("subject-")
}

/// The most a bucket may grant over `elapsed` from full.
fn allowance(class: RouteClass, elapsed: Duration) -> u32 {
    let policy = RateLimits::default().policy(class);
    let refills = elapsed.as_nanos() / policy.refill_every.as_nanos().max(1);
    policy.capacity + u32::try_from(refills).unwrap_or(u32::MAX)
}

/// A fresh subject gets `capacity` tokens one by one, `remaining` counting down, then a
/// denial with `retry_after` set (auth refills slowly enough to count exactly).
pub async fn a_fresh_bucket_grants_its_capacity_then_denies(limiter: &dyn RateLimiter) {
    let policy = RateLimits::default().policy(RouteClass::Auth);
    let who = subject();
    for expected_left in (0..policy.capacity).rev() {
        let decision = limiter.check(&who, RouteClass::Auth, 1).await.unwrap();
        assert!(decision.allowed, "{decision:?}");
        assert_eq!(
            (decision.limit, decision.remaining, decision.retry_after),
            (policy.capacity, expected_left, None)
        );
    }
    let denied = limiter.check(&who, RouteClass::Auth, 1).await.unwrap();
    assert!(!denied.allowed, "{denied:?}");
    assert_eq!((denied.limit, denied.remaining), (policy.capacity, 0));
    let wait = denied.retry_after.expect("a denial says when to retry");
    assert!(
        wait > Duration::ZERO && wait <= policy.refill_every,
        "retry after {wait:?}"
    );
}

/// Over any interval from a full bucket, every class grants at least its capacity and at
/// most `capacity + elapsed / refill_every`.
pub async fn grants_stay_within_capacity_plus_refill(limiter: &dyn RateLimiter) {
    for class in RouteClass::ALL {
        let policy = RateLimits::default().policy(class);
        let who = subject();
        let started = Instant::now();
        let mut granted = 0;
        for _ in 0..policy.capacity * 2 {
            if limiter.check(&who, class, 1).await.unwrap().allowed {
                granted += 1;
            }
        }
        let bound = allowance(class, started.elapsed());
        assert!(
            granted >= policy.capacity,
            "{class:?}: a full bucket granted only {granted}"
        );
        assert!(
            granted <= bound,
            "{class:?}: granted {granted}, at most {bound} allowed"
        );
    }
}

/// A denied check takes nothing: after asking for more than is left, what is left can still
/// be taken in full.
pub async fn a_denied_check_takes_nothing(limiter: &dyn RateLimiter) {
    let who = subject();
    let first = limiter.check(&who, RouteClass::Auth, 8).await.unwrap();
    assert!(first.allowed && first.remaining == 2, "{first:?}");
    let too_much = limiter.check(&who, RouteClass::Auth, 5).await.unwrap();
    assert!(!too_much.allowed, "{too_much:?}");
    assert!(
        too_much.retry_after.is_some_and(|d| d > Duration::ZERO),
        "{too_much:?}"
    );
    let rest = limiter.check(&who, RouteClass::Auth, 2).await.unwrap();
    assert!(rest.allowed && rest.remaining == 0, "{rest:?}");
}

/// Emptying one subject's bucket of one class leaves other subjects and other classes full.
pub async fn subjects_and_classes_are_independent(limiter: &dyn RateLimiter) {
    let (who, other) = (subject(), subject());
    let capacity = RateLimits::default().policy(RouteClass::Auth).capacity;
    assert!(
        limiter
            .check(&who, RouteClass::Auth, capacity)
            .await
            .unwrap()
            .allowed
    );
    assert!(
        !limiter
            .check(&who, RouteClass::Auth, 1)
            .await
            .unwrap()
            .allowed
    );
    let fresh = limiter.check(&other, RouteClass::Auth, 1).await.unwrap();
    assert!(
        fresh.allowed && fresh.remaining == capacity - 1,
        "another subject: {fresh:?}"
    );
    for class in [RouteClass::Read, RouteClass::Order] {
        let policy = RateLimits::default().policy(class);
        let decision = limiter.check(&who, class, 1).await.unwrap();
        assert!(
            decision.allowed,
            "{class:?} has its own bucket: {decision:?}"
        );
        assert_eq!(decision.limit, policy.capacity);
        assert!(decision.remaining >= policy.capacity - 1);
    }
}

/// 64 concurrent checks on one fresh auth bucket grant exactly its capacity (plus what the
/// elapsed time refilled). Run on a multi-thread runtime.
pub async fn concurrent_checks_never_overgrant(ports: &Ports) {
    let who = Arc::new(subject());
    let started = Instant::now();
    let answers = race(64, |_| {
        let (limiter, who) = (ports.rate_limiter.clone(), who.clone());
        async move {
            limiter
                .check(&who, RouteClass::Auth, 1)
                .await
                .unwrap()
                .allowed
        }
    })
    .await;
    let granted = answers.into_iter().filter(|allowed| *allowed).count() as u32;
    let bound = allowance(RouteClass::Auth, started.elapsed());
    let capacity = RateLimits::default().policy(RouteClass::Auth).capacity;
    assert!(
        granted >= capacity && granted <= bound,
        "granted {granted}, expected {capacity}..={bound}"
    );
}
