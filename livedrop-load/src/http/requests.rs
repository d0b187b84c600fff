//! [`Requests`]: the two requests of the HTTP modes, built once (body bytes, URIs, header
//! values) so each send only clones reference-counted parts and makes a fresh key.

use std::sync::atomic::{AtomicUsize, Ordering};

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST, HeaderName, HeaderValue, USER_AGENT};
use hyper::{Method, Uri};
use livedrop_core::domain::Quantity;
use livedrop_core::ids::DropId;
use livedrop_core::wire::PlaceOrderBody;
use uuid::Uuid;

use super::connection::OneShot;
use crate::Error;

/// The header orders carry their key in.
const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
/// What the tool calls itself, as the livedrop client does.
const AGENT: &str = concat!("livedrop-load/", env!("CARGO_PKG_VERSION"));

/// An order as sent: which buyer's token it carried and its key, for asking again about
/// it should the answer be lost.
#[derive(Clone, Copy, Debug)]
pub struct OrderSent {
    /// The buyer (an index into the tokens, and into the buyers' clients).
    pub buyer: usize,
    /// Its `Idempotency-Key`.
    pub key: Uuid,
}

/// The pre-built parts of `POST /orders` and `GET /api/drops/{id}` for one drop.
#[derive(Debug)]
pub struct Requests {
    host: HeaderValue,
    agent: HeaderValue,
    json: HeaderValue,
    orders: Uri,
    cached_drop: Uri,
    order_body: Bytes,
    /// `Bearer <access token>`, one per buyer.
    bearers: Vec<HeaderValue>,
    /// The next order's buyer: orders rotate over all of them, whichever worker sends.
    next_buyer: AtomicUsize,
}

impl Requests {
    /// Requests to `host` (`127.0.0.1:8080`) about `drop`, orders signed with
    /// `access_tokens` in turn.
    ///
    /// # Errors
    /// A host or token that is not a valid header value.
    pub fn new(host: &str, drop: DropId, access_tokens: &[String]) -> Result<Self, Error> {
        let body = PlaceOrderBody {
            drop_id: drop,
            qty: Quantity::try_from(1_i64)?,
        };
        let bearers = access_tokens
            .iter()
            .map(|token| HeaderValue::try_from(format!("Bearer {token}")))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            host: HeaderValue::try_from(host)?,
            agent: HeaderValue::from_static(AGENT),
            json: HeaderValue::from_static("application/json"),
            orders: Uri::from_static("/orders"),
            cached_drop: Uri::try_from(format!("/api/drops/{drop}"))?,
            order_body: Bytes::from(serde_json::to_vec(&body)?),
            bearers,
            next_buyer: AtomicUsize::new(0),
        })
    }

    /// `POST /orders {dropId, qty: 1}` with the next buyer's token and a fresh key;
    /// `None` without buyers.
    pub fn order(&self) -> Option<(OneShot, OrderSent)> {
        let buyer = self.next_buyer.fetch_add(1, Ordering::Relaxed) % self.bearers.len().max(1);
        let bearer = self.bearers.get(buyer)?.clone();
        let key = Uuid::new_v4();
        let mut text = Uuid::encode_buffer();
        // A hyphenated UUID is 36 visible ASCII characters: always a valid header value.
        let key_value = HeaderValue::from_str(key.hyphenated().encode_lower(&mut text)).ok()?;
        let mut request = self.request(Method::POST, &self.orders, self.order_body.clone());
        let headers = request.headers_mut();
        headers.insert(CONTENT_TYPE, self.json.clone());
        headers.insert(AUTHORIZATION, bearer);
        headers.insert(IDEMPOTENCY_KEY, key_value);
        Some((request, OrderSent { buyer, key }))
    }

    /// `GET /api/drops/{id}`, anonymous: a public page's read (the per-address read
    /// limit applies, which each worker's own address spreads).
    pub fn read(&self) -> OneShot {
        self.request(Method::GET, &self.cached_drop, Bytes::new())
    }

    fn request(&self, method: Method, uri: &Uri, body: Bytes) -> OneShot {
        let mut request = OneShot::new(Full::new(body));
        *request.method_mut() = method;
        *request.uri_mut() = uri.clone();
        let headers = request.headers_mut();
        // hyper's connection API sends the request as given: HTTP/1.1 wants a Host.
        headers.insert(HOST, self.host.clone());
        headers.insert(USER_AGENT, self.agent.clone());
        request
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_rotate_buyers_with_fresh_keys() {
        let drop = DropId::new();
        let tokens = ["a".to_owned(), "b".to_owned()];
        let requests = Requests::new("127.0.0.1:9", drop, &tokens).unwrap();
        let (first, sent) = requests.order().unwrap();
        let (_, second) = requests.order().unwrap();
        let (_, third) = requests.order().unwrap();
        assert_eq!((sent.buyer, second.buyer, third.buyer), (0, 1, 0));
        assert_ne!(sent.key, third.key);
        assert_eq!(first.headers()[AUTHORIZATION], "Bearer a");
        assert_eq!(first.uri(), "/orders");
        let read = requests.read();
        assert_eq!(read.uri().to_string(), format!("/api/drops/{drop}"));
        assert_eq!(read.headers()[HOST], "127.0.0.1:9");
    }

    #[test]
    fn no_buyers_no_orders() {
        let requests = Requests::new("h", DropId::new(), &[]).unwrap();
        assert!(requests.order().is_none());
    }
}
