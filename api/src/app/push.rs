//! Web Push for agents (docs/routing.md#web-push): a chat offered or assigned to an agent
//! wakes their phone or browser even with the dashboard closed. The dashboard's service
//! worker subscribes with the server's VAPID key (`webPushPublicKey`, made once and
//! shared by every node through the database); each assignment run enqueues a
//! `push.notify` job per subscription of the agents it gave chats to; the job encrypts
//! the notification for that subscription (RFC 8291) and posts it to the push service
//! through the outbound guard (`crate::outbound`). A subscription the push service says
//! is gone (404, 410) is dropped; 429 and 5xx are retried as the job's policy says.

use serde::{Deserialize, Serialize};
use tokio::sync::OnceCell;

use super::{App, ConversationRow};
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::jobs::{JobRow, NewJob, Outcome};
use crate::outbound::OutboundError;
use crate::push::Vapid;
use crate::time::now_ms;

pub const PUSH_NOTIFY: &str = "push.notify";
/// Subscriptions an agent keeps (their phone, their laptop, ...): the newest.
pub const MAX_SUBSCRIPTIONS: i64 = 10;

/// The VAPID key, read (or made) once per node.
#[derive(Default)]
pub struct VapidKey(OnceCell<Vapid>);

#[derive(Serialize, Deserialize)]
struct NotifyJob {
    subscription_id: String,
    conversation_id: String,
    /// An offer (else an assignment, or a test when `conversation_id` is empty).
    offer: bool,
}

/// What the service worker gets (decrypted), and shows.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Notification {
    /// `offer`, `assigned` or `test`.
    kind: &'static str,
    conversation_id: String,
    title: String,
    body: String,
    /// Unix ms: an offer ends then (the notification is stale after).
    expires_at: Option<i64>,
}

fn b64url_key(s: &str, len: usize) -> bool {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(s.trim_end_matches('=')).is_ok_and(|b| b.len() == len)
}

impl App {
    async fn vapid(&self) -> ApiResult<&Vapid> {
        self.vapid
            .0
            .get_or_try_init(|| async {
                use base64::Engine as _;
                let stored = self.store.server_secret("vapid", || Vapid::generate().pkcs8_b64()).await?;
                let der = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(stored).map_err(|e| ApiError::internal(format!("vapid key: {e}")))?;
                Vapid::from_pkcs8(&der).map_err(|e| ApiError::internal(format!("vapid key: {}", e.0)))
            })
            .await
    }

    /// The key a browser subscribes with (`applicationServerKey`), base64url.
    pub async fn web_push_public_key(&self, p: &Principal) -> ApiResult<String> {
        super::agent(p)?;
        Ok(self.vapid().await?.public_key())
    }

    /// Saves the agent's subscription (as `PushSubscription.toJSON()` gives it).
    pub async fn subscribe_web_push(&self, p: &Principal, endpoint: &str, p256dh: &str, auth: &str) -> ApiResult<()> {
        let a = super::agent(p)?;
        let url = reqwest::Url::parse(endpoint).map_err(|_| ApiError::BadInput("endpoint must be the push service's URL".into()))?;
        // Push services are https; plain http only where private targets are allowed
        // (a push service on the operator's own network, and tests).
        let scheme_ok = url.scheme() == "https" || (url.scheme() == "http" && self.settings.outbound_allow_private);
        if !scheme_ok || endpoint.len() > 1_000 || url.host_str().is_none() {
            return Err(ApiError::BadInput("endpoint must be an https URL of at most 1,000 characters".into()));
        }
        if !b64url_key(p256dh, 65) || !b64url_key(auth, 16) {
            return Err(ApiError::BadInput("p256dh and auth must be the subscription's keys (base64url, 65 and 16 bytes)".into()));
        }
        // Before the name is resolved: each subscription costs a lookup.
        self.limit(&format!("push-subscribe:{}", a.id), crate::ratelimit::Quota::per_window(20, std::time::Duration::from_secs(3600))).await?;
        // Refused at once when it could never be reached (a private address).
        self.outbound.checked(&url).await.map_err(|e| match e {
            OutboundError::Refused(_) => ApiError::BadInput("endpoint resolves to a private address".into()),
            OutboundError::BadUrl => ApiError::BadInput("endpoint must be an https URL".into()),
            OutboundError::Unreachable(m) => ApiError::BadInput(format!("endpoint does not resolve: {m}")),
        })?;
        self.store.save_push_subscription(&a.org_id, &a.id, endpoint, p256dh, auth, MAX_SUBSCRIPTIONS).await?;
        Ok(())
    }

    pub async fn unsubscribe_web_push(&self, p: &Principal, endpoint: &str) -> ApiResult<bool> {
        let a = super::agent(p)?;
        Ok(self.store.delete_push_subscription(&a.id, endpoint).await?)
    }

