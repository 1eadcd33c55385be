//! The few routes that are not GraphQL, documented with utoipa at `/openapi.json`.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use super::AppState;

#[derive(OpenApi)]
#[openapi(
    info(title = "Chinwag REST API", description = "The few non-GraphQL routes. The product API is GraphQL at /graphql (HTTP and graphql-transport-ws)."),
    paths(healthz, readyz)
)]
pub struct ApiDoc;

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok`, or `unavailable`.
    status: &'static str,
    /// `sqlite` or `postgres`.
    store: &'static str,
    /// Whether the store answered.
    store_ok: bool,
}

/// Liveness: the process is up.
#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "The process is up", body = Health)))]
pub async fn healthz(State(state): State<AppState>) -> Json<Health> {
    Json(Health { status: "ok", store: state.app.store.dialect(), store_ok: true })
}

/// Readiness: the store answers.
#[utoipa::path(get, path = "/readyz", responses(
    (status = 200, description = "Ready to serve", body = Health),
    (status = 503, description = "The store does not answer", body = Health)
))]
pub async fn readyz(State(state): State<AppState>) -> Response {
    let store_ok = tokio::time::timeout(std::time::Duration::from_secs(2), state.app.store.ping()).await.is_ok_and(|r| r.is_ok());
    let status = if store_ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let body = Health { status: if store_ok { "ok" } else { "unavailable" }, store: state.app.store.dialect(), store_ok };
    (status, Json(body)).into_response()
}

pub async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], ApiDoc::openapi().to_json().unwrap_or_default()).into_response()
}

pub async fn dashboard_missing() -> Response {
    (
        StatusCode::OK,
        Html(
            "<!doctype html><meta charset=utf-8><title>Chinwag</title><h1>Chinwag is running</h1>\
             <p>The dashboard is not built into this server yet. The GraphQL API is at <code>/graphql</code>; \
             see <code>docs/api.md</code>.</p>",
        ),
    )
        .into_response()
}

pub async fn index() -> Response {
    (StatusCode::OK, Html("<!doctype html><meta charset=utf-8><title>Chinwag</title><h1>Chinwag</h1><p>API: <code>POST /graphql</code>. Dashboard: <a href=\"/app/\">/app/</a>.</p>"))
        .into_response()
}
