//! `GET /metrics`: the Prometheus text exposition of the process's metrics.

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/metrics", get(render))
}

async fn render(State(state): State<AppState>) -> impl IntoResponse {
    crate::telemetry::record_cache_stats(state.ports().cache.stats());
    let handle = crate::telemetry::prometheus();
    // Histograms keep their samples until an upkeep folds them in; a scrape is a good time.
    handle.run_upkeep();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle.render(),
    )
}
