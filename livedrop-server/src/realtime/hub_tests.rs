//! The hub's behaviours, without HTTP: what each stream gets, resumes across nodes,
//! follows, caps, slow streams and the drop streams' coalescing.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use livedrop_core::domain::{DropStatus, Event, EventData, Quantity};
use livedrop_core::ids::{CreatorId, DropId, OrderId, UserId};
use livedrop_core::ports::Delivery;

use super::*;

fn config() -> HubConfig {
    HubConfig {
        catch_up: Duration::from_millis(300),
        ..HubConfig::default()
    }
}

fn hub(config: HubConfig, partitions: usize) -> Hub {
    let hub = Hub::new(config);
    hub.attach(&vec![0; partitions]);
    hub
}

fn order(user: UserId, drop: DropId, available: u32) -> Event {
    Event::new(
        EventData::OrderConfirmed {
            order_id: OrderId::new(),
            user_id: user,
            qty: Quantity::ONE,
            available,
        },
        CreatorId::new(),
        Some(drop),
        Utc::now(),
    )
}

fn started(creator: CreatorId) -> Event {
    Event::new(
        EventData::DropStarted { available: 9 },
        creator,
        Some(DropId::new()),
        Utc::now(),
    )
}

/// Deliveries of `events` numbered per partition, round robin over `partitions`.
fn deliveries(events: &[Event], partitions: i32, first_offset: i64) -> Vec<Delivery> {
    events
        .iter()
        .enumerate()
        .map(|(at, event)| Delivery {
            event: event.clone(),
            partition: at as i32 % partitions,
            offset: first_offset + at as i64 / i64::from(partitions),
        })
        .collect()
}

/// Frames ready on `subscription` now, without waiting.
async fn ready(subscription: &mut Subscription) -> Vec<Frame> {
    let mut frames = Vec::new();
    while let Ok(Next::Frame(frame)) =
        tokio::time::timeout(Duration::from_millis(20), subscription.next()).await
    {
        frames.push(frame);
    }
    frames
}

fn kind_and_id(frame: &Frame) -> (String, String) {
    let text = String::from_utf8(frame.bytes().to_vec()).unwrap();
    let field = |name: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(name))
            .unwrap_or_default()
            .to_owned()
    };
    (field("event: "), field("id: "))
}

fn event_ids(frames: &[Frame]) -> Vec<String> {
    frames
        .iter()
        .map(|frame| {
            let text = String::from_utf8(frame.bytes().to_vec()).unwrap();
            let data = text.lines().find_map(|l| l.strip_prefix("data: ")).unwrap();
            serde_json::from_str::<Event>(data).unwrap().id.to_string()
        })
        .collect()
}

#[tokio::test]
async fn each_event_is_encoded_once_and_its_bytes_shared_by_every_subscriber() {
    let hub = hub(config(), 1);
    let creator = CreatorId::new();
    let mut fans = Vec::new();
    for _ in 0..3 {
        let mut fan = hub
            .open_user(UserId::new(), &[creator], Resume::Fresh, None)
            .await
            .unwrap();
        assert_eq!(kind_and_id(&ready(&mut fan).await[0]).0, "open");
        fans.push(fan);
    }
    hub.publish(&deliveries(&[started(creator)], 1, 0));
    let mut pointers = Vec::new();
    for fan in &mut fans {
        let frames = ready(fan).await;
        assert_eq!(frames.len(), 1);
        assert_eq!(kind_and_id(&frames[0]), ("drop.started".into(), "1".into()));
        pointers.push(frames[0].bytes().as_ptr());
    }
    assert!(pointers.windows(2).all(|w| w[0] == w[1]), "one encoding");
}

#[tokio::test]
async fn a_stream_gets_its_orders_and_followed_creators_news_only() {
    let hub = hub(config(), 2);
    let (me, someone) = (UserId::new(), UserId::new());
    let (followed, other) = (CreatorId::new(), CreatorId::new());
    let mut stream = hub
        .open_user(me, &[followed], Resume::Fresh, None)
        .await
        .unwrap();
    ready(&mut stream).await;
    let events = [
        order(me, DropId::new(), 1),
        order(someone, DropId::new(), 1),
        started(followed),
        started(other),
    ];
    hub.publish(&deliveries(&events, 2, 0));
    let frames = ready(&mut stream).await;
    assert_eq!(
        event_ids(&frames),
        [events[0].id.to_string(), events[2].id.to_string()]
    );
}

