//! [`HubConfig`]: the realtime hub's limits.

use std::time::Duration;

/// How much the hub holds and for how long. The defaults suit a node serving 18,000
/// streams within the default open-file limit of 20,000.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HubConfig {
    /// Streams this node serves at most; one more is `503` with `Retry-After`, so a load
    /// balancer moves it to another node.
    pub max_streams: usize,
    /// Streams one user may hold open on this node; one more is `429`.
    pub streams_per_user: usize,
    /// Frames queued per stream before it counts as too slow (it is then ended after
    /// what is queued, to resume from its position).
    pub queue_frames: usize,
    /// How long a stream whose queue overflowed may leave it unread before its connection
    /// is cut. The sweep looks once a second, so a stuck client is cut within this plus a
    /// second: 9 s cuts it within 10 s of its queue filling.
    pub stuck_for: Duration,
    /// How long a stream lasts: its sign-in is checked again when it reconnects.
    pub lifetime: Duration,
    /// Up to this share of `lifetime` is taken off at random per stream, so the streams a
    /// deploy opened together do not all reconnect in the same second.
    pub lifetime_jitter: f64,
    /// How long sent events are kept for exact resumes (the window).
    pub history: Duration,
    /// The most memory the window holds, frames and bookkeeping (the oldest go first
    /// beyond it).
    pub history_bytes: usize,
    /// The most events one resume replays; a larger gap is a `reset`.
    pub max_replay: usize,
    /// How often idle streams get a comment, so proxies keep them open.
    pub heartbeat: Duration,
    /// How often a drop's public stream gets its newest state at most.
    pub drop_tick: Duration,
    /// How long a resume from a position this node has not reached yet waits for it
    /// (another node was ahead), before it is a `reset`.
    pub catch_up: Duration,
}

impl Default for HubConfig {
    fn default() -> Self {
        Self {
            max_streams: 18_000,
            streams_per_user: 5,
            queue_frames: 256,
            stuck_for: Duration::from_secs(9),
            lifetime: crate::auth::tokens::ACCESS_TTL,
            lifetime_jitter: 0.2,
            history: Duration::from_secs(120),
            history_bytes: 16 << 20,
            max_replay: 1_000,
            heartbeat: Duration::from_secs(15),
            drop_tick: Duration::from_millis(100),
            catch_up: Duration::from_secs(2),
        }
    }
}
