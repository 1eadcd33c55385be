//! SLA policies (docs/routing.md): first-response and resolution targets per department
//! and/or priority. A conversation gets its due times when it starts waiting (and again
//! when its priority or department changes), counted in its website's business hours
//! where the policy says so; jobs wake live dashboards when a target is near and when
//! it is due, and a conversation's status is computed when it is read.

use serde::{Deserialize, Serialize};

use super::App;
use crate::auth::Principal;
use crate::bus::{org_topic, Event};
use crate::error::{ApiError, ApiResult};
use crate::jobs::{JobRow, Outcome};
use crate::store::{ConversationRow, NewJob, SlaDue, SlaPolicyRow, SlaWrite};
use crate::time::now_ms;

/// The job kind that tells live dashboards a target is near or due.
pub const SLA_CHECK: &str = "router.sla";
/// A target is near this long before it is due.
pub const NEAR_MS: i64 = 10 * 60_000;
/// Policies per organization.
const MAX_POLICIES: i64 = 20;
/// The longest target: 30 days.
const MAX_TARGET_SECONDS: i64 = 30 * 86_400;

#[derive(Serialize, Deserialize)]
struct SlaCheck {
    conversation_id: String,
    due_at: i64,
}

/// Where a conversation stands against its SLA policy.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaStatus {
    /// Every open target is more than 10 minutes away.
    OnTrack,
    /// An open target is due within 10 minutes.
    Near,
    /// A target was missed (still open past its due time, or met late).
    Breached,
    /// Every target was met in time.
    Met,
}

/// When the reply the visitor waits for is due, if the conversation has such a target
/// open: after the first response, while the visitor waits.
pub fn next_response_due(c: &ConversationRow) -> Option<i64> {
    let since = c.awaiting_since?;
    c.first_response_at?;
    c.next_response_due_at.filter(|due| *due >= since && c.status != crate::domain::ConversationStatus::Resolved)
}

/// When `seconds` of counted time after `start` end: in `hours` when given (None when
/// they never open), else around the clock.
fn due_after(hours: &Option<crate::domain::BusinessHours>, start: i64, seconds: i64) -> Option<i64> {
    match hours {
        Some(h) => h.add_open_time(start, seconds * 1000),
        None => Some(start + seconds * 1000),
    }
}

/// The targets past their due time at `now` and still open, with that due time: what a
/// check records as missed (`first_response`, `next_response`, `resolution`).
pub fn overdue_targets(c: &ConversationRow, now: i64) -> Vec<(&'static str, i64)> {
    let resolved = c.status == crate::domain::ConversationStatus::Resolved;
    let open = [
        ("first_response", c.first_response_due_at.filter(|_| c.first_response_at.is_none())),
        ("next_response", next_response_due(c)),
        ("resolution", c.resolution_due_at.filter(|_| !resolved)),
    ];
    open.into_iter().filter_map(|(t, due)| due.filter(|d| *d < now).map(|d| (t, d))).collect()
}

/// The conversation's SLA status at `now`; `None` without a policy's due times.
pub fn sla_status(c: &ConversationRow, now: i64) -> Option<SlaStatus> {
    // The next response is open while the visitor waits since a time its due belongs to;
    // once answered it is done (a late one is breached only while it waits).
    let next = next_response_due(c).map(|due| (Some(due), None));
    let targets = [
        (c.first_response_due_at, c.first_response_at),
        (c.resolution_due_at, c.resolved_at.filter(|_| c.status == crate::domain::ConversationStatus::Resolved)),
    ]
    .into_iter()
    .chain(next);
    let mut open_due: Option<i64> = None;
    let mut any = false;
    for (due, done) in targets {
        let Some(due) = due else { continue };
        any = true;
        match done {
            Some(at) if at > due => return Some(SlaStatus::Breached),
            Some(_) => {}
            None if now > due => return Some(SlaStatus::Breached),
            None => open_due = Some(open_due.map_or(due, |d| d.min(due))),
        }
    }
    match open_due {
        Some(due) if due - now <= NEAR_MS => Some(SlaStatus::Near),
        Some(_) => Some(SlaStatus::OnTrack),
        None => any.then_some(SlaStatus::Met),
    }
}

impl App {
    pub async fn sla_policies(&self, p: &Principal) -> ApiResult<Vec<SlaPolicyRow>> {
        let a = super::agent(p)?;
        Ok(self.store.sla_policies(&a.org_id).await?)
    }

    pub async fn create_sla_policy(&self, p: &Principal, w: SlaWrite<'_>) -> ApiResult<SlaPolicyRow> {
        let a = super::admin(p)?;
        self.check_sla_policy(&a.org_id, &w).await?;
        let row = self
            .store
            .create_sla_policy(&a.org_id, &w, MAX_POLICIES)
            .await?
            .ok_or_else(|| ApiError::BadInput(format!("an organization has at most {MAX_POLICIES} SLA policies")))?;
        self.audit(p, "sla.create", Some(&row.id)).await?;
        Ok(row)
    }

