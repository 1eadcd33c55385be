//! The few routes that are not GraphQL, documented with utoipa at `/openapi.json`.

use axum::extract::{Form, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use super::AppState;

#[derive(OpenApi)]
#[openapi(
    info(title = "Chinwag REST API", description = "The few non-GraphQL routes. The product API is GraphQL at /graphql (HTTP and graphql-transport-ws)."),
    paths(
        healthz,
        readyz,
        metrics,
        super::uploads::upload,
        super::uploads::download,
        super::uploads::download_export,
        confirm_email_page,
        confirm_email,
        email_change_page,
        confirm_email_change,
        audit_csv,
        presence,
        conversions,
        analytics_report_csv,
        analytics_conversations_csv
    )
)]
pub struct ApiDoc;

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok`; `degraded` when Redis is down (this node still serves its own clients);
    /// `unavailable` when the store does not answer.
    status: &'static str,
    /// `sqlite` or `postgres`.
    store: &'static str,
    /// Whether the store answered.
    store_ok: bool,
    /// `ok`, `down`, or `disabled` (no Redis configured).
    redis: &'static str,
}

fn redis_state(state: &AppState) -> &'static str {
    match state.app.bus.redis_up() {
        None => "disabled",
        Some(true) => "ok",
        Some(false) => "down",
    }
}

/// Liveness: the process is up.
#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "The process is up", body = Health)))]
pub async fn healthz(State(state): State<AppState>) -> Json<Health> {
    Json(Health { status: "ok", store: state.app.store.dialect(), store_ok: true, redis: redis_state(&state) })
}

/// Readiness: the store answers (503 otherwise). Redis down is reported as `degraded`
/// with 200: the node still serves its own subscribers.
#[utoipa::path(get, path = "/readyz", responses(
    (status = 200, description = "Ready to serve", body = Health),
    (status = 503, description = "The store does not answer", body = Health)
))]
pub async fn readyz(State(state): State<AppState>) -> Response {
    let store_ok = tokio::time::timeout(std::time::Duration::from_secs(2), state.app.store.ping()).await.is_ok_and(|r| r.is_ok());
    let status = if store_ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let redis = redis_state(&state);
    let status_text = match (store_ok, redis) {
        (false, _) => "unavailable",
        (true, "down") => "degraded",
        _ => "ok",
    };
    let body = Health { status: status_text, store: state.app.store.dialect(), store_ok, redis };
    (status, Json(body)).into_response()
}

/// Prometheus metrics: with `CHINWAG_METRICS_TOKEN` for its bearer only, without it for
/// clients on this machine only.
#[utoipa::path(get, path = "/metrics", responses((status = 200, description = "Prometheus text format", content_type = "text/plain"), (status = 403, description = "Not a loopback client and no valid bearer token")))]
pub async fn metrics(State(state): State<AppState>, req: axum::extract::Request) -> Response {
    let peer = req.extensions().get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().cloned();
    let allowed = match &state.app.settings.metrics_token {
        Some(token) => req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(crate::auth::bearer_token)
            .is_some_and(|t| subtle::ConstantTimeEq::ct_eq(t.as_bytes(), token.as_bytes()).into()),
        None => {
            let meta = super::request_meta(&state.app, req.headers(), peer.as_ref());
            meta.ip.and_then(|ip| ip.parse::<std::net::IpAddr>().ok()).is_some_and(|ip| ip.is_loopback())
        }
    };
    if !allowed {
        return (StatusCode::FORBIDDEN, "metrics are served to this machine, or with the bearer token set by CHINWAG_METRICS_TOKEN\n").into_response();
    }
    let mut body = state.app.metrics.render(state.sockets.open(), state.shared.len(), state.app.bus.redis_up());
    state.app.jobs.render_metrics(&mut body).await;
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

pub async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], ApiDoc::openapi().to_json().unwrap_or_default()).into_response()
}

pub async fn index() -> Response {
    (StatusCode::OK, Html("<!doctype html><meta charset=utf-8><title>Chinwag</title><h1>Chinwag</h1><p>API: <code>POST /graphql</code>. Dashboard: <a href=\"/app/\">/app/</a>.</p>"))
        .into_response()
}

#[derive(Deserialize)]
pub struct ConfirmParams {
    #[serde(default)]
    token: String,
}

/// The page a confirmation link opens: it asks before anything changes (mail scanners
/// follow links; only the button's POST confirms).
#[utoipa::path(get, path = "/email/confirm", params(("token" = String, Query, description = "From the confirmation mail")), responses(
    (status = 200, description = "An HTML page with the button that confirms", content_type = "text/html"),
    (status = 400, description = "The link is invalid or expired", content_type = "text/html")
))]
pub async fn confirm_email_page(State(state): State<AppState>, Query(q): Query<ConfirmParams>) -> Response {
    match state.app.confirmation(&q.token).await {
        Ok(c) => page(
            StatusCode::OK,
            "Confirm your email",
            &format!(
                "<h1>Confirm your email</h1><p>Confirm <b>{}</b> to receive mail about your conversations with {}.</p>\
                 <form method=post action=/email/confirm><input type=hidden name=token value=\"{}\"><button>Confirm</button></form>",
                escape(&c.email),
                escape(&c.website_name),
                escape(&q.token)
            ),
        ),
        Err(e) => failed(e),
    }
}

/// Confirms the address; the transcript asked for is on its way. Form field `token`.
#[utoipa::path(post, path = "/email/confirm", request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "token=..."), responses(
    (status = 200, description = "Confirmed (again: nothing more happens)", content_type = "text/html"),
    (status = 400, description = "The link is invalid or expired", content_type = "text/html")
))]
pub async fn confirm_email(State(state): State<AppState>, Form(q): Form<ConfirmParams>) -> Response {
    match state.app.confirm_email(&q.token).await {
        Ok(c) => page(
            StatusCode::OK,
            "Email confirmed",
            &format!("<h1>Thank you</h1><p><b>{}</b> is confirmed: your conversation with {} is on its way.</p>", escape(&c.email), escape(&c.website_name)),
        ),
        Err(e) => failed(e),
    }
}

/// The page an agent's email change link opens: it asks before anything changes.
#[utoipa::path(get, path = "/account/confirm-email", params(("token" = String, Query, description = "From the email change mail")), responses(
    (status = 200, description = "An HTML page with the button that confirms", content_type = "text/html"),
    (status = 400, description = "The link is invalid or expired", content_type = "text/html")
))]
pub async fn email_change_page(State(state): State<AppState>, Query(q): Query<ConfirmParams>) -> Response {
    match state.app.email_change(&q.token) {
        Ok(c) => page(
            StatusCode::OK,
            "Confirm your new email",
            &format!(
                "<h1>Confirm your new email</h1><p>Sign in to Chinwag with <b>{}</b> instead of {}?</p>\
                 <form method=post action=/account/confirm-email><input type=hidden name=token value=\"{}\"><button>Confirm</button></form>",
                escape(&c.to),
                escape(&c.from),
                escape(&q.token)
            ),
        ),
        Err(e) => failed(e),
    }
}

/// Makes the new address the agent's sign-in email. Form field `token`.
#[utoipa::path(post, path = "/account/confirm-email", request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "token=..."), responses(
    (status = 200, description = "Changed (again: nothing more happens)", content_type = "text/html"),
    (status = 400, description = "The link is invalid or expired, or the address has an account now", content_type = "text/html")
))]
pub async fn confirm_email_change(State(state): State<AppState>, Form(q): Form<ConfirmParams>) -> Response {
    match state.app.confirm_email_change(&q.token).await {
        Ok(c) => page(
            StatusCode::OK,
            "Email changed",
            &format!("<h1>Email changed</h1><p>You now sign in with <b>{}</b>. <a href=/app/>Open Chinwag</a></p>", escape(&c.to)),
        ),
        Err(e) => failed(e),
    }
}

fn failed(e: crate::error::ApiError) -> Response {
    use crate::error::ErrorCode;
    match e.code() {
        ErrorCode::Unavailable | ErrorCode::Internal => {
            page(StatusCode::SERVICE_UNAVAILABLE, "Try again", "<h1>Something went wrong</h1><p>Please try the link again in a minute.</p>")
        }
        _ => page(StatusCode::BAD_REQUEST, "Invalid link", "<h1>This link does not work</h1><p>It is invalid or has expired. Ask for the email again.</p>"),
    }
}

/// A small self-contained page: no scripts, no framing, nothing loaded from elsewhere.
fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=en><meta charset=utf-8><meta name=viewport content=\"width=device-width\"><title>{title}</title>\
         <style>body{{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}}button{{font:inherit;padding:.5rem 1.25rem}}</style>{body}"
    );
    let mut r = (status, Html(html)).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    );
    h.insert(header::REFERRER_POLICY, header::HeaderValue::from_static("no-referrer"));
    h.insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    r
}

pub(super) fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct AuditParams {
    /// Only this action (`agent.invite`, ...).
    action: Option<String>,
    /// Only this actor's entries.
    actor_id: Option<String>,
    /// From this RFC 3339 time (inclusive).
    since: Option<String>,
    /// Until this RFC 3339 time (exclusive).
    until: Option<String>,
}

/// The organization's audit log as CSV (owners and admins, with their bearer token), newest
/// first, at most 100,000 entries; 10 exports an hour, each recorded in the log.
#[utoipa::path(get, path = "/audit.csv", params(AuditParams), responses(
    (status = 200, description = "time,action,actor_kind,actor_id,target_id,ip", content_type = "text/csv"),
    (status = 401, description = "No or bad token"),
    (status = 403, description = "Not an owner or admin")
), security(("bearer" = [])))]
pub async fn audit_csv(State(state): State<AppState>, Query(q): Query<AuditParams>, req: axum::extract::Request) -> Response {
    use super::graphql::{api_error_response, bearer};
    use crate::error::ApiError;
    let peer = req.extensions().get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().cloned();
    let headers = req.headers();
    let Some(token) = bearer(headers) else {
        return api_error_response(ApiError::Unauthenticated("this operation needs a token"));
    };
    let meta = super::request_meta(&state.app, headers, peer.as_ref());
    let principal = match state.app.authenticate(token).await {
        Ok(p) => p.from_ip(meta.ip.as_deref()),
        Err(e) => return api_error_response(e),
    };
    let time = |v: &Option<String>, name: &str| match v.as_deref() {
        None => Ok(None),
        Some(s) => crate::time::parse_rfc3339(s).map(Some).ok_or_else(|| ApiError::BadInput(format!("{name} must be an RFC 3339 time"))),
    };
    let filter = match (time(&q.since, "since"), time(&q.until, "until")) {
        (Ok(since), Ok(until)) => crate::store::AuditFilter { action: q.action, actor_id: q.actor_id, since, until },
        (Err(e), _) | (_, Err(e)) => return api_error_response(e),
    };
    match state.app.audit_csv(&principal, &filter).await {
        Ok(csv) => {
            let mut r = (StatusCode::OK, csv).into_response();
            let h = r.headers_mut();
            h.insert(header::CONTENT_TYPE, header::HeaderValue::from_static("text/csv; charset=utf-8"));
            h.insert(header::CONTENT_DISPOSITION, header::HeaderValue::from_static("attachment; filename=\"audit-log.csv\""));
            h.insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
            r
        }
        Err(e) => api_error_response(e),
    }
}

/// A live visitor's beacon (docs/routing.md#live-visitors), sent by the widget about
/// every 30 s on websites with live presence on. The body is JSON sent as `text/plain`
/// (a simple cross-origin request: no preflight), at most 4 KB:
/// `{"websiteKey", "presenceId", "url", "title"?, "referrer"?, "pagesViewed"?,
/// "returning"?, "visitorToken"?}`. The answer carries messages agents wrote to this
/// visitor: `{"messages": [{"id", "body", "senderName", "senderAvatarUrl"}]}`.
#[utoipa::path(post, path = "/presence", request_body(content = String, content_type = "text/plain", description = "The beacon as JSON"), responses(
    (status = 200, description = "Recorded; messages agents wrote to this visitor"),
    (status = 400, description = "Malformed beacon (`BAD_USER_INPUT`)"),
    (status = 403, description = "The website does not show live visitors"),
    (status = 404, description = "No website with this key"),
    (status = 413, description = "Larger than 4 KB"),
    (status = 429, description = "Too many beacons from this visitor or address")
))]
pub async fn presence(State(state): State<AppState>, req: axum::extract::Request) -> Response {
    use super::graphql::api_error_response;
    use crate::error::ApiError;
    let peer = req.extensions().get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().cloned();
    let headers = req.headers().clone();
    let body = match axum::body::to_bytes(req.into_body(), 4096).await {
        Ok(b) => b,
        Err(_) => return (StatusCode::PAYLOAD_TOO_LARGE, "a beacon is at most 4 KB\n").into_response(),
    };
    if body.len() > 4096 {
        return (StatusCode::PAYLOAD_TOO_LARGE, "a beacon is at most 4 KB\n").into_response();
    }
    let beacon: crate::app::Beacon = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => return api_error_response(ApiError::BadInput(format!("a beacon is JSON with websiteKey, presenceId and url: {e}"))),
    };
    let meta = super::request_meta(&state.app, &headers, peer.as_ref());
    match state.app.beacon(&meta, beacon).await {
        Ok(answer) => Json(answer).into_response(),
        Err(e) => api_error_response(e),
    }
}

