//! The OTLP exporter and the `tracing` layer feeding it.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{Protocol, SpanExporter, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::Subscriber;
use tracing_subscriber::Layer;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::registry::LookupSpan;

/// The spans exported: LiveDrop's own, at `info` and above, whatever `RUST_LOG` says of the
/// log lines (dependencies' spans would swamp a trace with connection-pool detail).
const EXPORTED: &str = "livedrop";

/// Flushes the spans not yet exported and stops the exporter when dropped: hold it until
/// the server has stopped.
#[derive(Debug)]
pub struct ExportGuard {
    provider: SdkTracerProvider,
}

impl Drop for ExportGuard {
    fn drop(&mut self) {
        if let Err(error) = self.provider.shutdown() {
            eprintln!("livedrop-server: spans not exported at exit: {error}");
        }
    }
}

/// A layer exporting spans to the OTLP/HTTP collector at `endpoint` (`http://HOST:4318`;
/// `/v1/traces` is added), batched on a thread of the SDK's own. The SDK's standard
/// variables tune it: `OTEL_SERVICE_NAME` (default `livedrop-server`),
/// `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG`, and the `OTEL_BSP_*` batch settings.
///
/// # Errors
/// An endpoint that is not an `http://` URL (TLS is not built in: run a collector beside
/// the server), or an exporter the SDK cannot build.
pub fn layer<S>(
    endpoint: &str,
) -> Result<(impl Layer<S> + Send + Sync, ExportGuard), Box<dyn std::error::Error + Send + Sync>>
where
    S: Subscriber + for<'span> LookupSpan<'span> + Send + Sync,
{
    if !endpoint.starts_with("http://") {
        return Err(format!(
            "the OTLP endpoint must be an http:// URL (a collector beside the server), not {endpoint:?}"
        )
        .into());
    }
    let traces = format!("{}/v1/traces", endpoint.trim_end_matches('/'));
    let exporter = SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(traces)
        .build()?;
    let service =
        std::env::var("OTEL_SERVICE_NAME").unwrap_or_else(|_| "livedrop-server".to_owned());
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(Resource::builder().with_service_name(service).build())
        .build();
    let tracer = provider.tracer("livedrop");
    let layer = tracing_opentelemetry::layer()
        .with_tracer(tracer)
        .with_filter(Targets::new().with_target(EXPORTED, tracing::Level::INFO));
    Ok((layer, ExportGuard { provider }))
}
