//! [`Object`]: a JSON object written straight into a byte buffer, for the values encoded
//! on every order (the event envelope, the order answer).
//!
//! serde_json writes every key and every string through its escaping scan and every
//! field through its generic serializer; for an id, a fixed name, a number or a timestamp
//! that is most of the cost and none of it is needed. Each writer built on this is held
//! byte for byte to its type's derived `Serialize` by its own tests, so the derive stays
//! the definition of the format.

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A JSON object being written: keeps the commas between its fields.
pub(crate) struct Object<'o> {
    out: &'o mut Vec<u8>,
    empty: bool,
}

impl<'o> Object<'o> {
    /// Starts an object at the end of `out`.
    pub(crate) fn open(out: &'o mut Vec<u8>) -> Self {
        out.push(b'{');
        Self { out, empty: true }
    }

    /// Writes `"name":` and hands back the buffer for the value. Names are fixed ASCII.
    pub(crate) fn key(&mut self, name: &str) -> &mut Vec<u8> {
        if !std::mem::take(&mut self.empty) {
            self.out.push(b',');
        }
        self.out.push(b'"');
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(b"\":");
        self.out
    }

    /// A fixed name (an event type, a status): no escapes needed.
    pub(crate) fn name(&mut self, name: &str, value: &'static str) {
        let out = self.key(name);
        out.push(b'"');
        out.extend_from_slice(value.as_bytes());
        out.push(b'"');
    }

    /// Any text, escaped as serde_json escapes it.
    pub(crate) fn text(&mut self, name: &str, value: &str) {
        // Writing a `str` into a `Vec` cannot fail.
        let _ = serde_json::to_writer(self.key(name), value);
    }

    /// An id, lower-case and hyphenated as uuid's `Serialize` writes it.
    pub(crate) fn uuid(&mut self, name: &str, id: Uuid) {
        let out = self.key(name);
        out.push(b'"');
        out.extend_from_slice(
            id.hyphenated()
                .encode_lower(&mut Uuid::encode_buffer())
                .as_bytes(),
        );
        out.push(b'"');
    }

    /// A count.
    pub(crate) fn number(&mut self, name: &str, value: u32) {
        let out = self.key(name);
        out.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
    }

    /// A timestamp, as [`crate::timestamp::serialize`] writes it.
    pub(crate) fn time(&mut self, name: &str, at: &DateTime<Utc>) {
        let out = self.key(name);
        let mut buffer = [0u8; 30];
        match crate::timestamp::format(at, &mut buffer) {
            Some(text) => {
                out.push(b'"');
                out.extend_from_slice(text.as_bytes());
                out.push(b'"');
            }
            // Years outside 0..=9999: chrono's own form, as the serde path falls back to.
            None => {
                let _ = serde_json::to_writer(out, at);
            }
        }
    }

    /// Ends the object.
    pub(crate) fn close(self) {
        self.out.push(b'}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_separated_and_text_is_escaped() {
        let mut out = Vec::new();
        let mut object = Object::open(&mut out);
        object.number("n", 4_294_967_295);
        object.text("quote", "a\"b\\c\u{1}");
        object.name("kind", "order.confirmed");
        Object::open(object.key("inner")).close();
        object.close();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"n":4294967295,"quote":"a\"b\\c\u0001","kind":"order.confirmed","inner":{}}"#
        );
    }
}
