//! The domain layer between resolvers and the store: every operation of the product,
//! authorized from the principal, validated, committed, then published.

mod accounts;
pub mod analytics;
pub mod articles;
pub mod assistant;
mod automation;
mod blocks;
mod canned;
mod chat;
pub mod conversions;
pub mod email_in;
mod export;
mod facts;
mod live;
mod live_visitors;
mod notify;
mod outbox;
mod presence;
mod privacy;
mod profile;
mod push;
mod reads;
mod router;
mod rules;
mod schedule;
mod sla;
pub mod slack;
mod visitors;
mod vouch;
mod webhooks;

/// The read models operations return: rows as committed.
pub use crate::store::{
    AgentRow, ApiKeyRow, AttachmentRow, CannedRow, ConversationFilter, ConversationRow, DepartmentRow, InviteRow, JobRow, MessageRow, PageViewRow, PersonRow,
    ReadRow, VisitorRow, WebsiteRow,
};
pub use accounts::{not_found, CreatedInvite, Session};
pub use automation::{automation_event, automation_spec, trigger_conditions, AutomationInput, TriggerInput, WidgetTrigger};
pub use canned::CannedPatch;
pub use chat::ReplyTo;
pub use chat::{Send, TYPING_TIMEOUT};
pub use export::{AUDIT_RETENTION_DAYS, EXPORT, RETENTION};
pub use live::{Checks, ConversationLive, InboxLive, Resume};
pub use live_visitors::{Beacon, BeaconAnswer, LiveEntry, LIVE_TOPIC};
pub use outbox::{EMAIL, OFFLINE_REPLY};
pub use presence::{Presence, Typing};
pub use privacy::{ErasureMode, PersonRef, ERASE};
pub use profile::EmailChange;
pub use reads::{MessagePage, PageFrom, MAX_PAGE};
pub use rules::{rule_of, RuleInput};
pub use schedule::{holidays_of, Holiday};
pub use sla::{next_response_due, sla_status, SlaStatus, SLA_CHECK};
pub use visitors::{Identity, StartSession, VisitorSessionOut, WebsiteUpdate};
pub use vouch::Confirmation;
pub use webhooks::{EndpointInput, WEBHOOK_EVENT};

use std::sync::Arc;
use std::time::Duration;

use crate::auth::{AccessCache, AgentPrincipal, ApiKeyPrincipal, Keys, Principal, PrincipalKind, VisitorPrincipal};
use crate::bus::{Bus, Event, AUTH_TOPIC};
use crate::config::Settings;
use crate::error::{ApiError, ApiResult};
use crate::jobs::{Clock, Jobs, Policies};
use crate::mail::Mailer;
use crate::metrics::Metrics;
use crate::ratelimit::{Quota, RateLimiter};
use crate::store::{Appender, Store};

/// Per organization, a yes or no read from the store and trusted for `OrgFlag::TTL` on
/// this node (whether it has automations, webhook endpoints): a change made on another
/// node applies there within it; on this node `forget` applies it at once.
#[derive(Default)]
pub struct OrgFlag(std::sync::Mutex<std::collections::HashMap<String, (std::time::Instant, bool)>>);

impl OrgFlag {
    pub const TTL: Duration = Duration::from_secs(10);
    /// Entries kept at most (then all are read again).
    const MAX: usize = 10_000;

    /// The cached answer, or `read`'s (a failed read counts as yes, so that no event is
    /// lost to it).
    pub async fn get(&self, org_id: &str, read: impl std::future::Future<Output = crate::store::StoreResult<bool>>) -> bool {
        if let Some((at, yes)) = self.0.lock().expect("flag lock").get(org_id) {
            if at.elapsed() < Self::TTL {
                return *yes;
            }
        }
        let Ok(yes) = read.await else { return true };
        let mut map = self.0.lock().expect("flag lock");
        if map.len() >= Self::MAX {
            map.clear();
        }
        map.insert(org_id.to_owned(), (std::time::Instant::now(), yes));
        yes
    }

    /// The cached answer while it is fresh, without reading.
    pub fn peek(&self, org_id: &str) -> Option<bool> {
        self.0.lock().expect("flag lock").get(org_id).filter(|(at, _)| at.elapsed() < Self::TTL).map(|(_, yes)| *yes)
    }

