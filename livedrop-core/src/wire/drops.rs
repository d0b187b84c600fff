//! The drop endpoint's response.

use serde::{Deserialize, Serialize};

use crate::domain::{Drop, DropStock};

/// `GET /drops/{id}`: the drop as the catalog holds it and its live stock as the ledger
/// holds it, both read from the authority (no cache).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DropView {
    /// The drop: product, window, stock plan, status.
    pub drop: Drop,
    /// Units left and the status the ledger decided them under.
    pub stock: DropStock,
}