#[tokio::test]
async fn a_resume_on_another_node_replays_exactly_what_was_missed_in_order() {
    let (a, b) = (hub(config(), 2), hub(config(), 2));
    let (me, creator) = (UserId::new(), CreatorId::new());
    let events: Vec<Event> = (0..12)
        .map(|n| match n % 3 {
            0 => order(me, DropId::new(), n),
            1 => started(creator),
            _ => order(UserId::new(), DropId::new(), n),
        })
        .collect();
    let all = deliveries(&events, 2, 0);
    // The nodes read the partitions interleaved differently: each stamps its own
    // positions, and they still agree on what a position means.
    let (p0, p1): (Vec<Delivery>, Vec<Delivery>) =
        all.iter().cloned().partition(|d| d.partition == 0);
    let mut on_a = a
        .open_user(me, &[creator], Resume::Fresh, None)
        .await
        .unwrap();
    ready(&mut on_a).await;
    a.publish(&all[..5]);
    let seen = ready(&mut on_a).await;
    let last_id = kind_and_id(seen.last().unwrap()).1;
    drop(on_a);
    a.publish(&all[5..]);
    b.publish(&p1);
    b.publish(&p0);

    let resume = Resume::from_last_event_id(Some(last_id.as_bytes()));
    let mut on_b = b.open_user(me, &[creator], resume, None).await.unwrap();
    let replayed = ready(&mut on_b).await;
    let mine: Vec<String> = all
        .iter()
        .filter(|d| {
            Topic::of(&d.event)
                .is_some_and(|t| t == Topic::User(me) || t == Topic::Creator(creator))
        })
        .map(|d| d.event.id.to_string())
        .collect();
    let mut got = event_ids(&seen);
    got.extend(event_ids(&replayed));
    let mut expected_set = mine.clone();
    expected_set.sort();
    let mut got_set = got.clone();
    got_set.sort();
    assert_eq!(got_set, expected_set, "every event once, none twice");
    // Per partition, in offset order.
    for partition in 0..2 {
        let order_on: Vec<&String> = got
            .iter()
            .filter(|id| {
                all.iter()
                    .any(|d| d.partition == partition && d.event.id.to_string() == **id)
            })
            .collect();
        let expected: Vec<&String> = mine
            .iter()
            .filter(|id| {
                all.iter()
                    .any(|d| d.partition == partition && d.event.id.to_string() == **id)
            })
            .collect();
        assert_eq!(order_on, expected, "partition {partition}");
    }
}

