//! Realtime tokens over real HTTP: one opens one stream, on whichever node, and only a
//! live sign-in gets one or opens a stream with one (logout and refresh-token reuse end
//! both, even for a token issued before).
//!
//! Every case runs on two server nodes sharing one store (same JWT secret, same
//! credentials): on the memory backend, and with feature `postgres` on PostgreSQL
//! (`LIVEDROP_TEST_DATABASE_URL`), each node with its own pool and in-process parts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[cfg(feature = "postgres")]
#[path = "../../livedrop-adapters/tests/support/mod.rs"]
mod backends;
mod support;

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{EncodingKey, Header};
use livedrop_adapters::memory::{MemoryBackend, MemoryMailbox, MemoryRateLimiter};
use livedrop_core::ids::{FamilyId, UserId};
use livedrop_core::ports::{BucketPolicy, Ports, RateLimits};
use livedrop_core::wire::{Problem, RealtimeToken, Registered, TokenPair};
use livedrop_server::AppState;
use livedrop_server::auth::{JwtSecret, Passwords};
use reqwest::{Client, StatusCode};
use serde_json::json;

use support::inbox::Inbox;
use support::over_http::register;
use support::sse::Reader;

const SECRET: &str = "a-realtime-test-secret-of-32-bytes-plus";
const PASSWORD: &str = "correct horse battery";

/// Two nodes over one store.
struct Cluster {
    nodes: [String; 2],
    http: Client,
    inbox: Inbox,
}

/// A node on `ports`, served with its realtime hub: cheap password hashing, the shared
/// secret, auth and read budgets no case exhausts.
async fn node(ports: Ports, mailbox: &MemoryMailbox) -> String {
    let limits = RateLimits {
        auth: BucketPolicy::per_second(1_000, 1_000),
        read: BucketPolicy::per_second(1_000, 1_000),
        ..RateLimits::default()
    };
    let ports = Ports {
        rate_limiter: Arc::new(MemoryRateLimiter::new(limits)),
        ..ports
    };
    let state = AppState::builder(ports)
        .mailer(Arc::new(mailbox.clone()))
        .passwords(Passwords::for_tests())
        .jwt_secret(JwtSecret::try_from(SECRET.to_owned()).unwrap())
        .build();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    support::serve_on(listener, state);
    base
}

impl Cluster {
    async fn new(a: Ports, b: Ports) -> Self {
        let mailbox = MemoryMailbox::new();
        Self {
            nodes: [node(a, &mailbox).await, node(b, &mailbox).await],
            http: Client::new(),
            inbox: Inbox::Memory(mailbox),
        }
    }

    /// Registers a new user on node 0: its first sign-in.
    async fn register(&self) -> Registered {
        let email = format!("fan-{}@example.com", UserId::new());
        let answer = register(
            &self.http,
            &self.nodes[0],
            &self.inbox,
            &email,
            "Fan",
            PASSWORD,
        )
        .await;
        assert_eq!(answer.status, 201, "{answer:?}");
        serde_json::from_value(answer.body).unwrap()
    }

    /// Another sign-in of `user` (its own family).
    async fn login(&self, user: &Registered) -> TokenPair {
        let body = json!({ "email": user.user.email.to_string(), "password": PASSWORD });
        let response = self
            .http
            .post(format!("{}/api/auth/login", self.nodes[1]))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }

    /// `POST /api/auth/{action}` with a refresh token.
    async fn with_refresh_token(&self, action: &str, token: &str) -> reqwest::Response {
        self.http
            .post(format!("{}/api/auth/{action}", self.nodes[0]))
            .json(&json!({ "refreshToken": token }))
            .send()
            .await
            .unwrap()
    }

    /// `GET /api/realtime/token` on `node` with `access`.
    async fn ask_realtime_token(&self, node: usize, access: &str) -> reqwest::Response {
        self.http
            .get(format!("{}/api/realtime/token", self.nodes[node]))
            .bearer_auth(access)
            .send()
            .await
            .unwrap()
    }

