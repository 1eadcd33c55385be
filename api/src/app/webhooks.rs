//! Webhooks (docs/webhooks.md), per the Standard Webhooks specification.
//!
//! - **Outbox.** A change that is an event commits a `webhook.event` job with it (only
//!   in organizations with endpoints, known from a per-node cache), so a
//!   committed change always has its event and a rolled-back one never does.
//! - **Fan-out.** That job stores the event (kept 30 days) and one `webhook.deliver` job
//!   per endpoint that wants it, keyed `{endpoint}:{event}`, in one transaction.
//! - **Delivery.** Each attempt is signed with the endpoint's secret (and the previous
//!   one during a rotation), sent through the outbound guard, logged, and followed in
//!   the same transaction by the next attempt's job on the endpoint's schedule. The id
//!   in `webhook-id` is the event's, the same on every attempt, so receivers drop
//!   repeats (delivery is at least once).
//! - **Health.** 410 disables the endpoint; so do five days of failures and a backlog
//!   past `--webhook-backlog`; the owners get an email and other endpoints an
//!   `endpoint.disabled` event.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::outbox::store_failed;
use super::{App, ConversationRow, MessageRow};
use crate::auth::Principal;
use crate::domain::webhooks::{self as hooks, EventType, Verdict};
use crate::domain::ApiKeyScope;
use crate::error::{ApiError, ApiResult};
use crate::jobs::{JobRow, NewJob, Outcome};
use crate::outbound::OutboundError;
use crate::ratelimit::Quota;
use crate::store::{EndpointAfter, FollowUp, StoreError, WebhookAttemptRow, WebhookEndpointRow, WebhookEndpointWrite, WebhookEventRow, WEBHOOK_DELIVER};
use crate::time::rfc3339;

pub const WEBHOOK_EVENT: &str = "webhook.event";
/// Events "recover" sends again at most per call.
pub const MAX_RECOVER: i64 = 10_000;
/// How often a node counts the deliveries waiting per endpoint.
const BACKLOG_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// Events kept in memory per node (an event goes to each of its endpoints, read once).
const EVENT_CACHE: usize = 4096;
/// How long a node delivers with what it read of an endpoint.
const ENDPOINT_TTL: std::time::Duration = std::time::Duration::from_secs(1);
/// Successful attempts logged in one transaction at most.
const LOG_BATCH: usize = 512;
/// Fan-outs stored in one transaction at most.
const EVENT_BATCH: usize = 256;

type Logged = (WebhookAttemptRow, tokio::sync::oneshot::Sender<bool>);

/// A node's webhook state: the backlog per endpoint as last counted, recent events, and
/// the writer that logs successful attempts in batches.
#[derive(Default)]
pub struct Webhooks {
    backlogs: Mutex<(Option<Instant>, HashMap<String, i64>)>,
    counting: std::sync::atomic::AtomicBool,
    events: Mutex<HashMap<String, std::sync::Arc<WebhookEventRow>>>,
    endpoints: Mutex<HashMap<String, (Instant, std::sync::Arc<WebhookEndpointRow>)>>,
    /// Each organization's endpoints as the fan-out read them (`ENDPOINT_TTL`).
    org_endpoints: Mutex<HashMap<String, (Instant, OrgEndpoints)>>,
    log: tokio::sync::OnceCell<tokio::sync::mpsc::UnboundedSender<Logged>>,
    recorded: tokio::sync::OnceCell<tokio::sync::mpsc::UnboundedSender<Recorded>>,
}

/// An organization's endpoints, shared by the fan-outs that read them.
type OrgEndpoints = std::sync::Arc<Vec<WebhookEndpointRow>>;

/// An event and its deliveries to store, and who waits for the commit.
type Recorded = ((WebhookEventRow, Vec<NewJob>), tokio::sync::oneshot::Sender<bool>);

/// Stores fan-outs in batches: the events of many concurrent fan-outs and their
/// deliveries in one transaction of two statements.
async fn record_events(store: crate::store::Store, now: impl Fn() -> i64, mut rx: tokio::sync::mpsc::UnboundedReceiver<Recorded>) {
    let mut batch = Vec::new();
    while rx.recv_many(&mut batch, EVENT_BATCH).await > 0 {
        let (rows, waiting): (Vec<_>, Vec<_>) = batch.drain(..).unzip();
        let ok = match store.record_webhook_events(&rows, now()).await {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(error = ?e, "webhooks: cannot store events");
                false
            }
        };
        for done in waiting {
            let _ = done.send(ok);
        }
    }
}