/// A conversion your server posts (docs/analytics.md#conversions).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConversionIn {
    website_id: String,
    /// Your own user id for the customer, as the widget's `identify` gave it.
    user_id: String,
    /// `purchase`, or one of the website's goals.
    name: String,
    /// With `currency`: 0 to 1,000,000.
    value: Option<f64>,
    /// ISO 4217 (`EUR`).
    currency: Option<String>,
    /// At most 20 string values (an order number, a plan).
    #[serde(default)]
    properties: std::collections::BTreeMap<String, String>,
    /// RFC 3339, at most a day ago; now when left out.
    occurred_at: Option<String>,
}

/// Records a conversion from the website's server, verified: an order system posts the
/// purchase of a customer the widget identified. `Authorization: Bearer <API key>`
/// with `conversions:write`; `Idempotency-Key` makes a retry return the first
/// conversion (200) instead of recording it twice. Body: JSON, at most 8 KB.
#[utoipa::path(post, path = "/conversions", request_body = ConversionIn, params(
    ("Idempotency-Key" = String, Header, description = "1 to 200 visible ASCII characters, unique per conversion (the order id)")
), responses(
    (status = 201, description = "Recorded: `{\"conversion\": {...}}` with its attribution (conversationId, agentId, departmentId; null when no conversation earned it)"),
    (status = 200, description = "This Idempotency-Key was used before: the conversion recorded then"),
    (status = 202, description = "No visitor of the website has this userId: nothing to attribute, not stored (`{\"conversion\": null}`)"),
    (status = 400, description = "Malformed, not a goal, a bad currency or value (`BAD_USER_INPUT`)"),
    (status = 401, description = "No or an unknown API key"),
    (status = 403, description = "The key lacks `conversions:write`"),
    (status = 404, description = "No such website for this key"),
    (status = 413, description = "Larger than 8 KB"),
    (status = 429, description = "Too many conversions from this key")
))]
pub async fn conversions(State(state): State<AppState>, req: axum::extract::Request) -> Response {
    use super::graphql::{api_error_response, bearer};
    use crate::app::conversions::{ServerConversion, TrackedEvent};
    use crate::error::ApiError;
    const MAX: usize = 8 * 1024;
    let peer = req.extensions().get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().cloned();
    let headers = req.headers().clone();
    let Some(token) = bearer(&headers) else {
        return api_error_response(ApiError::Unauthenticated("this operation needs an API key"));
    };
    let meta = super::request_meta(&state.app, &headers, peer.as_ref());
    let principal = match state.app.authenticate(token).await {
        Ok(p) => p.from_ip(meta.ip.as_deref()),
        Err(e) => return api_error_response(e),
    };
    let body = match axum::body::to_bytes(req.into_body(), MAX).await {
        Ok(b) => b,
        Err(_) => return api_error_response_status(StatusCode::PAYLOAD_TOO_LARGE, ApiError::BadInput("a conversion is at most 8 KB".into())),
    };
    let input: ConversionIn = match serde_json::from_slice(&body) {
        Ok(c) => c,
        Err(e) => return api_error_response(ApiError::BadInput(format!("a conversion is JSON with websiteId, userId and name: {e}"))),
    };
    let occurred_at = match input.occurred_at.as_deref().map(|t| crate::time::parse_rfc3339(t).ok_or(())) {
        Some(Err(())) => return api_error_response(ApiError::BadInput("occurredAt must be an RFC 3339 time".into())),
        Some(Ok(t)) => Some(t),
        None => None,
    };
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let c = ServerConversion {
        website_id: input.website_id,
        user_id: input.user_id,
        idempotency_key: key,
        event: TrackedEvent { name: input.name, value: input.value, currency: input.currency, properties: input.properties.into_iter().collect(), occurred_at },
    };
    match state.app.record_server_conversion(&principal, &c).await {
        Ok(Some((row, new))) => {
            let status = if new { StatusCode::CREATED } else { StatusCode::OK };
            (status, Json(serde_json::json!({ "conversion": crate::app::conversions::conversion_data(&row) }))).into_response()
        }
        Ok(None) => (StatusCode::ACCEPTED, Json(serde_json::json!({ "conversion": null }))).into_response(),
        Err(e) => api_error_response(e),
    }
}

