//! The shared conformance suite (`livedrop_core::testkit`) against the in-memory backend,
//! a fresh backend per case.

use livedrop_adapters::memory::{MemoryBackend, MemoryConfig};
use livedrop_core::ports::{IdempotencyPolicy, Ports};

async fn memory() -> Ports {
    MemoryBackend::new(MemoryConfig {
        idempotency: IdempotencyPolicy::for_tests(),
        ..MemoryConfig::default()
    })
    .ports()
}

livedrop_core::conformance_suite!(memory);