    /// Sends a test notification to each of the agent's subscriptions: how many.
    pub async fn test_web_push(&self, p: &Principal) -> ApiResult<i32> {
        let a = super::agent(p)?;
        self.limit(&format!("push-test:{}", a.id), crate::ratelimit::Quota::per_window(10, std::time::Duration::from_secs(3600))).await?;
        let subs = self.store.push_subscriptions_of(std::slice::from_ref(&a.id)).await?;
        let jobs: Vec<NewJob> = subs
            .iter()
            .map(|s| self.jobs.job(PUSH_NOTIFY, Some(&a.org_id), &NotifyJob { subscription_id: s.id.clone(), conversation_id: String::new(), offer: false }))
            .collect();
        self.jobs.enqueue(&jobs).await?;
        Ok(jobs.len() as i32)
    }

    /// After an assignment run: a job per subscription of each agent given (or offered)
    /// a chat.
    pub(super) async fn push_assignments(&self, rows: &[ConversationRow]) {
        let mut agents: Vec<String> = rows.iter().filter_map(|r| r.offered_to.clone().or_else(|| r.assignee_id.clone())).collect();
        agents.sort();
        agents.dedup();
        let subs = match self.store.push_subscriptions_of(&agents).await {
            Ok(s) => s,
            Err(e) => return tracing::warn!(error = ?e, "reading push subscriptions"),
        };
        if subs.is_empty() {
            return;
        }
        let mut jobs = Vec::new();
        for r in rows {
            let (agent, offer) = match (&r.offered_to, &r.assignee_id) {
                (Some(a), _) => (a, true),
                (None, Some(a)) => (a, false),
                (None, None) => continue,
            };
            for s in subs.iter().filter(|s| &s.agent_id == agent) {
                jobs.push(self.jobs.job(PUSH_NOTIFY, Some(&r.org_id), &NotifyJob { subscription_id: s.id.clone(), conversation_id: r.id.clone(), offer }));
            }
        }
        if let Err(e) = self.jobs.enqueue(&jobs).await {
            tracing::warn!(error = ?e, "enqueueing push notifications");
        }
    }

    /// One notification to one subscription, if it still says something true (the offer
    /// or the assignment still stands).
    pub(super) async fn run_push_notify(&self, job: JobRow) -> Outcome {
        let j: NotifyJob = super::outbox::payload(&job)?;
        let store_failed = |e: crate::store::StoreError| (format!("store: {e:?}"), false);
        let Some(sub) = self.store.push_subscription(&j.subscription_id).await.map_err(store_failed)? else { return Ok(()) };
        let note = if j.conversation_id.is_empty() {
            Notification {
                kind: "test",
                conversation_id: String::new(),
                title: "Chinwag".into(),
                body: "Notifications work on this device.".into(),
                expires_at: None,
            }
        } else {
            let conv = match self.store.conversation(&sub.org_id, &j.conversation_id).await {
                Ok(c) => c,
                Err(crate::store::StoreError::NotFound) => return Ok(()),
                Err(e) => return Err(store_failed(e)),
            };
            let still =
                if j.offer { conv.offered_to.as_deref() == Some(sub.agent_id.as_str()) } else { conv.assignee_id.as_deref() == Some(sub.agent_id.as_str()) };
            if !still {
                return Ok(());
            }
            let body: String = conv.last_message_preview.clone().unwrap_or_default().chars().take(120).collect();
            let (kind, title) = if j.offer { ("offer", "A chat is offered to you") } else { ("assigned", "A chat was assigned to you") };
            Notification { kind, conversation_id: conv.id.clone(), title: title.into(), body, expires_at: conv.offer_expires_at.filter(|_| j.offer) }
        };
        let ttl = note.expires_at.map_or(3_600, |at| ((at - now_ms()) / 1000).clamp(0, 3_600));
        let payload = serde_json::to_vec(&note).expect("notifications serialize");
        let body = crate::push::encrypt(&payload, &sub.p256dh, &sub.auth).map_err(|e| (format!("encrypt: {}", e.0), true))?;
        let vapid = self.vapid().await.map_err(|e| (format!("{e:?}"), false))?;
        let subject =
            self.settings.push_subject.clone().or_else(|| self.settings.public_url.clone()).unwrap_or_else(|| format!("http://{}", self.settings.listen));
        let auth = vapid.authorization(&sub.endpoint, &subject, now_ms() / 1000 + 12 * 3600).map_err(|e| (format!("vapid: {}", e.0), true))?;
        let headers = [
            ("content-encoding", "aes128gcm".to_owned()),
            ("content-type", "application/octet-stream".to_owned()),
            ("ttl", ttl.to_string()),
            ("urgency", "high".to_owned()),
            ("authorization", auth),
        ];
        match self.outbound.post(&sub.endpoint, &headers, body).await {
            Ok(a) if (200..300).contains(&a.status) => Ok(()),
            Ok(a) if a.status == 404 || a.status == 410 => {
                // Unsubscribed or expired: never again.
                self.store.drop_push_subscription(&sub.id).await.map_err(store_failed)?;
                Ok(())
            }
            Ok(a) if a.status == 429 || a.status >= 500 => Err((format!("push service answered {}: {}", a.status, a.excerpt), false)),
            Ok(a) => Err((format!("push service refused ({}): {}", a.status, a.excerpt), true)),
            Err(OutboundError::Refused(ip)) => Err((format!("endpoint resolves to {ip}, a private address"), true)),
            Err(e) => Err((format!("{e:?}"), false)),
        }
    }
}
