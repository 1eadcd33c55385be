//! Organizations and their agents.

use super::rows::agent_cols;
use super::{AgentRow, Found, OrgRow, Store, StoreResult};
use crate::domain::{AgentStatus, Role};
use crate::ids::new_id;
use crate::time::now_ms;

/// Inserts an agent inside the caller's transaction (a macro: it is expanded per dialect).
macro_rules! insert_agent {
    ($db:ty, $tx:expr, $org_id:expr, $a:expr, $now:expr) => {{
        let a: NewAgent<'_> = $a;
        sqlx::query_as::<$db, AgentRow>(concat!(
            "insert into agents (id, org_id, email, name, password_hash, role, created_at) values ($1, $2, $3, $4, $5, $6, $7) returning ",
            agent_cols!()
        ))
        .bind(new_id("agt"))
        .bind($org_id)
        .bind(a.email)
        .bind(a.name)
        .bind(a.password_hash)
        .bind(a.role.as_str())
        .bind($now)
        .fetch_one(&mut *$tx)
        .await?
    }};
}

pub struct NewAgent<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
}

pub(super) use insert_agent;

impl Store {
    /// Creates an organization and its owner in one transaction.
    pub async fn create_org_with_owner(&self, org_name: &str, owner: NewAgent<'_>) -> StoreResult<(OrgRow, AgentRow)> {
        let now = now_ms();
        let org = OrgRow { id: new_id("org"), name: org_name.to_owned(), created_at: now };
        on_write!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            sqlx::query::<DB>("insert into organizations (id, name, created_at) values ($1, $2, $3)")
                .bind(&org.id)
                .bind(&org.name)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            let agent = insert_agent!(DB, tx, &org.id, owner, now);
            tx.commit().await?;
            Ok((org, agent))
        })
    }

    pub async fn org(&self, id: &str) -> StoreResult<OrgRow> {
        on_read!(self, |pool, DB| {
            sqlx::query_as::<DB, OrgRow>("select id, name, created_at from organizations where id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await
                .map_err(Into::into)
                .found()
        })
    }

    /// A live agent by email, across organizations (log-in takes no organization).
    pub async fn agent_by_email(&self, email: &str) -> StoreResult<Option<AgentRow>> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_as::<DB, AgentRow>(concat!("select ", agent_cols!(), " from agents where email = $1 and removed_at is null"))
                .bind(email)
                .fetch_optional(pool)
                .await?)
        })
    }

    /// Any agent by id, removed or not (auth checks `removed_at` and the epoch).
    pub async fn agent_any(&self, id: &str) -> StoreResult<AgentRow> {
        on_read!(self, |pool, DB| {
            sqlx::query_as::<DB, AgentRow>(concat!("select ", agent_cols!(), " from agents where id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await
                .map_err(Into::into)
                .found()
        })
    }

    /// A live agent of the organization.
    pub async fn agent(&self, org_id: &str, id: &str) -> StoreResult<AgentRow> {
        on_read!(self, |pool, DB| {
            sqlx::query_as::<DB, AgentRow>(concat!("select ", agent_cols!(), " from agents where id = $1 and org_id = $2 and removed_at is null"))
                .bind(id)
                .bind(org_id)
                .fetch_optional(pool)
                .await
                .map_err(Into::into)
                .found()
        })
    }

    pub async fn agents(&self, org_id: &str) -> StoreResult<Vec<AgentRow>> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_as::<DB, AgentRow>(concat!(
                "select ",
                agent_cols!(),
                " from agents where org_id = $1 and removed_at is null order by created_at, id"
            ))
            .bind(org_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Agents of the organization whose chosen status is online.
    pub async fn online_agent_ids(&self, org_id: &str) -> StoreResult<Vec<String>> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_scalar::<DB, String>("select id from agents where org_id = $1 and removed_at is null and status = 'online'")
                .bind(org_id)
                .fetch_all(pool)
                .await?)
        })
    }

    pub async fn set_agent_status(&self, org_id: &str, id: &str, status: AgentStatus) -> StoreResult<AgentRow> {
        on_write!(self, |pool, DB| {
            sqlx::query_as::<DB, AgentRow>(concat!(
                "update agents set status = $1 where id = $2 and org_id = $3 and removed_at is null returning ",
                agent_cols!()
            ))
            .bind(status.as_str())
            .bind(id)
            .bind(org_id)
            .fetch_optional(pool)
            .await
            .map_err(Into::into)
            .found()
        })
    }

    /// Changes a role and bumps the token epoch so old access tokens die at once;
    /// revokes the agent's refresh tokens.
    pub async fn set_agent_role(&self, org_id: &str, id: &str, role: Role) -> StoreResult<AgentRow> {
        let now = now_ms();
        on_write!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            let row = sqlx::query_as::<DB, AgentRow>(concat!(
                "update agents set role = $1, token_epoch = token_epoch + 1 where id = $2 and org_id = $3 and removed_at is null returning ",
                agent_cols!()
            ))
            .bind(role.as_str())
            .bind(id)
            .bind(org_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(super::StoreError::NotFound)?;
            sqlx::query::<DB>("update refresh_tokens set revoked_at = $1 where agent_id = $2 and revoked_at is null")
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(row)
        })
    }

    /// Removes an agent: frees the email, bumps the epoch, revokes refresh tokens,
    /// unassigns its open conversations and drops department memberships.
    pub async fn remove_agent(&self, org_id: &str, id: &str) -> StoreResult<AgentRow> {
        let now = now_ms();
        on_write!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            let row = sqlx::query_as::<DB, AgentRow>(concat!(
                "update agents set removed_at = $1, status = 'offline', token_epoch = token_epoch + 1 where id = $2 and org_id = $3 and removed_at is null returning ",
                agent_cols!()
            ))
            .bind(now)
            .bind(id)
            .bind(org_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(super::StoreError::NotFound)?;
            sqlx::query::<DB>("update refresh_tokens set revoked_at = $1 where agent_id = $2 and revoked_at is null")
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query::<DB>("update conversations set assignee_id = null, updated_at = $1 where assignee_id = $2 and status <> 'resolved'")
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query::<DB>("delete from department_members where agent_id = $1").bind(id).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(row)
        })
    }

    /// Changes an agent's own profile; `None` keeps a field. Email must stay unique.
    pub async fn update_profile(
        &self,
        org_id: &str,
        id: &str,
        name: Option<&str>,
        avatar_url: Option<Option<&str>>,
        email: Option<&str>,
    ) -> StoreResult<AgentRow> {
        on_write!(self, |pool, DB| {
            sqlx::query_as::<DB, AgentRow>(concat!(
                "update agents set name = coalesce($1, name), avatar_url = case when $2 then $3 else avatar_url end, email = coalesce($4, email) \
                 where id = $5 and org_id = $6 and removed_at is null returning ",
                agent_cols!()
            ))
            .bind(name)
            .bind(avatar_url.is_some())
            .bind(avatar_url.flatten())
            .bind(email)
            .bind(id)
            .bind(org_id)
            .fetch_optional(pool)
            .await
            .map_err(Into::into)
            .found()
        })
    }

    pub async fn set_agent_password(&self, id: &str, password_hash: &str) -> StoreResult<()> {
        let now = now_ms();
        on_write!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            let n = sqlx::query::<DB>("update agents set password_hash = $1, token_epoch = token_epoch + 1 where id = $2 and removed_at is null")
                .bind(password_hash)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(super::StoreError::NotFound);
            }
            sqlx::query::<DB>("update refresh_tokens set revoked_at = $1 where agent_id = $2 and revoked_at is null")
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(())
        })
    }
}
