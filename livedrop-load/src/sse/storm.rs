//! The storm: some streams disconnect, events for them happen while they are away, and
//! they all come back at once with their `Last-Event-ID` (on the next server, so with
//! several the resume crosses nodes): each must get exactly what it missed. Then the gap:
//! the same streams resume from the zero position, before the server's window, and must
//! each get exactly one `reset` and nothing replayed.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use livedrop_core::ids::DropId;

use super::check::zero_like;
use super::fleet::{Fleet, wait_all};
use super::ordering;
use super::summary::{GapSummary, StormSummary};

/// After the away orders are confirmed, how long before resuming, so their events reach
/// the hub (and the streams' old connections) while the streams are away.
const AWAY_SETTLE: Duration = Duration::from_millis(300);
/// After the last `reset`, how long frames are still watched for (a server that replays
/// instead of resetting shows its replay here).
const GAP_SETTLE: Duration = Duration::from_millis(500);

/// What the storm placed: per storm stream, the ids of the orders it missed.
#[derive(Debug, Default)]
pub struct Storm {
    /// `(stream, away order ids)`.
    pub away: Vec<(usize, Vec<String>)>,
    /// The figures.
    pub summary: StormSummary,
}

/// Runs the storm on streams `storm`: cut, `each` orders per user through its next
/// server, resume them all at once on that server, wait (up to `timeout`) for the events.
pub async fn storm(
    fleet: &mut Fleet,
    storm: &[usize],
    servers: usize,
    drop: DropId,
    each: usize,
    timeout: Duration,
) -> Storm {
    let cut_at = Instant::now();
    let mut resume_from = Vec::with_capacity(storm.len());
    for &i in storm {
        resume_from.push((i, fleet.cut(i).await, fleet.logs[i].connections()));
    }
    let next = |server: usize| (server + 1) % servers.max(1);
    let who = storm
        .iter()
        .map(|&i| (fleet.users[i].clone(), next(fleet.servers[i])))
        .collect();
    let placed = ordering::place_all(who, drop, each).await;
    tokio::time::sleep(AWAY_SETTLE).await;
    let away_ms = cut_at.elapsed().as_secs_f64() * 1000.0;

    let resumed_at = Instant::now();
    for (i, id, _) in &resume_from {
        let server = next(fleet.servers[*i]);
        fleet.resume(*i, server, id.clone());
    }
    let logs = &fleet.logs;
    wait_all(
        resume_from.iter().map(|r| (r.0, r.2)),
        timeout,
        |(i, before)| logs[i].connections() > before,
    )
    .await;
    let reconnect_ms = resumed_at.elapsed().as_secs_f64() * 1000.0;
    wait_all(0..storm.len(), timeout, |k| {
        placed[k].ids.iter().all(|id| logs[storm[k]].has_event(id))
    })
    .await;

    let mut summary = StormSummary {
        streams: storm.len(),
        away_ms,
        reconnect_ms,
        cross_node: servers > 1,
        ..StormSummary::default()
    };
    let mut away = Vec::with_capacity(storm.len());
    for (k, placed) in placed.into_iter().enumerate() {
        let i = storm[k];
        summary.away_orders += (placed.ids.len() + placed.failed.len()) as u64;
        summary.away_orders_failed += placed.failed.len() as u64;
        let got = placed.ids.iter().filter(|id| logs[i].has_event(id)).count() as u64;
        summary.replayed += got;
        summary.missed += placed.ids.len() as u64 - got;
        away.push((i, placed.ids));
    }
    Storm { away, summary }
}

/// Resumes streams `storm` from the zero position on their next server; waits (up to
/// `timeout`) for a `reset` on each, then a moment more for anything replayed after it.
pub async fn gap(
    fleet: &mut Fleet,
    storm: &[usize],
    servers: usize,
    timeout: Duration,
) -> GapSummary {
    let mut since = Vec::with_capacity(storm.len());
    for &i in storm {
        let last = fleet.cut(i).await.unwrap_or_else(|| "0".to_owned());
        let connections = fleet.logs[i].connections();
        let server = (fleet.servers[i] + 1) % servers.max(1);
        fleet.resume(i, server, Some(zero_like(&last)));
        since.push((i, connections + 1));
    }
    let logs = &fleet.logs;
    wait_all(since.iter().copied(), timeout, |(i, first)| {
        logs[i].has(first, |r| r.kind == "reset")
    })
    .await;
    tokio::time::sleep(GAP_SETTLE).await;

    let mut summary = GapSummary {
        streams: storm.len(),
        reasons: BTreeMap::new(),
        ..GapSummary::default()
    };
    for (i, first) in since {
        for frame in logs[i].frames().iter().filter(|r| r.connection >= first) {
            if frame.kind == "reset" {
                summary.resets += 1;
                let reason = frame.reason.clone().unwrap_or_default();
                *summary.reasons.entry(reason).or_default() += 1;
            } else if frame.is_event() {
                summary.replayed_instead += 1;
            }
        }
    }
    summary
}
