//! The `livedrop-server` binary: reads the configuration, sets up logging, builds the
//! backend and the state, starts the background loops and serves until ctrl-c or SIGTERM.
//! Everything it wires lives in the library.

use std::process::ExitCode;

use clap::Parser;
use livedrop_adapters::memory::{MemoryBackend, MemoryConfig};
use livedrop_server::background::{Background, BackgroundConfig};
use livedrop_server::{AppState, Config, run, shutdown, telemetry};

#[tokio::main]
async fn main() -> ExitCode {
    let config = Config::parse();
    if let Err(error) = telemetry::init() {
        eprintln!("livedrop-server: cannot set up logging: {error}");
        return ExitCode::FAILURE;
    }
    match serve(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "server failed");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> std::io::Result<()> {
    let backend = MemoryBackend::new(MemoryConfig::default());
    tracing::warn!(
        "backend: in-memory; nothing is persisted and all data is lost when the server stops"
    );
    let state = AppState::new(backend.ports());

    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let background = Background::spawn(&state, BackgroundConfig::default());
    let served = run(listener, state, shutdown::signal()).await;
    background.stop().await;
    served
}
