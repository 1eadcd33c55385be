//! GraphQL over HTTP, per the GraphQL-over-HTTP spec: POST with a JSON body for every
//! operation type, GET for queries only (405 otherwise), `application/graphql-response+json`
//! (when the client's `Accept` names it) with 400 for a document that fails to parse or
//! validate, and no `data` entry then; `application/json` otherwise. No batching.

use std::net::SocketAddr;

use async_graphql::parser::types::OperationType;
use async_graphql::Variables;
use axum::extract::{ConnectInfo, FromRequestParts, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{request_meta, ws, AppState};
use crate::error::{ApiError, ErrorCode};
use crate::graphql::{finish_response, is_request_error, prepare_parsed};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Body {
    query: String,
    #[serde(default)]
    variables: Option<serde_json::Value>,
    #[serde(default)]
    operation_name: Option<String>,
    /// Unused by this server, but a request that sends it sends an object.
    #[serde(default)]
    extensions: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetParams {
    query: Option<String>,
    variables: Option<String>,
    operation_name: Option<String>,
}

/// A JSON error response with a code, for failures before GraphQL runs.
pub fn error_response(status: StatusCode, code: ErrorCode, message: &str) -> Response {
    let body = serde_json::json!({ "errors": [{ "message": message, "extensions": { "code": code.as_str() } }] });
    (status, [(header::CONTENT_TYPE, HeaderValue::from_static(GRAPHQL_RESPONSE))], body.to_string()).into_response()
}

/// The response for an `ApiError` outside GraphQL, with the status that fits its code;
/// the cause of a failure of ours is logged here, once.
pub fn api_error_response(e: ApiError) -> Response {
    let status = match e.code() {
        ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorCode::Forbidden => StatusCode::FORBIDDEN,
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        ErrorCode::BadUserInput | ErrorCode::PlanLimit | ErrorCode::GraphqlParseFailed | ErrorCode::GraphqlValidationFailed => StatusCode::BAD_REQUEST,
    };
    if let Some(cause) = e.cause() {
        cause.log(e.code());
    }
    error_response(status, e.code(), &e.message())
}

pub async fn post(State(state): State<AppState>, req: axum::extract::Request) -> Response {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().cloned();
    let (parts, body) = req.into_parts();
    let headers = parts.headers;
    let body = match axum::body::to_bytes(body, state.app.settings.limits.max_body_bytes).await {
        Ok(b) => b,
        Err(_) => return error_response(StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::BadUserInput, "request body is too large"),
    };
    let ctype = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !ctype.starts_with("application/json") && !ctype.starts_with("application/graphql-response+json") {
        return error_response(StatusCode::UNSUPPORTED_MEDIA_TYPE, ErrorCode::BadUserInput, "send a JSON body with content-type application/json");
    }
    if body.first().is_some_and(|b| *b == b'[') || body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return error_response(StatusCode::BAD_REQUEST, ErrorCode::BadUserInput, "batched requests are not supported");
    }
    let parsed: Body = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => return error_response(StatusCode::BAD_REQUEST, ErrorCode::BadUserInput, &format!("the body is not a GraphQL request: {e}")),
    };
    if parsed.extensions.as_ref().is_some_and(|x| !x.is_object() && !x.is_null()) {
        return error_response(StatusCode::BAD_REQUEST, ErrorCode::BadUserInput, "extensions must be a JSON object");
    }
    execute(state, peer, &headers, parsed.query, parsed.variables, parsed.operation_name, false).await
}

