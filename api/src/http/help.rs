//! The public help center (docs/assistant.md#help-center): a website's published
//! articles as server-rendered pages under `/help/<website key>/`, themed with the
//! website's colour, indexable, with search and the website's chat widget. Drafts are
//! unreachable. The pages' Content-Security-Policy allows no script but the widget's
//! own files, so nothing an article holds can run, nor reach the dashboard's session on
//! the same origin.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::rest::escape;
use super::AppState;
use crate::app::articles::ArticleTitles;
use crate::domain::articles::render;
use crate::error::{ApiError, ErrorCode};
use crate::ratelimit::Quota;
use crate::store::WebsiteRow;

#[derive(Deserialize)]
pub struct LangParam {
    lang: Option<String>,
}

#[derive(Deserialize)]
pub struct SearchParams {
    q: Option<String>,
    lang: Option<String>,
}

/// The base of absolute links: the configured public URL, else this request's host.
fn origin(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(u) = &state.app.settings.public_url {
        return u.trim_end_matches('/').to_owned();
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("localhost");
    // A Host that is not a plain host[:port] gets no say in our headers.
    let clean = host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    format!("http://{}", if clean { host } else { "localhost" })
}

/// The visitor's language: `?lang=`, else the browser's first.
fn language(state: &AppState, headers: &HeaderMap, lang: Option<&str>) -> Option<String> {
    lang.map(str::to_owned).or_else(|| super::request_meta(&state.app, headers, None).language)
}

struct Theme<'a> {
    site: &'a WebsiteRow,
    /// The origin the page is served from (its scripts' source).
    origin: String,
    /// The path the help center's pages are under: `/help/<key>`, or empty on its own
    /// host name.
    base: String,
    /// The absolute base of canonical links: its own host name when it has one.
    canonical: String,
}

