//! Webhook endpoints, events (kept 30 days) and the delivery log (docs/webhooks.md).
//! Deliveries are jobs keyed `{endpoint id}:{event id}`; endpoint ids have a fixed
//! length, so a backlog is counted per key prefix.

use super::jobs::{insert_jobs, NewJob};
use super::{Found, Store, StoreError, StoreResult};
use crate::time::now_ms;

#[derive(sqlx::FromRow, Debug, Clone)]
pub struct WebhookEndpointRow {
    pub id: String,
    pub org_id: String,
    pub url: String,
    pub description: String,
    /// JSON array of event type names; empty: every event.
    pub event_types: String,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_until: Option<i64>,
    pub rate_limit: Option<i64>,
    pub disabled_at: Option<i64>,
    pub disabled_reason: Option<String>,
    pub failing_since: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl WebhookEndpointRow {
    /// The secrets that sign a delivery at `now`: the current one, and the previous one
    /// during a rotation's overlap.
    pub fn signing_secrets(&self, now: i64) -> Vec<&str> {
        let mut s = vec![self.secret.as_str()];
        if let (Some(prev), Some(until)) = (&self.previous_secret, self.previous_secret_until) {
            if now < until {
                s.push(prev);
            }
        }
        s
    }
}

#[derive(sqlx::FromRow, Debug, Clone)]
pub struct WebhookEventRow {
    pub id: String,
    pub org_id: String,
    pub event_type: String,
    pub payload: String,
    pub created_at: i64,
}

#[derive(sqlx::FromRow, Debug, Clone)]
pub struct WebhookAttemptRow {
    pub id: String,
    pub org_id: String,
    pub endpoint_id: String,
    pub event_id: String,
    pub event_type: String,
    pub attempt: i64,
    pub outcome: String,
    pub status: Option<i64>,
    pub latency_ms: i64,
    pub response: String,
    pub next_attempt_at: Option<i64>,
    pub manual: bool,
    pub created_at: i64,
}

/// An endpoint as written (create: every field; update: `None` keeps the stored value).
#[derive(Default)]
pub struct WebhookEndpointWrite {
    pub url: Option<String>,
    pub description: Option<String>,
    pub event_types: Option<String>,
    /// Some(None) removes the limit.
    pub rate_limit: Option<Option<i64>>,
    /// Some(true) enables (and forgets past failures); Some(false) disables by hand.
    pub enabled: Option<bool>,
}

/// What an attempt does to its endpoint.
pub enum EndpointAfter {
    /// It answered 2xx: no longer failing.
    Healthy,
    /// It failed: failing since now, unless it already was.
    Failing,
    /// Disabled for this reason (410, five days of failures).
    Disable(String),
}

const ENDPOINT_COLS: &str = "id, org_id, url, description, event_types, secret, previous_secret, previous_secret_until, rate_limit, \
                             disabled_at, disabled_reason, failing_since, created_at, updated_at";
const ATTEMPT_COLS: &str = "id, org_id, endpoint_id, event_id, event_type, attempt, outcome, status, latency_ms, response, next_attempt_at, manual, created_at";
/// Inserts one attempt inside an `on_write!` body's transaction.
macro_rules! insert_attempt {
    ($tx:ident, $db:ty, $a:expr) => {
        sqlx::query::<$db>(&format!("insert into webhook_attempts ({ATTEMPT_COLS}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"))
            .bind(&$a.id)
            .bind(&$a.org_id)
            .bind(&$a.endpoint_id)
            .bind(&$a.event_id)
            .bind(&$a.event_type)
            .bind($a.attempt)
            .bind(&$a.outcome)
            .bind($a.status)
            .bind($a.latency_ms)
            .bind(&$a.response)
            .bind($a.next_attempt_at)
            .bind($a.manual)
            .bind($a.created_at)
            .execute(&mut *$tx)
            .await?
    };
}

/// The kind of a delivery job (in `app::webhooks` too).
pub const WEBHOOK_DELIVER: &str = "webhook.deliver";
/// Endpoint ids are `whe_` and a ULID: 30 characters, the key's prefix (the SQL
/// below spells the number out).
pub const ENDPOINT_ID_LEN: usize = 30;

impl Store {
    pub async fn webhook_endpoints(&self, org_id: &str) -> StoreResult<Vec<WebhookEndpointRow>> {
        on_read!(self, |pool, DB| Ok(sqlx::query_as::<DB, WebhookEndpointRow>(&format!(
            "select {ENDPOINT_COLS} from webhook_endpoints where org_id = $1 order by created_at, id"
        ))
        .bind(org_id)
        .fetch_all(pool)
        .await?))
    }

