//! The idempotency, rate-limit and cache cases against a six-node Redis Cluster (three
//! primaries with a replica each), the ports the Redis backend provides, a fresh key
//! prefix per case: the same contract whichever slots a case's keys land in.
#![cfg(feature = "redis")]

mod support;

use support::redis_cluster::ports;

livedrop_core::conformance_suite!(idempotency: optional ports);

mod rate_limits {
    use super::*;

    livedrop_core::conformance_suite!(rate_limiter: optional ports);
}

mod cached_reads {
    use super::*;

    livedrop_core::conformance_suite!(cache: optional ports);
}
