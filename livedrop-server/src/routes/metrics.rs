//! `GET /metrics`: the Prometheus text exposition of the process's metrics.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(render))
}

#[utoipa::path(
    get,
    path = "/metrics", operation_id = "get_metrics",
    tag = "operations",
    responses((
        status = 200,
        description = "The Prometheus text exposition format",
        content_type = "text/plain; version=0.0.4",
        body = String
    ))
)]
async fn render(State(state): State<AppState>) -> impl IntoResponse {
    crate::telemetry::record_cache_stats(state.reads().cache_stats());
    crate::process_metrics::record();
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