    pub async fn update_sla_policy(&self, p: &Principal, id: &str, w: SlaWrite<'_>) -> ApiResult<SlaPolicyRow> {
        let a = super::admin(p)?;
        self.check_sla_policy(&a.org_id, &w).await?;
        let row = self.store.update_sla_policy(&a.org_id, id, &w).await.map_err(|e| super::not_found(e, "SLA policy"))?;
        self.audit(p, "sla.update", Some(id)).await?;
        Ok(row)
    }

    pub async fn delete_sla_policy(&self, p: &Principal, id: &str) -> ApiResult<()> {
        let a = super::admin(p)?;
        self.store.delete_sla_policy(&a.org_id, id).await.map_err(|e| super::not_found(e, "SLA policy"))?;
        self.audit(p, "sla.delete", Some(id)).await
    }

    async fn check_sla_policy(&self, org_id: &str, w: &SlaWrite<'_>) -> ApiResult<()> {
        let name = w.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(ApiError::BadInput("a policy's name is 1 to 100 characters".into()));
        }
        let targets = [w.first_response_seconds, w.next_response_seconds, w.resolution_seconds];
        if targets.iter().all(Option::is_none) {
            return Err(ApiError::BadInput("a policy needs a first-response, next-response or resolution target".into()));
        }
        if targets.iter().flatten().any(|s| !(60..=MAX_TARGET_SECONDS).contains(s)) {
            return Err(ApiError::BadInput("targets are 60 seconds to 30 days".into()));
        }
        if let Some(d) = w.department_id {
            self.store.department(org_id, d).await.map_err(|e| super::not_found(e, "department"))?;
        }
        Ok(())
    }

    /// Sets (or clears) the conversation's due times by the policy that fits it now, from
    /// when its clock started (its first wait), and schedules their checks. Best effort
    /// after the change that calls it: a failure is logged.
    /// Returns the conversation as written, if it changed.
    pub(super) async fn apply_sla(&self, c: &ConversationRow) -> Option<ConversationRow> {
        self.try_apply_sla(c).await.unwrap_or_else(|e| {
            tracing::warn!(error = ?e, conversation = %c.id, "setting SLA due times");
            None
        })
    }

    async fn try_apply_sla(&self, c: &ConversationRow) -> ApiResult<Option<ConversationRow>> {
        let policies = self.store.sla_policies(&c.org_id).await?;
        let policy = policies
            .iter()
            .filter_map(|p| p.specificity(c.department_id.as_deref(), c.priority).map(|s| (s, p)))
            .max_by_key(|(s, p)| (*s, std::cmp::Reverse(p.created_at)))
            .map(|(_, p)| p);
        if policy.is_none() && c.first_response_due_at.is_none() && c.resolution_due_at.is_none() {
            return Ok(None);
        }
        let start = self.store.sla_started_at(&c.id).await?.unwrap_or_else(now_ms);
        let hours = self.policy_hours(c, policy.is_some_and(|p| p.business_hours)).await?;
        let due = |seconds: Option<i64>| due_after(&hours, start, seconds?);
        let (first, resolution) = (policy.and_then(|p| due(p.first_response_seconds)), policy.and_then(|p| due(p.resolution_seconds)));
        let jobs = self.sla_checks(c, [first, resolution].into_iter().flatten());
        let due = SlaDue {
            policy_id: policy.map(|p| p.id.as_str()),
            first_response_due_at: first,
            resolution_due_at: resolution,
            next_response_seconds: policy.and_then(|p| p.next_response_seconds),
        };
        let row = self.store.set_sla_due(&c.id, start, &due, &jobs).await?;
        if let Some(row) = &row {
            self.jobs.wake();
            self.bus.publish(&org_topic(&row.org_id), Event::ConversationUpdated { conversation: row.clone() });
        }
        Ok(row)
    }

    /// The visitor started waiting for a reply in a conversation whose policy has a
    /// next-response target (after the team's first response): its due time, counted
    /// like the policy's other targets, with its checks. Best effort, off the
    /// acknowledgement's path.
    pub(super) async fn apply_next_response(&self, c: &ConversationRow) {
        let (Some(since), Some(seconds), Some(_)) = (c.awaiting_since, c.next_response_seconds, c.first_response_at) else { return };
        let done = async {
            let policy = match self.store.conversation_sla_policy(&c.id).await? {
                Some(id) => self.store.sla_policy(&c.org_id, &id).await.ok(),
                None => None,
            };
            let hours = self.policy_hours(c, policy.is_some_and(|p| p.business_hours)).await?;
            let Some(due) = due_after(&hours, since, seconds) else { return Ok::<_, ApiError>(()) };
            let jobs = self.sla_checks(c, [due]);
            if let Some(row) = self.store.set_next_response_due(&c.id, since, due, &jobs).await? {
                self.jobs.wake();
                self.bus.publish(&org_topic(&row.org_id), Event::ConversationUpdated { conversation: row });
            }
            Ok(())
        };
        if let Err(e) = done.await {
            tracing::warn!(error = ?e, conversation = %c.id, "setting the next response's due time");
        }
    }

    /// The business hours a policy counts in: the website's, with the organization's
    /// holidays, when it counts in business hours (else around the clock: `None`).
    async fn policy_hours(&self, c: &ConversationRow, business_hours: bool) -> ApiResult<Option<crate::domain::BusinessHours>> {
        if !business_hours {
            return Ok(None);
        }
        match self.store.website(&c.org_id, &c.website_id).await {
            Ok(w) => self.website_hours(&w).await,
            Err(_) => Ok(None),
        }
    }

    /// For each due time, a check when it is near and one when it is due (on the jobs'
    /// clock), leaving out those already past.
    fn sla_checks(&self, c: &ConversationRow, dues: impl IntoIterator<Item = i64>) -> Vec<NewJob> {
        let now = now_ms();
        let offset = self.jobs.now() - now;
        dues.into_iter()
            .flat_map(|at| [at - NEAR_MS, at + 1])
            .filter(|at| *at > now)
            .map(|at| self.jobs.job_at(SLA_CHECK, Some(&c.org_id), &SlaCheck { conversation_id: c.id.clone(), due_at: at }, at + offset))
            .collect()
    }

    /// A target is near or due: live dashboards re-read the conversation (its status is
    /// computed when read). Nothing when the conversation is gone.
    pub(super) async fn run_sla_check(&self, job: JobRow) -> Outcome {
        let j: SlaCheck = super::outbox::payload(&job)?;
        let org_id = job.org_id.as_deref().unwrap_or_default();
        match self.store.conversation(org_id, &j.conversation_id).await {
            Ok(row) => {
                // Past a due time with its target still open: missed, and recorded
                // (once; the warning's check before it finds nothing past due). Due
                // times are on the store's clock, the job ran on the jobs' clock: the
                // job's own schedule gives the difference (none but in tests).
                let now = self.jobs.now() - (job.run_at - j.due_at);
                let hooked = self.hooked(org_id).await;
                for (target, due) in overdue_targets(&row, now) {
                    let event = hooked.then(|| {
                        let data = serde_json::json!({
                            "conversation": super::webhooks::conversation_data(&row),
                            "target": target,
                            "dueAt": crate::time::rfc3339(due),
                        });
                        super::webhooks::event_job(org_id, crate::domain::webhooks::EventType::SlaBreached, data, self.jobs.now())
                    });
                    self.store.record_sla_breach(org_id, &row.id, target, due, event.as_ref()).await.map_err(|e| (format!("store: {e:?}"), false))?;
                }
                self.bus.publish(&org_topic(&row.org_id), Event::ConversationUpdated { conversation: row });
                Ok(())
            }
            Err(crate::store::StoreError::NotFound) => Ok(()),
            Err(e) => Err((format!("store: {e:?}"), false)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ConversationStatus;

    fn conv(first_due: Option<i64>, first_at: Option<i64>, res_due: Option<i64>, resolved_at: Option<i64>) -> ConversationRow {
        let mut c: ConversationRow = serde_json::from_value(serde_json::json!([
            "cnv_1", "org_1", "web_1", "vis_1", null, null, "open", 1, true, null, 0, 0, 0, null, null, null, null, false, 0, null, null, null, null
        ]))
        .unwrap();
        c.first_response_due_at = first_due;
        c.first_response_at = first_at;
        c.resolution_due_at = res_due;
        if resolved_at.is_some() {
            c.status = ConversationStatus::Resolved;
            c.resolved_at = resolved_at;
        }
        c
    }

    #[test]
    fn status_from_due_times() {
        let min = 60_000;
        assert_eq!(sla_status(&conv(None, None, None, None), 0), None);
        assert_eq!(sla_status(&conv(Some(60 * min), None, None, None), 0), Some(SlaStatus::OnTrack));
        assert_eq!(sla_status(&conv(Some(60 * min), None, None, None), 50 * min), Some(SlaStatus::Near));
        assert_eq!(sla_status(&conv(Some(60 * min), None, None, None), 61 * min), Some(SlaStatus::Breached));
        assert_eq!(sla_status(&conv(Some(60 * min), Some(59 * min), None, None), 500 * min), Some(SlaStatus::Met));
        assert_eq!(sla_status(&conv(Some(60 * min), Some(61 * min), None, None), 62 * min), Some(SlaStatus::Breached), "met late");
        // Answered in time, the resolution still open and near, then resolved late.
        assert_eq!(sla_status(&conv(Some(60 * min), Some(5 * min), Some(120 * min), None), 115 * min), Some(SlaStatus::Near));
        assert_eq!(sla_status(&conv(Some(60 * min), Some(5 * min), Some(120 * min), Some(130 * min)), 131 * min), Some(SlaStatus::Breached));
    }
}
