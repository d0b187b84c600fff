//! The fast path's response, written straight to the socket: the head from a buffer sized
//! to it and freed once sent, then each body frame as it comes, with a vectored write, so
//! nothing is buffered between writes. A client that stops reading blocks the writes, and
//! the body's own bounded queue is what holds back (the hub cuts such a client through
//! its connection handle).

use std::io::{self, IoSlice, Write as _};
use std::time::SystemTime;

use axum::body::{Body, HttpBody as _};
use axum::http::header::{CONNECTION, CONTENT_LENGTH, DATE, TRANSFER_ENCODING};
use axum::http::response::Parts;
use axum::http::{HeaderName, Response, StatusCode, Version};
use http_body_util::BodyExt as _;
use tokio::net::TcpStream;

/// How the body is delimited on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Framing {
    /// No body at all (`204`, `304`).
    None,
    /// `Content-Length`.
    Length(u64),
    /// `Transfer-Encoding: chunked` (HTTP/1.1).
    Chunked,
    /// Delimited by closing the connection (HTTP/1.0, length unknown).
    Close,
}

/// Writes `response` to a client that spoke `version`: the head (always with
/// `Connection: close`), then the body.
///
/// # Errors
/// A write failed (the client left), the body failed, or it ended short of its length:
/// the connection must be dropped rather than shut down cleanly.
pub(super) async fn write(
    stream: &TcpStream,
    version: Version,
    response: Response<Body>,
) -> io::Result<()> {
    let (mut parts, mut body) = response.into_parts();
    if parts.status.is_informational() {
        // A handler cannot send an interim response; hyper answers 500 instead too.
        parts = Response::new(()).into_parts().0;
        parts.status = StatusCode::INTERNAL_SERVER_ERROR;
        body = Body::empty();
    }
    let framing = framing(&parts, &body, version);
    let head = encode_head(&parts, version, framing);
    write_all(stream, &mut [IoSlice::new(&head)]).await?;
    drop(head);
    drop(parts);

    let mut left = match framing {
        Framing::None | Framing::Length(0) => return Ok(()),
        Framing::Length(length) => length,
        Framing::Chunked | Framing::Close => u64::MAX,
    };
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(io::Error::other)?;
        // Trailers: none of the fast path's routes send any, and chunked trailers are
        // optional for a client to read anyway.
        let Ok(data) = frame.into_data() else {
            continue;
        };
        if data.is_empty() {
            // An empty chunk would end a chunked body.
            continue;
        }
        if framing == Framing::Chunked {
            write_chunk(stream, &data).await?;
        } else {
            // Never more than the announced length.
            let length = data.len().min(usize::try_from(left).unwrap_or(usize::MAX));
            write_all(stream, &mut [IoSlice::new(&data[..length])]).await?;
            left -= length as u64;
            if left == 0 {
                return Ok(());
            }
        }
    }
    match framing {
        Framing::Chunked => write_all(stream, &mut [IoSlice::new(b"0\r\n\r\n")]).await,
        Framing::Length(_) => Err(io::ErrorKind::UnexpectedEof.into()),
        Framing::None | Framing::Close => Ok(()),
    }
}

/// The framing hyper would pick: its rules for bodiless statuses, an empty body
/// (`Content-Length: 0`), the handler's `Content-Length`, then the body's exact size.
fn framing(parts: &Parts, body: &Body, version: Version) -> Framing {
    if matches!(
        parts.status,
        StatusCode::NO_CONTENT | StatusCode::NOT_MODIFIED
    ) {
        return Framing::None;
    }
    if body.is_end_stream() {
        return Framing::Length(0);
    }
    let announced = parts
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|length| length.to_str().ok()?.trim().parse().ok());
    match announced.or_else(|| body.size_hint().exact()) {
        Some(length) => Framing::Length(length),
        None if version == Version::HTTP_10 => Framing::Close,
        None => Framing::Chunked,
    }
}

