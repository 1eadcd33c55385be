//! Organizations, agents, invites, refresh tokens, API keys, departments and the audit log.

use super::rows::agent_cols;
use super::{AgentRow, ApiKeyRow, DepartmentRow, Found, InviteRow, OrgRow, RefreshRow, Store, StoreResult};
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

    // ---- invites ----

    pub async fn create_invite(&self, org_id: &str, email: &str, role: Role, token_hash: &str, invited_by: &str, ttl_ms: i64) -> StoreResult<InviteRow> {
        let now = now_ms();
        let row = InviteRow {
            id: new_id("inv"),
            org_id: org_id.to_owned(),
            email: email.to_owned(),
            role,
            expires_at: now + ttl_ms,
            accepted_at: None,
            created_at: now,
        };
        on_write!(self, |pool, DB| {
            sqlx::query::<DB>(
                "insert into invites (id, org_id, email, role, token_hash, invited_by, expires_at, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&row.id)
            .bind(org_id)
            .bind(email)
            .bind(role.as_str())
            .bind(token_hash)
            .bind(invited_by)
            .bind(row.expires_at)
            .bind(now)
            .execute(pool)
            .await?;
        });
        Ok(row)
    }

    /// Pending invites: not accepted, not expired.
    pub async fn pending_invites(&self, org_id: &str) -> StoreResult<Vec<InviteRow>> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_as::<DB, InviteRow>(
                "select id, org_id, email, role, expires_at, accepted_at, created_at from invites where org_id = $1 and accepted_at is null and expires_at > $2 order by created_at desc",
            )
            .bind(org_id)
            .bind(now_ms())
            .fetch_all(pool)
            .await?)
        })
    }

    /// A usable invite by its token hash (for the join page).
    pub async fn invite_by_token(&self, token_hash: &str) -> StoreResult<InviteRow> {
        on_read!(self, |pool, DB| {
            sqlx::query_as::<DB, InviteRow>(
                "select id, org_id, email, role, expires_at, accepted_at, created_at from invites where token_hash = $1 and accepted_at is null and expires_at > $2",
            )
            .bind(token_hash)
            .bind(now_ms())
            .fetch_optional(pool)
            .await
            .map_err(Into::into)
            .found()
        })
    }

    /// Ends a pending invite (its link stops working).
    pub async fn revoke_invite(&self, org_id: &str, id: &str) -> StoreResult<()> {
        let n = on_write!(self, |pool, DB| {
            sqlx::query::<DB>("update invites set expires_at = 0 where id = $1 and org_id = $2 and accepted_at is null")
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

    /// A new token (and a fresh week) for a pending invite; the old link stops working.
    pub async fn renew_invite(&self, org_id: &str, id: &str, token_hash: &str, ttl_ms: i64) -> StoreResult<InviteRow> {
        let now = now_ms();
        on_write!(self, |pool, DB| {
            sqlx::query_as::<DB, InviteRow>(
                "update invites set token_hash = $1, expires_at = $2 where id = $3 and org_id = $4 and accepted_at is null \
                 returning id, org_id, email, role, expires_at, accepted_at, created_at",
            )
            .bind(token_hash)
            .bind(now + ttl_ms)
            .bind(id)
            .bind(org_id)
            .fetch_optional(pool)
            .await
            .map_err(Into::into)
            .found()
        })
    }

    /// Spends an invite and creates the agent, atomically: a token works once.
    pub async fn accept_invite(&self, token_hash: &str, name: &str, password_hash: &str) -> StoreResult<AgentRow> {
        let now = now_ms();
        on_write!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            let invite = sqlx::query_as::<DB, InviteRow>(
                "update invites set accepted_at = $1 where token_hash = $2 and accepted_at is null and expires_at > $1 \
                 returning id, org_id, email, role, expires_at, accepted_at, created_at",
            )
            .bind(now)
            .bind(token_hash)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(super::StoreError::NotFound)?;
            let agent = insert_agent!(DB, tx, &invite.org_id, NewAgent { email: &invite.email, name, password_hash, role: invite.role }, now);
            tx.commit().await?;
            Ok(agent)
        })
    }

    // ---- password resets ----

    pub async fn create_password_reset(&self, agent_id: &str, token_hash: &str, ttl_ms: i64) -> StoreResult<()> {
        let now = now_ms();
        on_write!(self, |pool, DB| {
            sqlx::query::<DB>("insert into password_resets (id, agent_id, token_hash, expires_at, created_at) values ($1, $2, $3, $4, $5)")
                .bind(new_id("prs"))
                .bind(agent_id)
                .bind(token_hash)
                .bind(now + ttl_ms)
                .bind(now)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Spends a reset token (once, before it expires); returns the agent it names.
    pub async fn spend_password_reset(&self, token_hash: &str) -> StoreResult<String> {
        let now = now_ms();
        on_write!(self, |pool, DB| {
            sqlx::query_scalar::<DB, String>(
                "update password_resets set used_at = $1 where token_hash = $2 and used_at is null and expires_at > $1 returning agent_id",
            )
            .bind(now)
            .bind(token_hash)
            .fetch_optional(pool)
            .await
            .map_err(Into::into)
            .found()
        })
    }

    // ---- refresh tokens ----

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

    // ---- API keys ----

    pub async fn create_api_key(&self, org_id: &str, id: &str, name: &str, secret_hash: &str, created_by: &str) -> StoreResult<ApiKeyRow> {
        let now = now_ms();
        on_write!(self, |pool, DB| {
            sqlx::query::<DB>("insert into api_keys (id, org_id, name, secret_hash, created_by, created_at) values ($1, $2, $3, $4, $5, $6)")
                .bind(id)
                .bind(org_id)
                .bind(name)
                .bind(secret_hash)
                .bind(created_by)
                .bind(now)
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
        })
    }

    pub async fn api_key(&self, id: &str) -> StoreResult<ApiKeyRow> {
        on_read!(self, |pool, DB| {
            sqlx::query_as::<DB, ApiKeyRow>("select id, org_id, name, secret_hash, revoked_at, last_used_at, created_at from api_keys where id = $1")
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
                "select id, org_id, name, secret_hash, revoked_at, last_used_at, created_at from api_keys where org_id = $1 order by created_at, id",
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

    // ---- departments ----

    pub async fn create_department(&self, org_id: &str, name: &str) -> StoreResult<DepartmentRow> {
        let row = DepartmentRow { id: new_id("dep"), org_id: org_id.to_owned(), name: name.to_owned(), created_at: now_ms() };
        on_write!(self, |pool, DB| {
            sqlx::query::<DB>("insert into departments (id, org_id, name, created_at) values ($1, $2, $3, $4)")
                .bind(&row.id)
                .bind(org_id)
                .bind(name)
                .bind(row.created_at)
                .execute(pool)
                .await?;
        });
        Ok(row)
    }

    pub async fn department(&self, org_id: &str, id: &str) -> StoreResult<DepartmentRow> {
        on_read!(self, |pool, DB| {
            sqlx::query_as::<DB, DepartmentRow>("select id, org_id, name, created_at from departments where id = $1 and org_id = $2")
                .bind(id)
                .bind(org_id)
                .fetch_optional(pool)
                .await
                .map_err(Into::into)
                .found()
        })
    }

    pub async fn departments(&self, org_id: &str) -> StoreResult<Vec<DepartmentRow>> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_as::<DB, DepartmentRow>("select id, org_id, name, created_at from departments where org_id = $1 order by name")
                .bind(org_id)
                .fetch_all(pool)
                .await?)
        })
    }

    pub async fn rename_department(&self, org_id: &str, id: &str, name: &str) -> StoreResult<DepartmentRow> {
        on_write!(self, |pool, DB| {
            sqlx::query_as::<DB, DepartmentRow>("update departments set name = $1 where id = $2 and org_id = $3 returning id, org_id, name, created_at")
                .bind(name)
                .bind(id)
                .bind(org_id)
                .fetch_optional(pool)
                .await
                .map_err(Into::into)
                .found()
        })
    }

    pub async fn delete_department(&self, org_id: &str, id: &str) -> StoreResult<()> {
        on_write!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            let n = sqlx::query::<DB>("delete from departments where id = $1 and org_id = $2").bind(id).bind(org_id).execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(super::StoreError::NotFound);
            }
            tx.commit().await?;
            Ok(())
        })
    }

    pub async fn department_member_ids(&self, department_id: &str) -> StoreResult<Vec<String>> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_scalar::<DB, String>("select agent_id from department_members where department_id = $1 order by created_at")
                .bind(department_id)
                .fetch_all(pool)
                .await?)
        })
    }

    /// Adds or removes a member; both ids must already be checked to be in one organization.
    pub async fn set_department_member(&self, department_id: &str, agent_id: &str, member: bool) -> StoreResult<()> {
        on_write!(self, |pool, DB| {
            if member {
                sqlx::query::<DB>("insert into department_members (department_id, agent_id, created_at) values ($1, $2, $3) on conflict do nothing")
                    .bind(department_id)
                    .bind(agent_id)
                    .bind(now_ms())
                    .execute(pool)
                    .await?;
            } else {
                sqlx::query::<DB>("delete from department_members where department_id = $1 and agent_id = $2")
                    .bind(department_id)
                    .bind(agent_id)
                    .execute(pool)
                    .await?;
            }
        });
        Ok(())
    }

    // ---- audit ----

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
