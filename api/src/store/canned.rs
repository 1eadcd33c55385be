//! Canned responses (saved replies) of an organization.

use super::rows::canned_cols;
use super::{CannedRow, Found, Store, StoreError, StoreResult};
use crate::ids::new_id;
use crate::time::now_ms;

impl Store {
    pub async fn create_canned(&self, org_id: &str, shortcut: &str, title: &str, body: &str) -> StoreResult<CannedRow> {
        let now = now_ms();
        on_write!(self, |pool, DB| {
            Ok(sqlx::query_as::<DB, CannedRow>(concat!(
                "insert into canned_responses (id, org_id, shortcut, title, body, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $6) returning ",
                canned_cols!()
            ))
            .bind(new_id("can"))
            .bind(org_id)
            .bind(shortcut)
            .bind(title)
            .bind(body)
            .bind(now)
            .fetch_one(pool)
            .await?)
        })
    }

    pub async fn update_canned(&self, org_id: &str, id: &str, shortcut: Option<&str>, title: Option<&str>, body: Option<&str>) -> StoreResult<CannedRow> {
        on_write!(self, |pool, DB| {
            sqlx::query_as::<DB, CannedRow>(concat!(
                "update canned_responses set shortcut = coalesce($1, shortcut), title = coalesce($2, title), body = coalesce($3, body), updated_at = $4 \
                 where id = $5 and org_id = $6 returning ",
                canned_cols!()
            ))
            .bind(shortcut)
            .bind(title)
            .bind(body)
            .bind(now_ms())
            .bind(id)
            .bind(org_id)
            .fetch_optional(pool)
            .await
            .map_err(Into::into)
            .found()
        })
    }

    pub async fn delete_canned(&self, org_id: &str, id: &str) -> StoreResult<()> {
        let n = on_write!(self, |pool, DB| {
            sqlx::query::<DB>("delete from canned_responses where id = $1 and org_id = $2").bind(id).bind(org_id).execute(pool).await?.rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    pub async fn canned_responses(&self, org_id: &str) -> StoreResult<Vec<CannedRow>> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_as::<DB, CannedRow>(concat!("select ", canned_cols!(), " from canned_responses where org_id = $1 order by shortcut"))
                .bind(org_id)
                .fetch_all(pool)
                .await?)
        })
    }
}
