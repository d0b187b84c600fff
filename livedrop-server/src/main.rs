//! The `livedrop-server` binary: reads the configuration, sets up logging, builds the
//! backend and the state, starts the background loops and serves until ctrl-c or SIGTERM.
//! Everything it wires lives in the library.

use std::process::ExitCode;

use clap::Parser;
use livedrop_server::background::{Background, BackgroundConfig};
use livedrop_server::{
    AppState, Config, ServeConfig, backends, metrics_router, run_with, shutdown, telemetry,
};

// See Cargo.toml: bounded memory after password hashes, and a faster hot path.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let config = Config::parse();
    // Held to the end: dropping it flushes the spans not yet exported.
    let _telemetry =
        match telemetry::init_exporting(config.log_format, config.otlp_endpoint.as_deref()) {
            Ok(guard) => guard,
            Err(error) => {
                eprintln!("livedrop-server: cannot set up logging: {error}");
                return ExitCode::FAILURE;
            }
        };
    match serve(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = %error_chain(&*error), "server failed");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> Result<(), Box<dyn std::error::Error>> {
    let serving = config.serve_config();
    let backends = backends::connect(&config).await?;
    let configured: Vec<&str> = backends.probes.iter().map(|p| p.name()).collect();
    tracing::info!(?configured, "backends connected; the rest run in process");
    if !backends.durable {
        tracing::warn!(
            "no database configured (LIVEDROP_DATABASE_URL): orders and the catalog are kept in memory, not persisted, and lost when the server stops"
        );
    }
    // Spans exported: the ledger and the bus make theirs and hand the trace on.
    #[cfg(feature = "otel")]
    let backends = if config.otlp_endpoint.is_some() {
        backends::Backends {
            ports: livedrop_server::otel::traced(backends.ports),
            ..backends
        }
    } else {
        backends
    };
    let mail = config.mail.mailer().await?;
    if mail.undelivered && backends.durable {
        tracing::warn!(
            mail = %mail.described,
            "registration mail reaches nobody's mailbox (set LIVEDROP_SMTP_URL): new users cannot confirm their accounts"
        );
    } else {
        tracing::info!(mail = %mail.described, "registration mail");
    }
    let app_url =
        livedrop_server::mail::app_url(config.media.public_url.as_deref(), config.listen)?;
    let mut state = AppState::builder(backends.ports)
        .mailer(mail.mailer)
        .app_url(app_url)
        .hub(config.hub_config())
        .passwords(config.passwords()?)
        .trusted_proxies(config.trusted_proxies.clone())
        .request_timeout(config.request_timeout)
        .cors_origins(config.cors_origins.clone());
    match config.jwt_secret {
        Some(secret) => state = state.jwt_secret(secret),
        None => tracing::warn!(
            "no LIVEDROP_JWT_SECRET: tokens are signed with a random secret, so they do not survive a restart and other instances refuse them"
        ),
    }
    if config.rate_limits.no_rate_limits {
        tracing::warn!(
            "RATE LIMITS ARE OFF (LIVEDROP_NO_RATE_LIMITS / --no-rate-limits): any caller may send as much as it likes; for load tests only"
        );
        state = state.without_rate_limits();
    }
    for probe in backends.probes {
        state = state.probe(probe);
    }
    if config.metrics_listen.is_some() {
        state = state.metrics_elsewhere();
    }
    let state = state.build();

    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    // Bound before serving, so a taken port fails the start rather than the first scrape.
    let metrics = match config.metrics_listen {
        Some(address) => {
            let listener = tokio::net::TcpListener::bind(address).await?;
            let router = metrics_router(state.clone());
            Some(tokio::spawn(livedrop_server::serve(
                listener,
                router,
                ServeConfig::default(),
                std::future::pending(),
                || {},
            )))
        }
        None => None,
    };
    let background = Background::spawn(&state, BackgroundConfig::default());
    let served = run_with(listener, state, serving, shutdown::signal()).await;
    background.stop().await;
    if let Some(metrics) = metrics {
        metrics.abort();
    }
    Ok(served?)
}

/// `error: cause: cause ...`, so a start-up failure says why in one line.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut chain = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        chain.push_str(": ");
        chain.push_str(&cause.to_string());
        source = cause.source();
    }
    chain
}