/// Writes successful attempts in batches: one commit (one fsync on SQLite) for many.
async fn log_successes(store: crate::store::Store, mut rx: tokio::sync::mpsc::UnboundedReceiver<Logged>) {
    let mut batch = Vec::new();
    while rx.recv_many(&mut batch, LOG_BATCH).await > 0 {
        let rows: Vec<WebhookAttemptRow> = batch.iter().map(|(r, _)| r.clone()).collect();
        let ok = match store.record_webhook_successes(&rows).await {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(error = ?e, "webhooks: cannot log attempts");
                false
            }
        };
        for (_, done) in batch.drain(..) {
            let _ = done.send(ok);
        }
    }
}

/// An event, committed with its change: what the fan-out stores and delivers.
#[derive(Serialize, Deserialize)]
struct EventJob {
    id: String,
    #[serde(rename = "type")]
    event_type: String,
    /// Unix ms (the store's clock).
    at: i64,
    data: Value,
    /// Only to this endpoint (a test event), whatever its filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    endpoint: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct DeliverJob {
    event_id: String,
    endpoint_id: String,
    attempt: u32,
    #[serde(default)]
    manual: bool,
}

/// An endpoint as an owner writes it.
pub struct EndpointInput {
    pub url: Option<String>,
    pub description: Option<String>,
    pub event_types: Option<Vec<EventType>>,
    pub rate_limit: Option<Option<i64>>,
    pub enabled: Option<bool>,
}

/// A job for an event of `t` with `data`, due at `now` (the jobs' clock).
pub(crate) fn event_job(org_id: &str, t: EventType, data: Value, now: i64) -> NewJob {
    let e = EventJob { id: crate::ids::new_id("evt"), event_type: t.as_str().to_owned(), at: crate::time::now_ms(), data, endpoint: None };
    NewJob { kind: WEBHOOK_EVENT, key: None, org_id: Some(org_id.to_owned()), payload: serde_json::to_string(&e).expect("events serialize"), run_at: now }
}

fn time(ms: Option<i64>) -> Value {
    ms.map_or(Value::Null, |t| Value::String(rfc3339(t)))
}

/// A conversation as events carry it (the API's field names and enum spellings).
pub(crate) fn conversation_data(c: &ConversationRow) -> Value {
    json!({
        "id": c.id,
        "websiteId": c.website_id,
        "visitorId": c.visitor_id,
        "status": c.status.as_str().to_uppercase(),
        "assigneeId": c.assignee_id,
        "departmentId": c.department_id,
        "priority": format!("{:?}", crate::domain::Priority::from_rank(c.priority)).to_uppercase(),
        "routedBy": c.routed_by,
        "isOffline": c.is_offline,
        "createdAt": rfc3339(c.created_at),
        "firstResponseAt": time(c.first_response_at),
        "resolvedAt": time(c.resolved_at),
        "rating": c.rating,
    })
}

/// A message as events carry it; a body past `MAX_BODY_BYTES` is cut (read it whole
/// with the API's `messages`).
pub(crate) fn message_data(m: &MessageRow) -> Value {
    let mut end = m.body.len().min(hooks::MAX_BODY_BYTES);
    while !m.body.is_char_boundary(end) {
        end -= 1;
    }
    json!({
        "id": m.id,
        "conversationId": m.conversation_id,
        "seq": m.seq,
        "senderKind": m.sender_kind.as_str().to_uppercase(),
        "senderId": m.sender_id,
        "body": &m.body[..end],
        "bodyTruncated": end < m.body.len(),
        "isPrivate": m.is_private,
        "createdAt": rfc3339(m.created_at),
    })
}

/// The events a new message makes: `message.created`, and `conversation.created` when it
/// put the conversation in the queue.
pub(crate) fn message_events(m: &MessageRow, conv: &ConversationRow, became_queued: bool, now: i64) -> Vec<NewJob> {
    let mut jobs = Vec::with_capacity(2);
    if became_queued {
        jobs.push(event_job(&conv.org_id, EventType::ConversationCreated, json!({ "conversation": conversation_data(conv) }), now));
    }
    jobs.push(event_job(&conv.org_id, EventType::MessageCreated, json!({ "message": message_data(m), "conversation": conversation_data(conv) }), now));
    jobs
}

