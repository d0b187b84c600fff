//! Realtime delivery: the user's events as a server-sent event stream.
//!
//! The stream reads the user's inbox (the [`Notifier`](livedrop_core::ports::Notifier)
//! port), so it is correct with several instances: whichever instance's notification
//! consumer stored a notification, every instance's streams find it.
//! - [`InboxSignal`]: wakes this instance's streams the moment its own consumer stores a
//!   notification; a slower poll catches the ones other instances stored.
//! - [`InboxFeed`]: one stream's position in the inbox and what it has already sent.

mod inbox_feed;
mod inbox_signal;

pub use inbox_feed::{InboxFeed, LATE_WINDOW};
pub use inbox_signal::{InboxSignal, SignallingHandler};
