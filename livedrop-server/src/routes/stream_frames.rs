//! The OpenAPI schemas of the two event streams' frames, one per event type.
//!
//! For `text/event-stream`, OpenAPI 3.1 takes a response's schema as the schema of each
//! event: an object of the fields the frame sets (`event`, `id`, `data`). `data` is one
//! line of JSON, described by `contentMediaType` and `contentSchema` (which generic
//! validators read as annotations, and stricter ones, like the tests', check).

use std::borrow::Cow;

use livedrop_core::domain::Event;
use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

use crate::realtime::{CloseReason, DropTick, ResetReason};

/// A frame of `GET /api/realtime/events`: `open` (a fresh stream's start), `reset` (resume
/// impossible: reload over REST), `reconnect` (the stream ends; resume from `id`), or a
/// domain event (`event:` its type, `data:` the [`Event`]).
pub struct UserStreamFrame;

/// A frame of `GET /api/drops/{id}/events`: `stock` (the drop's state) or `reconnect`.
pub struct DropStreamFrame;

/// A stream position as `id:` sends it: the bus's offsets, dot-separated.
const POSITION: &str = r"^[0-9]+(\.[0-9]+)*$";

impl PartialSchema for UserStreamFrame {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new()
            .item(frame(Kind::Is("open"), Id::Required, empty_object()))
            .item(frame(
                Kind::Is("reset"),
                Id::Required,
                reason(&ResetReason::ALL.map(ResetReason::as_str)),
            ))
            .item(frame(
                Kind::Is("reconnect"),
                Id::Optional,
                reason(&CloseReason::ALL.map(CloseReason::as_str)),
            ))
            .item(frame(
                Kind::Matches(r"^[a-z_]+\.[a-z_]+$"),
                Id::Required,
                RefOr::Ref(Ref::from_schema_name(Event::name())),
            ))
            .into()
    }
}

impl ToSchema for UserStreamFrame {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((Event::name().into_owned(), Event::schema()));
        Event::schemas(schemas);
    }
}

impl PartialSchema for DropStreamFrame {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new()
            .item(frame(Kind::Is("stock"), Id::Absent, DropTick::schema()))
            .item(frame(
                Kind::Is("reconnect"),
                Id::Absent,
                reason(&CloseReason::ALL.map(CloseReason::as_str)),
            ))
            .into()
    }
}

impl ToSchema for DropStreamFrame {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("DropStreamFrame")
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        DropTick::schemas(schemas);
    }
}

/// What `event:` holds.
enum Kind {
    Is(&'static str),
    Matches(&'static str),
}

/// Whether a frame sets `id:`.
#[derive(PartialEq)]
enum Id {
    Required,
    Optional,
    Absent,
}

fn frame(kind: Kind, id: Id, data: RefOr<Schema>) -> ObjectBuilder {
    let event = match kind {
        Kind::Is(name) => ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some([name])),
        Kind::Matches(pattern) => ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(pattern)),
    };
    let data = ObjectBuilder::new()
        .schema_type(Type::String)
        .content_media_type("application/json")
        .content_schema(Some(data));
    let mut frame = ObjectBuilder::new()
        .schema_type(Type::Object)
        .property("event", event)
        .required("event")
        .property("data", data)
        .required("data");
    match id {
        Id::Required | Id::Optional => {
            let position = ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(POSITION));
            frame = frame.property("id", position);
            if id == Id::Required {
                frame = frame.required("id");
            }
        }
        Id::Absent => {}
    }
    frame
}

fn empty_object() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .additional_properties(Some(AdditionalProperties::FreeForm(false)))
        .into()
}

fn reason(reasons: &[&'static str]) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .property(
            "reason",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(reasons.iter().copied())),
        )
        .required("reason")
        .additional_properties(Some(AdditionalProperties::FreeForm(false)))
        .into()
}
