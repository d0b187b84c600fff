//! Embeds the web app (`web/`) in the binary, so `cargo run -p livedrop-server` serves it
//! with nothing to install or fetch at run time.
//!
//! Done here rather than on each request: every text file is gzipped once, at the best
//! level (a request then only picks a slice), and the whole app gets one version, a hash of
//! its files. `index.html` names its assets under `/app/<version>/`, so those URLs never
//! change content and browsers may keep them for a year; a new build is a new version.
//!
//! Writes `$OUT_DIR/web_assets.rs` (the table `src/web/assets.rs` includes) and, beside it,
//! the files as served (`web/...`, `web/....gz`).

use std::error::Error;
use std::fs;
use std::hash::{DefaultHasher, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where `index.html` writes its asset prefix; replaced by `/app/<version>`.
const ASSETS_PLACEHOLDER: &str = "%ASSETS%";

fn main() -> Result<(), Box<dyn Error>> {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    let web = manifest.join("web");
    // A directory here is scanned recursively: any file added, removed or edited reruns this.
    println!("cargo::rerun-if-changed=web");

    let mut files = Vec::new();
    if web.is_dir() {
        collect(&web, &web, &mut files)?;
    }
    files.sort();
    let version = version_of(&web, &files)?;
    let served = out.join("web");
    if served.exists() {
        fs::remove_dir_all(&served)?;
    }

    let mut table = String::new();
    table
        .push_str("/// The web app's version: a hash of its files, the `<v>` of `/app/<v>/...`.\n");
    table.push_str(&format!(
        "pub(crate) const VERSION: &str = \"{version}\";\n\n"
    ));
    table.push_str("/// Every file of `web/`, as served.\n");
    table.push_str("pub(crate) static FILES: &[Asset] = &[\n");
    for relative in &files {
        let mut body = fs::read(web.join(relative))?;
        if relative == "index.html" {
            let text = String::from_utf8(body)?;
            body = text
                .replace(ASSETS_PLACEHOLDER, &format!("/app/{version}"))
                .into_bytes();
        }
        let target = served.join(relative);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(&target, &body)?;
        let content_type = content_type(relative);
        let gzip = if compressible(content_type) {
            let packed = gzip(&body)?;
            // Below a tenth smaller, the decompression is not worth the client's time.
            (packed.len() < body.len() * 9 / 10).then_some(packed)
        } else {
            None
        };
        let gzip_entry = match gzip {
            Some(packed) => {
                let gz = PathBuf::from(format!("{}.gz", target.display()));
                fs::write(&gz, packed)?;
                format!("Some(include_bytes!({:?}))", gz.display().to_string())
            }
            None => "None".to_owned(),
        };
        table.push_str(&format!(
            "    Asset {{ path: {relative:?}, content_type: {content_type:?}, body: include_bytes!({:?}), gzip: {gzip_entry}, etag: \"\\\"{:016x}\\\"\" }},\n",
            target.display().to_string(),
            hash(&body),
        ));
    }
    table.push_str("];\n");
    fs::File::create(out.join("web_assets.rs"))?.write_all(table.as_bytes())?;
    Ok(())
}

/// Every file under `dir`, as a path relative to `root` with `/` separators; hidden files
/// (editor swap files, `.DS_Store`) are left out.
fn collect(root: &Path, dir: &Path, files: &mut Vec<String>) -> Result<(), Box<dyn Error>> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        let hidden = path
            .file_name()
            .and_then(|name| name.to_str())
            .is_none_or(|name| name.starts_with('.'));
        if hidden {
            continue;
        }
        if path.is_dir() {
            collect(root, &path, files)?;
        } else {
            let relative = path.strip_prefix(root)?.components();
            let parts: Vec<String> = relative
                .map(|part| part.as_os_str().to_string_lossy().into_owned())
                .collect();
            files.push(parts.join("/"));
        }
    }
    Ok(())
}

/// A hash of every file's name and bytes: any change to the app is a new version.
fn version_of(web: &Path, files: &[String]) -> Result<String, Box<dyn Error>> {
    let mut hasher = DefaultHasher::new();
    for relative in files {
        hasher.write(relative.as_bytes());
        hasher.write(&fs::read(web.join(relative))?);
    }
    Ok(format!("{:012x}", hasher.finish() >> 16))
}

/// The ETag hash of one file as served. `DefaultHasher::new()` has fixed keys, so a build
/// of the same files gives the same tags.
fn hash(bytes: &[u8]) -> u64 {
    let mut hasher = DefaultHasher::new();
    hasher.write(bytes);
    hasher.finish()
}

fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes)?;
    encoder.finish()
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, extension)| extension) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("webp") => "image/webp",
        Some("woff2") => "font/woff2",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn compressible(content_type: &str) -> bool {
    content_type.starts_with("text/")
        || content_type == "application/json"
        || content_type == "image/svg+xml"
}
