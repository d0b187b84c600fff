//! The web app's files, embedded by `build.rs`: each with its type, its bytes as served, a
//! gzipped copy when that is worth it, and an `ETag`.

/// One embedded file.
#[derive(Debug)]
pub(crate) struct Asset {
    /// Its path under `web/`, with `/` separators (`js/main.js`).
    pub path: &'static str,
    /// Its `Content-Type`.
    pub content_type: &'static str,
    /// Its bytes as served (`index.html` with its asset prefix filled in).
    pub body: &'static [u8],
    /// The same bytes gzipped, for text files that shrink by a tenth or more.
    pub gzip: Option<&'static [u8]>,
    /// A strong validator of `body` (quoted, as the header carries it).
    pub etag: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));

/// The file at `path` (relative to `web/`), if the app has one.
pub(crate) fn file(path: &str) -> Option<&'static Asset> {
    FILES.iter().find(|asset| asset.path == path)
}
