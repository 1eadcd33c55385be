//! Slack's requests to the organization's app (docs/slack.md):
//! `POST /integrations/slack/{org}/events` (Events API), `/interactions` (buttons,
//! message shortcuts, the note modal) and `/commands` (`/chinwag`). Each is verified with
//! the organization's signing secret (`v0`, timestamp within 5 minutes) and answered at
//! once; the work is a job.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use subtle::ConstantTimeEq as _;

use super::graphql::error_response;
use super::AppState;
use crate::app::slack::{ActionJob, SlackAction, SlackMode, ThreadReply};
use crate::error::ErrorCode;
use crate::store::{SlackRow, StoreError};

/// How far a request's timestamp may be from now.
const TOLERANCE_SECS: i64 = 300;

/// The organization's connection, if the request is genuinely Slack's for it.
async fn verified(state: &AppState, org_id: &str, headers: &HeaderMap, body: &[u8]) -> Result<SlackRow, Response> {
    let s = match state.app.store.slack(org_id).await {
        Ok(s) => s,
        // The same answer as a bad signature: which organizations use Slack is nobody's business.
        Err(StoreError::NotFound) => return Err(error_response(StatusCode::UNAUTHORIZED, ErrorCode::Unauthenticated, "the request is not verified")),
        Err(e) => {
            tracing::warn!(error = ?e, "reading a Slack connection");
            return Err(error_response(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Unavailable, "retry later"));
        }
    };
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    let refuse = |m: &str| error_response(StatusCode::UNAUTHORIZED, ErrorCode::Unauthenticated, m);
    let (Some(ts), Some(sig)) = (text("x-slack-request-timestamp"), text("x-slack-signature")) else {
        return Err(refuse("X-Slack-Request-Timestamp and X-Slack-Signature are required"));
    };
    let Ok(secs) = ts.parse::<i64>() else { return Err(refuse("bad timestamp")) };
    if (crate::time::now_ms() / 1000 - secs).abs() > TOLERANCE_SECS {
        return Err(refuse("the request's timestamp is more than 5 minutes from now"));
    }
    if !genuine(&s.signing_secret, ts, body, sig) {
        return Err(refuse("the signature does not match"));
    }
    Ok(s)
}

/// Slack's `v0` signature: hex HMAC-SHA256 of `v0:<timestamp>:<body>`.
pub fn genuine(secret: &str, ts: &str, body: &[u8], sig: &str) -> bool {
    let expected = format!("v0={}", crate::ids::hmac_sha256_hex(secret.as_bytes(), &[b"v0:", ts.as_bytes(), b":", body]));
    bool::from(expected.as_bytes().ct_eq(sig.as_bytes()))
}

fn ok_empty() -> Response {
    StatusCode::OK.into_response()
}

fn ephemeral(text: &str) -> Response {
    Json(json!({ "response_type": "ephemeral", "text": text })).into_response()
}

fn form_value(body: &[u8], key: &str) -> Option<String> {
    form_urlencoded::parse(body).find(|(k, _)| k == key).map(|(_, v)| v.into_owned())
}

