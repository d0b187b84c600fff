//! The shared conformance suite with Redis's idempotency store, rate limiter and cache
//! (the other ports from memory), a fresh key prefix per case: the cache as the server
//! composes it (the in-process near tier in front of Redis), and Redis's own cache alone.
#![cfg(feature = "redis")]

mod support;

use support::redis::ports;

livedrop_core::conformance_suite!(optional ports);

mod redis_cache_alone {
    use super::support::redis::ports_without_near_cache;

    livedrop_core::conformance_suite!(cache: optional ports_without_near_cache);
}
