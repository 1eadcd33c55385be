//! The HTTP surface: `/graphql` (HTTP and WebSocket), health, OpenAPI, and the
//! built clients. `router(state)` needs no socket, so tests can call it directly.

mod assets;
mod graphql;
mod help;
mod inbound;
mod rest;
mod slack;
mod uploads;
mod ws;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, DefaultBodyLimit};
use axum::http::{header, HeaderMap, HeaderName, Method, Request};
use axum::routing::get;
use axum::Router;
use tower_http::cors::{Any, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::app::{App, RequestMeta};
use crate::config::IpRange;
use crate::graphql::ChinwagSchema;

pub use rest::ApiDoc;
pub use ws::Sockets;

#[derive(Clone)]
pub struct AppState {
    pub app: Arc<App>,
    pub schema: ChinwagSchema,
    pub sockets: Sockets,
    pub shared: ws::SharedStreams,
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

pub fn router(state: AppState) -> Router {
    let max_body = state.app.settings.limits.max_body_bytes;
    // Browsers on any origin may call the API: auth is a bearer token, never a cookie.
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::ACCEPT, REQUEST_ID])
        .expose_headers([REQUEST_ID])
        .max_age(Duration::from_secs(3600));
    Router::new()
        .route("/graphql", get(graphql::get_or_upgrade).post(graphql::post))
        .route("/healthz", get(rest::healthz))
        .route("/presence", axum::routing::post(rest::presence))
        .route("/conversions", axum::routing::post(rest::conversions))
        .route("/audit.csv", get(rest::audit_csv))
        .route("/analytics/report.csv", get(rest::analytics_report_csv))
        .route("/analytics/conversations.csv", get(rest::analytics_conversations_csv))
        .route("/email/confirm", get(rest::confirm_email_page).post(rest::confirm_email))
        .route("/account/confirm-email", get(rest::email_change_page).post(rest::confirm_email_change))
        .route("/readyz", get(rest::readyz))
        .route("/openapi.json", get(rest::openapi))
        .route("/metrics", get(rest::metrics))
        .route("/uploads", axum::routing::post(uploads::upload))
        .route("/inbound/email", axum::routing::post(inbound::email))
        .route("/integrations/slack/{org_id}/events", axum::routing::post(slack::events))
        .route("/integrations/slack/{org_id}/interactions", axum::routing::post(slack::interactions))
        .route("/integrations/slack/{org_id}/commands", axum::routing::post(slack::commands))
        .route("/files/{id}", get(uploads::download))
        .route("/exports/{id}", get(uploads::download_export))
        .route("/help/{key}", get(help::index))
        .route("/help/{key}/search", get(help::search))
        .route("/help/{key}/{slug}", get(help::article))
        .route("/widget.js", get(assets::widget_loader))
        .route("/widget/{*path}", get(assets::widget_asset))
        .route("/app", get(|| async { axum::response::Redirect::permanent("/app/") }))
        .route("/app/", get(assets::dashboard))
        .route("/app/{*path}", get(assets::dashboard))
        .route("/", get(help::root))
        .fallback(help::fallback)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(cors)
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request<_>| {
                    let id = req.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
                    tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
                })
                .on_request(())
                .on_response(|res: &axum::http::Response<_>, latency: Duration, _span: &tracing::Span| {
                    tracing::info!(status = res.status().as_u16(), latency_ms = latency.as_secs_f64() * 1000.0, "request");
                }),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .with_state(state)
}

/// The client's IP, origin and user agent. The IP is the peer's, unless the peer is a
/// trusted proxy (`--trust-proxy`: any peer; `--trusted-proxies`: those ranges): then it
/// is the rightmost `X-Forwarded-For` address that is not itself a trusted proxy. Proxies
/// append what they saw, so everything left of that is whatever the client wrote.
pub fn request_meta(app: &App, headers: &HeaderMap, peer: Option<&ConnectInfo<SocketAddr>>) -> RequestMeta {
    let s = &app.settings;
    let forwarded = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok());
    let ip = client_ip(peer.map(|c| c.0.ip()), forwarded, s.trust_proxy, &s.trusted_proxies);
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok()).map(|s| s.chars().take(512).collect::<String>());
    RequestMeta {
        ip: ip.map(|ip| ip.to_string()),
        origin: text(header::ORIGIN),
        user_agent: text(header::USER_AGENT),
        language: headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(first_language),
        password_used: Default::default(),
    }
}

