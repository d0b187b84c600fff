//! Domain types and rules. Everything here validates on construction and never panics on
//! bad input; nothing here does I/O.
//!
//! # Layout
//! - Values that validate on construction: `text` (titles, names, handles, emails),
//!   `money`, `password`, and the `validation` error naming the field and rule.
//! - Entities: `user` (users, creators, follows), `product`, `drop` (the drop, its window,
//!   stock plan and stock), `order` (orders, their refusals and cancellations;
//!   `order_encode` writes an order's JSON).
//! - Rules: `lifecycle` (the drop statuses and their legal transitions) and `book`
//!   ([`DropBook`], one drop's stock and orders as a pure state machine every ledger runs).
//! - What changes cause: `event` (the outbox and bus envelope; `event_decode` reads it,
//!   `event_encode` writes it),
//!   `notification` (who hears of an event), `audit` (the trail's entries) and
//!   [`announcement`] (a catalog write's event and audit entry, built once for every
//!   backend).
//! - `sign_in`: why a sign-in or refresh was refused.
//! - `trace_parent`: the W3C trace context an event carries across processes.

pub mod announcement;
mod audit;
mod book;
mod drop;
mod event;
mod event_decode;
mod event_encode;
mod lifecycle;
mod money;
mod notification;
mod order;
mod order_encode;
mod password;
mod product;
mod sign_in;
mod text;
mod trace_parent;
mod user;
mod validation;
mod whole_number;

pub use audit::{AuditAction, AuditDetail, AuditEntry, AuditTarget};
pub use book::DropBook;
pub use drop::{Drop, DropStock, DropWindow, StockPlan};
pub use event::{Event, EventData, join_trace};
pub use lifecycle::{DropStatus, IllegalTransition};
pub use money::{CurrencyCode, PriceCents};
pub use notification::{Notification, Recipient, STOCK_NOTICE_WINDOW};
pub use order::{Cancellation, IdempotencyKey, Order, OrderRejection, OrderStatus, Quantity};
pub use password::Password;
pub use product::{Product, ProductDetails};
pub use sign_in::SignInRefusal;
pub use text::{Description, DisplayName, Email, Handle, PersonName, Title};
pub use trace_parent::TraceParent;
pub use user::{Creator, Follow, FollowChange, User};
pub use validation::ValidationError;
pub use whole_number::{WholeNumber, optional_whole, whole};
