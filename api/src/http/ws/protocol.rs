//! The graphql-transport-ws messages: what a client sends, the close codes, and the
//! encoding of the frames the server sends.

use axum::extract::ws::{CloseFrame, Message as WsMessage};
use serde::Deserialize;

pub const PROTOCOL: &str = "graphql-transport-ws";

/// Why the server closes a socket: the protocol's codes and the two of RFC 6455 it uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseCode {
    /// 1000: the client went away or the socket ended normally.
    Normal,
    /// 1012: the server is restarting; reconnect (elsewhere).
    ServiceRestart,
    /// 1013: the client did not keep up; retry later.
    TryAgainLater,
    /// 4400: a message that is not valid JSON or not a protocol message.
    InvalidMessage,
    /// 4401: `subscribe` before `connection_ack`.
    Unauthorized,
    /// 4403: a missing, invalid, expired or revoked token.
    Forbidden,
    /// 4406: the client did not offer `graphql-transport-ws`.
    SubprotocolNotAcceptable,
    /// 4408: no `connection_init` within 3 s.
    InitTimeout,
    /// 4409: an operation id that is already running.
    DuplicateId,
    /// 4429: a second `connection_init`.
    TooManyInits,
}

impl CloseCode {
    pub const fn code(self) -> u16 {
        match self {
            CloseCode::Normal => 1000,
            CloseCode::ServiceRestart => 1012,
            CloseCode::TryAgainLater => 1013,
            CloseCode::InvalidMessage => 4400,
            CloseCode::Unauthorized => 4401,
            CloseCode::Forbidden => 4403,
            CloseCode::SubprotocolNotAcceptable => 4406,
            CloseCode::InitTimeout => 4408,
            CloseCode::DuplicateId => 4409,
            CloseCode::TooManyInits => 4429,
        }
    }
}

/// A close code with the reason sent with it.
pub type Close = (CloseCode, &'static str);

#[derive(Deserialize)]
pub struct ClientMsg {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: Option<String>,
    pub payload: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscribePayload {
    pub query: String,
    #[serde(default)]
    pub variables: Option<serde_json::Value>,
    #[serde(default)]
    pub operation_name: Option<String>,
}

pub fn close(code: CloseCode, reason: &'static str) -> WsMessage {
    WsMessage::Close(Some(CloseFrame { code: code.code(), reason: reason.into() }))
}

/// `{"type":"complete","id":id}`.
pub fn complete(id: &str) -> String {
    frame_without_payload(id, "complete")
}

fn frame_without_payload(id: &str, kind: &'static str) -> String {
    #[derive(serde::Serialize)]
    struct Frame<'a> {
        #[serde(rename = "type")]
        kind: &'static str,
        id: &'a str,
    }
    serde_json::to_string(&Frame { kind, id }).expect("frames serialize")
}

/// `{"type":kind,"id":id,"payload":json}` in a buffer of exactly its size (so the
/// frame becomes the socket's bytes without another allocation).
pub fn splice(kind: &str, id_json: &str, json: &str) -> String {
    const PARTS: [&str; 4] = [r#"{"type":""#, r#"","id":"#, r#","payload":"#, "}"];
    let mut s = String::with_capacity(PARTS.iter().map(|p| p.len()).sum::<usize>() + kind.len() + id_json.len() + json.len());
    for part in [PARTS[0], kind, PARTS[1], id_json, PARTS[2], json, PARTS[3]] {
        s.push_str(part);
    }
    debug_assert_eq!(s.len(), s.capacity());
    s
}

/// Serializes a protocol message straight from the response (no intermediate JSON tree).
pub fn frame<T: serde::Serialize>(id: &str, kind: &'static str, payload: &T) -> String {
    #[derive(serde::Serialize)]
    struct Frame<'a, T> {
        #[serde(rename = "type")]
        kind: &'static str,
        id: &'a str,
        payload: &'a T,
    }
    serde_json::to_string(&Frame { kind, id, payload }).expect("responses serialize")
}
