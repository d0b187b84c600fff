//! Writing an [`Event`]'s envelope as JSON without going through serde.
//!
//! The derived `Serialize` stays the definition of the format (the OpenAPI document reads
//! its attributes, and the tests below hold this writer to it byte for byte), but serde
//! runs its `flatten` as a map, every key and value through its generic path. An event is
//! encoded for the outbox, again for the broker, and again on every node for its realtime
//! frame; in the hub that was about 6,300 instructions an event (callgrind), a tenth of an
//! order's work on the memory backend. Every value an event holds is an id, a fixed name,
//! a number or a timestamp, written as it is ([`Object`]).

use super::{Event, EventData};
use crate::json_object::Object;

/// Room for the largest envelope, so writing one never regrows its buffer: `drop.created`
/// with a drop, four ids and three timestamps of nine fraction digits, is 382 bytes
/// (`order.confirmed` about 350); a test holds every type to it.
const ROOM: usize = 384;

impl Event {
    /// The envelope as JSON: exactly the bytes `serde_json::to_vec(self)` gives.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(ROOM);
        self.write_json(&mut out);
        out
    }

    /// [`Event::to_json`] as a `String`, for the stores that keep JSON as text.
    pub fn to_json_string(&self) -> String {
        // Only ASCII is written: ids, fixed names, digits and timestamps.
        String::from_utf8(self.to_json()).unwrap_or_default()
    }

    /// Appends the envelope's JSON to `out`.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        let mut envelope = Object::open(out);
        envelope.uuid("id", self.id.as_uuid());
        envelope.name("type", self.kind());
        write_payload(&self.data, envelope.key("payload"));
        envelope.time("occurredAt", &self.occurred_at);
        envelope.uuid("creatorId", self.creator_id.as_uuid());
        if let Some(drop_id) = self.drop_id {
            envelope.uuid("dropId", drop_id.as_uuid());
        }
        envelope.close();
    }
}

/// The payload object of `data`, its fields in their declared order.
fn write_payload(data: &EventData, out: &mut Vec<u8>) {
    let mut payload = Object::open(out);
    match data {
        EventData::CreatorCreated { owner_id } => payload.uuid("ownerId", owner_id.as_uuid()),
        EventData::CreatorUpdated {} | EventData::DropSoldOut {} => {}
        EventData::ProductCreated { product_id } | EventData::ProductUpdated { product_id } => {
            payload.uuid("productId", product_id.as_uuid());
        }
        EventData::DropCreated {
            product_id,
            start_at,
            end_at,
            initial_stock,
        } => {
            payload.uuid("productId", product_id.as_uuid());
            payload.time("startAt", start_at);
            payload.time("endAt", end_at);
            payload.number("initialStock", *initial_stock);
        }
        EventData::DropUpdated { start_at, end_at } => {
            payload.time("startAt", start_at);
            payload.time("endAt", end_at);
        }
        EventData::DropStarted { available }
        | EventData::DropEnded { available }
        | EventData::DropRestocked { available } => payload.number("available", *available),
        EventData::StockLow {
            available,
            threshold,
        } => {
            payload.number("available", *available);
            payload.number("threshold", *threshold);
        }
        EventData::OrderConfirmed {
            order_id,
            user_id,
            qty,
            available,
        }
        | EventData::OrderCancelled {
            order_id,
            user_id,
            qty,
            available,
        } => {
            payload.uuid("orderId", order_id.as_uuid());
            payload.uuid("userId", user_id.as_uuid());
            payload.number("qty", qty.get());
            payload.number("available", *available);
        }
        EventData::FollowCreated { user_id } | EventData::FollowRemoved { user_id } => {
            payload.uuid("userId", user_id.as_uuid());
        }
    }
    payload.close();
}

#[cfg(test)]
mod tests {
    use chrono::{Datelike, TimeZone, Utc};

    use super::*;
    use crate::domain::event::every_type;
    use crate::ids::{CreatorId, DropId};

    #[test]
    fn every_event_is_written_byte_for_byte_as_serde_writes_it() {
        let instants = [
            Utc::now(),
            Utc.with_ymd_and_hms(2026, 12, 7, 23, 59, 59).unwrap(),
            Utc.with_ymd_and_hms(2026, 12, 7, 0, 0, 0).unwrap()
                + chrono::TimeDelta::nanoseconds(120_000),
            // Nine fraction digits: the longest timestamps.
            Utc.with_ymd_and_hms(2026, 12, 7, 0, 0, 0).unwrap()
                + chrono::TimeDelta::nanoseconds(123_456_789),
            // Outside the fast timestamp's years: chrono's own form on both paths.
            Utc.with_ymd_and_hms(12_026, 1, 1, 0, 0, 0).unwrap(),
        ];
        let mut written = 0;
        for at in instants {
            for data in every_type(at) {
                for drop_id in [None, Some(DropId::at(at))] {
                    let event = Event::new(data.clone(), CreatorId::at(at), drop_id, at);
                    let serde = String::from_utf8(serde_json::to_vec(&event).unwrap()).unwrap();
                    assert_eq!(String::from_utf8(event.to_json()).unwrap(), serde);
                    assert_eq!(event.to_json_string(), serde);
                    if at.year() <= 9999 {
                        assert!(serde.len() <= ROOM, "{} bytes: {serde}", serde.len());
                    }
                    written += 1;
                }
            }
        }
        assert_eq!(written, 5 * 15 * 2);
    }

    #[test]
    fn what_is_written_reads_back_as_the_same_event() {
        let at = Utc::now();
        for data in every_type(at) {
            let event = Event::new(data, CreatorId::at(at), Some(DropId::at(at)), at);
            let read: Event = serde_json::from_slice(&event.to_json()).unwrap();
            assert_eq!(read, event);
        }
    }

    #[test]
    fn writing_appends_to_what_the_buffer_holds() {
        let at = Utc::now();
        let event = Event::new(EventData::DropSoldOut {}, CreatorId::at(at), None, at);
        let mut out = b"data: ".to_vec();
        event.write_json(&mut out);
        assert_eq!(&out[..6], b"data: ");
        assert_eq!(&out[6..], event.to_json().as_slice());
    }
}
