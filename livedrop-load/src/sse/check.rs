//! The delivery check: what each stream should have received ([`Expected`]) against what
//! it did ([`Received`]): every expected event exactly once, nothing else, ids in order,
//! and `reset`s only where one was asked for.

use std::collections::HashSet;

use super::log::Received;
use crate::sse::summary::DeliveryCheck;

/// Failures described one by one in the summary; the rest are only counted.
const EXAMPLES: usize = 10;

/// What one stream should receive.
#[derive(Clone, Debug, Default)]
pub struct Expected {
    /// The run's drop's `drop.started` (the user follows its creator).
    pub drop_started: Option<String>,
    /// The user's own orders' event ids (an `order.confirmed`'s id is its order's).
    pub orders: Vec<String>,
    /// `reset`s: one per resume from before the window.
    pub resets: usize,
}

/// What was wrong with one stream.
#[derive(Clone, Debug, Default)]
pub struct Verdict {
    /// Expected events never received.
    pub missed: u64,
    /// Events received again (same event id).
    pub repeated: u64,
    /// Ids that did not cover the previous one (or, between events, equalled it), or
    /// that did not read as a position.
    pub out_of_order: u64,
    /// Events nobody expected on this stream.
    pub unexpected: u64,
    /// `reset`s beyond those expected.
    pub extra_resets: u64,
    /// Expected `reset`s that never came.
    pub missing_resets: u64,
    /// The first unexpected event's type, to say what it was.
    pub first_unexpected: Option<String>,
}

impl Verdict {
    /// Nothing wrong.
    pub fn ok(&self) -> bool {
        [
            self.missed,
            self.repeated,
            self.out_of_order,
            self.unexpected,
            self.extra_resets,
            self.missing_resets,
        ]
        .iter()
        .all(|n| *n == 0)
    }

    /// `missed 1, unexpected 2 (first: drop.sold_out)`: the counts that are not 0.
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> = [
            (self.missed, "missed"),
            (self.repeated, "repeated"),
            (self.out_of_order, "out of order"),
            (self.unexpected, "unexpected"),
            (self.extra_resets, "extra resets"),
            (self.missing_resets, "missing resets"),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{what} {n}"))
        .collect();
        if let (Some(kind), Some(part)) = (
            &self.first_unexpected,
            parts.iter_mut().find(|p| p.starts_with("unexpected")),
        ) {
            part.push_str(&format!(" (first: {kind})"));
        }
        parts.join(", ")
    }

    fn unexpected(&mut self, kind: &str) {
        self.unexpected += 1;
        self.first_unexpected.get_or_insert_with(|| kind.to_owned());
    }
}

/// Checks one stream's `frames` against `expected`.
pub fn check(expected: &Expected, frames: &[Received]) -> Verdict {
    let mut verdict = Verdict::default();
    let mut seen: HashSet<&str> = HashSet::new();
    let mut previous: Option<(Vec<i64>, bool)> = None;
    let mut resets = 0usize;
    let mut started = 0usize;
    for frame in frames {
        if let Some(id) = &frame.id {
            match position(id) {
                Some(at) => {
                    if let Some((before, was_event)) = &previous {
                        let strictly = *was_event && frame.is_event();
                        if !covers(&at, before) || (strictly && at == *before) {
                            verdict.out_of_order += 1;
                        }
                    }
                    previous = Some((at, frame.is_event()));
                }
                None => verdict.out_of_order += 1,
            }
        }
        match frame.kind.as_str() {
            "reset" => resets += 1,
            "open" | "reconnect" => {}
            _ => {
                let Some(event_id) = frame.event_id.as_deref() else {
                    verdict.unexpected(&frame.kind);
                    continue;
                };
                if !seen.insert(event_id) {
                    verdict.repeated += 1;
                    continue;
                }
                let is_run_start = frame.kind == "drop.started"
                    && expected.drop_started.is_some()
                    && frame.drop_id == expected.drop_started;
                let is_own_order = frame.kind == "order.confirmed"
                    && expected.orders.iter().any(|o| o == event_id);
                if is_run_start {
                    started += 1;
                    // A second, different `drop.started` for the same drop is news that
                    // should not exist.
                    if started > 1 {
                        verdict.unexpected(&frame.kind);
                    }
                } else if !is_own_order {
                    verdict.unexpected(&frame.kind);
                }
            }
        }
    }
    if expected.drop_started.is_some() && started == 0 {
        verdict.missed += 1;
    }
    verdict.missed += expected
        .orders
        .iter()
        .filter(|o| !seen.contains(o.as_str()))
        .count() as u64;
    verdict.extra_resets = resets.saturating_sub(expected.resets) as u64;
    verdict.missing_resets = expected.resets.saturating_sub(resets) as u64;
    verdict
}

