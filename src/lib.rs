//! LiveDrop in one dependency: the core (domain, ports, services) and the backends.
//!
//! ```
//! use livedrop::memory::MemoryBackend;
//!
//! let ports = MemoryBackend::default().ports();
//! # let _ = ports;
//! ```
//!
//! # Layout
//! - [`core`]: `livedrop-core`, re-exported whole.
//! - [`memory`]: the in-memory backend of `livedrop-adapters`.
//! - `examples/` and `benches/` at the workspace root build against this crate.

pub use livedrop_adapters::memory;
pub use livedrop_core as core;
