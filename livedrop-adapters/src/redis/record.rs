//! Idempotency records as Redis string values: a tag byte, the 32 fingerprint bytes, and
//! for a completed record the answer as JSON.
//!
//! The in-flight value is exactly tag + fingerprint, so the scripts decide "is this still
//! the caller's in-flight record?" with one string comparison.

use livedrop_core::ports::{Fingerprint, IdempotencyRecord, OrderAnswer};
use livedrop_core::{Error, Result};

const IN_FLIGHT: u8 = b'I';
const COMPLETED: u8 = b'C';
const FINGERPRINT_LEN: usize = 32;

/// The value of the in-flight record of a request with `fingerprint`.
pub(crate) fn in_flight(fingerprint: &Fingerprint) -> Vec<u8> {
    let mut value = Vec::with_capacity(1 + FINGERPRINT_LEN);
    value.push(IN_FLIGHT);
    value.extend_from_slice(fingerprint.as_bytes());
    value
}

/// The value of a completed record.
pub(crate) fn completed(fingerprint: &Fingerprint, answer: &OrderAnswer) -> Result<Vec<u8>> {
    let mut value = Vec::with_capacity(1 + FINGERPRINT_LEN + 256);
    value.push(COMPLETED);
    value.extend_from_slice(fingerprint.as_bytes());
    match answer {
        // The common answer, written as serde writes `Ok(order)` without serde's walk
        // over it (about 4,600 instructions an order).
        Ok(order) => {
            value.extend_from_slice(br#"{"Ok":"#);
            order.write_json(&mut value);
            value.push(b'}');
        }
        Err(_) => {
            serde_json::to_writer(&mut value, answer).map_err(|e| Error::internal("redis", e))?;
        }
    }
    Ok(value)
}

/// Reads a stored value back; anything else under the key is a bug (or a foreign writer),
/// reported as `Internal`.
pub(crate) fn decode(value: &[u8]) -> Result<IdempotencyRecord> {
    let malformed = || Error::internal("redis", "malformed idempotency record");
    let (&tag, rest) = value.split_first().ok_or_else(malformed)?;
    let (fingerprint, answer) = rest
        .split_at_checked(FINGERPRINT_LEN)
        .ok_or_else(malformed)?;
    let fingerprint = Fingerprint::from_bytes(fingerprint.try_into().map_err(|_| malformed())?);
    match tag {
        IN_FLIGHT if answer.is_empty() => Ok(IdempotencyRecord::InFlight { fingerprint }),
        COMPLETED => Ok(IdempotencyRecord::Completed {
            fingerprint,
            answer: serde_json::from_slice(answer).map_err(|e| Error::internal("redis", e))?,
        }),
        _ => Err(malformed()),
    }
}

#[cfg(test)]
mod tests {
    use livedrop_core::domain::{IdempotencyKey, OrderRejection, Quantity};
    use livedrop_core::ids::{DropId, OrderId, UserId};
    use livedrop_core::ports::OrderRequest;

    use super::*;

    fn fingerprint() -> Fingerprint {
        Fingerprint::of(&[b"drop", b"qty"])
    }

    #[test]
    fn records_read_back_as_written() {
        // The wire keeps whole microseconds, as every clock's instants have.
        let now = chrono::DateTime::from_timestamp_micros(1_764_000_000_123_456).unwrap();
        let order = OrderRequest {
            order_id: OrderId::at(now),
            user_id: UserId::new(),
            drop_id: DropId::new(),
            qty: Quantity::ONE,
            idempotency_key: IdempotencyKey::try_from("k-1").unwrap(),
            now,
            trace: None,
        }
        .confirmed_order();
        let fp = fingerprint();
        assert_eq!(
            decode(&in_flight(&fp)).unwrap(),
            IdempotencyRecord::InFlight { fingerprint: fp }
        );
        for answer in [Ok(order), Err(OrderRejection::SoldOut)] {
            let value = completed(&fp, &answer).unwrap();
            // The answer as serde writes it, so records of either version read alike.
            assert_eq!(
                value[1 + FINGERPRINT_LEN..],
                serde_json::to_vec(&answer).unwrap()
            );
            assert_eq!(
                decode(&value).unwrap(),
                IdempotencyRecord::Completed {
                    fingerprint: fp,
                    answer
                }
            );
        }
    }

    #[test]
    fn foreign_values_are_internal_errors() {
        for value in [
            &b""[..],
            b"I",
            b"Xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            b"I0123",
        ] {
            assert!(
                matches!(decode(value), Err(Error::Internal { .. })),
                "{value:?}"
            );
        }
        let mut trailing = in_flight(&fingerprint());
        trailing.push(b'x');
        assert!(decode(&trailing).is_err());
    }
}
