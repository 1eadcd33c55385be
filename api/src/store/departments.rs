//! Departments and their members.

use super::{DepartmentRow, Found, Store, StoreResult};
use crate::ids::new_id;
use crate::time::now_ms;

impl Store {
    pub async fn create_department(&self, org_id: &str, name: &str) -> StoreResult<DepartmentRow> {
        let row = DepartmentRow { id: new_id("dep"), org_id: org_id.to_owned(), name: name.to_owned(), created_at: now_ms(), assignment: "manual".into() };
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
            sqlx::query_as::<DB, DepartmentRow>("select id, org_id, name, created_at, assignment from departments where id = $1 and org_id = $2")
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
            Ok(sqlx::query_as::<DB, DepartmentRow>("select id, org_id, name, created_at, assignment from departments where org_id = $1 order by name")
                .bind(org_id)
                .fetch_all(pool)
                .await?)
        })
    }

    pub async fn rename_department(&self, org_id: &str, id: &str, name: &str) -> StoreResult<DepartmentRow> {
        on_write!(self, |pool, DB| {
            sqlx::query_as::<DB, DepartmentRow>(
                "update departments set name = $1 where id = $2 and org_id = $3 returning id, org_id, name, created_at, assignment",
            )
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
}
