//! [`History`]: the node's retained window of sent events, for exact resumes.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use super::frame::Frame;
use super::position::StreamPosition;
use super::topic::Topic;

/// One retained event.
#[derive(Debug)]
struct Retained {
    /// The hub's order: replays merge topics by it.
    seq: u64,
    partition: i32,
    offset: i64,
    frame: Frame,
}

/// What the window holds, oldest first, for eviction.
#[derive(Debug)]
struct Aged {
    at: Instant,
    topic: Topic,
    partition: i32,
    offset: i64,
    size: usize,
}

/// What one retained event holds besides its frame's bytes: its two entries here, the
/// frame's shared-buffer header, and about half an entry of a growing queue's spare room.
/// Counted into the budget so that `max_bytes` bounds the memory the window really takes,
/// not only its frames (a frame of a few hundred bytes carries about as much again).
const OVERHEAD_PER_EVENT: usize = size_of::<Retained>() * 3 / 2 + size_of::<Aged>() * 3 / 2 + 32;

/// What a resume gets.
#[derive(Debug)]
pub enum Replay {
    /// The missed events, in the order they were sent.
    Frames(Vec<Frame>),
    /// The gap is not in the window (too old, or too large to replay): the client must
    /// reload its inbox.
    Gap,
}

/// The events the hub sent in the last `retain` (at most `max_bytes` of memory, frames and
/// bookkeeping), by topic, with the floor below which the window is incomplete.
///
/// Every event for a topic with an offset at or past `floor[partition]` is here: the floor
/// starts where the node began reading, and rises past each event evicted.
#[derive(Debug)]
pub struct History {
    retain: Duration,
    max_bytes: usize,
    max_replay: usize,
    floor: StreamPosition,
    aged: VecDeque<Aged>,
    by_topic: HashMap<Topic, VecDeque<Retained>, foldhash::fast::RandomState>,
    bytes: usize,
    seq: u64,
}

impl History {
    /// An empty window starting at `start` (where the node began reading): keeps events
    /// for `retain`, at most `max_bytes` of them, and replays at most `max_replay` to one
    /// client.
    pub fn new(
        start: StreamPosition,
        retain: Duration,
        max_bytes: usize,
        max_replay: usize,
    ) -> Self {
        Self {
            retain,
            max_bytes,
            max_replay,
            floor: start,
            aged: VecDeque::new(),
            by_topic: HashMap::default(),
            bytes: 0,
            seq: 0,
        }
    }

    /// Retains `frame`, sent on `topic` for the event at `offset` of `partition`.
    pub fn push(&mut self, topic: Topic, partition: i32, offset: i64, frame: Frame, now: Instant) {
        self.seq += 1;
        let size = frame.size() + OVERHEAD_PER_EVENT;
        self.bytes += size;
        self.aged.push_back(Aged {
            at: now,
            topic,
            partition,
            offset,
            size,
        });
        self.by_topic.entry(topic).or_default().push_back(Retained {
            seq: self.seq,
            partition,
            offset,
            frame,
        });
        while self.bytes > self.max_bytes && self.evict_oldest() {}
    }

    /// Forgets what is older than the window.
    pub fn evict(&mut self, now: Instant) {
        while self
            .aged
            .front()
            .is_some_and(|oldest| now.duration_since(oldest.at) > self.retain)
        {
            self.evict_oldest();
        }
    }

    /// The events on `topics` a client at `from` has not seen, or [`Replay::Gap`] when the
    /// window does not reach back to `from` or they are too many to replay.
    pub fn replay(&self, from: &StreamPosition, topics: &[Topic]) -> Replay {
        if !from.covers(&self.floor) {
            return Replay::Gap;
        }
        let mut missed: Vec<&Retained> = Vec::new();
        for topic in topics {
            let Some(retained) = self.by_topic.get(topic) else {
                continue;
            };
            missed.extend(
                retained
                    .iter()
                    .filter(|r| from.next(r.partition).is_some_and(|next| r.offset >= next)),
            );
            if missed.len() > self.max_replay {
                return Replay::Gap;
            }
        }
        missed.sort_unstable_by_key(|r| r.seq);
        Replay::Frames(missed.into_iter().map(|r| r.frame.clone()).collect())
    }

    /// Events retained.
    pub fn len(&self) -> usize {
        self.aged.len()
    }

