//! Slack, both ways (docs/slack.md). Each new conversation posts to the organization's
//! channel and becomes a thread there; the conversation's messages, assignments and
//! resolution are mirrored into the thread by a `slack.sync` job that keeps a cursor
//! (so the mirror is complete and in order however its triggers arrive); replies in the
//! thread reach the visitor as the agent who wrote them (Slack users are mapped to
//! agents by email); buttons, message shortcuts, a modal and `/chinwag` resolve, assign
//! and add private notes. Every request from Slack is verified (`v0` signature, 5
//! minutes), answered at once, and its work done as a job; events are deduplicated by
//! their id and our own bot's are ignored, so a thread never echoes. In "alerts only"
//! mode new conversations are posted and nothing is read back.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::chat::Send;
use super::outbox::{payload, store_failed};
use super::App;
use crate::auth::{AgentPrincipal, Principal};
use crate::domain::{ConversationStatus, SenderKind};
use crate::error::{ApiError, ApiResult};
use crate::jobs::{JobRow, NewJob, Outcome};
use crate::store::{AgentRow, ConversationRow, SlackRow, SlackThreadRow, StoreError};

pub const SLACK_SYNC: &str = "slack.sync";
pub const SLACK_REPLY: &str = "slack.reply";
pub const SLACK_ACTION: &str = "slack.action";

/// Messages one sync posts before it hands over to the next (Slack takes about one
/// message per second per channel).
const SYNC_BATCH: i64 = 20;
/// The most of an answer from Slack read.
const MAX_SLACK_ANSWER: usize = 256 * 1024;
/// How long a Slack user's email is taken from this node's memory.
const SLACK_USER_TTL: std::time::Duration = std::time::Duration::from_secs(300);
/// The longest text posted into Slack from one message.
const MAX_POSTED: usize = 3_000;
/// How long a sync holds a conversation's thread without a sign of life (it renews the
/// lease after each post, and each Slack call times out at 15 s).
const SYNC_LEASE_MS: i64 = 60_000;

/// What the integration does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlackMode {
    /// New conversations post as threads, mirrored and answered both ways.
    Threads,
    /// New conversations post as alerts; nothing is mirrored or read back.
    Alerts,
}

impl SlackMode {
    pub fn as_str(self) -> &'static str {
        match self {
            SlackMode::Threads => "threads",
            SlackMode::Alerts => "alerts",
        }
    }
    pub fn from_db(s: &str) -> SlackMode {
        if s == "alerts" {
            SlackMode::Alerts
        } else {
            SlackMode::Threads
        }
    }
}

/// `connectSlack`'s input (`None` keeps the stored value on an update).
pub struct SlackInput {
    pub bot_token: Option<String>,
    pub signing_secret: Option<String>,
    pub channel_id: Option<String>,
    pub mode: Option<SlackMode>,
}

/// A Web API call that failed: Slack's own error code, or the way there.
#[derive(Debug)]
pub enum SlackError {
    /// `{"ok": false, "error": ...}`.
    Api(String),
    /// Not reached, rate limited, or Slack's side failed: worth retrying.
    Transient(String),
}

impl SlackError {
    fn retry(self) -> (String, bool) {
        match self {
            SlackError::Api(e) if !matches!(e.as_str(), "ratelimited" | "internal_error" | "fatal_error" | "service_unavailable" | "request_timeout") => {
                (format!("slack: {e}"), true)
            }
            SlackError::Api(e) | SlackError::Transient(e) => (format!("slack: {e}"), false),
        }
    }
}

/// What an action from Slack does.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SlackAction {
    Resolve,
    AssignMe,
    Note,
}

#[derive(Serialize, Deserialize)]
struct Sync {
    conversation_id: String,
}

/// A reply written in a conversation's thread.
#[derive(Serialize, Deserialize)]
pub struct ThreadReply {
    pub channel: String,
    pub thread_ts: String,
    pub user: String,
    pub text: String,
    pub ts: String,
}

/// A button, shortcut, modal or command, to carry out as the Slack user's agent.
#[derive(Serialize, Deserialize)]
pub struct ActionJob {
    pub action: SlackAction,
    pub conversation_id: String,
    pub user: String,
    /// Where to answer the user (ephemerally).
    pub channel: String,
    pub text: Option<String>,
}

