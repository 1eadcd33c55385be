//! Files: `POST /uploads` (authenticated, raw bytes, size enforced while the body
//! streams in) and `GET /files/{id}` through short-lived signed links, which the API
//! hands only to those who may see the message (an `<img>` cannot send a token).

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::StreamExt as _;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::graphql::{api_error_response as api_error, bearer, error_response};
use super::AppState;
use crate::error::{ApiError, ErrorCode};

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
pub struct UploadParams {
    /// The conversation the file is for.
    conversation_id: String,
    /// The file's name, as the sender sees it.
    filename: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Uploaded {
    /// Pass in `sendMessage(input: {attachmentIds: [...]})`.
    id: String,
    filename: String,
    /// Sniffed from the bytes.
    content_type: String,
    size: i64,
}

/// Upload a file to a conversation; the body is the file's bytes.
#[utoipa::path(post, path = "/uploads", params(UploadParams), request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses(
        (status = 201, description = "Stored; attach it with sendMessage", body = Uploaded),
        (status = 401, description = "No or bad token"),
        (status = 404, description = "No such conversation for this caller"),
        (status = 413, description = "Larger than the limit"),
    ),
    security(("bearer" = [])))]
pub async fn upload(State(state): State<AppState>, Query(q): Query<UploadParams>, req: axum::extract::Request) -> Response {
    let Some(token) = bearer(req.headers()).map(str::to_owned) else {
        return api_error(ApiError::Unauthenticated("this operation needs a token"));
    };
    let principal = match state.app.authenticate(&token).await {
        Ok(p) => p,
        Err(e) => return api_error(e),
    };
    let max = state.app.settings.limits.max_upload_bytes;
    let mut body = req.into_body().into_data_stream();
    let mut bytes = Vec::new();
    while let Some(chunk) = body.next().await {
        let Ok(chunk) = chunk else { return error_response(StatusCode::BAD_REQUEST, ErrorCode::BadUserInput, "the upload was interrupted") };
        if bytes.len() + chunk.len() > max {
            return error_response(StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::BadUserInput, &format!("files are limited to {max} bytes"));
        }
        bytes.extend_from_slice(&chunk);
    }
    match state.app.upload(&principal, &q.conversation_id, &q.filename, bytes).await {
        Ok(a) => (StatusCode::CREATED, Json(Uploaded { id: a.id, filename: a.filename, content_type: a.content_type, size: a.size })).into_response(),
        Err(e) => api_error(e),
    }
}

#[derive(Deserialize, IntoParams)]
pub struct FileParams {
    exp: i64,
    sig: String,
}

/// Download a file through a signed link from `Message.attachments.url`.
#[utoipa::path(get, path = "/files/{id}", params(("id" = String, Path, description = "The attachment id"), FileParams),
    responses((status = 200, description = "The file"), (status = 403, description = "Bad or expired link")))]
pub async fn download(State(state): State<AppState>, Path(id): Path<String>, Query(q): Query<FileParams>) -> Response {
    match state.app.signed_file(&id, q.exp, &q.sig).await {
        Ok((a, bytes)) => {
            let inline = crate::files::sniff(&bytes).1;
            let disposition = crate::files::content_disposition(inline, &a.filename);
            let mut res = bytes.into_response();
            let h = res.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_str(&a.content_type).unwrap_or(HeaderValue::from_static("application/octet-stream")));
            h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_str(&disposition).unwrap_or(HeaderValue::from_static("attachment")));
            h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=3600"));
            h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox"));
            res
        }
        Err(e) => api_error(e),
    }
}

/// Download an export's ZIP archive through the signed link from `Export.url`.
#[utoipa::path(get, path = "/exports/{id}", params(("id" = String, Path, description = "The export id"), FileParams),
    responses((status = 200, description = "The ZIP archive"), (status = 403, description = "Bad or expired link")))]
pub async fn download_export(State(state): State<AppState>, Path(id): Path<String>, Query(q): Query<FileParams>) -> Response {
    match state.app.signed_export(&id, q.exp, &q.sig).await {
        Ok((e, file)) => {
            let mut res = axum::body::Body::from_stream(file.chunks).into_response();
            let h = res.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/zip"));
            h.insert(header::CONTENT_LENGTH, HeaderValue::from(file.size));
            let name = format!("attachment; filename=\"chinwag-export-{}.zip\"", e.id);
            h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_str(&name).unwrap_or(HeaderValue::from_static("attachment")));
            h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
            res
        }
        Err(e) => api_error(e),
    }
}
