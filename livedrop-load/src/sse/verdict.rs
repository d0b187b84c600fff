//! The run's verdict: every stream checked against what it should have received, the
//! latencies read from the same logs, and the failures, one sentence each.

use std::collections::HashSet;
use std::time::Duration;

use super::check::{self, Expected};
use super::fleet::Fleet;
use super::summary::{DeliveryCheck, LatencySummary, SseSummary};
use crate::LatencyStats;

/// Checks every stream of `fleet` against `expected` (one per stream), and takes the
/// latencies of the run's `drop.started` (`drop_id`) and of the buyers' orders
/// (`buyer_orders`): first receipts only, and not the storm's orders, which arrive late
/// on purpose.
pub fn judge(
    fleet: &Fleet,
    expected: &[Expected],
    drop_id: &str,
    buyer_orders: &HashSet<String>,
) -> (DeliveryCheck, LatencySummary) {
    let mut delivery = DeliveryCheck::default();
    let (mut started, mut orders): (Vec<Duration>, Vec<Duration>) = (Vec::new(), Vec::new());
    for (i, (log, expected)) in fleet.logs.iter().zip(expected).enumerate() {
        let frames = log.frames();
        let verdict = check::check(expected, &frames);
        check::tally(&mut delivery, i, expected, &verdict);
        delivery.server_ends += u64::from(log.server_ends());
        let mut seen = HashSet::new();
        for frame in &frames {
            let (Some(latency), Some(event_id)) = (frame.latency, frame.event_id.as_deref()) else {
                continue;
            };
            if !seen.insert(event_id) {
                continue;
            }
            if frame.kind == "drop.started" && frame.drop_id.as_deref() == Some(drop_id) {
                started.push(latency);
            } else if frame.kind == "order.confirmed" && buyer_orders.contains(event_id) {
                orders.push(latency);
            }
        }
    }
    let latency = LatencySummary {
        drop_started_ms: LatencyStats::of(started),
        orders_ms: LatencyStats::of(orders),
        orders_cross_node: false,
    };
    (delivery, latency)
}

/// Why `summary` fails; empty when it passes. `refused` are the buyers' orders the
/// server did not confirm.
pub fn failures(summary: &SseSummary, refused: &[String]) -> Vec<String> {
    let mut failures = Vec::new();
    let open = &summary.open;
    if open.failed > 0 {
        failures.push(format!(
            "{} streams never opened (first: {})",
            open.failed,
            open.errors.first().map_or("-", String::as_str)
        ));
    }
    if let Some(first) = refused.first() {
        failures.push(format!(
            "{} buyers' orders were not confirmed (first: {first})",
            refused.len()
        ));
    }
    let d = &summary.delivery;
    for (count, what) in [
        (d.missed, "expected events never arrived"),
        (d.repeated, "events arrived more than once"),
        (d.out_of_order, "ids did not cover the id before them"),
        (d.unexpected, "events arrived on a stream they were not for"),
        (d.extra_resets, "resets arrived where none was due"),
        (d.missing_resets, "resets were due and never came"),
    ] {
        if count > 0 {
            failures.push(format!("{count} {what}"));
        }
    }
    if let Some(storm) = &summary.storm
        && storm.away_orders_failed > 0
    {
        failures.push(format!(
            "{} of the storm's {} orders were not confirmed",
            storm.away_orders_failed, storm.away_orders
        ));
    }
    if let Some(gap) = &summary.gap
        && gap.replayed_instead > 0
    {
        failures.push(format!(
            "resuming from the zero position replayed {} events instead of a reset: the \
             server's window still reached back to the start (run it with a \
             --realtime-history shorter than --idle-seconds)",
            gap.replayed_instead
        ));
    }
    for server in &summary.servers {
        if let Some(ratio) = server.encodes_per_event
            && ratio > 1.0
        {
            failures.push(format!(
                "{} encoded {ratio:.2} frames per event (at most 1)",
                server.base_url
            ));
        }
    }
    if let Some(stuck) = &summary.stuck
        && !stuck.all_closed
    {
        failures.push(format!(
            "the server did not cut the {} stuck streams within the timeout after their \
             burst of {} events (enough to fill their queues?)",
            stuck.streams, stuck.events_each
        ));
    }
    failures
}
