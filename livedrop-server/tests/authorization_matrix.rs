//! Every route of the OpenAPI document, called by each kind of caller: anonymous, the owner
//! of the resources in its path, another user, and the owner of another creator. The table
//! below says who each route is for; the test reads the routes from the document, so a new
//! route fails here until it is classified. Afterwards, the owner's resources are exactly
//! as they were: a refused request changed nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use livedrop_adapters::memory::MemoryBackend;
use livedrop_core::domain::{Drop, StockPlan};
use livedrop_core::ids::UserId;
use livedrop_server::AppState;
use reqwest::Method;
use serde_json::{Value, json};

use support::schema::operations;
use support::{seed_drop, send, serve, signed_in_access_token, window_from};

/// Who a route is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in user (acting on their own behalf: their orders, follows, inbox).
    SignedIn,
    /// Only the owner of the resource the path names (the creator's owner, the order's
    /// buyer, the user in the path). Others get `403` or `404`, never the resource.
    Owner,
    /// Decided by a credential in the request itself (a password, a refresh token, a
    /// signed URL, a single-use stream token), not by the bearer: every caller gets the
    /// same answer.
    ByCredential,
}

use Access::{ByCredential, Owner, Public, SignedIn};

/// Each operation of the document and who it is for.
const TABLE: &[(&str, &str, Access)] = &[
    ("GET", "/healthz", Public),
    ("GET", "/readyz", Public),
    ("GET", "/metrics", Public),
    ("GET", "/drops/{id}", Public),
    ("GET", "/browse/drops", Public),
    ("GET", "/browse/products", Public),
    ("GET", "/api/creators/{id}", Public),
    ("GET", "/api/products/{id}", Public),
    ("GET", "/api/drops/{id}", Public),
    ("GET", "/api/creators/{id}/drops", Public),
    ("GET", "/api/creators/{id}/follower-count", Public),
    ("GET", "/api/drops/{id}/events", Public),
    ("POST", "/api/creators", SignedIn),
    ("POST", "/follow", SignedIn),
    ("DELETE", "/follow/{id}", SignedIn),
    ("GET", "/api/notifications", SignedIn),
    ("POST", "/api/notifications/read", SignedIn),
    ("GET", "/api/notifications/unread", SignedIn),
    ("POST", "/orders", SignedIn),
    ("GET", "/api/auth/me", SignedIn),
    ("GET", "/api/realtime/token", SignedIn),
    ("POST", "/products", Owner),
    ("POST", "/drops", Owner),
    ("POST", "/api/products/{id}/images", Owner),
    ("PUT", "/api/products/{id}/images", Owner),
    ("GET", "/creators/{id}/followers", Owner),
    ("GET", "/follow/check", Owner),
    ("GET", "/users/{id}/creator", Owner),
    ("GET", "/users/{id}/following", Owner),
    ("GET", "/users/{id}/orders", Owner),
    ("GET", "/orders/{id}", Owner),
    ("POST", "/orders/{id}/cancel", Owner),
    ("GET", "/api/realtime/events", ByCredential),
    ("POST", "/api/auth/register", ByCredential),
    ("POST", "/api/auth/register/confirm", ByCredential),
    ("POST", "/api/auth/login", ByCredential),
    ("POST", "/api/auth/refresh", ByCredential),
    ("POST", "/api/auth/logout", ByCredential),
    ("POST", "/api/auth/web/register", ByCredential),
    ("POST", "/api/auth/web/register/confirm", ByCredential),
    ("POST", "/api/auth/web/login", ByCredential),
    ("POST", "/api/auth/web/refresh", ByCredential),
    ("POST", "/api/auth/web/logout", ByCredential),
    ("PUT", "/media/{key}", ByCredential),
    ("GET", "/media/{key}", ByCredential),
];

/// The callers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Caller {
    Anonymous,
    Owner,
    OtherUser,
    OtherOwner,
}

/// What the owner has, which every path and body names.
struct World {
    /// One client (one connection pool) for all the matrix's calls.
    http: reqwest::Client,
    base: String,
    owner: UserId,
    drop: Drop,
    other_drop: Drop,
    order: String,
    tokens: [(Caller, Option<String>); 4],
}

impl World {
    fn token(&self, caller: Caller) -> Option<&str> {
        self.tokens
            .iter()
            .find(|(c, _)| *c == caller)
            .and_then(|(_, t)| t.as_deref())
    }

