//! `/openapi.json` and `/docs` over real HTTP: the document is OpenAPI 3.1, lists exactly
//! the routes the router serves, its schemas describe the JSON the server sends, and the
//! docs page loads nothing from other hosts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeSet;

use chrono::{TimeDelta, Utc};
use livedrop_adapters::memory::MemoryBackend;
use livedrop_core::domain::StockPlan;
use livedrop_server::AppState;
use livedrop_server::background::{Background, BackgroundConfig};
use serde_json::{Value, json};
use uuid::Uuid;

use support::schema::{assert_conforms, mismatches, operations, success_schema};
use support::{access_token, register_user, seed_drop, send, serve, window_from};

/// Every route the server has, as the design and the route files name them. A route added
/// to the router without documentation, or documented without a route, fails
/// `the_document_lists_exactly_the_routes_the_router_serves`.
const ROUTES: &[(&str, &str)] = &[
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("GET", "/drops/{id}"),
    ("GET", "/browse/drops"),
    ("GET", "/browse/products"),
    ("GET", "/api/creators/{id}"),
    ("GET", "/api/products/{id}"),
    ("GET", "/api/drops/{id}"),
    ("POST", "/api/creators"),
    ("POST", "/products"),
    ("POST", "/drops"),
    ("POST", "/api/products/{id}/images"),
    ("PUT", "/api/products/{id}/images"),
    ("GET", "/api/creators/{id}/drops"),
    ("GET", "/users/{id}/creator"),
    ("GET", "/api/creators/{id}/follower-count"),
    ("GET", "/creators/{id}/followers"),
    ("GET", "/follow/check"),
    ("POST", "/follow"),
    ("DELETE", "/follow/{id}"),
    ("GET", "/users/{id}/following"),
    ("GET", "/api/notifications"),
    ("POST", "/api/notifications/read"),
    ("GET", "/api/notifications/unread"),
    ("POST", "/orders"),
    ("GET", "/orders/{id}"),
    ("POST", "/orders/{id}/cancel"),
    ("GET", "/users/{id}/orders"),
    ("GET", "/api/realtime/events"),
    ("GET", "/api/drops/{id}/events"),
    ("POST", "/api/auth/register"),
    ("POST", "/api/auth/register/confirm"),
    ("POST", "/api/auth/login"),
    ("POST", "/api/auth/refresh"),
    ("POST", "/api/auth/logout"),
    ("GET", "/api/auth/me"),
    ("GET", "/api/realtime/token"),
    ("POST", "/api/auth/web/register"),
    ("POST", "/api/auth/web/register/confirm"),
    ("POST", "/api/auth/web/login"),
    ("POST", "/api/auth/web/refresh"),
    ("POST", "/api/auth/web/logout"),
    ("PUT", "/media/{key}"),
    ("GET", "/media/{key}"),
];

async fn document(base: &str) -> Value {
    let answer = send(reqwest::Client::new().get(format!("{base}/openapi.json"))).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert!(answer.content_type.starts_with("application/json"));
    answer.body
}

