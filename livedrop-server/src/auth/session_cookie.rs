//! The web app's refresh token as a cookie: `HttpOnly` (page scripts never read it, so a
//! script injected into the page cannot carry a sign-in away), `Secure`, `SameSite=Strict`
//! (no other site's page makes the browser send it) and scoped to the web sign-in routes
//! (no other request carries it). Browsers treat `http://localhost` and `127.0.0.1` as
//! secure, so a local server works over plain HTTP; anywhere else, serve HTTPS.

use std::time::Duration;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use livedrop_core::wire::Problem;

use crate::ApiError;

/// The cookie's name.
pub const SESSION_COOKIE: &str = "livedrop_session";
/// The only paths the browser sends it to: the web sign-in routes.
pub const SESSION_COOKIE_PATH: &str = "/api/auth/web";

/// `Set-Cookie` holding `refresh_token` for `lifetime`.
pub fn set_session(refresh_token: &str, lifetime: Duration) -> HeaderValue {
    cookie(refresh_token, lifetime.as_secs())
}

/// `Set-Cookie` that removes the cookie.
pub fn clear_session() -> HeaderValue {
    cookie("", 0)
}

fn cookie(value: &str, max_age: u64) -> HeaderValue {
    let text = format!(
        "{SESSION_COOKIE}={value}; Path={SESSION_COOKIE_PATH}; Max-Age={max_age}; HttpOnly; Secure; SameSite=Strict"
    );
    // The refresh token is URL-safe base64 and the rest is ours: always a valid value.
    HeaderValue::try_from(text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The refresh token the request's cookies carry, if any.
pub fn session_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == SESSION_COOKIE && !value.is_empty())
        .map(|(_, value)| value)
}

/// A request no other site's page made: extracting it refuses one that says it was
/// (`Sec-Fetch-Site: cross-site` or `same-site`) with `403 forbidden`, on top of
/// `SameSite=Strict`, for browsers that would send the cookie anyway. Clients that are not
/// browsers send no such header and are not concerned.
#[derive(Debug)]
pub struct FromThisOrigin;

impl<S: Send + Sync> FromRequestParts<S> for FromThisOrigin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        if from_another_site(&parts.headers) {
            return Err(ApiError::Problem(
                Problem::new(403, "forbidden", "Forbidden")
                    .with_detail("the web sign-in routes answer only pages of this origin"),
            ));
        }
        Ok(Self)
    }
}

fn from_another_site(headers: &HeaderMap) -> bool {
    !matches!(
        headers.get("sec-fetch-site").map(HeaderValue::as_bytes),
        None | Some(b"same-origin" | b"none")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_is_found_among_other_cookies() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("theme=dark; livedrop_session=abc_-1; other=x"),
        );
        assert_eq!(session_token(&headers), Some("abc_-1"));
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("livedrop_session="),
        );
        assert_eq!(session_token(&headers), None);
    }

    #[test]
    fn the_cookie_is_out_of_scripts_reach_and_scoped() {
        let set = set_session("tok", Duration::from_secs(60));
        let text = set.to_str().unwrap_or_default();
        for attribute in [
            "HttpOnly",
            "Secure",
            "SameSite=Strict",
            "Path=/api/auth/web",
            "Max-Age=60",
        ] {
            assert!(text.contains(attribute), "{text} lacks {attribute}");
        }
        assert!(
            clear_session()
                .to_str()
                .unwrap_or_default()
                .contains("Max-Age=0")
        );
    }

    #[test]
    fn other_sites_pages_are_refused() {
        let mut headers = HeaderMap::new();
        assert!(!from_another_site(&headers));
        headers.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        assert!(!from_another_site(&headers));
        headers.insert("sec-fetch-site", HeaderValue::from_static("same-site"));
        assert!(from_another_site(&headers));
        headers.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(from_another_site(&headers));
    }
}
