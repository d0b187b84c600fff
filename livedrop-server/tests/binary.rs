//! The `livedrop-server` binary as an operator runs it: configured by `LIVEDROP_*`
//! variables, ready when `GET /readyz` says so, stopped by SIGTERM.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[cfg(all(feature = "postgres", feature = "redis", feature = "kafka"))]
#[path = "../../livedrop-adapters/tests/support/mod.rs"]
mod backends;

mod support;

use std::time::Duration;

use support::binary::{exited, ready, start, terminate};

#[tokio::test]
async fn with_nothing_configured_it_serves_in_memory_and_says_so() {
    let (running, base_url) = start(&[]);
    let body = ready(&base_url).await;
    assert_eq!(body["status"], "ready");
    let logged = terminate(running);
    assert!(logged.contains("not persisted"), "{logged}");
}

#[tokio::test]
async fn json_logs_carry_the_request_span_and_debug_logs_each_answer() {
    let (running, base_url) = start(&[
        ("LIVEDROP_LOG_FORMAT", "json".to_owned()),
        (
            "RUST_LOG",
            "info,livedrop_server::request_span=debug".to_owned(),
        ),
    ]);
    ready(&base_url).await;
    let response = reqwest::Client::new()
        .get(format!("{base_url}/healthz"))
        .header("x-request-id", "find-me-7")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    let logged = terminate(running);
    let lines: Vec<serde_json::Value> = logged
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    assert!(lines.iter().any(|l| l["fields"]["message"] == "listening"));
    let answered = lines
        .iter()
        .find(|l| l["span"]["request_id"] == "find-me-7")
        .unwrap_or_else(|| panic!("the request's lines carry its id: {logged}"));
    // At debug, each answer is logged in its request's span: an access log.
    assert_eq!(answered["fields"]["message"], "answered", "{answered}");
    assert_eq!(answered["fields"]["status"], 200, "{answered}");
    assert_eq!(answered["span"]["method"], "GET", "{answered}");
    assert_eq!(answered["span"]["path"], "/healthz", "{answered}");
    // At info, not a line per request.
    let (running, base_url) = start(&[("LIVEDROP_LOG_FORMAT", "json".to_owned())]);
    ready(&base_url).await;
    let response = reqwest::get(format!("{base_url}/healthz")).await.unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    let logged = terminate(running);
    assert!(!logged.contains("answered"), "{logged}");
}

