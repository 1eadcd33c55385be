//! Triggers and automations (docs/routing.md#triggers, #automations).
//!
//! A trigger is a website's proactive message: the widget lists the website's triggers
//! (`widget_triggers`, the server's own conditions already decided), shows the bubble
//! when the page's conditions hold, and nothing is stored unless the visitor replies;
//! then the trigger's message is the conversation's first BOT message.
//!
//! An automation runs on an event as a job: a visitor's message commits an
//! `automation.message` job with it (only in organizations with automations, known from
//! a per-node cache), a rating enqueues `automation.rating`, and a visitor left waiting
//! gets `automation.no_reply` jobs at each NO_REPLY automation's delay. Automations never
//! run on what automations or bots do: their events are a visitor's.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::outbox::store_failed;
use super::{App, ConversationRow, MessageRow};
use crate::auth::Principal;
use crate::domain::automations::{self, AutomationEvent, AutomationSpec, MAX_AUTOMATIONS, MAX_BOT_MESSAGES};
use crate::domain::rules::Rule;
use crate::domain::triggers::{self, PageFacts, TriggerCondition, MAX_TRIGGERS, MAX_TRIGGER_CONDITIONS};
use crate::domain::webhooks::EventType;
use crate::domain::{ConversationStatus, SenderKind};
use crate::error::{ApiError, ApiResult};
use crate::jobs::{JobRow, NewJob, Outcome};
use crate::store::{AutomationRow, AutomationWrite, NewMessage, StoreError, TriggerRow, TriggerWrite, VisitorRow, WebsiteRow};
use crate::time::now_ms;

pub const AUTOMATION_MESSAGE: &str = "automation.message";
pub const AUTOMATION_NO_REPLY: &str = "automation.no_reply";
pub const AUTOMATION_RATING: &str = "automation.rating";

/// The conversations a dry run looks at.
pub const DRY_RUN_CONVERSATIONS: i64 = 100;

/// A trigger as an owner writes it.
pub struct TriggerInput {
    pub name: String,
    pub enabled: bool,
    pub conditions: Vec<TriggerCondition>,
    pub message: String,
    pub agent_id: Option<String>,
    pub open_panel: bool,
}

/// A trigger as the widget gets it: the conditions the page decides, and who it
/// speaks as.
pub struct WidgetTrigger {
    pub trigger: TriggerRow,
    pub conditions: Vec<TriggerCondition>,
    pub sender_name: String,
    pub sender_avatar_url: Option<String>,
}

/// An automation as an owner writes it.
pub struct AutomationInput {
    pub name: String,
    pub enabled: bool,
    pub event: AutomationEvent,
    pub spec: AutomationSpec,
}

pub fn trigger_conditions(row: &TriggerRow) -> Vec<TriggerCondition> {
    serde_json::from_str(&row.conditions).unwrap_or_default()
}

pub fn automation_spec(row: &AutomationRow) -> AutomationSpec {
    serde_json::from_str(&row.spec).unwrap_or_default()
}

pub fn automation_event(row: &AutomationRow) -> AutomationEvent {
    AutomationEvent::parse(&row.event).unwrap_or(AutomationEvent::MessageReceived)
}

#[derive(Serialize, Deserialize)]
struct MessageJob {
    conversation_id: String,
    message_id: String,
    /// The message started the visitor's wait (NO_REPLY timers count from it).
    #[serde(default)]
    waiting_since: Option<i64>,
}

#[derive(Serialize, Deserialize)]
struct NoReplyJob {
    conversation_id: String,
    automation_id: String,
    waiting_since: i64,
}

#[derive(Serialize, Deserialize)]
struct RatingJob {
    conversation_id: String,
}

