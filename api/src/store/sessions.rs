//! Refresh tokens: rotated on use, revoked by family.

use super::{Found, RefreshRow, Store, StoreResult};
use crate::time::now_ms;

impl Store {
    pub async fn insert_refresh(&self, id: &str, agent_id: &str, family_id: &str, ttl_ms: i64) -> StoreResult<()> {
        let now = now_ms();
        on_write!(self, |pool, DB| {
            sqlx::query::<DB>("insert into refresh_tokens (id, agent_id, family_id, expires_at, created_at) values ($1, $2, $3, $4, $5)")
                .bind(id)
                .bind(agent_id)
                .bind(family_id)
                .bind(now + ttl_ms)
                .bind(now)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    pub async fn refresh_token(&self, id: &str) -> StoreResult<RefreshRow> {
        on_read!(self, |pool, DB| {
            sqlx::query_as::<DB, RefreshRow>("select id, agent_id, family_id, successor_id, used_at, revoked_at, expires_at from refresh_tokens where id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await
                .map_err(Into::into)
                .found()
        })
    }

    /// Marks `id` spent and records its successor, unless someone spent it first;
    /// returns whether this call won. The successor row is inserted in the same transaction.
    pub async fn rotate_refresh(&self, id: &str, successor_id: &str, agent_id: &str, family_id: &str, ttl_ms: i64) -> StoreResult<bool> {
        let now = now_ms();
        on_write!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            let won = sqlx::query::<DB>("update refresh_tokens set used_at = $1, successor_id = $2 where id = $3 and used_at is null and revoked_at is null")
                .bind(now)
                .bind(successor_id)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                == 1;
            if won {
                sqlx::query::<DB>("insert into refresh_tokens (id, agent_id, family_id, expires_at, created_at) values ($1, $2, $3, $4, $5)")
                    .bind(successor_id)
                    .bind(agent_id)
                    .bind(family_id)
                    .bind(now + ttl_ms)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(won)
        })
    }

    pub async fn revoke_refresh_family(&self, family_id: &str) -> StoreResult<()> {
        let now = now_ms();
        on_write!(self, |pool, DB| {
            sqlx::query::<DB>("update refresh_tokens set revoked_at = $1 where family_id = $2 and revoked_at is null")
                .bind(now)
                .bind(family_id)
                .execute(pool)
                .await?;
        });
        Ok(())
    }
}