/// What a message commits with it: the offline email (`outbox`), the automations' job
/// when the organization has automations, its events when it has endpoints.
pub(crate) fn follow_up(automated: bool, hooked: bool) -> FollowUp {
    match (automated, hooked) {
        (false, false) => super::outbox::after_message,
        (true, false) => super::automation::after_visitor_message,
        (false, true) => hooked_message,
        (true, true) => hooked_visitor_message,
    }
}

fn hooked_message(m: &MessageRow, conv: &ConversationRow, became_queued: bool, now: i64) -> Vec<NewJob> {
    let mut jobs = super::outbox::after_message(m, conv, became_queued, now);
    jobs.extend(message_events(m, conv, became_queued, now));
    jobs
}

fn hooked_visitor_message(m: &MessageRow, conv: &ConversationRow, became_queued: bool, now: i64) -> Vec<NewJob> {
    let mut jobs = super::automation::after_visitor_message(m, conv, became_queued, now);
    jobs.extend(message_events(m, conv, became_queued, now));
    jobs
}

/// The event of a conversation after a change.
pub(crate) fn conversation_event(t: EventType, conv: &ConversationRow, now: i64) -> NewJob {
    let mut data = json!({ "conversation": conversation_data(conv) });
    if t == EventType::RatingReceived {
        data["rating"] = json!({ "score": conv.rating, "comment": conv.rating_comment });
    }
    event_job(&conv.org_id, t, data, now)
}

impl App {
    /// Whether the organization has an endpoint, enabled or not: events are recorded
    /// while one is disabled, so that it can recover them (cached per node; changes on
    /// this node apply at once, on others within `OrgFlag::TTL`).
    pub(crate) async fn hooked(&self, org_id: &str) -> bool {
        self.hooked.get(org_id, async { Ok(self.store.webhook_endpoint_count(org_id).await? > 0) }).await
    }

    /// The conversation event's job when the organization has endpoints: for the store
    /// calls that commit it with the change.
    pub(crate) async fn conversation_events(&self, org_id: &str, t: EventType) -> Option<Box<dyn Fn(&ConversationRow) -> Vec<NewJob> + Send + Sync>> {
        if !self.hooked(org_id).await {
            return None;
        }
        let now = self.jobs.now();
        Some(Box::new(move |c: &ConversationRow| vec![conversation_event(t, c, now)]))
    }

    // ---- endpoints ----

    pub async fn webhook_endpoints(&self, p: &Principal) -> ApiResult<Vec<WebhookEndpointRow>> {
        let org_id = super::manager(p, ApiKeyScope::WebhooksManage)?;
        Ok(self.store.webhook_endpoints(org_id).await?)
    }

    pub async fn webhook_endpoint(&self, p: &Principal, id: &str) -> ApiResult<WebhookEndpointRow> {
        let org_id = super::manager(p, ApiKeyScope::WebhooksManage)?;
        self.store.webhook_endpoint(org_id, id).await.map_err(|e| super::accounts::not_found(e, "webhook endpoint"))
    }

    /// Refuses a URL that could never be delivered to: one that resolves to a private
    /// address (unless the operator allows them). Checked again at every delivery.
    async fn reachable(&self, url: &str) -> ApiResult<()> {
        let parsed = reqwest::Url::parse(url).map_err(|_| ApiError::BadInput("url must be an absolute http or https URL".into()))?;
        self.outbound.checked(&parsed).await.map(|_| ()).map_err(|e| match e {
            OutboundError::Refused(ip) => ApiError::BadInput(format!("url resolves to {ip}, a private address; webhooks go to public addresses")),
            OutboundError::BadUrl => ApiError::BadInput("url must be an absolute http or https URL".into()),
            OutboundError::Unreachable(m) => ApiError::BadInput(format!("url does not resolve: {m}")),
        })
    }

    fn endpoint_write(&self, i: &EndpointInput) -> ApiResult<WebhookEndpointWrite> {
        Ok(WebhookEndpointWrite {
            url: i.url.as_deref().map(hooks::parse_url).transpose()?,
            description: i.description.as_deref().map(hooks::parse_description).transpose()?,
            event_types: i.event_types.as_deref().map(hooks::parse_filter),
            rate_limit: i.rate_limit.map(|r| r.map(hooks::parse_rate_limit).transpose()).transpose()?,
            enabled: i.enabled,
        })
    }

