//! [`OrdersHandler`]: placing orders safely, reading and cancelling them.

use livedrop_core::domain::{Cancellation, IdempotencyKey, Order, Quantity, ValidationError};
use livedrop_core::ids::{DropId, OrderId, UserId};
use livedrop_core::wire::PlaceOrderBody;
use reqwest::Method;
use reqwest::header::{HeaderName, HeaderValue};

use crate::call::Call;
use crate::{Client, Paged, Result};

/// The header that makes `POST /orders` safe to repeat.
const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");

/// The caller's orders; get one with [`Client::orders`].
///
/// ```no_run
/// use livedrop_client::{ApiErrorKind, ClientError};
///
///
/// # async fn example(client: livedrop_client::Client, drop: livedrop_core::ids::DropId) -> Result<(), ClientError> {
/// match client.orders().place(drop, 2).await {
///     Ok(order) => println!("order {} confirmed", order.id),
///     Err(error) => match error.kind() {
///         Some(ApiErrorKind::SoldOut) => println!("too late"),
///         Some(ApiErrorKind::LimitReached { limit, .. }) => println!("at most {limit} each"),
///         _ => return Err(error),
///     },
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, Debug)]
pub struct OrdersHandler<'c> {
    client: &'c Client,
}

impl<'c> OrdersHandler<'c> {
    pub(crate) fn new(client: &'c Client) -> Self {
        Self { client }
    }

    /// `POST /orders` with a fresh `Idempotency-Key` (UUID v7): `qty` units of `drop`.
    ///
    /// Repeated on network failures, `5xx`, `429` and `409 idempotency_key_in_flight` with
    /// the same key, so a repeat after the server committed (the answer was lost) returns
    /// the same order and buys nothing twice.
    ///
    /// # Errors
    /// The refusals as [`ApiErrorKind`](crate::ApiErrorKind)s: `SoldOut`, `DropNotLive`,
    /// `LimitReached`, `InsufficientStock`, `NotFound`; [`ClientError::Invalid`] for a
    /// quantity out of range (nothing is sent).
    pub async fn place(self, drop: DropId, qty: u32) -> Result<Order> {
        let key = IdempotencyKey::try_from(uuid::Uuid::now_v7().to_string())?;
        self.place_with_key(drop, qty, key).await
    }

    /// [`place`](Self::place) with the caller's key: to carry a key across restarts of the
    /// caller, reusing it replays the first answer (the order, or its refusal).
    ///
    /// # Errors
    /// As [`place`](Self::place); `422 idempotency_key_reused` if `key` was used for
    /// another drop or quantity.
    pub async fn place_with_key(
        &self,
        drop: DropId,
        qty: u32,
        key: IdempotencyKey,
    ) -> Result<Order> {
        let qty = Quantity::try_from(i64::from(qty))?;
        let body = PlaceOrderBody { drop_id: drop, qty };
        // Keys are visible ASCII (checked by `IdempotencyKey`), so always a valid header.
        let key = HeaderValue::try_from(key.as_str()).map_err(|_| {
            ValidationError::InvalidIdempotencyKey {
                reason: "is not a valid header value",
            }
        })?;
        let call = Call::new(Method::POST, self.client.url(&["orders"]))
            .json(&body)
            .header(IDEMPOTENCY_KEY, key)
            .authed()
            .retried();
        self.client.fetch(call).await
    }

    /// `GET /orders/{id}`: one of the caller's orders.
    ///
    /// # Errors
    /// `404` for an unknown order or anyone else's.
    pub async fn get(self, id: OrderId) -> Result<Order> {
        let url = self.client.url(&["orders", &id.to_string()]);
        self.client
            .fetch(Call::new(Method::GET, url).authed())
            .await
    }

    /// `GET /users/{id}/orders`: `user`'s orders, newest first; `user` must be the caller
    /// (`404` otherwise). See [`mine`](Self::mine).
    pub fn list(self, user: UserId) -> Paged<Order> {
        let url = self.client.url(&["users", &user.to_string(), "orders"]);
        Paged::new(self.client, Call::new(Method::GET, url).authed())
    }

    /// The caller's orders: asks the server who the caller is (`GET /api/auth/me`), then
    /// [`list`](Self::list)s.
    ///
    /// # Errors
    /// As [`AuthHandler::me`](crate::AuthHandler::me).
    pub async fn mine(self) -> Result<Paged<Order>> {
        let me = self.client.auth().me().await?;
        Ok(self.list(me.id))
    }

    /// `POST /orders/{id}/cancel`: the stock goes back once. Repeated on failure: a repeat
    /// answers `changed: false`.
    ///
    /// # Errors
    /// `404` for an unknown order or anyone else's.
    pub async fn cancel(self, id: OrderId) -> Result<Cancellation> {
        let url = self.client.url(&["orders", &id.to_string(), "cancel"]);
        self.client
            .fetch(Call::new(Method::POST, url).authed().retried())
            .await
    }
}