    fn evict_oldest(&mut self) -> bool {
        let Some(oldest) = self.aged.pop_front() else {
            return false;
        };
        self.bytes -= oldest.size;
        if let Some(retained) = self.by_topic.get_mut(&oldest.topic) {
            retained.pop_front();
            if retained.is_empty() {
                self.by_topic.remove(&oldest.topic);
            }
        }
        // The window no longer holds this event: a client that has not seen it is
        // outside the window.
        self.floor.advance(oldest.partition, oldest.offset);
        true
    }
}

#[cfg(test)]
mod tests {
    use livedrop_core::ids::{CreatorId, UserId};

    use super::*;

    fn frame(id: &str) -> Frame {
        Frame::build(Some(id), "test", b"{}")
    }

    fn ids(replay: Replay) -> Vec<String> {
        match replay {
            Replay::Frames(frames) => frames
                .iter()
                .map(|f| String::from_utf8(f.id().unwrap().to_vec()).unwrap())
                .collect(),
            Replay::Gap => panic!("a gap"),
        }
    }

    fn at(offsets: &[i64]) -> StreamPosition {
        StreamPosition::starting_at(offsets)
    }

    #[test]
    fn a_resume_gets_exactly_the_missed_events_of_its_topics_in_order() {
        let start = Instant::now();
        let mut history = History::new(at(&[0, 0]), Duration::from_secs(60), 1 << 20, 100);
        let (me, other) = (Topic::User(UserId::new()), Topic::User(UserId::new()));
        let creator = Topic::Creator(CreatorId::new());
        history.push(me, 0, 0, frame("1.0"), start);
        history.push(creator, 1, 0, frame("1.1"), start);
        history.push(other, 0, 1, frame("2.1"), start);
        history.push(me, 1, 1, frame("2.2"), start);
        history.push(creator, 0, 2, frame("3.2"), start);
        assert_eq!(
            ids(history.replay(&at(&[1, 0]), &[me, creator])),
            ["1.1", "2.2", "3.2"]
        );
        assert_eq!(
            ids(history.replay(&at(&[3, 2]), &[me, creator])),
            Vec::<String>::new()
        );
        assert_eq!(ids(history.replay(&at(&[0, 0]), &[other])), ["2.1"]);
    }

    #[test]
    fn a_resume_from_before_the_window_is_a_gap() {
        let start = Instant::now();
        let mut history = History::new(at(&[5]), Duration::from_secs(60), 1 << 20, 100);
        let me = Topic::User(UserId::new());
        assert!(matches!(history.replay(&at(&[4]), &[me]), Replay::Gap));
        history.push(me, 0, 5, frame("6"), start);
        history.push(me, 0, 6, frame("7"), start + Duration::from_secs(50));
        history.evict(start + Duration::from_secs(70));
        assert_eq!(history.len(), 1);
        assert!(matches!(history.replay(&at(&[5]), &[me]), Replay::Gap));
        assert_eq!(ids(history.replay(&at(&[6]), &[me])), ["7"]);
    }

    #[test]
    fn the_byte_budget_evicts_the_oldest_first() {
        let start = Instant::now();
        let size = frame("1").size() + OVERHEAD_PER_EVENT;
        let mut history = History::new(at(&[0]), Duration::from_secs(60), size * 2, 100);
        let me = Topic::User(UserId::new());
        for offset in 0..3 {
            history.push(me, 0, offset, frame(&(offset + 1).to_string()), start);
        }
        assert_eq!(history.len(), 2);
        assert!(matches!(history.replay(&at(&[0]), &[me]), Replay::Gap));
        assert_eq!(ids(history.replay(&at(&[1]), &[me])), ["2", "3"]);
    }

    #[test]
    fn the_budget_counts_what_an_event_holds_besides_its_frame() {
        let start = Instant::now();
        let frame_only = frame("1").size();
        // Room for four frames' bytes is room for fewer events.
        let mut history = History::new(at(&[0]), Duration::from_secs(60), frame_only * 4, 100);
        let me = Topic::User(UserId::new());
        for offset in 0..4 {
            history.push(me, 0, offset, frame(&(offset + 1).to_string()), start);
        }
        assert!(history.len() < 4, "kept {} events", history.len());
    }

    #[test]
    fn too_many_missed_events_is_a_gap() {
        let start = Instant::now();
        let mut history = History::new(at(&[0]), Duration::from_secs(60), 1 << 20, 2);
        let me = Topic::User(UserId::new());
        for offset in 0..3 {
            history.push(me, 0, offset, frame("x"), start);
        }
        assert!(matches!(history.replay(&at(&[0]), &[me]), Replay::Gap));
        assert!(matches!(history.replay(&at(&[1]), &[me]), Replay::Frames(f) if f.len() == 2));
    }
}