impl App {
    /// Whether the organization has Slack connected (cached like `hooked`).
    pub(crate) async fn slacked(&self, org_id: &str) -> bool {
        self.slacked.get(org_id, async { Ok(self.store.slack(org_id).await.is_ok()) }).await
    }

    /// The thread of the conversation is brought up to date, soon (a job per
    /// conversation: a later trigger replaces a pending one). Off the caller's path.
    pub(crate) fn slack_touch(&self, conv: &ConversationRow) {
        // The send path's usual case (no Slack, known) costs a lookup, not a task.
        if self.slacked.peek(&conv.org_id) == Some(false) {
            return;
        }
        let Some(app) = self.me.upgrade() else { return };
        let (org_id, conversation_id) = (conv.org_id.clone(), conv.id.clone());
        tokio::spawn(async move {
            if !app.slacked(&org_id).await {
                return;
            }
            let mut job = app.jobs.job(SLACK_SYNC, Some(&org_id), &Sync { conversation_id: conversation_id.clone() });
            job.key = Some(format!("slack:{conversation_id}"));
            if let Err(e) = app.jobs.enqueue(&[job]).await {
                tracing::warn!(error = ?e, "enqueueing a Slack sync");
            }
        });
    }

    /// One Web API call with a JSON body.
    async fn slack_call(&self, token: &str, method: &str, body: &Value) -> Result<Value, SlackError> {
        let headers = [("authorization", format!("Bearer {token}")), ("content-type", "application/json; charset=utf-8".to_owned())];
        self.slack_post(method, &headers, serde_json::to_vec(body).expect("JSON serializes")).await
    }

    /// One Web API call with a form body (the read methods take no JSON).
    async fn slack_form(&self, token: &str, method: &str, form: &[(&str, &str)]) -> Result<Value, SlackError> {
        let body = form.iter().map(|(k, v)| format!("{k}={}", urlencode(v))).collect::<Vec<_>>().join("&");
        let headers = [("authorization", format!("Bearer {token}")), ("content-type", "application/x-www-form-urlencoded".to_owned())];
        self.slack_post(method, &headers, body.into_bytes()).await
    }

    async fn slack_post(&self, method: &str, headers: &[(&str, String)], body: Vec<u8>) -> Result<Value, SlackError> {
        let url = format!("{}/{method}", self.settings.integrations.slack_api_url.trim_end_matches('/'));
        let answer = self.outbound.post_reading(&url, headers, body, MAX_SLACK_ANSWER).await.map_err(|e| SlackError::Transient(format!("{e:?}")))?;
        if answer.status == 429 || answer.status >= 500 {
            return Err(SlackError::Transient(format!("HTTP {} (retry after {:?} s)", answer.status, answer.retry_after)));
        }
        let v: Value = serde_json::from_str(&answer.excerpt).map_err(|_| SlackError::Transient(format!("HTTP {}: not JSON", answer.status)))?;
        if v["ok"] == true {
            Ok(v)
        } else {
            Err(SlackError::Api(v["error"].as_str().unwrap_or("unknown_error").to_owned()))
        }
    }

    async fn post_ephemeral(&self, s: &SlackRow, channel: &str, user: &str, text: &str) {
        let body = json!({ "channel": channel, "user": user, "text": text });
        if let Err(e) = self.slack_call(&s.bot_token, "chat.postEphemeral", &body).await {
            tracing::info!(error = ?e, "a Slack ephemeral message was not shown");
        }
    }

