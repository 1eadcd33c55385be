//! SLA policies (targets per department and/or priority) and conversations' due times.

use super::rows::conversation_cols;
use super::{ConversationRow, Found, NewJob, Store, StoreResult};
use crate::ids::new_id;
use crate::time::now_ms;

#[derive(sqlx::FromRow, Debug, Clone)]
pub struct SlaPolicyRow {
    pub id: String,
    pub org_id: String,
    pub name: String,
    /// None: every department (and none).
    pub department_id: Option<String>,
    /// 0 normal, 1 high, 2 urgent; none: every priority.
    pub priority: Option<i64>,
    pub first_response_seconds: Option<i64>,
    /// From the visitor's first message after the team's last public reply.
    pub next_response_seconds: Option<i64>,
    pub resolution_seconds: Option<i64>,
    /// Counted in the website's business hours (else around the clock).
    pub business_hours: bool,
    pub created_at: i64,
}

impl SlaPolicyRow {
    /// Whether it covers a conversation of this department and priority, and how
    /// specifically (a department counts more than a priority); `None` if it does not.
    pub fn specificity(&self, department_id: Option<&str>, priority: i64) -> Option<u8> {
        let dep = match &self.department_id {
            Some(d) if Some(d.as_str()) == department_id => 2,
            Some(_) => return None,
            None => 0,
        };
        let pri = match self.priority {
            Some(p) if p == priority => 1,
            Some(_) => return None,
            None => 0,
        };
        Some(dep + pri)
    }
}

/// A policy to write.
pub struct SlaWrite<'a> {
    pub name: &'a str,
    pub department_id: Option<&'a str>,
    pub priority: Option<i64>,
    pub first_response_seconds: Option<i64>,
    pub next_response_seconds: Option<i64>,
    pub resolution_seconds: Option<i64>,
    pub business_hours: bool,
}

/// A conversation's targets under its policy (all none: no policy fits it now).
pub struct SlaDue<'a> {
    pub policy_id: Option<&'a str>,
    pub first_response_due_at: Option<i64>,
    pub resolution_due_at: Option<i64>,
    pub next_response_seconds: Option<i64>,
}

const SLA_COLS: &str =
    "id, org_id, name, department_id, priority, first_response_seconds, resolution_seconds, business_hours, created_at, next_response_seconds";

