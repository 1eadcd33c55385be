//! Triggers (per website) and automations (per organization): ordered lists whose
//! conditions and actions are kept as JSON (`domain::triggers`, `domain::automations`).

use super::{Found, Store, StoreResult};
use crate::ids::new_id;
use crate::time::now_ms;

#[derive(sqlx::FromRow, Debug, Clone)]
pub struct TriggerRow {
    pub id: String,
    pub org_id: String,
    pub website_id: String,
    pub position: i64,
    pub name: String,
    pub enabled: bool,
    /// `[TriggerCondition]` as JSON.
    pub conditions: String,
    pub message: String,
    pub agent_id: Option<String>,
    pub open_panel: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A trigger to write.
pub struct TriggerWrite<'a> {
    pub name: &'a str,
    pub enabled: bool,
    pub conditions: &'a str,
    pub message: &'a str,
    pub agent_id: Option<&'a str>,
    pub open_panel: bool,
}

#[derive(sqlx::FromRow, Debug, Clone)]
pub struct AutomationRow {
    pub id: String,
    pub org_id: String,
    pub position: i64,
    pub name: String,
    pub enabled: bool,
    /// `AutomationEvent::as_str`.
    pub event: String,
    /// `AutomationSpec` as JSON.
    pub spec: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// An automation to write.
pub struct AutomationWrite<'a> {
    pub name: &'a str,
    pub enabled: bool,
    pub event: &'a str,
    pub spec: &'a str,
}

const TRIGGER_COLS: &str = "id, org_id, website_id, position, name, enabled, conditions, message, agent_id, open_panel, created_at, updated_at";
const AUTOMATION_COLS: &str = "id, org_id, position, name, enabled, event, spec, created_at, updated_at";