/// The Events API: the URL check, and replies in conversations' threads.
pub async fn events(State(state): State<AppState>, Path(org_id): Path<String>, headers: HeaderMap, body: Bytes) -> Response {
    let s = match verified(&state, &org_id, &headers, &body).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return error_response(StatusCode::BAD_REQUEST, ErrorCode::BadUserInput, "not JSON");
    };
    if v["type"] == "url_verification" {
        let challenge = v["challenge"].as_str().unwrap_or_default().chars().take(200).collect::<String>();
        return ([(header::CONTENT_TYPE, "text/plain")], challenge).into_response();
    }
    let e = &v["event"];
    let is_reply = v["type"] == "event_callback"
        && v["team_id"] == s.team_id.as_str()
        && SlackMode::from_db(&s.mode) == SlackMode::Threads
        && e["type"] == "message"
        // Plain messages (and those also sent to the channel); edits, deletions, joins… are not replies.
        && (e["subtype"].is_null() || e["subtype"] == "thread_broadcast")
        // Our own bot's, or any bot's: a thread never echoes.
        && e["bot_id"].is_null()
        && e["user"] != s.bot_user_id.as_str()
        && e["channel"] == s.channel_id.as_str()
        && e["thread_ts"].is_string()
        && e["thread_ts"] != e["ts"];
    if !is_reply {
        return ok_empty();
    }
    let (Some(event_id), Some(user), Some(ts)) = (v["event_id"].as_str(), e["user"].as_str(), e["ts"].as_str()) else { return ok_empty() };
    let reply = ThreadReply {
        channel: s.channel_id.clone(),
        thread_ts: e["thread_ts"].as_str().unwrap_or_default().to_owned(),
        user: user.to_owned(),
        text: e["text"].as_str().unwrap_or_default().chars().take(12_000).collect(),
        ts: ts.to_owned(),
    };
    match state.app.queue_slack_reply(&org_id, &event_id.chars().take(100).collect::<String>(), reply).await {
        Ok(_) => ok_empty(),
        // Slack retries what was not answered with 2xx.
        Err(e) => super::graphql::api_error_response(e),
    }
}

/// Buttons on a thread's first message, message shortcuts, and the note modal.
pub async fn interactions(State(state): State<AppState>, Path(org_id): Path<String>, headers: HeaderMap, body: Bytes) -> Response {
    let s = match verified(&state, &org_id, &headers, &body).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Some(v) = form_value(&body, "payload").and_then(|p| serde_json::from_str::<Value>(&p).ok()) else {
        return error_response(StatusCode::BAD_REQUEST, ErrorCode::BadUserInput, "no payload");
    };
    let app = &state.app;
    let user = v["user"]["id"].as_str().unwrap_or_default().to_owned();
    let channel = v["channel"]["id"].as_str().or(v["container"]["channel_id"].as_str()).unwrap_or(&s.channel_id).to_owned();
    let action_of = |name: &str| match name {
        "chinwag_resolve" => Some(SlackAction::Resolve),
        "chinwag_assign_me" => Some(SlackAction::AssignMe),
        "chinwag_note" => Some(SlackAction::Note),
        _ => None,
    };
    // (action, conversation, trigger) of a button or a shortcut.
    let (action, conversation_id) = match v["type"].as_str() {
        Some("block_actions") => {
            let a = &v["actions"][0];
            (a["action_id"].as_str().and_then(action_of), a["value"].as_str().map(str::to_owned))
        }
        Some("message_action") => {
            // Any message of a conversation's thread (or its first).
            let m = &v["message"];
            let root = m["thread_ts"].as_str().or(m["ts"].as_str()).unwrap_or_default();
            let conv = match app.store.slack_thread_by_ts(&org_id, &channel, root).await {
                Ok(t) => t.map(|t| t.conversation_id),
                Err(_) => return error_response(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Unavailable, "retry later"),
            };
            (v["callback_id"].as_str().and_then(action_of), conv)
        }
        Some("view_submission") if v["view"]["callback_id"] == "chinwag_note" => {
            let text = v["view"]["state"]["values"]["note"]["note_text"]["value"].as_str().unwrap_or_default().trim().to_owned();
            if text.is_empty() {
                return Json(json!({ "response_action": "errors", "errors": { "note": "Write the note first." } })).into_response();
            }
            let conversation_id = v["view"]["private_metadata"].as_str().unwrap_or_default().to_owned();
            // A modal has no channel: the answer goes to the connection's.
            let job = ActionJob { action: SlackAction::Note, conversation_id, user, channel: s.channel_id.clone(), text: Some(text) };
            return match app.queue_slack_action(&org_id, job).await {
                Ok(()) => ok_empty(),
                Err(e) => super::graphql::api_error_response(e),
            };
        }
        _ => return ok_empty(),
    };
    let (Some(action), Some(conversation_id)) = (action, conversation_id) else {
        return ok_empty();
    };
    if action == SlackAction::Note {
        // The modal opens now (its trigger lasts 3 s); the note comes with its submission.
        if let Some(trigger) = v["trigger_id"].as_str() {
            let (app, trigger) = (app.clone(), trigger.to_owned());
            tokio::spawn(async move { app.slack_note_modal(&s, &trigger, &conversation_id).await });
        }
        return ok_empty();
    }
    match app.queue_slack_action(&org_id, ActionJob { action, conversation_id, user, channel, text: None }).await {
        Ok(()) => ok_empty(),
        Err(e) => super::graphql::api_error_response(e),
    }
}