#[cfg(all(feature = "postgres", feature = "redis", feature = "kafka"))]
#[tokio::test]
async fn configured_it_serves_on_postgres_redis_and_kafka() {
    let urls = [
        "LIVEDROP_TEST_DATABASE_URL",
        "LIVEDROP_TEST_REDIS_URL",
        "LIVEDROP_TEST_KAFKA_BROKERS",
    ]
    .map(|name| std::env::var(name).ok());
    let [Some(db), Some(redis), Some(kafka)] = urls else {
        backends::missing("PostgreSQL, Redis and Kafka", "a LIVEDROP_TEST_* is unset");
        return;
    };
    let (running, base_url) = start(&[
        ("LIVEDROP_DATABASE_URL", db),
        ("LIVEDROP_REDIS_URL", redis),
        ("LIVEDROP_KAFKA_BROKERS", kafka),
    ]);
    let body = ready(&base_url).await;
    let names: Vec<&str> = body["backends"]
        .as_array()
        .expect("the backends it checked")
        .iter()
        .map(|b| b["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["postgres", "redis", "kafka", "realtime"]);
    assert!(
        body["backends"]
            .as_array()
            .unwrap()
            .iter()
            .all(|b| b["ready"] == true)
    );
    let logged = terminate(running);
    assert!(!logged.contains("not persisted"), "{logged}");
}

/// Two instances on one Redis Cluster share each client's rate-limit bucket there (their
/// in-process fallback would give each instance a bucket of its own).
#[cfg(all(feature = "postgres", feature = "redis", feature = "kafka"))]
#[tokio::test]
async fn on_a_redis_cluster_two_instances_share_one_bucket() {
    let url = match backends::redis_cluster::cluster_url() {
        Ok(url) => url,
        Err(why) => {
            backends::missing("Redis Cluster", &why);
            return;
        }
    };
    let settings = [
        ("LIVEDROP_REDIS_URL", url),
        ("LIVEDROP_REDIS_CLUSTER", "1".to_owned()),
        (
            "LIVEDROP_REDIS_KEY_PREFIX",
            format!("test:{}:", uuid::Uuid::new_v4().simple()),
        ),
        ("LIVEDROP_RATE_LIMIT_READ", "2,1m".to_owned()),
    ];
    let (a, a_url) = start(&settings);
    let (b, b_url) = start(&settings);
    for base_url in [&a_url, &b_url] {
        let body = ready(base_url).await;
        let redis = body["backends"]
            .as_array()
            .unwrap()
            .iter()
            .find(|backend| backend["name"] == "redis")
            .expect("a redis check");
        assert_eq!(redis["ready"], true, "{body}");
    }
    let mut statuses = Vec::new();
    for base_url in [&a_url, &b_url, &a_url] {
        statuses.extend(reads(base_url, 1).await.0);
    }
    assert_eq!(
        statuses,
        [404, 404, 429],
        "one bucket across both instances"
    );
    terminate(a);
    terminate(b);
}

#[tokio::test]
async fn a_backend_that_cannot_start_fails_the_start_with_its_reason() {
    // Nothing listens on port 1.
    let (running, _) = start(&[("LIVEDROP_KAFKA_BROKERS", "127.0.0.1:1".to_owned())]);
    let (exit, logged) = exited(running, Duration::from_secs(60));
    assert!(!exit.success(), "started without its broker");
    assert!(
        logged.contains("kafka"),
        "the failure names the backend: {logged}"
    );
}

/// Spans can only go to a plain-HTTP collector (no TLS is built in): anything else stops
/// the start rather than dropping every span in silence.
#[cfg(feature = "otel")]
#[tokio::test]
async fn an_otlp_endpoint_it_cannot_reach_stops_the_start() {
    let (running, _) = start(&[(
        "LIVEDROP_OTLP_ENDPOINT",
        "https://collector.example:4318".to_owned(),
    )]);
    let (exit, logged) = exited(running, Duration::from_secs(15));
    assert!(!exit.success(), "started with an endpoint it cannot use");
    assert!(
        logged.contains("http:// URL"),
        "the failure says why: {logged}"
    );
}

/// The statuses of reads of an unknown drop, each sent with `X-Forwarded-For: FORWARDED`.
async fn forwarded_reads(base_url: &str, forwarded: &[&str]) -> Vec<u16> {
    let client = reqwest::Client::new();
    let url = format!("{base_url}/drops/{}", uuid::Uuid::new_v4());
    let mut statuses = Vec::new();
    for address in forwarded {
        let response = client
            .get(&url)
            .header("x-forwarded-for", *address)
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
    }
    statuses
}

#[tokio::test]
async fn a_trusted_proxys_clients_are_limited_each_and_an_untrusted_peer_cannot_forge_one() {
    let limit = ("LIVEDROP_RATE_LIMIT_READ", "2,1m".to_owned());
    let (running, base_url) = start(&[
        limit.clone(),
        ("LIVEDROP_TRUSTED_PROXIES", "127.0.0.0/8".to_owned()),
    ]);
    ready(&base_url).await;
    let first = "198.51.100.7, 203.0.113.1";
    assert_eq!(
        forwarded_reads(&base_url, &[first, first, first]).await,
        [404, 404, 429],
        "one client's bucket"
    );
    assert_eq!(
        forwarded_reads(&base_url, &["203.0.113.2", "203.0.113.2"]).await,
        [404, 404],
        "another client behind the same proxy has a bucket of its own"
    );
    terminate(running);

    // Without trusted proxies, a forwarded address is the caller's own claim: ignored.
    let (running, base_url) = start(&[limit]);
    ready(&base_url).await;
    assert_eq!(
        forwarded_reads(&base_url, &["203.0.113.1", "203.0.113.2", "203.0.113.3"]).await,
        [404, 404, 429],
        "every forged address shares the peer's bucket"
    );
    terminate(running);
}

/// The statuses of `n` reads of an unknown drop, and whether any carried rate-limit headers.
async fn reads(base_url: &str, n: usize) -> (Vec<u16>, bool) {
    let client = reqwest::Client::new();
    let url = format!("{base_url}/drops/{}", uuid::Uuid::new_v4());
    let (mut statuses, mut headers) = (Vec::new(), false);
    for _ in 0..n {
        let response = client.get(&url).send().await.unwrap();
        statuses.push(response.status().as_u16());
        headers |= response.headers().contains_key("ratelimit-policy");
    }
    (statuses, headers)
}

#[tokio::test]
async fn rate_limits_follow_their_settings_and_can_be_turned_off_loudly() {
    let (running, base_url) = start(&[("LIVEDROP_RATE_LIMIT_READ", "2,1m".to_owned())]);
    ready(&base_url).await;
    let (statuses, headers) = reads(&base_url, 3).await;
    assert_eq!(statuses, [404, 404, 429]);
    assert!(headers);
    terminate(running);

    let (running, base_url) = start(&[
        ("LIVEDROP_RATE_LIMIT_READ", "2,1m".to_owned()),
        ("LIVEDROP_NO_RATE_LIMITS", "1".to_owned()),
    ]);
    ready(&base_url).await;
    let (statuses, headers) = reads(&base_url, 20).await;
    assert!(statuses.iter().all(|s| *s == 404), "{statuses:?}");
    assert!(!headers, "no rate-limit headers without rate limits");
    let logged = terminate(running);
    assert!(logged.contains("RATE LIMITS ARE OFF"), "{logged}");
}
