//! Logging: a `tracing` subscriber writing human-readable lines to stderr.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// The filter used when `RUST_LOG` is unset or invalid.
pub const DEFAULT_FILTER: &str = "info";

/// Installs the global subscriber, filtered by `RUST_LOG` (`info` when unset), with
/// colours only when stderr is a terminal.
///
/// # Errors
/// Fails if a global subscriber is already installed.
pub fn init() -> Result<(), Box<dyn std::error::Error + Send + Sync + 'static>> {
    let (filter, invalid) = match EnvFilter::try_from_default_env() {
        Ok(filter) => (filter, None),
        Err(error) => (
            EnvFilter::new(DEFAULT_FILTER),
            std::env::var_os("RUST_LOG").map(|_| error),
        ),
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init()?;
    if let Some(error) = invalid {
        tracing::warn!(%error, "RUST_LOG is invalid; logging at {DEFAULT_FILTER}");
    }
    Ok(())
}