/// The follow-up of a visitor's message in an organization with automations: what any
/// message commits (`outbox::after_message`) and the automations' job.
pub(crate) fn after_visitor_message(m: &MessageRow, conv: &ConversationRow, became_queued: bool, now: i64) -> Vec<NewJob> {
    let mut jobs = super::outbox::after_message(m, conv, became_queued, now);
    if m.sender_kind == SenderKind::Visitor && !m.is_private {
        let payload =
            MessageJob { conversation_id: conv.id.clone(), message_id: m.id.clone(), waiting_since: conv.awaiting_since.filter(|at| *at == m.created_at) };
        jobs.push(NewJob {
            kind: AUTOMATION_MESSAGE,
            key: None,
            org_id: Some(conv.org_id.clone()),
            payload: serde_json::to_string(&payload).expect("payloads serialize"),
            run_at: now,
        });
    }
    jobs
}

impl App {
    // ---- triggers ----

    /// The organization's triggers (one website's with `website_id`), for agents.
    pub async fn triggers(&self, p: &Principal, website_id: Option<&str>) -> ApiResult<Vec<TriggerRow>> {
        let (org_id, _, _) = super::staff(p)?;
        Ok(self.store.triggers(org_id, website_id).await?.into_iter().filter(|t| p.sees_website(&t.website_id)).collect())
    }

