//! Marking the inbox read (`POST /api/notifications/read`) and the unread count
//! (`GET /api/notifications/unread`) over real HTTP: the count is what is newer than the
//! mark across the caller's own and followed creators' notifications, the mark only moves
//! forward, the count stops at 100, bad marks are 400 problems that change nothing. On
//! memory and, with feature `postgres`, on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[cfg(feature = "postgres")]
#[path = "../../livedrop-adapters/tests/support/mod.rs"]
mod backends;
mod support;

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use livedrop_adapters::memory::MemoryBackend;
use livedrop_core::domain::{Event, EventData, Notification, Quantity, Recipient, StockPlan};
use livedrop_core::ids::{CreatorId, DropId, OrderId, UserId};
use livedrop_core::ports::{Notifier, Ports};
use livedrop_core::wire::PROBLEM_JSON;
use livedrop_server::AppState;
use serde_json::{Value, json};

use support::schema::assert_conforms;
use support::{Answer, access_token, register_user, seed_drop, send, serve, window_from};

/// A server over `ports`, one signed-in reader, and the notifier to seed their inbox with.
struct Reader {
    base: String,
    http: reqwest::Client,
    token: String,
    user: UserId,
    state: AppState,
    notifier: Arc<dyn Notifier>,
}

impl Reader {
    async fn start(ports: Ports) -> Self {
        let notifier = ports.notifier.clone();
        let state = AppState::new(ports);
        let user = register_user(&state).await;
        Self {
            base: serve(state.clone()).await,
            http: reqwest::Client::new(),
            token: access_token(&state, user),
            user,
            state,
            notifier,
        }
    }

    /// The reader's own `order.confirmed` notifications, `n` of them a second apart, the
    /// newest `ago` before now.
    async fn own_notifications(&self, n: usize, ago: TimeDelta) {
        let newest = now() - ago;
        let notes: Vec<Notification> = (0..n)
            .map(|i| {
                let at = newest - TimeDelta::seconds(i64::try_from(i).unwrap());
                order_note(self.user, at)
            })
            .collect();
        let stored = self.notifier.deliver_all(&notes).await.unwrap();
        assert!(stored.iter().all(|s| *s));
    }

    /// The reader follows a new creator, which then announces a drop.
    async fn followed_drop_started(&self) {
        let plan = StockPlan::new(5, 1, None).unwrap();
        let start = now() + TimeDelta::hours(1);
        let (_, drop) = seed_drop(&self.state, window_from(start), plan).await;
        self.state
            .follows()
            .follow(self.user, drop.creator_id)
            .await
            .unwrap();
        let event = Event::new(
            EventData::DropStarted { available: 5 },
            drop.creator_id,
            Some(drop.id),
            now() + TimeDelta::milliseconds(1),
        );
        let note = Notification {
            recipient: Recipient::FollowersOf(drop.creator_id),
            event,
        };
        assert!(self.notifier.deliver(&note).await.unwrap());
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn unread(&self) -> Value {
        let answer = send(
            self.http
                .get(self.url("/api/notifications/unread"))
                .bearer_auth(&self.token),
        )
        .await;
        assert_eq!(answer.status, 200, "{answer:?}");
        answer.body
    }

    /// The inbox's items as JSON, newest first (up to 100).
    async fn items(&self) -> Vec<Value> {
        let answer = send(
            self.http
                .get(self.url("/api/notifications?limit=100"))
                .bearer_auth(&self.token),
        )
        .await;
        assert_eq!(answer.status, 200, "{answer:?}");
        answer.body["items"].as_array().unwrap().clone()
    }

    /// `POST /api/notifications/read` with `body` as sent.
    async fn mark_raw(&self, body: &str, content_type: &str) -> Answer {
        send(
            self.http
                .post(self.url("/api/notifications/read"))
                .bearer_auth(&self.token)
                .header("content-type", content_type)
                .body(body.to_owned()),
        )
        .await
    }

    /// Marks read up to `item` (an inbox item's JSON), which must answer `204`.
    async fn mark(&self, item: &Value) {
        let answer = self
            .mark_raw(&position_body(item).to_string(), "application/json")
            .await;
        assert_eq!(answer.status, 204, "{answer:?}");
        assert_eq!(answer.body, Value::Null, "204 has no body");
    }
}

/// Now, to the microsecond: what the server's clock gives events and backends store.
fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_micros(Utc::now().timestamp_micros()).unwrap()
}

fn order_note(user: UserId, at: DateTime<Utc>) -> Notification {
    let event = Event::new(
        EventData::OrderConfirmed {
            order_id: OrderId::new(),
            user_id: user,
            qty: Quantity::ONE,
            available: 3,
        },
        CreatorId::new(),
        Some(DropId::new()),
        at,
    );
    Notification {
        recipient: Recipient::User(user),
        event,
    }
}

