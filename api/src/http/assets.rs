//! The built clients: the widget at `/widget.js` (plus its hashed chunks under
//! `/widget/`, CORS open, long-lived caching) and the dashboard at `/app/` (a single-page
//! app: unknown paths get its `index.html`). Files come from a configured directory
//! (`--widget-dir`, `--dashboard-dir`) when one is set, else from `widget/dist` and
//! `dashboard/dist` as they were at build time: embedded into release builds, read from
//! disk by debug builds (rust-embed's default, so `npm run build` shows up without a
//! recompile). Every file carries a content ETag, so browsers revalidate cheaply.
//! Without a build, `/app/` says how to make one.

use std::borrow::Cow;
use std::path::{Component, Path};

use axum::extract::{Path as UrlPath, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use super::AppState;

// A missing folder embeds nothing (the server then answers as if the client were not
// built), so the server builds without Node.js. `build.rs` makes cargo notice a folder
// that appears or gains files after the last build.
#[derive(rust_embed::RustEmbed)]
#[folder = "../widget/dist"]
#[allow_missing = true]
struct BuiltWidget;

#[derive(rust_embed::RustEmbed)]
#[folder = "../dashboard/dist"]
#[allow_missing = true]
struct BuiltDashboard;

/// Where one client's files come from: a configured directory wins outright (an empty
/// one serves nothing, it does not fall back), else the build's own files.
#[derive(Clone, Copy)]
enum Source<'a> {
    Dir(&'a Path),
    Built(fn(&str) -> Option<rust_embed::EmbeddedFile>),
}

impl<'a> Source<'a> {
    fn widget(state: &'a AppState) -> Self {
        state.app.settings.widget_dir.as_deref().map_or(Source::Built(BuiltWidget::get), Source::Dir)
    }

    fn dashboard(state: &'a AppState) -> Self {
        state.app.settings.dashboard_dir.as_deref().map_or(Source::Built(BuiltDashboard::get), Source::Dir)
    }

    /// The file at `rel` (already checked by [`safe`]) and its hex SHA-256.
    async fn read(self, rel: &str) -> Option<(Cow<'static, [u8]>, String)> {
        match self {
            Source::Dir(dir) => {
                let bytes = tokio::fs::read(dir.join(rel)).await.ok()?;
                let hash = crate::ids::sha256_hex(&bytes);
                Some((Cow::Owned(bytes), hash))
            }
            Source::Built(get) => {
                let file = get(rel)?;
                Some((file.data, crate::ids::hex(&file.metadata.sha256_hash())))
            }
        }
    }
}

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// The loader keeps its name across releases, so it is revalidated often.
const SHORT: &str = "public, max-age=300, must-revalidate";

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "html" => "text/html; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "mp3" => "audio/mpeg",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// `rel` without its leading `/` if it stays inside the folder (no `..`, no absolute
/// parts), so it is safe to join to a directory or to look up among the embedded files.
fn safe(rel: &str) -> Option<&str> {
    let rel = rel.trim_start_matches('/');
    Path::new(rel).components().all(|c| matches!(c, Component::Normal(_))).then_some(rel)
}

/// Gzipped copies of text assets, by content hash: compressed once, served many times.
static GZIP_CACHE: std::sync::LazyLock<std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<Vec<u8>>>>> =
    std::sync::LazyLock::new(Default::default);

fn gzip_cached(hash: &str, bytes: &[u8]) -> std::sync::Arc<Vec<u8>> {
    if let Some(hit) = GZIP_CACHE.lock().expect("gzip cache").get(hash) {
        return hit.clone();
    }
    use std::io::Write as _;
    let mut enc = flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 3), flate2::Compression::best());
    let _ = enc.write_all(bytes);
    let gz = std::sync::Arc::new(enc.finish().unwrap_or_default());
    let mut cache = GZIP_CACHE.lock().expect("gzip cache");
    if cache.len() > 512 {
        cache.clear();
    }
    cache.insert(hash.to_owned(), gz.clone());
    gz
}

fn compressible(path: &Path) -> bool {
    matches!(path.extension().and_then(|e| e.to_str()), Some("js" | "mjs" | "css" | "html" | "json" | "svg" | "webmanifest" | "map" | "txt"))
}