    pub async fn webhook_endpoint(&self, org_id: &str, id: &str) -> StoreResult<WebhookEndpointRow> {
        on_read!(self, |pool, DB| sqlx::query_as::<DB, WebhookEndpointRow>(&format!(
            "select {ENDPOINT_COLS} from webhook_endpoints where id = $1 and org_id = $2"
        ))
        .bind(id)
        .bind(org_id)
        .fetch_optional(pool)
        .await
        .map_err(Into::into)
        .found())
    }

    /// The organization's endpoints (enabled or not); read per node and cached.
    pub async fn webhook_endpoint_count(&self, org_id: &str) -> StoreResult<i64> {
        on_read!(self, |pool, DB| Ok(sqlx::query_scalar::<DB, i64>("select count(*) from webhook_endpoints where org_id = $1")
            .bind(org_id)
            .fetch_one(pool)
            .await?))
    }

    /// Adds an endpoint unless the organization has `max` (then `None`).
    pub async fn create_webhook_endpoint(
        &self,
        org_id: &str,
        id: &str,
        secret: &str,
        w: WebhookEndpointWrite,
        max: i64,
    ) -> StoreResult<Option<WebhookEndpointRow>> {
        let now = now_ms();
        on_write!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            let n: i64 = sqlx::query_scalar::<DB, i64>("select count(*) from webhook_endpoints where org_id = $1").bind(org_id).fetch_one(&mut *tx).await?;
            if n >= max {
                return Ok(None);
            }
            let row = sqlx::query_as::<DB, WebhookEndpointRow>(&format!(
                "insert into webhook_endpoints (id, org_id, url, description, event_types, secret, rate_limit, created_at, updated_at) \
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $8) returning {ENDPOINT_COLS}"
            ))
            .bind(id)
            .bind(org_id)
            .bind(w.url.unwrap_or_default())
            .bind(w.description.unwrap_or_default())
            .bind(w.event_types.unwrap_or_else(|| "[]".into()))
            .bind(secret)
            .bind(w.rate_limit.flatten())
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(Some(row))
        })
    }

    pub async fn update_webhook_endpoint(&self, org_id: &str, id: &str, w: WebhookEndpointWrite) -> StoreResult<WebhookEndpointRow> {
        let now = now_ms();
        on_write!(self, |pool, DB| sqlx::query_as::<DB, WebhookEndpointRow>(&format!(
            "update webhook_endpoints set url = coalesce($1, url), description = coalesce($2, description), \
             event_types = coalesce($3, event_types), rate_limit = case when $4 then $5 else rate_limit end, \
             disabled_at = case when $6 = 1 then null when $6 = 0 then coalesce(disabled_at, $7) else disabled_at end, \
             disabled_reason = case when $6 = 1 then null when $6 = 0 and disabled_at is null then 'disabled by hand' else disabled_reason end, \
             failing_since = case when $6 = 1 then null else failing_since end, updated_at = $7 \
             where id = $8 and org_id = $9 returning {ENDPOINT_COLS}"
        ))
        .bind(w.url)
        .bind(w.description)
        .bind(w.event_types)
        .bind(w.rate_limit.is_some())
        .bind(w.rate_limit.flatten())
        .bind(w.enabled.map_or(-1i64, i64::from))
        .bind(now)
        .bind(id)
        .bind(org_id)
        .fetch_optional(pool)
        .await
        .map_err(Into::into)
        .found())
    }

    /// A new secret; the current one keeps signing until `previous_until`.
    pub async fn rotate_webhook_secret(&self, org_id: &str, id: &str, secret: &str, previous_until: i64) -> StoreResult<WebhookEndpointRow> {
        on_write!(self, |pool, DB| sqlx::query_as::<DB, WebhookEndpointRow>(&format!(
            "update webhook_endpoints set previous_secret = secret, previous_secret_until = $1, secret = $2, updated_at = $3 \
             where id = $4 and org_id = $5 returning {ENDPOINT_COLS}"
        ))
        .bind(previous_until)
        .bind(secret)
        .bind(now_ms())
        .bind(id)
        .bind(org_id)
        .fetch_optional(pool)
        .await
        .map_err(Into::into)
        .found())
    }

    /// Removes an endpoint with its delivery log and pending deliveries.
    pub async fn delete_webhook_endpoint(&self, org_id: &str, id: &str) -> StoreResult<()> {
        let prefix = format!("{id}:");
        on_write!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            let n =
                sqlx::query::<DB>("delete from webhook_endpoints where id = $1 and org_id = $2").bind(id).bind(org_id).execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            sqlx::query::<DB>("delete from webhook_attempts where endpoint_id = $1").bind(id).execute(&mut *tx).await?;
            // The key's prefix: the endpoint's id (of `ENDPOINT_ID_LEN` characters) and ':'.
            sqlx::query::<DB>("delete from jobs where kind = $1 and org_id = $2 and substr(key, 1, 31) = $3 and state <> 'running'")
                .bind(WEBHOOK_DELIVER)
                .bind(org_id)
                .bind(&prefix)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Disables an enabled endpoint; false if it already was (or is gone), so the
    /// owners hear of it once.
    pub async fn disable_webhook_endpoint(&self, id: &str, reason: &str, now: i64) -> StoreResult<bool> {
        let n = on_write!(self, |pool, DB| sqlx::query::<DB>(
            "update webhook_endpoints set disabled_at = $1, disabled_reason = $2, updated_at = $1 where id = $3 and disabled_at is null"
        )
        .bind(now)
        .bind(reason)
        .bind(id)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(n > 0)
    }

    /// Stores an event (once: a repeated run of its job changes nothing) with its
    /// deliveries, in one transaction.
    /// Stores events and their deliveries, many fan-outs in one transaction (two
    /// statements whatever their number: one multi-row insert, one jobs insert).
    pub async fn record_webhook_events(&self, events: &[(WebhookEventRow, Vec<NewJob>)], now: i64) -> StoreResult<()> {
        if events.is_empty() {
            return Ok(());
        }
        let jobs: Vec<NewJob> = events.iter().flat_map(|(_, d)| d.iter().cloned()).collect();
        on_write!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            let mut q = sqlx::QueryBuilder::<DB>::new("insert into webhook_events (id, org_id, event_type, payload, created_at) ");
            q.push_values(events, |mut b, (e, _)| {
                b.push_bind(&e.id).push_bind(&e.org_id).push_bind(&e.event_type).push_bind(&e.payload).push_bind(e.created_at);
            });
            q.push(" on conflict (id) do nothing");
            q.build().execute(&mut *tx).await?;
            insert_jobs!(tx, DB, &jobs, now);
            tx.commit().await?;
            Ok(())
        })
    }

    pub async fn webhook_event(&self, org_id: &str, id: &str) -> StoreResult<WebhookEventRow> {
        on_read!(self, |pool, DB| sqlx::query_as::<DB, WebhookEventRow>(
            "select id, org_id, event_type, payload, created_at from webhook_events where id = $1 and org_id = $2"
        )
        .bind(id)
        .bind(org_id)
        .fetch_optional(pool)
        .await
        .map_err(Into::into)
        .found())
    }

    /// Writes an attempt to the log with what follows it, in one transaction: the next
    /// attempt's job (it replaces the running one, which then completes as nothing),
    /// and the endpoint's health.
    pub async fn record_webhook_attempt(&self, a: &WebhookAttemptRow, next: Option<&NewJob>, after: EndpointAfter) -> StoreResult<()> {
        let now = a.created_at;
        on_write!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            insert_attempt!(tx, DB, a);
            if let Some(job) = next {
                insert_jobs!(tx, DB, std::slice::from_ref(job), now);
            }
            match after {
                EndpointAfter::Healthy => {
                    sqlx::query::<DB>("update webhook_endpoints set failing_since = null where id = $1 and failing_since is not null")
                        .bind(&a.endpoint_id)
                        .execute(&mut *tx)
                        .await?;
                }
                EndpointAfter::Failing => {
                    sqlx::query::<DB>("update webhook_endpoints set failing_since = $1 where id = $2 and failing_since is null")
                        .bind(now)
                        .bind(&a.endpoint_id)
                        .execute(&mut *tx)
                        .await?;
                }
                EndpointAfter::Disable(_) => {}
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// Logs successful attempts in one transaction (a batch of them: one commit for
    /// many deliveries), and clears their endpoints' failures.
    pub async fn record_webhook_successes(&self, rows: &[WebhookAttemptRow]) -> StoreResult<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let mut endpoints: Vec<&str> = rows.iter().map(|a| a.endpoint_id.as_str()).collect();
        endpoints.sort_unstable();
        endpoints.dedup();
        on_write!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            // One statement for the batch (13 binds a row; batches stay far below the
            // dialects' bind limits).
            let mut q = sqlx::QueryBuilder::<DB>::new(format!("insert into webhook_attempts ({ATTEMPT_COLS}) "));
            q.push_values(rows, |mut b, a| {
                b.push_bind(&a.id)
                    .push_bind(&a.org_id)
                    .push_bind(&a.endpoint_id)
                    .push_bind(&a.event_id)
                    .push_bind(&a.event_type)
                    .push_bind(a.attempt)
                    .push_bind(&a.outcome)
                    .push_bind(a.status)
                    .push_bind(a.latency_ms)
                    .push_bind(&a.response)
                    .push_bind(a.next_attempt_at)
                    .push_bind(a.manual)
                    .push_bind(a.created_at);
            });
            q.build().execute(&mut *tx).await?;
            let mut q = sqlx::QueryBuilder::<DB>::new("update webhook_endpoints set failing_since = null where failing_since is not null");
            and_in!(q, "id", endpoints.iter().map(|e| e.to_string()).collect::<Vec<_>>().iter());
            q.build().execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// An endpoint's delivery log, newest first, before `(created_at, id)`.
    pub async fn webhook_attempts(&self, endpoint_id: &str, before: Option<(i64, String)>, limit: i64) -> StoreResult<Vec<WebhookAttemptRow>> {
        let (at, id) = before.unwrap_or((i64::MAX, String::new()));
        on_read!(self, |pool, DB| Ok(sqlx::query_as::<DB, WebhookAttemptRow>(&format!(
            "select {ATTEMPT_COLS} from webhook_attempts where endpoint_id = $1 and (created_at < $2 or (created_at = $2 and id < $3)) \
             order by created_at desc, id desc limit $4"
        ))
        .bind(endpoint_id)
        .bind(at)
        .bind(if id.is_empty() { "\u{10ffff}".to_owned() } else { id })
        .bind(limit)
        .fetch_all(pool)
        .await?))
    }

    pub async fn webhook_attempt(&self, org_id: &str, id: &str) -> StoreResult<WebhookAttemptRow> {
        on_read!(self, |pool, DB| sqlx::query_as::<DB, WebhookAttemptRow>(&format!(
            "select {ATTEMPT_COLS} from webhook_attempts where id = $1 and org_id = $2"
        ))
        .bind(id)
        .bind(org_id)
        .fetch_optional(pool)
        .await
        .map_err(Into::into)
        .found())
    }

    /// Events since `since` that the endpoint has not received (no attempt succeeded)
    /// and will not by itself (no retry scheduled), oldest first: what "recover" sends.
    /// `now`: on the jobs' clock (retries are scheduled on it).
    pub async fn webhook_events_to_recover(&self, org_id: &str, endpoint_id: &str, since: i64, limit: i64, now: i64) -> StoreResult<Vec<WebhookEventRow>> {
        on_read!(self, |pool, DB| Ok(sqlx::query_as::<DB, WebhookEventRow>(
            "select id, org_id, event_type, '' as payload, created_at from webhook_events e where org_id = $1 and created_at >= $2 \
             and not exists (select 1 from webhook_attempts a where a.event_id = e.id and a.endpoint_id = $3 \
             and (a.outcome = 'succeeded' or a.next_attempt_at > $5)) \
             order by created_at, id limit $4"
        )
        .bind(org_id)
        .bind(since)
        .bind(endpoint_id)
        .bind(limit)
        .bind(now)
        .fetch_all(pool)
        .await?))
    }

    /// Deliveries waiting (or running) per endpoint, for the backlog cap.
    pub async fn webhook_backlogs(&self) -> StoreResult<Vec<(String, i64)>> {
        on_read!(self, |pool, DB| Ok(sqlx::query_as::<DB, (String, i64)>(
            "select substr(key, 1, 30), count(*) from jobs where kind = $1 and state <> 'dead' group by substr(key, 1, 30)"
        )
        .bind(WEBHOOK_DELIVER)
        .fetch_all(pool)
        .await?))
    }

    /// Forgets events and attempts older than `before`.
    pub async fn prune_webhooks(&self, before: i64) -> StoreResult<u64> {
        on_write!(self, |pool, DB| {
            let a = sqlx::query::<DB>("delete from webhook_attempts where created_at < $1").bind(before).execute(pool).await?.rows_affected();
            let e = sqlx::query::<DB>("delete from webhook_events where created_at < $1").bind(before).execute(pool).await?.rows_affected();
            Ok(a + e)
        })
    }
}
