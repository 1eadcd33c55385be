//! `POST /inbound/email`: raw MIME from an MTA or an email provider's inbound hook, signed
//! with `--inbound-email-secret` (docs/email.md). Off (404) without the secret.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::StreamExt as _;
use subtle::ConstantTimeEq as _;

use super::graphql::error_response;
use super::AppState;
use crate::app::email_in::{Envelope, Received, Refused, WAIT_FOR_TURN};
use crate::error::ErrorCode;

/// How far a signature's timestamp may be from now (replays outside it are refused).
const TOLERANCE_SECS: i64 = 300;
/// How long the body may take to arrive.
const READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);
/// Bodies one client address may be sending at once.
const PER_CLIENT: usize = 2;

/// Accepts one email. Headers: `Chinwag-Timestamp` (unix seconds), `Chinwag-Signature`
/// (`v1=` hex HMAC-SHA256 of `<timestamp>.<body>` with the secret), optionally
/// `Chinwag-Envelope-From` and `Chinwag-Envelope-To` (comma-separated) from the SMTP
/// envelope. 200 with `status` posted, duplicate, held or dropped; 422 for mail that no
/// conversation takes (bounce it); 503 to retry later.
pub async fn email(State(state): State<AppState>, req: axum::extract::Request) -> Response {
    let peer = req.extensions().get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().cloned();
    let (parts, body) = req.into_parts();
    let headers: HeaderMap = parts.headers;
    let app = &state.app;
    let Some(secret) = app.settings.integrations.inbound_email_secret.as_deref() else {
        return error_response(StatusCode::NOT_FOUND, ErrorCode::NotFound, "inbound email is not configured on this server");
    };
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    let (Some(ts), Some(sig)) = (text("chinwag-timestamp"), text("chinwag-signature")) else {
        return error_response(StatusCode::UNAUTHORIZED, ErrorCode::Unauthenticated, "Chinwag-Timestamp and Chinwag-Signature are required");
    };
    let Ok(ts_secs) = ts.parse::<i64>() else {
        return error_response(StatusCode::UNAUTHORIZED, ErrorCode::Unauthenticated, "Chinwag-Timestamp must be unix seconds");
    };
    if (crate::time::now_ms() / 1000 - ts_secs).abs() > TOLERANCE_SECS {
        return error_response(StatusCode::UNAUTHORIZED, ErrorCode::Unauthenticated, "the signature's timestamp is more than 5 minutes from now");
    }
    // One client reads at most two bodies at once (the turns below are few).
    let ip = super::request_meta(app, &headers, peer.as_ref()).ip.and_then(|ip| ip.parse().ok()).unwrap_or(std::net::IpAddr::from([0, 0, 0, 0]));
    let Some(_place) = app.inbound_peers.enter(ip, PER_CLIENT) else {
        return error_response(StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited, "too many emails from this address at once");
    };
    // One turn among the node's inbound emails before the body is read into memory.
    let Ok(Ok(_turn)) = tokio::time::timeout(WAIT_FOR_TURN, app.inbound_email.acquire()).await else {
        return error_response(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Unavailable, "busy; retry later");
    };
    let max = app.settings.integrations.inbound_email_max_bytes;
    let read = async {
        let mut raw = Vec::new();
        let mut stream = body.into_data_stream();
        while let Some(chunk) = stream.next().await {
            let Ok(chunk) = chunk else { return Err(error_response(StatusCode::BAD_REQUEST, ErrorCode::BadUserInput, "the body was interrupted")) };
            if raw.len() + chunk.len() > max {
                return Err(error_response(StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::BadUserInput, &format!("emails are limited to {max} bytes")));
            }
            raw.extend_from_slice(&chunk);
        }
        Ok(raw)
    };
    // A slow sender gives its turn back (the turns are few).
    let raw = match tokio::time::timeout(READ_TIMEOUT, read).await {
        Ok(Ok(raw)) => raw,
        Ok(Err(res)) => return res,
        Err(_) => return error_response(StatusCode::REQUEST_TIMEOUT, ErrorCode::BadUserInput, "the body took too long"),
    };
    let expected = crate::ids::hmac_sha256_hex(secret.as_bytes(), &[ts.as_bytes(), b".", &raw]);
    let genuine = sig.split(',').map(str::trim).filter_map(|s| s.strip_prefix("v1=")).any(|s| bool::from(s.as_bytes().ct_eq(expected.as_bytes())));
    if !genuine {
        return error_response(StatusCode::UNAUTHORIZED, ErrorCode::Unauthenticated, "the signature does not match");
    }
    let envelope = Envelope {
        mail_from: text("chinwag-envelope-from").map(str::to_owned),
        rcpt_to: text("chinwag-envelope-to")
            .map(|t| t.split(',').map(|a| a.trim().to_owned()).filter(|a| !a.is_empty()).take(50).collect())
            .unwrap_or_default(),
    };
    match app.receive_email(&raw, &envelope).await {
        Ok(r) => {
            let (status, detail) = match r {
                Received::Posted { message_id, .. } => ("posted", Some(message_id)),
                Received::Duplicate => ("duplicate", None),
                Received::Held { id } => ("held", Some(id)),
                Received::Dropped(why) => ("dropped", Some(why)),
            };
            (StatusCode::OK, Json(serde_json::json!({ "status": status, "detail": detail }))).into_response()
        }
        Err(Refused::Permanent(why)) => error_response(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::BadUserInput, &why),
        Err(Refused::Temporary(why)) => {
            tracing::warn!(why, "inbound email refused for now");
            error_response(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Unavailable, "cannot take the email now; retry later")
        }
    }
}
