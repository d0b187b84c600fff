//! Reading an [`Event`] from its envelope without serde's `flatten`.
//!
//! The envelope carries `type` and `payload` beside its other fields. Derived with
//! `#[serde(flatten)]`, serde first copies the whole object into an intermediate tree of
//! its own and then reads the event from that tree: a fifth of a decode's time in
//! `benches/event_codec.rs`, and every event is decoded four times on its way (by the
//! relay and by each of the server's three broker consumers). Here each field is read as
//! it comes, and the payload goes straight to [`EventData`]'s own derived reader, shown
//! the `{"type": .., "payload": ..}` map it expects. Only a payload that arrives before
//! its `type` (a `serde_json::Value` sorts its keys) is held, as a `Value`, until the type
//! is known. Unknown fields are skipped, as the derived reader did.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::de::value::{MapAccessDeserializer, StrDeserializer};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, de::Error as _};

use super::{Event, EventData};
use crate::ids::{CreatorId, DropId, EventId};

/// The envelope's fields, as serialized.
const FIELDS: &[&str] = &["id", "type", "payload", "occurredAt", "creatorId", "dropId"];

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_struct("Event", FIELDS, EnvelopeVisitor)
    }
}

/// An envelope field's name, or one this version does not know.
enum Field {
    Id,
    Type,
    Payload,
    OccurredAt,
    CreatorId,
    DropId,
    Unknown,
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Name;
        impl Visitor<'_> for Name {
            type Value = Field;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_str<E: de::Error>(self, name: &str) -> Result<Field, E> {
                Ok(match name {
                    "id" => Field::Id,
                    "type" => Field::Type,
                    "payload" => Field::Payload,
                    "occurredAt" => Field::OccurredAt,
                    "creatorId" => Field::CreatorId,
                    "dropId" => Field::DropId,
                    _ => Field::Unknown,
                })
            }
        }
        deserializer.deserialize_identifier(Name)
    }
}

struct EnvelopeVisitor;

impl<'de> Visitor<'de> for EnvelopeVisitor {
    type Value = Event;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an event envelope")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Event, A::Error> {
        let mut id: Option<EventId> = None;
        let mut kind: Option<String> = None;
        let mut data: Option<EventData> = None;
        let mut early_payload: Option<serde_json::Value> = None;
        let mut occurred_at: Option<DateTime<Utc>> = None;
        let mut creator_id: Option<CreatorId> = None;
        let mut drop_id: Option<Option<DropId>> = None;
        while let Some(field) = map.next_key::<Field>()? {
            match field {
                Field::Id => once(&mut id, "id", map.next_value()?)?,
                Field::Type => once(&mut kind, "type", map.next_value()?)?,
                Field::Payload if data.is_some() || early_payload.is_some() => {
                    return Err(A::Error::duplicate_field("payload"));
                }
                Field::Payload => match kind.as_deref() {
                    Some(kind) => data = Some(map.next_value_seed(PayloadOf(kind))?),
                    None => early_payload = Some(map.next_value()?),
                },
                Field::OccurredAt => once(&mut occurred_at, "occurredAt", map.next_value()?)?,
                Field::CreatorId => once(&mut creator_id, "creatorId", map.next_value()?)?,
                Field::DropId => once(&mut drop_id, "dropId", map.next_value()?)?,
                Field::Unknown => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let kind = kind.ok_or_else(|| A::Error::missing_field("type"))?;
        let data = match data {
            Some(data) => data,
            // The payload came first, or not at all: EventData's reader says which
            // variants may go without one.
            None => EventData::deserialize(MapAccessDeserializer::new(TypeThenPayload::new(
                &kind,
                early_payload,
            )))
            .map_err(A::Error::custom)?,
        };
        Ok(Event {
            id: id.ok_or_else(|| A::Error::missing_field("id"))?,
            data,
            occurred_at: occurred_at.ok_or_else(|| A::Error::missing_field("occurredAt"))?,
            creator_id: creator_id.ok_or_else(|| A::Error::missing_field("creatorId"))?,
            drop_id: drop_id.flatten(),
            trace: None,
        })
    }
}

/// Keeps a field's first value; a second one is an error, as in a derived reader.
fn once<T, E: de::Error>(slot: &mut Option<T>, name: &'static str, value: T) -> Result<(), E> {
    if slot.is_some() {
        return Err(E::duplicate_field(name));
    }
    *slot = Some(value);
    Ok(())
}

/// Reads a payload whose `type` is already known.
struct PayloadOf<'a>(&'a str);

impl<'de> DeserializeSeed<'de> for PayloadOf<'_> {
    type Value = EventData;

    fn deserialize<D: Deserializer<'de>>(self, payload: D) -> Result<EventData, D::Error> {
        EventData::deserialize(MapAccessDeserializer::new(TypeThenPayload::new(
            self.0,
            Some(payload),
        )))
    }
}

/// The two-entry map `{"type": kind, "payload": <payload>}` that `EventData`'s derived
/// (adjacently tagged) reader expects, with the payload read from wherever it lies.
struct TypeThenPayload<'a, D> {
    kind: &'a str,
    payload: Option<D>,
    next: Step,
}

/// Where a [`TypeThenPayload`] is in its map.
#[derive(Clone, Copy)]
enum Step {
    TypeKey,
    TypeValue,
    PayloadKey,
    PayloadValue,
    End,
}

impl<'a, D> TypeThenPayload<'a, D> {
    fn new(kind: &'a str, payload: Option<D>) -> Self {
        Self {
            kind,
            payload,
            next: Step::TypeKey,
        }
    }
}