    /// The organization's Slack connection (owners and admins).
    pub async fn slack_integration(&self, p: &Principal) -> ApiResult<Option<SlackRow>> {
        let a = super::admin(p)?;
        match self.store.slack(&a.org_id).await {
            Ok(s) => Ok(Some(s)),
            Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Connects a workspace, or changes the channel, mode or credentials: the token is
    /// checked with `auth.test`, and the channel by posting a hello into it.
    pub async fn connect_slack(&self, p: &Principal, input: SlackInput) -> ApiResult<SlackRow> {
        let a = super::admin(p)?;
        let org_id = a.org_id.clone();
        let current = match self.store.slack(&org_id).await {
            Ok(s) => Some(s),
            Err(StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        };
        let token =
            input.bot_token.or_else(|| current.as_ref().map(|c| c.bot_token.clone())).ok_or_else(|| ApiError::BadInput("botToken is required".into()))?;
        let secret = input
            .signing_secret
            .or_else(|| current.as_ref().map(|c| c.signing_secret.clone()))
            .ok_or_else(|| ApiError::BadInput("signingSecret is required".into()))?;
        let channel =
            input.channel_id.or_else(|| current.as_ref().map(|c| c.channel_id.clone())).ok_or_else(|| ApiError::BadInput("channelId is required".into()))?;
        let mode = input.mode.or_else(|| current.as_ref().map(|c| SlackMode::from_db(&c.mode))).unwrap_or(SlackMode::Threads);
        let token = token.trim().to_owned();
        let secret = secret.trim().to_owned();
        let channel = channel.trim().to_owned();
        if !(token.starts_with("xoxb-") && (10..=255).contains(&token.len()) && token.bytes().all(|b| b.is_ascii_graphic())) {
            return Err(ApiError::BadInput("botToken must be a bot token (xoxb-...)".into()));
        }
        if !((8..=128).contains(&secret.len()) && secret.bytes().all(|b| b.is_ascii_alphanumeric())) {
            return Err(ApiError::BadInput("signingSecret must be the app's signing secret".into()));
        }
        if !((2..=32).contains(&channel.len()) && channel.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())) {
            return Err(ApiError::BadInput("channelId must be a Slack channel id (C0123ABCD)".into()));
        }
        // Each attempt calls Slack twice.
        self.limit(&format!("slack-connect:{org_id}"), crate::ratelimit::Quota::per_window(20, std::time::Duration::from_secs(3600))).await?;
        let refused = |what: &str, e: SlackError| match e {
            SlackError::Api(code) => ApiError::BadInput(format!("Slack refused the {what}: {code}")),
            SlackError::Transient(why) => ApiError::unavailable(format!("Slack: {why}")),
        };
        let me = self.slack_call(&token, "auth.test", &json!({})).await.map_err(|e| refused("bot token", e))?;
        let hello = json!({
            "channel": channel,
            "text": match mode {
                SlackMode::Threads => "Chinwag is connected: new conversations will appear here, each as a thread. Reply in a thread to answer the visitor.",
                SlackMode::Alerts => "Chinwag is connected: new conversations will be announced here.",
            },
        });
        self.slack_call(&token, "chat.postMessage", &hello).await.map_err(|e| refused("channel (invite the app to it first)", e))?;
        let now = crate::time::now_ms();
        let row = SlackRow {
            org_id: org_id.clone(),
            team_id: me["team_id"].as_str().unwrap_or_default().to_owned(),
            team_name: me["team"].as_str().unwrap_or_default().chars().take(200).collect(),
            bot_user_id: me["user_id"].as_str().unwrap_or_default().to_owned(),
            bot_token: token,
            signing_secret: secret,
            channel_id: channel,
            mode: mode.as_str().to_owned(),
            created_at: current.as_ref().map(|c| c.created_at).unwrap_or(now),
            updated_at: now,
        };
        if current.as_ref().is_some_and(|c| c.channel_id != row.channel_id || c.team_id != row.team_id) {
            // Threads live in the old channel: conversations start new ones in the new.
            self.store.delete_slack_threads(&org_id).await?;
        }
        let row = self.store.put_slack(&row).await?;
        self.slacked.forget(&org_id);
        self.audit(p, "slack.connect", None).await?;
        Ok(row)
    }

    /// Disconnects the workspace; `true` if one was connected.
    pub async fn disconnect_slack(&self, p: &Principal) -> ApiResult<bool> {
        let a = super::admin(p)?;
        let gone = self.store.delete_slack(&a.org_id).await?;
        self.slacked.forget(&a.org_id);
        if gone {
            self.audit(p, "slack.disconnect", None).await?;
        }
        Ok(gone)
    }

    /// Brings the conversation's thread up to date: posts its root first (an alert in
    /// "alerts only" mode, and nothing more then), then each message, assignment and
    /// resolution not yet shown, in order.
    pub(super) async fn run_slack_sync(&self, job: JobRow) -> Outcome {
        let sync: Sync = payload(&job)?;
        let org_id = job.org_id.as_deref().unwrap_or_default();
        // One sync of a conversation at a time across the nodes (a trigger during a run
        // queues the next run, which another node may take at once): the other tries
        // again soon, and the holder's own run sees what it would have posted.
        let lease = crate::ids::random_token(16);
        let now = crate::time::now_ms();
        if !self.store.lease_slack_sync(&sync.conversation_id, &lease, now, now + SYNC_LEASE_MS).await.map_err(store_failed)? {
            let mut again = self.jobs.job_at(SLACK_SYNC, Some(org_id), &sync, self.jobs.now() + 500);
            again.key = Some(format!("slack:{}", sync.conversation_id));
            self.jobs.enqueue(&[again]).await.map_err(store_failed)?;
            return Ok(());
        }
        let outcome = self.slack_sync(org_id, &sync, &lease).await;
        if let Err(e) = self.store.release_slack_sync(&sync.conversation_id, &lease).await {
            // It lapses on its own.
            tracing::warn!(error = ?e, "releasing a Slack sync lease");
        }
        outcome
    }

    /// `run_slack_sync`'s work, under the lease `lease`.
    async fn slack_sync(&self, org_id: &str, sync: &Sync, lease: &str) -> Outcome {
        let s = match self.store.slack(org_id).await {
            Ok(s) => s,
            Err(StoreError::NotFound) => return Ok(()),
            Err(e) => return Err(store_failed(e)),
        };
        let mode = SlackMode::from_db(&s.mode);
        let conv = match self.store.conversation(org_id, &sync.conversation_id).await {
            Ok(c) => c,
            Err(StoreError::NotFound) => return Ok(()),
            Err(e) => return Err(store_failed(e)),
        };
        let thread = match self.store.slack_thread(&conv.id).await.map_err(store_failed)? {
            Some(t) if t.channel_id == s.channel_id => t,
            // Not posted yet (or posted to a channel since changed): a new root.
            _ => {
                let first = self.store.messages_between(&conv.id, 0, i64::MAX, 50).await.map_err(store_failed)?;
                let Some(opening) = first.iter().find(|m| m.sender_kind == SenderKind::Visitor) else { return Ok(()) };
                let root = self.slack_root(&s, &conv, &opening.body, mode).await.map_err(store_failed)?;
                let posted = self.slack_call(&s.bot_token, "chat.postMessage", &root).await.map_err(SlackError::retry)?;
                let ts = posted["ts"].as_str().unwrap_or_default().to_owned();
                let t = SlackThreadRow {
                    conversation_id: conv.id.clone(),
                    org_id: org_id.to_owned(),
                    channel_id: s.channel_id.clone(),
                    thread_ts: ts,
                    // The root shows the opening message and everything before it.
                    last_seq: opening.seq,
                    last_status: ConversationStatus::Open.as_str().to_owned(),
                    last_assignee: None,
                };
                self.store.put_slack_thread(&t, crate::time::now_ms()).await.map_err(store_failed)?
            }
        };
        if mode == SlackMode::Alerts {
            return Ok(());
        }
        let mut last_seq = thread.last_seq;
        let messages = self.store.messages_between(&conv.id, last_seq, i64::MAX, SYNC_BATCH).await.map_err(store_failed)?;
        let more = messages.len() as i64 == SYNC_BATCH;
        let mut names = std::collections::HashMap::new();
        let ids: Vec<String> = messages.iter().map(|m| m.id.clone()).collect();
        let attachments = self.store.attachments_of(org_id, &ids).await.map_err(store_failed)?;
        for m in &messages {
            // What came from Slack (an agent's message with Slack's id) is in the thread already.
            let from_slack = m.sender_kind == SenderKind::Agent && m.client_message_id.as_deref().is_some_and(|k| k.starts_with("slack:"));
            if !from_slack {
                let who = slack_escape(&self.sender_name(org_id, &conv, m.sender_kind, m.sender_id.as_deref(), &mut names).await);
                let files: Vec<_> = attachments.iter().filter(|a| a.message_id.as_deref() == Some(m.id.as_str())).collect();
                // The body as a quote: its lines cannot pass for lines of ours.
                let quoted = quote(&m.body);
                let mut text = if m.is_private { format!(":lock: *Private note by {who}*\n{quoted}") } else { format!("*{who}*\n{quoted}") };
                if !files.is_empty() {
                    let list: Vec<String> = files.iter().map(|f| slack_escape(&f.filename)).collect();
                    text.push_str(&format!("\n:paperclip: {}", list.join(", ")));
                }
                let text: String = text.chars().take(MAX_POSTED).collect();
                let body = json!({ "channel": thread.channel_id, "thread_ts": thread.thread_ts, "text": text, "unfurl_links": false, "unfurl_media": false });
                self.slack_call(&s.bot_token, "chat.postMessage", &body).await.map_err(SlackError::retry)?;
            }
            last_seq = m.seq;
            self.store.advance_slack_thread(&conv.id, last_seq, &thread.last_status, thread.last_assignee.as_deref()).await.map_err(store_failed)?;
            let now = crate::time::now_ms();
            if !self.store.lease_slack_sync(&conv.id, lease, now, now + SYNC_LEASE_MS).await.map_err(store_failed)? {
                // Stalled past the lease: another run has the thread now.
                return Ok(());
            }
        }
        // Assignment and status, as they are now.
        let mut told = Vec::new();
        if conv.assignee_id != thread.last_assignee {
            if let Some(a) = conv.assignee_id.as_deref() {
                let who = slack_escape(&self.sender_name(org_id, &conv, SenderKind::Agent, Some(a), &mut names).await);
                told.push(format!(":bust_in_silhouette: Assigned to *{who}*."));
            }
        }
        if conv.status.as_str() != thread.last_status {
            told.push(match conv.status {
                ConversationStatus::Resolved => ":white_check_mark: Resolved.".to_owned(),
                ConversationStatus::Pending => ":hourglass: Pending.".to_owned(),
                ConversationStatus::Open => ":arrows_counterclockwise: Reopened.".to_owned(),
            });
        }
        if !told.is_empty() {
            let body = json!({ "channel": thread.channel_id, "thread_ts": thread.thread_ts, "text": told.join(" ") });
            self.slack_call(&s.bot_token, "chat.postMessage", &body).await.map_err(SlackError::retry)?;
        }
        self.store.advance_slack_thread(&conv.id, last_seq, conv.status.as_str(), conv.assignee_id.as_deref()).await.map_err(store_failed)?;
        if more {
            let mut next = self.jobs.job(SLACK_SYNC, Some(org_id), &Sync { conversation_id: conv.id.clone() });
            next.key = Some(format!("slack:{}", conv.id));
            self.jobs.enqueue(&[next]).await.map_err(store_failed)?;
        }
        Ok(())
    }

    /// The thread's first message: who, where, what they asked, a link, and buttons.
    async fn slack_root(&self, s: &SlackRow, conv: &ConversationRow, opening: &str, mode: SlackMode) -> Result<Value, StoreError> {
        let site = self.store.website(&conv.org_id, &conv.website_id).await?;
        let visitor = self.store.visitor(&conv.org_id, &conv.visitor_id).await?;
        // Never the visitor's email: not everyone in a channel is an agent.
        let who = visitor.name.clone().unwrap_or_else(|| "A visitor".to_owned());
        let link = self.mailer.link(&format!("/app/inbox/unassigned/{}", conv.id));
        let opening_text: String = opening.chars().take(1_000).collect();
        let lead = format!("*{}* on *{}*: new conversation", slack_escape(&who), slack_escape(&site.name));
        let text = format!("{lead}\n{}", quote(&opening_text));
        let mut blocks = vec![
            json!({ "type": "section", "text": { "type": "mrkdwn", "text": text } }),
            json!({ "type": "context", "elements": [{ "type": "mrkdwn", "text": format!("`{}` · <{link}|Open in Chinwag>", conv.id) }] }),
        ];
        if mode == SlackMode::Threads {
            let button =
                |label: &str, action: &str| json!({ "type": "button", "text": { "type": "plain_text", "text": label }, "action_id": action, "value": conv.id });
            blocks.push(json!({ "type": "actions", "block_id": "chinwag", "elements": [
                button("Assign to me", "chinwag_assign_me"),
                button("Add private note", "chinwag_note"),
                button("Resolve", "chinwag_resolve"),
            ] }));
        }
        Ok(
            json!({ "channel": s.channel_id, "text": format!("{lead}: {}", slack_escape(&opening_text)), "blocks": blocks, "unfurl_links": false, "unfurl_media": false }),
        )
    }

    async fn sender_name(
        &self,
        org_id: &str,
        conv: &ConversationRow,
        kind: SenderKind,
        id: Option<&str>,
        names: &mut std::collections::HashMap<String, String>,
    ) -> String {
        let key = format!("{}:{}", kind.as_str(), id.unwrap_or(""));
        if let Some(n) = names.get(&key) {
            return n.clone();
        }
        let name = match kind {
            SenderKind::Agent => match id {
                Some(id) => self.store.agent_any(id).await.map(|a| a.name).unwrap_or_else(|_| "An agent".into()),
                None => "An agent".into(),
            },
            SenderKind::Visitor => self.store.visitor(org_id, &conv.visitor_id).await.ok().and_then(|v| v.name).unwrap_or_else(|| "Visitor".into()),
            SenderKind::Bot => "Bot".into(),
            SenderKind::System => "Chinwag".into(),
        };
        names.insert(key, name.clone());
        name
    }

    /// The agent a Slack user is (the same email, in this organization), if any.
    async fn slack_agent(&self, s: &SlackRow, user: &str) -> Result<Option<AgentRow>, (String, bool)> {
        let Some(email) = self.slack_email(s, user).await? else { return Ok(None) };
        let agent = self.store.agent_by_email(&email).await.map_err(store_failed)?;
        Ok(agent.filter(|a| a.org_id == s.org_id && a.removed_at.is_none()))
    }

    /// A Slack user's email (none for bots and deactivated users), asked of Slack at most
    /// every few minutes per user and node (`users.info` is rate limited per workspace).
    async fn slack_email(&self, s: &SlackRow, user: &str) -> Result<Option<String>, (String, bool)> {
        let key = format!("{}:{user}", s.team_id);
        if let Some((at, email)) = self.slack_users.lock().expect("slack users lock").get(&key) {
            if at.elapsed() < SLACK_USER_TTL {
                return Ok(email.clone());
            }
        }
        let info = self.slack_form(&s.bot_token, "users.info", &[("user", user)]).await.map_err(SlackError::retry)?;
        let email = if info["user"]["is_bot"] == true || info["user"]["deleted"] == true {
            None
        } else {
            info["user"]["profile"]["email"].as_str().map(|e| e.trim().to_lowercase())
        };
        let mut cache = self.slack_users.lock().expect("slack users lock");
        if cache.len() >= 10_000 {
            cache.clear();
        }
        cache.insert(key, (std::time::Instant::now(), email.clone()));
        Ok(email)
    }

    /// A reply in a conversation's thread: sent to the visitor as the agent who wrote it.
    pub(super) async fn run_slack_reply(&self, job: JobRow) -> Outcome {
        let r: ThreadReply = payload(&job)?;
        let org_id = job.org_id.as_deref().unwrap_or_default();
        let s = match self.store.slack(org_id).await {
            Ok(s) if SlackMode::from_db(&s.mode) == SlackMode::Threads => s,
            Ok(_) | Err(StoreError::NotFound) => return Ok(()),
            Err(e) => return Err(store_failed(e)),
        };
        let Some(thread) = self.store.slack_thread_by_ts(org_id, &r.channel, &r.thread_ts).await.map_err(store_failed)? else { return Ok(()) };
        let Some(agent) = self.slack_agent(&s, &r.user).await? else {
            let text = "Your reply did not reach the visitor: your Slack account's email is not an agent's in this Chinwag organization.";
            self.post_ephemeral(&s, &r.channel, &r.user, text).await;
            return Ok(());
        };
        let body = from_slack(&r.text);
        if body.trim().is_empty() {
            return Ok(());
        }
        let key = format!("slack:{}", r.ts);
        let send = Send { conversation_id: &thread.conversation_id, body: &body, client_message_id: Some(&key), is_private: false, attachment_ids: Vec::new() };
        match self.send_message(&agent_principal(&agent), send).await {
            Ok(_) => Ok(()),
            Err(ApiError::Unavailable(c)) => Err((format!("{c:?}"), false)),
            Err(ApiError::RateLimited { .. }) => Err(("rate limited".into(), false)),
            Err(e) => {
                self.post_ephemeral(&s, &r.channel, &r.user, &format!("Your reply did not reach the visitor: {}", e.message())).await;
                Ok(())
            }
        }
    }

    /// A button, shortcut, modal or command, as the Slack user's agent.
    pub(super) async fn run_slack_action(&self, job: JobRow) -> Outcome {
        let a: ActionJob = payload(&job)?;
        let org_id = job.org_id.as_deref().unwrap_or_default();
        let s = match self.store.slack(org_id).await {
            Ok(s) => s,
            Err(StoreError::NotFound) => return Ok(()),
            Err(e) => return Err(store_failed(e)),
        };
        if SlackMode::from_db(&s.mode) == SlackMode::Alerts {
            self.post_ephemeral(&s, &a.channel, &a.user, "Chinwag is connected in alerts-only mode here: act on conversations in the dashboard.").await;
            return Ok(());
        }
        let Some(agent) = self.slack_agent(&s, &a.user).await? else {
            self.post_ephemeral(&s, &a.channel, &a.user, "That needs a Chinwag agent: your Slack account's email is not one in this organization.").await;
            return Ok(());
        };
        let p = agent_principal(&agent);
        let done = match a.action {
            SlackAction::Resolve => self.set_conversation_status(&p, &a.conversation_id, ConversationStatus::Resolved).await.map(|_| "Resolved."),
            SlackAction::AssignMe => self.assign_conversation(&p, &a.conversation_id, Some(&agent.id), None).await.map(|_| "Assigned to you."),
            SlackAction::Note => {
                let body = from_slack(a.text.as_deref().unwrap_or_default());
                // The job's id: a run repeated after its commit adds no second note.
                let key = format!("slack-note:{}", job.id);
                let send =
                    Send { conversation_id: &a.conversation_id, body: &body, client_message_id: Some(&key), is_private: true, attachment_ids: Vec::new() };
                self.send_message(&p, send).await.map(|_| "Private note added.")
            }
        };
        match done {
            Ok(text) => {
                self.post_ephemeral(&s, &a.channel, &a.user, &format!("{text} (`{}`)", a.conversation_id)).await;
                Ok(())
            }
            Err(ApiError::Unavailable(c)) => Err((format!("{c:?}"), false)),
            Err(e) => {
                self.post_ephemeral(&s, &a.channel, &a.user, &format!("Chinwag could not do that: {}", e.message())).await;
                Ok(())
            }
        }
    }

    /// Opens the "private note" modal for a conversation (within Slack's 3 s of the click).
    pub async fn slack_note_modal(&self, s: &SlackRow, trigger_id: &str, conversation_id: &str) {
        let view = json!({
            "type": "modal",
            "callback_id": "chinwag_note",
            "private_metadata": conversation_id,
            "title": { "type": "plain_text", "text": "Private note" },
            "submit": { "type": "plain_text", "text": "Add note" },
            "close": { "type": "plain_text", "text": "Cancel" },
            "blocks": [{
                "type": "input",
                "block_id": "note",
                "label": { "type": "plain_text", "text": "Only your team sees this note" },
                "element": { "type": "plain_text_input", "action_id": "note_text", "multiline": true, "max_length": 3000 },
            }],
        });
        if let Err(e) = self.slack_call(&s.bot_token, "views.open", &json!({ "trigger_id": trigger_id, "view": view })).await {
            tracing::info!(error = ?e, "the Slack note modal did not open");
        }
    }

    /// Queues an action from Slack (answered at once; done as a job).
    pub async fn queue_slack_action(&self, org_id: &str, a: ActionJob) -> ApiResult<()> {
        let job: NewJob = self.jobs.job(SLACK_ACTION, Some(org_id), &a);
        Ok(self.jobs.enqueue(&[job]).await?)
    }

    /// Queues a thread reply once per Slack event id; `false` for a repeat.
    pub async fn queue_slack_reply(&self, org_id: &str, event_id: &str, r: ThreadReply) -> ApiResult<bool> {
        let job = self.jobs.job(SLACK_REPLY, Some(org_id), &r);
        let fresh = self.store.slack_event_once(org_id, event_id, &job, self.jobs.now()).await?;
        self.jobs.wake();
        Ok(fresh)
    }
}

/// A Slack app manifest (YAML) for an organization whose request URLs start at `base`
/// (`https://chat.example.com/integrations/slack/<org>`).
pub fn manifest(base: &str) -> String {
    format!(
        r#"_metadata:
  major_version: 1
  minor_version: 1
display_information:
  name: Chinwag
  description: Answer your website's visitors from Slack
features:
  bot_user:
    display_name: Chinwag
    always_online: true
  shortcuts:
    - name: Resolve conversation
      type: message
      callback_id: chinwag_resolve
      description: Resolve this thread's Chinwag conversation
    - name: Assign conversation to me
      type: message
      callback_id: chinwag_assign_me
      description: Take this thread's Chinwag conversation
    - name: Add private note
      type: message
      callback_id: chinwag_note
      description: A note only your team sees
  slash_commands:
    - command: /chinwag
      url: {base}/commands
      description: Resolve, assign or note a Chinwag conversation
      usage_hint: "resolve|assign|note <conversation> [text]"
      should_escape: false
oauth_config:
  scopes:
    bot:
      - chat:write
      - commands
      - users:read
      - users:read.email
      - channels:history
      - groups:history
settings:
  event_subscriptions:
    request_url: {base}/events
    bot_events:
      - message.channels
      - message.groups
  interactivity:
    is_enabled: true
    request_url: {base}/interactions
  org_deploy_enabled: false
  socket_mode_enabled: false
  token_rotation_enabled: false
"#
    )
}

/// Slack users' emails as last asked: `team:user` -> (when, email).
pub type SlackUsers = std::sync::Mutex<std::collections::HashMap<String, (std::time::Instant, Option<String>)>>;

/// The agent acting from Slack, as a principal.
fn agent_principal(a: &AgentRow) -> Principal {
    Principal::Agent(AgentPrincipal { id: a.id.clone(), org_id: a.org_id.clone(), role: a.role, epoch: a.token_epoch, expires_at: i64::MAX, ip: None })
}

/// Text for Slack's `mrkdwn`: `&`, `<` and `>` escaped (so a visitor's text cannot
/// mention `@channel` or forge links).
pub fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// A message body as a Slack quote (`>` before each line), escaped.
fn quote(body: &str) -> String {
    let lines: Vec<String> = slack_escape(body).lines().map(|l| format!(">{l}")).collect();
    if lines.is_empty() {
        ">".to_owned()
    } else {
        lines.join("\n")
    }
}

/// Slack's message text as plain text: links `<url|label>` become `label (url)`,
/// mentions `<@U1>` become `@U1`, and the three escapes are undone.
pub fn from_slack(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('>') else {
            out.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let inner = &rest[start + 1..start + end];
        let (target, label) = inner.split_once('|').unwrap_or((inner, ""));
        let shown = if let Some(special) = target.strip_prefix('!') {
            format!("@{}", special.split('^').next().unwrap_or(special))
        } else if target.starts_with('@') || target.starts_with('#') {
            if label.is_empty() {
                target.to_owned()
            } else {
                format!("{}{label}", &target[..1])
            }
        } else if label.is_empty() || label == target || label == target.trim_start_matches("mailto:") {
            target.trim_start_matches("mailto:").to_owned()
        } else {
            format!("{label} ({target})")
        };
        out.push_str(&shown);
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    out.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{from_slack, slack_escape};

    #[test]
    fn slack_text_becomes_plain_and_ours_cannot_mention_or_link() {
        assert_eq!(
            from_slack("See <https://shop.test/a?b=1&amp;c=2|the guide> &amp; <https://x.test>"),
            "See the guide (https://shop.test/a?b=1&c=2) & https://x.test"
        );
        assert_eq!(from_slack("<@U123> and <!here> in <#C1|support>, 1 &lt; 2"), "@U123 and @here in #support, 1 < 2");
        assert_eq!(from_slack("<mailto:a@b.test|a@b.test> <unclosed"), "a@b.test <unclosed");
        assert_eq!(slack_escape("<!channel> & <https://evil.test|bank>"), "&lt;!channel&gt; &amp; &lt;https://evil.test|bank&gt;");
    }
}
