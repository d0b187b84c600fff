//! The event envelope's JSON codec, which the pipeline runs several times per order: the
//! ledger encodes each event into the outbox, the relay decodes it and encodes it for the
//! broker, each of the server's three broker consumers (the cache invalidator's and the
//! inbox writer's groups, the realtime tail) decodes it, the inbox writer encodes it into
//! its row and the realtime hub into its frame.
//!
//! - `encode`: an `order.confirmed` event to JSON bytes (`Event::to_json`, what the
//!   pipeline runs), beside `encode_derived`: the same bytes from serde's derived
//!   `Serialize`, which defines the format, measured in the same run.
//! - `decode`: those bytes back to an `Event`, as the broker's consumers read them.
//! - `baseline`: the floor for any decoder of that text, parsing it while keeping nothing
//!   (`serde::de::IgnoredAny`), measured in the same run so `decode` reads as a ratio.

// Bench code: a failed setup step should abort the run loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use chrono::{DateTime, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use livedrop_core::domain::{Event, EventData, Quantity};
use livedrop_core::ids::{CreatorId, DropId, OrderId, UserId};
use serde::de::IgnoredAny;

fn order_confirmed() -> Event {
    // Microseconds, as every clock's instants have.
    let now = DateTime::<Utc>::from_timestamp_micros(1_765_000_000_123_456).unwrap();
    Event::new(
        EventData::OrderConfirmed {
            order_id: OrderId::at(now),
            user_id: UserId::new(),
            qty: Quantity::ONE,
            available: 9_999_123,
        },
        CreatorId::new(),
        Some(DropId::new()),
        now,
    )
}

fn codec(c: &mut Criterion) {
    let event = order_confirmed();
    let bytes = event.to_json();
    assert_eq!(bytes, serde_json::to_vec(&event).unwrap());
    assert_eq!(serde_json::from_slice::<Event>(&bytes).unwrap(), event);

    let mut group = c.benchmark_group("event_codec");
    group.bench_function("encode", |b| b.iter(|| black_box(&event).to_json()));
    group.bench_function("encode_derived", |b| {
        b.iter(|| serde_json::to_vec(black_box(&event)).unwrap())
    });
    group.bench_function("decode", |b| {
        b.iter(|| serde_json::from_slice::<Event>(black_box(&bytes)).unwrap())
    });
    group.bench_function("baseline", |b| {
        b.iter(|| serde_json::from_slice::<IgnoredAny>(black_box(&bytes)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, codec);
criterion_main!(benches);