/// The body naming an inbox item: its event's id and occurrence, as the inbox sent them.
fn position_body(item: &Value) -> Value {
    json!({ "upTo": position(item) })
}

fn position(item: &Value) -> Value {
    json!({
        "eventId": item["event"]["id"],
        "occurredAt": item["event"]["occurredAt"],
    })
}

async fn memory() -> Ports {
    MemoryBackend::default().ports()
}

#[cfg(feature = "postgres")]
async fn postgres() -> Option<Ports> {
    let pg =
        backends::postgres::backend(livedrop_adapters::postgres::LedgerMode::default()).await?;
    Some(pg.ports(backends::postgres::base()))
}

/// One test per backend for each behaviour: `memory_*` always, `postgres_*` with the
/// feature (skipped, or failed under `LIVEDROP_REQUIRE_BACKENDS=1`, without a database).
macro_rules! on_every_backend {
    ($($behaviour:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test]
                async fn $behaviour() {
                    super::$behaviour(super::memory().await).await;
                }
            )*
        }
        #[cfg(feature = "postgres")]
        mod postgres {
            $(
                #[tokio::test]
                async fn $behaviour() {
                    let Some(ports) = super::postgres().await else { return };
                    super::$behaviour(ports).await;
                }
            )*
        }
    };
}

on_every_backend![
    marking_the_newest_read_leaves_only_later_notifications_unread,
    marking_an_older_notification_changes_nothing,
    bad_read_marks_are_400_problems_and_change_nothing,
    the_unread_count_stops_at_one_hundred,
];

/// Own and followed notifications are all unread before any mark; after marking the
/// newest, none is, and the answer names the mark; a later notification is unread again.
async fn marking_the_newest_read_leaves_only_later_notifications_unread(ports: Ports) {
    let reader = Reader::start(ports).await;
    assert_eq!(
        reader.unread().await,
        json!({ "unread": 0, "capped": false, "readUpTo": null }),
        "an empty inbox"
    );
    reader.own_notifications(3, TimeDelta::seconds(10)).await;
    reader.followed_drop_started().await;
    reader.followed_drop_started().await;
    assert_eq!(
        reader.unread().await,
        json!({ "unread": 5, "capped": false, "readUpTo": null }),
        "own and followed, nothing marked"
    );

    let items = reader.items().await;
    assert_eq!(items.len(), 5);
    reader.mark(&items[0]).await;
    assert_eq!(
        reader.unread().await,
        json!({ "unread": 0, "capped": false, "readUpTo": position(&items[0]) })
    );

    reader.followed_drop_started().await;
    assert_eq!(reader.unread().await["unread"], 1, "a newer one is unread");
    let items = reader.items().await;
    reader.mark(&items[0]).await;
    assert_eq!(reader.unread().await["unread"], 0);
}

/// Marking an older notification than the stored mark answers `204` and changes nothing;
/// marking the third newest first leaves the two newer unread.
async fn marking_an_older_notification_changes_nothing(ports: Ports) {
    let reader = Reader::start(ports).await;
    reader.own_notifications(6, TimeDelta::seconds(30)).await;
    let items = reader.items().await;
    reader.mark(&items[2]).await;
    assert_eq!(
        reader.unread().await,
        json!({ "unread": 2, "capped": false, "readUpTo": position(&items[2]) })
    );
    reader.mark(&items[0]).await;
    let read = json!({ "unread": 0, "capped": false, "readUpTo": position(&items[0]) });
    assert_eq!(reader.unread().await, read);
    for older in [&items[2], &items[5], &items[0]] {
        reader.mark(older).await;
        assert_eq!(
            reader.unread().await,
            read,
            "marking {older} changed the mark"
        );
    }
}

