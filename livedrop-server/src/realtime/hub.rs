//! [`Hub`]: the node's one fan-out point for every event stream.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use livedrop_core::domain::EventData;
use livedrop_core::ids::{CreatorId, DropId, UserId};
use livedrop_core::ports::Delivery;
use tokio::sync::watch;

use super::config::HubConfig;
use super::drop_ticker::{DropTick, DropTicker};
use super::frame::Frame;
use super::history::{History, Replay};
use super::mailbox::CloseReason;
use super::position::StreamPosition;
use super::reset_reason::ResetReason;
use super::shards::Shards;
use super::subscriber::{Disconnect, Subscriber};
use super::subscription::Subscription;
use super::topic::Topic;

/// Where a stream asks to start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resume {
    /// From now on (no `Last-Event-ID`).
    Fresh,
    /// After this position (a `Last-Event-ID` the server reads).
    From(StreamPosition),
    /// A `Last-Event-ID` the server cannot read: the client gets a `reset`, never an
    /// error status (a browser's `EventSource` gives up for good on one).
    Unreadable,
}

impl Resume {
    /// What a `Last-Event-ID` header's value asks for.
    pub fn from_last_event_id(value: Option<&[u8]>) -> Self {
        match value {
            None => Resume::Fresh,
            Some(bytes) => std::str::from_utf8(bytes)
                .ok()
                .and_then(|text| StreamPosition::parse(text.trim()))
                .map_or(Resume::Unreadable, Resume::From),
        }
    }
}

/// Why the hub would not open a stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The user holds [`HubConfig::streams_per_user`] streams already (`429`).
    TooManyForUser,
    /// The node holds [`HubConfig::max_streams`] (`503`, try another node).
    NodeFull,
    /// The hub is not reading the bus yet, or is shutting down (`503`).
    NotReady,
}

/// The node's realtime hub: streams subscribe to [`Topic`]s; each event from the bus is
/// encoded once and its bytes handed to the bounded queue of every subscriber of its
/// topic. Idle streams cost no work at all: no timer and no query each, only the node's
/// one sweep (heartbeats, lifetimes, stuck clients).
///
/// Every node reads every event (a tail of the bus, outside any consumer group), so a
/// stream on any node hears what any node caused, and stamps each event with the same
/// [`StreamPosition`]; the window of recent events ([`History`]) serves exact resumes.
///
/// Locks, always taken in this order: the sequencer (position and window), then a
/// `users` shard, a subscriber's topics, a `topics` shard, an `all` shard, a mailbox.
#[derive(Clone, Debug)]
pub struct Hub(pub(super) Arc<Shared>);

#[derive(Debug)]
pub(super) struct Shared {
    pub(super) config: HubConfig,
    /// `None` until the bus tail is attached.
    sequencer: Mutex<Option<Sequencer>>,
    pub(super) topics: Shards<Topic, HashMap<u64, Arc<Subscriber>, foldhash::fast::RandomState>>,
    pub(super) users: Shards<UserId, Vec<Arc<Subscriber>>>,
    pub(super) all: Shards<u64, Arc<Subscriber>>,
    /// Streams open or opening (reserved before the slow part of opening).
    pub(super) streams: AtomicUsize,
    next_id: AtomicU64,
    /// Bumped after each published batch: a resume waiting for this node to catch up.
    published: watch::Sender<u64>,
    ticker: Mutex<DropTicker>,
    closing: AtomicBool,
}

#[derive(Debug)]
struct Sequencer {
    position: StreamPosition,
    history: History,
}

impl Hub {
    /// A hub with `config`, not yet reading the bus (see [`attach`](Hub::attach)).
    pub fn new(config: HubConfig) -> Self {
        Self(Arc::new(Shared {
            config,
            sequencer: Mutex::new(None),
            topics: Shards::new(),
            users: Shards::new(),
            all: Shards::new(),
            streams: AtomicUsize::new(0),
            next_id: AtomicU64::new(1),
            published: watch::channel(0).0,
            ticker: Mutex::default(),
            closing: AtomicBool::new(false),
        }))
    }

    /// The limits it runs with.
    pub fn config(&self) -> &HubConfig {
        &self.0.config
    }

    /// Starts from a bus tail that begins at `start` (one offset per partition). Until
    /// then streams are refused. Attaching again (a new tail after a failure) starts a new
    /// window: what was published between the two tails never reached this node, so the
    /// user streams open on the old one are ended to resume, and their resumes are reset
    /// (never a replay with a hole in it).
    pub fn attach(&self, start: &[i64]) {
        let position = StreamPosition::starting_at(start);
        let config = &self.0.config;
        let history = History::new(
            position.clone(),
            config.history,
            config.history_bytes,
            config.max_replay,
        );
        let mut sequencer = self.0.sequencer();
        let reattached = sequencer.replace(Sequencer { position, history }).is_some();
        if reattached {
            self.0.all.for_each_shard(|shard| {
                for subscriber in shard.values().filter(|s| s.user.is_some()) {
                    subscriber.mailbox.close(CloseReason::Resync);
                }
            });
        }
    }

