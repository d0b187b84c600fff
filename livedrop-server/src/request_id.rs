//! Every request's id: the caller's `X-Request-Id` when it is a sane id, else a fresh
//! UUID; set on the request (where the request's span reads it) and copied onto the
//! response.
//!
//! The id goes into every log line of the request and back in the response, so a caller
//! could otherwise make each of those lines carry kilobytes of its own text (or control
//! characters a log viewer interprets). An id longer than [`MAX_LEN`] or with anything but
//! visible ASCII is dropped, and the request gets a fresh UUID like one that sent none.
//!
//! One layer rather than tower-http's three (check, set, propagate): each of those moved
//! the request through a service and a future of its own, formatted the UUID into a new
//! string and stored the id again in the request's and the response's extensions, which
//! nothing here reads. Together they cost a cached read about 4,100 of its 44,600
//! instructions; this layer does the same work once.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::http::{HeaderName, HeaderValue, Request, Response};
use tower::{Layer, Service};

use crate::REQUEST_ID;

/// The longest id kept: room for a UUID, a trace id or a proxy's composite id.
pub const MAX_LEN: usize = 128;

/// Gives every request an id (see the module doc) and every response the same.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct RequestIdLayer;

impl<S> Layer<S> for RequestIdLayer {
    type Service = WithRequestId<S>;

    fn layer(&self, inner: S) -> Self::Service {
        WithRequestId { inner }
    }
}

/// The service [`RequestIdLayer`] wraps around the app.
#[derive(Clone, Debug)]
pub(crate) struct WithRequestId<S> {
    inner: S,
}

impl<S, B, R> Service<Request<B>> for WithRequestId<S>
where
    S: Service<Request<B>, Response = Response<R>>,
{
    type Response = Response<R>;
    type Error = S::Error;
    type Future = AnswerWithId<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        let id = match usable_id(&request) {
            Some(id) => id.clone(),
            None => {
                let id = fresh_id();
                request.headers_mut().insert(NAME, id.clone());
                id
            }
        };
        AnswerWithId {
            answer: self.inner.call(request),
            id: Some(id),
        }
    }
}

pin_project_lite::pin_project! {
    /// The app's answer, with the request's id added unless the app set one itself.
    pub(crate) struct AnswerWithId<F> {
        #[pin]
        answer: F,
        id: Option<HeaderValue>,
    }
}

impl<F, R, E> Future for AnswerWithId<F>
where
    F: Future<Output = Result<Response<R>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut response = ready!(this.answer.poll(cx))?;
        if let Some(id) = this.id.take() {
            response.headers_mut().entry(NAME).or_insert(id);
        }
        Poll::Ready(Ok(response))
    }
}

/// The caller's id if it sent exactly one and it is usable; a request with an unusable
/// one (or two: which one would the logs mean?) loses it to the fresh id set over it.
fn usable_id<B>(request: &Request<B>) -> Option<&HeaderValue> {
    let mut ids = request.headers().get_all(REQUEST_ID).iter();
    match (ids.next(), ids.next()) {
        (Some(id), None) if usable(id.as_bytes()) => Some(id),
        _ => None,
    }
}

/// A new UUID v4, hyphenated, formatted in place rather than through a `String`.
fn fresh_id() -> HeaderValue {
    let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
    let id = uuid::Uuid::new_v4().hyphenated().encode_lower(&mut text);
    // Hex digits and hyphens: always a valid header value.
    HeaderValue::from_str(id).unwrap_or_else(|_| HeaderValue::from_static("-"))
}

/// The header, made once at compile time.
const NAME: HeaderName = HeaderName::from_static(REQUEST_ID);

/// One non-empty id of at most [`MAX_LEN`] visible ASCII characters.
fn usable(id: &[u8]) -> bool {
    !id.is_empty() && id.len() <= MAX_LEN && id.iter().all(|b| b.is_ascii_graphic())
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use tower::ServiceExt;

    use super::*;

    /// The id the app saw on the request (`-` for none) and the one the response carries.
    async fn seen_and_answered(
        request: Request<()>,
        app_sets: Option<&'static str>,
    ) -> (String, String) {
        let app = tower::service_fn(move |request: Request<()>| async move {
            let seen = request
                .headers()
                .get(REQUEST_ID)
                .map_or("-".to_owned(), |id| id.to_str().unwrap_or("?").to_owned());
            let mut response = Response::new(seen);
            if let Some(own) = app_sets {
                response
                    .headers_mut()
                    .insert(NAME, HeaderValue::from_static(own));
            }
            Ok::<_, Infallible>(response)
        });
        let Ok(response) = RequestIdLayer.layer(app).oneshot(request).await;
        let answered = response.headers()[REQUEST_ID]
            .to_str()
            .unwrap_or("?")
            .to_owned();
        (response.into_body(), answered)
    }

    fn with_ids(ids: &[&'static str]) -> Request<()> {
        let mut request = Request::new(());
        for id in ids {
            request
                .headers_mut()
                .append(NAME, HeaderValue::from_static(id));
        }
        request
    }

    #[tokio::test]
    async fn a_request_without_an_id_gets_a_fresh_uuid_and_the_app_sees_the_one_answered() {
        let (seen, answered) = seen_and_answered(with_ids(&[]), None).await;
        assert_eq!(seen, answered);
        assert!(uuid::Uuid::parse_str(&seen).is_ok(), "{seen}");
        let (again, _) = seen_and_answered(with_ids(&[]), None).await;
        assert_ne!(seen, again, "each request its own");
    }

    #[tokio::test]
    async fn a_callers_usable_id_is_kept_and_two_ids_are_replaced_by_one_fresh() {
        let (seen, answered) = seen_and_answered(with_ids(&["trace-me-42"]), None).await;
        assert_eq!(
            (seen.as_str(), answered.as_str()),
            ("trace-me-42", "trace-me-42")
        );
        let (seen, answered) = seen_and_answered(with_ids(&["one", "two"]), None).await;
        assert_eq!(seen, answered);
        assert!(uuid::Uuid::parse_str(&seen).is_ok(), "{seen}");
    }

    #[tokio::test]
    async fn an_id_the_app_answers_with_is_left_alone() {
        let (_, answered) = seen_and_answered(with_ids(&["mine"]), Some("the-apps")).await;
        assert_eq!(answered, "the-apps");
    }

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
