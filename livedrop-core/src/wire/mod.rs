//! The HTTP contract shared by the server and the client, so the two cannot drift:
//! request bodies, the problem+json error body and the canonical encoding of order answers.

mod auth;
mod catalog;
mod drops;
mod health;
mod orders;
mod problem;
pub mod timestamp;

pub use auth::{
    BEARER, LoginBody, RealtimeToken, RefreshBody, RegisterBody, Registered, TokenPair,
};
pub use catalog::{
    CreateCreatorBody, CreateDropBody, CreateProductBody, FollowBody, FollowCheck, ImageUploadBody,
};
pub use drops::DropView;
pub use health::{BackendStatus, HealthStatus};
pub use orders::{OrderResponse, PlaceOrderBody, order_response};
pub use problem::{PROBLEM_JSON, Problem, status_of, status_of_rejection};
