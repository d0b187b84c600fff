//! The shared conformance suite (`livedrop_core::testkit`) against the in-memory backend,
//! a fresh backend per case.

mod support;

livedrop_core::conformance_suite!(async { support::memory_ports() });
