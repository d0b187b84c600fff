//! One order's trace across the pipeline: the binary, built with `otel`, on PostgreSQL and
//! Kafka, exports its spans over OTLP/HTTP to a collector this test runs. An order sent
//! with a caller's `traceparent` must show up as one trace: the request (the caller's
//! child), the ledger (the request's child), the outbox relay (the ledger's child: the
//! context crossed the outbox table) and each consumer group's handling (the relay's
//! children: it crossed a Kafka header).
#![cfg(all(feature = "otel", feature = "postgres", feature = "kafka"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../livedrop-adapters/tests/support/mod.rs"]
mod backends;
mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use chrono::{TimeDelta, Utc};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use prost::Message;
use serde_json::{Value, json};
use sqlx::Connection;

use support::binary::{ready, start, terminate};
use support::inbox::Inbox;
use support::over_http::{created, post_as, sign_up, wait_until_live};
use support::send;

/// A span as the collector received it.
#[derive(Clone, Debug)]
struct Received {
    name: String,
    trace_id: String,
    span_id: String,
    parent_span_id: String,
    attributes: HashMap<String, String>,
}

type Spans = Arc<Mutex<Vec<Received>>>;

/// An OTLP/HTTP collector (protobuf) on a free port: its endpoint and what it received.
async fn collector() -> (String, Spans) {
    let spans = Spans::default();
    let app = axum::Router::new()
        .route("/v1/traces", post(receive))
        .with_state(spans.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (endpoint, spans)
}

async fn receive(State(spans): State<Spans>, body: Bytes) -> Vec<u8> {
    let request = ExportTraceServiceRequest::decode(body).expect("an OTLP trace export");
    let mut received = spans.lock().unwrap();
    for span in request
        .resource_spans
        .into_iter()
        .flat_map(|r| r.scope_spans)
        .flat_map(|s| s.spans)
    {
        let attributes = span
            .attributes
            .into_iter()
            .filter_map(|kv| match kv.value?.value? {
                AnyValue::StringValue(text) => Some((kv.key, text)),
                _ => None,
            })
            .collect();
        received.push(Received {
            name: span.name,
            trace_id: lower_hex(&span.trace_id),
            span_id: lower_hex(&span.span_id),
            parent_span_id: lower_hex(&span.parent_span_id),
            attributes,
        });
    }
    // An empty ExportTraceServiceResponse.
    Vec::new()
}

fn lower_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A database of the test's own (the binary has no schema setting, and another test's
/// server relaying this outbox would export its spans elsewhere); its URL.
async fn fresh_database(url: &str) -> String {
    let name = format!("t_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::PgConnection::connect(url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .unwrap();
    let (path, query) = url
        .split_once('?')
        .map_or((url, None), |(p, q)| (p, Some(q)));
    let (server, _) = path.rsplit_once('/').unwrap();
    match query {
        Some(query) => format!("{server}/{name}?{query}"),
        None => format!("{server}/{name}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_orders_trace_spans_request_ledger_relay_and_both_consumers() {
    let (database, brokers) = match (
        backends::postgres::database_url().await,
        backends::kafka::brokers().await,
    ) {
        (Ok(database), Ok(brokers)) => (database, brokers),
        (Err(why), _) | (_, Err(why)) => {
            backends::missing("PostgreSQL and Kafka", &why);
            return;
        }
    };
    let (endpoint, spans) = collector().await;
    let test = uuid::Uuid::new_v4().simple().to_string();
    let (running, base) = start(&[
        ("LIVEDROP_DATABASE_URL", fresh_database(&database).await),
        ("LIVEDROP_KAFKA_BROKERS", brokers),
        ("LIVEDROP_KAFKA_TOPIC", format!("livedrop.test.{test}")),
        (
            "LIVEDROP_KAFKA_GROUP_PREFIX",
            format!("livedrop.test.{test}."),
        ),
        ("LIVEDROP_OTLP_ENDPOINT", endpoint),
        ("LIVEDROP_NO_RATE_LIMITS", "1".to_owned()),
        // Export every 100 ms rather than every 5 s.
        ("OTEL_BSP_SCHEDULE_DELAY", "100".to_owned()),
    ]);
    ready(&base).await;
    let inbox = Inbox::Dir(running.mail_dir().to_owned());

    let http = reqwest::Client::new();
    let post = |path: &str, token: &str, body: Value| post_as(&http, &base, path, token, body);
    let owner = sign_up(&http, &base, &inbox, "maker").await.token;
    let creator = created(
        send(post(
            "/api/creators",
            &owner,
            json!({ "displayName": "The Maker", "handle": format!("m{}", &test[..12]) }),
        ))
        .await,
    );
    let product = created(
        send(post(
            "/products",
            &owner,
            json!({
                "creatorId": creator["id"], "title": "Traced Sneaker",
                "description": "One run", "priceCents": 9000, "currencyCode": "EUR"
            }),
        ))
        .await,
    );
    let start_at = Utc::now() + TimeDelta::milliseconds(500);
    let drop = created(
        send(post(
            "/drops",
            &owner,
            json!({
                "productId": product["id"], "startAt": start_at,
                "endAt": start_at + TimeDelta::hours(1), "initialStock": 10,
                "lowStockThreshold": 0
            }),
        ))
        .await,
    );
    let drop_id = drop["id"].as_str().unwrap().to_owned();
    let buyer = sign_up(&http, &base, &inbox, "buyer").await.token;
    wait_until_live(&http, &base, &drop_id).await;

    // The caller's trace: the request span must be its child.
    let trace_id = uuid::Uuid::new_v4().simple().to_string();
    let caller_span = &uuid::Uuid::new_v4().simple().to_string()[..16];
    let order = created(
        send(
            post("/orders", &buyer, json!({ "dropId": drop_id, "qty": 1 }))
                .header("idempotency-key", "traced-order")
                .header("traceparent", format!("00-{trace_id}-{caller_span}-01")),
        )
        .await,
    );
    let order_id = order["id"].as_str().unwrap().to_owned();

    // Both consumer groups handled it once their spans arrive.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let trace = loop {
        let trace: Vec<Received> = spans
            .lock()
            .unwrap()
            .iter()
            .filter(|span| span.trace_id == trace_id)
            .cloned()
            .collect();
        let consumed = trace.iter().filter(|s| s.name == "consume").count();
        if consumed >= 2 || tokio::time::Instant::now() > deadline {
            break trace;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let logged = terminate(running);
    let named =
        |name: &str| -> Vec<&Received> { trace.iter().filter(|s| s.name == name).collect() };
    let names: Vec<&str> = trace.iter().map(|s| s.name.as_str()).collect();

    let [request] = named("request")[..] else {
        panic!("one request span in the trace, got {names:?}; logged:\n{logged}");
    };
    assert_eq!(request.parent_span_id, caller_span, "the caller's child");
    assert_eq!(request.attributes["path"], "/orders");

    let [ledger] = named("ledger.place_order")[..] else {
        panic!("one ledger span, got {names:?}");
    };
    assert_eq!(
        ledger.parent_span_id, request.span_id,
        "the request's child"
    );
    assert_eq!(ledger.attributes["order.id"], order_id);
    assert_eq!(ledger.attributes["outcome"], "confirmed");

    // The order's `order.confirmed` crossed the outbox: the relay span is the ledger's child.
    let relayed = named("outbox.relay");
    let confirmed = relayed
        .iter()
        .find(|s| s.attributes["event.kind"] == "order.confirmed")
        .unwrap_or_else(|| panic!("the order.confirmed relay span, got {names:?}"));
    assert_eq!(
        confirmed.parent_span_id, ledger.span_id,
        "the ledger's child"
    );
    assert!(relayed.iter().all(|s| s.parent_span_id == ledger.span_id));

    // And the Kafka header: each group's span is a relay span's child.
    let consumed = named("consume");
    let mut groups: Vec<&str> = consumed
        .iter()
        .filter(|s| s.parent_span_id == confirmed.span_id)
        .map(|s| s.attributes["messaging.consumer.group.name"].as_str())
        .collect();
    groups.sort_unstable();
    assert_eq!(groups.len(), 2, "both groups consumed it: {consumed:?}");
    assert_ne!(groups[0], groups[1]);
    assert!(
        consumed
            .iter()
            .all(|s| relayed.iter().any(|r| r.span_id == s.parent_span_id)),
        "every consumer span hangs off a relay span"
    );
}
