//! The answers of `GET /healthz` and `GET /readyz`.

use serde::{Deserialize, Serialize};

/// `GET /healthz` (`{"status":"ok"}`) and a passing `GET /readyz`
/// (`{"status":"ready","backends":[..]}`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthStatus {
    /// `ok` (alive) or `ready`.
    pub status: String,
    /// Readiness only: each configured backend and whether it answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backends: Option<Vec<BackendStatus>>,
}

/// One backend's readiness. Carries no error text: `/readyz` is public.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BackendStatus {
    /// The backend (`postgres`, `redis`, ...).
    pub name: String,
    /// Whether it answered in time.
    pub ready: bool,
}