    /// A realtime token for the sign-in of `access`, which must be live.
    async fn realtime_token(&self, node: usize, access: &str) -> String {
        let response = self.ask_realtime_token(node, access).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["cache-control"], "no-store");
        response.json::<RealtimeToken>().await.unwrap().token
    }

    fn events_url(&self, node: usize, token: &str) -> String {
        format!("{}/api/realtime/events?token={token}", self.nodes[node])
    }

    /// Opens the stream on `node` with `token` and answers its status (the stream, if one
    /// opened, is dropped).
    async fn open_status(&self, node: usize, token: &str) -> reqwest::Response {
        self.http
            .get(self.events_url(node, token))
            .send()
            .await
            .unwrap()
    }
}

/// `response` is a 401 problem with `code`.
async fn assert_401(response: reqwest::Response, code: &str) {
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let problem: Problem = response.json().await.unwrap();
    assert_eq!(
        (problem.status, problem.code.as_str()),
        (401, code),
        "{problem:?}"
    );
}

// --- the cases, each on both backends --------------------------------------------------

#[tokio::test]
async fn memory_a_realtime_token_opens_one_stream_on_any_node() {
    let ports = MemoryBackend::default().ports();
    a_realtime_token_opens_one_stream_on_any_node(Cluster::new(ports.clone(), ports).await).await;
}

#[tokio::test]
async fn memory_concurrent_opens_of_one_realtime_token_let_one_stream_through() {
    let ports = MemoryBackend::default().ports();
    concurrent_opens_of_one_realtime_token_let_one_stream_through(
        Cluster::new(ports.clone(), ports).await,
    )
    .await;
}

#[tokio::test]
async fn memory_logout_ends_realtime_tokens_issued_and_unissued() {
    let ports = MemoryBackend::default().ports();
    logout_ends_realtime_tokens_issued_and_unissued(Cluster::new(ports.clone(), ports).await).await;
}

#[tokio::test]
async fn memory_refresh_token_reuse_ends_realtime_tokens_issued_and_unissued() {
    let ports = MemoryBackend::default().ports();
    refresh_token_reuse_ends_realtime_tokens_issued_and_unissued(
        Cluster::new(ports.clone(), ports).await,
    )
    .await;
}

#[tokio::test]
async fn memory_tokens_without_a_valid_signature_sign_in_or_kind_open_nothing() {
    let ports = MemoryBackend::default().ports();
    tokens_without_a_valid_signature_sign_in_or_kind_open_nothing(
        Cluster::new(ports.clone(), ports).await,
    )
    .await;
}

#[cfg(feature = "postgres")]
mod postgres {
    use livedrop_adapters::postgres::{LedgerMode, PgBackend, PgConfig};

    use super::*;

    /// Two nodes on one fresh schema, each with its own in-process ports and, when the
    /// database's URL is known (not a container's), its own pool.
    async fn cluster() -> Option<Cluster> {
        let pg = backends::postgres::backend(LedgerMode::default()).await?;
        let a = pg.ports(backends::postgres::base());
        let b = match std::env::var("LIVEDROP_TEST_DATABASE_URL") {
            Ok(url) => {
                let schema: String = sqlx::query_scalar("SELECT current_schema()")
                    .fetch_one(pg.pool())
                    .await
                    .unwrap();
                let mut config = PgConfig::new(url);
                config.schema = Some(schema);
                config.max_connections = 8;
                config.skip_migrations = true;
                PgBackend::connect(config).await.unwrap()
            }
            Err(_) => pg,
        };
        Some(Cluster::new(a, b.ports(backends::postgres::base())).await)
    }

    #[tokio::test]
    async fn postgres_a_realtime_token_opens_one_stream_on_any_node() {
        if let Some(cluster) = cluster().await {
            a_realtime_token_opens_one_stream_on_any_node(cluster).await;
        }
    }

    #[tokio::test]
    async fn postgres_concurrent_opens_of_one_realtime_token_let_one_stream_through() {
        if let Some(cluster) = cluster().await {
            concurrent_opens_of_one_realtime_token_let_one_stream_through(cluster).await;
        }
    }

    #[tokio::test]
    async fn postgres_logout_ends_realtime_tokens_issued_and_unissued() {
        if let Some(cluster) = cluster().await {
            logout_ends_realtime_tokens_issued_and_unissued(cluster).await;
        }
    }

