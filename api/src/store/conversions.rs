//! Conversions (docs/analytics.md#conversions): goal events recorded with their
//! attribution, decided in the insert itself: the visitor's latest conversation started
//! within the website's window before the event, with that conversation's agent and
//! department at that moment.

use super::jobs::insert_jobs;
use super::{NewJob, Store, StoreResult};
use crate::ids::new_id;
use crate::time::now_ms;

/// A conversion to record; the website's window and whether it is verified (from the
/// site's server) are decided by the caller.
#[derive(Debug, Clone)]
pub struct NewConversion {
    pub org_id: String,
    pub website_id: String,
    pub visitor_id: String,
    pub name: String,
    pub value_minor: Option<i64>,
    pub currency: Option<String>,
    pub verified: bool,
    /// A JSON object.
    pub properties: String,
    pub idempotency_key: Option<String>,
    pub occurred_at: i64,
    pub window_ms: i64,
}

#[derive(sqlx::FromRow, Debug, Clone)]
pub struct ConversionRow {
    pub id: String,
    pub org_id: String,
    pub website_id: String,
    pub visitor_id: String,
    pub name: String,
    pub value_minor: Option<i64>,
    pub currency: Option<String>,
    pub verified: bool,
    pub properties: String,
    pub conversation_id: Option<String>,
    pub agent_id: Option<String>,
    pub department_id: Option<String>,
    pub occurred_at: i64,
    pub created_at: i64,
}

/// The jobs a conversion commits with it (its webhook event); `None` for none.
pub type ConversionJobs<'a> = Option<&'a (dyn Fn(&ConversionRow) -> Vec<NewJob> + Send + Sync)>;

const COLUMNS: &str =
    "id, org_id, website_id, visitor_id, name, value_minor, currency, verified, properties, conversation_id, agent_id, department_id, occurred_at, created_at";

impl Store {
    /// Records the conversions, each with the jobs `jobs` makes of it (its webhook event),
    /// in one transaction. A conversion whose idempotency key the website already used is
    /// not recorded again: the earlier one is returned, with `false`.
    pub async fn record_conversions(&self, conversions: &[NewConversion], jobs: ConversionJobs<'_>) -> StoreResult<Vec<(ConversionRow, bool)>> {
        let now = now_ms();
        on_group!(self, atomic, |pool, DB| {
            let mut tx = sqlx::Acquire::begin(pool).await?;
            let mut out = Vec::with_capacity(conversions.len());
            let mut made = Vec::new();
            for c in conversions {
                let inserted = sqlx::query_as::<DB, ConversionRow>(&format!(
                    "insert into conversions (id, org_id, website_id, visitor_id, name, value_minor, currency, verified, properties, \
                     conversation_id, agent_id, department_id, idempotency_key, occurred_at, created_at) \
                     select $1, $2, $3, $4, $5, $6, $7, $8, $9, c.id, c.assignee_id, c.department_id, $10, $11, $12 \
                     from (select 1 as one) o left join (select id, assignee_id, department_id from conversations \
                     where visitor_id = $4 and org_id = $2 and created_at <= $11 and created_at >= $13 order by created_at desc, id desc limit 1) c on true \
                     on conflict (website_id, idempotency_key) where idempotency_key is not null do nothing returning {COLUMNS}"
                ))
                .bind(new_id("cvn"))
                .bind(&c.org_id)
                .bind(&c.website_id)
                .bind(&c.visitor_id)
                .bind(&c.name)
                .bind(c.value_minor)
                .bind(&c.currency)
                .bind(c.verified)
                .bind(&c.properties)
                .bind(&c.idempotency_key)
                .bind(c.occurred_at)
                .bind(now)
                .bind(c.occurred_at - c.window_ms)
                .fetch_optional(&mut *tx)
                .await?;
                match inserted {
                    Some(row) => {
                        if let Some(make) = jobs {
                            made.extend(make(&row));
                        }
                        out.push((row, true));
                    }
                    None => {
                        let earlier =
                            sqlx::query_as::<DB, ConversionRow>(&format!("select {COLUMNS} from conversions where website_id = $1 and idempotency_key = $2"))
                                .bind(&c.website_id)
                                .bind(&c.idempotency_key)
                                .fetch_one(&mut *tx)
                                .await?;
                        out.push((earlier, false));
                    }
                }
            }
            insert_jobs!(tx, DB, &made, now);
            tx.commit().await?;
            Ok(out)
        })
    }

    /// A visitor's conversions, newest first (for their data export and agents).
    pub async fn visitor_conversions(&self, org_id: &str, visitor_id: &str, limit: i64) -> StoreResult<Vec<ConversionRow>> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_as::<DB, ConversionRow>(&format!(
                "select {COLUMNS} from conversions where org_id = $1 and visitor_id = $2 order by occurred_at desc, id desc limit $3"
            ))
            .bind(org_id)
            .bind(visitor_id)
            .bind(limit)
            .fetch_all(pool)
            .await?)
        })
    }
}
