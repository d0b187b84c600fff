//! A typed Rust client for the LiveDrop REST API.
//!
//! Request and response bodies are the types of [`livedrop_core::wire`] and
//! [`livedrop_core::domain`], the same ones the server encodes, so the two cannot drift.
//! Every error the server answers with is `application/problem+json`; it comes back as
//! [`ClientError::Api`] carrying the decoded [`Problem`](livedrop_core::wire::Problem),
//! with a typed view in [`ClientError::kind`].
//!
//! ```no_run
//! use livedrop_client::{ApiErrorKind, Client, ClientError};
//! use livedrop_core::ids::DropId;
//!
//! # async fn example(id: DropId) -> Result<(), ClientError> {
//! let client = Client::builder().base_url("http://127.0.0.1:8080").build()?;
//! client.auth().login("ada@example.com", "correct horse battery").await?;
//! match client.orders().place(id, 1).await {
//!     Ok(order) => println!("order {}", order.id),
//!     Err(error) if error.kind() == Some(ApiErrorKind::SoldOut) => println!("sold out"),
//!     Err(other) => return Err(other),
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Sessions
//! Confirming a registration and login keep the token pair in the client (shared by its
//! clones). Calls that
//! need it send `Authorization: Bearer`; an access token within
//! [`DEFAULT_REFRESH_MARGIN`] of expiry, or a `401`, triggers one refresh, serialized by a
//! lock (the server revokes a sign-in whose refresh token is spent twice), and the call is
//! sent again.
//!
//! # Retries
//! Calls that are safe to repeat are repeated on network failures (connect, timeout,
//! reset), `5xx`, `429` (waiting at least `Retry-After`) and `409
//! idempotency_key_in_flight`, with jittered exponential backoff ([`RetryPolicy`]): every
//! GET; `orders().place`, which sends an `Idempotency-Key` (the same one on every repeat,
//! so the server replays its first answer); follow, unfollow, cancel, image upload URLs
//! and marking the inbox read, which leave the same state when repeated. Creating accounts, creators, products
//! and drops is never repeated (a lost answer would make a duplicate), nor is a token
//! refresh (a repeat would revoke the sign-in).
//!
//! # Layout
//! - [`Client`] (`client.rs`): base URL, connection pool, session and the handlers' entry
//!   points; `call.rs`: a request as data and the send / refresh / retry loop;
//!   `session.rs`: the token pair and its refresh lock.
//! - [`ClientBuilder`] (`builder.rs`): base URL, timeouts, user agent, retries.
//! - [`RetryPolicy`] (`retry.rs`): backoff of repeatable calls.
//! - [`ClientError`], [`ApiErrorKind`] (`error.rs`): transport, API (problem+json) and
//!   decode errors, and their typed meaning.
//! - [`Paged`] (`pages.rs`): cursor-paginated lists as pages or a `Stream` of items.
//! - One handler per resource: [`AuthHandler`] (`auth.rs`), [`CreatorsHandler`]
//!   (`creators.rs`), [`ProductsHandler`] (`products.rs`), [`DropsHandler`] (`drops.rs`),
//!   [`FollowsHandler`] (`follows.rs`), [`OrdersHandler`] (`orders.rs`),
//!   [`NotificationsHandler`] (`notifications.rs`), [`RealtimeHandler`] and its event
//!   stream (`realtime.rs`).

mod auth;
mod builder;
mod call;
mod client;
mod creators;
mod drops;
mod error;
mod follows;
mod notifications;
mod orders;
mod pages;
mod products;
mod realtime;
mod retry;
mod session;

pub use auth::AuthHandler;
pub use builder::{
    ClientBuilder, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT,
    DEFAULT_REFRESH_MARGIN, DEFAULT_TIMEOUT,
};
pub use client::Client;
pub use creators::CreatorsHandler;
pub use drops::DropsHandler;
pub use error::{ApiErrorKind, ClientError, Result};
pub use follows::FollowsHandler;
pub use notifications::NotificationsHandler;
pub use orders::OrdersHandler;
pub use pages::Paged;
pub use products::ProductsHandler;
pub use realtime::{RealtimeEvent, RealtimeHandler};
pub use reqwest::{StatusCode, Url};
pub use retry::RetryPolicy;
