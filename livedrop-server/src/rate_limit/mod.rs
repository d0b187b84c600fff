//! Rate limiting: a token bucket per caller and route class, taken before the handler runs.
//!
//! # Layout
//! - this file: the middleware ([`limit`]) and its answers.
//! - `config`: the policies' flags ([`RateLimitConfig`]).
//!
//! The caller is the user a valid access token names, else the client's IP address: behind
//! a reverse proxy, the address it forwarded when it is one of `--trusted-proxies` (see
//! [`client_addr`](crate::client_addr)); otherwise every anonymous request would share
//! the proxy's bucket. `/healthz`, `/readyz` and `/metrics` are never limited: probes and
//! scrapers must always get through.

mod config;

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use livedrop_core::ids::UserId;
use livedrop_core::ports::{RateDecision, RouteClass};
use livedrop_core::wire::Problem;

use crate::auth::TokenKind;
use crate::auth::extract::{VerifiedUser, bearer};
use crate::client_addr::{TrustedProxies, bucket};
use crate::{ApiError, AppState};

pub use config::RateLimitConfig;

/// The policy and the caller's standing in it, as the IETF draft "RateLimit header fields
/// for HTTP" (draft-ietf-httpapi-ratelimit-headers-09) writes them.
const POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");
const STANDING: HeaderName = HeaderName::from_static("ratelimit");

/// Middleware state: the app and the class of the routes it guards.
pub(crate) type Guard = (AppState, RouteClass);

/// Takes one token from the caller's bucket of the guarded class: `429 rate_limited` with
/// `Retry-After` when there is none, else the handler's answer; both with
/// `RateLimit-Policy` and `RateLimit` (see [`add_headers`]). A limiter that fails lets the request
/// through (the Redis limiter already falls back to in-process buckets; refusing
/// traffic because the limiter is down would turn its outage into ours).
pub(crate) async fn limit(
    State((state, class)): State<Guard>,
    mut request: Request,
    next: Next,
) -> Response {
    let user = (class != RouteClass::Auth)
        .then(|| bearer(request.headers()))
        .flatten()
        .and_then(|token| state.tokens().verify(TokenKind::Access, token).ok());
    let subject = subject(user, &request, state.trusted_proxies());
    if let Some(user) = user {
        // Checked once here; `AuthUser` takes it rather than verifying the token again.
        request.extensions_mut().insert(VerifiedUser(user));
    }
    let decision = match state.ports().rate_limiter.check(&subject, class, 1).await {
        Ok(decision) => decision,
        Err(error) => {
            tracing::warn!(%error, class = class.as_str(), "rate limiter failed; request let through");
            return next.run(request).await;
        }
    };
    let mut response = if decision.allowed {
        next.run(request).await
    } else {
        metrics::counter!("livedrop_rate_limited_total", "class" => class.as_str()).increment(1);
        refusal(&decision)
    };
    add_headers(response.headers_mut(), class, &decision);
    response
}

/// Who is asking: `user:ID` for a valid access token (checking one is a single HMAC),
/// else `ip:ADDRESS`: the client's address (the peer, or what a trusted proxy forwarded),
/// an IPv6 client's /64. An invalid token counts against the IP, so
/// made-up tokens cannot mint fresh buckets. The auth class always counts per address
/// (the caller passes no user for it): its routes ignore tokens, and keying them by user
/// would let every account an address registers bring a fresh bucket of password guesses.
fn subject(user: Option<UserId>, request: &Request, proxies: &TrustedProxies) -> String {
    if let Some(user) = user {
        return format!("user:{user}");
    }
    match request.extensions().get::<ConnectInfo<SocketAddr>>() {
        Some(ConnectInfo(peer)) => {
            format!("ip:{}", bucket(proxies.client(*peer, request.headers())))
        }
        // Served without connection info (a test calling the router directly): one bucket.
        None => "ip:unknown".to_owned(),
    }
}

/// `429 rate_limited`, saying when to come back (whole seconds, rounded up).
fn refusal(decision: &RateDecision) -> Response {
    let problem = Problem::new(429, "rate_limited", "Too many requests");
    let Some(wait) = decision.retry_after else {
        // The cost exceeds the bucket: no wait helps (not reachable with a cost of 1).
        return ApiError::Problem(problem.with_detail("this request exceeds the limit"))
            .into_response();
    };
    let seconds = whole_seconds(wait);
    let problem = problem
        .with_detail(format!("retry in {seconds} s"))
        .with("retryAfter", seconds);
    let mut response = ApiError::Problem(problem).into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}

/// `RateLimit-Policy: "read";q=100;w=2` (the class's bucket as a quota of `q` requests per
/// `w` seconds: its capacity, and the time an empty bucket takes to fill) and
/// `RateLimit: "read";r=42;t=1` (`r` requests left now, `t` seconds until the bucket is
/// full again). Seconds are whole, rounded up.
fn add_headers(headers: &mut HeaderMap, class: RouteClass, decision: &RateDecision) {
    let name = class.as_str();
    let fill = |tokens: u32| whole_seconds(decision.refill_every.saturating_mul(tokens));
    let policy = format!("\"{name}\";q={};w={}", decision.limit, fill(decision.limit));
    let missing = decision.limit.saturating_sub(decision.remaining);
    let standing = format!("\"{name}\";r={};t={}", decision.remaining, fill(missing));
    // Both are ASCII made here: never invalid.
    if let (Ok(policy), Ok(standing)) = (
        HeaderValue::try_from(policy),
        HeaderValue::try_from(standing),
    ) {
        headers.insert(POLICY, policy);
        headers.insert(STANDING, standing);
    }
}

/// `duration` in whole seconds, rounded up.
fn whole_seconds(duration: std::time::Duration) -> u64 {
    duration.as_secs() + u64::from(duration.subsec_nanos() > 0)
}
