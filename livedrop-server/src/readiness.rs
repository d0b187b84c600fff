//! Readiness: `GET /readyz` answers 200 only when every configured backend answers.
//!
//! A backend that needs a network connection registers a [`ReadinessProbe`] with
//! [`AppStateBuilder::probe`](crate::state::AppStateBuilder::probe). The in-memory backend
//! has nothing to reach and registers none, so with it the server is always ready.

use std::{fmt::Debug, sync::Arc, time::Duration};

use async_trait::async_trait;
use serde::Serialize;

/// How long one probe may take before it counts as failed.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// A cheap round trip to one backend (`SELECT 1`, `PING`, a metadata request, ...).
#[async_trait]
pub trait ReadinessProbe: Send + Sync + Debug + 'static {
    /// The backend's name as shown by `/readyz` (`"postgres"`, `"redis"`, ...).
    fn name(&self) -> &'static str;

    /// Succeeds when the backend answers.
    async fn check(&self) -> livedrop_core::Result<()>;
}

/// One probe's outcome. Carries no error text: `/readyz` is public.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProbeResult {
    /// The backend.
    pub name: &'static str,
    /// Whether it answered within [`PROBE_TIMEOUT`].
    pub ready: bool,
}

/// Runs every probe (each bounded by [`PROBE_TIMEOUT`]) and logs the failures.
pub async fn check_all(probes: &[Arc<dyn ReadinessProbe>]) -> Vec<ProbeResult> {
    let mut results = Vec::with_capacity(probes.len());
    for probe in probes {
        let ready = match tokio::time::timeout(PROBE_TIMEOUT, probe.check()).await {
            Ok(Ok(())) => true,
            Ok(Err(error)) => {
                tracing::warn!(backend = probe.name(), %error, "readiness probe failed");
                false
            }
            Err(_) => {
                tracing::warn!(backend = probe.name(), timeout = ?PROBE_TIMEOUT, "readiness probe timed out");
                false
            }
        };
        results.push(ProbeResult {
            name: probe.name(),
            ready,
        });
    }
    results
}

/// The future a [`Probe`] runs.
#[cfg(any(feature = "postgres", feature = "redis", feature = "kafka"))]
type Ping = std::pin::Pin<Box<dyn Future<Output = livedrop_core::Result<()>> + Send>>;

/// A backend's own `ping` as a readiness probe.
#[cfg(any(feature = "postgres", feature = "redis", feature = "kafka"))]
pub(crate) struct Probe {
    name: &'static str,
    ping: Box<dyn Fn() -> Ping + Send + Sync>,
}

#[cfg(any(feature = "postgres", feature = "redis", feature = "kafka"))]
impl Probe {
    /// Probes a clone of `backend` with `ping`.
    pub(crate) fn new<B, F, Fut>(name: &'static str, backend: B, ping: F) -> Arc<Self>
    where
        B: Clone + Send + Sync + 'static,
        F: Fn(B) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = livedrop_core::Result<()>> + Send + 'static,
    {
        Arc::new(Self {
            name,
            ping: Box::new(move || Box::pin(ping(backend.clone()))),
        })
    }
}

#[cfg(any(feature = "postgres", feature = "redis", feature = "kafka"))]
impl Debug for Probe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Probe").field("name", &self.name).finish()
    }
}

#[cfg(any(feature = "postgres", feature = "redis", feature = "kafka"))]
#[async_trait]
impl ReadinessProbe for Probe {
    fn name(&self) -> &'static str {
        self.name
    }
    async fn check(&self) -> livedrop_core::Result<()> {
        (self.ping)().await
    }
}
