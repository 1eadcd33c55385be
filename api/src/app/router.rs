//! The Message Router's assignment: when a conversation starts waiting, when an agent
//! frees a slot (resolve, pending, unassign), comes online or connects, or when the
//! settings change, the organization gets an assignment run (`Store::assign_waiting`,
//! one transaction whose decisions rest on the database, not on this node's memory).
//! Runs for one organization are coalesced on this node: a trigger during a run asks
//! for one more run after it, never a second run beside it. A sweep every few seconds
//! runs every organization with a waiting conversation, so a run lost to a crash or a
//! dropped trigger (or an agent whose grace ran out) is made up for soon.
//!
//! Agents' connections reach the database as leases: the node holding an agent's
//! socket extends `connected_until` every `HEARTBEAT`; when the last socket closes it
//! is set to now plus the organization's grace (default 60 s).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::App;
use crate::auth::Principal;
use crate::bus::{conversation_topic, org_topic, Event};
use crate::domain::webhooks::EventType;
use crate::domain::{Assignment, Priority};
use crate::error::{ApiError, ApiResult};
use crate::jobs::{JobRow, Outcome};
use crate::store::{DepartmentRow, ReassignJob, RoutingPatch, RoutingSettingsRow};
use crate::time::now_ms;

/// How often a node extends the leases of the agents it holds sockets for, and sweeps.
const HEARTBEAT: Duration = Duration::from_secs(10);
/// A lease outlives a few missed heartbeats.
const LEASE_MS: i64 = 45_000;
/// Waiting conversations told their new place after a run, per run.
const POSITION_UPDATES: usize = 100;

/// This node's runs in flight: organization -> another run was asked for meanwhile.
#[derive(Default)]
pub struct Router {
    running: Mutex<HashMap<String, bool>>,
}

/// The estimated wait reads the line's pace over this long, once it answered this many.
const PACE_WINDOW: Duration = Duration::from_secs(30 * 60);
const PACE_MIN: i64 = 3;
/// Longer estimates say little more; capped.
const MAX_ESTIMATE_SECONDS: i64 = 4 * 3600;

/// Capacity bounds an owner may set (0: the organization's default).
const MAX_CAPACITY: i64 = 100;

impl App {
    /// Asks for an assignment run for the organization (returns at once).
    pub fn route(&self, org_id: &str) {
        let Some(app) = self.me.upgrade() else { return };
        {
            let mut running = self.router.running.lock().expect("router lock");
            if let Some(again) = running.get_mut(org_id) {
                *again = true;
                return;
            }
            running.insert(org_id.to_owned(), false);
        }
        let org_id = org_id.to_owned();
        tokio::spawn(async move {
            loop {
                app.assignment_run(&org_id).await;
                let mut running = app.router.running.lock().expect("router lock");
                match running.get_mut(&org_id) {
                    Some(again) if *again => *again = false,
                    _ => {
                        running.remove(&org_id);
                        return;
                    }
                }
            }
        });
    }

    /// One run: commits the assignments, then tells the assigned conversations and
    /// the ones still waiting (their place moved).
    async fn assignment_run(&self, org_id: &str) {
        let jobs_now = self.jobs.now();
        let events = self.conversation_events(org_id, EventType::ConversationAssigned).await;
        let assigned = match self.store.assign_waiting(org_id, now_ms(), |seconds| jobs_now + seconds * 1000, events.as_deref()).await {
            Ok(rows) => rows,
            Err(e) => {
                tracing::warn!(error = ?e, org_id, "assignment run failed; the sweep retries");
                return;
            }
        };
        if assigned.is_empty() {
            return;
        }
        self.jobs.wake();
        self.metrics.assignments.add(assigned.len() as u64);
        self.push_assignments(&assigned).await;
        for row in &assigned {
            let ev = Event::ConversationUpdated { conversation: row.clone() };
            self.bus.publish(&conversation_topic(&row.id), ev.clone());
            self.bus.publish(&org_topic(&row.org_id), ev);
        }
        // The visitors still waiting moved up: their conversation's subscribers refetch
        // `queuePosition` (capped: the rest see it on their next update).
        match self.store.waiting_conversations(org_id, POSITION_UPDATES as i64).await {
            Ok(rows) => {
                for row in rows {
                    self.bus.publish(&conversation_topic(&row.id), Event::ConversationUpdated { conversation: row });
                }
            }
            Err(e) => tracing::warn!(error = ?e, "reading the queue after a run"),
        }
    }