    pub fn forget(&self, org_id: &str) {
        self.0.lock().expect("flag lock").remove(org_id);
    }
}

/// Everything a request needs; shared as `Arc<App>`.
pub struct App {
    pub settings: Settings,
    pub store: Store,
    /// Group commit for message sends.
    pub appender: Appender,
    pub bus: Bus,
    pub keys: Keys,
    pub access: AccessCache,
    pub limiter: RateLimiter,
    pub presence: Arc<Presence>,
    pub typing: Typing,
    pub metrics: Arc<Metrics>,
    pub mailer: Mailer,
    pub files: crate::files::Files,
    pub facts: facts::Facts,
    /// The durable job outbox: emails and everything else that happens later.
    pub jobs: Arc<Jobs>,
    job_policies: Policies,
    router: router::Router,
    holidays: schedule::Holidays,
    /// One analytics rollup at a time per organization on this node.
    analytics_locks: std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<tokio::sync::Mutex<()>>>>,
    automated: OrgFlag,
    /// Websites whose answer bot is on (keyed by website id).
    bot_sites: OrgFlag,
    /// Help-center host names and their websites' keys.
    help_hosts: articles::HelpHosts,
    /// What the answer bot knows of each website's published articles, with the
    /// version it was read at.
    corpora: assistant::Corpora,
    /// The sentence encoder of the semantic layer (`--embedding-model`), if any.
    embedder: Option<Arc<chinwag_embed::Embedder>>,
    /// Websites whose articles this node is embedding, one text at a time, and the
    /// questions being embedded (at most one a core).
    embedding: std::sync::Mutex<std::collections::HashSet<String>>,
    embed_turn: tokio::sync::Semaphore,
    question_turns: Arc<tokio::sync::Semaphore>,
    /// The model server the answer bot writes with (`--model-url`), if any.
    model: Option<std::sync::Arc<dyn crate::model::AnswerModel>>,
    /// Organizations with enabled webhook endpoints.
    hooked: OrgFlag,
    webhooks: webhooks::Webhooks,
    /// Organizations with Slack connected.
    slacked: OrgFlag,
    /// Slack users' emails, as `users.info` gave them.
    slack_users: slack::SlackUsers,
    live: live_visitors::Live,
    vapid: push::VapidKey,
    /// Outbound HTTP to addresses users give (push endpoints), behind the guard.
    pub outbound: crate::outbound::Outbound,
    /// Inbound emails being read at once (SMTP and HTTP together): their bytes are in
    /// memory, so this bounds it (at most this many times the size cap).
    pub inbound_email: tokio::sync::Semaphore,
    /// What each client address has open on the inbound email paths.
    pub inbound_peers: email_in::Peers,
    /// This app, for work it starts that outlives a call (assignment runs).
    me: std::sync::Weak<App>,
}

/// The shared services an `App` runs on: local ones by default, Redis-backed when set.
pub struct Services {
    pub bus: Bus,
    pub limiter: RateLimiter,
    pub presence: Arc<Presence>,
    pub metrics: Arc<Metrics>,
}

impl Services {
    /// In-process bus, presence and limits.
    pub fn local() -> Services {
        Services { bus: Bus::local(), limiter: RateLimiter::default(), presence: Arc::new(Presence::default()), metrics: Arc::new(Metrics::default()) }
    }

    /// Redis pub/sub for events, and Redis for presence and rate limits.
    pub async fn redis(url: &str, prefix: &str) -> Result<Services, redis::RedisError> {
        let metrics = Arc::new(Metrics::default());
        let bus = Bus::with_redis(url, prefix, metrics.clone()).await?;
        let r = bus.redis().expect("a Redis bus");
        let limiter = RateLimiter::with_redis(r.conn(), prefix);
        let presence = Presence::with_redis(r.conn(), prefix, r.node_id());
        Ok(Services { bus, limiter, presence, metrics })
    }
}

