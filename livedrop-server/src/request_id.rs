//! The caller's `X-Request-Id`, kept only when it is a sane id.
//!
//! The id goes into every log line of the request and back in the response, so a caller
//! could otherwise make each of those lines carry kilobytes of its own text (or control
//! characters a log viewer interprets). An id longer than [`MAX_LEN`] or with anything but
//! visible ASCII is dropped, and the request gets a fresh UUID like one that sent none.

use axum::extract::Request;

use crate::REQUEST_ID;

/// The longest id kept: room for a UUID, a trace id or a proxy's composite id.
pub const MAX_LEN: usize = 128;

/// Removes an unusable `X-Request-Id` (see the module doc) before the id is set. A plain
/// function of the request (a `map_request` layer), not a middleware: it waits for
/// nothing, and a middleware boxes a future and clones the service within per request.
pub(crate) fn drop_unusable(mut request: Request) -> Request {
    let mut ids = request.headers().get_all(REQUEST_ID).iter();
    let keep = match (ids.next(), ids.next()) {
        (None, _) => true,
        (Some(id), None) => usable(id.as_bytes()),
        // Two ids: which one would the logs mean?
        (Some(_), Some(_)) => false,
    };
    if !keep {
        request.headers_mut().remove(REQUEST_ID);
    }
    request
}

/// One non-empty id of at most [`MAX_LEN`] visible ASCII characters.
fn usable(id: &[u8]) -> bool {
    !id.is_empty() && id.len() <= MAX_LEN && id.iter().all(|b| b.is_ascii_graphic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_short_visible_ascii() {
        assert!(usable(b"0b6c4e0e-8d7f-4a71-9c5e-0d2f3c1a9b7e"));
        assert!(usable(&[b'a'; MAX_LEN]));
        assert!(!usable(&[b'a'; MAX_LEN + 1]));
        assert!(!usable(b"two words"));
        assert!(!usable(b"bell\x07"));
        assert!(!usable(b""));
    }
}