impl<'a> Theme<'a> {
    fn new(state: &AppState, headers: &HeaderMap, site: &'a WebsiteRow, own_host: bool) -> Theme<'a> {
        let https = state.app.settings.public_url.as_deref().is_some_and(|u| u.starts_with("https://"));
        let scheme = if https { "https" } else { "http" };
        let origin = if own_host { format!("{scheme}://{}", site.help_domain.as_deref().unwrap_or("localhost")) } else { origin(state, headers) };
        let base = if own_host { String::new() } else { format!("/help/{}", escape(&site.public_key)) };
        let canonical = match &site.help_domain {
            Some(d) => format!("{scheme}://{}", escape(d)),
            None => format!("{}/help/{}", escape(&origin), escape(&site.public_key)),
        };
        Theme { site, origin, base, canonical }
    }
}

impl Theme<'_> {
    fn respond(&self, status: StatusCode, title: &str, lang: &str, head: &str, main: &str, indexable: bool) -> Response {
        let site = self.site;
        let key = escape(&site.public_key);
        let home = if self.base.is_empty() { "/" } else { self.base.as_str() };
        let base = &self.base;
        // Colours are checked when set (`#rgb` or `#rrggbb`); escaped all the same.
        let color = escape(&site.color);
        let html = format!(
            "<!doctype html><html lang=\"{lang}\"><head><meta charset=utf-8><meta name=viewport content=\"width=device-width,initial-scale=1\">\
             <title>{title}</title>{robots}{head}\
             <style>:root{{--brand:{color}}}*{{box-sizing:border-box}}body{{margin:0;font:17px/1.6 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1f2328;background:#fafafa}}\
             header{{background:var(--brand);color:#fff;padding:1.5rem 1rem 2rem}}header a{{color:#fff;text-decoration:none}}.wrap{{max-width:46rem;margin:0 auto}}\
             header .name{{font-weight:600;font-size:1.1rem}}form{{margin-top:1rem;display:flex;gap:.5rem}}\
             input[type=search]{{flex:1;font:inherit;padding:.6rem .8rem;border:0;border-radius:.5rem}}button{{font:inherit;padding:.6rem 1rem;border:0;border-radius:.5rem;background:#fff;color:#1f2328;cursor:pointer}}\
             main{{padding:1.5rem 1rem 4rem}}main a{{color:var(--brand)}}h1{{line-height:1.25}}h2{{font-size:1.15rem;margin-top:2rem}}\
             ul.list{{list-style:none;padding:0;margin:0;background:#fff;border:1px solid #e4e4e7;border-radius:.75rem}}ul.list li{{padding:.75rem 1rem;border-top:1px solid #e4e4e7}}\
             ul.list li:first-child{{border-top:0}}.excerpt{{color:#57606a;font-size:.95rem;margin:.25rem 0 0}}.meta{{color:#57606a;font-size:.9rem}}\
             article{{background:#fff;border:1px solid #e4e4e7;border-radius:.75rem;padding:1.5rem}}article img{{max-width:100%}}\
             article pre{{overflow:auto;background:#f4f4f5;padding:.75rem;border-radius:.5rem}}table{{border-collapse:collapse}}td,th{{border:1px solid #e4e4e7;padding:.3rem .6rem}}</style></head>\
             <body><header><div class=wrap><a class=name href=\"{home}\">{name} · Help</a>\
             <form action=\"{base}/search\" method=get role=search><label for=q class=sr hidden>Search</label>\
             <input type=search id=q name=q placeholder=\"Search the help center\" aria-label=\"Search the help center\" maxlength=200><button>Search</button></form></div></header>\
             <main class=wrap>{main}</main><script src=\"/widget.js\" data-website-key=\"{key}\" async></script></body></html>",
            robots = if indexable { "" } else { "<meta name=robots content=noindex>" },
            name = escape(&site.name),
        );
        let mut r = (status, Html(html)).into_response();
        let h = r.headers_mut();
        let origin = &self.origin;
        let csp = format!(
            "default-src 'none'; script-src {origin}/widget.js {origin}/widget/; style-src 'unsafe-inline'; img-src 'self' https: data:; \
             connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        );
        if let Ok(v) = HeaderValue::from_str(&csp) {
            h.insert(header::CONTENT_SECURITY_POLICY, v);
        }
        h.insert(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
        h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static(if status.is_success() { "public, max-age=60" } else { "no-store" }));
        r
    }
}

/// A page for what went wrong: no website, no article, a refused search.
fn problem(e: ApiError) -> Response {
    let (status, text) = match e.code() {
        ErrorCode::NotFound => (StatusCode::NOT_FOUND, "This page does not exist, or is no longer published."),
        ErrorCode::RateLimited => (StatusCode::TOO_MANY_REQUESTS, "Too many requests: please wait a minute and try again."),
        ErrorCode::BadUserInput => (StatusCode::BAD_REQUEST, "That search is too long."),
        _ => (StatusCode::SERVICE_UNAVAILABLE, "Something went wrong. Please try again in a minute."),
    };
    let html = format!(
        "<!doctype html><html lang=en><meta charset=utf-8><meta name=viewport content=\"width=device-width\"><meta name=robots content=noindex>\
         <title>Help center</title><style>body{{font:17px/1.5 system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}}</style><h1>Help center</h1><p>{text}</p>"
    );
    let mut r = (status, Html(html)).into_response();
    r.headers_mut().insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"));
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// The website by key, after the address's page budget (300 pages a minute).
async fn site_for(
    state: &AppState,
    headers: &HeaderMap,
    peer: Option<&axum::extract::ConnectInfo<std::net::SocketAddr>>,
    key: &str,
) -> Result<WebsiteRow, ApiError> {
    let meta = super::request_meta(&state.app, headers, peer);
    if let Some(ip) = &meta.ip {
        state.app.limit(&format!("help-ip:{ip}"), Quota::per_window(300, std::time::Duration::from_secs(60))).await?;
    }
    state.app.website_by_key(key).await
}

fn lang_query(explicit: Option<&str>) -> String {
    explicit.and_then(|l| crate::domain::articles::language(l).ok()).map_or_else(String::new, |l| format!("?lang={l}"))
}

/// One request for a help center page: the website's key (from the path, or its own
/// host name), the request, and where the pages are.
struct Page<'a> {
    state: &'a AppState,
    req: &'a axum::http::request::Parts,
    key: &'a str,
    own_host: bool,
}

impl Page<'_> {
    fn headers(&self) -> &HeaderMap {
        &self.req.headers
    }

    fn peer(&self) -> Option<&axum::extract::ConnectInfo<std::net::SocketAddr>> {
        self.req.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
    }

    async fn site(&self) -> Result<WebsiteRow, ApiError> {
        site_for(self.state, self.headers(), self.peer(), self.key).await
    }

