//! Logging and metrics: a `tracing` subscriber writing human-readable lines to stderr, and
//! the process-wide Prometheus recorder behind `GET /metrics`.
//!
//! Code records through the [`metrics`] facade (`counter!`, `gauge!`, `histogram!`);
//! [`prometheus`] installs the Prometheus recorder once per process, so every server built
//! in it (tests build several) reports into the same registry.

use std::io::IsTerminal;
use std::sync::OnceLock;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

/// The filter used when `RUST_LOG` is unset or invalid.
pub const DEFAULT_FILTER: &str = "info";

/// How log lines are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines (coloured on a terminal).
    #[default]
    Text,
    /// One JSON object per line, with the span fields (the request id), for collectors.
    Json,
}

/// [`init_as`] with human-readable lines.
///
/// # Errors
/// Fails if a global subscriber is already installed.
pub fn init() -> Result<(), Box<dyn std::error::Error + Send + Sync + 'static>> {
    init_as(LogFormat::Text)
}

/// Installs the global subscriber writing `format` to stderr, filtered by `RUST_LOG`
/// (`info` when unset).
///
/// # Errors
/// Fails if a global subscriber is already installed.
pub fn init_as(
    format: LogFormat,
) -> Result<(), Box<dyn std::error::Error + Send + Sync + 'static>> {
    init_exporting(format, None).map(drop)
}

/// Keeps span export running: dropped when the server has stopped, it flushes the spans
/// not yet sent. Holds nothing when spans are not exported.
#[derive(Debug, Default)]
#[must_use = "dropping it stops the span export"]
pub struct TelemetryGuard {
    #[cfg(feature = "otel")]
    _export: Option<crate::otel::ExportGuard>,
}

/// [`init_as`], and with `otlp_endpoint` every LiveDrop span exported there too (feature
/// `otel`, see [`crate::otel`]).
///
/// # Errors
/// Fails if a global subscriber is already installed, if the exporter cannot be built, or
/// if an endpoint is given to a server built without the `otel` feature.
pub fn init_exporting(
    format: LogFormat,
    otlp_endpoint: Option<&str>,
) -> Result<TelemetryGuard, Box<dyn std::error::Error + Send + Sync + 'static>> {
    let (filter, invalid) = match EnvFilter::try_from_default_env() {
        Ok(filter) => (filter, None),
        Err(error) => (
            EnvFilter::new(DEFAULT_FILTER),
            std::env::var_os("RUST_LOG").map(|_| error),
        ),
    };
    let (spans, guard) = span_export(otlp_endpoint)?;
    match spans {
        // Lines alone: the filter goes on the whole subscriber. A filter on one layer
        // (needed beside the exported spans, which have a filter of their own) costs
        // bookkeeping at every span's entry and exit, and the request span is entered at
        // every poll of a request: a cached read took 9.9-10.3 µs of server CPU with the
        // filter here, 10.1-11.1 µs with it on the layer (alternated runs).
        None => tracing_subscriber::registry()
            .with(filter)
            .with(lines(format))
            .try_init()?,
        Some(spans) => {
            let layers: Vec<BoxedLayer> = vec![lines(format).with_filter(filter).boxed(), spans];
            tracing_subscriber::registry().with(layers).try_init()?;
        }
    }
    if let Some(error) = invalid {
        tracing::warn!(%error, "RUST_LOG is invalid; logging at {DEFAULT_FILTER}");
    }
    Ok(guard)
}

/// A layer of the global subscriber.
type BoxedLayer = Box<dyn Layer<Registry> + Send + Sync>;

/// The log lines, written to stderr as `format` says.
fn lines<S>(format: LogFormat) -> Box<dyn Layer<S> + Send + Sync>
where
    S: tracing::Subscriber + for<'span> LookupSpan<'span>,
{
    let lines = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    match format {
        LogFormat::Text if std::io::stderr().is_terminal() => lines.boxed(),
        LogFormat::Text => lines
            .with_ansi(false)
            .fmt_fields(crate::plain_fields::PlainFields)
            .boxed(),
        LogFormat::Json => lines.json().with_current_span(true).boxed(),
    }
}