impl Store {
    /// The organization's triggers, or one website's, in order.
    pub async fn triggers(&self, org_id: &str, website_id: Option<&str>) -> StoreResult<Vec<TriggerRow>> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_as::<DB, TriggerRow>(&format!(
                "select {TRIGGER_COLS} from triggers where org_id = $1 and ($2 is null or website_id = $2) order by website_id, position, created_at"
            ))
            .bind(org_id)
            .bind(website_id)
            .fetch_all(pool)
            .await?)
        })
    }

    pub async fn trigger(&self, org_id: &str, id: &str) -> StoreResult<TriggerRow> {
        on_read!(self, |pool, DB| {
            sqlx::query_as::<DB, TriggerRow>(&format!("select {TRIGGER_COLS} from triggers where id = $1 and org_id = $2"))
                .bind(id)
                .bind(org_id)
                .fetch_optional(pool)
                .await
                .map_err(Into::into)
                .found()
        })
    }

    /// Adds a trigger after the website's others, unless it has `max` (`None` then).
    pub async fn create_trigger(&self, org_id: &str, website_id: &str, t: &TriggerWrite<'_>, max: i64) -> StoreResult<Option<TriggerRow>> {
        let now = now_ms();
        on_write!(self, |pool, DB| {
            // The count and the position are read where the row is written.
            Ok(sqlx::query_as::<DB, TriggerRow>(&format!(
                "insert into triggers ({TRIGGER_COLS}) select $1, $2, $3, coalesce(max(position), 0) + 1, $4, $5, $6, $7, $8, $9, $10, $10 \
                 from triggers where website_id = $3 having count(*) < $11 returning {TRIGGER_COLS}"
            ))
            .bind(new_id("trg"))
            .bind(org_id)
            .bind(website_id)
            .bind(t.name)
            .bind(t.enabled)
            .bind(t.conditions)
            .bind(t.message)
            .bind(t.agent_id)
            .bind(t.open_panel)
            .bind(now)
            .bind(max)
            .fetch_optional(pool)
            .await?)
        })
    }

    pub async fn update_trigger(&self, org_id: &str, id: &str, t: &TriggerWrite<'_>) -> StoreResult<TriggerRow> {
        on_write!(self, |pool, DB| {
            sqlx::query_as::<DB, TriggerRow>(&format!(
                "update triggers set name = $1, enabled = $2, conditions = $3, message = $4, agent_id = $5, open_panel = $6, updated_at = $7 \
                 where id = $8 and org_id = $9 returning {TRIGGER_COLS}"
            ))
            .bind(t.name)
            .bind(t.enabled)
            .bind(t.conditions)
            .bind(t.message)
            .bind(t.agent_id)
            .bind(t.open_panel)
            .bind(now_ms())
            .bind(id)
            .bind(org_id)
            .fetch_optional(pool)
            .await
            .map_err(Into::into)
            .found()
        })
    }

    pub async fn delete_trigger(&self, org_id: &str, id: &str) -> StoreResult<()> {
        let n = on_write!(self, |pool, DB| {
            sqlx::query::<DB>("delete from triggers where id = $1 and org_id = $2").bind(id).bind(org_id).execute(pool).await?.rows_affected()
        });
        if n == 0 {
            return Err(super::StoreError::NotFound);
        }
        Ok(())
    }

    /// Sets the website's trigger order (the caller checked `ids` are exactly its own).
    pub async fn order_triggers(&self, website_id: &str, ids: &[String]) -> StoreResult<()> {
        self.order_rows("triggers", "website_id", website_id, ids).await
    }

    /// Sets the organization's automation order (`ids`: exactly its own).
    pub async fn order_automations(&self, org_id: &str, ids: &[String]) -> StoreResult<()> {
        self.order_rows("automations", "org_id", org_id, ids).await
    }

    /// Whether the website has an enabled trigger (the widget then loads their code).
    pub async fn website_has_triggers(&self, website_id: &str) -> StoreResult<bool> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_scalar::<DB, i64>("select count(*) from triggers where website_id = $1 and enabled").bind(website_id).fetch_one(pool).await? > 0)
        })
    }

    pub async fn automations(&self, org_id: &str) -> StoreResult<Vec<AutomationRow>> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_as::<DB, AutomationRow>(&format!("select {AUTOMATION_COLS} from automations where org_id = $1 order by position, created_at"))
                .bind(org_id)
                .fetch_all(pool)
                .await?)
        })
    }

    /// Adds an automation after the others, unless the organization has `max`.
    pub async fn create_automation(&self, org_id: &str, a: &AutomationWrite<'_>, max: i64) -> StoreResult<Option<AutomationRow>> {
        let now = now_ms();
        on_write!(self, |pool, DB| {
            Ok(sqlx::query_as::<DB, AutomationRow>(&format!(
                "insert into automations ({AUTOMATION_COLS}) select $1, $2, coalesce(max(position), 0) + 1, $3, $4, $5, $6, $7, $7 \
                 from automations where org_id = $2 having count(*) < $8 returning {AUTOMATION_COLS}"
            ))
            .bind(new_id("aut"))
            .bind(org_id)
            .bind(a.name)
            .bind(a.enabled)
            .bind(a.event)
            .bind(a.spec)
            .bind(now)
            .bind(max)
            .fetch_optional(pool)
            .await?)
        })
    }

    pub async fn update_automation(&self, org_id: &str, id: &str, a: &AutomationWrite<'_>) -> StoreResult<AutomationRow> {
        on_write!(self, |pool, DB| {
            sqlx::query_as::<DB, AutomationRow>(&format!(
                "update automations set name = $1, enabled = $2, event = $3, spec = $4, updated_at = $5 where id = $6 and org_id = $7 returning {AUTOMATION_COLS}"
            ))
            .bind(a.name)
            .bind(a.enabled)
            .bind(a.event)
            .bind(a.spec)
            .bind(now_ms())
            .bind(id)
            .bind(org_id)
            .fetch_optional(pool)
            .await
            .map_err(Into::into)
            .found()
        })
    }

    pub async fn delete_automation(&self, org_id: &str, id: &str) -> StoreResult<()> {
        let n = on_write!(self, |pool, DB| {
            sqlx::query::<DB>("delete from automations where id = $1 and org_id = $2").bind(id).bind(org_id).execute(pool).await?.rows_affected()
        });
        if n == 0 {
            return Err(super::StoreError::NotFound);
        }
        Ok(())
    }

    /// Claims one more automation message in the conversation, unless it has `max`
    /// already: one statement, so concurrent automation runs (on any node) cannot pass
    /// the cap together.
    pub async fn claim_automation_message(&self, conversation_id: &str, max: i64) -> StoreResult<bool> {
        let n = on_write!(self, |pool, DB| {
            sqlx::query::<DB>("update conversations set automation_messages = automation_messages + 1 where id = $1 and automation_messages < $2")
                .bind(conversation_id)
                .bind(max)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n == 1)
    }
}