    #[tokio::test]
    async fn postgres_refresh_token_reuse_ends_realtime_tokens_issued_and_unissued() {
        if let Some(cluster) = cluster().await {
            refresh_token_reuse_ends_realtime_tokens_issued_and_unissued(cluster).await;
        }
    }
}

/// A token opens a stream once: used again on the same node or on the other one, it is
/// `401 realtime_token_used`; a token first used on the other node likewise. Fresh tokens
/// keep opening streams.
async fn a_realtime_token_opens_one_stream_on_any_node(cluster: Cluster) {
    let fan = cluster.register().await;
    let access = &fan.tokens.access_token;

    let token = cluster.realtime_token(0, access).await;
    let stream = Reader::open(&cluster.events_url(0, &token)).await;
    assert_401(cluster.open_status(0, &token).await, "realtime_token_used").await;
    assert_401(cluster.open_status(1, &token).await, "realtime_token_used").await;
    // The open stream is not affected by its token's refusals.
    drop(stream);

    // Issued by node 0, used first on node 1: refused back on node 0.
    let token = cluster.realtime_token(0, access).await;
    let _stream = Reader::open(&cluster.events_url(1, &token)).await;
    assert_401(cluster.open_status(0, &token).await, "realtime_token_used").await;

    // Each token is its own: a second one still opens a stream.
    let again = cluster.realtime_token(1, access).await;
    assert_ne!(again, token);
    let _second = Reader::open(&cluster.events_url(0, &again)).await;
}

/// What the security probe did, in parallel: 24 opens of one token spread over both
/// nodes. Exactly one stream opens; every other open is `401 realtime_token_used`.
async fn concurrent_opens_of_one_realtime_token_let_one_stream_through(cluster: Cluster) {
    const OPENS: usize = 24;
    let fan = cluster.register().await;
    let token = cluster.realtime_token(0, &fan.tokens.access_token).await;
    let cluster = Arc::new(cluster);
    let start = Arc::new(tokio::sync::Barrier::new(OPENS));
    let tasks: Vec<_> = (0..OPENS)
        .map(|i| {
            let (cluster, token, start) = (Arc::clone(&cluster), token.clone(), start.clone());
            tokio::spawn(async move {
                start.wait().await;
                cluster.open_status(i % 2, &token).await
            })
        })
        .collect();
    let mut opened = Vec::new();
    let mut refused = 0;
    for task in tasks {
        let response = task.await.unwrap();
        if response.status() == StatusCode::OK {
            // Keep it open until every answer is in.
            opened.push(response);
        } else {
            assert_401(response, "realtime_token_used").await;
            refused += 1;
        }
    }
    assert_eq!((opened.len(), refused), (1, OPENS - 1));
}

/// After logout, the signed-out access token (still unexpired) gets no realtime token
/// (`401 sign_in_ended`), and a realtime token it got before the logout, never used,
/// opens no stream on either node. The same user's other sign-in is untouched.
async fn logout_ends_realtime_tokens_issued_and_unissued(cluster: Cluster) {
    let fan = cluster.register().await;
    let other = cluster.login(&fan).await;
    let access = &fan.tokens.access_token;
    let unused = cluster.realtime_token(0, access).await;

    let logout = cluster
        .with_refresh_token("logout", &fan.tokens.refresh_token)
        .await;
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);

    // The access token still authenticates API calls until it expires...
    let me = cluster
        .http
        .get(format!("{}/api/auth/me", cluster.nodes[1]))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    // ... but its sign-in gets no realtime token and opens no stream, on either node.
    for node in 0..2 {
        assert_401(
            cluster.ask_realtime_token(node, access).await,
            "sign_in_ended",
        )
        .await;
        assert_401(cluster.open_status(node, &unused).await, "sign_in_ended").await;
    }

    // The other sign-in of the same user still streams.
    let token = cluster.realtime_token(1, &other.access_token).await;
    let _stream = Reader::open(&cluster.events_url(0, &token)).await;
}