#[tokio::test]
async fn the_document_is_openapi_3_1_with_a_bearer_scheme() {
    let base = serve(AppState::new(MemoryBackend::default().ports())).await;
    let doc = document(&base).await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{doc}");
    let bearer = &doc["components"]["securitySchemes"]["bearer"];
    assert_eq!(
        (&bearer["type"], &bearer["scheme"]),
        (&json!("http"), &json!("bearer"))
    );
    // Every reference resolves, and every operation has a tag and a problem response.
    let text = doc.to_string();
    for reference in text.split("\"$ref\":\"#").skip(1) {
        let pointer = &reference[..reference.find('"').unwrap()];
        assert!(doc.pointer(pointer).is_some(), "unresolved $ref #{pointer}");
    }
    let problem = &doc["components"]["responses"]["NotFound"]["content"];
    assert!(
        problem.get("application/problem+json").is_some(),
        "{problem}"
    );
    let order = &doc["paths"]["/orders"]["post"];
    assert_eq!(order["security"], json!([{ "bearer": [] }]));
    let params: Vec<&str> = order["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(params, ["Idempotency-Key", "x-request-id"]);
}

/// What the server applies to every route is in every operation: `413` and `415` wherever a
/// JSON body is read, `X-Request-Id` sent and answered everywhere, the RateLimit headers on
/// every rate-limited route's answers.
#[tokio::test]
async fn every_operation_states_what_every_route_shares() {
    let base = serve(AppState::new(MemoryBackend::default().ports())).await;
    let doc = document(&base).await;
    for (method, path) in operations(&doc) {
        let operation = &doc["paths"][&path][method.to_lowercase()];
        let name = format!("{method} {path}");
        let responses = operation["responses"].as_object().unwrap();
        if operation["requestBody"]["content"]
            .get("application/json")
            .is_some()
        {
            for status in ["413", "415"] {
                assert!(responses.contains_key(status), "{name} lacks {status}");
            }
        }
        let sends_id = operation["parameters"]
            .as_array()
            .is_some_and(|p| p.iter().any(|p| p["name"] == "x-request-id"));
        assert!(sends_id, "{name} does not take X-Request-Id");
        for (status, response) in responses {
            if response.get("$ref").is_some() {
                continue;
            }
            let headers = &response["headers"];
            assert!(
                headers.get("x-request-id").is_some(),
                "{name} {status} does not carry X-Request-Id"
            );
            if responses.contains_key("429") {
                for header in ["RateLimit", "RateLimit-Policy"] {
                    assert!(
                        headers.get(header).is_some(),
                        "{name} {status} lacks {header}"
                    );
                }
            }
        }
    }
}

/// Each stream's frames have one schema per event type, told apart by `event`.
#[tokio::test]
async fn the_event_streams_describe_each_event_type() {
    let base = serve(AppState::new(MemoryBackend::default().ports())).await;
    let doc = document(&base).await;
    let kinds = |schema: &str| -> Vec<String> {
        doc["components"]["schemas"][schema]["oneOf"]
            .as_array()
            .unwrap_or_else(|| panic!("{schema} is not one of several frames"))
            .iter()
            .map(|frame| {
                let event = &frame["properties"]["event"];
                event["enum"][0]
                    .as_str()
                    .or_else(|| event["pattern"].as_str())
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    assert_eq!(
        kinds("UserStreamFrame"),
        ["open", "reset", "reconnect", r"^[a-z_]+\.[a-z_]+$"]
    );
    assert_eq!(kinds("DropStreamFrame"), ["stock", "reconnect"]);
    let stream = &doc["paths"]["/api/realtime/events"]["get"]["responses"]["200"]["content"];
    assert_eq!(
        stream["text/event-stream"]["schema"]["$ref"],
        "#/components/schemas/UserStreamFrame"
    );
}

#[tokio::test]
async fn the_document_lists_exactly_the_routes_the_router_serves() {
    let base = serve(AppState::new(MemoryBackend::default().ports())).await;
    let documented = operations(&document(&base).await);
    let expected: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(method, path)| ((*method).to_owned(), (*path).to_owned()))
        .collect();
    assert_eq!(
        documented, expected,
        "documented routes differ from the server's"
    );

    // Each documented operation reaches a handler: not the 404 of an unknown path nor the
    // 405 of a known path with another method.
    let http = reqwest::Client::new();
    for (method, path) in &documented {
        let mut concrete = String::new();
        for (i, segment) in path.split(['{', '}']).enumerate() {
            // Odd pieces are template names.
            concrete.push_str(&if i % 2 == 1 {
                Uuid::new_v4().to_string()
            } else {
                segment.to_owned()
            });
        }
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let answer = send(http.request(method.clone(), format!("{base}{concrete}"))).await;
        assert_ne!(answer.status, 405, "{method} {concrete}: {answer:?}");
        assert!(
            !(answer.status == 404 && answer.body["detail"] == "no route serves this path"),
            "{method} {concrete} is documented but not routed: {answer:?}"
        );
    }
}

#[tokio::test]
async fn the_docs_page_loads_only_from_this_server() {
    let base = serve(AppState::new(MemoryBackend::default().ports())).await;
    let http = reqwest::Client::new();
    let page = http.get(format!("{base}/docs")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let url = page.url().clone();
    let content_type = page.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "{html}");
    // The page's own resources, and Swagger UI's start-up script with the document's URL.
    let mut assets: Vec<String> = ["src=\"", "href=\""]
        .iter()
        .flat_map(|attribute| html.split(attribute).skip(1))
        .map(|rest| rest[..rest.find('"').unwrap()].to_owned())
        .collect();
    assert!(!assets.is_empty(), "{html}");
    assets.push("swagger-initializer.js".to_owned());
    for asset in assets {
        assert!(
            !asset.contains("://"),
            "{asset} is loaded from another host"
        );
        let asset_url = url.join(&asset).unwrap();
        let answer = http.get(asset_url.clone()).send().await.unwrap();
        assert_eq!(answer.status(), 200, "{asset_url}");
        let text = answer.text().await.unwrap();
        if asset.ends_with("initializer.js") {
            assert!(text.contains("/openapi.json"), "{text}");
            assert!(
                !text.contains("https://") && !text.contains("http://"),
                "{text}"
            );
        }
    }
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "{html}"
    );
}

#[tokio::test]
async fn the_schemas_describe_the_json_the_server_sends() {
    let state = AppState::new(MemoryBackend::default().ports());
    let (owner, drop) = seed_drop(
        &state,
        window_from(Utc::now() - TimeDelta::minutes(1)),
        StockPlan::new(5, 4, Some(3)).unwrap(),
    )
    .await;
    state.scheduler().tick().await.unwrap();
    // The relay and consumer put the order's events in the buyer's inbox.
    let background = Background::spawn(&state, BackgroundConfig::default());
    let buyer = register_user(&state).await;
    let token = access_token(&state, buyer);
    let base = serve(state.clone()).await;
    let doc = document(&base).await;
    if let Ok(path) = std::env::var("LIVEDROP_DUMP_OPENAPI") {
        std::fs::write(path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    }
    let http = reqwest::Client::new();

    let order = send(
        http.post(format!("{base}/orders"))
            .bearer_auth(&token)
            .header("idempotency-key", "schema-check")
            .json(&json!({ "dropId": drop.id, "qty": 2 })),
    )
    .await;
    assert_eq!(order.status, 201, "{order:?}");
    assert_conforms(&doc, "post", "/orders", &order.body);
    // The check is not vacuous: a snake_case member or a wrong type is caught.
    let schema = success_schema(&doc, "post", "/orders");
    let mut renamed = order.body.clone();
    let drop_id = renamed.as_object_mut().unwrap().remove("dropId").unwrap();
    renamed["drop_id"] = drop_id;
    let found = mismatches(&doc, schema, &renamed);
    assert!(
        found
            .iter()
            .any(|m| m.contains("\"dropId\"") && m.contains("required")),
        "the missing member: {found:?}"
    );
    assert!(
        found
            .iter()
            .any(|m| m.contains("\"drop_id\" is not in the schema")),
        "the unknown member: {found:?}"
    );
    let mut retyped = order.body.clone();
    retyped["qty"] = json!("2");
    assert!(!mismatches(&doc, schema, &retyped).is_empty());
    // Formats and bounds too, which a type check alone would let through.
    let mut malformed = order.body.clone();
    malformed["createdAt"] = json!("yesterday");
    malformed["qty"] = json!(0);
    let found = mismatches(&doc, schema, &malformed);
    assert!(
        found.iter().any(|m| m.starts_with("/createdAt")),
        "the date-time format: {found:?}"
    );
    assert!(
        found.iter().any(|m| m.starts_with("/qty")),
        "the quantity's minimum: {found:?}"
    );
    let id = order.body["id"].as_str().unwrap();

    let reads = [
        ("/drops/{id}", format!("/drops/{}", drop.id)),
        ("/api/drops/{id}", format!("/api/drops/{}", drop.id)),
        (
            "/api/products/{id}",
            format!("/api/products/{}", drop.product_id),
        ),
        (
            "/api/creators/{id}",
            format!("/api/creators/{}", drop.creator_id),
        ),
        ("/orders/{id}", format!("/orders/{id}")),
        ("/users/{id}/orders", format!("/users/{buyer}/orders")),
        ("/browse/drops", "/browse/drops".to_owned()),
        (
            "/browse/products",
            format!("/browse/products?creatorId={}", drop.creator_id),
        ),
        ("/healthz", "/healthz".to_owned()),
        ("/readyz", "/readyz".to_owned()),
    ];
    for (path, url) in reads {
        let answer = send(http.get(format!("{base}{url}")).bearer_auth(&token)).await;
        assert_eq!(answer.status, 200, "{url}: {answer:?}");
        assert_conforms(&doc, "get", path, &answer.body);
    }

    let cancel = send(
        http.post(format!("{base}/orders/{id}/cancel"))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(cancel.status, 200, "{cancel:?}");
    assert!(cancel.body["order"]["cancelledAt"].is_string());
    assert_conforms(&doc, "post", "/orders/{id}/cancel", &cancel.body);

    let image = send(
        http.post(format!("{base}/api/products/{}/images", drop.product_id))
            .bearer_auth(access_token(&state, owner))
            .json(&json!({ "contentType": "image/png" })),
    )
    .await;
    assert_eq!(image.status, 201, "{image:?}");
    assert_conforms(&doc, "post", "/api/products/{id}/images", &image.body);

    // The buyer's inbox holds events (order confirmed, cancelled) once the pipeline ran.
    let mut inbox = Value::Null;
    for _ in 0..50 {
        let answer = send(
            http.get(format!("{base}/api/notifications"))
                .bearer_auth(&token),
        )
        .await;
        inbox = answer.body;
        if inbox["items"]
            .as_array()
            .is_some_and(|items| !items.is_empty())
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(!inbox["items"].as_array().unwrap().is_empty(), "{inbox}");
    assert_conforms(&doc, "get", "/api/notifications", &inbox);
    let mut renamed = inbox.clone();
    let payload = &mut renamed["items"][0]["event"]["payload"];
    let (name, value) = payload.as_object().unwrap().iter().next().unwrap();
    let (name, value) = (name.clone(), value.clone());
    payload[format!("{name}_")] = value;
    let schema = success_schema(&doc, "get", "/api/notifications");
    assert!(!mismatches(&doc, schema, &renamed).is_empty(), "{renamed}");

    // A problem, against the shared problem schema.
    let missing = send(http.get(format!("{base}/drops/{}", Uuid::new_v4()))).await;
    assert_eq!(missing.status, 404);
    let problem = json!({ "$ref": "#/components/schemas/Problem" });
    let found = mismatches(&doc, &problem, &missing.body);
    assert!(found.is_empty(), "{found:#?}");
    background.stop().await;
}