    /// The website's published articles by category.
    async fn index(&self, q: LangParam) -> Response {
        let (state, headers) = (self.state, self.headers());
        let site = match self.site().await {
            Ok(s) => s,
            Err(e) => return problem(e),
        };
        let articles = match state.app.published_titles(&site).await {
            Ok(a) => a,
            Err(e) => return problem(e),
        };
        let theme = Theme::new(state, headers, &site, self.own_host);
        let lang = language(state, headers, q.lang.as_deref());
        let suffix = lang_query(q.lang.as_deref());
        let mut by_category: BTreeMap<&str, Vec<&ArticleTitles>> = BTreeMap::new();
        for a in &articles {
            by_category.entry(a.category.as_str()).or_default().push(a);
        }
        let mut main = "<h1>How can we help?</h1>".to_owned();
        if articles.is_empty() {
            main.push_str("<p>There are no articles here yet.</p>");
        }
        for (category, list) in by_category {
            let _ = write!(main, "<h2>{}</h2><ul class=list>", if category.is_empty() { "Articles".to_owned() } else { escape(category) });
            for a in list {
                let title = a.title_for(lang.as_deref());
                let _ = write!(main, "<li><a href=\"{}/{}{suffix}\">{}</a></li>", theme.base, escape(&a.slug), escape(title));
            }
            main.push_str("</ul>");
        }
        let canonical = format!("<link rel=canonical href=\"{}/\">", theme.canonical);
        theme.respond(StatusCode::OK, &format!("{} · Help", escape(&site.name)), "en", &canonical, &main, true)
    }

    /// The published articles matching a question.
    async fn search(&self, q: SearchParams) -> Response {
        let (state, headers) = (self.state, self.headers());
        let site = match self.site().await {
            Ok(s) => s,
            Err(e) => return problem(e),
        };
        let question = q.q.unwrap_or_default();
        let lang = language(state, headers, q.lang.as_deref());
        let ip = super::request_meta(&state.app, headers, self.peer()).ip;
        let hits = match state.app.search_articles(&site, &question, lang.as_deref(), 10, ip.as_deref()).await {
            Ok(h) => h,
            Err(e) => return problem(e),
        };
        let theme = Theme::new(state, headers, &site, self.own_host);
        let suffix = lang_query(q.lang.as_deref());
        let mut main = format!("<h1>Results for “{}”</h1>", escape(question.trim()));
        if hits.is_empty() {
            main.push_str("<p>No article matches. Try other words, or ask us in the chat.</p>");
        } else {
            main.push_str("<ul class=list>");
            for m in &hits {
                let _ = write!(
                    main,
                    "<li><a href=\"{}/{}{suffix}\">{}</a><p class=excerpt>{}</p></li>",
                    theme.base,
                    escape(&m.hit.slug),
                    escape(&m.hit.title),
                    escape(&m.excerpt)
                );
            }
            main.push_str("</ul>");
        }
        theme.respond(StatusCode::OK, &format!("Search · {} · Help", escape(&site.name)), "en", "", &main, false)
    }

    /// One published article, in the visitor's language where it has one.
    async fn article(&self, slug: &str, q: LangParam) -> Response {
        let (state, headers) = (self.state, self.headers());
        let site = match self.site().await {
            Ok(s) => s,
            Err(e) => return problem(e),
        };
        let a = match state.app.published_article(&site, slug).await {
            Ok(a) => a,
            Err(e) => return problem(e),
        };
        let theme = Theme::new(state, headers, &site, self.own_host);
        let lang = language(state, headers, q.lang.as_deref());
        let t = a.text_for(lang.as_deref());
        let slug = escape(&a.row.slug);
        let url = format!("{}/{slug}", theme.canonical);
        let mut head = format!("<link rel=canonical href=\"{url}?lang={}\">", escape(&t.language));
        let summary: String = crate::domain::articles::excerpt(&t.plain, &[], 155);
        let _ = write!(head, "<meta name=description content=\"{}\">", escape(&summary));
        for other in &a.texts {
            let _ = write!(head, "<link rel=alternate hreflang=\"{0}\" href=\"{url}?lang={0}\">", escape(&other.language));
        }
        let updated = jiff::Timestamp::from_millisecond(t.updated_at).map(|ts| ts.strftime("%-d %B %Y").to_string()).unwrap_or_default();
        let mut main = String::new();
        if !a.row.category.is_empty() {
            let home = if theme.base.is_empty() { "/" } else { theme.base.as_str() };
            let _ = write!(main, "<p class=meta><a href=\"{home}\">Help</a> › {}</p>", escape(&a.row.category));
        }
        let _ = write!(main, "<article><h1>{}</h1>{}<p class=meta>Updated {}</p></article>", escape(&t.title), render(&t.body), escape(&updated));
        if a.texts.len() > 1 {
            main.push_str("<p class=meta>Also in: ");
            let others: Vec<String> = a
                .texts
                .iter()
                .filter(|o| o.language != t.language)
                .map(|o| format!("<a href=\"{}/{slug}?lang={1}\" hreflang=\"{1}\">{1}</a>", theme.base, escape(&o.language)))
                .collect();
            main.push_str(&others.join(", "));
            main.push_str("</p>");
        }
        theme.respond(StatusCode::OK, &format!("{} · {}", escape(&t.title), escape(&site.name)), &escape(&t.language), &head, &main, true)
    }
}

