//! Orders: `POST /orders` (with an `Idempotency-Key`), `GET /orders/{id}`,
//! `GET /users/{id}/orders` and `POST /orders/{id}/cancel`. Only the buyer sees or cancels
//! an order: anyone else gets `404`, so order ids cannot be probed.

use axum::Json;
use axum::extract::State;
use livedrop_core::domain::{Cancellation, Order};
use livedrop_core::ids::{OrderId, UserId};
use livedrop_core::pagination::Page;
use livedrop_core::wire::PlaceOrderBody;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{AuthUser, only_owner};
use crate::extract::{IdempotencyKeyHeader, JsonBody, PageParams, PageQuery, PathId};
use crate::openapi::{
    BadRequest, Conflict, NotFound, PayloadTooLarge, TooManyRequests, Unauthorized, Unprocessable,
    UnsupportedMediaType,
};
use crate::order_reply::OrderReply;
use crate::{ApiError, AppState};

/// `POST /orders`, under the order rate-limit class.
pub(super) fn place() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(place_order))
}

/// The order reads and cancel, under the read class.
pub(super) fn manage() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(order))
        .routes(routes!(cancel))
        .routes(routes!(orders_of))
}

/// Places the caller's order at most once per key. The answer, confirmation (`201`) or
/// refusal (sold out, not live, limit reached: `409` problems), is stored under the
/// key and replayed byte for byte to a retry, marked `Idempotent-Replayed: true`. The same
/// key with another drop or quantity is `422 idempotency_key_reused`; a retry while the
/// first is still running is `409 idempotency_key_in_flight`.
#[utoipa::path(
    post,
    path = "/orders",
    tag = "orders",
    params((
        "Idempotency-Key" = String, Header,
        description = "Unique per intended order: 1 to 255 visible ASCII characters; a retry sends the same",
        pattern = r"^[!-~]{1,255}$"
    )),
    request_body = PlaceOrderBody,
    security(("bearer" = [])),
    responses(
        (
            status = 201, description = "The confirmed order", body = Order,
            headers(
                ("Location" = String, description = "`/orders/{id}`"),
                ("Idempotent-Replayed" = String, description = "`true` on the stored answer to a retry")
            )
        ),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 429, response = TooManyRequests),
    )
)]
async fn place_order(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    IdempotencyKeyHeader(key): IdempotencyKeyHeader,
    JsonBody(body): JsonBody<PlaceOrderBody>,
) -> Result<OrderReply, ApiError> {
    let receipt = state
        .orders()
        .place_order(user, key, body.drop_id, body.qty)
        .await?;
    crate::telemetry::record_order(&receipt);
    Ok(OrderReply(receipt))
}

/// One of the caller's orders.
#[utoipa::path(
    get,
    path = "/orders/{id}", operation_id = "get_order",
    tag = "orders",
    params(("id" = uuid::Uuid, Path, description = "The order")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The order", body = Order),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 429, response = TooManyRequests),
    )
)]
async fn order(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    PathId(id): PathId<OrderId>,
) -> Result<Json<Order>, ApiError> {
    Ok(Json(state.orders().order(user, id).await?))
}

/// Cancels one of the caller's orders; its stock goes back once. Cancelling again is
/// `200` with `changed: false`.
#[utoipa::path(
    post,
    path = "/orders/{id}/cancel", operation_id = "cancel_order",
    tag = "orders",
    params(("id" = uuid::Uuid, Path, description = "The order")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The cancelled order, and whether this call cancelled it", body = Cancellation),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 429, response = TooManyRequests),
    )
)]
async fn cancel(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    PathId(id): PathId<OrderId>,
) -> Result<Json<Cancellation>, ApiError> {
    // Someone else's order reads as absent, as in `order`.
    state.orders().order(user, id).await?;
    Ok(Json(state.orders().cancel_order(user, id).await?))
}

/// The caller's orders, newest first. Another user's list is `404`.
#[utoipa::path(
    get,
    path = "/users/{id}/orders", operation_id = "list_user_orders",
    tag = "orders",
    params(("id" = uuid::Uuid, Path, description = "The caller's own user id"), PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of the caller's orders", body = Page<Order>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 429, response = TooManyRequests),
    )
)]
async fn orders_of(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    PathId(owner): PathId<UserId>,
    PageQuery(page): PageQuery,
) -> Result<Json<Page<Order>>, ApiError> {
    only_owner(caller, owner)?;
    Ok(Json(state.orders().orders_of(owner, page).await?))
}