    pub async fn create_webhook_endpoint(&self, p: &Principal, i: EndpointInput) -> ApiResult<WebhookEndpointRow> {
        let org_id = super::manager(p, ApiKeyScope::WebhooksManage)?;
        let w = self.endpoint_write(&i)?;
        let url = w.url.clone().ok_or_else(|| ApiError::BadInput("url is required".into()))?;
        // Before the name is resolved: each save costs a lookup.
        self.limit(&format!("webhook-save:{org_id}"), Quota::per_window(60, std::time::Duration::from_secs(3600))).await?;
        self.reachable(&url).await?;
        let id = crate::ids::new_id("whe");
        let row = self
            .store
            .create_webhook_endpoint(org_id, &id, &hooks::new_secret(), w, hooks::MAX_ENDPOINTS as i64)
            .await?
            .ok_or(ApiError::PlanLimit("an organization has at most 20 webhook endpoints"))?;
        self.hooked.forget(org_id);
        self.forget_endpoint(&row.id);
        self.audit(p, "webhook.create", Some(&row.id)).await?;
        Ok(row)
    }

    pub async fn update_webhook_endpoint(&self, p: &Principal, id: &str, i: EndpointInput) -> ApiResult<WebhookEndpointRow> {
        let org_id = super::manager(p, ApiKeyScope::WebhooksManage)?;
        let w = self.endpoint_write(&i)?;
        self.store.webhook_endpoint(org_id, id).await.map_err(|e| super::accounts::not_found(e, "webhook endpoint"))?;
        if let Some(url) = &w.url {
            self.limit(&format!("webhook-save:{org_id}"), Quota::per_window(60, std::time::Duration::from_secs(3600))).await?;
            self.reachable(url).await?;
        }
        let row = self.store.update_webhook_endpoint(org_id, id, w).await.map_err(|e| super::accounts::not_found(e, "webhook endpoint"))?;
        self.forget_endpoint(id);
        self.audit(p, "webhook.update", Some(id)).await?;
        Ok(row)
    }

    pub async fn delete_webhook_endpoint(&self, p: &Principal, id: &str) -> ApiResult<()> {
        let org_id = super::manager(p, ApiKeyScope::WebhooksManage)?;
        self.store.delete_webhook_endpoint(org_id, id).await.map_err(|e| super::accounts::not_found(e, "webhook endpoint"))?;
        self.forget_endpoint(id);
        self.hooked.forget(org_id);
        self.audit(p, "webhook.delete", Some(id)).await?;
        Ok(())
    }

    /// A new secret; the old one keeps signing (a second signature) for `overlap`.
    pub async fn rotate_webhook_secret(&self, p: &Principal, id: &str, overlap: std::time::Duration) -> ApiResult<WebhookEndpointRow> {
        let org_id = super::manager(p, ApiKeyScope::WebhooksManage)?;
        if overlap > std::time::Duration::from_secs(7 * 24 * 3600) {
            return Err(ApiError::BadInput("overlapHours must be at most 168 (a week)".into()));
        }
        let until = crate::time::now_ms() + overlap.as_millis() as i64;
        let row =
            self.store.rotate_webhook_secret(org_id, id, &hooks::new_secret(), until).await.map_err(|e| super::accounts::not_found(e, "webhook endpoint"))?;
        self.forget_endpoint(id);
        self.audit(p, "webhook.rotate_secret", Some(id)).await?;
        Ok(row)
    }

    /// Sends a `webhook.test` event to the endpoint (enabled or not): its id.
    pub async fn test_webhook_endpoint(&self, p: &Principal, id: &str) -> ApiResult<String> {
        let org_id = super::manager(p, ApiKeyScope::WebhooksManage)?;
        let ep = self.store.webhook_endpoint(org_id, id).await.map_err(|e| super::accounts::not_found(e, "webhook endpoint"))?;
        self.limit(&format!("webhook-test:{org_id}"), Quota::per_window(30, std::time::Duration::from_secs(60))).await?;
        let mut job = event_job(org_id, EventType::WebhookTest, json!({ "endpointId": ep.id, "message": "A test event from Chinwag." }), self.jobs.now());
        let mut e: EventJob = serde_json::from_str(&job.payload).expect("just serialized");
        e.endpoint = Some(ep.id.clone());
        job.payload = serde_json::to_string(&e).expect("events serialize");
        self.jobs.enqueue(&[job]).await?;
        Ok(e.id)
    }

