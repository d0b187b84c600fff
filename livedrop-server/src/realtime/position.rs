//! [`StreamPosition`]: where a stream is in the bus, the id every node agrees on.

use std::fmt::Write as _;

/// The most partitions an id may name: far above any topic LiveDrop creates, low enough
/// that parsing a hostile `Last-Event-ID` costs next to nothing.
const MAX_PARTITIONS: usize = 1024;
/// The longest `Last-Event-ID` read at all (a 1,024-partition id is under 20 KiB).
const MAX_ID_LEN: usize = 20 * 1024;

/// For each partition of the bus, the offset of the first event not yet seen.
///
/// Every node reads every partition in offset order, so a position reached on one node
/// means the same on every other: "everything before these offsets was considered". The
/// hub stamps each event it sends with its position just after that event; a client
/// resuming from it gets exactly the events at or after it, on any node. Offsets are the
/// bus's own, so the id is nothing a node invents.
///
/// Encoded as the offsets in partition order, joined by `.` (`"120.7.0.45.3.9"`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamPosition(Vec<i64>);

impl StreamPosition {
    /// The position of a reader that starts at these offsets (one per partition).
    pub fn starting_at(offsets: &[i64]) -> Self {
        Self(offsets.to_vec())
    }

    /// How many partitions it covers.
    pub fn partitions(&self) -> usize {
        self.0.len()
    }

    /// The first offset not yet seen on `partition` (`None` for a partition it lacks).
    pub fn next(&self, partition: i32) -> Option<i64> {
        usize::try_from(partition)
            .ok()
            .and_then(|at| self.0.get(at).copied())
    }

    /// Records the event at `offset` of `partition` as seen. `false` (and no change) for
    /// an event already behind the position, or a partition it lacks: a repeat.
    pub fn advance(&mut self, partition: i32, offset: i64) -> bool {
        let Some(next) = usize::try_from(partition)
            .ok()
            .and_then(|at| self.0.get_mut(at))
        else {
            return false;
        };
        if offset < *next {
            return false;
        }
        *next = offset + 1;
        true
    }

    /// Whether this position is at or past `other` on every partition (and they cover the
    /// same partitions): everything `other` has seen, this has too.
    pub fn covers(&self, other: &StreamPosition) -> bool {
        self.0.len() == other.0.len() && self.0.iter().zip(&other.0).all(|(a, b)| a >= b)
    }

    /// The text form, for an SSE `id:`.
    pub fn encode(&self) -> String {
        let mut text = String::with_capacity(self.0.len() * 8);
        for (at, offset) in self.0.iter().enumerate() {
            if at > 0 {
                text.push('.');
            }
            // Writing to a String cannot fail.
            let _ = write!(text, "{offset}");
        }
        text
    }

    /// Reads [`encode`](StreamPosition::encode)'s form; `None` for anything else (an id
    /// from an older server, a forged one, garbage): the caller resets the client then.
    pub fn parse(text: &str) -> Option<Self> {
        if text.is_empty() || text.len() > MAX_ID_LEN {
            return None;
        }
        let offsets = text
            .split('.')
            .map(|part| {
                // Digits only: `i64::from_str` would take a sign.
                if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                part.parse::<i64>().ok()
            })
            .collect::<Option<Vec<i64>>>()?;
        (offsets.len() <= MAX_PARTITIONS).then_some(Self(offsets))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_position_round_trips_through_its_text() {
        let position = StreamPosition::starting_at(&[120, 7, 0, 45]);
        assert_eq!(position.encode(), "120.7.0.45");
        assert_eq!(StreamPosition::parse("120.7.0.45"), Some(position));
    }

    #[test]
    fn anything_else_is_unreadable() {
        for text in [
            "",
            ".",
            "1..2",
            "-1",
            "+1",
            "1.x",
            "a",
            "1.2.",
            "99999999999999999999",
            "0193a1b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b",
        ] {
            assert_eq!(StreamPosition::parse(text), None, "{text:?}");
        }
        assert_eq!(StreamPosition::parse(&"1.".repeat(2000)), None);
    }

    #[test]
    fn advancing_skips_repeats_and_unknown_partitions() {
        let mut position = StreamPosition::starting_at(&[5, 0]);
        assert!(!position.advance(0, 4), "behind the start");
        assert!(position.advance(0, 5));
        assert!(!position.advance(0, 5), "a repeat");
        assert!(position.advance(1, 9), "offsets need not be contiguous");
        assert!(!position.advance(2, 0));
        assert!(!position.advance(-1, 0));
        assert_eq!(position.encode(), "6.10");
        assert_eq!(position.next(1), Some(10));
        assert_eq!(position.next(2), None);
    }

    #[test]
    fn covering_is_at_or_past_on_every_partition() {
        let hub = StreamPosition::starting_at(&[6, 10]);
        assert!(hub.covers(&StreamPosition::starting_at(&[6, 3])));
        assert!(!hub.covers(&StreamPosition::starting_at(&[7, 3])));
        assert!(!hub.covers(&StreamPosition::starting_at(&[6])));
    }
}
