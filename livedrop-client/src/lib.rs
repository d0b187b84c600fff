//! A typed Rust client for the LiveDrop REST API.
//!
//! Request and response bodies are the types of [`livedrop_core::wire`] and
//! [`livedrop_core::domain`], the same ones the server encodes, so the two cannot drift.
//! Every error the server answers with is `application/problem+json`; it comes back as
//! [`ClientError::Api`] carrying the decoded [`Problem`](livedrop_core::wire::Problem), so
//! callers branch on its stable `code`.
//!
//! ```no_run
//! use livedrop_client::{Client, ClientError};
//! use livedrop_core::ids::DropId;
//!
//! # async fn example(id: DropId) -> Result<(), ClientError> {
//! let client = Client::builder().base_url("http://127.0.0.1:8080").build()?;
//! client.health().await?;
//! match client.drops().get(id).await {
//!     Ok(view) => println!("{} left", view.stock.available),
//!     Err(ClientError::Api { problem, .. }) if problem.code == "not_found" => println!("no such drop"),
//!     Err(other) => return Err(other),
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Layout
//! - [`Client`] (`client.rs`): the connection to one server, request plumbing and the
//!   entry points, one handler per resource.
//! - [`ClientBuilder`] (`builder.rs`): base URL, timeouts, user agent.
//! - [`ClientError`] (`error.rs`): transport, API (problem+json) and decode errors.
//! - [`DropsHandler`] (`drops.rs`): `/drops`.

mod builder;
mod client;
mod drops;
mod error;

pub use builder::{ClientBuilder, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT};
pub use client::Client;
pub use drops::DropsHandler;
pub use error::{ClientError, Result};
pub use reqwest::{StatusCode, Url};