    /// Sends the attempt's event again to its endpoint, now (a manual attempt).
    pub async fn replay_webhook_attempt(&self, p: &Principal, attempt_id: &str) -> ApiResult<WebhookAttemptRow> {
        let org_id = super::manager(p, ApiKeyScope::WebhooksManage)?;
        let a = self.store.webhook_attempt(org_id, attempt_id).await.map_err(|e| super::accounts::not_found(e, "webhook attempt"))?;
        let ep = self.store.webhook_endpoint(org_id, &a.endpoint_id).await.map_err(|e| super::accounts::not_found(e, "webhook endpoint"))?;
        if ep.disabled_at.is_some() {
            return Err(ApiError::BadInput("the endpoint is disabled; enable it first".into()));
        }
        self.limit(&format!("webhook-test:{org_id}"), Quota::per_window(30, std::time::Duration::from_secs(60))).await?;
        let job = self.delivery(org_id, &a.event_id, &a.endpoint_id, 1, true, self.jobs.now());
        self.jobs.enqueue(&[job]).await?;
        Ok(a)
    }

    /// Sends again every event since `since` (at most 30 days back) that the endpoint
    /// wants and has not received: how many.
    pub async fn recover_webhook_endpoint(&self, p: &Principal, id: &str, since: i64) -> ApiResult<i64> {
        let org_id = super::manager(p, ApiKeyScope::WebhooksManage)?;
        let ep = self.store.webhook_endpoint(org_id, id).await.map_err(|e| super::accounts::not_found(e, "webhook endpoint"))?;
        if ep.disabled_at.is_some() {
            return Err(ApiError::BadInput("the endpoint is disabled; enable it first".into()));
        }
        let oldest = crate::time::now_ms() - hooks::KEPT_DAYS * 86_400_000;
        if since < oldest {
            return Err(ApiError::BadInput("since must be within the last 30 days (events are kept 30 days)".into()));
        }
        self.limit(&format!("webhook-recover:{org_id}"), Quota::per_window(10, std::time::Duration::from_secs(3600))).await?;
        // Not what happened before the endpoint existed.
        let events = self.store.webhook_events_to_recover(org_id, id, since.max(ep.created_at), MAX_RECOVER, self.jobs.now()).await?;
        let now = self.jobs.now();
        let jobs: Vec<NewJob> = events
            .iter()
            .filter(|e| EventType::parse(&e.event_type).is_some_and(|t| t != EventType::WebhookTest && hooks::wants(&ep.event_types, t)))
            .map(|e| self.delivery(org_id, &e.id, id, 1, true, now))
            .collect();
        for chunk in jobs.chunks(1000) {
            self.jobs.enqueue(chunk).await?;
        }
        self.audit(p, "webhook.recover", Some(id)).await?;
        Ok(jobs.len() as i64)
    }

    /// The endpoint's delivery log, newest first.
    pub async fn webhook_attempts(&self, p: &Principal, endpoint_id: &str, before: Option<(i64, String)>, limit: i64) -> ApiResult<Vec<WebhookAttemptRow>> {
        let org_id = super::manager(p, ApiKeyScope::WebhooksManage)?;
        self.store.webhook_endpoint(org_id, endpoint_id).await.map_err(|e| super::accounts::not_found(e, "webhook endpoint"))?;
        Ok(self.store.webhook_attempts(endpoint_id, before, limit.clamp(1, 100)).await?)
    }

    // ---- jobs ----

    fn delivery(&self, org_id: &str, event_id: &str, endpoint_id: &str, attempt: u32, manual: bool, run_at: i64) -> NewJob {
        let mut job = self.jobs.job_at(
            WEBHOOK_DELIVER,
            Some(org_id),
            &DeliverJob { event_id: event_id.to_owned(), endpoint_id: endpoint_id.to_owned(), attempt, manual },
            run_at,
        );
        debug_assert_eq!(endpoint_id.len(), crate::store::ENDPOINT_ID_LEN, "backlogs count keys by this prefix");
        // A manual attempt has a key of its own: it never replaces a scheduled retry.
        job.key = Some(if manual { format!("{endpoint_id}:{event_id}:manual") } else { format!("{endpoint_id}:{event_id}") });
        job
    }