/// Serves one file with an ETag, gzipped when the client accepts it (the budgets are
/// gzipped sizes); `cors` opens it to every origin (widget assets).
async fn file(source: Source<'_>, rel: &str, headers: &HeaderMap, cache: &'static str, cors: bool) -> Option<Response> {
    let (bytes, hash) = source.read(rel).await?;
    let path = Path::new(rel);
    let gzip = compressible(path) && headers.get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("gzip"));
    // One ETag per representation, so caches never mix gzipped and plain bytes.
    let etag = format!("\"{}{}\"", &hash[..20], if gzip { "-gz" } else { "" });
    let mut res = if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
        StatusCode::NOT_MODIFIED.into_response()
    } else if gzip {
        let gz = gzip_cached(&hash, &bytes);
        ([(header::CONTENT_TYPE, content_type(path)), (header::CONTENT_ENCODING, "gzip")], gz.as_ref().clone()).into_response()
    } else {
        ([(header::CONTENT_TYPE, content_type(path))], bytes).into_response()
    };
    let h = res.headers_mut();
    h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    h.insert(header::ETAG, HeaderValue::from_str(&etag).expect("hex etag"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if cors {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    }
    Some(res)
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "not found").into_response()
}

pub async fn widget_loader(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match file(Source::widget(&state), "widget.js", &headers, SHORT, true).await {
        Some(r) => r,
        None => (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")],
            "console.warn('Chinwag: the widget is not built on this server (npm run build -w widget).');",
        )
            .into_response(),
    }
}

/// `/widget/<file>`: hashed chunks and styles are immutable; other files (the demo page)
/// are revalidated.
pub async fn widget_asset(State(state): State<AppState>, UrlPath(rel): UrlPath<String>, headers: HeaderMap) -> Response {
    let Some(rel) = safe(&rel) else { return not_found() };
    let hashed = rel.contains("-") && matches!(Path::new(rel).extension().and_then(|e| e.to_str()), Some("js" | "css"));
    file(Source::widget(&state), rel, &headers, if hashed { IMMUTABLE } else { SHORT }, true).await.unwrap_or_else(not_found)
}

pub async fn dashboard(State(state): State<AppState>, rel: Option<UrlPath<String>>, headers: HeaderMap) -> Response {
    // A help center's own host name serves the help center only: the dashboard (and a
    // session in its storage) lives on the server's own name.
    if super::help::is_help_host(&state, &headers).await {
        return StatusCode::NOT_FOUND.into_response();
    }
    let source = Source::dashboard(&state);
    let rel = rel.map(|UrlPath(r)| r).unwrap_or_default();
    // `/app/` itself, or a path that is no file (a directory, or unsafe), falls through.
    if let Some(rel) = safe(&rel).filter(|r| !r.is_empty()) {
        let cache = if rel.starts_with("assets/") { IMMUTABLE } else { SHORT };
        if let Some(r) = file(source, rel, &headers, cache, false).await {
            return r;
        }
    }
    // A client-side route: the app decides.
    let mut page = file(source, "index.html", &headers, "no-cache", false).await.unwrap_or_else(dashboard_missing);
    let h = page.headers_mut();
    // Never framed (clickjacking); no referrer (reset and invite links carry tokens in
    // the URL, and avatars load from other hosts); no plugins, no <base> hijack.
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(DASHBOARD_CSP));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    page
}

/// The dashboard page's policy: scripts only from this server (the widget preview is
/// `/app/preview.html` with its own script, in a sandboxed frame), styles inline allowed,
/// images from anywhere over https (avatars), connections to this server only.
const DASHBOARD_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob: https:; \
     connect-src 'self'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'; form-action 'self'";

fn dashboard_missing() -> Response {
    Html(
        "<!doctype html><meta charset=utf-8><title>Chinwag</title><h1>Chinwag is running</h1>\
         <p>The dashboard is not built yet: run <code>./scripts/run</code> (it builds the clients first), \
         or <code>npm ci &amp;&amp; npm run build -w dashboard</code>. The GraphQL API is at <code>/graphql</code>; \
         see <code>docs/api.md</code>.</p>",
    )
    .into_response()
}
