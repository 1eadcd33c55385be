//! Web Push subscriptions and the secrets the server makes once (its VAPID key).

use super::{Store, StoreResult};
use crate::ids::new_id;
use crate::time::now_ms;

#[derive(sqlx::FromRow, Debug, Clone)]
pub struct PushSubscriptionRow {
    pub id: String,
    pub org_id: String,
    pub agent_id: String,
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
    pub created_at: i64,
}

const COLS: &str = "id, org_id, agent_id, endpoint, p256dh, auth, created_at";

impl Store {
    /// The secret named `name`: the one stored, or `make()`'s, stored now (the first node
    /// to store it wins; every node then reads the same).
    pub async fn server_secret(&self, name: &str, make: impl FnOnce() -> String) -> StoreResult<String> {
        let candidate = make();
        on_write!(self, |pool, DB| {
            sqlx::query::<DB>("insert into server_secrets (name, value, created_at) values ($1, $2, $3) on conflict (name) do nothing")
                .bind(name)
                .bind(&candidate)
                .bind(now_ms())
                .execute(pool)
                .await?;
        });
        on_write!(self, |pool, DB| {
            Ok(sqlx::query_scalar::<DB, String>("select value from server_secrets where name = $1").bind(name).fetch_one(pool).await?)
        })
    }

    /// Adds (or moves to this agent, with new keys) a subscription; the agent keeps their
    /// `max` newest.
    pub async fn save_push_subscription(&self, org_id: &str, agent_id: &str, endpoint: &str, p256dh: &str, auth: &str, max: i64) -> StoreResult<()> {
        let now = now_ms();
        on_write!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            sqlx::query::<DB>(&format!(
                "insert into push_subscriptions ({COLS}) values ($1, $2, $3, $4, $5, $6, $7) \
                 on conflict (endpoint) do update set org_id = $2, agent_id = $3, p256dh = $5, auth = $6, created_at = $7"
            ))
            .bind(new_id("psh"))
            .bind(org_id)
            .bind(agent_id)
            .bind(endpoint)
            .bind(p256dh)
            .bind(auth)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query::<DB>(
                "delete from push_subscriptions where agent_id = $1 and id not in \
                 (select id from push_subscriptions where agent_id = $1 order by created_at desc, id desc limit $2)",
            )
            .bind(agent_id)
            .bind(max)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Removes the agent's subscription at `endpoint` (`false`: they had none there).
    pub async fn delete_push_subscription(&self, agent_id: &str, endpoint: &str) -> StoreResult<bool> {
        let n = on_write!(self, |pool, DB| sqlx::query::<DB>("delete from push_subscriptions where agent_id = $1 and endpoint = $2")
            .bind(agent_id)
            .bind(endpoint)
            .execute(pool)
            .await?
            .rows_affected());
        Ok(n > 0)
    }

    /// A subscription the push service says is gone (404, 410).
    pub async fn drop_push_subscription(&self, id: &str) -> StoreResult<()> {
        on_write!(self, |pool, DB| {
            sqlx::query::<DB>("delete from push_subscriptions where id = $1").bind(id).execute(pool).await?;
        });
        Ok(())
    }

    pub async fn push_subscription(&self, id: &str) -> StoreResult<Option<PushSubscriptionRow>> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_as::<DB, PushSubscriptionRow>(&format!("select {COLS} from push_subscriptions where id = $1")).bind(id).fetch_optional(pool).await?)
        })
    }

    /// The subscriptions of these agents.
    pub async fn push_subscriptions_of(&self, agent_ids: &[String]) -> StoreResult<Vec<PushSubscriptionRow>> {
        let ids = serde_json::to_string(agent_ids).expect("ids serialize");
        Ok(match self {
            Store::Sqlite { read, .. } => {
                sqlx::query_as::<_, PushSubscriptionRow>(&format!("select {COLS} from push_subscriptions where agent_id in (select value from json_each($1))"))
                    .bind(ids)
                    .fetch_all(read)
                    .await?
            }
            Store::Postgres(pool) => {
                sqlx::query_as::<_, PushSubscriptionRow>(&format!(
                    "select {COLS} from push_subscriptions where agent_id in (select json_array_elements_text($1::json))"
                ))
                .bind(ids)
                .fetch_all(pool)
                .await?
            }
        })
    }
}
