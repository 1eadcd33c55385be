//! The HTTP surface: `/graphql` (HTTP and WebSocket), health, OpenAPI, and the
//! built clients. `router(state)` needs no socket, so tests can call it directly.

mod assets;
mod graphql;
mod rest;
mod uploads;
mod ws;

use std::net::SocketAddr;
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
        .route("/readyz", get(rest::readyz))
        .route("/openapi.json", get(rest::openapi))
        .route("/metrics", get(rest::metrics))
        .route("/uploads", axum::routing::post(uploads::upload))
        .route("/files/{id}", get(uploads::download))
        .route("/widget.js", get(assets::widget_loader))
        .route("/widget/{*path}", get(assets::widget_asset))
        .route("/app", get(|| async { axum::response::Redirect::permanent("/app/") }))
        .route("/app/", get(assets::dashboard))
        .route("/app/{*path}", get(assets::dashboard))
        .route("/", get(rest::index))
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

/// The client's IP (from the socket, or `X-Forwarded-For` when trusted), origin and agent.
pub fn request_meta(app: &App, headers: &HeaderMap, peer: Option<&ConnectInfo<SocketAddr>>) -> RequestMeta {
    let forwarded = app
        .settings
        .trust_proxy
        .then(|| headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()).and_then(|v| v.split(',').next()).map(|s| s.trim().to_owned()))
        .flatten();
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok()).map(|s| s.chars().take(512).collect::<String>());
    RequestMeta { ip: forwarded.or_else(|| peer.map(|c| c.0.ip().to_string())), origin: text(header::ORIGIN), user_agent: text(header::USER_AGENT) }
}