    /// The deliveries waiting per endpoint, counted at most every few seconds per node.
    async fn backlog(&self, endpoint_id: &str) -> i64 {
        let stale = self.webhooks.backlogs.lock().expect("backlog lock").0.is_none_or(|at| at.elapsed() >= BACKLOG_EVERY);
        // One count at a time per node; the others use the last one meanwhile.
        if stale && !self.webhooks.counting.swap(true, std::sync::atomic::Ordering::SeqCst) {
            match self.store.webhook_backlogs().await {
                Ok(rows) => *self.webhooks.backlogs.lock().expect("backlog lock") = (Some(Instant::now()), rows.into_iter().collect()),
                Err(e) => tracing::warn!(error = ?e, "webhooks: cannot count backlogs"),
            }
            self.webhooks.counting.store(false, std::sync::atomic::Ordering::SeqCst);
        }
        self.webhooks.backlogs.lock().expect("backlog lock").1.get(endpoint_id).copied().unwrap_or(0)
    }

    /// Stores the event and a delivery per endpoint that wants it.
    pub(super) async fn run_webhook_event(&self, job: JobRow) -> Outcome {
        let e: EventJob = super::outbox::payload(&job)?;
        let org_id = job.org_id.clone().unwrap_or_default();
        let Some(t) = EventType::parse(&e.event_type) else { return Err((format!("unknown event type {}", e.event_type), true)) };
        let endpoints = self.fan_out_endpoints(&org_id).await.map_err(store_failed)?;
        let mut deliveries = Vec::new();
        for ep in endpoints.iter() {
            let chosen = match &e.endpoint {
                Some(only) => *only == ep.id,
                None => ep.disabled_at.is_none() && hooks::wants(&ep.event_types, t),
            };
            if !chosen {
                continue;
            }
            if e.endpoint.is_none() && self.backlog(&ep.id).await >= self.settings.jobs.webhook_backlog {
                let reason = format!("more than {} deliveries waiting", self.settings.jobs.webhook_backlog);
                self.endpoint_disabled(ep, &reason).await.map_err(store_failed)?;
                continue;
            }
            deliveries.push(self.delivery(&org_id, &e.id, &ep.id, 1, false, self.jobs.now()));
        }
        let payload = json!({ "type": e.event_type, "timestamp": rfc3339(e.at), "data": e.data }).to_string();
        let row = WebhookEventRow { id: e.id, org_id, event_type: e.event_type, payload, created_at: e.at };
        let row = self.record_event(row, deliveries).await?;
        let delivering = row.1;
        let row = row.0;
        if delivering {
            let mut cache = self.webhooks.events.lock().expect("events lock");
            if cache.len() >= EVENT_CACHE {
                cache.clear();
            }
            cache.insert(row.id.clone(), std::sync::Arc::new(row));
            self.jobs.wake();
        }
        Ok(())
    }

    /// Stores the event with its deliveries (in the node's next batch); the event, and
    /// whether it has deliveries.
    async fn record_event(&self, row: WebhookEventRow, deliveries: Vec<NewJob>) -> Result<(WebhookEventRow, bool), (String, bool)> {
        let tx = self
            .webhooks
            .recorded
            .get_or_init(|| async {
                let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
                let jobs = self.jobs.clone();
                tokio::spawn(record_events(self.store.clone(), move || jobs.now(), rx));
                tx
            })
            .await;
        let delivering = !deliveries.is_empty();
        let (done, stored) = tokio::sync::oneshot::channel();
        // The batch owns the row until it is stored; the cache gets its own copy.
        let kept = row.clone();
        if tx.send(((row, deliveries), done)).is_err() || !stored.await.unwrap_or(false) {
            return Err(("webhooks: the event could not be stored".into(), false));
        }
        Ok((kept, delivering))
    }

    /// The organization's endpoints for a fan-out, read at most once per `ENDPOINT_TTL`
    /// per node (changes on this node apply at once).
    async fn fan_out_endpoints(&self, org_id: &str) -> Result<OrgEndpoints, StoreError> {
        if let Some((at, eps)) = self.webhooks.org_endpoints.lock().expect("endpoints lock").get(org_id) {
            if at.elapsed() < ENDPOINT_TTL {
                return Ok(eps.clone());
            }
        }
        let eps = std::sync::Arc::new(self.store.webhook_endpoints(org_id).await?);
        let mut cache = self.webhooks.org_endpoints.lock().expect("endpoints lock");
        if cache.len() >= EVENT_CACHE {
            cache.clear();
        }
        cache.insert(org_id.to_owned(), (Instant::now(), eps.clone()));
        Ok(eps)
    }