/// `GET /help/{key}`: the website's published articles by category.
pub async fn index(State(state): State<AppState>, Path(key): Path<String>, Query(q): Query<LangParam>, req: axum::extract::Request) -> Response {
    let req = req.into_parts().0;
    Page { state: &state, req: &req, key: &key, own_host: false }.index(q).await
}

/// `GET /help/{key}/search?q=`: the published articles matching a question.
pub async fn search(State(state): State<AppState>, Path(key): Path<String>, Query(q): Query<SearchParams>, req: axum::extract::Request) -> Response {
    let req = req.into_parts().0;
    Page { state: &state, req: &req, key: &key, own_host: false }.search(q).await
}

/// `GET /help/{key}/{slug}`: one published article.
pub async fn article(
    State(state): State<AppState>,
    Path((key, slug)): Path<(String, String)>,
    Query(q): Query<LangParam>,
    req: axum::extract::Request,
) -> Response {
    let req = req.into_parts().0;
    Page { state: &state, req: &req, key: &key, own_host: false }.article(&slug, q).await
}

/// The website whose help center this request's host name serves, if any.
async fn own_host(state: &AppState, req: &axum::http::request::Parts) -> Option<String> {
    let host = req.headers.get(header::HOST)?.to_str().ok()?;
    state.app.help_host(host).await
}

/// `GET /`: a help center's home on its own host name, else the server's index.
pub async fn root(State(state): State<AppState>, Query(q): Query<LangParam>, req: axum::extract::Request) -> Response {
    let req = req.into_parts().0;
    match own_host(&state, &req).await {
        Some(key) => Page { state: &state, req: &req, key: &key, own_host: true }.index(q).await,
        None => super::rest::index().await,
    }
}

/// Any other path: on a help center's own host name, `/search` and `/<slug>`; else 404.
pub async fn fallback(State(state): State<AppState>, req: axum::extract::Request) -> Response {
    let req = req.into_parts().0;
    let Some(key) = own_host(&state, &req).await else { return StatusCode::NOT_FOUND.into_response() };
    let page = Page { state: &state, req: &req, key: &key, own_host: true };
    let path = req.uri.path().trim_start_matches('/').to_owned();
    if req.method != axum::http::Method::GET {
        return StatusCode::NOT_FOUND.into_response();
    }
    if path == "search" {
        let q = Query::<SearchParams>::try_from_uri(&req.uri).map(|Query(q)| q).unwrap_or(SearchParams { q: None, lang: None });
        return page.search(q).await;
    }
    // Only a slug can be an article: `/favicon.ico`, `/wp-login.php` and the like are
    // answered at once, with nothing read.
    if crate::domain::articles::Slug::parse(&path).is_ok_and(|s| s.as_str() == path) {
        let q = Query::<LangParam>::try_from_uri(&req.uri).map(|Query(q)| q).unwrap_or(LangParam { lang: None });
        // Slugs are letters, digits and `-`: an encoded one matches none.
        return page.article(&path, q).await;
    }
    StatusCode::NOT_FOUND.into_response()
}

/// Whether this request came to a help center's own host name (the dashboard is not
/// served there).
pub async fn is_help_host(state: &AppState, headers: &HeaderMap) -> bool {
    match headers.get(header::HOST).and_then(|h| h.to_str().ok()) {
        Some(host) => state.app.help_host(host).await.is_some(),
        None => false,
    }
}
