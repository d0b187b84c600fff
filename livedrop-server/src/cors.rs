//! CORS for browser apps served from other origins than the API (`--cors-origins`).
//!
//! Off unless origins are configured: the web app is served by the API itself (same
//! origin), and an API answering every origin would let any page read what a signed-in
//! user's browser can. Credentials (cookies) are never allowed across origins: other
//! origins' apps sign in with bearer tokens.

use std::str::FromStr;
use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// Origins allowed to call the API from a browser (none by default).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CorsOrigins(Vec<HeaderValue>);

impl CorsOrigins {
    /// The layer answering preflights and marking answers for these origins; `None` when
    /// there are none.
    pub(crate) fn layer(&self) -> Option<CorsLayer> {
        if self.0.is_empty() {
            return None;
        }
        let custom = |name: &'static str| HeaderName::from_static(name);
        Some(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(self.0.clone()))
                .allow_methods([
                    Method::GET,
                    Method::POST,
                    Method::PUT,
                    Method::PATCH,
                    Method::DELETE,
                ])
                .allow_headers([
                    header::AUTHORIZATION,
                    header::CONTENT_TYPE,
                    custom("idempotency-key"),
                    custom("last-event-id"),
                    custom("x-request-id"),
                ])
                .expose_headers([
                    header::LOCATION,
                    header::RETRY_AFTER,
                    custom("idempotent-replayed"),
                    custom("ratelimit"),
                    custom("ratelimit-policy"),
                    custom("x-request-id"),
                ])
                .max_age(Duration::from_secs(600)),
        )
    }
}

impl FromStr for CorsOrigins {
    type Err = String;

    /// Comma-separated origins, each `scheme://host[:port]` with nothing after:
    /// `https://shop.example, http://localhost:5173`. Empty for none.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.split(',')
            .map(str::trim)
            .filter(|origin| !origin.is_empty())
            .map(|origin| {
                let rest = origin
                    .strip_prefix("https://")
                    .or_else(|| origin.strip_prefix("http://"));
                match rest {
                    Some(host) if !host.is_empty() && !host.contains(['/', '?', '#', ' ']) => {
                        HeaderValue::from_str(origin).map_err(|e| e.to_string())
                    }
                    _ => Err(format!(
                        "`{origin}` is not an origin (scheme://host[:port], like https://shop.example)"
                    )),
                }
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_scheme_host_and_port_only() {
        let origins: CorsOrigins = "https://shop.example, http://localhost:5173"
            .parse()
            .unwrap();
        assert_eq!(origins.0.len(), 2);
        assert!(origins.layer().is_some());
        for bad in [
            "shop.example",
            "https://shop.example/app",
            "ftp://x",
            "https://",
        ] {
            assert!(bad.parse::<CorsOrigins>().is_err(), "{bad}");
        }
        assert!("".parse::<CorsOrigins>().unwrap().layer().is_none());
    }
}
