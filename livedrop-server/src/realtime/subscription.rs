//! [`Subscription`]: an open stream, and the bytes it writes to its client.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::stream::{self, Stream};

use super::frame::Frame;
use super::mailbox::{CloseReason, Next};
use super::subscriber::Subscriber;

/// What a closed stream is taken off: the hub that opened it (a trait, so this module
/// needs nothing of the hub's insides).
pub(super) trait Registry: Send + Sync + std::fmt::Debug {
    /// Takes `subscriber` off every topic and frees its slot.
    fn unregister(&self, subscriber: &Arc<Subscriber>);
}

/// A stream the hub opened. Dropping it (the client went away, or the response ended)
/// takes it off every topic and frees its slot.
#[derive(Debug)]
pub struct Subscription {
    hub: Arc<dyn Registry>,
    subscriber: Arc<Subscriber>,
    /// What it sends before anything queued: `open`, the replayed events, or a `reset`.
    first: VecDeque<Frame>,
    /// Frames about news older than this (µs) are skipped: a drop stream's first frame is
    /// the drop read after it subscribed, so an update queued meanwhile may be older.
    skip_before: i64,
}

impl Subscription {
    pub(super) fn new(
        hub: Arc<dyn Registry>,
        subscriber: Arc<Subscriber>,
        first: Vec<Frame>,
    ) -> Self {
        let skip_before = if subscriber.user.is_none() {
            first.first().and_then(Frame::occurred_micros).unwrap_or(0)
        } else {
            0
        };
        Self {
            hub,
            subscriber,
            first: first.into(),
            skip_before,
        }
    }

    /// The frames the stream opens with (for tests and the first write).
    pub fn first_frames(&self) -> impl Iterator<Item = &Frame> {
        self.first.iter()
    }

    /// The next frame to write, or the end with its reason.
    pub async fn next(&mut self) -> Next {
        self.next_sent().await.0
    }

    /// [`next`](Subscription::next), and whether it is live news (not an opening frame
    /// or a replay), whose fan-out latency is worth recording.
    async fn next_sent(&mut self) -> (Next, bool) {
        if let Some(frame) = self.first.pop_front() {
            return (Next::Frame(frame), false);
        }
        loop {
            match self.subscriber.mailbox.next().await {
                Next::Frame(frame)
                    if frame
                        .occurred_micros()
                        .is_some_and(|at| at < self.skip_before) =>
                {
                    continue;
                }
                next => return (next, true),
            }
        }
    }

    /// The response body: each frame's bytes, then a `reconnect` event carrying the last
    /// id sent (the position to resume from) and the reason, then the end.
    pub fn into_body(
        self,
        resumed_from: Option<Bytes>,
    ) -> impl Stream<Item = Result<Bytes, Infallible>> + Send + 'static {
        let state = Writing {
            subscription: self,
            last_id: resumed_from,
            done: false,
        };
        stream::unfold(state, |mut writing| async move {
            if writing.done {
                return None;
            }
            match writing.subscription.next_sent().await {
                (Next::Frame(frame), live) => {
                    if let Some(id) = frame.id() {
                        writing.last_id = Some(id);
                    }
                    if let Some(micros) = frame.occurred_micros().filter(|_| live) {
                        record_fan_out(micros);
                    }
                    Some((Ok(frame.bytes().clone()), writing))
                }
                (Next::Close(reason), _) => {
                    writing.done = true;
                    let farewell = farewell(writing.last_id.as_deref(), reason);
                    Some((Ok(farewell.bytes().clone()), writing))
                }
            }
        })
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.hub.unregister(&self.subscriber);
    }
}

/// The body's state between frames.
struct Writing {
    subscription: Subscription,
    last_id: Option<Bytes>,
    done: bool,
}

/// The `reconnect` event that ends a stream, with the id to resume from.
fn farewell(last_id: Option<&[u8]>, reason: CloseReason) -> Frame {
    let id = last_id.and_then(|id| std::str::from_utf8(id).ok());
    let data = format!(r#"{{"reason":"{}"}}"#, reason.as_str());
    Frame::build(id, "reconnect", data.as_bytes())
}

/// `livedrop_realtime_fanout_seconds`: from when the news happened to its write. The
/// handle is looked up once: a fan-out records it once per stream, 18,000 times an event.
fn record_fan_out(occurred_micros: i64) {
    static FAN_OUT: std::sync::LazyLock<metrics::Histogram> =
        std::sync::LazyLock::new(|| metrics::histogram!("livedrop_realtime_fanout_seconds"));
    let now = chrono::Utc::now().timestamp_micros();
    let seconds = (now - occurred_micros).max(0) as f64 / 1e6;
    FAN_OUT.record(seconds);
}
