//! The consumer lag metrics: each handler's group backlog read from the bus itself, per
//! partition, on a loop of its own.
//!
//! Not from the consumers: a member stuck on an event (or starved by a sale's load) is
//! exactly when its own report would stop, and the gauge would keep showing its last,
//! small figure. The bus knows the group's commits and the partitions' ends whatever the
//! members do.

use std::sync::Arc;
use std::time::Duration;

use livedrop_core::ports::EventBus;
use tokio::sync::watch;

use super::retry::stopped_during;

/// The longest one group's lag query may take: the brokers answer a metadata, an offsets
/// and a watermark request per partition, slowly during a sale.
const QUERY_TIMEOUT: Duration = Duration::from_secs(5);

/// Publishes `livedrop_consumer_lag{group}` (the group's backlog) and
/// `livedrop_consumer_partition_lag{group,partition}` every `every` until `stop`. A bus
/// that does not answer within [`QUERY_TIMEOUT`] leaves the figures as they were (logged
/// once per outage).
pub(super) async fn run(
    bus: Arc<dyn EventBus>,
    groups: Vec<String>,
    every: Duration,
    mut stop: watch::Receiver<bool>,
) {
    let mut failing = false;
    loop {
        for group in &groups {
            match tokio::time::timeout(QUERY_TIMEOUT.max(every), bus.lag(group)).await {
                Ok(Ok(partitions)) => {
                    let total: u64 = partitions.iter().map(|p| p.behind()).sum();
                    metrics::gauge!("livedrop_consumer_lag", "group" => group.clone())
                        .set(total as f64);
                    for partition in &partitions {
                        metrics::gauge!(
                            "livedrop_consumer_partition_lag",
                            "group" => group.clone(),
                            "partition" => partition.partition.to_string()
                        )
                        .set(partition.behind() as f64);
                    }
                    failing = false;
                }
                Ok(Err(error)) if !failing => {
                    tracing::warn!(%group, %error, "consumer lag unavailable");
                    failing = true;
                }
                Err(_) if !failing => {
                    tracing::warn!(%group, "consumer lag query timed out");
                    failing = true;
                }
                _ => {}
            }
        }
        if stopped_during(&mut stop, every).await {
            break;
        }
    }
}
