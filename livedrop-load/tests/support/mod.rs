//! What the load tool's tests share: a real server in process.
#![allow(dead_code, clippy::unwrap_used)] // Each test binary uses what it needs.

use std::sync::Arc;
use std::time::Duration;

use livedrop_adapters::mail::{MailDir, Sender};
use livedrop_core::clock::SystemClock;
use livedrop_core::ports::Mailer;
use livedrop_server::AppState;
use livedrop_server::background::{Background, BackgroundConfig};

/// Serves `state` on a free port of 127.0.0.1 with its background loops, the scheduler
/// asking every 50 ms (a drop due now starts at once); returns the base URL and the loops
/// (they stop when dropped). `lag_every` is how often the consumer lag is measured.
pub async fn serve(state: AppState, lag_every: Option<Duration>) -> (String, Background) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let defaults = BackgroundConfig::default();
    let background = Background::spawn(
        &state,
        BackgroundConfig {
            scheduler_every: Duration::from_millis(50),
            lag_every: lag_every.unwrap_or(defaults.lag_every),
            ..defaults
        },
    );
    tokio::spawn(livedrop_server::run(
        listener,
        state,
        std::future::pending(),
    ));
    (base, background)
}

/// Where the server in process writes its mail: the directory the tool reads
/// (`livedrop_load::confirmations::mail_dir`), as a server and the tool on one machine
/// share it.
pub async fn mailer() -> Arc<dyn Mailer> {
    let dir = livedrop_load::confirmations::mail_dir();
    let clock = Arc::new(SystemClock);
    Arc::new(MailDir::open(dir, Sender::default(), clock).await.unwrap())
}
