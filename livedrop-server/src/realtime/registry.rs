//! The hub's registries: which streams are on which topic, whose they are, and the
//! fan-out over them.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use livedrop_core::ids::{CreatorId, UserId};

use super::frame::Frame;
use super::hub::Shared;
use super::mailbox::Pushed;
use super::subscriber::Subscriber;
use super::subscription::Registry;
use super::topic::Topic;

impl Shared {
    /// Puts the subscriber on its topics and in the registries.
    pub(super) fn register(&self, subscriber: &Arc<Subscriber>) {
        if let Some(user) = subscriber.user {
            self.users
                .lock(Topic::User(user).shard_key())
                .entry(user)
                .or_default()
                .push(subscriber.clone());
        }
        for topic in subscriber.topics() {
            self.subscribe(topic, subscriber);
        }
        self.all
            .lock(subscriber.id)
            .insert(subscriber.id, subscriber.clone());
        metrics::gauge!("livedrop_sse_connections").increment(1.0);
    }

    pub(super) fn subscribe(&self, topic: Topic, subscriber: &Arc<Subscriber>) {
        self.topics
            .lock(topic.shard_key())
            .entry(topic)
            .or_default()
            .insert(subscriber.id, subscriber.clone());
    }

    pub(super) fn unsubscribe(&self, topic: Topic, id: u64) {
        let mut shard = self.topics.lock(topic.shard_key());
        if let Some(subscribers) = shard.get_mut(&topic) {
            subscribers.remove(&id);
            if subscribers.is_empty() {
                shard.remove(&topic);
            }
        }
    }

    /// Hands `frame` to every subscriber of `topic`.
    pub(super) fn fan_out(&self, topic: Topic, frame: &Frame) {
        let shard = self.topics.lock(topic.shard_key());
        let Some(subscribers) = shard.get(&topic) else {
            return;
        };
        for subscriber in subscribers.values() {
            if subscriber.mailbox.push(frame.clone()) == Pushed::Overflowed {
                metrics::counter!("livedrop_realtime_queue_overflows_total").increment(1);
            }
        }
    }

    /// Moves `user`'s live streams onto (`follows`) or off `creator`'s topic.
    pub(super) fn refollow(&self, user: UserId, creator: CreatorId, follows: bool) {
        let topic = Topic::Creator(creator);
        let users = self.users.lock(Topic::User(user).shard_key());
        let Some(streams) = users.get(&user) else {
            return;
        };
        for subscriber in streams {
            let changed = subscriber.change_topics(|topics| {
                let at = topics.iter().position(|t| *t == topic);
                match (follows, at) {
                    (true, None) => topics.push(topic),
                    (false, Some(at)) => {
                        topics.swap_remove(at);
                    }
                    _ => return false,
                }
                true
            });
            if changed && follows {
                self.subscribe(topic, subscriber);
            } else if changed {
                self.unsubscribe(topic, subscriber.id);
            }
        }
    }
}

impl Registry for Shared {
    /// Takes a closed stream off everything and frees its slot.
    fn unregister(&self, subscriber: &Arc<Subscriber>) {
        if let Some(user) = subscriber.user {
            let mut users = self.users.lock(Topic::User(user).shard_key());
            if let Some(streams) = users.get_mut(&user) {
                streams.retain(|s| s.id != subscriber.id);
                if streams.is_empty() {
                    users.remove(&user);
                }
            }
        }
        for topic in subscriber.topics() {
            self.unsubscribe(topic, subscriber.id);
        }
        self.all.lock(subscriber.id).remove(&subscriber.id);
        self.streams.fetch_sub(1, Ordering::AcqRel);
        metrics::gauge!("livedrop_sse_connections").decrement(1.0);
    }
}