/// `api_error_response` with another status (the body's code stays the error's).
fn api_error_response_status(status: StatusCode, e: crate::error::ApiError) -> Response {
    let mut r = super::graphql::api_error_response(e);
    *r.status_mut() = status;
    r
}

/// A report's question in a query string (docs/analytics.md#csv): as the `analytics`
/// query's input, lists comma-separated.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(rename_all = "camelCase")]
pub struct AnalyticsParams {
    /// The range's start, RFC 3339 (inclusive). Required.
    from: Option<String>,
    /// The range's end, RFC 3339 (exclusive); at most 400 days after `from`. Required.
    to: Option<String>,
    /// IANA; the organization's when absent.
    time_zone: Option<String>,
    /// `DAY` (default), `HOUR`, `WEEK`, `MONTH`, `HOUR_OF_DAY`, `DAY_OF_WEEK`, `AGENT`,
    /// `DEPARTMENT`, `WEBSITE`, `CHANNEL` or `TAG` (the report only).
    group_by: Option<String>,
    /// `true`: times count within business hours only.
    business_hours_only: Option<bool>,
    website_ids: Option<String>,
    department_ids: Option<String>,
    agent_ids: Option<String>,
    /// `CHAT`, `EMAIL`.
    channels: Option<String>,
    tags: Option<String>,
}