/// GET `/graphql`: a WebSocket upgrade, or a query in the URL.
pub async fn get_or_upgrade(State(state): State<AppState>, req: axum::extract::Request) -> Response {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().cloned();
    let (mut parts, _body) = req.into_parts();
    let is_upgrade = parts.headers.get(header::UPGRADE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    if is_upgrade {
        return match axum::extract::ws::WebSocketUpgrade::from_request_parts(&mut parts, &state).await {
            Ok(upgrade) => ws::upgrade(state, upgrade, &parts.headers, peer),
            Err(rejection) => rejection.into_response(),
        };
    }
    let params = match Query::<GetParams>::try_from_uri(&parts.uri) {
        Ok(Query(p)) => p,
        Err(e) => return error_response(StatusCode::BAD_REQUEST, ErrorCode::BadUserInput, &e.body_text()),
    };
    let Some(query) = params.query else {
        return error_response(StatusCode::BAD_REQUEST, ErrorCode::BadUserInput, "missing the query parameter");
    };
    let variables = match params.variables.as_deref().map(serde_json::from_str::<serde_json::Value>).transpose() {
        Ok(v) => v,
        Err(_) => return error_response(StatusCode::BAD_REQUEST, ErrorCode::BadUserInput, "variables must be a JSON object"),
    };
    execute(state, peer, &parts.headers, query, variables, params.operation_name, true).await
}

async fn execute(
    state: AppState,
    peer: Option<ConnectInfo<SocketAddr>>,
    headers: &HeaderMap,
    query: String,
    variables: Option<serde_json::Value>,
    operation_name: Option<String>,
    is_get: bool,
) -> Response {
    let variables = match variables {
        None | Some(serde_json::Value::Null) => Variables::default(),
        Some(v @ serde_json::Value::Object(_)) => Variables::from_json(v),
        Some(_) => return error_response(StatusCode::BAD_REQUEST, ErrorCode::BadUserInput, "variables must be a JSON object"),
    };
    // Parsed once per text (the document cache) to route by operation type; execution
    // reuses the parsed document.
    let parsed = crate::graphql::documents::parse(&query);
    let mut request = async_graphql::Request::new(query).variables(variables);
    if let Some(name) = operation_name {
        request = request.operation_name(name);
    }
    let (op_type, doc) = match parsed {
        Ok(doc) => (operation_type(&doc, request.operation_name.as_deref()), doc),
        Err(e) => {
            let e = async_graphql::ServerError::from(e);
            let mut resp = async_graphql::Response::from_errors(vec![e]);
            resp.errors.iter_mut().for_each(|e| e.extensions.get_or_insert_with(Default::default).set("code", ErrorCode::GraphqlParseFailed.as_str()));
            return respond(headers, resp);
        }
    };
    match op_type {
        Some(OperationType::Mutation) if is_get => {
            let mut r = error_response(StatusCode::METHOD_NOT_ALLOWED, ErrorCode::BadUserInput, "mutations need POST");
            r.headers_mut().insert(header::ALLOW, HeaderValue::from_static("POST"));
            return r;
        }
        Some(OperationType::Subscription) => {
            return error_response(StatusCode::BAD_REQUEST, ErrorCode::BadUserInput, "subscriptions run over WebSocket (graphql-transport-ws) at this path");
        }
        _ => {}
    }
    let meta = request_meta(&state.app, headers, peer.as_ref());
    let viewer = match bearer(headers) {
        Some(token) => match state.app.authenticate(token).await {
            Ok(p) => Some(p.from_ip(meta.ip.as_deref())),
            Err(e) => return api_error_response(e),
        },
        None => None,
    };
    let mut resp = state.schema.execute(prepare_parsed(request, Some(doc), viewer, meta)).await;
    finish_response(&mut resp);
    respond(headers, resp)
}

fn operation_type(doc: &async_graphql::parser::types::ExecutableDocument, name: Option<&str>) -> Option<OperationType> {
    use async_graphql::parser::types::DocumentOperations;
    match &doc.operations {
        DocumentOperations::Single(op) => Some(op.node.ty),
        DocumentOperations::Multiple(map) => match name {
            Some(n) => map.get(n).map(|op| op.node.ty),
            None if map.len() == 1 => map.values().next().map(|op| op.node.ty),
            None => None,
        },
    }
}

/// `Authorization: Bearer <token>`; an empty or non-bearer header counts as none.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    crate::auth::bearer_token(headers.get(header::AUTHORIZATION)?.to_str().ok()?)
}

/// Status and media type per the client's `Accept`: the GraphQL response media type when
/// the client names it (400 when nothing executed), otherwise `application/json` (always
/// 200), as the spec asks for `Accept: */*`, `application/json` or no `Accept` at all. A
/// request that fails to parse or validate gets no `data` entry.
fn respond(headers: &HeaderMap, resp: async_graphql::Response) -> Response {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    let refused = is_request_error(&resp);
    let (status, ctype) = if !accept.contains(GRAPHQL_RESPONSE) {
        (StatusCode::OK, "application/json")
    } else if refused {
        (StatusCode::BAD_REQUEST, GRAPHQL_RESPONSE)
    } else {
        (StatusCode::OK, GRAPHQL_RESPONSE)
    };
    let serialized = if refused { serde_json::to_vec(&serde_json::json!({ "errors": resp.errors })) } else { serde_json::to_vec(&resp) };
    let body = serialized.unwrap_or_else(|_| br#"{"errors":[{"message":"serialization failed","extensions":{"code":"INTERNAL"}}]}"#.to_vec());
    (status, [(header::CONTENT_TYPE, HeaderValue::from_static(ctype))], body).into_response()
}
