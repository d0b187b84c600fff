//! Bad input, table-driven: every malformed request gets a 4xx problem+json with a stable
//! code, none a 5xx, and none changes anything.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use chrono::{TimeDelta, Utc};
use livedrop_adapters::memory::{MemoryBackend, MemoryConfig};
use livedrop_core::domain::StockPlan;
use livedrop_core::ports::{BucketPolicy, RateLimits};
use livedrop_server::AppState;
use reqwest::Method;
use serde_json::json;

use support::{access_token, seed_drop, send, serve, window_from};

/// One bad request and the problem it must get.
struct Case {
    name: &'static str,
    method: Method,
    path: String,
    content_type: Option<&'static str>,
    idempotency_key: Option<String>,
    body: Option<String>,
    status: u16,
    code: &'static str,
}

fn case(name: &'static str, method: Method, path: impl Into<String>) -> Case {
    Case {
        name,
        method,
        path: path.into(),
        content_type: None,
        idempotency_key: None,
        body: None,
        status: 400,
        code: "",
    }
}

impl Case {
    fn json(mut self, body: impl Into<String>) -> Self {
        self.content_type = Some("application/json");
        self.body = Some(body.into());
        self
    }
    fn key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }
    fn content_type(mut self, content_type: &'static str) -> Self {
        self.content_type = Some(content_type);
        self
    }
    fn expect(mut self, status: u16, code: &'static str) -> Self {
        self.status = status;
        self.code = code;
        self
    }
}