/// A replayed refresh token revokes its sign-in: the access tokens of the whole family
/// (before and after the rotation) get no realtime token, and one issued before the
/// replay opens no stream.
async fn refresh_token_reuse_ends_realtime_tokens_issued_and_unissued(cluster: Cluster) {
    let fan = cluster.register().await;
    let first = cluster.login(&fan).await;
    let rotated = cluster
        .with_refresh_token("refresh", &first.refresh_token)
        .await;
    assert_eq!(rotated.status(), StatusCode::OK);
    let rotated: TokenPair = rotated.json().await.unwrap();
    // Both access tokens of the family work for realtime before the replay.
    let before_rotation = cluster.realtime_token(0, &first.access_token).await;
    let unused = cluster.realtime_token(1, &rotated.access_token).await;

    assert_401(
        cluster
            .with_refresh_token("refresh", &first.refresh_token)
            .await,
        "refresh_token_reused",
    )
    .await;

    for access in [&first.access_token, &rotated.access_token] {
        for node in 0..2 {
            assert_401(
                cluster.ask_realtime_token(node, access).await,
                "sign_in_ended",
            )
            .await;
        }
    }
    for token in [&before_rotation, &unused] {
        assert_401(cluster.open_status(0, token).await, "sign_in_ended").await;
        assert_401(cluster.open_status(1, token).await, "sign_in_ended").await;
    }

    // The registration's sign-in is another family: it still streams.
    let token = cluster.realtime_token(0, &fan.tokens.access_token).await;
    let _stream = Reader::open(&cluster.events_url(1, &token)).await;
}

/// Claims signed HS256 with `secret`: `aud`, then `exp` seconds from now, with `sid` and
/// `jti` when given.
fn sign(secret: &str, aud: &str, user: UserId, exp_in: i64, sid: Option<FamilyId>) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .cast_signed();
    let mut claims = json!({
        "sub": user, "aud": aud, "iss": "livedrop", "iat": now, "exp": now + exp_in,
    });
    if let Some(sid) = sid {
        claims["sid"] = json!(sid);
        claims["jti"] = json!(uuid::Uuid::now_v7());
    }
    jsonwebtoken::encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

/// Missing, garbled, forged, expired, access-kind and sign-in-less tokens open no stream:
/// `401 unauthorized`. An access token without a sign-in (as signed before tokens named
/// theirs) is refused on the API too, since it could never be revoked. The control: the same claims as the
/// expired token, unexpired and for a live sign-in, open a stream.
async fn tokens_without_a_valid_signature_sign_in_or_kind_open_nothing(cluster: Cluster) {
    let fan = cluster.register().await;
    let user = fan.user.id;
    // A live sign-in's family, as the server signed it into the access token.
    let family = family_of(&fan.tokens.access_token);

    let missing = cluster
        .http
        .get(format!("{}/api/realtime/events", cluster.nodes[0]))
        .send()
        .await
        .unwrap();
    assert_401(missing, "unauthorized").await;
    let forged = sign(
        "another-secret-that-is-also-32-bytes-long",
        "livedrop-realtime",
        user,
        60,
        Some(family),
    );
    for token in [
        "not-a-token".to_owned(),
        forged,
        sign(SECRET, "livedrop-realtime", user, -120, Some(family)),
        sign(SECRET, "livedrop-realtime", user, 60, None),
        fan.tokens.access_token.clone(),
    ] {
        assert_401(cluster.open_status(0, &token).await, "unauthorized").await;
    }

    // An access token without a sign-in could never be revoked: refused everywhere.
    let legacy_access = sign(SECRET, "livedrop-api", user, 600, None);
    let me = cluster
        .http
        .get(format!("{}/api/auth/me", cluster.nodes[0]))
        .bearer_auth(&legacy_access)
        .send()
        .await
        .unwrap();
    assert_401(me, "unauthorized").await;
    assert_401(
        cluster.ask_realtime_token(0, &legacy_access).await,
        "unauthorized",
    )
    .await;

    let genuine = sign(SECRET, "livedrop-realtime", user, 60, Some(family));
    let _stream = Reader::open(&cluster.events_url(1, &genuine)).await;
}

/// The `sid` claim of a token the server signed (read, not verified: the test's own).
fn family_of(token: &str) -> FamilyId {
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    let claims: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    claims["sid"].as_str().unwrap().parse().unwrap()
}
