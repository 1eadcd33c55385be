//! The audit log: who changed what in an organization, when and from where.

use super::{Store, StoreResult};
use crate::ids::new_id;
use crate::time::now_ms;

#[derive(sqlx::FromRow, Debug, Clone)]
pub struct AuditRow {
    pub id: String,
    pub org_id: String,
    /// `agent`, `api_key` or `visitor`.
    pub actor_kind: String,
    pub actor_id: String,
    /// `agent.invite`, `api_key.revoke`, `visitor.block`, ...
    pub action: String,
    pub target_id: Option<String>,
    pub ip: Option<String>,
    pub created_at: i64,
}

/// Which entries to read.
#[derive(Default, Debug, Clone)]
pub struct AuditFilter {
    pub action: Option<String>,
    pub actor_id: Option<String>,
    /// Unix ms, inclusive.
    pub since: Option<i64>,
    /// Unix ms, exclusive.
    pub until: Option<i64>,
}

impl Store {
    pub async fn audit(&self, org_id: &str, actor_kind: &str, actor_id: &str, action: &str, target_id: Option<&str>, ip: Option<&str>) -> StoreResult<()> {
        on_write!(self, |pool, DB| {
            sqlx::query::<DB>(
                "insert into audit_log (id, org_id, actor_kind, actor_id, action, target_id, ip, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(new_id("aud"))
            .bind(org_id)
            .bind(actor_kind)
            .bind(actor_id)
            .bind(action)
            .bind(target_id)
            .bind(ip)
            .bind(now_ms())
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The organization's entries, newest first; `before` is the previous page's last
    /// `(created_at, id)`.
    pub async fn audit_page(&self, org_id: &str, f: &AuditFilter, before: Option<(i64, &str)>, limit: i64) -> StoreResult<Vec<AuditRow>> {
        let (t, id) = before.unwrap_or((i64::MAX, ""));
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_as::<DB, AuditRow>(
                "select id, org_id, actor_kind, actor_id, action, target_id, ip, created_at from audit_log \
                 where org_id = $1 and ($2 is null or action = $2) and ($3 is null or actor_id = $3) \
                 and created_at >= $4 and created_at < $5 \
                 and (created_at < $6 or (created_at = $6 and id < $7)) order by created_at desc, id desc limit $8",
            )
            .bind(org_id)
            .bind(f.action.as_deref())
            .bind(f.actor_id.as_deref())
            .bind(f.since.unwrap_or(0))
            .bind(f.until.unwrap_or(i64::MAX))
            .bind(t)
            .bind(id)
            .bind(limit)
            .fetch_all(pool)
            .await?)
        })
    }
}
