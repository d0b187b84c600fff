//! Domain types and rules. Everything here validates on construction and never panics on
//! bad input; nothing here does I/O.

pub mod announcement;
mod audit;
mod book;
mod drop;
mod event;
mod lifecycle;
mod money;
mod notification;
mod order;
mod password;
mod product;
mod text;
mod user;
mod validation;

pub use audit::{AuditAction, AuditDetail, AuditEntry, AuditTarget};
pub use book::DropBook;
pub use drop::{Drop, DropStock, DropWindow, StockPlan};
pub use event::{Event, EventData};
pub use lifecycle::{DropStatus, IllegalTransition};
pub use money::{CurrencyCode, PriceCents};
pub use notification::{Notification, Recipient};
pub use order::{IdempotencyKey, Order, OrderRejection, OrderStatus, Quantity};
pub use password::Password;
pub use product::{Product, ProductDetails};
pub use text::{Description, DisplayName, Email, Handle, PersonName, Title};
pub use user::{Creator, Follow, FollowChange, User};
pub use validation::ValidationError;