    /// Whether it reads the bus and takes streams.
    pub fn is_ready(&self) -> bool {
        self.0.sequencer().is_some() && !self.0.closing.load(Ordering::Acquire)
    }

    /// Streams open now.
    pub fn streams(&self) -> usize {
        self.0.streams.load(Ordering::Acquire)
    }

    /// Sends what `deliveries` (from the bus tail, in order per partition) tell the
    /// streams: each event once, encoded once, into the window and every queue of its
    /// topic; follows and unfollows move the follower's live streams on or off the
    /// creator's topic; drops' public states are noted for the next flush.
    pub fn publish(&self, deliveries: &[Delivery]) {
        let mut guard = self.0.sequencer();
        let Some(sequencer) = guard.as_mut() else {
            return;
        };
        let now = Instant::now();
        let mut ticker = self.0.ticker.lock().unwrap_or_else(PoisonError::into_inner);
        // Counted once a batch: a counter's lookup by name cost more than a frame's
        // fan-out to no subscriber.
        let (mut published, mut encoded) = (0, 0);
        for delivery in deliveries {
            if !sequencer
                .position
                .advance(delivery.partition, delivery.offset)
            {
                continue;
            }
            let event = &delivery.event;
            published += 1;
            match event.data {
                EventData::FollowCreated { user_id } => {
                    self.0.refollow(user_id, event.creator_id, true);
                }
                EventData::FollowRemoved { user_id } => {
                    self.0.refollow(user_id, event.creator_id, false);
                }
                _ => {}
            }
            ticker.note(event);
            if let Some(topic) = Topic::of(event) {
                let frame = Frame::event(&sequencer.position.encode(), event);
                encoded += 1;
                self.0.fan_out(topic, &frame);
                sequencer
                    .history
                    .push(topic, delivery.partition, delivery.offset, frame, now);
            }
        }
        metrics::counter!("livedrop_realtime_events_total").increment(published);
        metrics::counter!("livedrop_realtime_encodes_total").increment(encoded);
        sequencer.history.evict(now);
        metrics::gauge!("livedrop_realtime_window_events").set(sequencer.history.len() as f64);
        drop(ticker);
        drop(guard);
        self.0.published.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Sends each drop's newest public state to its streams, once per drop since the
    /// last flush (the drop streams' coalescing).
    pub fn flush_drops(&self) {
        let ticks = self
            .0
            .ticker
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .flush();
        for tick in ticks {
            self.0.fan_out(Topic::Drop(tick.drop_id), &tick.frame());
        }
    }

    /// The node-wide sweep: ends streams past their lifetime, cuts the connection of
    /// those whose queue stayed full for [`HubConfig::stuck_for`], sends idle streams a
    /// heartbeat when `heartbeat`, and ages the window.
    pub fn sweep(&self, now: Instant, heartbeat: bool) {
        let stuck_for = self.0.config.stuck_for;
        self.0.all.for_each_shard(|shard| {
            for subscriber in shard.values() {
                if now >= subscriber.ends_at {
                    subscriber.mailbox.close(CloseReason::LifetimeReached);
                }
                if let Some(since) = subscriber.mailbox.stuck_since()
                    && now.duration_since(since) >= stuck_for
                    && let Some(connection) = &subscriber.connection
                    && !subscriber.cut.swap(true, Ordering::AcqRel)
                {
                    metrics::counter!("livedrop_realtime_slow_closes_total").increment(1);
                    connection.disconnect();
                }
                if heartbeat {
                    subscriber.mailbox.offer(Frame::heartbeat());
                }
            }
        });
        if let Some(sequencer) = self.0.sequencer().as_mut() {
            sequencer.history.evict(now);
        }
    }

    /// Ends every stream (after what each has queued) with a `reconnect` for `reason`,
    /// and refuses new ones: the server is shutting down.
    pub fn close_all(&self, reason: CloseReason) {
        self.0.closing.store(true, Ordering::Release);
        self.0.all.for_each_shard(|shard| {
            for subscriber in shard.values() {
                subscriber.mailbox.close(reason);
            }
        });
    }

    /// Opens `user`'s stream on their own topic and those of the `followed` creators,
    /// from `resume`. A resume from a position this node has not reached yet (another
    /// node was ahead) waits up to [`HubConfig::catch_up`] for it, then is a `reset`.
    pub async fn open_user(
        &self,
        user: UserId,
        followed: &[CreatorId],
        resume: Resume,
        connection: Option<Box<dyn Disconnect>>,
    ) -> Result<Subscription, Refusal> {
        let mut topics = Vec::with_capacity(followed.len() + 1);
        topics.push(Topic::User(user));
        topics.extend(followed.iter().map(|&creator| Topic::Creator(creator)));
        let subscriber = self.0.reserve(Some(user), topics, connection)?;
        let deadline = tokio::time::Instant::now() + self.0.config.catch_up;
        loop {
            let mut published = self.0.published.subscribe();
            let out_of_time = tokio::time::Instant::now() >= deadline;
            match self.0.register_user(&subscriber, &resume, out_of_time) {
                Ok(first) => return Ok(Subscription::new(self.0.clone(), subscriber, first)),
                Err(Opening::Refused(refusal)) => {
                    self.0.release(&subscriber);
                    return Err(refusal);
                }
                Err(Opening::Behind) => {
                    // Whether it published or the time ran out, look again.
                    let _ = tokio::time::timeout_at(deadline, published.changed()).await;
                }
            }
        }
    }

    /// Opens a drop's public stream, starting from `now` (its state read from the ledger).
    pub fn open_drop(
        &self,
        drop: DropId,
        now: DropTick,
        connection: Option<Box<dyn Disconnect>>,
    ) -> Result<Subscription, Refusal> {
        let subscriber = self.0.reserve(None, vec![Topic::Drop(drop)], connection)?;
        if !self.is_ready() {
            self.0.release(&subscriber);
            return Err(Refusal::NotReady);
        }
        self.0.register(&subscriber);
        Ok(Subscription::new(
            self.0.clone(),
            subscriber,
            vec![now.frame()],
        ))
    }
}

/// Why a registration did not happen yet.
enum Opening {
    Refused(Refusal),
    /// This node has not reached the resume position yet.
    Behind,
}

impl Shared {
    fn sequencer(&self) -> MutexGuard<'_, Option<Sequencer>> {
        self.sequencer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes a node slot and makes the subscriber (not yet on any topic).
    fn reserve(
        &self,
        user: Option<UserId>,
        topics: Vec<Topic>,
        connection: Option<Box<dyn Disconnect>>,
    ) -> Result<Arc<Subscriber>, Refusal> {
        if self.closing.load(Ordering::Acquire) {
            return Err(Refusal::NotReady);
        }
        let taken = self.streams.fetch_add(1, Ordering::AcqRel);
        if taken >= self.config.max_streams {
            self.streams.fetch_sub(1, Ordering::AcqRel);
            return Err(Refusal::NodeFull);
        }
        Ok(Arc::new(Subscriber::new(
            self.next_id.fetch_add(1, Ordering::Relaxed),
            user,
            topics,
            &self.config,
            connection,
        )))
    }

