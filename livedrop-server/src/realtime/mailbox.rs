//! [`Mailbox`]: one stream's bounded queue of frames.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Instant;

use tokio::sync::Notify;

use super::frame::Frame;

/// Why a stream ends; the stream tells the client in a `reconnect` event carrying the
/// position to resume from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseReason {
    /// The server is shutting down.
    ShuttingDown,
    /// The stream reached its lifetime (its sign-in must be checked again).
    LifetimeReached,
    /// The client read too slowly and events for it were dropped: it must resume.
    SlowClient,
    /// The node lost its place in the bus (its tail failed and was reopened further on):
    /// the stream resumes, and gets a `reset` if it missed anything.
    Resync,
}

impl CloseReason {
    /// Every reason, for the streams' OpenAPI schema.
    pub const ALL: [CloseReason; 4] = [
        CloseReason::ShuttingDown,
        CloseReason::LifetimeReached,
        CloseReason::SlowClient,
        CloseReason::Resync,
    ];

    /// The `reason` the `reconnect` event names.
    pub fn as_str(self) -> &'static str {
        match self {
            CloseReason::ShuttingDown => "server shutting down",
            CloseReason::LifetimeReached => "stream lifetime reached",
            CloseReason::SlowClient => "client too slow",
            CloseReason::Resync => "server resynchronizing",
        }
    }
}

/// What a stream sends next.
#[derive(Debug)]
pub enum Next {
    /// A frame.
    Frame(Frame),
    /// Nothing more: end with a `reconnect` event.
    Close(CloseReason),
}

/// What became of a pushed frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pushed {
    /// Queued.
    Queued,
    /// The queue was full: dropped, and the stream will end once it has sent what is
    /// queued (the client resumes from there, missing nothing). Reported once per stream.
    Overflowed,
    /// Dropped: the stream already overflowed or is closing.
    Dropped,
}

/// A bounded queue between the hub and one stream. The hub never waits on a stream: a
/// push to a full queue drops the frame and marks the stream to end after what is queued,
/// so a client that stops reading costs at most `capacity` frames (shared bytes), then
/// its connection.
#[derive(Debug)]
pub struct Mailbox {
    queue: Mutex<Queue>,
    ready: Notify,
    capacity: usize,
}

#[derive(Debug, Default)]
struct Queue {
    frames: VecDeque<Frame>,
    /// When a push first found the queue full.
    overflowed_at: Option<Instant>,
    closing: Option<CloseReason>,
}

impl Mailbox {
    /// An empty mailbox holding at most `capacity` frames.
    pub fn new(capacity: usize) -> Self {
        Self {
            queue: Mutex::default(),
            ready: Notify::new(),
            capacity: capacity.max(1),
        }
    }

    /// Queues `frame` if there is room; see [`Pushed`].
    pub fn push(&self, frame: Frame) -> Pushed {
        let pushed = {
            let mut queue = self.lock();
            if queue.overflowed_at.is_some() || queue.closing.is_some() {
                Pushed::Dropped
            } else if queue.frames.len() >= self.capacity {
                queue.overflowed_at = Some(Instant::now());
                Pushed::Overflowed
            } else {
                queue.frames.push_back(frame);
                Pushed::Queued
            }
        };
        if pushed != Pushed::Dropped {
            self.ready.notify_one();
        }
        pushed
    }

    /// Queues `frame` only if the queue is empty (a heartbeat: a stream with anything
    /// queued is not idle, and a full one must not be marked slow for it).
    pub fn offer(&self, frame: Frame) {
        let queued = {
            let mut queue = self.lock();
            let idle = queue.frames.is_empty() && queue.closing.is_none();
            if idle {
                queue.frames.push_back(frame);
            }
            idle
        };
        if queued {
            self.ready.notify_one();
        }
    }

    /// Ends the stream after what is queued; the first reason given wins.
    pub fn close(&self, reason: CloseReason) {
        self.lock().closing.get_or_insert(reason);
        self.ready.notify_one();
    }