    async fn checked_trigger(&self, org_id: &str, t: TriggerInput) -> ApiResult<(String, String, String, Option<String>)> {
        let name = t.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(ApiError::BadInput("a trigger's name must be 1 to 100 characters".into()));
        }
        let message = t.message.trim().to_owned();
        if message.is_empty() || message.chars().count() > 1_000 || message.contains('\0') {
            return Err(ApiError::BadInput("a trigger's message must be 1 to 1,000 characters".into()));
        }
        if t.conditions.len() > MAX_TRIGGER_CONDITIONS {
            return Err(ApiError::BadInput(format!("at most {MAX_TRIGGER_CONDITIONS} conditions per trigger")));
        }
        let conditions = t.conditions.into_iter().map(TriggerCondition::check).collect::<Result<Vec<_>, _>>()?;
        if let Some(a) = &t.agent_id {
            let agent = self.store.agent(org_id, a).await.map_err(|e| super::not_found(e, "agent"))?;
            if agent.removed_at.is_some() {
                return Err(ApiError::NotFound("agent"));
            }
        }
        Ok((name, serde_json::to_string(&conditions).expect("conditions serialize"), message, t.agent_id))
    }

    pub async fn create_trigger(&self, p: &Principal, website_id: &str, t: TriggerInput) -> ApiResult<TriggerRow> {
        let a = super::admin(p)?;
        let site = self.website(p, website_id).await?;
        let (enabled, open_panel) = (t.enabled, t.open_panel);
        let (name, conditions, message, agent_id) = self.checked_trigger(&a.org_id, t).await?;
        let w = TriggerWrite { name: &name, enabled, conditions: &conditions, message: &message, agent_id: agent_id.as_deref(), open_panel };
        let row =
            self.store.create_trigger(&a.org_id, &site.id, &w, MAX_TRIGGERS as i64).await?.ok_or(ApiError::PlanLimit("a website keeps at most 20 triggers"))?;
        self.audit(p, "trigger.create", Some(&row.id)).await?;
        Ok(row)
    }

    pub async fn update_trigger(&self, p: &Principal, id: &str, t: TriggerInput) -> ApiResult<TriggerRow> {
        let a = super::admin(p)?;
        let (enabled, open_panel) = (t.enabled, t.open_panel);
        let (name, conditions, message, agent_id) = self.checked_trigger(&a.org_id, t).await?;
        let w = TriggerWrite { name: &name, enabled, conditions: &conditions, message: &message, agent_id: agent_id.as_deref(), open_panel };
        let row = self.store.update_trigger(&a.org_id, id, &w).await.map_err(|e| super::not_found(e, "trigger"))?;
        self.audit(p, "trigger.update", Some(id)).await?;
        Ok(row)
    }

    pub async fn delete_trigger(&self, p: &Principal, id: &str) -> ApiResult<()> {
        let a = super::admin(p)?;
        self.store.delete_trigger(&a.org_id, id).await.map_err(|e| super::not_found(e, "trigger"))?;
        self.audit(p, "trigger.delete", Some(id)).await?;
        Ok(())
    }

    /// `ids`: every trigger of the website, once each, first to last.
    pub async fn order_triggers(&self, p: &Principal, website_id: &str, ids: &[String]) -> ApiResult<Vec<TriggerRow>> {
        let a = super::admin(p)?;
        let site = self.website(p, website_id).await?;
        let current: Vec<String> = self.store.triggers(&a.org_id, Some(&site.id)).await?.into_iter().map(|t| t.id).collect();
        super::rules::same_ids(ids, &current, "trigger of the website")?;
        self.store.order_triggers(&site.id, ids).await?;
        self.audit(p, "trigger.order", Some(&site.id)).await?;
        Ok(self.store.triggers(&a.org_id, Some(&site.id)).await?)
    }

    /// Whether the website has an enabled trigger (`WidgetConfig.hasTriggers`).
    pub async fn website_has_triggers(&self, w: &WebsiteRow) -> ApiResult<bool> {
        Ok(self.store.website_has_triggers(&w.id).await?)
    }

    /// A website's enabled triggers for its widget, anyone may ask: those whose
    /// business-hours and agents-online conditions hold now, each with only the
    /// conditions the page decides.
    pub async fn widget_triggers(&self, website_key: &str) -> ApiResult<Vec<WidgetTrigger>> {
        let w = self.website_by_key(website_key).await?;
        let rows: Vec<TriggerRow> = self.store.triggers(&w.org_id, Some(&w.id)).await?.into_iter().filter(|t| t.enabled).collect();
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let open_now = self.website_open_now(&w).await?;
        let agents_online = self.agent_online(&w.org_id).await?;
        // Each speaks as its agent (while they are on the team), else as the website: the
        // agents in one read.
        let ids: Vec<String> = rows.iter().filter_map(|t| t.agent_id.clone()).collect();
        let agents: HashMap<String, crate::store::AgentRow> =
            self.store.agents_by_ids(&w.org_id, &ids).await?.into_iter().filter(|a| a.removed_at.is_none()).map(|a| (a.id.clone(), a)).collect();
        let mut out = Vec::new();
        for t in rows {
            let conditions = trigger_conditions(&t);
            if !triggers::server_side_holds(&conditions, open_now, agents_online) {
                continue;
            }
            let agent = t.agent_id.as_ref().and_then(|a| agents.get(a)).cloned();
            out.push(WidgetTrigger {
                sender_name: agent.as_ref().map_or_else(|| w.name.clone(), |a| a.name.clone()),
                sender_avatar_url: agent.and_then(|a| a.avatar_url),
                conditions: conditions.into_iter().filter(|c| !c.field.server_side()).collect(),
                trigger: t,
            });
        }
        Ok(out)
    }

    /// The trigger a visitor replies to, if it is their website's and enabled.
    pub(super) async fn replied_trigger(&self, org_id: &str, website_id: &str, trigger_id: &str) -> ApiResult<TriggerRow> {
        match self.store.trigger(org_id, trigger_id).await {
            Ok(t) if t.website_id == website_id && t.enabled => Ok(t),
            Ok(_) | Err(StoreError::NotFound) => Err(ApiError::NotFound("trigger")),
            Err(e) => Err(e.into()),
        }
    }

    /// What a trigger would have done on the website's recent pages: of the last
    /// `DRY_RUN_CONVERSATIONS` page views its visitors made, those where its address and
    /// referrer conditions hold (time on the page, pages viewed and returning are not
    /// known afterwards: taken as holding), with business hours as they were.
    pub async fn trigger_dry_run(&self, p: &Principal, website_id: &str, conditions: Vec<TriggerCondition>) -> ApiResult<(i64, Vec<(String, i64)>)> {
        super::admin(p)?;
        let site = self.website(p, website_id).await?;
        if conditions.len() > MAX_TRIGGER_CONDITIONS {
            return Err(ApiError::BadInput(format!("at most {MAX_TRIGGER_CONDITIONS} conditions per trigger")));
        }
        let conditions = conditions.into_iter().map(TriggerCondition::check).collect::<Result<Vec<_>, _>>()?;
        let hours = self.website_hours(&site).await?;
        let views = self.store.recent_page_views(&site.org_id, &site.id, DRY_RUN_CONVERSATIONS).await?;
        let checked = views.len() as i64;
        let matched = views
            .into_iter()
            .filter(|v| {
                let page = PageFacts {
                    url: &v.url,
                    referrer: v.referrer.as_deref(),
                    seconds_on_page: u32::MAX,
                    pages_viewed: u32::MAX,
                    returning: true,
                    open_now: hours.as_ref().is_none_or(|h| h.is_open_at(v.created_at)),
                    agents_online: true,
                };
                // Returning is unknown: a condition on it holds either way.
                let known: Vec<TriggerCondition> = conditions.iter().filter(|c| c.field != triggers::TriggerField::Returning).cloned().collect();
                triggers::holds(&known, &page)
            })
            .map(|v| (v.url, v.created_at))
            .collect();
        Ok((checked, matched))
    }

    // ---- automations ----

    pub async fn automations(&self, p: &Principal) -> ApiResult<Vec<AutomationRow>> {
        let (org_id, _, _) = super::staff(p)?;
        Ok(self.store.automations(org_id).await?)
    }

    async fn checked_automation(&self, org_id: &str, a: AutomationInput) -> ApiResult<(String, String)> {
        let name = a.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(ApiError::BadInput("an automation's name must be 1 to 100 characters".into()));
        }
        let spec = a.spec.check(a.event)?;
        let x = &spec.actions;
        if let Some(id) = &x.canned_response_id {
            if !self.store.canned_responses(org_id).await?.iter().any(|c| &c.id == id) {
                return Err(ApiError::NotFound("canned response"));
            }
        }
        if let Some(id) = &x.assign_to {
            let agent = self.store.agent(org_id, id).await.map_err(|e| super::not_found(e, "agent"))?;
            if agent.removed_at.is_some() {
                return Err(ApiError::NotFound("agent"));
            }
        }
        if let Some(d) = &x.department_id {
            self.store.department(org_id, d).await.map_err(|e| super::not_found(e, "department"))?;
        }
        Ok((name, serde_json::to_string(&spec).expect("spec serializes")))
    }

    pub async fn create_automation(&self, p: &Principal, a: AutomationInput) -> ApiResult<AutomationRow> {
        let admin = super::admin(p)?;
        let (enabled, event) = (a.enabled, a.event);
        let (name, spec) = self.checked_automation(&admin.org_id, a).await?;
        let w = AutomationWrite { name: &name, enabled, event: event.as_str(), spec: &spec };
        let row = self
            .store
            .create_automation(&admin.org_id, &w, MAX_AUTOMATIONS as i64)
            .await?
            .ok_or(ApiError::PlanLimit("an organization keeps at most 50 automations"))?;
        self.forget_automated(&admin.org_id);
        self.audit(p, "automation.create", Some(&row.id)).await?;
        Ok(row)
    }

    pub async fn update_automation(&self, p: &Principal, id: &str, a: AutomationInput) -> ApiResult<AutomationRow> {
        let admin = super::admin(p)?;
        let (enabled, event) = (a.enabled, a.event);
        let (name, spec) = self.checked_automation(&admin.org_id, a).await?;
        let w = AutomationWrite { name: &name, enabled, event: event.as_str(), spec: &spec };
        let row = self.store.update_automation(&admin.org_id, id, &w).await.map_err(|e| super::not_found(e, "automation"))?;
        self.forget_automated(&admin.org_id);
        self.audit(p, "automation.update", Some(id)).await?;
        Ok(row)
    }

    pub async fn delete_automation(&self, p: &Principal, id: &str) -> ApiResult<()> {
        let admin = super::admin(p)?;
        self.store.delete_automation(&admin.org_id, id).await.map_err(|e| super::not_found(e, "automation"))?;
        self.forget_automated(&admin.org_id);
        self.audit(p, "automation.delete", Some(id)).await?;
        Ok(())
    }

    /// `ids`: every automation of the organization, once each, first to last.
    pub async fn order_automations(&self, p: &Principal, ids: &[String]) -> ApiResult<Vec<AutomationRow>> {
        let a = super::admin(p)?;
        let current: Vec<String> = self.store.automations(&a.org_id).await?.into_iter().map(|r| r.id).collect();
        super::rules::same_ids(ids, &current, "automation of the organization")?;
        self.store.order_automations(&a.org_id, ids).await?;
        self.audit(p, "automation.order", None).await?;
        Ok(self.store.automations(&a.org_id).await?)
    }

    pub(super) fn forget_automated(&self, org_id: &str) {
        self.automated.forget(org_id);
    }

    /// Whether the organization has enabled automations or an answer bot (read at most
    /// every `TTL` per node; a failed read counts as yes, so no event is lost to it).
    pub(super) async fn automated(&self, org_id: &str) -> bool {
        self.automated
            .get(org_id, async { Ok(self.store.automations(org_id).await?.iter().any(|r| r.enabled) || self.store.answer_bot_on(org_id).await?) })
            .await
    }

    /// The enabled automations on `event`, in order.
    async fn automations_on(&self, org_id: &str, event: AutomationEvent) -> Result<Vec<(AutomationRow, AutomationSpec)>, StoreError> {
        Ok(self
            .store
            .automations(org_id)
            .await?
            .into_iter()
            .filter(|r| r.enabled && automation_event(r) == event)
            .map(|r| {
                let spec = automation_spec(&r);
                (r, spec)
            })
            .collect())
    }

    /// Whether the automation's conditions hold for the conversation now.
    /// `message`: the visitor's message it runs on, for `SENTIMENT` (none on timers and ratings).
    async fn conditions_hold(&self, spec: &AutomationSpec, conv: &ConversationRow, message: Option<&str>) -> ApiResult<bool> {
        if spec.conditions.is_empty() {
            return Ok(true);
        }
        let visitor = self.store.visitor(&conv.org_id, &conv.visitor_id).await?;
        self.conditions_hold_for(spec, &visitor, conv, message).await
    }

    /// `conditions_hold` with the conversation's visitor already read.
    async fn conditions_hold_for(&self, spec: &AutomationSpec, visitor: &VisitorRow, conv: &ConversationRow, message: Option<&str>) -> ApiResult<bool> {
        let rule = Rule { id: String::new(), name: String::new(), conditions: spec.conditions.clone(), actions: Default::default() };
        Ok(self.matching_rule(std::slice::from_ref(&rule), visitor, conv.department_id.as_deref(), message).await?.is_some())
    }

    /// A visitor's message: CONVERSATION_CREATED (when it is their first), then
    /// MESSAGE_RECEIVED; and NO_REPLY timers when it started their wait. At most one
    /// message is sent for it, by the first matching automation that sends one.
    pub(super) async fn run_automation_message(&self, job: JobRow) -> Outcome {
        let j: MessageJob = super::outbox::payload(&job)?;
        let org_id = job.org_id.as_deref().unwrap_or_default();
        let (conv, message) = match async {
            Ok::<_, StoreError>((self.store.conversation(org_id, &j.conversation_id).await?, self.store.message(&j.conversation_id, &j.message_id).await?))
        }
        .await
        {
            Ok(found) => found,
            Err(StoreError::NotFound) => return Ok(()),
            Err(e) => return Err(store_failed(e)),
        };
        let mut candidates = Vec::new();
        if self.store.first_visitor_message_id(&conv.id).await.map_err(store_failed)?.as_deref() == Some(message.id.as_str()) {
            candidates.extend(self.automations_on(org_id, AutomationEvent::ConversationCreated).await.map_err(store_failed)?);
        }
        candidates.extend(
            self.automations_on(org_id, AutomationEvent::MessageReceived)
                .await
                .map_err(store_failed)?
                .into_iter()
                .filter(|(_, spec)| automations::has_keyword(&spec.keywords, &message.body)),
        );
        if let Some(since) = j.waiting_since {
            let jobs: Vec<NewJob> = self
                .automations_on(org_id, AutomationEvent::NoReply)
                .await
                .map_err(store_failed)?
                .iter()
                .map(|(row, spec)| {
                    let payload = NoReplyJob { conversation_id: conv.id.clone(), automation_id: row.id.clone(), waiting_since: since };
                    self.jobs.job_at(AUTOMATION_NO_REPLY, Some(org_id), &payload, since + spec.minutes.unwrap_or(1) * 60_000)
                })
                .collect();
            if !jobs.is_empty() {
                self.jobs.enqueue(&jobs).await.map_err(store_failed)?;
            }
        }
        // The answer bot first: when it replies, automations send nothing for this message.
        let bot_replied = self.answer_bot(&conv, &message).await.map_err(|e| (format!("{e:?}"), false))?;
        let conv = if bot_replied { self.store.conversation(org_id, &conv.id).await.map_err(store_failed)? } else { conv };
        self.run_candidates(conv, candidates, !bot_replied, Some(&message.body)).await
    }

    /// A NO_REPLY timer: the visitor still waits since the same message.
    pub(super) async fn run_no_reply(&self, job: JobRow) -> Outcome {
        let j: NoReplyJob = super::outbox::payload(&job)?;
        let org_id = job.org_id.as_deref().unwrap_or_default();
        let conv = match self.store.conversation(org_id, &j.conversation_id).await {
            Ok(c) => c,
            Err(StoreError::NotFound) => return Ok(()),
            Err(e) => return Err(store_failed(e)),
        };
        if conv.awaiting_since != Some(j.waiting_since) || conv.status != ConversationStatus::Open {
            return Ok(());
        }
        let candidates =
            self.automations_on(org_id, AutomationEvent::NoReply).await.map_err(store_failed)?.into_iter().filter(|(r, _)| r.id == j.automation_id).collect();
        self.run_candidates(conv, candidates, true, None).await
    }

    /// A visitor's rating.
    pub(super) async fn run_rating(&self, job: JobRow) -> Outcome {
        let j: RatingJob = super::outbox::payload(&job)?;
        let org_id = job.org_id.as_deref().unwrap_or_default();
        let conv = match self.store.conversation(org_id, &j.conversation_id).await {
            Ok(c) => c,
            Err(StoreError::NotFound) => return Ok(()),
            Err(e) => return Err(store_failed(e)),
        };
        let Some(rating) = conv.rating else { return Ok(()) };
        let candidates = self
            .automations_on(org_id, AutomationEvent::RatingReceived)
            .await
            .map_err(store_failed)?
            .into_iter()
            .filter(|(_, spec)| spec.rating_at_most.is_none_or(|max| rating <= max as i64))
            .collect();
        self.run_candidates(conv, candidates, true, None).await
    }

    /// After a rating committed: its automations' job.
    pub(super) async fn after_rating(&self, conv: &ConversationRow) {
        if !self.automated(&conv.org_id).await {
            return;
        }
        let job = self.jobs.job(AUTOMATION_RATING, Some(&conv.org_id), &RatingJob { conversation_id: conv.id.clone() });
        if let Err(e) = self.jobs.enqueue(std::slice::from_ref(&job)).await {
            tracing::warn!(error = ?e, "enqueueing a rating's automations");
        }
    }

    /// Runs each candidate whose conditions hold, in order; only the first message is
    /// sent, and none past `MAX_BOT_MESSAGES` in the conversation.
    async fn run_candidates(
        &self,
        mut conv: ConversationRow,
        candidates: Vec<(AutomationRow, AutomationSpec)>,
        may_send: bool,
        message: Option<&str>,
    ) -> Outcome {
        let mut may_send = may_send;
        for (row, spec) in candidates {
            if !self.conditions_hold(&spec, &conv, message).await.map_err(|e| (format!("{e:?}"), false))? {
                continue;
            }
            let sends = spec.actions.sends() && may_send;
            conv = self.run_actions(&row, &spec, conv, sends).await.map_err(|e| (format!("{e:?}"), false))?;
            may_send &= !sends;
        }
        Ok(())
    }

    /// One automation's actions on a conversation: its message first (as the bot),
    /// then tags, priority, department and assignee, then resolving.
    async fn run_actions(&self, row: &AutomationRow, spec: &AutomationSpec, conv: ConversationRow, send: bool) -> ApiResult<ConversationRow> {
        let a = &spec.actions;
        let org_id = conv.org_id.clone();
        let mut conv = conv;
        if send && self.store.claim_automation_message(&conv.id, MAX_BOT_MESSAGES).await? {
            let body = match (&a.message, &a.canned_response_id) {
                (Some(m), _) => Some(m.clone()),
                (None, Some(id)) => self.store.canned_responses(&org_id).await?.into_iter().find(|c| &c.id == id).map(|c| c.body),
                (None, None) => None,
            };
            if let Some(body) = body {
                let out = self
                    .appender
                    .append(NewMessage {
                        org_id: org_id.clone(),
                        conversation_id: conv.id.clone(),
                        visitor_id: None,
                        sender_kind: SenderKind::Bot,
                        sender_id: row.id.clone(),
                        body,
                        is_private: false,
                        attachment_ids: Vec::new(),
                        client_message_id: None,
                        follow_up: Some(super::webhooks::follow_up(false, self.hooked(&org_id).await)),
                    })
                    .await?;
                conv = self.after_append(out, SenderKind::Bot, &row.id).await.1;
            }
        }
        let routed_by = format!("automation: {}", row.name);
        if !a.tags.is_empty() || a.priority.is_some() {
            conv = self.store.route_by_rule(&org_id, &conv.id, None, a.priority.map(|p| p.rank()), a.priority.map(|_| routed_by.as_str()), &a.tags).await?;
            self.publish_conversation(&conv);
        }
        if a.department_id.is_some() || a.assign_to.is_some() {
            let department = a.department_id.clone().or(conv.department_id.clone());
            // A department or agent removed since is skipped.
            let department = match department {
                Some(d) => self.store.department(&org_id, &d).await.ok().map(|d| d.id),
                None => None,
            };
            let agent = match &a.assign_to {
                Some(id) => self.store.agent(&org_id, id).await.ok().filter(|g| g.removed_at.is_none()).map(|g| g.id),
                None => conv.assignee_id.clone(),
            };
            let events = self.conversation_events(&org_id, EventType::ConversationAssigned).await;
            let before = conv.assignee_id.clone();
            conv = self.store.assign_conversation(&org_id, &conv.id, agent.as_deref(), department.as_deref(), events.as_deref()).await?;
            if let Some(a) = conv.assignee_id.clone().filter(|a| before.as_ref() != Some(a)) {
                self.notice_assignee(&conv, &a).await;
            }
            conv = self.store.route_by_rule(&org_id, &conv.id, None, None, Some(&routed_by), &[]).await?;
            self.publish_conversation(&conv);
            if conv.queued {
                conv = self.apply_sla(&conv).await.unwrap_or(conv);
            }
        }
        if a.resolve && conv.status != ConversationStatus::Resolved {
            let events = self.conversation_events(&org_id, EventType::ConversationResolved).await;
            conv = self.store.set_conversation_status(&org_id, &conv.id, ConversationStatus::Resolved, events.as_deref()).await?;
            self.publish_conversation(&conv);
        }
        self.route(&org_id);
        Ok(conv)
    }

    /// What an automation would do to the organization's last `DRY_RUN_CONVERSATIONS`
    /// conversations (nothing is changed): those it would have acted on. Conditions read
    /// the visitor as they are now; MESSAGE_RECEIVED reads their messages; NO_REPLY the
    /// wait for the first reply; RATING_RECEIVED their rating.
    pub async fn automation_dry_run(&self, p: &Principal, a: AutomationInput) -> ApiResult<(i64, Vec<ConversationRow>)> {
        let admin = super::admin(p)?;
        let event = a.event;
        let (_, spec) = self.checked_automation(&admin.org_id, a).await?;
        let spec: AutomationSpec = serde_json::from_str(&spec).expect("spec reads back");
        let recent = self.store.recent_conversations(&admin.org_id, DRY_RUN_CONVERSATIONS).await?;
        let checked = recent.len() as i64;
        let bodies: HashMap<String, Vec<String>> = if event == AutomationEvent::MessageReceived {
            let ids: Vec<String> = recent.iter().map(|c| c.id.clone()).collect();
            let mut by: HashMap<String, Vec<String>> = HashMap::new();
            for (conv, body) in self.store.visitor_bodies_of(&ids, 2_000).await? {
                by.entry(conv).or_default().push(body);
            }
            by
        } else {
            HashMap::new()
        };
        // The visitors the conditions read, at once (not one read per conversation).
        let visitors: HashMap<String, VisitorRow> = if spec.conditions.is_empty() {
            HashMap::new()
        } else {
            let ids: Vec<String> = recent.iter().map(|c| c.visitor_id.clone()).collect();
            self.store.visitors_by_ids(&admin.org_id, &ids).await?.into_iter().map(|v| (v.id.clone(), v)).collect()
        };
        let now = now_ms();
        let mut matched = Vec::new();
        for conv in recent {
            let fires = match event {
                AutomationEvent::ConversationCreated => true,
                AutomationEvent::MessageReceived => bodies.get(&conv.id).is_some_and(|b| b.iter().any(|b| automations::has_keyword(&spec.keywords, b))),
                AutomationEvent::NoReply => {
                    let start = conv.created_at;
                    let answered = conv.first_response_at.unwrap_or(if conv.status == ConversationStatus::Open { now } else { start });
                    answered - start >= spec.minutes.unwrap_or(1) * 60_000
                }
                AutomationEvent::RatingReceived => conv.rating.is_some_and(|r| spec.rating_at_most.is_none_or(|max| r <= max as i64)),
            };
            if !fires {
                continue;
            }
            let holds = match visitors.get(&conv.visitor_id) {
                _ if spec.conditions.is_empty() => true,
                Some(v) => self.conditions_hold_for(&spec, v, &conv, None).await?,
                None => false,
            };
            if holds {
                matched.push(conv);
            }
        }
        Ok((checked, matched))
    }

    /// What a routing rule would do to the organization's last `DRY_RUN_CONVERSATIONS`
    /// conversations if it were first in the list: those it matches (visitors as they
    /// are now, each conversation's department as it is).
    pub async fn routing_rule_dry_run(&self, p: &Principal, r: super::RuleInput) -> ApiResult<(i64, Vec<ConversationRow>)> {
        let a = super::admin(p)?;
        let rule = self.checked_rule_of(&a.org_id, r).await?;
        let recent = self.store.recent_conversations(&a.org_id, DRY_RUN_CONVERSATIONS).await?;
        let checked = recent.len() as i64;
        let ids: Vec<String> = recent.iter().map(|c| c.visitor_id.clone()).collect();
        let visitors: HashMap<String, crate::store::VisitorRow> =
            self.store.visitors_by_ids(&a.org_id, &ids).await?.into_iter().map(|v| (v.id.clone(), v)).collect();
        let mut matched = Vec::new();
        for conv in recent {
            let Some(v) = visitors.get(&conv.visitor_id) else { continue };
            if self.matching_rule(std::slice::from_ref(&rule), v, conv.department_id.as_deref(), None).await?.is_some() {
                matched.push(conv);
            }
        }
        Ok((checked, matched))
    }
}