/// Adds stream `index`'s verdict to the run's totals.
pub fn tally(total: &mut DeliveryCheck, index: usize, expected: &Expected, verdict: &Verdict) {
    total.streams += 1;
    total.expected += expected.orders.len() as u64 + u64::from(expected.drop_started.is_some());
    total.missed += verdict.missed;
    total.repeated += verdict.repeated;
    total.out_of_order += verdict.out_of_order;
    total.unexpected += verdict.unexpected;
    total.extra_resets += verdict.extra_resets;
    total.missing_resets += verdict.missing_resets;
    if verdict.ok() {
        total.streams_ok += 1;
    } else if total.examples.len() < EXAMPLES {
        total
            .examples
            .push(format!("stream {index}: {}", verdict.describe()));
    }
}

/// An id as a position: offsets per partition joined by `.`.
fn position(id: &str) -> Option<Vec<i64>> {
    id.split('.').map(|part| part.parse::<i64>().ok()).collect()
}

/// At or past `before` on every partition (same partitions).
fn covers(at: &[i64], before: &[i64]) -> bool {
    at.len() == before.len() && at.iter().zip(before).all(|(a, b)| a >= b)
}

/// The zero position with as many partitions as `id` names: before any window.
pub fn zero_like(id: &str) -> String {
    vec!["0"; id.split('.').count()].join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(kind: &str, id: &str, event: Option<&str>) -> Received {
        Received {
            connection: 1,
            kind: kind.to_owned(),
            id: Some(id.to_owned()),
            event_id: event.map(str::to_owned),
            drop_id: Some("d".to_owned()),
            latency: None,
            reason: None,
        }
    }

    fn expected() -> Expected {
        Expected {
            drop_started: Some("d".to_owned()),
            orders: vec!["o1".to_owned()],
            resets: 0,
        }
    }

    #[test]
    fn a_clean_stream_passes() {
        let frames = [
            frame("open", "1.0", None),
            frame("drop.started", "2.0", Some("e1")),
            frame("order.confirmed", "2.1", Some("o1")),
            frame("reconnect", "2.1", None),
        ];
        assert!(check(&expected(), &frames).ok());
    }

    #[test]
    fn misses_repeats_disorder_strangers_and_resets_are_each_counted() {
        let frames = [
            frame("open", "1.0", None),
            frame("drop.started", "2.0", Some("e1")),
            frame("drop.started", "2.0", Some("e1")),
            frame("order.confirmed", "1.0", Some("x")),
            frame("reset", "3.0", None),
        ];
        let verdict = check(&expected(), &frames);
        assert_eq!(verdict.missed, 1, "o1");
        assert_eq!(verdict.repeated, 1);
        assert_eq!(verdict.out_of_order, 2, "equal event ids, then a step back");
        assert_eq!(verdict.unexpected, 1);
        assert_eq!(verdict.extra_resets, 1);
        let wanted = Expected {
            resets: 1,
            ..expected()
        };
        assert_eq!(check(&wanted, &frames[..2]).missing_resets, 1);
        assert_eq!(zero_like("5.7.9"), "0.0.0");
    }
}
