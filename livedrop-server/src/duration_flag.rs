//! Durations as the flags take them: `10s`, `500ms`, `2m`, or seconds without a unit.

use std::time::Duration;

/// A duration: a non-negative number with a unit, `ms`, `s` or `m` (seconds without one).
pub(crate) fn duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| c.is_ascii_alphabetic()) {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let scale = match unit.trim() {
        "ms" => 0.001,
        "s" => 1.0,
        "m" => 60.0,
        other => return Err(format!("unknown unit `{other}` (use ms, s or m)")),
    };
    let number: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a duration (like `10s` or `500ms`)"))?;
    Duration::try_from_secs_f64(number * scale)
        .map_err(|_| format!("`{text}` is not a duration (like `10s` or `500ms`)"))
}

/// A [`duration`] other than zero.
pub(crate) fn positive_duration(text: &str) -> Result<Duration, String> {
    match duration(text)? {
        Duration::ZERO => Err("must be more than zero".to_owned()),
        duration => Ok(duration),
    }
}