const USAGE: &str = "`/chinwag resolve <conversation>` resolves it, `/chinwag assign <conversation>` assigns it to you, \
                     `/chinwag note <conversation> <text>` adds a private note. <conversation> is its id (`cnv_...`) or a link to it.";

/// `/chinwag resolve|assign|note <conversation> [text]`.
pub async fn commands(State(state): State<AppState>, Path(org_id): Path<String>, headers: HeaderMap, body: Bytes) -> Response {
    let s = match verified(&state, &org_id, &headers, &body).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let text = form_value(&body, "text").unwrap_or_default();
    let user = form_value(&body, "user_id").unwrap_or_default();
    let channel = form_value(&body, "channel_id").unwrap_or_else(|| s.channel_id.clone());
    let mut words = text.split_whitespace();
    let verb = words.next().unwrap_or("").to_ascii_lowercase();
    let action = match verb.as_str() {
        "resolve" => SlackAction::Resolve,
        "assign" => SlackAction::AssignMe,
        "note" => SlackAction::Note,
        _ => return ephemeral(USAGE),
    };
    let Some(conversation_id) = words.next().and_then(conversation_ref) else { return ephemeral(USAGE) };
    let note: String = words.collect::<Vec<_>>().join(" ");
    if action == SlackAction::Note && note.is_empty() {
        return ephemeral("Write the note after the conversation: `/chinwag note cnv_... text`.");
    }
    let job = ActionJob { action, conversation_id: conversation_id.clone(), user, channel, text: (!note.is_empty()).then_some(note) };
    match state.app.queue_slack_action(&org_id, job).await {
        Ok(()) => ephemeral(&format!("On it (`{conversation_id}`).")),
        Err(e) => super::graphql::api_error_response(e),
    }
}

/// A conversation id in a word: the id itself, or a link that ends with it.
fn conversation_ref(word: &str) -> Option<String> {
    let word = word.trim_matches(|c| c == '<' || c == '>' || c == '`');
    let at = word.find("cnv_")?;
    let id: String = word[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    (id.len() == 30).then(|| format!("cnv_{}", id[4..].to_ascii_uppercase()))
}

#[cfg(test)]
mod tests {
    use super::{conversation_ref, genuine};

    #[test]
    fn slacks_documented_signature_example_verifies() {
        let body = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
        let sig = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
        assert!(genuine("8f742231b10e8888abcd99yyyzzz85a5", "1531420618", body.as_bytes(), sig));
        assert!(!genuine("8f742231b10e8888abcd99yyyzzz85a5", "1531420619", body.as_bytes(), sig));
    }

    #[test]
    fn a_conversation_is_named_by_its_id_or_a_link() {
        let id = "cnv_01JABCDEFGHJKMNPQRSTVWXYZ0";
        assert_eq!(conversation_ref(id).as_deref(), Some(id));
        assert_eq!(conversation_ref(&format!("<https://chat.test/app/inbox/mine/{id}>")).as_deref(), Some(id));
        assert_eq!(conversation_ref("cnv_short"), None);
    }
}