#[tokio::test]
async fn a_resume_ahead_of_this_node_waits_for_it_then_goes_on_without_repeats() {
    let (a, b) = (hub(config(), 1), hub(config(), 1));
    let me = UserId::new();
    let events: Vec<Event> = (0..4).map(|n| order(me, DropId::new(), n)).collect();
    let all = deliveries(&events, 1, 0);
    a.publish(&all[..2]);
    let ahead = Resume::from_last_event_id(Some(b"2"));
    let opening = tokio::spawn({
        let b = b.clone();
        async move { b.open_user(me, &[], ahead, None).await }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    b.publish(&all);
    let mut on_b = opening.await.unwrap().unwrap();
    let frames = ready(&mut on_b).await;
    assert_eq!(
        event_ids(&frames),
        [events[2].id.to_string(), events[3].id.to_string()]
    );

    let never = Resume::from_last_event_id(Some(b"99"));
    let mut reset = b.open_user(me, &[], never, None).await.unwrap();
    assert_eq!(
        kind_and_id(&ready(&mut reset).await[0]),
        ("reset".into(), "4".into())
    );
}

#[tokio::test]
async fn an_unreadable_or_foreign_id_gets_a_reset_not_an_error() {
    let hub = hub(config(), 2);
    for id in [&b"not-an-id"[..], b"3", b"\xff"] {
        let resume = Resume::from_last_event_id(Some(id));
        let mut stream = hub
            .open_user(UserId::new(), &[], resume, None)
            .await
            .unwrap();
        assert_eq!(
            kind_and_id(&ready(&mut stream).await[0]),
            ("reset".into(), "0.0".into())
        );
    }
}

#[tokio::test]
async fn following_and_unfollowing_move_a_live_stream() {
    let hub = hub(config(), 1);
    let (me, creator) = (UserId::new(), CreatorId::new());
    let mut stream = hub.open_user(me, &[], Resume::Fresh, None).await.unwrap();
    ready(&mut stream).await;
    let follow = Event::new(
        EventData::FollowCreated { user_id: me },
        creator,
        None,
        Utc::now(),
    );
    let news = started(creator);
    let unfollow = Event::new(
        EventData::FollowRemoved { user_id: me },
        creator,
        None,
        Utc::now(),
    );
    let later = started(creator);
    hub.publish(&deliveries(&[follow, news.clone(), unfollow, later], 1, 0));
    assert_eq!(event_ids(&ready(&mut stream).await), [news.id.to_string()]);
}

#[tokio::test]
async fn the_caps_refuse_a_sixth_stream_per_user_and_a_full_node() {
    let hub = hub(
        HubConfig {
            max_streams: 7,
            ..config()
        },
        1,
    );
    let me = UserId::new();
    let mut mine = Vec::new();
    for _ in 0..5 {
        mine.push(hub.open_user(me, &[], Resume::Fresh, None).await.unwrap());
    }
    let sixth = hub.open_user(me, &[], Resume::Fresh, None).await;
    assert_eq!(sixth.err(), Some(Refusal::TooManyForUser));
    let _others = (
        hub.open_user(UserId::new(), &[], Resume::Fresh, None)
            .await
            .unwrap(),
        hub.open_user(UserId::new(), &[], Resume::Fresh, None)
            .await
            .unwrap(),
    );
    let full = hub.open_user(UserId::new(), &[], Resume::Fresh, None).await;
    assert_eq!(full.err(), Some(Refusal::NodeFull));
    assert_eq!(hub.streams(), 7);
    drop(mine.pop());
    assert_eq!(hub.streams(), 6, "a closed stream frees its slot");
    assert!(hub.open_user(me, &[], Resume::Fresh, None).await.is_ok());
}

#[derive(Debug, Default)]
struct Cuts(Arc<AtomicUsize>);

impl Disconnect for Cuts {
    fn disconnect(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn a_stream_that_stops_reading_ends_to_resume_and_is_cut_when_stuck() {
    let hub = hub(
        HubConfig {
            queue_frames: 2,
            stuck_for: Duration::from_millis(100),
            ..config()
        },
        1,
    );
    let me = UserId::new();
    let cuts = Arc::new(AtomicUsize::new(0));
    let mut stuck = hub
        .open_user(me, &[], Resume::Fresh, Some(Box::new(Cuts(cuts.clone()))))
        .await
        .unwrap();
    let events: Vec<Event> = (0..4).map(|n| order(me, DropId::new(), n)).collect();
    hub.publish(&deliveries(&events, 1, 0));
    hub.sweep(Instant::now(), false);
    assert_eq!(cuts.load(Ordering::SeqCst), 0, "not stuck for long yet");
    hub.sweep(Instant::now() + Duration::from_millis(150), false);
    hub.sweep(Instant::now() + Duration::from_millis(300), false);
    assert_eq!(cuts.load(Ordering::SeqCst), 1, "cut once");
    // What it held still goes out, then the end, from where it got to.
    let frames = ready(&mut stuck).await;
    assert_eq!(frames.len(), 3, "open and the two queued");
    assert!(matches!(
        stuck.next().await,
        Next::Close(CloseReason::SlowClient)
    ));
}

#[tokio::test]
async fn streams_end_at_their_lifetime_and_on_shutdown() {
    let short_lived = hub(
        HubConfig {
            lifetime: Duration::ZERO,
            ..config()
        },
        1,
    );
    let mut short = short_lived
        .open_user(UserId::new(), &[], Resume::Fresh, None)
        .await
        .unwrap();
    ready(&mut short).await;
    short_lived.sweep(Instant::now(), false);
    assert!(matches!(
        short.next().await,
        Next::Close(CloseReason::LifetimeReached)
    ));

    let long = hub(config(), 1);
    let mut stream = long
        .open_user(UserId::new(), &[], Resume::Fresh, None)
        .await
        .unwrap();
    ready(&mut stream).await;
    long.close_all(CloseReason::ShuttingDown);
    assert!(matches!(
        stream.next().await,
        Next::Close(CloseReason::ShuttingDown)
    ));
    let refused = long
        .open_user(UserId::new(), &[], Resume::Fresh, None)
        .await;
    assert_eq!(refused.err(), Some(Refusal::NotReady));
}

#[tokio::test]
async fn a_drop_stream_gets_one_update_per_flush_with_the_newest_stock() {
    let hub = hub(config(), 1);
    let drop = DropId::new();
    let now = DropTick {
        drop_id: drop,
        available: 50,
        status: Some(DropStatus::Live),
        at: Utc::now() - chrono::TimeDelta::seconds(1),
    };
    let mut stream = hub.open_drop(drop, now, None).unwrap();
    assert_eq!(ready(&mut stream).await.len(), 1, "the state now");
    let orders: Vec<Event> = (0..40)
        .rev()
        .map(|n| order(UserId::new(), drop, n))
        .collect();
    hub.publish(&deliveries(&orders, 1, 0));
    hub.flush_drops();
    hub.flush_drops();
    let frames = ready(&mut stream).await;
    assert_eq!(frames.len(), 1);
    let text = String::from_utf8(frames[0].bytes().to_vec()).unwrap();
    assert!(text.contains(r#""available":0"#), "{text}");
}

#[tokio::test]
async fn a_node_that_reopens_its_tail_ends_user_streams_and_resets_their_resumes() {
    let hub = hub(config(), 1);
    let me = UserId::new();
    let mut stream = hub.open_user(me, &[], Resume::Fresh, None).await.unwrap();
    let opened = kind_and_id(&ready(&mut stream).await[0]).1;
    // The tail failed; the new one starts after events this node never saw.
    hub.attach(&[5]);
    assert!(matches!(
        stream.next().await,
        Next::Close(CloseReason::Resync)
    ));
    let resume = Resume::from_last_event_id(Some(opened.as_bytes()));
    let mut resumed = hub.open_user(me, &[], resume, None).await.unwrap();
    assert_eq!(
        kind_and_id(&ready(&mut resumed).await[0]),
        ("reset".into(), "5".into())
    );
}
