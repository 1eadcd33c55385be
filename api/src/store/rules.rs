//! Routing rules (conditions and actions kept as JSON, in the organization's order) and
//! conversation tags.

use super::rows::conversation_cols;
use super::{ConversationRow, Found, Store, StoreResult};
use crate::ids::new_id;
use crate::time::now_ms;

#[derive(sqlx::FromRow, Debug, Clone)]
pub struct RuleRow {
    pub id: String,
    pub org_id: String,
    pub position: i64,
    pub name: String,
    pub enabled: bool,
    /// `[RuleCondition]` as JSON.
    pub conditions: String,
    /// `RuleActions` as JSON.
    pub actions: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A rule to write: name, enabled, conditions and actions as JSON.
pub struct RuleWrite<'a> {
    pub name: &'a str,
    pub enabled: bool,
    pub conditions: &'a str,
    pub actions: &'a str,
}

const RULE_COLS: &str = "id, org_id, position, name, enabled, conditions, actions, created_at, updated_at";

impl Store {
    pub async fn routing_rules(&self, org_id: &str) -> StoreResult<Vec<RuleRow>> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_as::<DB, RuleRow>(&format!("select {RULE_COLS} from routing_rules where org_id = $1 order by position, created_at"))
                .bind(org_id)
                .fetch_all(pool)
                .await?)
        })
    }

    /// Adds a rule at the end, unless the organization has `max` already (`None` then).
    pub async fn create_routing_rule(&self, org_id: &str, r: &RuleWrite<'_>, max: i64) -> StoreResult<Option<RuleRow>> {
        let now = now_ms();
        on_write!(self, |pool, DB| {
            // One statement: the count and the position are read where the row is
            // written, so two concurrent creates cannot pass the cap together.
            Ok(sqlx::query_as::<DB, RuleRow>(&format!(
                "insert into routing_rules ({RULE_COLS}) select $1, $2, coalesce(max(position), 0) + 1, $3, $4, $5, $6, $7, $7 \
                 from routing_rules where org_id = $2 having count(*) < $8 returning {RULE_COLS}"
            ))
            .bind(new_id("rul"))
            .bind(org_id)
            .bind(r.name)
            .bind(r.enabled)
            .bind(r.conditions)
            .bind(r.actions)
            .bind(now)
            .bind(max)
            .fetch_optional(pool)
            .await?)
        })
    }

    pub async fn update_routing_rule(&self, org_id: &str, id: &str, r: &RuleWrite<'_>) -> StoreResult<RuleRow> {
        on_write!(self, |pool, DB| {
            sqlx::query_as::<DB, RuleRow>(&format!(
                "update routing_rules set name = $1, enabled = $2, conditions = $3, actions = $4, updated_at = $5 where id = $6 and org_id = $7 returning {RULE_COLS}"
            ))
            .bind(r.name)
            .bind(r.enabled)
            .bind(r.conditions)
            .bind(r.actions)
            .bind(now_ms())
            .bind(id)
            .bind(org_id)
            .fetch_optional(pool)
            .await
            .map_err(Into::into)
            .found()
        })
    }

    pub async fn delete_routing_rule(&self, org_id: &str, id: &str) -> StoreResult<()> {
        let n = on_write!(self, |pool, DB| {
            sqlx::query::<DB>("delete from routing_rules where id = $1 and org_id = $2").bind(id).bind(org_id).execute(pool).await?.rows_affected()
        });
        if n == 0 {
            return Err(super::StoreError::NotFound);
        }
        Ok(())
    }

    /// Sets the order: `ids` are the organization's rules, first to last (the caller
    /// checked that they are exactly its rules).
    pub async fn order_routing_rules(&self, org_id: &str, ids: &[String]) -> StoreResult<()> {
        self.order_rows("routing_rules", "org_id", org_id, ids).await
    }

    /// Numbers `position` 1.. in the order of `ids` for the rows of `table` whose
    /// `scope` column is `value` (tables and columns are this module's constants).
    pub(super) async fn order_rows(&self, table: &'static str, scope: &'static str, value: &str, ids: &[String]) -> StoreResult<()> {
        let order = serde_json::to_string(ids).expect("ids serialize");
        match self {
            Store::Sqlite { write, .. } => {
                sqlx::query(&format!("update {table} set position = (select key + 1 from json_each($1) where value = {table}.id) where {scope} = $2"))
                    .bind(order)
                    .bind(value)
                    .execute(write)
                    .await?;
            }
            Store::Postgres(pool) => {
                sqlx::query(&format!(
                    "update {table} r set position = o.n from json_array_elements_text($1::json) with ordinality as o(id, n) where r.id = o.id and r.{scope} = $2"
                ))
                .bind(order)
                .bind(value)
                .execute(pool)
                .await?;
            }
        }
        Ok(())
    }

    /// Applies a rule's (or an automation's) outcome: department (if any), priority (if
    /// any), why (if given), and its tags.
    pub async fn route_by_rule(
        &self,
        org_id: &str,
        conversation_id: &str,
        department_id: Option<&str>,
        priority: Option<i64>,
        routed_by: Option<&str>,
        tags: &[String],
    ) -> StoreResult<ConversationRow> {
        let now = now_ms();
        on_write!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            let row = sqlx::query_as::<DB, ConversationRow>(concat!(
                "update conversations set department_id = coalesce($1, department_id), priority = coalesce($2, priority), routed_by = coalesce($3, routed_by), updated_at = $4 \
                 where id = $5 and org_id = $6 returning ",
                conversation_cols!()
            ))
            .bind(department_id)
            .bind(priority)
            .bind(routed_by)
            .bind(now)
            .bind(conversation_id)
            .bind(org_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(Into::into)
            .found()?;
            for t in tags {
                sqlx::query::<DB>("insert into conversation_tags (conversation_id, org_id, tag, created_at) values ($1, $2, $3, $4) on conflict do nothing")
                    .bind(conversation_id)
                    .bind(org_id)
                    .bind(t)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(row)
        })
    }

    pub async fn conversation_tags(&self, conversation_id: &str) -> StoreResult<Vec<String>> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_scalar::<DB, String>("select tag from conversation_tags where conversation_id = $1 order by tag")
                .bind(conversation_id)
                .fetch_all(pool)
                .await?)
        })
    }

    /// Replaces the conversation's tags.
    pub async fn set_conversation_tags(&self, org_id: &str, conversation_id: &str, tags: &[String]) -> StoreResult<()> {
        let now = now_ms();
        on_write!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            sqlx::query::<DB>("delete from conversation_tags where conversation_id = $1 and org_id = $2")
                .bind(conversation_id)
                .bind(org_id)
                .execute(&mut *tx)
                .await?;
            for t in tags {
                sqlx::query::<DB>("insert into conversation_tags (conversation_id, org_id, tag, created_at) values ($1, $2, $3, $4)")
                    .bind(conversation_id)
                    .bind(org_id)
                    .bind(t)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query::<DB>("update conversations set updated_at = $1 where id = $2").bind(now).bind(conversation_id).execute(&mut *tx).await?;
            tx.commit().await?;
        });
        Ok(())
    }
}