/// Facts about the request that are not the principal: used for limits and origin checks.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub ip: Option<String>,
    pub origin: Option<String>,
    pub user_agent: Option<String>,
    /// The first language of `Accept-Language`, lowercased (`fr-ca`), if well formed.
    pub language: Option<String>,
    /// Taken by the first password hash or check of this HTTP request (every aliased or
    /// batched operation in it) or of this WebSocket connection.
    pub password_used: Arc<std::sync::atomic::AtomicBool>,
}

impl RequestMeta {
    /// One password operation (Argon2, 19 MiB and tens of ms) per request or connection:
    /// aliases cannot multiply it.
    pub fn password_turn(&self) -> ApiResult<()> {
        if self.password_used.swap(true, std::sync::atomic::Ordering::SeqCst) {
            return Err(ApiError::BadInput("one password operation per request".into()));
        }
        Ok(())
    }
}

impl App {
    pub async fn new(
        settings: Settings,
        store: Store,
        services: Services,
        mailer: Mailer,
        files: crate::files::Files,
        secret: &[u8],
        clock: Arc<dyn Clock>,
    ) -> Result<Arc<App>, String> {
        let job_policies = Policies::parse(&settings.jobs.job_policy)?;
        let embedder = match settings.integrations.embedding_model.clone() {
            Some(dir) => Some(Arc::new(
                tokio::task::spawn_blocking(move || chinwag_embed::Embedder::load(&dir).map_err(|e| format!("embedding model: {e}")))
                    .await
                    .map_err(|e| e.to_string())??,
            )),
            None => None,
        };
        let app = Arc::new_cyclic(|me| App {
            me: me.clone(),
            router: router::Router::default(),
            holidays: schedule::Holidays::default(),
            analytics_locks: Default::default(),
            automated: OrgFlag::default(),
            bot_sites: OrgFlag::default(),
            help_hosts: Default::default(),
            corpora: Default::default(),
            embedder,
            embedding: Default::default(),
            embed_turn: tokio::sync::Semaphore::new(1),
            question_turns: Arc::new(tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))),
            model: settings.integrations.model_url.as_deref().map(|url| {
                let i = &settings.integrations;
                std::sync::Arc::new(crate::model::OpenAiCompatible::new(
                    url,
                    &i.model,
                    i.model_api_key.as_deref(),
                    std::time::Duration::from_secs(i.model_timeout),
                )) as std::sync::Arc<dyn crate::model::AnswerModel>
            }),
            hooked: OrgFlag::default(),
            webhooks: webhooks::Webhooks::default(),
            slacked: OrgFlag::default(),
            slack_users: Default::default(),
            live: Default::default(),
            vapid: Default::default(),
            outbound: crate::outbound::Outbound::new(settings.outbound_allow_private),
            mailer,
            files,
            appender: Appender::start(store.clone(), clock.clone()),
            jobs: Arc::new(Jobs::new(store.clone(), clock)),
            job_policies,
            settings,
            store,
            bus: services.bus,
            keys: Keys::new(secret),
            access: AccessCache::default(),
            limiter: services.limiter,
            presence: services.presence,
            typing: Typing::default(),
            metrics: services.metrics,
            facts: facts::Facts::default(),
            inbound_email: tokio::sync::Semaphore::new(email_in::AT_ONCE),
            inbound_peers: Default::default(),
        });
        app.clone().spawn_access_listener().await;
        app.clone().spawn_live_listener().await;
        app.spawn_router();
        app.reload_revoked_visitors().await.map_err(|e| format!("loading revoked visitor tokens: {e:?}"))?;
        Ok(app)
    }

    /// Drops cached access when another node (or this one) says it changed.
    async fn spawn_access_listener(self: Arc<Self>) {
        let mut rx = self.bus.subscribe(AUTH_TOPIC).await;
        let weak = Arc::downgrade(&self);
        drop(self);
        tokio::spawn(async move {
            loop {
                let ev = match rx.recv().await {
                    Ok(ev) => ev,
                    // Events were dropped: a revocation among them must not be lost.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => Arc::new(Event::Resync),
                    Err(_) => break,
                };
                let Some(app) = weak.upgrade() else { break };
                match &*ev {
                    Event::AgentAccessChanged { agent_id } => app.access.forget_agent(agent_id),
                    Event::ApiKeyRevoked { key_id } => app.access.forget_key(key_id),
                    Event::VisitorRevoked { visitor_id, at } => app.access.revoke_visitor(visitor_id, *at),
                    Event::WebsiteDeleted { website_id, at } => app.access.revoke_visitor(website_id, *at),
                    // Revocations may have been missed while the link was down.
                    Event::Resync => {
                        if let Err(e) = app.reload_revoked_visitors().await {
                            tracing::warn!(error = ?e, "reloading revoked visitor tokens");
                        }
                    }
                    _ => {}
                }
            }
        });
    }

    /// Keeps the live visitors other nodes hear of (`LIVE_TOPIC`).
    async fn spawn_live_listener(self: Arc<Self>) {
        let mut rx = self.bus.subscribe(LIVE_TOPIC).await;
        let weak = Arc::downgrade(&self);
        drop(self);
        tokio::spawn(async move {
            loop {
                let ev = match rx.recv().await {
                    Ok(ev) => ev,
                    // A missed beacon is made good by the next one, 30 s later.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(_) => break,
                };
                let Some(app) = weak.upgrade() else { break };
                if let Event::LiveBeacon { entry } = &*ev {
                    app.heard_beacon(entry);
                }
            }
        });
    }

    /// Loads the visitors whose tokens are revoked (those revoked longer ago than a
    /// visitor token lives are left out: their tokens have expired).
    async fn reload_revoked_visitors(&self) -> Result<(), crate::store::StoreError> {
        let since = crate::time::now_ms() - self.settings.visitor_token_ttl as i64 * 1000;
        let rows = self.store.revoked_visitors(since).await?;
        self.access.load_revoked_visitors(rows);
        Ok(())
    }

    /// Resolves a bearer token (without the `Bearer ` prefix) to a principal.
    pub async fn authenticate(&self, token: &str) -> ApiResult<Principal> {
        const BAD: ApiError = ApiError::Unauthenticated("invalid or expired token");
        if let Some((key_id, secret)) = crate::auth::tokens_parse_api_key(token) {
            let access = self.access.key(&self.store, &key_id).await?.ok_or(BAD)?;
            let hash = crate::ids::sha256_hex(secret.as_bytes());
            let ok: bool = subtle::ConstantTimeEq::ct_eq(hash.as_bytes(), access.secret_hash.as_bytes()).into();
            if !ok || !access.usable() {
                return Err(BAD);
            }
            let now = crate::time::now_ms();
            if self.access.key_use_due(&key_id, now) {
                if let Err(e) = self.store.touch_api_key(&key_id, now).await {
                    tracing::warn!(error = ?e, "recording an API key's use");
                }
            }
            return Ok(Principal::ApiKey(ApiKeyPrincipal {
                id: key_id,
                org_id: access.org_id,
                ip: None,
                expires_at: access.expires_at,
                scopes: access.scopes,
                websites: access.websites,
            }));
        }
        let claims = self.keys.verify(token).ok_or(BAD)?;
        let expires_at = claims.exp as i64 * 1000;
        match claims.kind {
            PrincipalKind::Agent => {
                let access = self.access.agent(&self.store, &claims.sub).await?.ok_or(BAD)?;
                if access.removed || access.org_id != claims.org || Some(access.epoch) != claims.ep {
                    return Err(BAD);
                }
                Ok(Principal::Agent(AgentPrincipal { id: claims.sub, org_id: claims.org, role: access.role, epoch: access.epoch, expires_at, ip: None }))
            }
            PrincipalKind::Visitor => {
                let website_id = claims.web.ok_or(BAD)?;
                // Tokens from before issue times were in ms carry none: `iat` is close.
                let issued_at = claims.ep.unwrap_or(claims.iat as i64 * 1000);
                if !self.access.visitor_valid(&claims.sub, &website_id, issued_at) {
                    return Err(BAD);
                }
                Ok(Principal::Visitor(VisitorPrincipal { id: claims.sub, org_id: claims.org, website_id, expires_at, issued_at }))
            }
        }
    }

    /// The per-event check: in memory only. `false` means the principal lost access.
    pub fn still_authorized(&self, p: &Principal) -> bool {
        match p {
            // Dropped from the cache because access changed: refuse until re-checked.
            Principal::Agent(a) => self.access.agent_valid(&a.id, a.epoch).unwrap_or(false),
            Principal::ApiKey(k) => self.access.key_valid(&k.id).unwrap_or(false),
            Principal::Visitor(v) => self.access.visitor_valid(&v.id, &v.website_id, v.issued_at),
        }
    }

    /// Re-checks a principal against the store (after an access change on the bus).
    pub async fn recheck(&self, p: &Principal) -> bool {
        match p {
            Principal::Agent(a) => matches!(self.access.agent(&self.store, &a.id).await, Ok(Some(acc)) if !acc.removed && acc.epoch == a.epoch),
            Principal::ApiKey(k) => matches!(self.access.key(&self.store, &k.id).await, Ok(Some(acc)) if acc.usable()),
            Principal::Visitor(v) => self.access.visitor_valid(&v.id, &v.website_id, v.issued_at),
        }
    }

    /// Records what `p` did in its organization's audit log (who, what, when, from where).
    pub async fn audit(&self, p: &Principal, action: &str, target_id: Option<&str>) -> ApiResult<()> {
        let (kind, id, ip) = p.actor();
        Ok(self.store.audit(p.org_id(), kind, id, action, target_id, ip).await?)
    }

    /// Takes a token from `key`'s bucket or fails with `RATE_LIMITED`.
    pub async fn limit(&self, key: &str, quota: Quota) -> ApiResult<()> {
        if !self.settings.limits.rate_limits_on() {
            return Ok(());
        }
        self.limiter.check(key, quota).await.map_err(|w| self.refused(w))
    }

    /// Counts a refusal and turns the wait into `RATE_LIMITED` with `retryAfter`.
    pub fn refused(&self, wait: Duration) -> ApiError {
        self.metrics.rate_limited.inc();
        retry_after(wait)
    }

    pub fn send_quota(&self) -> Quota {
        let l = &self.settings.limits;
        Quota::per_second(l.send_per_second, l.send_burst)
    }
}