impl Store {
    pub async fn sla_policies(&self, org_id: &str) -> StoreResult<Vec<SlaPolicyRow>> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_as::<DB, SlaPolicyRow>(&format!("select {SLA_COLS} from sla_policies where org_id = $1 order by created_at, id"))
                .bind(org_id)
                .fetch_all(pool)
                .await?)
        })
    }

    /// Adds a policy unless the organization has `max` already (`None` then).
    pub async fn create_sla_policy(&self, org_id: &str, w: &SlaWrite<'_>, max: i64) -> StoreResult<Option<SlaPolicyRow>> {
        on_write!(self, |pool, DB| {
            Ok(sqlx::query_as::<DB, SlaPolicyRow>(&format!(
                "insert into sla_policies ({SLA_COLS}) select $1, $2, $3, $4, $5, $6, $7, $8, $9, $11 \
                 where (select count(*) from sla_policies where org_id = $2) < $10 returning {SLA_COLS}"
            ))
            .bind(new_id("sla"))
            .bind(org_id)
            .bind(w.name)
            .bind(w.department_id)
            .bind(w.priority)
            .bind(w.first_response_seconds)
            .bind(w.resolution_seconds)
            .bind(w.business_hours)
            .bind(now_ms())
            .bind(max)
            .bind(w.next_response_seconds)
            .fetch_optional(pool)
            .await?)
        })
    }

    pub async fn update_sla_policy(&self, org_id: &str, id: &str, w: &SlaWrite<'_>) -> StoreResult<SlaPolicyRow> {
        on_write!(self, |pool, DB| {
            sqlx::query_as::<DB, SlaPolicyRow>(&format!(
                "update sla_policies set name = $1, department_id = $2, priority = $3, first_response_seconds = $4, resolution_seconds = $5, \
                 business_hours = $6, next_response_seconds = $9 where id = $7 and org_id = $8 returning {SLA_COLS}"
            ))
            .bind(w.name)
            .bind(w.department_id)
            .bind(w.priority)
            .bind(w.first_response_seconds)
            .bind(w.resolution_seconds)
            .bind(w.business_hours)
            .bind(id)
            .bind(org_id)
            .bind(w.next_response_seconds)
            .fetch_optional(pool)
            .await
            .map_err(Into::into)
            .found()
        })
    }

    pub async fn sla_policy(&self, org_id: &str, id: &str) -> StoreResult<SlaPolicyRow> {
        on_read!(self, |pool, DB| {
            sqlx::query_as::<DB, SlaPolicyRow>(&format!("select {SLA_COLS} from sla_policies where id = $1 and org_id = $2"))
                .bind(id)
                .bind(org_id)
                .fetch_optional(pool)
                .await
                .map_err(Into::into)
                .found()
        })
    }

    /// The policy the conversation's due times came from, if any.
    pub async fn conversation_sla_policy(&self, conversation_id: &str) -> StoreResult<Option<String>> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_scalar::<DB, Option<String>>("select sla_policy_id from conversations where id = $1")
                .bind(conversation_id)
                .fetch_optional(pool)
                .await?
                .flatten())
        })
    }

    /// Writes when the reply to the visitor's wait since `awaiting_since` is due, with its
    /// checks, if the visitor still waits since then. `None` otherwise.
    pub async fn set_next_response_due(&self, id: &str, awaiting_since: i64, due_at: i64, jobs: &[super::NewJob]) -> StoreResult<Option<ConversationRow>> {
        let now = now_ms();
        on_write!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            let row = sqlx::query_as::<DB, ConversationRow>(concat!(
                "update conversations set next_response_due_at = $1, updated_at = $2 where id = $3 and awaiting_since = $4 returning ",
                conversation_cols!()
            ))
            .bind(due_at)
            .bind(now)
            .bind(id)
            .bind(awaiting_since)
            .fetch_optional(&mut *tx)
            .await?;
            if row.is_some() {
                super::jobs::insert_jobs!(tx, DB, jobs, now);
            }
            tx.commit().await?;
            Ok(row)
        })
    }

    pub async fn delete_sla_policy(&self, org_id: &str, id: &str) -> StoreResult<()> {
        on_write!(self, |pool, DB| {
            let n = sqlx::query::<DB>("delete from sla_policies where id = $1 and org_id = $2").bind(id).bind(org_id).execute(pool).await?.rows_affected();
            if n == 0 {
                return Err(super::StoreError::NotFound);
            }
            Ok(())
        })
    }

    /// When the conversation's SLA clock started, if it did.
    pub async fn sla_started_at(&self, id: &str) -> StoreResult<Option<i64>> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_scalar::<DB, Option<i64>>("select sla_started_at from conversations where id = $1").bind(id).fetch_optional(pool).await?.flatten())
        })
    }

    /// Writes the conversation's due times (targets already met keep theirs: a first
    /// response that came is not due again), with the jobs that check them. `None` when
    /// the conversation is gone.
    pub async fn set_sla_due(&self, id: &str, started_at: i64, due: &SlaDue<'_>, jobs: &[super::NewJob]) -> StoreResult<Option<ConversationRow>> {
        let now = now_ms();
        on_write!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            let row = sqlx::query_as::<DB, ConversationRow>(concat!(
                "update conversations set sla_policy_id = $1, sla_started_at = coalesce(sla_started_at, $6), next_response_seconds = $7, \
                 first_response_due_at = case when first_response_at is null then $2 else first_response_due_at end, \
                 resolution_due_at = case when resolved_at is null then $3 else resolution_due_at end, updated_at = $4 where id = $5 returning ",
                conversation_cols!()
            ))
            .bind(due.policy_id)
            .bind(due.first_response_due_at)
            .bind(due.resolution_due_at)
            .bind(now)
            .bind(id)
            .bind(started_at)
            .bind(due.next_response_seconds)
            .fetch_optional(&mut *tx)
            .await?;
            if row.is_some() {
                super::jobs::insert_jobs!(tx, DB, jobs, now);
            }
            tx.commit().await?;
            Ok(row)
        })
    }
}

/// A missed SLA target, as recorded.
#[derive(sqlx::FromRow, Debug, Clone)]
pub struct SlaBreachRow {
    /// `first_response`, `next_response` or `resolution`.
    pub target: String,
    pub due_at: i64,
    pub recorded_at: i64,
}

impl Store {
    /// Records that `target` of the conversation was still open at `due_at` (once; the
    /// first record commits `event` with it).
    pub async fn record_sla_breach(&self, org_id: &str, conversation_id: &str, target: &str, due_at: i64, event: Option<&NewJob>) -> StoreResult<()> {
        on_write!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            let n = sqlx::query::<DB>(
                "insert into sla_breaches (id, org_id, conversation_id, target, due_at, recorded_at) values ($1, $2, $3, $4, $5, $6) \
                 on conflict (conversation_id, target, due_at) do nothing",
            )
            .bind(crate::ids::new_id("slb"))
            .bind(org_id)
            .bind(conversation_id)
            .bind(target)
            .bind(due_at)
            .bind(crate::time::now_ms())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if let (1, Some(job)) = (n, event) {
                super::jobs::insert_jobs!(tx, DB, std::slice::from_ref(job), crate::time::now_ms());
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// The conversation's missed targets, oldest first.
    pub async fn sla_breaches(&self, conversation_id: &str) -> StoreResult<Vec<SlaBreachRow>> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_as::<DB, SlaBreachRow>("select target, due_at, recorded_at from sla_breaches where conversation_id = $1 order by due_at, target")
                .bind(conversation_id)
                .fetch_all(pool)
                .await?)
        })
    }
}