impl<'de, D: Deserializer<'de>> MapAccess<'de> for TypeThenPayload<'_, D> {
    type Error = D::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, D::Error> {
        let key = match self.next {
            Step::TypeKey => {
                self.next = Step::TypeValue;
                "type"
            }
            Step::PayloadKey if self.payload.is_some() => {
                self.next = Step::PayloadValue;
                "payload"
            }
            _ => {
                self.next = Step::End;
                return Ok(None);
            }
        };
        seed.deserialize(StrDeserializer::new(key)).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, D::Error> {
        match self.next {
            Step::TypeValue => {
                self.next = Step::PayloadKey;
                seed.deserialize(StrDeserializer::new(self.kind))
            }
            Step::PayloadValue => {
                self.next = Step::End;
                // `next_key_seed` named the payload only because there is one.
                let payload = self
                    .payload
                    .take()
                    .ok_or_else(|| D::Error::missing_field("payload"))?;
                seed.deserialize(payload)
            }
            _ => Err(D::Error::custom("a value was asked for before its key")),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    /// One event of every type, every other one without a drop.
    fn every_type() -> Vec<Event> {
        let at = DateTime::<Utc>::from_timestamp_micros(1_765_000_000_123_456).unwrap();
        crate::domain::event::every_type(at)
            .into_iter()
            .enumerate()
            .map(|(n, data)| {
                let drop_id = (n % 2 == 0).then(DropId::new);
                Event::new(data, CreatorId::new(), drop_id, at)
            })
            .collect()
    }

    #[test]
    fn every_event_type_reads_back_from_text_and_from_a_value() {
        for event in every_type() {
            let text = serde_json::to_string(&event).unwrap();
            assert_eq!(
                serde_json::from_str::<Event>(&text).unwrap(),
                event,
                "{text}"
            );
            // A Value sorts its keys: the payload comes before the type.
            let value = serde_json::to_value(&event).unwrap();
            assert_eq!(
                serde_json::from_value::<Event>(value).unwrap(),
                event,
                "{text}"
            );
        }
    }

    #[test]
    fn field_order_and_unknown_fields_do_not_matter() {
        let event = &every_type()[11];
        // A Value's fields come sorted, so the payload comes before the type here.
        let Value::Object(fields) = serde_json::to_value(event).unwrap() else {
            unreachable!("an event is an object");
        };
        let mut text = String::from("{\"addedLater\":{\"nested\":[1,2]}");
        for (key, value) in fields {
            text.push_str(&format!(",{}:{}", json!(key), value));
        }
        text.push('}');
        assert!(text.find("\"payload\"") < text.find("\"type\""), "{text}");
        assert_eq!(&serde_json::from_str::<Event>(&text).unwrap(), event);
    }

    #[test]
    fn a_missing_drop_id_and_a_null_one_both_read_as_none() {
        let event = &every_type()[1];
        assert_eq!(event.drop_id, None);
        let mut value = serde_json::to_value(event).unwrap();
        assert!(value.get("dropId").is_none());
        assert_eq!(
            &serde_json::from_value::<Event>(value.clone()).unwrap(),
            event
        );
        value["dropId"] = Value::Null;
        let text = value.to_string();
        assert_eq!(&serde_json::from_str::<Event>(&text).unwrap(), event);
    }

    #[test]
    fn a_malformed_envelope_is_refused_with_what_is_wrong() {
        let event = serde_json::to_value(&every_type()[11]).unwrap();
        let refused = |change: &dyn Fn(&mut Value)| {
            let mut value = event.clone();
            change(&mut value);
            let text = value.to_string();
            let from_text = serde_json::from_str::<Event>(&text)
                .unwrap_err()
                .to_string();
            let from_value = serde_json::from_value::<Event>(value)
                .unwrap_err()
                .to_string();
            (from_text, from_value)
        };
        for (field, said) in [
            ("type", "missing field `type`"),
            ("id", "missing field `id`"),
            ("occurredAt", "missing field `occurredAt`"),
            ("creatorId", "missing field `creatorId`"),
            ("payload", "missing field `payload`"),
        ] {
            let (text, value) = refused(&|v| {
                v.as_object_mut().unwrap().remove(field);
            });
            assert!(
                text.contains(said) && value.contains(said),
                "{text} / {value}"
            );
        }
        let (text, value) = refused(&|v| v["type"] = json!("order.teleported"));
        assert!(
            text.contains("unknown variant `order.teleported`"),
            "{text}"
        );
        assert!(
            value.contains("unknown variant `order.teleported`"),
            "{value}"
        );
        let (text, _) = refused(&|v| v["payload"]["qty"] = json!("one"));
        assert!(text.contains("invalid type"), "{text}");
        let text = event.to_string();
        let duplicated = text.replacen('{', &format!("{{\"id\":{},", event["id"]), 1);
        let said = serde_json::from_str::<Event>(&duplicated)
            .unwrap_err()
            .to_string();
        assert!(said.contains("duplicate field `id`"), "{said}");
        // A payload before the type and another after it.
        let payload = format!("\"payload\":{},", event["payload"]);
        let twice = text.replacen('{', &format!("{{{payload}"), 1);
        assert!(
            twice.find("\"payload\"") < twice.find("\"type\""),
            "{twice}"
        );
        let said = serde_json::from_str::<Event>(&twice)
            .unwrap_err()
            .to_string();
        assert!(said.contains("duplicate field `payload`"), "{said}");
    }
}
