//! [`Subscriber`]: one open stream as the hub sees it.

use std::fmt::Debug;
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use livedrop_core::ids::UserId;

use super::config::HubConfig;
use super::mailbox::Mailbox;
use super::topic::Topic;

/// Drops a stream's connection even while its socket is not writable (the stream's own
/// end would wait for the socket). The server's connection handle implements it.
pub trait Disconnect: Send + Sync + Debug {
    /// Closes the connection now.
    fn disconnect(&self);
}

/// An open stream: its queue, its topics and when it must end.
#[derive(Debug)]
pub struct Subscriber {
    /// Unique on this node.
    pub id: u64,
    /// The signed-in user of a user stream; `None` for a drop's public stream.
    pub user: Option<UserId>,
    /// The topics it is subscribed to (follows and unfollows change them).
    pub topics: Mutex<Vec<Topic>>,
    /// Its bounded queue.
    pub mailbox: Mailbox,
    /// When it ends with a `reconnect` (its lifetime, jittered).
    pub ends_at: Instant,
    /// Its connection, to cut a client that stopped reading.
    pub connection: Option<Box<dyn Disconnect>>,
    /// Set once its connection was cut for being stuck (counted once).
    pub cut: AtomicBool,
}

impl Subscriber {
    /// A stream numbered `id` on `topics`, ending within `config`'s jittered lifetime.
    pub fn new(
        id: u64,
        user: Option<UserId>,
        topics: Vec<Topic>,
        config: &HubConfig,
        connection: Option<Box<dyn Disconnect>>,
    ) -> Self {
        Self {
            id,
            user,
            topics: Mutex::new(topics),
            mailbox: Mailbox::new(config.queue_frames),
            ends_at: Instant::now() + jittered(config.lifetime, config.lifetime_jitter),
            connection,
            cut: AtomicBool::new(false),
        }
    }

    /// The topics, copied out of the lock.
    pub fn topics(&self) -> Vec<Topic> {
        self.topics
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Changes the topics under their lock; `change` returns whether it changed anything.
    pub fn change_topics(&self, change: impl FnOnce(&mut Vec<Topic>) -> bool) -> bool {
        change(
            &mut self
                .topics
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }
}

/// `lifetime` less a random share of up to `jitter` of it.
fn jittered(lifetime: Duration, jitter: f64) -> Duration {
    let mut bytes = [0u8; 8];
    // Without the OS generator the streams just all last the full lifetime.
    let unit = match getrandom::fill(&mut bytes) {
        Ok(()) => (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64,
        Err(_) => 0.0,
    };
    lifetime.mul_f64(1.0 - jitter.clamp(0.0, 1.0) * unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_spread_over_the_jitter_and_never_exceed_the_lifetime() {
        let lifetime = Duration::from_secs(900);
        let lifetimes: Vec<Duration> = (0..200).map(|_| jittered(lifetime, 0.2)).collect();
        assert!(
            lifetimes
                .iter()
                .all(|l| *l <= lifetime && *l >= lifetime.mul_f64(0.8))
        );
        let (min, max) = (
            lifetimes.iter().min().unwrap(),
            lifetimes.iter().max().unwrap(),
        );
        assert!(*max - *min > Duration::from_secs(60), "{min:?}..{max:?}");
        assert_eq!(jittered(lifetime, 0.0), lifetime);
    }
}
