//! One embedded file as an HTTP answer: gzip when the client accepts it, `304` when its
//! copy is current, the caching its kind allows, and the page's security headers.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;

use super::assets::Asset;

/// How long a client may keep a file without asking again.
#[derive(Clone, Copy, Debug)]
pub(super) enum Caching {
    /// The page: always revalidated (a cheap `304` when unchanged), so a release shows on
    /// the next load.
    Revalidate,
    /// A versioned asset: its URL never changes content.
    Immutable,
}

/// Scripts, styles and fonts only from this origin, and no inline code: an injected
/// `<script>` cannot run, which is what stands between a markup bug and the access token
/// the page holds in memory. Images may come from the media backend's host (a bucket or
/// CDN, reached through `/media` redirects) and `blob:` (an upload's preview); fetches from
/// this origin or any HTTPS one, since image uploads go straight to the bucket's signed
/// URL (the bucket must allow the page's origin in its CORS rules).
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data: blob: https:; \
     connect-src 'self' https:; object-src 'none'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";

/// `asset` for a request with `headers`.
pub(super) fn answer(asset: &'static Asset, headers: &HeaderMap, caching: Caching) -> Response {
    let mut response = if client_has(headers, asset.etag) {
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        response
    } else {
        match asset.gzip.filter(|_| accepts_gzip(headers)) {
            Some(packed) => {
                let mut response = Response::new(Body::from(packed));
                response
                    .headers_mut()
                    .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                response
            }
            None => Response::new(Body::from(asset.body)),
        }
    };
    let out = response.headers_mut();
    out.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    out.insert(header::ETAG, HeaderValue::from_static(asset.etag));
    if asset.gzip.is_some() {
        // Caches must keep the two encodings apart.
        out.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    out.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(match caching {
            Caching::Revalidate => "no-cache",
            Caching::Immutable => "public, max-age=31536000, immutable",
        }),
    );
    out.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Caching::Revalidate = caching {
        out.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        );
        out.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        );
    }
    response
}

/// Whether `If-None-Match` names `etag` (or `*`).
fn client_has(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == etag || tag == "*")
}

/// Whether `Accept-Encoding` allows gzip (by name or `*`, with a non-zero weight).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|coding| {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or_default().trim();
            let refused = parts.any(|parameter| {
                parameter
                    .trim()
                    .strip_prefix("q=")
                    .and_then(|weight| weight.trim().parse::<f32>().ok())
                    .is_some_and(|weight| weight <= 0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(name: header::HeaderName, value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(name, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn gzip_is_sent_only_to_clients_that_accept_it() {
        assert!(accepts_gzip(&with(
            header::ACCEPT_ENCODING,
            "gzip, deflate, br"
        )));
        assert!(accepts_gzip(&with(
            header::ACCEPT_ENCODING,
            "br;q=1, *;q=0.5"
        )));
        assert!(!accepts_gzip(&with(
            header::ACCEPT_ENCODING,
            "gzip;q=0, br"
        )));
        assert!(!accepts_gzip(&with(header::ACCEPT_ENCODING, "identity")));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn a_matching_validator_is_recognised_among_several() {
        let headers = with(header::IF_NONE_MATCH, "\"a\", W/\"b\"");
        assert!(client_has(&headers, "\"b\""));
        assert!(!client_has(&headers, "\"c\""));
        assert!(client_has(&with(header::IF_NONE_MATCH, "*"), "\"c\""));
    }
}