/// The span-exporting layer for `endpoint` (none without one) and what keeps it running.
#[cfg(feature = "otel")]
fn span_export(
    endpoint: Option<&str>,
) -> Result<(Option<BoxedLayer>, TelemetryGuard), Box<dyn std::error::Error + Send + Sync + 'static>>
{
    let Some(endpoint) = endpoint else {
        return Ok((None, TelemetryGuard::default()));
    };
    let (layer, export) = crate::otel::layer(endpoint)?;
    let guard = TelemetryGuard {
        _export: Some(export),
    };
    Ok((Some(layer.boxed()), guard))
}

/// Without the `otel` feature, an endpoint is a configuration mistake worth stopping for.
#[cfg(not(feature = "otel"))]
fn span_export(
    endpoint: Option<&str>,
) -> Result<(Option<BoxedLayer>, TelemetryGuard), Box<dyn std::error::Error + Send + Sync + 'static>>
{
    match endpoint {
        None => Ok((None, TelemetryGuard::default())),
        Some(_) => Err(
            "an OTLP endpoint is set, but this server was built without the `otel` feature".into(),
        ),
    }
}

/// Histogram buckets for `*_seconds` metrics: 1 ms to 10 s.
const SECONDS_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The process's Prometheus registry, installing it as the global recorder on first use.
/// If another recorder was installed first (an embedding program's), LiveDrop's metrics
/// go there and this handle renders an empty registry.
pub fn prometheus() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            // Fails only on an empty bucket list; summaries are then the fallback.
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), SECONDS_BUCKETS)
                .unwrap_or_else(|_| PrometheusBuilder::new());
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("a metrics recorder was already installed; /metrics stays empty");
            }
            crate::metric_catalog::describe_all();
            handle
        })
        .clone()
}

/// Publishes the cache's counters: `livedrop_cache_hits_total`,
/// `livedrop_cache_misses_total` and `livedrop_cache_hit_ratio` (hits over lookups, 0
/// before the first). Read from the cache at scrape time, since the cache counts them.
pub fn record_cache_stats(stats: livedrop_core::ports::CacheStats) {
    metrics::counter!("livedrop_cache_hits_total").absolute(stats.hits);
    metrics::counter!("livedrop_cache_misses_total").absolute(stats.misses);
    let lookups = stats.hits + stats.misses;
    let ratio = if lookups == 0 {
        0.0
    } else {
        stats.hits as f64 / lookups as f64
    };
    metrics::gauge!("livedrop_cache_hit_ratio").set(ratio);
}

/// Counts a settled order request in `livedrop_orders_total{outcome,reason}`: `confirmed`,
/// or `rejected` with the refusal's code. A replay is not counted again.
pub fn record_order(receipt: &livedrop_core::services::Receipt) {
    if receipt.replayed {
        return;
    }
    match &receipt.outcome {
        Ok(_) => confirmed_orders().increment(1),
        Err(rejection) => metrics::counter!("livedrop_orders_total", "outcome" => "rejected", "reason" => rejection.code())
            .increment(1),
    }
}

/// The confirmations' counter, made once. Made per order, a handle cost its labels'
/// strings, a hash and a registry lookup: 0.8 % of an order's server CPU. Kept for the
/// process, like the recorder: [`prometheus`] installs it when a server's state is built,
/// before any handler can count an order.
fn confirmed_orders() -> &'static metrics::Counter {
    static CONFIRMED: OnceLock<metrics::Counter> = OnceLock::new();
    CONFIRMED.get_or_init(
        || metrics::counter!("livedrop_orders_total", "outcome" => "confirmed", "reason" => "none"),
    )
}