    /// The URL of `path` with its parameters naming the owner's resources.
    fn url(&self, method: &str, path: &str) -> String {
        let id = match path {
            p if p.starts_with("/users/") => self.owner.to_string(),
            p if p.contains("creators/") || p.starts_with("/follow/") => {
                self.drop.creator_id.to_string()
            }
            p if p.contains("products/") => self.drop.product_id.to_string(),
            p if p.contains("drops/") => self.drop.id.to_string(),
            p if p.starts_with("/orders/") => self.order.clone(),
            p if p.starts_with("/media/") => format!("products/{}/x.png", self.drop.product_id),
            _ => String::new(),
        };
        let path = path.replace("{id}", &id).replace("{key}", &id);
        let query = match (method, path.as_str()) {
            ("GET", "/follow/check") => {
                format!("?userId={}&creatorId={}", self.owner, self.drop.creator_id)
            }
            ("GET", "/api/realtime/events") => "?token=not-a-token".to_owned(),
            _ => String::new(),
        };
        format!("{}{path}{query}", self.base)
    }

    /// A well-formed body for the operation, naming the owner's resources.
    fn body(&self, method: &str, path: &str, n: usize) -> Option<Value> {
        let unique = format!("m{n}{}", &UserId::new().to_string()[28..]);
        Some(match (method, path) {
            ("POST", "/api/creators") => json!({ "displayName": "Someone", "handle": unique }),
            ("POST", "/follow") => json!({ "creatorId": self.drop.creator_id }),
            ("POST", "/api/notifications/read") => json!({
                "upTo": { "eventId": uuid::Uuid::now_v7(), "occurredAt": "2020-01-01T00:00:00Z" }
            }),
            ("POST", "/orders") => json!({ "dropId": self.other_drop.id, "qty": 1 }),
            ("POST", "/products") => json!({
                "creatorId": self.drop.creator_id, "title": "Knock-off", "description": "",
                "priceCents": 100, "currencyCode": "EUR"
            }),
            ("POST", "/drops") => json!({
                "productId": self.drop.product_id, "startAt": "2030-01-01T00:00:00Z",
                "endAt": "2030-01-02T00:00:00Z", "initialStock": 5, "lowStockThreshold": 1
            }),
            ("POST", "/api/products/{id}/images") => json!({ "contentType": "image/png" }),
            ("PUT", "/api/products/{id}/images") => json!({ "keys": [] }),
            ("POST", "/api/auth/register" | "/api/auth/web/register") => json!({
                "email": format!("{unique}@example.com"), "name": "Someone"
            }),
            ("POST", "/api/auth/register/confirm" | "/api/auth/web/register/confirm") => json!({
                "token": "not.a.registration-token", "password": "correct horse battery staple"
            }),
            ("POST", "/api/auth/login" | "/api/auth/web/login") => {
                json!({ "email": "nobody@example.com", "password": "not the password" })
            }
            ("POST", "/api/auth/refresh" | "/api/auth/logout") => {
                json!({ "refreshToken": "not-a-refresh-token" })
            }
            _ => return None,
        })
    }
}

/// The status of `method` `url` as `caller`; streams are cut once their status is in.
async fn status_of(world: &World, caller: Caller, method: &str, path: &str, n: usize) -> u16 {
    let mut request = world
        .http
        .request(
            Method::from_bytes(method.as_bytes()).unwrap(),
            world.url(method, path),
        )
        .header("Idempotency-Key", format!("matrix-{n}-{caller:?}"))
        .timeout(Duration::from_secs(10));
    if let Some(token) = world.token(caller) {
        request = request.bearer_auth(token);
    }
    if let Some(body) = world.body(method, path, n) {
        request = request.json(&body);
    }
    request.send().await.expect("an answer").status().as_u16()
}

