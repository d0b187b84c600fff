//! RFC 3339 timestamps written straight into the serializer: byte for byte what chrono's
//! `Serialize` writes (`2026-11-24T01:47:05.123456Z`, with 0, 3, 6 or 9 fraction digits),
//! without going through `fmt`. The order response is encoded on every order, and chrono's
//! formatter was 7% of the order path.

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::Serializer;

/// Serializes `at` exactly as chrono does.
pub fn serialize<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    let mut buffer = [0u8; 30];
    match format(at, &mut buffer) {
        Some(text) => serializer.serialize_str(text),
        // Years outside 0..=9999 need chrono's signed, widened form.
        None => serde::Serialize::serialize(at, serializer),
    }
}

/// [`serialize`] for optional timestamps.
pub fn serialize_option<S: Serializer>(
    at: &Option<DateTime<Utc>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => serialize(at, serializer),
        None => serializer.serialize_none(),
    }
}

/// Writes `value` as `width` decimal digits at `at`; returns the position after them.
fn digits(buffer: &mut [u8; 30], at: usize, value: u32, width: usize) -> usize {
    let mut rest = value;
    for slot in buffer[at..at + width].iter_mut().rev() {
        *slot = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    at + width
}

pub(crate) fn format<'b>(at: &DateTime<Utc>, buffer: &'b mut [u8; 30]) -> Option<&'b str> {
    let year = u32::try_from(at.year()).ok().filter(|y| *y <= 9999)?;
    // A leap second is carried in the nanoseconds (>= 1e9) and printed as second 60.
    let nanos = at.nanosecond();
    let fields = [
        (year, 4, b'-'),
        (at.month(), 2, b'-'),
        (at.day(), 2, b'T'),
        (at.hour(), 2, b':'),
        (at.minute(), 2, b':'),
    ];
    let mut len = 0;
    for (value, width, separator) in fields {
        len = digits(buffer, len, value, width);
        buffer[len] = separator;
        len += 1;
    }
    len = digits(buffer, len, at.second() + nanos / 1_000_000_000, 2);
    let (fraction, width) = match nanos % 1_000_000_000 {
        0 => (0, 0),
        n if n % 1_000_000 == 0 => (n / 1_000_000, 3),
        n if n % 1_000 == 0 => (n / 1_000, 6),
        n => (n, 9),
    };
    if width > 0 {
        buffer[len] = b'.';
        len = digits(buffer, len + 1, fraction, width);
    }
    buffer[len] = b'Z';
    std::str::from_utf8(&buffer[..=len]).ok()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn ours(at: DateTime<Utc>) -> String {
        #[derive(serde::Serialize)]
        struct Wrapper(#[serde(serialize_with = "serialize")] DateTime<Utc>);
        serde_json::to_string(&Wrapper(at)).unwrap()
    }

    #[test]
    fn writes_exactly_what_chrono_writes() {
        let mut samples = vec![
            Utc::now(),
            Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
            Utc.with_ymd_and_hms(1, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap(),
            Utc.with_ymd_and_hms(-5, 1, 1, 0, 0, 0).unwrap(),
            DateTime::<Utc>::MAX_UTC,
            DateTime::<Utc>::MIN_UTC,
        ];
        let base = Utc.with_ymd_and_hms(2026, 11, 24, 1, 2, 3).unwrap();
        for nanos in [
            1,
            10,
            999,
            1_000,
            120_000,
            1_000_000,
            123_456_789,
            500_000_000,
            999_999_999,
        ] {
            samples.push(base + chrono::TimeDelta::nanoseconds(nanos));
        }
        let mut step = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..2_000 {
            step = step
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let seconds = (step >> 20) as i64 % 253_402_300_799;
            let nanos = (step as u32) % 1_000_000_000;
            samples.push(DateTime::from_timestamp(seconds, nanos).unwrap());
        }
        for at in samples {
            assert_eq!(ours(at), serde_json::to_string(&at).unwrap(), "{at:?}");
        }
    }
}