impl AnalyticsParams {
    fn into_query(self) -> Result<crate::app::analytics::ReportQuery, crate::error::ApiError> {
        use crate::app::analytics::{AnalyticsChannel, AnalyticsGrouping, ReportQuery};
        use crate::error::ApiError;
        use async_graphql::resolver_utils::EnumType;
        let time = |s: &Option<String>, name: &str| {
            s.as_deref().and_then(crate::time::parse_rfc3339).ok_or_else(|| ApiError::BadInput(format!("{name} must be an RFC 3339 time")))
        };
        let list = |s: Option<String>| -> Vec<String> {
            s.map(|s| s.split(',').map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned).collect()).unwrap_or_default()
        };
        let group_by = match self.group_by.as_deref() {
            None => AnalyticsGrouping::Day,
            Some(g) => AnalyticsGrouping::items()
                .iter()
                .find(|i| i.name == g)
                .map(|i| i.value)
                .ok_or_else(|| ApiError::BadInput(format!("'{g}' is not a grouping")))?,
        };
        let channels = list(self.channels)
            .iter()
            .map(|c| {
                AnalyticsChannel::items()
                    .iter()
                    .find(|i| i.name == c.as_str())
                    .map(|i| i.value)
                    .ok_or_else(|| ApiError::BadInput(format!("'{c}' is not a channel")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ReportQuery {
            from: time(&self.from, "from")?,
            to: time(&self.to, "to")?,
            time_zone: self.time_zone,
            group_by,
            business_hours: self.business_hours_only.unwrap_or(false),
            websites: list(self.website_ids),
            departments: list(self.department_ids),
            agents: list(self.agent_ids),
            channels,
            tags: list(self.tags),
        })
    }
}

/// The caller of a CSV export, from its bearer token (an owner's or admin's, or an API
/// key with `analytics:read`).
async fn csv_caller(state: &AppState, req: axum::extract::Request) -> Result<crate::auth::Principal, Response> {
    use super::graphql::{api_error_response, bearer};
    use crate::error::ApiError;
    let peer = req.extensions().get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().cloned();
    let (parts, _) = req.into_parts();
    let headers = &parts.headers;
    let Some(token) = bearer(headers) else {
        return Err(api_error_response(ApiError::Unauthenticated("this operation needs a token")));
    };
    let meta = super::request_meta(&state.app, headers, peer.as_ref());
    match state.app.authenticate(token).await {
        Ok(p) => Ok(p.from_ip(meta.ip.as_deref())),
        Err(e) => Err(api_error_response(e)),
    }
}

/// The caller and the question of an analytics CSV request.
async fn analytics_request(
    state: &AppState,
    q: AnalyticsParams,
    req: axum::extract::Request,
) -> Result<(crate::auth::Principal, crate::app::analytics::ReportQuery), Response> {
    let principal = csv_caller(state, req).await?;
    let query = q.into_query().map_err(super::graphql::api_error_response)?;
    Ok((principal, query))
}

fn csv_response(body: axum::body::Body, filename: &'static str) -> Response {
    let mut r = (StatusCode::OK, body).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, header::HeaderValue::from_static("text/csv; charset=utf-8"));
    h.insert(header::CONTENT_DISPOSITION, header::HeaderValue::from_static(filename));
    h.insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    r
}

/// A report as CSV: a `total` row, then one row per group, with the `analytics` query's
/// figures (docs/analytics.md#csv). Cells that would start a spreadsheet formula are
/// prefixed with `'`.
#[utoipa::path(get, path = "/analytics/report.csv", params(AnalyticsParams), responses(
    (status = 200, description = "The report, one row per group after the total", content_type = "text/csv"),
    (status = 400, description = "A bad range, time zone, grouping or filter (`BAD_USER_INPUT`)"),
    (status = 401, description = "No or bad token"),
    (status = 403, description = "Not an owner or admin, or a key without analytics:read"),
    (status = 429, description = "More than 60 reports a minute for the organization")
), security(("bearer" = [])))]
pub async fn analytics_report_csv(State(state): State<AppState>, Query(q): Query<AnalyticsParams>, req: axum::extract::Request) -> Response {
    use super::graphql::api_error_response;
    let (principal, query) = match analytics_request(&state, q, req).await {
        Ok(asked) => asked,
        Err(r) => return r,
    };
    match state.app.analytics_report_csv(&principal, query).await {
        Ok(csv) => csv_response(csv.into(), "attachment; filename=\"chinwag-report.csv\""),
        Err(e) => api_error_response(e),
    }
}

