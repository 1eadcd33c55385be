//! API keys (secrets stored as sha256: they are random, so a slow hash buys nothing).

use super::{ApiKeyRow, Found, Store, StoreResult};
use crate::time::now_ms;

impl Store {
    pub async fn create_api_key(
        &self,
        org_id: &str,
        id: &str,
        name: &str,
        secret_hash: &str,
        created_by: &str,
        expires_at: Option<i64>,
    ) -> StoreResult<ApiKeyRow> {
        let now = now_ms();
        on_write!(self, |pool, DB| {
            sqlx::query::<DB>("insert into api_keys (id, org_id, name, secret_hash, created_by, created_at, expires_at) values ($1, $2, $3, $4, $5, $6, $7)")
                .bind(id)
                .bind(org_id)
                .bind(name)
                .bind(secret_hash)
                .bind(created_by)
                .bind(now)
                .bind(expires_at)
                .execute(pool)
                .await?;
        });
        Ok(ApiKeyRow {
            id: id.to_owned(),
            org_id: org_id.to_owned(),
            name: name.to_owned(),
            secret_hash: secret_hash.to_owned(),
            revoked_at: None,
            last_used_at: None,
            created_at: now,
            expires_at,
        })
    }

    /// Records that the key was used (the caller throttles).
    pub async fn touch_api_key(&self, id: &str, at: i64) -> StoreResult<()> {
        on_write!(self, |pool, DB| {
            sqlx::query::<DB>("update api_keys set last_used_at = $1 where id = $2").bind(at).bind(id).execute(pool).await?;
        });
        Ok(())
    }

    pub async fn api_key(&self, id: &str) -> StoreResult<ApiKeyRow> {
        on_read!(self, |pool, DB| {
            sqlx::query_as::<DB, ApiKeyRow>(
                "select id, org_id, name, secret_hash, revoked_at, last_used_at, created_at, expires_at from api_keys where id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await
            .map_err(Into::into)
            .found()
        })
    }

    pub async fn api_keys(&self, org_id: &str) -> StoreResult<Vec<ApiKeyRow>> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_as::<DB, ApiKeyRow>(
                "select id, org_id, name, secret_hash, revoked_at, last_used_at, created_at, expires_at from api_keys where org_id = $1 order by created_at, id",
            )
            .bind(org_id)
            .fetch_all(pool)
            .await?)
        })
    }

    pub async fn revoke_api_key(&self, org_id: &str, id: &str) -> StoreResult<()> {
        let now = now_ms();
        let n = on_write!(self, |pool, DB| {
            sqlx::query::<DB>("update api_keys set revoked_at = $1 where id = $2 and org_id = $3 and revoked_at is null")
                .bind(now)
                .bind(id)
                .bind(org_id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        if n == 0 {
            return Err(super::StoreError::NotFound);
        }
        Ok(())
    }
}
