//! Realtime delivery: the node's hub and the event streams it feeds.
//!
//! Every node reads every event from the bus (a tail outside any consumer group, run by
//! [`background`](crate::background)), so a stream on any node hears what any node
//! caused. The hub encodes each event once and hands its bytes to the bounded queue of
//! every stream subscribed to its topic. Ids are bus positions every node agrees on, so
//! `Last-Event-ID` resumes exactly from the node's window, on any node, or gets one
//! `reset` when it cannot.
//!
//! # Layout
//! - `hub`: [`Hub`], the sequencer (position and window), opening streams, publishing,
//!   the node-wide sweep; `registry`: topics to subscribers in shards, the fan-out, and
//!   follows moving live streams between topics.
//! - `streams`: [`Streams`], what the routes call: the follows read, the caps' answers.
//! - `subscription`: [`Subscription`], an open stream and the bytes it writes.
//! - `subscriber`: [`Subscriber`], a stream as the hub holds it ([`Disconnect`] cuts it).
//! - `mailbox`: the bounded per-stream queue, and how a slow stream ends.
//! - `history`: the window of sent events that resumes replay from.
//! - `position`: [`StreamPosition`], the agreed id; `reset_reason`: [`ResetReason`], why
//!   a resume starts with a `reset`.
//! - `topic`, `frame`, `drop_ticker`: what an event is published on, its encoded form,
//!   and the coalesced public state of drops.
//! - `shards`, `config`: the sharded map, and [`HubConfig`].
//! - `readiness`: the hub as a `/readyz` probe (ready once it reads the bus).

mod config;
mod drop_ticker;
mod frame;
mod history;
mod hub;
mod mailbox;
mod position;
mod readiness;
mod registry;
mod reset_reason;
mod shards;
mod streams;
mod subscriber;
mod subscription;
mod topic;

pub use config::HubConfig;
pub use drop_ticker::DropTick;
pub use frame::Frame;
pub use hub::{Hub, Refusal, Resume};
pub use mailbox::{CloseReason, Next};
pub use position::StreamPosition;
pub use reset_reason::ResetReason;
pub use streams::Streams;
pub use subscriber::{Disconnect, Subscriber};
pub use subscription::Subscription;
pub use topic::Topic;

#[cfg(test)]
mod hub_tests;
