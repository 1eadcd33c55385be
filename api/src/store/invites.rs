//! Invitations to join a team, and password resets (both one-time tokens, stored hashed).

use super::rows::agent_cols;
use super::{AgentRow, Found, InviteRow, Store, StoreResult};
use crate::domain::Role;
use crate::ids::new_id;
use crate::time::now_ms;

use super::agents::{insert_agent, NewAgent};
use super::jobs::{insert_jobs, NewJob};

impl Store {
    /// Creates an invite with the jobs `follow_up` makes for it (its email), in one
    /// transaction.
    #[allow(clippy::too_many_arguments)]
    pub async fn create_invite(
        &self,
        org_id: &str,
        email: &str,
        role: Role,
        token_hash: &str,
        invited_by: &str,
        ttl_ms: i64,
        follow_up: impl FnOnce(&InviteRow) -> Vec<NewJob>,
    ) -> StoreResult<InviteRow> {
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
            let mut tx = pool.begin().await?;
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
            .execute(&mut *tx)
            .await?;
            insert_jobs!(tx, DB, &follow_up(&row), now);
            tx.commit().await?;
        });
        Ok(row)
    }

    /// The address of an invite not yet accepted (expired or not).
    pub async fn unaccepted_invite_email(&self, org_id: &str, id: &str) -> StoreResult<String> {
        on_read!(self, |pool, DB| {
            sqlx::query_scalar::<DB, String>("select email from invites where id = $1 and org_id = $2 and accepted_at is null")
                .bind(id)
                .bind(org_id)
                .fetch_optional(pool)
                .await
                .map_err(Into::into)
                .found()
        })
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
    /// The jobs `follow_up` makes (its email) commit with it.
    pub async fn renew_invite(
        &self,
        org_id: &str,
        id: &str,
        token_hash: &str,
        ttl_ms: i64,
        follow_up: impl FnOnce(&InviteRow) -> Vec<NewJob>,
    ) -> StoreResult<InviteRow> {
        let now = now_ms();
        on_write!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            let row = sqlx::query_as::<DB, InviteRow>(
                "update invites set token_hash = $1, expires_at = $2 where id = $3 and org_id = $4 and accepted_at is null \
                 returning id, org_id, email, role, expires_at, accepted_at, created_at",
            )
            .bind(token_hash)
            .bind(now + ttl_ms)
            .bind(id)
            .bind(org_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(super::StoreError::NotFound)?;
            insert_jobs!(tx, DB, &follow_up(&row), now);
            tx.commit().await?;
            Ok(row)
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

    /// A reset token, committed with `jobs` (its email).
    pub async fn create_password_reset(&self, agent_id: &str, token_hash: &str, ttl_ms: i64, jobs: &[NewJob]) -> StoreResult<()> {
        let now = now_ms();
        on_write!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            sqlx::query::<DB>("insert into password_resets (id, agent_id, token_hash, expires_at, created_at) values ($1, $2, $3, $4, $5)")
                .bind(new_id("prs"))
                .bind(agent_id)
                .bind(token_hash)
                .bind(now + ttl_ms)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            insert_jobs!(tx, DB, jobs, now);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Whether a reset token is usable (unspent, unexpired), without spending it.
    pub async fn password_reset_valid(&self, token_hash: &str) -> StoreResult<()> {
        let now = now_ms();
        on_read!(self, |pool, DB| {
            sqlx::query_scalar::<DB, String>("select agent_id from password_resets where token_hash = $1 and used_at is null and expires_at > $2")
                .bind(token_hash)
                .bind(now)
                .fetch_optional(pool)
                .await
                .map_err(Into::into)
                .found()
                .map(|_| ())
        })
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
}