    /// Starts the heartbeat (leases of the agents connected here) and the sweep.
    pub(super) fn spawn_router(self: &Arc<Self>) {
        let weak = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(HEARTBEAT);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let Some(app) = weak.upgrade() else { return };
                let here = app.presence.local_agents();
                if let Err(e) = app.store.extend_connections(&here, now_ms() + LEASE_MS).await {
                    tracing::warn!(error = ?e, "extending agents' connection leases");
                }
                app.release_from_offline().await;
                match app.store.orgs_with_waiting(1_000).await {
                    Ok(orgs) => orgs.iter().for_each(|org| app.route(org)),
                    Err(e) => tracing::warn!(error = ?e, "sweeping the waiting queues"),
                }
            }
        });
    }

    /// Gives the chats of assignees who went away back to the line (automatic lines
    /// only), tells their subscribers, and routes their organizations.
    async fn release_from_offline(&self) {
        match self.store.release_from_offline(now_ms()).await {
            Ok(rows) => {
                let mut orgs: Vec<&str> = rows.iter().map(|r| r.org_id.as_str()).collect();
                orgs.sort_unstable();
                orgs.dedup();
                for row in &rows {
                    self.publish_conversation(row);
                }
                orgs.into_iter().for_each(|org| self.route(org));
            }
            Err(e) => tracing::warn!(error = ?e, "releasing chats of agents who went away"),
        }
    }

    /// An agent's first socket on this node opened, or their last one closed.
    pub(super) fn agent_connection(&self, org_id: &str, agent_id: &str, up: bool) {
        let Some(app) = self.me.upgrade() else { return };
        let (org_id, agent_id) = (org_id.to_owned(), agent_id.to_owned());
        tokio::spawn(async move {
            // A socket that opened and closed at once: the later state wins, whichever
            // of the two tasks runs first.
            if app.presence.is_local_agent(&agent_id) != up {
                return;
            }
            let now = now_ms();
            let done = if up {
                app.store.extend_connections(std::slice::from_ref(&agent_id), now + LEASE_MS).await
            } else {
                app.store.end_connection(&agent_id, now).await
            };
            match done {
                Ok(()) if up => app.route(&org_id),
                Ok(()) => {
                    // Once the grace is over (and they did not come back), their chats
                    // go back to the line; the sweep would find them within a beat too.
                    let grace = app.store.routing_settings(&org_id).await.map_or(60, |s| s.offline_grace_seconds);
                    tokio::time::sleep(Duration::from_millis(grace.max(0) as u64 * 1000 + 200)).await;
                    if !app.presence.is_local_agent(&agent_id) {
                        app.release_from_offline().await;
                    }
                }
                Err(e) => tracing::warn!(error = ?e, "recording an agent's connection"),
            }
        });
    }

    pub async fn routing_settings(&self, p: &Principal) -> ApiResult<RoutingSettingsRow> {
        let (org_id, _, _) = super::staff(p)?;
        Ok(self.store.routing_settings(org_id).await?)
    }

    pub async fn update_routing_settings(&self, p: &Principal, patch: RoutingPatch) -> ApiResult<RoutingSettingsRow> {
        let a = super::admin(p)?;
        if patch.default_capacity.is_some_and(|c| !(1..=MAX_CAPACITY).contains(&c)) {
            return Err(ApiError::BadInput(format!("defaultCapacity must be 1 to {MAX_CAPACITY}")));
        }
        if patch.offline_grace_seconds.is_some_and(|s| !(0..=3_600).contains(&s)) {
            return Err(ApiError::BadInput("offlineGraceSeconds must be 0 to 3600".into()));
        }
        if patch.offer_seconds.is_some_and(|s| s != 0 && !(10..=300).contains(&s)) {
            return Err(ApiError::BadInput("offerSeconds must be 0 (assign at once) or 10 to 300".into()));
        }
        if patch.reassign_after_seconds.is_some_and(|s| s != 0 && !(10..=3_600).contains(&s)) {
            return Err(ApiError::BadInput("reassignAfterSeconds must be 0 (never) or 10 to 3600".into()));
        }
        let row = self.store.set_routing_settings(&a.org_id, &patch).await?;
        self.audit(p, "routing.update", None).await?;
        self.route(&a.org_id);
        Ok(row)
    }

    pub async fn set_department_assignment(&self, p: &Principal, id: &str, mode: Assignment) -> ApiResult<DepartmentRow> {
        let a = super::admin(p)?;
        let row = self.store.set_department_assignment(&a.org_id, id, mode).await.map_err(|e| super::not_found(e, "department"))?;
        self.audit(p, "department.assignment", Some(id)).await?;
        self.route(&a.org_id);
        Ok(row)
    }

    pub async fn set_agent_capacity(&self, p: &Principal, agent_id: &str, capacity: i64) -> ApiResult<super::AgentRow> {
        let a = super::admin(p)?;
        if !(0..=MAX_CAPACITY).contains(&capacity) {
            return Err(ApiError::BadInput(format!("capacity must be 0 (the organization's default) to {MAX_CAPACITY}")));
        }
        let row = self.store.set_agent_capacity(&a.org_id, agent_id, capacity).await.map_err(|e| super::not_found(e, "agent"))?;
        self.audit(p, "agent.capacity", Some(agent_id)).await?;
        self.route(&a.org_id);
        Ok(row)
    }

    pub async fn set_conversation_priority(&self, p: &Principal, conversation_id: &str, priority: Priority) -> ApiResult<super::ConversationRow> {
        let (org_id, _, _) = super::staff(p)?;
        let conv = self.visible_conversation(p, conversation_id).await?;
        let mut row = self.store.set_conversation_priority(org_id, &conv.id, priority.rank()).await?;
        self.publish_conversation(&row);
        if row.priority != conv.priority && row.queued {
            row = self.apply_sla(&row).await.unwrap_or(row);
        }
        self.route(org_id);
        Ok(row)
    }

    /// A chat the router gave an agent who has not answered within the organization's
    /// `reassign_after_seconds`: back to the line (first, by its arrival), and a run
    /// gives it to someone else if anyone is free (else to the same agent again, with
    /// a new timer).
    pub(super) async fn run_reassign(&self, job: JobRow) -> Outcome {
        let j: ReassignJob = super::outbox::payload(&job)?;
        let released = self.store.release_unanswered(&j, now_ms()).await.map_err(|e| (format!("store: {e:?}"), false))?;
        if let Some(row) = released {
            self.publish_conversation(&row);
            self.route(&row.org_id);
        }
        Ok(())
    }

    /// The agent takes the chat offered to them; with `reassignAfterSeconds` its timer
    /// starts now.
    pub async fn accept_offer(&self, p: &Principal, conversation_id: &str) -> ApiResult<super::ConversationRow> {
        let a = super::agent(p)?;
        let now = now_ms();
        let events = self.conversation_events(&a.org_id, EventType::ConversationAssigned).await;
        let row = self.store.accept_offer(conversation_id, &a.id, now, events.as_deref()).await?.filter(|r| r.org_id == a.org_id);
        let row = row.ok_or(ApiError::NotFound("offer"))?;
        let settings = self.store.routing_settings(&a.org_id).await?;
        if settings.reassign_after_seconds > 0 {
            let payload = ReassignJob { conversation_id: row.id.clone(), agent_id: a.id.clone(), assigned_at: now };
            let job = self.jobs.job_at(crate::store::REASSIGN, Some(&a.org_id), &payload, self.jobs.now() + settings.reassign_after_seconds * 1000);
            self.jobs.enqueue(std::slice::from_ref(&job)).await?;
            self.jobs.wake();
        }
        self.publish_conversation(&row);
        Ok(row)
    }

    /// The agent turns the offer down: the next run offers the chat to someone else.
    pub async fn decline_offer(&self, p: &Principal, conversation_id: &str) -> ApiResult<super::ConversationRow> {
        let a = super::agent(p)?;
        let row = self.store.end_offer(conversation_id, &a.id, None, now_ms()).await?.filter(|r| r.org_id == a.org_id);
        let row = row.ok_or(ApiError::NotFound("offer"))?;
        self.publish_conversation(&row);
        self.route(&row.org_id);
        Ok(row)
    }

    /// An offer nobody accepted in time moves on (if it is still that offer).
    pub(super) async fn run_offer_expiry(&self, job: JobRow) -> Outcome {
        let j: crate::store::OfferJob = super::outbox::payload(&job)?;
        let ended = self.store.end_offer(&j.conversation_id, &j.agent_id, Some(j.expires_at), now_ms()).await.map_err(|e| (format!("store: {e:?}"), false))?;
        if let Some(row) = ended {
            self.publish_conversation(&row);
            self.route(&row.org_id);
        }
        Ok(())
    }

    /// (waiting, the oldest one's arrival) for agents.
    pub async fn queue_summary(&self, p: &Principal, department_id: Option<&str>) -> ApiResult<(i64, Option<i64>)> {
        let a = super::agent(p)?;
        Ok(self.store.queue_summary(&a.org_id, department_id).await?)
    }

    /// About how long a waiting conversation at `position` still waits: its line's pace
    /// over the last `PACE_WINDOW` (chats first answered in it) times its place, rounded
    /// up to a minute. `None` when the line answered fewer than `PACE_MIN` chats in that
    /// time (too few to say).
    pub async fn estimated_wait(&self, c: &super::ConversationRow, position: i64) -> ApiResult<Option<i64>> {
        let since = now_ms() - PACE_WINDOW.as_millis() as i64;
        let answered = self.store.answered_since(&c.org_id, c.department_id.as_deref(), since).await?;
        if answered < PACE_MIN {
            return Ok(None);
        }
        let seconds = (PACE_WINDOW.as_secs() * position.max(1) as u64).div_ceil(answered as u64);
        Ok(Some((seconds.div_ceil(60) as i64 * 60).min(MAX_ESTIMATE_SECONDS)))
    }

    /// The conversation's place in its queue (1 is next), if it is waiting.
    pub async fn queue_position(&self, conversation_id: &str) -> ApiResult<Option<i64>> {
        Ok(self.store.queue_position(conversation_id).await?)
    }
}
