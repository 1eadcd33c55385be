//! A local stand-in for Slack's Web API, written from Slack's published documentation
//! (auth.test, chat.postMessage, chat.postEphemeral, users.info, views.open: bearer
//! tokens, JSON bodies for writes, form bodies for users.info, `{"ok": false, "error"}`).
//! Slack is unreachable from here; the product's real Slack client talks to this.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use serde_json::{json, Value};

use crate::helpers::WAIT;

pub const TOKEN: &str = "xoxb-1111-2222-test-token";
pub const SIGNING: &str = "8f742231b10e8888abcd99aa1b2c85a5";
pub const CHANNEL: &str = "CSUPPORT1";

#[derive(Default)]
pub struct Slack {
    /// Every accepted chat.postMessage body, in order.
    pub posts: Vec<Value>,
    pub ephemeral: Vec<Value>,
    pub views: Vec<Value>,
    /// users.info: id -> email.
    pub users: Vec<(String, String)>,
    /// How long chat.postMessage takes to answer (a slow Slack widens races).
    pub post_delay: Duration,
}

#[derive(Clone)]
pub struct FakeSlack {
    pub url: String,
    pub state: Arc<Mutex<Slack>>,
}

async fn slack_method(
    State(st): State<Arc<Mutex<Slack>>>,
    axum::extract::Path(method): axum::extract::Path<String>,
    headers: HeaderMap,
    body: String,
) -> Json<Value> {
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(&format!("Bearer {TOKEN}")) {
        return Json(json!({ "ok": false, "error": "invalid_auth" }));
    }
    let ctype = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    if method == "chat.postMessage" {
        let delay = st.lock().unwrap().post_delay;
        tokio::time::sleep(delay).await;
    }
    let mut s = st.lock().unwrap();
    if method == "users.info" {
        // "This method does not currently accept application/json".
        if ctype.starts_with("application/json") {
            return Json(json!({ "ok": false, "error": "invalid_arguments" }));
        }
        let user = form_urlencoded::parse(body.as_bytes()).find(|(k, _)| k == "user").map(|(_, v)| v.into_owned()).unwrap_or_default();
        return Json(match s.users.iter().find(|(id, _)| *id == user) {
            Some((id, email)) => {
                json!({ "ok": true, "user": { "id": id, "deleted": false, "is_bot": false, "profile": { "email": email, "display_name": id } } })
            }
            None => json!({ "ok": false, "error": "user_not_found" }),
        });
    }
    if !ctype.starts_with("application/json") {
        return Json(json!({ "ok": false, "error": "invalid_form_data" }));
    }
    let b: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    match method.as_str() {
        "auth.test" => Json(
            json!({ "ok": true, "url": "https://acme.slack.com/", "team": "Acme", "user": "chinwag", "team_id": "T0ACME", "user_id": "UBOT", "bot_id": "B0BOT" }),
        ),
        "chat.postMessage" => {
            if b["channel"] != CHANNEL {
                return Json(json!({ "ok": false, "error": "not_in_channel" }));
            }
            if b["text"].as_str().unwrap_or("").is_empty() && b["blocks"].is_null() {
                return Json(json!({ "ok": false, "error": "no_text" }));
            }
            let ts = format!("1765000000.{:06}", s.posts.len() + 1);
            let mut stored = b.clone();
            stored["ts"] = json!(ts);
            s.posts.push(stored);
            Json(
                json!({ "ok": true, "channel": CHANNEL, "ts": ts, "message": { "type": "message", "text": b["text"], "bot_id": "B0BOT", "user": "UBOT", "ts": ts } }),
            )
        }
        "chat.postEphemeral" => {
            s.ephemeral.push(b);
            Json(json!({ "ok": true, "message_ts": "1765000000.999999" }))
        }
        "views.open" => {
            if b["trigger_id"].as_str().unwrap_or("").is_empty() {
                return Json(json!({ "ok": false, "error": "invalid_arguments" }));
            }
            s.views.push(b);
            Json(json!({ "ok": true, "view": { "id": "V1" } }))
        }
        _ => Json(json!({ "ok": false, "error": "unknown_method" })),
    }
}

impl FakeSlack {
    pub async fn start(users: &[(&str, &str)]) -> FakeSlack {
        let state = Arc::new(Mutex::new(Slack { users: users.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect(), ..Default::default() }));
        let router = axum::Router::new().route("/api/{method}", axum::routing::post(slack_method)).with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/api", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        FakeSlack { url, state }
    }

    pub fn posts(&self) -> Vec<Value> {
        self.state.lock().unwrap().posts.clone()
    }

    /// The first post for which `f` holds, waiting for it.
    pub async fn wait_post(&self, what: &str, f: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Some(p) = self.posts().into_iter().find(|p| f(p)) {
                return p;
            }
            assert!(tokio::time::Instant::now() < deadline, "no Slack post: {what}; posts: {:#?}", self.posts());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub async fn wait_ephemeral(&self, user: &str, needle: &str) -> Value {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let found = self.state.lock().unwrap().ephemeral.iter().find(|e| e["user"] == user && e["text"].as_str().unwrap_or("").contains(needle)).cloned();
            if let Some(e) = found {
                return e;
            }
            assert!(tokio::time::Instant::now() < deadline, "no ephemeral for {user} with {needle}: {:#?}", self.state.lock().unwrap().ephemeral);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

pub fn text_of(p: &Value) -> String {
    format!("{} {}", p["text"].as_str().unwrap_or(""), p["blocks"])
}
