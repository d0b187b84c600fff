//! A connection's first request head, read by the loop itself into a small buffer and
//! sorted: a bodiless `GET` of an event stream, which the fast path serves, or anything
//! else, which hyper serves from the bytes read so far.

use std::io;
use std::time::Duration;

use axum::body::Body;
use axum::http::header::{CONTENT_LENGTH, EXPECT, TRANSFER_ENCODING, UPGRADE};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Uri, Version};
use tokio::net::TcpStream;
use tokio::sync::watch;

/// Where the buffer starts: an `EventSource` request head is some 300 to 700 bytes (a
/// cookie or a long token may double that, and the buffer grows then).
const INITIAL: usize = 1024;

/// Where the buffer stops growing: a head still incomplete by then goes to hyper, which
/// takes heads up to its own, larger limit (and gives the rest of it a header read timeout
/// of its own). The fast path's requests are far smaller.
const LIMIT: usize = 16 * 1024;

/// hyper's default maximum number of request headers: a head with more goes to hyper,
/// which refuses it as hyper always has.
const MAX_HEADERS: usize = 100;

/// What a connection's first bytes turned out to be.
pub(super) enum First {
    /// An event-stream request for the fast path, without its extensions yet (boxed: the
    /// connection's future would otherwise hold a request's worth of bytes for life).
    Stream(Box<Request<Body>>),
    /// Anything else: hyper's, with the bytes read so far (at least one).
    Other(Vec<u8>),
    /// Nothing to serve: the client left, sent no whole head within the header read
    /// timeout, or the server started stopping before the client sent a byte.
    Gone(&'static str),
}

/// Reads until the head is whole (or cannot be ours), within `timeout` of being called.
///
/// A shutdown closes the connection only while nothing has been read, as hyper's graceful
/// shutdown closes a connection that has not started a request but lets one that has
/// carry on (to be served and closed).
pub(super) async fn read(
    stream: &TcpStream,
    timeout: Duration,
    stopping: &mut watch::Receiver<bool>,
) -> First {
    let mut read = Vec::with_capacity(INITIAL);
    let mut deadline = std::pin::pin!(tokio::time::sleep(timeout));
    let mut stop_seen = false;
    loop {
        let got = tokio::select! {
            biased;
            got = read_more(stream, &mut read) => got,
            () = &mut deadline => return First::Gone("no whole request head in time"),
            // An error means the accept loop is gone: stopping too.
            _ = stopping.wait_for(|stopping| *stopping), if !stop_seen => {
                if read.is_empty() {
                    return First::Gone("shutting down");
                }
                stop_seen = true;
                continue;
            }
        };
        match got {
            // hyper reports an incomplete head cut short as it sees fit.
            Ok(0) if !read.is_empty() => return First::Other(read),
            Ok(0) => return First::Gone("closed before sending a request"),
            Ok(_) => match sort(&read) {
                Sorted::Stream(request) => return First::Stream(request),
                Sorted::Partial if read.len() < LIMIT => {}
                Sorted::Partial | Sorted::Other => return First::Other(read),
            },
            Err(_) => return First::Gone("read failed"),
        }
    }
}

/// Reads what the socket has into `read`, doubling it first when full (`read` keeps what
/// came in if the future is dropped).
async fn read_more(stream: &TcpStream, read: &mut Vec<u8>) -> io::Result<usize> {
    if read.len() == read.capacity() {
        read.reserve_exact(read.len().clamp(INITIAL, LIMIT));
    }
    loop {
        stream.readable().await?;
        match stream.try_read_buf(read) {
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
            result => return result,
        }
    }
}

/// What the bytes read so far are.
enum Sorted {
    Stream(Box<Request<Body>>),
    /// The head is not whole yet.
    Partial,
    Other,
}

fn sort(read: &[u8]) -> Sorted {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut head = httparse::Request::new(&mut headers);
    match head.parse(read) {
        Ok(httparse::Status::Partial) => Sorted::Partial,
        // Bytes after the head (a body, pipelined requests) stay hyper's business.
        Ok(httparse::Status::Complete(length)) if length == read.len() => {
            stream_request(&head).map_or(Sorted::Other, Sorted::Stream)
        }
        // Trailing bytes, or a head httparse refuses: hyper answers those.
        Ok(httparse::Status::Complete(_)) | Err(_) => Sorted::Other,
    }
}

/// The request, if it is a bodiless `GET` of an event stream that `http` accepts.
fn stream_request(head: &httparse::Request<'_, '_>) -> Option<Box<Request<Body>>> {
    let version = match head.version? {
        0 => Version::HTTP_10,
        1 => Version::HTTP_11,
        _ => return None,
    };
    let target = head.path?;
    if head.method? != "GET" || !is_stream_target(target) {
        return None;
    }
    let mut headers = HeaderMap::with_capacity(head.headers.len());
    for header in head.headers.iter() {
        let name = HeaderName::from_bytes(header.name.as_bytes()).ok()?;
        // A body (or its announcement) or a protocol switch: hyper knows what to do.
        let bodiless = match name {
            CONTENT_LENGTH => header.value.trim_ascii() == b"0",
            TRANSFER_ENCODING | EXPECT | UPGRADE => false,
            _ => true,
        };
        if !bodiless {
            return None;
        }
        headers.append(name, HeaderValue::from_bytes(header.value).ok()?);
    }
    let mut request = Request::new(Body::empty());
    *request.method_mut() = Method::GET;
    *request.uri_mut() = Uri::try_from(target).ok()?;
    *request.version_mut() = version;
    *request.headers_mut() = headers;
    Some(Box::new(request))
}

/// The two event-stream routes (`routes/realtime.rs`): `/api/realtime/events` and
/// `/api/drops/{id}/events`, with any query. Anything the router would not route there
/// (an empty id, a trailing slash) goes to hyper and is answered as usual; were the routes
/// to move, their requests would go to hyper too, served right but at hyper's cost.
fn is_stream_target(target: &str) -> bool {
    let path = target.split_once('?').map_or(target, |(path, _)| path);
    path == "/api/realtime/events"
        || path
            .strip_prefix("/api/drops/")
            .and_then(|rest| rest.strip_suffix("/events"))
            .is_some_and(|id| !id.is_empty() && !id.contains('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(head: &str) -> &'static str {
        match sort(head.as_bytes()) {
            Sorted::Stream(_) => "stream",
            Sorted::Partial => "partial",
            Sorted::Other => "other",
        }
    }

    #[test]
    fn only_the_two_stream_routes_are_stream_targets() {
        for target in [
            "/api/realtime/events",
            "/api/realtime/events?token=abc",
            "/api/drops/0193a1b2-0000-7000-8000-000000000000/events",
            "/api/drops/not-an-id/events?x=1",
        ] {
            assert!(is_stream_target(target), "{target}");
        }
        for target in [
            "/api/realtime/events/",
            "/api/realtime/token",
            "/api/drops//events",
            "/api/drops/a/b/events",
            "/api/drops/a/events/",
            "/drops/a/events",
            "*",
        ] {
            assert!(!is_stream_target(target), "{target}");
        }
    }

    #[test]
    fn a_bodiless_stream_get_is_the_fast_paths() {
        let head = "GET /api/drops/x/events?a=b HTTP/1.1\r\nHost: h\r\nLast-Event-ID: 7\r\n\r\n";
        let Sorted::Stream(request) = sort(head.as_bytes()) else {
            panic!("not a stream request");
        };
        assert_eq!(request.method(), Method::GET);
        assert_eq!(request.uri(), "/api/drops/x/events?a=b");
        assert_eq!(request.version(), Version::HTTP_11);
        assert_eq!(request.headers()["host"], "h");
        assert_eq!(request.headers()["last-event-id"], "7");
        assert_eq!(
            sorted("GET /api/realtime/events HTTP/1.0\r\n\r\n"),
            "stream"
        );
        assert_eq!(
            sorted("GET /api/realtime/events HTTP/1.1\r\ncontent-length: 0\r\n\r\n"),
            "stream"
        );
    }

    #[test]
    fn everything_else_is_hypers_or_needs_more() {
        assert_eq!(
            sorted("GET /api/drops/x/events HTTP/1.1\r\nhost: h\r\n"),
            "partial"
        );
        assert_eq!(sorted("GET /api/drops/x/ev"), "partial");
        for head in [
            "GET /healthz HTTP/1.1\r\n\r\n",
            "POST /api/drops/x/events HTTP/1.1\r\n\r\n",
            "HEAD /api/drops/x/events HTTP/1.1\r\n\r\n",
            "GET /api/drops/x/events HTTP/1.1\r\ncontent-length: 2\r\n\r\nhi",
            "GET /api/drops/x/events HTTP/1.1\r\ncontent-length: 2\r\n\r\n",
            "GET /api/drops/x/events HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n",
            "GET /api/drops/x/events HTTP/1.1\r\nexpect: 100-continue\r\n\r\n",
            "GET /api/drops/x/events HTTP/1.1\r\nupgrade: websocket\r\n\r\n",
            // Pipelined: the second request must not be lost.
            "GET /api/drops/x/events HTTP/1.1\r\n\r\nGET /healthz HTTP/1.1\r\n\r\n",
            "GET /api/drops/x/events HTTP/2.0\r\n\r\n",
            "GET /api/drops/x/events HTTP/1.1\r\nbad header\r\n\r\n",
        ] {
            assert_eq!(sorted(head), "other", "{head:?}");
        }
    }
}
