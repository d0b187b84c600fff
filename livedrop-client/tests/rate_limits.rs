//! `429 rate_limited`: a typed error with its `Retry-After` where the call is not repeated,
//! and a wait of at least `Retry-After` before the repeat where it is (orders).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::{Duration, Instant};

use livedrop_client::ApiErrorKind;
use livedrop_core::ports::{BucketPolicy, RateLimits};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_are_typed_and_waited_out() {
    let roomy = support::roomy_limits();
    let one_per_second = BucketPolicy {
        capacity: 1,
        refill_every: Duration::from_secs(1),
    };
    let server = support::start(
        RateLimits {
            order: one_per_second,
            auth: BucketPolicy {
                // Three sign-ups, of two calls each (the request and the confirmation).
                capacity: 6,
                refill_every: Duration::from_secs(60),
            },
            ..roomy
        },
        false,
    )
    .await;
    let owner = support::signed_up(&server, "maker").await;
    let creator = support::creator(&owner).await;
    let product = support::product(&owner, &creator).await;
    let drop = support::live_drop(&server, &owner, &product, 10, None).await;

    // Two more sign-ups use up the auth bucket; the third is refused, and not repeated
    // (the client repeats no auth call: a confirmation that was answered but lost would
    // find its account made).
    let buyer = support::signed_up(&server, "buyer").await;
    support::signed_up(&server, "other").await;
    let limited = support::client(&server.base)
        .auth()
        .register(&support::email("late"), "late")
        .await
        .unwrap_err();
    match limited.kind() {
        Some(ApiErrorKind::RateLimited { retry_after }) => {
            assert!(retry_after >= Duration::from_secs(1), "{retry_after:?}");
            assert!(retry_after <= Duration::from_secs(60), "{retry_after:?}");
        }
        other => panic!("expected rate_limited, got {other:?} ({limited})"),
    }
    assert_eq!(
        limited.retry_after(),
        limited.kind().and_then(|k| match k {
            ApiErrorKind::RateLimited { retry_after } => Some(retry_after),
            _ => None,
        })
    );
    assert!(limited.is_retryable());

    // Orders: the second within the second is refused with Retry-After: 1, and the client
    // waits it out and repeats with the same key.
    buyer.orders().place(drop.id, 1).await.unwrap();
    let started = Instant::now();
    buyer.orders().place(drop.id, 1).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    let view = owner.drops().get(drop.id).await.unwrap();
    assert_eq!(view.stock.available, 8);

    // With retries off the refusal comes back as is.
    let impatient = livedrop_client::Client::builder()
        .base_url(&server.base)
        .max_retries(0)
        .build()
        .unwrap();
    impatient.set_tokens(buyer.tokens());
    let refused = impatient.orders().place(drop.id, 1).await.unwrap_err();
    assert!(
        matches!(refused.kind(), Some(ApiErrorKind::RateLimited { .. })),
        "{refused}"
    );
}
