//! Every metric the server exports, with its `# HELP` text, described to the recorder once
//! when it is installed. One list, so a scrape never shows a metric without its meaning
//! (a test scrapes after a full flow and checks each `# TYPE` has its `# HELP`).

/// How a metric is recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Gauge,
    Histogram,
}

/// Name, kind and help of every metric.
pub const METRICS: &[(&str, Kind, &str)] = &[
    // HTTP
    (
        "livedrop_http_requests_total",
        Kind::Counter,
        "HTTP requests answered, by method, route template and status",
    ),
    (
        "livedrop_http_request_duration_seconds",
        Kind::Histogram,
        "Time to answer an HTTP request, by method and route template",
    ),
    (
        "livedrop_http_connections",
        Kind::Gauge,
        "HTTP connections open now",
    ),
    (
        "livedrop_http_connections_refused_total",
        Kind::Counter,
        "Connections closed at once because --max-connections were open",
    ),
    (
        "livedrop_http_timed_out_total",
        Kind::Counter,
        "Requests answered 503 timed_out after --request-timeout",
    ),
    (
        "livedrop_rate_limited_total",
        Kind::Counter,
        "Requests refused with 429, by route class",
    ),
    // Orders and reads
    (
        "livedrop_orders_total",
        Kind::Counter,
        "Order requests settled, by outcome and refusal reason (replays not counted)",
    ),
    (
        "livedrop_cache_hits_total",
        Kind::Counter,
        "Cached reads answered from the cache",
    ),
    (
        "livedrop_cache_misses_total",
        Kind::Counter,
        "Cached reads that went to the source",
    ),
    (
        "livedrop_cache_hit_ratio",
        Kind::Gauge,
        "Cache hits over lookups since start (0 before the first)",
    ),
    (
        "livedrop_follower_query_seconds",
        Kind::Histogram,
        "Time of a follow store query (followers, following, count, check), by query",
    ),
    // The event pipeline
    (
        "livedrop_outbox_pending",
        Kind::Gauge,
        "Events in the outbox not yet relayed to the bus",
    ),
    (
        "livedrop_outbox_oldest_age_seconds",
        Kind::Gauge,
        "Age of the oldest event the outbox still holds",
    ),
    (
        "livedrop_relayed_events_total",
        Kind::Counter,
        "Events the relay published to the bus",
    ),
    (
        "livedrop_relay_failures_total",
        Kind::Counter,
        "Relay rounds that failed (retried with backoff)",
    ),
    (
        "livedrop_events_handled_total",
        Kind::Counter,
        "Events a consumer group handled, by group and outcome",
    ),
    (
        "livedrop_event_delivery_seconds",
        Kind::Histogram,
        "From an event's commit to a consumer handling it, by group",
    ),
    (
        "livedrop_consumer_lag",
        Kind::Gauge,
        "Events a consumer group has not committed yet, by group",
    ),
    (
        "livedrop_consumer_partition_lag",
        Kind::Gauge,
        "Events a consumer group has not committed yet, by group and partition",
    ),
    (
        "livedrop_consumer_join_failures_total",
        Kind::Counter,
        "Times this node's consumer could not join its group (retried with backoff), by group",
    ),
    // Event streams
    (
        "livedrop_sse_connections",
        Kind::Gauge,
        "Event streams open now on this node",
    ),
    (
        "livedrop_revoked_sign_ins",
        Kind::Gauge,
        "Sign-ins revoked while their access tokens may still live, whose tokens this node refuses",
    ),
    (
        "livedrop_realtime_opens_total",
        Kind::Counter,
        "Event streams opened, by how they started (fresh, resumed, reset)",
    ),
    (
        "livedrop_realtime_refused_total",
        Kind::Counter,
        "Event streams refused, by reason",
    ),
    (
        "livedrop_realtime_events_total",
        Kind::Counter,
        "Events the realtime hub took from the bus",
    ),
    (
        "livedrop_realtime_encodes_total",
        Kind::Counter,
        "Frames encoded (once per event, however many streams get it)",
    ),
    (
        "livedrop_realtime_fanout_seconds",
        Kind::Histogram,
        "From an event's commit to its frame written to a stream",
    ),
    (
        "livedrop_realtime_queue_overflows_total",
        Kind::Counter,
        "Frames dropped because a stream's queue was full",
    ),
    (
        "livedrop_realtime_slow_closes_total",
        Kind::Counter,
        "Streams closed for reading too slowly",
    ),
    (
        "livedrop_realtime_window_events",
        Kind::Gauge,
        "Events the resume window holds",
    ),
    // The process
    (
        "livedrop_build_info",
        Kind::Gauge,
        "Always 1; the labels say which build runs",
    ),
    (
        "process_cpu_seconds_total",
        Kind::Gauge,
        "User and system CPU time the process used, in seconds",
    ),
    (
        "process_resident_memory_bytes",
        Kind::Gauge,
        "Resident memory of the process",
    ),
    (
        "process_virtual_memory_bytes",
        Kind::Gauge,
        "Virtual memory of the process",
    ),
    (
        "process_open_fds",
        Kind::Gauge,
        "File descriptors the process holds open",
    ),
    (
        "process_max_fds",
        Kind::Gauge,
        "The most file descriptors the process may open",
    ),
    (
        "process_start_time_seconds",
        Kind::Gauge,
        "When the process started, in seconds since the epoch",
    ),
];

/// Describes every metric to the installed recorder, and sets the build's info.
pub fn describe_all() {
    for &(name, kind, help) in METRICS {
        match kind {
            Kind::Counter => metrics::describe_counter!(name, help),
            Kind::Gauge => metrics::describe_gauge!(name, help),
            Kind::Histogram => metrics::describe_histogram!(name, help),
        }
    }
    metrics::gauge!("livedrop_build_info", "version" => env!("CARGO_PKG_VERSION")).set(1.0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_metric_is_listed_once_with_help() {
        let mut names: Vec<&str> = METRICS.iter().map(|(name, ..)| *name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), METRICS.len(), "a metric is listed twice");
        assert!(METRICS.iter().all(|(_, _, help)| !help.is_empty()));
    }
}
