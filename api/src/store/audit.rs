//! The audit log: who changed what in an organization.

use super::{Store, StoreResult};
use crate::ids::new_id;
use crate::time::now_ms;

impl Store {
    pub async fn audit(&self, org_id: &str, actor_kind: &str, actor_id: &str, action: &str, target_id: Option<&str>) -> StoreResult<()> {
        on_write!(self, |pool, DB| {
            sqlx::query::<DB>("insert into audit_log (id, org_id, actor_kind, actor_id, action, target_id, created_at) values ($1, $2, $3, $4, $5, $6, $7)")
                .bind(new_id("aud"))
                .bind(org_id)
                .bind(actor_kind)
                .bind(actor_id)
                .bind(action)
                .bind(target_id)
                .bind(now_ms())
                .execute(pool)
                .await?;
        });
        Ok(())
    }
}