#[tokio::test]
async fn every_bad_request_is_a_4xx_problem_and_changes_nothing() {
    // Room for every case in the order class's bucket: the limiter answers before the
    // handler, and this test is about the handler's answers.
    let rate_limits = RateLimits {
        order: BucketPolicy::per_second(1_000, 1_000),
        ..RateLimits::default()
    };
    let backend = MemoryBackend::new(MemoryConfig {
        rate_limits,
        ..MemoryConfig::default()
    });
    let state = AppState::new(backend.ports());
    let (owner, drop) = seed_drop(
        &state,
        window_from(Utc::now() - TimeDelta::minutes(1)),
        StockPlan::new(10, 2, None).unwrap(),
    )
    .await;
    state.scheduler().tick().await.unwrap();
    let token = access_token(&state, owner);
    let base = serve(state.clone()).await;
    let d = drop.id;
    let p = drop.product_id;
    let order = |qty: &str| format!(r#"{{"dropId":"{d}","qty":{qty}}}"#);
    let huge = format!(
        r#"{{"dropId":"{d}","qty":1,"pad":"{}"}}"#,
        "x".repeat(100_000)
    );

    let cases = vec![
        case("malformed JSON", Method::POST, "/orders")
            .key("k-1")
            .json("{\"dropId\":")
            .expect(400, "invalid_json"),
        case("not JSON at all", Method::POST, "/orders")
            .key("k-1")
            .json("qty=1")
            .expect(400, "invalid_json"),
        case("oversized body", Method::POST, "/orders")
            .key("k-1")
            .json(huge)
            .expect(413, "payload_too_large"),
        case("wrong type", Method::POST, "/orders")
            .key("k-1")
            .json(order("\"two\""))
            .expect(400, "invalid_body"),
        case("quantity zero", Method::POST, "/orders")
            .key("k-1")
            .json(order("0"))
            .expect(400, "invalid_body"),
        case("missing field", Method::POST, "/orders")
            .key("k-1")
            .json(format!(r#"{{"dropId":"{d}"}}"#))
            .expect(400, "invalid_body"),
        case("unknown field", Method::POST, "/orders")
            .key("k-1")
            .json(format!(r#"{{"dropId":"{d}","qty":1,"price":0}}"#))
            .expect(400, "invalid_body"),
        case("array body", Method::POST, "/orders")
            .key("k-1")
            .json("[1,2]")
            .expect(400, "invalid_body"),
        case("bad id in body", Method::POST, "/orders")
            .key("k-1")
            .json(r#"{"dropId":"nope","qty":1}"#)
            .expect(400, "invalid_body"),
        case("wrong content type", Method::POST, "/orders")
            .key("k-1")
            .content_type("text/plain")
            .expect(415, "unsupported_media_type"),
        case("no body, no content type", Method::POST, "/follow")
            .expect(415, "unsupported_media_type"),
        case("empty JSON body", Method::POST, "/follow")
            .json("")
            .expect(400, "invalid_json"),
        case("missing Idempotency-Key", Method::POST, "/orders")
            .json(order("1"))
            .expect(400, "invalid_idempotency_key"),
        case("empty Idempotency-Key", Method::POST, "/orders")
            .key("")
            .json(order("1"))
            .expect(400, "invalid_idempotency_key"),
        case("oversized Idempotency-Key", Method::POST, "/orders")
            .key("k".repeat(1_000))
            .json(order("1"))
            .expect(400, "invalid_idempotency_key"),
        case("bad id in path", Method::GET, "/drops/not-a-uuid").expect(400, "invalid_id"),
        case("bad order id", Method::GET, "/orders/123").expect(400, "invalid_id"),
        case("bad user id", Method::GET, "/users/me/orders").expect(400, "invalid_id"),
        case("bad creator id", Method::DELETE, "/follow/someone").expect(400, "invalid_id"),
        case(
            "bad check ids",
            Method::GET,
            "/follow/check?userId=a&creatorId=b",
        )
        .expect(400, "invalid_id"),
        case("bad cursor", Method::GET, "/browse/drops?cursor=zzz").expect(400, "invalid_cursor"),
        case("limit too big", Method::GET, "/browse/drops?limit=1000").expect(400, "invalid_limit"),
        case(
            "limit not a number",
            Method::GET,
            "/api/notifications?limit=ten",
        )
        .expect(400, "invalid_limit"),
        case("unknown status", Method::GET, "/browse/drops?status=soon")
            .expect(400, "invalid_status"),
        case("products without creator", Method::GET, "/browse/products")
            .expect(400, "invalid_query"),
        case("drop ends before it starts", Method::POST, "/drops")
            .json(
                json!({"productId": p, "startAt": "2030-01-02T00:00:00Z",
                "endAt": "2030-01-01T00:00:00Z", "initialStock": 5, "lowStockThreshold": 1})
                .to_string(),
            )
            .expect(400, "start_not_before_end"),
        case("threshold above stock", Method::POST, "/drops")
            .json(
                json!({"productId": p, "startAt": "2030-01-01T00:00:00Z",
                "endAt": "2030-01-02T00:00:00Z", "initialStock": 5, "lowStockThreshold": 9})
                .to_string(),
            )
            .expect(400, "low_stock_threshold_out_of_range"),
        case("bad timestamp", Method::POST, "/drops")
            .json(
                json!({"productId": p, "startAt": "tomorrow",
                "endAt": "2030-01-02T00:00:00Z", "initialStock": 5, "lowStockThreshold": 1})
                .to_string(),
            )
            .expect(400, "invalid_body"),
        case("negative price", Method::POST, "/products")
            .json(
                json!({"creatorId": drop.creator_id, "title": "Hat", "description": "",
                "priceCents": -1, "currencyCode": "EUR"})
                .to_string(),
            )
            .expect(400, "invalid_body"),
        case("unknown currency", Method::POST, "/products")
            .json(
                json!({"creatorId": drop.creator_id, "title": "Hat", "description": "",
                "priceCents": 1, "currencyCode": "XYZ"})
                .to_string(),
            )
            .expect(400, "invalid_body"),
        case("bad handle", Method::POST, "/api/creators")
            .json(r#"{"displayName":"X","handle":"no spaces allowed"}"#)
            .expect(400, "invalid_body"),
        case(
            "unsupported image type",
            Method::POST,
            format!("/api/products/{p}/images"),
        )
        .json(r#"{"contentType":"image/tiff"}"#)
        .expect(400, "invalid_body"),
        case("unknown route", Method::GET, "/nowhere").expect(404, "not_found"),
        case("wrong method", Method::PUT, "/orders").expect(405, "method_not_allowed"),
    ];

    let http = reqwest::Client::new();
    let mut failures = Vec::new();
    for case in &cases {
        let mut request = http
            .request(case.method.clone(), format!("{base}{}", case.path))
            .bearer_auth(&token);
        if let Some(content_type) = case.content_type {
            request = request.header("content-type", content_type);
        }
        if let Some(key) = &case.idempotency_key {
            request = request.header("idempotency-key", key);
        }
        if let Some(body) = &case.body {
            request = request.body(body.clone());
        }
        let answer = send(request).await;
        let ok = answer.status == case.status
            && answer.content_type == "application/problem+json"
            && answer.code() == case.code
            && answer.body["status"] == case.status;
        if !ok {
            failures.push(format!(
                "{}: expected {} {}, got {} {} {}",
                case.name, case.status, case.code, answer.status, answer.content_type, answer.body
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // Nothing was bought, created or followed.
    let stock = state.ports().ledger.stock(drop.id).await.unwrap();
    assert_eq!(stock.available, 10);
    let products = state
        .browse()
        .products_of(drop.creator_id, Default::default())
        .await
        .unwrap();
    assert_eq!(products.items.len(), 1);
    let orders = state
        .orders()
        .orders_of(owner, Default::default())
        .await
        .unwrap();
    assert!(orders.items.is_empty());
}