/// The first tag of an `Accept-Language` list ("fr-CA,fr;q=0.9" -> "fr-ca"), if it looks
/// like a language tag (letters, digits and `-`, at most 35 characters; not `*`).
fn first_language(header: &str) -> Option<String> {
    let tag = header.split(',').next()?.split(';').next()?.trim();
    let ok = (2..=35).contains(&tag.len()) && tag.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') && tag.chars().next()?.is_ascii_alphabetic();
    ok.then(|| tag.to_ascii_lowercase())
}

/// The rule of `request_meta`, without the request.
pub fn client_ip(peer: Option<IpAddr>, forwarded: Option<&str>, any_peer_is_proxy: bool, trusted: &[IpRange]) -> Option<IpAddr> {
    let is_proxy = |ip: IpAddr| trusted.iter().any(|r| r.contains(ip));
    let mut client = peer?.to_canonical();
    if !(any_peer_is_proxy || is_proxy(client)) {
        return Some(client);
    }
    for hop in forwarded.unwrap_or("").rsplit(',') {
        // A hop that does not parse ends the walk: the last good one stands.
        let Ok(ip) = hop.trim().parse::<IpAddr>() else { break };
        client = ip.to_canonical();
        if !is_proxy(client) {
            break;
        }
    }
    Some(client)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_first_accept_language_tag_is_the_visitors_language() {
        assert_eq!(super::first_language("fr-CA,fr;q=0.9,en;q=0.8").as_deref(), Some("fr-ca"));
        assert_eq!(super::first_language(" nb ; q=1").as_deref(), Some("nb"));
        for bad in ["*", "", "x", "<script>", "en_US", &"a".repeat(36)] {
            assert_eq!(super::first_language(bad), None, "{bad}");
        }
    }

    use super::client_ip;
    use crate::config::IpRange;

    fn ip(s: &str) -> Option<std::net::IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn a_forged_leftmost_forwarded_address_is_never_the_client() {
        // nginx appends the address it saw: the client wrote everything left of it.
        assert_eq!(client_ip(ip("127.0.0.1"), Some("6.6.6.6, 203.0.113.7"), true, &[]), ip("203.0.113.7"));
        let lb: Vec<IpRange> = vec!["10.0.0.0/8".parse().unwrap()];
        assert_eq!(client_ip(ip("10.1.2.3"), Some("6.6.6.6, 203.0.113.7, 10.9.9.9"), false, &lb), ip("203.0.113.7"));
    }

    #[test]
    fn the_header_of_an_untrusted_peer_is_ignored() {
        let lb: Vec<IpRange> = vec!["10.0.0.0/8".parse().unwrap()];
        assert_eq!(client_ip(ip("198.51.100.9"), Some("203.0.113.7"), false, &lb), ip("198.51.100.9"));
        assert_eq!(client_ip(ip("198.51.100.9"), Some("203.0.113.7"), false, &[]), ip("198.51.100.9"));
    }

    #[test]
    fn garbage_and_all_proxy_chains_stop_at_the_last_good_hop() {
        let lb: Vec<IpRange> = vec!["10.0.0.0/8".parse().unwrap(), "fd00::/8".parse().unwrap()];
        assert_eq!(client_ip(ip("10.0.0.1"), Some("not-an-ip, 10.0.0.2"), false, &lb), ip("10.0.0.2"));
        assert_eq!(client_ip(ip("10.0.0.1"), None, false, &lb), ip("10.0.0.1"));
        assert_eq!(client_ip(ip("::ffff:10.0.0.1"), Some("2001:db8::1"), false, &lb), ip("2001:db8::1"));
        assert_eq!(client_ip(ip("fd12::1"), Some("203.0.113.7"), false, &lb), ip("203.0.113.7"));
    }

    #[test]
    fn ranges_parse_and_match_by_prefix() {
        let r: IpRange = "192.168.0.0/16".parse().unwrap();
        assert!(r.contains("192.168.44.1".parse().unwrap()));
        assert!(!r.contains("192.169.0.1".parse().unwrap()));
        assert!("0.0.0.0/0".parse::<IpRange>().unwrap().contains("8.8.8.8".parse().unwrap()));
        assert!("10.0.0.0/33".parse::<IpRange>().is_err());
        assert!("example.com".parse::<IpRange>().is_err());
    }
}
