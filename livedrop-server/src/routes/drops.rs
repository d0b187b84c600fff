//! `GET /drops/{id}`: the authoritative view of one drop and its stock.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use livedrop_core::ids::DropId;
use livedrop_core::wire::DropView;

use crate::extract::PathId;
use crate::{ApiError, AppState};

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/drops/{id}", get(get_drop))
}

/// The drop from the catalog and its stock from the ledger, both read from the authority
/// (never a cache). A malformed id is `400 invalid_id`, an unknown one `404 not_found`.
async fn get_drop(
    State(state): State<AppState>,
    PathId(id): PathId<DropId>,
) -> Result<Json<DropView>, ApiError> {
    let (mut drop, stock) =
        tokio::try_join!(state.catalog().get_drop(id), state.ports().ledger.stock(id))?;
    // The two reads are separate instants; the stock row's status goes with its count.
    drop.status = stock.status;
    Ok(Json(DropView { drop, stock }))
}
