//! The shared conformance suite with Redis's idempotency store, rate limiter and cache
//! (the other ports from memory), a fresh key prefix per case.
#![cfg(feature = "redis")]

mod support;

use support::redis::ports;

livedrop_core::conformance_suite!(optional ports);