/// Every malformed or impossible mark is a 4xx problem+json with its code, and leaves the
/// mark and the count as they were; a position in the future is `read_mark_in_future`.
async fn bad_read_marks_are_400_problems_and_change_nothing(ports: Ports) {
    let reader = Reader::start(ports).await;
    reader.own_notifications(4, TimeDelta::seconds(30)).await;
    let items = reader.items().await;
    reader.mark(&items[2]).await;
    let before = reader.unread().await;
    assert_eq!(before["unread"], 2);

    let id = items[0]["event"]["id"].clone();
    let at = items[0]["event"]["occurredAt"].clone();
    let tomorrow = (Utc::now() + TimeDelta::days(1)).to_rfc3339();
    let cases = [
        ("not JSON", "upTo=now".to_owned(), 400, "invalid_json"),
        (
            "truncated JSON",
            r#"{"upTo":"#.to_owned(),
            400,
            "invalid_json",
        ),
        ("no upTo", "{}".to_owned(), 400, "invalid_body"),
        (
            "flat position",
            json!({ "eventId": id, "occurredAt": at }).to_string(),
            400,
            "invalid_body",
        ),
        (
            "a cursor string",
            json!({ "upTo": "AQAAAAAAAAAA" }).to_string(),
            400,
            "invalid_body",
        ),
        (
            "bad event id",
            json!({ "upTo": { "eventId": "nope", "occurredAt": at } }).to_string(),
            400,
            "invalid_body",
        ),
        (
            "bad timestamp",
            json!({ "upTo": { "eventId": id, "occurredAt": "yesterday" } }).to_string(),
            400,
            "invalid_body",
        ),
        (
            "missing timestamp",
            json!({ "upTo": { "eventId": id } }).to_string(),
            400,
            "invalid_body",
        ),
        (
            "unknown field",
            json!({ "upTo": { "eventId": id, "occurredAt": at }, "all": true }).to_string(),
            400,
            "invalid_body",
        ),
        (
            "in the future",
            json!({ "upTo": { "eventId": id, "occurredAt": tomorrow } }).to_string(),
            400,
            "read_mark_in_future",
        ),
    ];
    for (name, body, status, code) in cases {
        let answer = reader.mark_raw(&body, "application/json").await;
        assert_eq!(
            (answer.status, answer.code()),
            (status, code),
            "{name}: {answer:?}"
        );
        assert_eq!(answer.content_type, PROBLEM_JSON, "{name}");
        assert_eq!(reader.unread().await, before, "{name} changed the mark");
    }
    let valid = position_body(&items[0]).to_string();
    let answer = reader.mark_raw(&valid, "text/plain").await;
    assert_eq!(
        (answer.status, answer.code()),
        (415, "unsupported_media_type")
    );
    assert_eq!(reader.unread().await, before, "a refused content type");
}

/// 101 unread notifications count as 100, capped; with all but the oldest 100 read, as
/// exactly 100, not capped; with 5 left, 5.
async fn the_unread_count_stops_at_one_hundred(ports: Ports) {
    let reader = Reader::start(ports).await;
    reader.own_notifications(101, TimeDelta::minutes(5)).await;
    assert_eq!(
        reader.unread().await,
        json!({ "unread": 100, "capped": true, "readUpTo": null })
    );
    // The inbox's 100 newest; the 101st (the oldest) is alone on the next page.
    let first = send(
        reader
            .http
            .get(reader.url("/api/notifications?limit=100"))
            .bearer_auth(&reader.token),
    )
    .await;
    let items = first.body["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 100);
    let cursor = first.body["nextCursor"].as_str().unwrap();
    let rest = send(
        reader
            .http
            .get(reader.url(&format!("/api/notifications?limit=100&cursor={cursor}")))
            .bearer_auth(&reader.token),
    )
    .await;
    let oldest = rest.body["items"][0].clone();
    assert_eq!(rest.body["items"].as_array().unwrap().len(), 1);
    reader.mark(&oldest).await;
    assert_eq!(
        reader.unread().await,
        json!({ "unread": 100, "capped": false, "readUpTo": position(&oldest) })
    );
    reader.mark(&items[5]).await;
    assert_eq!(reader.unread().await["unread"], 5);
}

#[tokio::test]
async fn reads_and_marks_need_a_signed_in_caller() {
    let reader = Reader::start(memory().await).await;
    reader.own_notifications(2, TimeDelta::seconds(5)).await;
    let items = reader.items().await;
    let unread = send(reader.http.get(reader.url("/api/notifications/unread"))).await;
    assert_eq!((unread.status, unread.code()), (401, "unauthorized"));
    let mark = send(
        reader
            .http
            .post(reader.url("/api/notifications/read"))
            .json(&position_body(&items[0])),
    )
    .await;
    assert_eq!((mark.status, mark.code()), (401, "unauthorized"));
    assert_eq!(reader.unread().await["unread"], 2, "nothing was marked");
}

#[tokio::test]
async fn the_unread_answer_and_the_mark_body_are_documented() {
    let reader = Reader::start(memory().await).await;
    reader.own_notifications(3, TimeDelta::seconds(5)).await;
    let doc = send(reqwest::Client::new().get(reader.url("/openapi.json")))
        .await
        .body;
    assert_conforms(
        &doc,
        "get",
        "/api/notifications/unread",
        &reader.unread().await,
    );
    let items = reader.items().await;
    reader.mark(&items[1]).await;
    let marked = reader.unread().await;
    assert_eq!(marked["unread"], 1);
    assert_conforms(&doc, "get", "/api/notifications/unread", &marked);

    let operation = &doc["paths"]["/api/notifications/read"]["post"];
    assert_eq!(operation["security"], json!([{ "bearer": [] }]));
    assert!(operation["responses"]["204"].is_object(), "{operation:#}");
    let body = &operation["requestBody"]["content"]["application/json"]["schema"];
    assert_eq!(
        body["$ref"], "#/components/schemas/MarkReadBody",
        "{body:#}"
    );
    let schema = &doc["components"]["schemas"]["MarkReadBody"];
    assert_eq!(schema["required"], json!(["upTo"]), "{schema:#}");
}