    /// One attempt: signed, sent, logged with what follows.
    pub(super) async fn run_webhook_deliver(&self, job: JobRow) -> Outcome {
        let d: DeliverJob = super::outbox::payload(&job)?;
        let org_id = job.org_id.clone().unwrap_or_default();
        let ep = match self.delivery_endpoint(&org_id, &d.endpoint_id).await {
            Ok(ep) => ep,
            Err(StoreError::NotFound) => return Ok(()),
            Err(e) => return Err(store_failed(e)),
        };
        // The fan-out's first attempts share the event it just stored; retries and
        // replays read it again (it may have been erased since).
        let cached = if d.attempt == 1 && !d.manual { self.webhooks.events.lock().expect("events lock").get(&d.event_id).cloned() } else { None };
        let event = match cached {
            Some(ev) if ev.org_id == org_id => ev,
            _ => match self.store.webhook_event(&org_id, &d.event_id).await {
                Ok(ev) => std::sync::Arc::new(ev),
                Err(StoreError::NotFound) => return Ok(()),
                Err(e) => return Err(store_failed(e)),
            },
        };
        let test = event.event_type == EventType::WebhookTest.as_str();
        if ep.disabled_at.is_some() && !test {
            return Ok(());
        }
        if let Some(rate) = ep.rate_limit {
            // The endpoint's own setting: it holds with the server's rate limits off.
            if let Err(wait) = self.limiter.check(&format!("webhook-rate:{}", ep.id), Quota::per_second(rate as u32, rate as u32)).await {
                // Not an attempt: due again when the endpoint's rate allows.
                let mut again = self.delivery(&org_id, &d.event_id, &d.endpoint_id, d.attempt, d.manual, self.jobs.now() + (wait.as_millis() as i64).max(20));
                again.key = job.key.clone();
                self.jobs.enqueue(&[again]).await.map_err(store_failed)?;
                return Ok(());
            }
        }
        let sent_at = crate::time::now_ms();
        let timestamp = sent_at / 1000;
        let headers = [
            ("content-type", "application/json".to_owned()),
            ("user-agent", "Chinwag-Webhooks/1".to_owned()),
            ("webhook-id", event.id.clone()),
            ("webhook-timestamp", timestamp.to_string()),
            ("webhook-signature", hooks::signature_header(&ep.signing_secrets(sent_at), &event.id, timestamp, event.payload.as_bytes())),
        ];
        let started = Instant::now();
        let (status, retry_after, response) = match self.outbound.post(&ep.url, &headers, event.payload.clone().into_bytes()).await {
            Ok(a) => (Some(a.status), a.retry_after, a.excerpt),
            Err(OutboundError::Refused(ip)) => (None, None, format!("refused: {ip} is not a public address")),
            Err(OutboundError::BadUrl) => (None, None, "refused: not an http(s) URL".to_owned()),
            Err(OutboundError::Unreachable(m)) => (None, None, m),
        };
        let latency_ms = started.elapsed().as_millis() as i64;
        let now = self.jobs.now();
        let verdict = hooks::after_attempt(status, retry_after, d.attempt, &self.settings.jobs.webhook_schedule.0, now, crate::jobs::random_unit());
        // A manual attempt is one try: the schedule's attempts are the automatic ones.
        let verdict = if d.manual {
            if let Verdict::RetryAt(_) = verdict {
                Verdict::Exhausted
            } else {
                verdict
            }
        } else {
            verdict
        };
        // A failure (rare) reads the endpoint afresh: how long it has been failing is
        // not something to take from a cached copy.
        let failing_since = match verdict {
            Verdict::Succeeded => None,
            _ => {
                self.forget_endpoint(&ep.id);
                self.store.webhook_endpoint(&org_id, &ep.id).await.ok().and_then(|e| e.failing_since)
            }
        };
        let failing_too_long = failing_since.is_some_and(|t| now - t >= hooks::DISABLE_AFTER.as_millis() as i64);
        let after = match verdict {
            Verdict::Succeeded => EndpointAfter::Healthy,
            Verdict::Gone => EndpointAfter::Disable("the receiver answered 410 Gone".into()),
            _ if failing_too_long && !test => EndpointAfter::Disable("every delivery failed for five days".into()),
            _ => EndpointAfter::Failing,
        };
        let next = match (verdict, &after) {
            (Verdict::RetryAt(at), EndpointAfter::Failing) => {
                let mut job = self.delivery(&org_id, &d.event_id, &d.endpoint_id, d.attempt + 1, false, at);
                job.key = Some(format!("{}:{}", d.endpoint_id, d.event_id));
                Some(job)
            }
            _ => None,
        };
        let attempt = WebhookAttemptRow {
            id: crate::ids::new_id("wha"),
            org_id: org_id.clone(),
            endpoint_id: ep.id.clone(),
            event_id: event.id.clone(),
            event_type: event.event_type.clone(),
            attempt: d.attempt as i64,
            outcome: verdict.outcome().to_owned(),
            status: status.map(i64::from),
            latency_ms,
            response: response.chars().take(1000).collect(),
            next_attempt_at: next.as_ref().map(|j| j.run_at),
            manual: d.manual,
            created_at: now,
        };
        let disable = match &after {
            EndpointAfter::Disable(reason) => Some(reason.clone()),
            _ => None,
        };
        if let EndpointAfter::Healthy = after {
            // The common case, logged in batches; the job completes once its row is in.
            return self.log_success(attempt).await;
        }
        self.store.record_webhook_attempt(&attempt, next.as_ref(), after).await.map_err(store_failed)?;
        if let Some(reason) = disable {
            self.endpoint_disabled(&ep, &reason).await.map_err(store_failed)?;
        }
        Ok(())
    }

