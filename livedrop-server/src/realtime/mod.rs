//! Realtime delivery: the user's events as a server-sent event stream.
//!
//! The stream reads the user's inbox (through the core's
//! [`InboxFeed`](livedrop_core::services::InboxFeed)), so it is correct with several
//! instances: whichever instance's notification consumer stored a notification, every
//! instance's streams find it.
//! - [`InboxSignal`]: wakes this instance's streams the moment its own consumer stores a
//!   notification; a slower poll catches the ones other instances stored.

mod inbox_signal;

pub use inbox_signal::{InboxSignal, SignallingHandler};