/// The status line and headers, lower-case names as hyper writes them; the framing and
/// connection headers are the writer's, a `Date` is added when the handler set none.
fn encode_head(parts: &Parts, version: Version, framing: Framing) -> Vec<u8> {
    const OURS: [HeaderName; 3] = [CONNECTION, CONTENT_LENGTH, TRANSFER_ENCODING];
    let size: usize = parts
        .headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    let mut head = Vec::with_capacity(size + 128);
    head.extend_from_slice(match version {
        Version::HTTP_10 => b"HTTP/1.0 ",
        _ => b"HTTP/1.1 ",
    });
    head.extend_from_slice(parts.status.as_str().as_bytes());
    head.push(b' ');
    // A reason must be written: many parsers expect one.
    let reason = parts.status.canonical_reason().unwrap_or("<none>");
    head.extend_from_slice(reason.as_bytes());
    head.extend_from_slice(b"\r\n");
    for (name, value) in parts
        .headers
        .iter()
        .filter(|(name, _)| !OURS.contains(name))
    {
        head.extend_from_slice(name.as_str().as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(value.as_bytes());
        head.extend_from_slice(b"\r\n");
    }
    // Writing to a `Vec` cannot fail.
    let _ = match framing {
        Framing::Length(length) => write!(head, "content-length: {length}\r\n"),
        Framing::Chunked => write!(head, "transfer-encoding: chunked\r\n"),
        Framing::None | Framing::Close => Ok(()),
    };
    // The fast path serves one request per connection: a stream ends only to be reopened
    // by a new request, and a refusal is followed by a retry later, if at all.
    head.extend_from_slice(b"connection: close\r\n");
    if !parts.headers.contains_key(DATE) {
        let now = httpdate::HttpDate::from(SystemTime::now());
        let _ = write!(head, "date: {now}\r\n");
    }
    head.extend_from_slice(b"\r\n");
    head
}

/// One chunk: its size line, the data and the closing line in one vectored write.
async fn write_chunk(stream: &TcpStream, data: &[u8]) -> io::Result<()> {
    let mut size_line = [0; 20];
    let mut unused = &mut size_line[..];
    write!(unused, "{:x}\r\n", data.len())?;
    let length = 20 - unused.len();
    let mut slices = [
        IoSlice::new(&size_line[..length]),
        IoSlice::new(data),
        IoSlice::new(b"\r\n"),
    ];
    write_all(stream, &mut slices).await
}

/// Writes every slice, waiting for the socket to be writable whenever it is not.
async fn write_all(stream: &TcpStream, mut slices: &mut [IoSlice<'_>]) -> io::Result<()> {
    IoSlice::advance_slices(&mut slices, 0);
    while !slices.is_empty() {
        match stream.try_write_vectored(slices) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(written) => IoSlice::advance_slices(&mut slices, written),
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                stream.writable().await?;
            }
            Err(error) => return Err(error),
        }
    }
    Ok(())
}

/// Resolves once the client has sent anything more or closed its side. A client never
/// sends more on an event stream, so either means it is gone (hyper, too, drops a
/// connection whose client closes its side mid-response).
pub(super) async fn client_gone(stream: &TcpStream) {
    let mut byte = [0; 1];
    loop {
        if stream.readable().await.is_err() {
            return;
        }
        match stream.try_read(&mut byte) {
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
            _ => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head_of(response: Response<Body>, version: Version) -> String {
        let (parts, body) = response.into_parts();
        let framing = framing(&parts, &body, version);
        String::from_utf8(encode_head(&parts, version, framing)).unwrap()
    }

    #[test]
    fn a_stream_is_chunked_on_http11_and_close_delimited_on_http10() {
        let stream = || {
            let body = Body::from_stream(futures_util::stream::pending::<io::Result<&[u8]>>());
            let mut response = Response::new(body);
            response
                .headers_mut()
                .insert(CONNECTION, "close".parse().unwrap());
            response
        };
        let head = head_of(stream(), Version::HTTP_11);
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
        assert!(
            head.contains("\r\ntransfer-encoding: chunked\r\n"),
            "{head}"
        );
        assert_eq!(head.matches("connection: close").count(), 1, "{head}");
        assert!(
            head.contains("\r\ndate: ") && head.ends_with("\r\n\r\n"),
            "{head}"
        );

        let head = head_of(stream(), Version::HTTP_10);
        assert!(head.starts_with("HTTP/1.0 200 OK\r\n"), "{head}");
        assert!(!head.contains("transfer-encoding") && !head.contains("content-length"));
    }

    #[test]
    fn a_sized_body_keeps_its_length_and_a_bodiless_status_has_none() {
        let mut refused = Response::new(Body::from("{\"code\":\"x\"}"));
        *refused.status_mut() = StatusCode::UNAUTHORIZED;
        let head = head_of(refused, Version::HTTP_11);
        assert!(head.starts_with("HTTP/1.1 401 Unauthorized\r\n"), "{head}");
        assert!(head.contains("\r\ncontent-length: 12\r\n"), "{head}");

        let head = head_of(Response::new(Body::empty()), Version::HTTP_11);
        assert!(head.contains("\r\ncontent-length: 0\r\n"), "{head}");

        let mut empty = Response::new(Body::empty());
        *empty.status_mut() = StatusCode::NO_CONTENT;
        let head = head_of(empty, Version::HTTP_11);
        assert!(!head.contains("content-length"), "{head}");
    }
}
