//! The organization's schedule: its time zone and holiday calendar.

use super::{Found, Store, StoreResult};

#[derive(sqlx::FromRow, Debug, Clone)]
pub struct ScheduleRow {
    pub time_zone: String,
    /// JSON array of `{"date": "YYYY-MM-DD", "name": "..."}`.
    pub holidays: String,
}

impl Store {
    pub async fn schedule(&self, org_id: &str) -> StoreResult<ScheduleRow> {
        on_read!(self, |pool, DB| {
            sqlx::query_as::<DB, ScheduleRow>("select time_zone, holidays from organizations where id = $1")
                .bind(org_id)
                .fetch_optional(pool)
                .await
                .map_err(Into::into)
                .found()
        })
    }

    pub async fn set_schedule(&self, org_id: &str, time_zone: &str, holidays: &str) -> StoreResult<ScheduleRow> {
        on_write!(self, |pool, DB| {
            sqlx::query_as::<DB, ScheduleRow>("update organizations set time_zone = $1, holidays = $2 where id = $3 returning time_zone, holidays")
                .bind(time_zone)
                .bind(holidays)
                .bind(org_id)
                .fetch_optional(pool)
                .await
                .map_err(Into::into)
                .found()
        })
    }
}
