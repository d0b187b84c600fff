//! Answers compressed for clients that ask (gzip or brotli): bodies of 1 KiB or more,
//! never an event stream (each event must leave at once, not when a compressor's block
//! fills) nor an image (already compressed). The web app's files are gzipped at build
//! time and already carry their `Content-Encoding`, which is left alone.
//!
//! A request that names no encoding (`Accept-Encoding` absent: the typed client, scripts,
//! most programs) goes past the compressor. tower-http's layer would learn only at the end
//! that it may not compress, after wrapping the answer in a body type that holds every
//! encoder's state inline (5.8 KB, boxed and moved per answer): 3,300 of a cached read's
//! 44,600 instructions. Such an answer still gets the `Vary: Accept-Encoding` the
//! compressor would have given it, so a cache in front keeps the two forms apart.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::body::Body;
use axum::http::header::{ACCEPT_ENCODING, VARY};
use axum::http::{HeaderValue, Request, Response};
use tower::{Layer, Service};
use tower_http::compression::predicate::{And, NotForContentType, Predicate, SizeAbove};
use tower_http::compression::{Compression, CompressionBody};
use tower_http::map_response_body::MapResponseBody;

/// What is worth compressing (see the module doc).
type Compressible =
    And<And<And<SizeAbove, NotForContentType>, NotForContentType>, NotForContentType>;

fn compressible() -> Compressible {
    SizeAbove::new(1024)
        .and(NotForContentType::SSE)
        .and(NotForContentType::IMAGES)
        .and(NotForContentType::GRPC)
}

/// The compressor, its body boxed where it is made: each layer outside would move the
/// 5.8 KB body type again.
type Compressing<S> =
    MapResponseBody<Compression<S, Compressible>, fn(CompressionBody<Body>) -> Body>;

/// Compresses the answers of clients that ask (see the module doc).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct CompressionLayer;

impl<S: Clone> Layer<S> for CompressionLayer {
    type Service = CompressWhenAsked<S>;

    fn layer(&self, inner: S) -> Self::Service {
        let compressing = tower_http::compression::CompressionLayer::new()
            .compress_when(compressible())
            .layer(inner.clone());
        let boxed: fn(CompressionBody<Body>) -> Body = Body::new;
        CompressWhenAsked {
            plain: inner,
            compressing: MapResponseBody::new(compressing, boxed),
        }
    }
}

/// The service [`CompressionLayer`] wraps around the app.
#[derive(Clone)]
pub(crate) struct CompressWhenAsked<S> {
    plain: S,
    compressing: Compressing<S>,
}

impl<S, B> Service<Request<B>> for CompressWhenAsked<S>
where
    S: Service<Request<B>, Response = Response<Body>> + Clone,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = Answer<S::Future, <Compressing<S> as Service<Request<B>>>::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        // Two handles on the same app: both must be ready for either call.
        ready!(self.plain.poll_ready(cx))?;
        self.compressing.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        if request.headers().contains_key(ACCEPT_ENCODING) {
            Answer::Compressing {
                answer: self.compressing.call(request),
            }
        } else {
            Answer::Plain {
                answer: self.plain.call(request),
            }
        }
    }
}

pin_project_lite::pin_project! {
    /// The app's answer, through the compressor or past it.
    #[project = Projected]
    pub(crate) enum Answer<P, C> {
        Plain { #[pin] answer: P },
        Compressing { #[pin] answer: C },
    }
}

impl<P, C, E> Future for Answer<P, C>
where
    P: Future<Output = Result<Response<Body>, E>>,
    C: Future<Output = Result<Response<Body>, E>>,
{
    type Output = Result<Response<Body>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            Projected::Compressing { answer } => answer.poll(cx),
            Projected::Plain { answer } => {
                let mut response = ready!(answer.poll(cx))?;
                if compressible().should_compress(&response) && !varies_by_encoding(&response) {
                    let vary = HeaderValue::from_static("accept-encoding");
                    response.headers_mut().append(VARY, vary);
                }
                Poll::Ready(Ok(response))
            }
        }
    }
}

/// Whether the answer already says it varies by `Accept-Encoding`.
fn varies_by_encoding(response: &Response<Body>) -> bool {
    response.headers().get_all(VARY).iter().any(|value| {
        value
            .as_bytes()
            .split(|&b| b == b',')
            .any(|name| name.trim_ascii().eq_ignore_ascii_case(b"accept-encoding"))
    })
}