fn retry_after(wait: Duration) -> ApiError {
    ApiError::RateLimited { retry_after_secs: wait.as_secs_f64().ceil().max(1.0) as u64 }
}

/// Staff: an agent or an API key, acting within their organization.
pub fn staff(p: &Principal) -> ApiResult<(&str, crate::domain::SenderKind, &str)> {
    match p {
        Principal::Agent(a) => Ok((&a.org_id, crate::domain::SenderKind::Agent, &a.id)),
        Principal::ApiKey(k) => Ok((&k.org_id, crate::domain::SenderKind::Bot, &k.id)),
        Principal::Visitor(_) => Err(ApiError::Forbidden("this operation is for agents")),
    }
}

/// An owner or admin agent, or an API key with `scope` (and, when it is limited to
/// websites, the caller checks the website): the organization's id.
pub fn manager(p: &Principal, scope: crate::domain::ApiKeyScope) -> ApiResult<&str> {
    match p {
        Principal::Agent(a) if a.role.is_admin() => Ok(&a.org_id),
        Principal::ApiKey(k) if k.scopes.has(scope) => Ok(&k.org_id),
        Principal::ApiKey(_) => Err(ApiError::Forbidden("this API key does not have the scope for this operation")),
        _ => Err(ApiError::Forbidden("this operation needs an owner or admin")),
    }
}

/// An owner or admin agent.
pub fn admin(p: &Principal) -> ApiResult<&AgentPrincipal> {
    match p {
        Principal::Agent(a) if a.role.is_admin() => Ok(a),
        _ => Err(ApiError::Forbidden("this operation needs an owner or admin")),
    }
}

pub fn agent(p: &Principal) -> ApiResult<&AgentPrincipal> {
    match p {
        Principal::Agent(a) => Ok(a),
        _ => Err(ApiError::Forbidden("this operation is for agents")),
    }
}

pub fn visitor(p: &Principal) -> ApiResult<&VisitorPrincipal> {
    match p {
        Principal::Visitor(v) => Ok(v),
        _ => Err(ApiError::Forbidden("this operation is for visitors")),
    }
}
