//! The HTTP contract shared by the server and the client, so the two cannot drift:
//! request bodies, the problem+json error body and the canonical encoding of order answers.
//!
//! It sits at the edge of the core: it uses the domain, ports and services' types (and
//! converts their results, such as a sign-in's tokens, into answers), and none of them use
//! it.
//!
//! # Layout
//! - `auth`: sign-up, sign-in and refresh bodies, the token pair and realtime token.
//! - `catalog`: creator, product, drop, follow and image-upload bodies, the follow check.
//! - `drops`: [`DropView`], a drop with its live stock.
//! - `inbox`: [`MarkReadBody`] and [`UnreadCount`], the inbox's read mark and unread count,
//!   both naming a notification by its [`InboxPosition`].
//! - `orders`: [`PlaceOrderBody`] and [`order_response`], the deterministic encoding an
//!   order's answer is sent and replayed with.
//! - `problem`: [`Problem`] (RFC 9457) and the status of every core error.
//! - `health`: the health and readiness answers.

mod auth;
mod catalog;
mod drops;
mod health;
mod inbox;
mod orders;
mod problem;

pub use auth::{
    BEARER, ConfirmRegistrationBody, LoginBody, RealtimeToken, RefreshBody, RegisterBody,
    Registered, RegistrationStarted, TokenPair, WebSession,
};
pub use catalog::{
    CreateCreatorBody, CreateDropBody, CreateProductBody, FollowBody, FollowCheck, FollowerCount,
    ImageUploadBody, ProductImagesBody,
};
pub use drops::DropView;
pub use health::{BackendStatus, HealthStatus};
pub use inbox::{InboxPosition, MarkReadBody, READ_MARK_IN_FUTURE, UnreadCount};
pub use orders::{OrderResponse, PlaceOrderBody, order_response};
pub use problem::{PROBLEM_JSON, Problem, status_of, status_of_rejection};
