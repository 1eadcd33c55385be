//! API keys (secrets stored as sha256: they are random, so a slow hash buys nothing).

use super::{ApiKeyRow, Found, Store, StoreResult};
use crate::time::now_ms;

pub struct NewApiKey<'a> {
    pub org_id: &'a str,
    pub id: &'a str,
    pub name: &'a str,
    /// sha256 of the secret, hex.
    pub secret_hash: &'a str,
    pub created_by: &'a str,
    pub expires_at: Option<i64>,
    /// Scope names separated by spaces.
    pub scopes: &'a str,
    /// A JSON array of website ids; none: all.
    pub website_ids: Option<&'a str>,
}

impl Store {
    pub async fn create_api_key(&self, k: NewApiKey<'_>) -> StoreResult<ApiKeyRow> {
        let now = now_ms();
        on_write!(self, |pool, DB| {
            sqlx::query::<DB>("insert into api_keys (id, org_id, name, secret_hash, created_by, created_at, expires_at, scopes, website_ids) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                .bind(k.id)
                .bind(k.org_id)
                .bind(k.name)
                .bind(k.secret_hash)
                .bind(k.created_by)
                .bind(now)
                .bind(k.expires_at)
                .bind(k.scopes)
                .bind(k.website_ids)
                .execute(pool)
                .await?;
        });
        Ok(ApiKeyRow {
            id: k.id.to_owned(),
            org_id: k.org_id.to_owned(),
            name: k.name.to_owned(),
            secret_hash: k.secret_hash.to_owned(),
            revoked_at: None,
            last_used_at: None,
            created_at: now,
            expires_at: k.expires_at,
            scopes: k.scopes.to_owned(),
            website_ids: k.website_ids.map(str::to_owned),
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
                "select id, org_id, name, secret_hash, revoked_at, last_used_at, created_at, expires_at, scopes, website_ids from api_keys where id = $1",
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
                "select id, org_id, name, secret_hash, revoked_at, last_used_at, created_at, expires_at, scopes, website_ids from api_keys where org_id = $1 order by created_at, id",
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