    /// When the queue overflowed, if it did and still holds frames the client has not
    /// taken (a client that drained it is reading, only slowly).
    pub fn stuck_since(&self) -> Option<Instant> {
        let queue = self.lock();
        queue.overflowed_at.filter(|_| !queue.frames.is_empty())
    }

    /// Waits for the next frame, or the end. Cancel safe.
    pub async fn next(&self) -> Next {
        loop {
            {
                let mut queue = self.lock();
                if let Some(frame) = queue.frames.pop_front() {
                    return Next::Frame(frame);
                }
                if queue.overflowed_at.is_some() {
                    return Next::Close(CloseReason::SlowClient);
                }
                if let Some(reason) = queue.closing {
                    return Next::Close(reason);
                }
            }
            // One reader, so `notify_one`'s stored permit covers a push made between the
            // look above and this wait.
            self.ready.notified().await;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        // A panic while holding the lock leaves a queue of frames, still consistent.
        self.queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(n: u8) -> Frame {
        Frame::build(Some(&n.to_string()), "test", b"{}")
    }

    async fn id_of(mailbox: &Mailbox) -> Option<String> {
        match mailbox.next().await {
            Next::Frame(frame) => frame.id().map(|id| String::from_utf8(id.to_vec()).unwrap()),
            Next::Close(_) => None,
        }
    }

    #[tokio::test]
    async fn frames_come_out_in_order_then_the_close() {
        let mailbox = Mailbox::new(4);
        assert_eq!(mailbox.push(frame(1)), Pushed::Queued);
        assert_eq!(mailbox.push(frame(2)), Pushed::Queued);
        mailbox.close(CloseReason::ShuttingDown);
        mailbox.close(CloseReason::LifetimeReached);
        assert_eq!(mailbox.push(frame(3)), Pushed::Dropped);
        assert_eq!(id_of(&mailbox).await.as_deref(), Some("1"));
        assert_eq!(id_of(&mailbox).await.as_deref(), Some("2"));
        assert!(matches!(
            mailbox.next().await,
            Next::Close(CloseReason::ShuttingDown)
        ));
    }

    #[tokio::test]
    async fn a_full_queue_drops_the_rest_and_ends_the_stream_after_what_it_holds() {
        let mailbox = Mailbox::new(2);
        mailbox.push(frame(1));
        mailbox.push(frame(2));
        assert_eq!(mailbox.stuck_since(), None);
        assert_eq!(mailbox.push(frame(3)), Pushed::Overflowed);
        assert_eq!(mailbox.push(frame(4)), Pushed::Dropped);
        assert!(mailbox.stuck_since().is_some());
        assert_eq!(id_of(&mailbox).await.as_deref(), Some("1"));
        assert_eq!(id_of(&mailbox).await.as_deref(), Some("2"));
        assert_eq!(mailbox.stuck_since(), None, "drained: slow, not stuck");
        assert!(matches!(
            mailbox.next().await,
            Next::Close(CloseReason::SlowClient)
        ));
    }

    #[tokio::test]
    async fn a_heartbeat_is_offered_only_to_an_idle_stream() {
        let mailbox = Mailbox::new(1);
        mailbox.offer(Frame::heartbeat());
        mailbox.offer(Frame::heartbeat());
        assert!(matches!(mailbox.next().await, Next::Frame(_)));
        mailbox.push(frame(1));
        mailbox.offer(Frame::heartbeat());
        assert_eq!(id_of(&mailbox).await.as_deref(), Some("1"));
        assert_eq!(mailbox.stuck_since(), None);
    }

    #[tokio::test]
    async fn a_waiting_reader_wakes_on_a_push() {
        let mailbox = std::sync::Arc::new(Mailbox::new(4));
        let reader = tokio::spawn({
            let mailbox = mailbox.clone();
            async move { id_of(&mailbox).await }
        });
        tokio::task::yield_now().await;
        mailbox.push(frame(7));
        assert_eq!(reader.await.unwrap().as_deref(), Some("7"));
    }
}
