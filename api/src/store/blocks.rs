//! Visitor blocks and visitor token revocation.

use super::{Found, Store, StoreResult};
use crate::ids::new_id;
use crate::time::now_ms;

#[derive(sqlx::FromRow, Debug, Clone)]
pub struct BlockRow {
    pub id: String,
    pub org_id: String,
    pub website_id: String,
    pub visitor_id: String,
    pub external_id: Option<String>,
    /// CIDR of the blocked network, when the block covers one (never shown to agents).
    pub network: Option<String>,
    pub reason: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    pub lifted_at: Option<i64>,
}

macro_rules! block_cols {
    () => {
        "id, org_id, website_id, visitor_id, external_id, network, reason, created_by, created_at, lifted_at"
    };
}

/// A block to record.
pub struct NewBlock<'a> {
    pub org_id: &'a str,
    pub website_id: &'a str,
    pub visitor_id: &'a str,
    pub external_id: Option<&'a str>,
    pub network: Option<&'a str>,
    pub reason: Option<&'a str>,
    pub created_by: &'a str,
}

impl Store {
    /// Records a block and revokes the visitor's tokens issued until `revoke_until` (unix
    /// ms), in one transaction.
    pub async fn create_block(&self, b: NewBlock<'_>, revoke_until: i64) -> StoreResult<BlockRow> {
        let now = now_ms();
        on_write!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            let row = sqlx::query_as::<DB, BlockRow>(concat!(
                "insert into visitor_blocks (id, org_id, website_id, visitor_id, external_id, network, reason, created_by, created_at) \
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning ",
                block_cols!()
            ))
            .bind(new_id("blk"))
            .bind(b.org_id)
            .bind(b.website_id)
            .bind(b.visitor_id)
            .bind(b.external_id)
            .bind(b.network)
            .bind(b.reason)
            .bind(b.created_by)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query::<DB>("update visitors set tokens_revoked_at = $1 where id = $2 and org_id = $3")
                .bind(revoke_until)
                .bind(b.visitor_id)
                .bind(b.org_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(row)
        })
    }

    /// Lifts an active block of the organization.
    pub async fn lift_block(&self, org_id: &str, id: &str, by: &str) -> StoreResult<BlockRow> {
        on_write!(self, |pool, DB| {
            sqlx::query_as::<DB, BlockRow>(concat!(
                "update visitor_blocks set lifted_at = $1, lifted_by = $2 where id = $3 and org_id = $4 and lifted_at is null returning ",
                block_cols!()
            ))
            .bind(now_ms())
            .bind(by)
            .bind(id)
            .bind(org_id)
            .fetch_optional(pool)
            .await
            .map_err(Into::into)
            .found()
        })
    }

    /// One block of the organization, in force or lifted.
    pub async fn block(&self, org_id: &str, id: &str) -> StoreResult<BlockRow> {
        on_read!(self, |pool, DB| {
            sqlx::query_as::<DB, BlockRow>(concat!("select ", block_cols!(), " from visitor_blocks where id = $1 and org_id = $2"))
                .bind(id)
                .bind(org_id)
                .fetch_optional(pool)
                .await
                .map_err(Into::into)
                .found()
        })
    }

    /// How many blocks of the organization are in force.
    pub async fn active_block_count(&self, org_id: &str) -> StoreResult<i64> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_scalar::<DB, i64>("select count(*) from visitor_blocks where org_id = $1 and lifted_at is null")
                .bind(org_id)
                .fetch_one(pool)
                .await?)
        })
    }

    /// The organization's blocks in force, newest first, optionally of one visitor;
    /// `before` is the previous page's last `(created_at, id)`.
    pub async fn blocks_page(&self, org_id: &str, visitor_id: Option<&str>, before: Option<(i64, &str)>, limit: i64) -> StoreResult<Vec<BlockRow>> {
        let (t, id) = before.unwrap_or((i64::MAX, ""));
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_as::<DB, BlockRow>(concat!(
                "select ",
                block_cols!(),
                " from visitor_blocks where org_id = $1 and lifted_at is null and ($2 is null or visitor_id = $2) \
                 and (created_at < $3 or (created_at = $3 and id < $4)) order by created_at desc, id desc limit $5"
            ))
            .bind(org_id)
            .bind(visitor_id)
            .bind(t)
            .bind(id)
            .bind(limit)
            .fetch_all(pool)
            .await?)
        })
    }

    /// The blocks in force that could refuse a session: of the visitor, of its verified
    /// external id on the website, and every network block of the organization (matched
    /// against the address by the caller).
    pub async fn blocks_for_session(&self, org_id: &str, website_id: &str, visitor_id: Option<&str>, external_id: Option<&str>) -> StoreResult<Vec<BlockRow>> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_as::<DB, BlockRow>(concat!(
                "select ",
                block_cols!(),
                " from visitor_blocks where org_id = $1 and lifted_at is null \
                 and (visitor_id = $2 or (website_id = $3 and external_id = $4) or network is not null)"
            ))
            .bind(org_id)
            .bind(visitor_id)
            .bind(website_id)
            .bind(external_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Visitors whose tokens were revoked after `since` (ms), and websites deleted after
    /// it (every visitor token naming one is refused): tokens issued before that have
    /// expired anyway.
    pub async fn revoked_visitors(&self, since: i64) -> StoreResult<Vec<(String, i64)>> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_as::<DB, (String, i64)>(
                "select id, tokens_revoked_at from visitors where tokens_revoked_at is not null and tokens_revoked_at > $1 \
                 union all select id, deleted_at from websites where deleted_at is not null and deleted_at > $1",
            )
            .bind(since)
            .fetch_all(pool)
            .await?)
        })
    }
}
