//! The W3C trace context an event carries from the request that caused it to the consumers
//! that handle it (through the outbox and the bus), so one order's trace spans processes.

use std::fmt;

/// A W3C `traceparent` value (`00-<trace id>-<parent id>-<flags>`, lowercase hex), valid by
/// construction: only version `00`, neither id all zeros. Carried as data; what makes spans
/// of it is the server's tracing, which the core does not depend on.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct TraceParent(String);

/// Bytes of a version-00 value: 2 + 1 + 32 + 1 + 16 + 1 + 2.
const LEN: usize = 55;

impl TraceParent {
    /// Parses a `traceparent` header value; `None` for anything but a valid version-00
    /// value (a bad header is ignored, as the specification asks, never an error).
    pub fn parse(value: &str) -> Option<Self> {
        let bytes = value.as_bytes();
        if bytes.len() != LEN || &bytes[..3] != b"00-" || bytes[35] != b'-' || bytes[52] != b'-' {
            return None;
        }
        let (trace_id, parent_id, flags) = (&value[3..35], &value[36..52], &value[53..]);
        let lower_hex = |s: &str| s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        let zero = |s: &str| s.bytes().all(|b| b == b'0');
        let valid = [trace_id, parent_id, flags].into_iter().all(lower_hex)
            && !zero(trace_id)
            && !zero(parent_id);
        valid.then(|| Self(value.to_owned()))
    }

    /// The value as sent in a header.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The trace id: 32 lowercase hex digits.
    pub fn trace_id(&self) -> &str {
        &self.0[3..35]
    }

    /// The id of the span this value names as the parent: 16 lowercase hex digits.
    pub fn parent_id(&self) -> &str {
        &self.0[36..52]
    }

    /// The trace flags (bit 0: the caller sampled this trace).
    pub fn flags(&self) -> u8 {
        // Two hex digits, checked on construction.
        u8::from_str_radix(&self.0[53..], 16).unwrap_or_default()
    }
}

impl fmt::Debug for TraceParent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for TraceParent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn a_valid_value_is_kept_and_split() {
        let parent = TraceParent::parse(VALID).unwrap();
        assert_eq!(parent.as_str(), VALID);
        assert_eq!(parent.trace_id(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(parent.parent_id(), "00f067aa0ba902b7");
        assert_eq!(parent.flags(), 1);
    }

    #[test]
    fn anything_else_is_ignored() {
        for bad in [
            "",
            "null",
            &VALID[..54],
            &format!("{VALID}-"),
            &VALID.replacen("00-", "01-", 1),
            &VALID.to_uppercase(),
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",
            "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e47é-00f067aa0ba902b7-01",
        ] {
            assert_eq!(TraceParent::parse(bad), None, "{bad:?}");
        }
    }
}