    /// The endpoint a delivery goes to, read at most every `ENDPOINT_TTL` per node (a
    /// change on this node applies at once; on another, within it).
    async fn delivery_endpoint(&self, org_id: &str, id: &str) -> Result<std::sync::Arc<WebhookEndpointRow>, StoreError> {
        if let Some((at, ep)) = self.webhooks.endpoints.lock().expect("endpoints lock").get(id) {
            // A disabled copy is read again: it may have been enabled on another node.
            if at.elapsed() < ENDPOINT_TTL && ep.org_id == org_id && ep.disabled_at.is_none() {
                return Ok(ep.clone());
            }
        }
        let ep = std::sync::Arc::new(self.store.webhook_endpoint(org_id, id).await?);
        let mut cache = self.webhooks.endpoints.lock().expect("endpoints lock");
        if cache.len() >= EVENT_CACHE {
            cache.clear();
        }
        cache.insert(id.to_owned(), (Instant::now(), ep.clone()));
        Ok(ep)
    }

    /// Forgets what this node read about an endpoint (it changed here).
    fn forget_endpoint(&self, id: &str) {
        self.webhooks.endpoints.lock().expect("endpoints lock").remove(id);
        // Which organization it was is not known here: the fan-outs read again.
        self.webhooks.org_endpoints.lock().expect("endpoints lock").clear();
    }

    async fn log_success(&self, attempt: WebhookAttemptRow) -> Outcome {
        let tx = self
            .webhooks
            .log
            .get_or_init(|| async {
                let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
                tokio::spawn(log_successes(self.store.clone(), rx));
                tx
            })
            .await;
        let (done, logged) = tokio::sync::oneshot::channel();
        if tx.send((attempt, done)).is_err() || !logged.await.unwrap_or(false) {
            // Delivered but not logged: the job runs again (at least once).
            return Err(("webhooks: the attempt could not be logged".into(), false));
        }
        Ok(())
    }

    /// Disables an endpoint (once): the owners get an email, the other endpoints an
    /// `endpoint.disabled` event.
    async fn endpoint_disabled(&self, ep: &WebhookEndpointRow, reason: &str) -> Result<(), StoreError> {
        let changed = self.store.disable_webhook_endpoint(&ep.id, reason, self.jobs.now()).await?;
        self.forget_endpoint(&ep.id);
        if !changed {
            return Ok(());
        }
        tracing::warn!(endpoint = %ep.id, org = %ep.org_id, reason, "webhook endpoint disabled");
        let mut jobs =
            vec![event_job(&ep.org_id, EventType::EndpointDisabled, json!({ "endpointId": ep.id, "url": ep.url, "reason": reason }), self.jobs.now())];
        let owners = self.store.agents(&ep.org_id).await?;
        let link = self.mailer.link("/app/webhooks");
        for o in owners.iter().filter(|a| a.role == crate::domain::Role::Owner && a.removed_at.is_none()) {
            let text = format!(
                "Your Chinwag webhook endpoint {} was disabled: {reason}.\n\nNo more events are sent to it. Once the receiver works again, enable it and use \"Recover\" to send what it missed (events are kept 30 days):\n{link}\n",
                ep.url
            );
            jobs.push(self.email_job(Some(&ep.org_id), &o.email, "A webhook endpoint was disabled".to_owned(), text));
        }
        self.jobs.enqueue(&jobs).await
    }
}