    /// Gives back a slot taken by [`reserve`](Shared::reserve) for a stream that never
    /// opened.
    pub(super) fn release(&self, _subscriber: &Subscriber) {
        self.streams.fetch_sub(1, Ordering::AcqRel);
    }

    /// Under the sequencer, so no event slips between what the stream replays and what
    /// it is queued: checks the user's cap, works out the stream's first frames (`open`,
    /// the missed events, or a `reset`) and subscribes it.
    fn register_user(
        &self,
        subscriber: &Arc<Subscriber>,
        resume: &Resume,
        out_of_time: bool,
    ) -> Result<Vec<Frame>, Opening> {
        let guard = self.sequencer();
        let Some(sequencer) = guard.as_ref() else {
            return Err(Opening::Refused(Refusal::NotReady));
        };
        let user = subscriber.user.ok_or(Opening::Refused(Refusal::NotReady))?;
        let open = self
            .users
            .lock(Topic::User(user).shard_key())
            .get(&user)
            .map_or(0, Vec::len);
        if open >= self.config.streams_per_user {
            return Err(Opening::Refused(Refusal::TooManyForUser));
        }
        let here = &sequencer.position;
        let (first, start) = match resume {
            Resume::Fresh => (vec![control(here, "open", "{}")], "fresh"),
            Resume::Unreadable => (vec![reset(here, ResetReason::UnreadableId)], "reset"),
            Resume::From(from) if from.partitions() != here.partitions() => {
                (vec![reset(here, ResetReason::UnknownPosition)], "reset")
            }
            Resume::From(from) if !here.covers(from) => {
                if !out_of_time {
                    return Err(Opening::Behind);
                }
                (vec![reset(here, ResetReason::PositionNotReached)], "reset")
            }
            Resume::From(from) => match sequencer.history.replay(from, &subscriber.topics()) {
                Replay::Frames(missed) => (missed, "replayed"),
                Replay::Gap => (vec![reset(here, ResetReason::OutsideWindow)], "reset"),
            },
        };
        metrics::counter!("livedrop_realtime_opens_total", "start" => start).increment(1);
        self.register(subscriber);
        Ok(first)
    }
}

/// A frame of the stream's own (`open`, `reset`) carrying the node's position.
fn control(position: &StreamPosition, kind: &str, data: &str) -> Frame {
    Frame::build(Some(&position.encode()), kind, data.as_bytes())
}

/// A `reset`: the client cannot be resumed exactly and must reload its inbox over REST,
/// then go on from `position`.
fn reset(position: &StreamPosition, reason: ResetReason) -> Frame {
    let reason = reason.as_str();
    control(position, "reset", &format!(r#"{{"reason":"{reason}"}}"#))
}