/// The owner's resources as the owner reads them, to compare before and after.
async fn snapshot(world: &World) -> Vec<Value> {
    let http = &world.http;
    let owner = world.token(Caller::Owner).unwrap();
    let mut seen = Vec::new();
    for path in [
        format!("/orders/{}", world.order),
        format!("/users/{}/orders", world.owner),
        format!("/users/{}/following", world.owner),
        format!("/api/creators/{}", world.drop.creator_id),
        format!("/api/creators/{}/drops", world.drop.creator_id),
        format!("/api/products/{}", world.drop.product_id),
        format!("/creators/{}/followers", world.drop.creator_id),
        "/api/auth/me".to_owned(),
    ] {
        let answer = send(http.get(format!("{}{path}", world.base)).bearer_auth(owner)).await;
        assert_eq!(answer.status, 200, "{path}: {answer:?}");
        seen.push(json!({ "path": path, "body": answer.body }));
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_serves_only_whom_it_is_for() {
    // Without rate limits: the matrix sends one caller's requests faster than a limit
    // allows, and a 429 would hide the answer under test.
    let state = AppState::builder(MemoryBackend::default().ports())
        .without_rate_limits()
        .build();
    let live = window_from(Utc::now() - TimeDelta::minutes(1));
    let (owner, drop) = seed_drop(&state, live, StockPlan::new(100, 1, None).unwrap()).await;
    let (other_owner, other_drop) =
        seed_drop(&state, live, StockPlan::new(100, 1, None).unwrap()).await;
    let other_user = support::register_user(&state).await;
    let owner_token = signed_in_access_token(&state, owner).await;
    let base = serve(state.clone()).await;
    let http = reqwest::Client::new();
    // The owner follows their own creator and bought from their own drop.
    let followed = send(
        http.post(format!("{base}/follow"))
            .bearer_auth(&owner_token)
            .json(&json!({ "creatorId": drop.creator_id })),
    )
    .await;
    assert_eq!(followed.status, 200, "{followed:?}");
    let bought = send(
        http.post(format!("{base}/orders"))
            .bearer_auth(&owner_token)
            .header("Idempotency-Key", "owners-order")
            .json(&json!({ "dropId": drop.id, "qty": 1 })),
    )
    .await;
    assert_eq!(bought.status, 201, "{bought:?}");
    let world = World {
        http: http.clone(),
        base: base.clone(),
        owner,
        order: bought.body["id"].as_str().unwrap().to_owned(),
        tokens: [
            (Caller::Anonymous, None),
            (Caller::Owner, Some(owner_token)),
            (
                Caller::OtherUser,
                Some(signed_in_access_token(&state, other_user).await),
            ),
            (
                Caller::OtherOwner,
                Some(signed_in_access_token(&state, other_owner).await),
            ),
        ],
        drop,
        other_drop,
    };

    // The table names exactly the document's operations.
    let doc = send(http.get(format!("{base}/openapi.json"))).await.body;
    let documented = operations(&doc);
    let classified: BTreeSet<_> = TABLE
        .iter()
        .map(|(m, p, _)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    assert_eq!(classified, documented, "classify every documented route");

    let before = snapshot(&world).await;
    let mut leaks = Vec::new();
    // Each credential-decided operation's answers, which must not depend on the caller.
    let mut by_credential: std::collections::BTreeMap<String, BTreeSet<u16>> = Default::default();
    let mut calls = 0;
    // Everyone but the owner first, so the owner's resources can be compared after.
    for caller in [Caller::Anonymous, Caller::OtherUser, Caller::OtherOwner] {
        for (n, (method, path, access)) in TABLE.iter().enumerate() {
            let status = status_of(&world, caller, method, path, n).await;
            calls += 1;
            let fine = match (access, caller) {
                (Public, _) => status != 401 && status != 403,
                (SignedIn | Owner, Caller::Anonymous) => status == 401,
                (SignedIn, _) => status != 401 && status != 403,
                (Owner, _) => status == 403 || status == 404,
                (ByCredential, _) => {
                    by_credential
                        .entry(format!("{method} {path}"))
                        .or_default()
                        .insert(status);
                    status < 500
                }
            };
            if !fine || status >= 500 {
                leaks.push(format!("{caller:?} {method} {path}: {status}"));
            }
        }
    }
    assert_eq!(
        snapshot(&world).await,
        before,
        "a refused request changed something"
    );

    // The owner gets what is theirs (the cancel last of the owner's: it changes the order).
    for (n, (method, path, access)) in TABLE.iter().enumerate() {
        let status = status_of(&world, Caller::Owner, method, path, n).await;
        calls += 1;
        let fine = match access {
            Owner => (200..300).contains(&status),
            Public | SignedIn => status != 401 && status != 403 && status < 500,
            ByCredential => {
                by_credential
                    .entry(format!("{method} {path}"))
                    .or_default()
                    .insert(status);
                status < 500
            }
        };
        if !fine {
            leaks.push(format!("Owner {method} {path}: {status}"));
        }
    }
    for (operation, statuses) in by_credential {
        if statuses.len() > 1 {
            leaks.push(format!("{operation} answered by caller: {statuses:?}"));
        }
    }
    assert!(
        leaks.is_empty(),
        "{} of {calls} calls wrong: {leaks:#?}",
        leaks.len()
    );
}