/// One row per conversation episode in the range (a reopened conversation has a row per
/// episode), with its times, rating, tags and agent, streamed in start order; at most
/// 1,000,000 rows; 30 exports an hour per organization (docs/analytics.md#csv).
#[utoipa::path(get, path = "/analytics/conversations.csv", params(AnalyticsParams), responses(
    (status = 200, description = "conversation_id,episode,started_at,website,department,agent,channel,visitor_messages,agent_messages,bot_messages,first_response_s,responses,response_avg_s,resolution_s,wait_s,resolved_at,missed,rating,rating_comment,tags,website_id,department_id,agent_id,negative_messages,angry_messages", content_type = "text/csv"),
    (status = 400, description = "A bad range, time zone or filter (`BAD_USER_INPUT`)"),
    (status = 401, description = "No or bad token"),
    (status = 403, description = "Not an owner or admin, or a key without analytics:read"),
    (status = 429, description = "Too many reports or exports")
), security(("bearer" = [])))]
pub async fn analytics_conversations_csv(State(state): State<AppState>, Query(q): Query<AnalyticsParams>, req: axum::extract::Request) -> Response {
    use super::graphql::api_error_response;
    use futures_util::StreamExt;
    let (principal, query) = match analytics_request(&state, q, req).await {
        Ok(asked) => asked,
        Err(r) => return r,
    };
    match state.app.analytics_conversations_csv(&principal, query).await {
        Ok(rows) => {
            let rows = rows.map(|r| r.map_err(|e| std::io::Error::other(format!("{e:?}"))));
            csv_response(axum::body::Body::from_stream(rows), "attachment; filename=\"chinwag-conversations.csv\"")
        }
        Err(e) => api_error_response(e),
    }
}