impl Store {
    /// The website's last `limit` page views (a trigger's dry run).
    pub async fn recent_page_views(&self, org_id: &str, website_id: &str, limit: i64) -> StoreResult<Vec<super::PageViewRow>> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_as::<DB, super::PageViewRow>(
                "select p.id, p.url, p.title, p.referrer, p.created_at from page_views p join visitors v on v.id = p.visitor_id \
                 where p.org_id = $1 and v.website_id = $2 order by p.created_at desc limit $3",
            )
            .bind(org_id)
            .bind(website_id)
            .bind(limit)
            .fetch_all(pool)
            .await?)
        })
    }

    /// The organization's last `limit` conversations that reached the team (dry runs).
    pub async fn recent_conversations(&self, org_id: &str, limit: i64) -> StoreResult<Vec<super::ConversationRow>> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_as::<DB, super::ConversationRow>(concat!(
                "select ",
                super::rows::conversation_cols!(),
                " from conversations where org_id = $1 and queued order by created_at desc, id desc limit $2"
            ))
            .bind(org_id)
            .bind(limit)
            .fetch_all(pool)
            .await?)
        })
    }

    /// The id of the conversation's first public visitor message.
    pub async fn first_visitor_message_id(&self, conversation_id: &str) -> StoreResult<Option<String>> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_scalar::<DB, String>(
                "select id from messages where conversation_id = $1 and sender_kind = 'visitor' and not is_private order by seq limit 1",
            )
            .bind(conversation_id)
            .fetch_optional(pool)
            .await?)
        })
    }

    /// (conversation id, body) of these conversations' visitor messages, at most `limit`.
    pub async fn visitor_bodies_of(&self, conversation_ids: &[String], limit: i64) -> StoreResult<Vec<(String, String)>> {
        let ids = serde_json::to_string(conversation_ids).expect("ids serialize");
        Ok(match self {
            Store::Sqlite { read, .. } => {
                sqlx::query_as::<_, (String, String)>(
                    "select conversation_id, body from messages where conversation_id in (select value from json_each($1)) and sender_kind = 'visitor' limit $2",
                )
                .bind(ids)
                .bind(limit)
                .fetch_all(read)
                .await?
            }
            Store::Postgres(pool) => {
                sqlx::query_as::<_, (String, String)>(
                    "select conversation_id, body from messages where conversation_id in (select json_array_elements_text($1::json)) and sender_kind = 'visitor' limit $2",
                )
                .bind(ids)
                .bind(limit)
                .fetch_all(pool)
                .await?
            }
        })
    }
}

/// An agent's message to a live visitor, waiting for their reply.
#[derive(sqlx::FromRow, Debug, Clone)]
pub struct ProactiveRow {
    pub id: String,
    pub org_id: String,
    pub website_id: String,
    pub presence_id: String,
    pub agent_id: String,
    pub body: String,
    pub created_at: i64,
    pub expires_at: i64,
}

const PROACTIVE_COLS: &str = "id, org_id, website_id, presence_id, agent_id, body, created_at, expires_at";

impl Store {
    #[allow(clippy::too_many_arguments)]
    pub async fn create_proactive_message(
        &self,
        org_id: &str,
        website_id: &str,
        presence_id: &str,
        agent_id: &str,
        body: &str,
        now: i64,
        expires_at: i64,
    ) -> StoreResult<String> {
        let id = new_id("pro");
        on_write!(self, |pool, DB| {
            // Expired ones go on the way.
            sqlx::query::<DB>("delete from proactive_messages where website_id = $1 and expires_at < $2").bind(website_id).bind(now).execute(pool).await?;
            sqlx::query::<DB>(&format!("insert into proactive_messages ({PROACTIVE_COLS}) values ($1, $2, $3, $4, $5, $6, $7, $8)"))
                .bind(&id)
                .bind(org_id)
                .bind(website_id)
                .bind(presence_id)
                .bind(agent_id)
                .bind(body)
                .bind(now)
                .bind(expires_at)
                .execute(pool)
                .await?;
        });
        Ok(id)
    }

    /// What waits for a live visitor (at most 10, oldest first).
    pub async fn proactive_messages_for(&self, website_id: &str, presence_id: &str, now: i64) -> StoreResult<Vec<ProactiveRow>> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_as::<DB, ProactiveRow>(&format!(
                "select {PROACTIVE_COLS} from proactive_messages where website_id = $1 and presence_id = $2 and expires_at > $3 order by created_at, id limit 10"
            ))
            .bind(website_id)
            .bind(presence_id)
            .bind(now)
            .fetch_all(pool)
            .await?)
        })
    }

    pub async fn proactive_message(&self, org_id: &str, id: &str) -> StoreResult<Option<ProactiveRow>> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_as::<DB, ProactiveRow>(&format!("select {PROACTIVE_COLS} from proactive_messages where id = $1 and org_id = $2"))
                .bind(id)
                .bind(org_id)
                .fetch_optional(pool)
                .await?)
        })
    }

    /// Takes the message (it is in a conversation now): `false` when another reply took it.
    pub async fn take_proactive_message(&self, id: &str) -> StoreResult<bool> {
        let n = on_write!(self, |pool, DB| sqlx::query::<DB>("delete from proactive_messages where id = $1").bind(id).execute(pool).await?.rows_affected());
        Ok(n == 1)
    }
}
