//! The job outbox's SQL (the rules are in `crate::jobs`). A job is a row: inserted with
//! the change that causes it (`insert_jobs!` inside the caller's transaction), leased by
//! a worker (`state = 'running'` with a lease token and an expiry), deleted when it
//! succeeds, rescheduled or marked dead when it fails. Every statement that finishes a
//! lease names its token, so a worker whose lease expired (and whose job another worker
//! took over) changes nothing.
//!
//! PostgreSQL leases with `for update skip locked`, so nodes never wait for each other's
//! leases; SQLite has one writer, which serializes leasing by itself.

use super::{Found, Store, StoreResult};
use crate::domain::JobState;
use crate::ids::new_id;

/// A job to insert. `run_at` is unix ms (the job clock's, see `jobs::Clock`).
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: &'static str,
    /// Replaces a job of the same kind and key (pending, running or dead) instead of
    /// adding one: "the offer for conversation X expires at T".
    pub key: Option<String>,
    /// The organization the job works for (admins see their own jobs); none for system work.
    pub org_id: Option<String>,
    /// JSON.
    pub payload: String,
    pub run_at: i64,
}

#[derive(sqlx::FromRow, Debug, Clone)]
pub struct JobRow {
    pub id: String,
    pub org_id: Option<String>,
    pub kind: String,
    pub key: Option<String>,
    pub payload: String,
    pub state: JobState,
    pub run_at: i64,
    /// Runs started, including the current one.
    pub attempts: i64,
    pub lease_token: Option<String>,
    pub lease_until: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Jobs of one kind and state, for metrics.
#[derive(sqlx::FromRow, Debug, Clone)]
pub struct JobCount {
    pub kind: String,
    pub state: JobState,
    pub count: i64,
    /// The earliest `run_at` among them.
    pub oldest: i64,
}

const COLS: &str = "id, org_id, kind, key, payload, state, run_at, attempts, lease_token, lease_until, last_error, created_at, updated_at";

/// The insert's head and its upsert tail, shared by both dialects: enqueuing the same
/// kind and key again replaces the job, whatever its state.
macro_rules! jobs_insert_head {
    () => {
        "insert into jobs (id, org_id, kind, key, payload, state, run_at, attempts, created_at, updated_at) "
    };
}
macro_rules! jobs_upsert {
    () => {
        " on conflict (kind, key) where key is not null do update set id = excluded.id, org_id = excluded.org_id, \
         payload = excluded.payload, state = 'pending', run_at = excluded.run_at, attempts = 0, lease_token = null, lease_until = null, \
         last_error = null, created_at = excluded.created_at, updated_at = excluded.updated_at"
    };
}

pub(crate) use {jobs_insert_head, jobs_upsert};

/// Jobs as one statement whose parameter `$p` is `jobs_json`'s array (its text is fixed
/// whatever the number of jobs, so it stays prepared).
macro_rules! insert_jobs_json {
    (sqlite, $p:literal) => {
        concat!(
            $crate::store::jobs::jobs_insert_head!(),
            "select value->>0, value->>1, value->>2, value->>3, value->>4, 'pending', value->>5, 0, value->>6, value->>6 from json_each(",
            $p,
            ") where true",
            $crate::store::jobs::jobs_upsert!()
        )
    };
    (postgres, $p:literal) => {
        concat!(
            $crate::store::jobs::jobs_insert_head!(),
            "select x->>0, x->>1, x->>2, x->>3, x->>4, 'pending', (x->>5)::bigint, 0, (x->>6)::bigint, (x->>6)::bigint from json_array_elements(",
            $p,
            "::json) x",
            $crate::store::jobs::jobs_upsert!()
        )
    };
}
pub(crate) use insert_jobs_json;

/// The jobs insert of each dialect, for `insert_jobs!` inside `on_write!` bodies.
pub(crate) trait JobsSql {
    const INSERT: &'static str;
}
impl JobsSql for sqlx::Sqlite {
    const INSERT: &'static str = insert_jobs_json!(sqlite, "$1");
}
impl JobsSql for sqlx::Postgres {
    const INSERT: &'static str = insert_jobs_json!(postgres, "$1");
}

/// Inserts `$jobs` (`&[NewJob]`) on `$conn`, the caller's transaction, so that the
/// follow-up work commits (or rolls back) with the change.
macro_rules! insert_jobs {
    ($conn:expr, $db:ty, $jobs:expr, $now:expr) => {
        let jobs: &[$crate::store::NewJob] = $jobs;
        if !jobs.is_empty() {
            sqlx::query::<$db>(<$db as $crate::store::jobs::JobsSql>::INSERT).bind($crate::store::jobs::jobs_json(jobs, $now)).execute(&mut *$conn).await?;
        }
    };
}
pub(crate) use insert_jobs;

/// The parameter of `insert_jobs_json!`: one array per job, with a new id each. Of jobs
/// with the same kind and key only the last is kept, as enqueuing them one by one would
/// leave it (PostgreSQL refuses an upsert that meets the same row twice in one statement).
pub(crate) fn jobs_json(jobs: &[NewJob], now: i64) -> String {
    let mut last = std::collections::HashMap::new();
    for (i, j) in jobs.iter().enumerate() {
        if let Some(k) = &j.key {
            last.insert((j.kind, k.as_str()), i);
        }
    }
    let rows: Vec<_> = jobs
        .iter()
        .enumerate()
        .filter(|(i, j)| j.key.as_deref().is_none_or(|k| last[&(j.kind, k)] == *i))
        .map(|(_, j)| (new_id("job"), &j.org_id, j.kind, &j.key, &j.payload, j.run_at, now))
        .collect();
    serde_json::to_string(&rows).expect("jobs serialize")
}

/// `$1`, a JSON array of strings, as rows of one text column.
macro_rules! strings {
    (sqlite) => {
        "select value from json_each($1)"
    };
    (postgres) => {
        "select json_array_elements_text($1::json)"
    };
}

macro_rules! lease_sql {
    ($lock:literal) => {
        concat!(
            "update jobs set state = 'running', lease_token = $1, lease_until = $2, attempts = attempts + 1, updated_at = $3 \
             where id in (select id from jobs where state = 'pending' and kind = $4 and run_at <= $3 order by run_at limit $5",
            $lock,
            ") returning id, org_id, kind, key, payload, state, run_at, attempts, lease_token, lease_until, last_error, created_at, updated_at"
        )
    };
}

fn strings_json(v: &[&str]) -> String {
    serde_json::to_string(v).expect("strings serialize")
}

impl Store {
    /// Inserts jobs on their own (when the change they follow is not in the store).
    pub async fn enqueue_jobs(&self, jobs: &[NewJob], now: i64) -> StoreResult<()> {
        on_write!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            insert_jobs!(tx, DB, jobs, now);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Leases up to `limit` due jobs of `kind` under `token` until `until`.
    pub async fn lease_jobs(&self, kind: &str, limit: i64, token: &str, now: i64, until: i64) -> StoreResult<Vec<JobRow>> {
        let rows = match self {
            Store::Sqlite { write, .. } => {
                sqlx::query_as::<_, JobRow>(lease_sql!("")).bind(token).bind(until).bind(now).bind(kind).bind(limit).fetch_all(write).await?
            }
            Store::Postgres(pool) => {
                sqlx::query_as::<_, JobRow>(lease_sql!(" for update skip locked"))
                    .bind(token)
                    .bind(until)
                    .bind(now)
                    .bind(kind)
                    .bind(limit)
                    .fetch_all(pool)
                    .await?
            }
        };
        Ok(rows)
    }

    /// Makes running jobs whose lease expired (their worker died or hung) due again.
    pub async fn take_back_expired_jobs(&self, now: i64) -> StoreResult<u64> {
        // On PostgreSQL the rows are locked in id order, as `complete_jobs` locks them.
        let lock = if matches!(self, Store::Postgres(_)) { " order by id for update" } else { "" };
        Ok(on_write!(self, |pool, DB| {
            sqlx::query::<DB>(&format!(
                "update jobs set state = 'pending', lease_token = null, lease_until = null, updated_at = $1 \
                 where id in (select id from jobs where state = 'running' and lease_until < $1{lock})",
            ))
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()
        }))
    }

    /// Deletes succeeded jobs, grouped by lease token, in one transaction.
    pub async fn complete_jobs(&self, done: &[(&str, Vec<&str>)]) -> StoreResult<u64> {
        let mut n = 0;
        match self {
            Store::Sqlite { write, .. } => {
                let mut tx = write.begin().await?;
                for (token, ids) in done {
                    let sql = concat!("delete from jobs where lease_token = $2 and id in (", strings!(sqlite), ")");
                    n += sqlx::query(sql).bind(strings_json(ids)).bind(token).execute(&mut *tx).await?.rows_affected();
                }
                tx.commit().await?;
            }
            Store::Postgres(pool) => {
                // One statement for every lease, its rows locked in id order: the order
                // the heartbeat and the take-back lock them in too, so two workers
                // never deadlock (one lease after another did, against a heartbeat).
                let pairs: Vec<(&str, &str)> = done.iter().flat_map(|(token, ids)| ids.iter().map(move |id| (*id, *token))).collect();
                n = sqlx::query(
                    "delete from jobs where id in (select j.id from jobs j join (select x->>0 as id, x->>1 as token from json_array_elements($1::json) x) d \
                     on d.id = j.id and d.token = j.lease_token order by j.id for update of j)",
                )
                .bind(serde_json::to_string(&pairs).expect("pairs serialize"))
                .execute(pool)
                .await?
                .rows_affected();
            }
        }
        Ok(n)
    }

    /// Ends a failed run: due again at `run_at` (`Pending`), or a dead letter (`Dead`).
    pub async fn fail_job(&self, id: &str, token: &str, state: JobState, run_at: i64, error: &str, now: i64) -> StoreResult<bool> {
        Ok(on_write!(self, |pool, DB| {
            sqlx::query::<DB>(
                "update jobs set state = $3, run_at = $4, last_error = $5, lease_token = null, lease_until = null, updated_at = $6 \
                 where id = $1 and lease_token = $2",
            )
            .bind(id)
            .bind(token)
            .bind(state.as_str())
            .bind(run_at)
            .bind(error)
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()
        }) > 0)
    }

    /// Extends the leases named by `tokens` (a worker's heartbeat).
    pub async fn extend_job_leases(&self, tokens: &[&str], until: i64) -> StoreResult<u64> {
        let tokens = strings_json(tokens);
        Ok(match self {
            Store::Sqlite { write, .. } => {
                let sql = concat!("update jobs set lease_until = $2 where state = 'running' and lease_token in (", strings!(sqlite), ")");
                sqlx::query(sql).bind(tokens).bind(until).execute(write).await?.rows_affected()
            }
            Store::Postgres(pool) => {
                // Locked in id order, as `complete_jobs` locks them.
                let sql = concat!(
                    "update jobs set lease_until = $2 where id in (select id from jobs where state = 'running' and lease_token in (",
                    strings!(postgres),
                    ") order by id for update)"
                );
                sqlx::query(sql).bind(tokens).bind(until).execute(pool).await?.rows_affected()
            }
        })
    }

    /// Gives a leased job back unfinished (shutdown): due now, the attempt not counted.
    pub async fn release_job(&self, id: &str, token: &str, now: i64) -> StoreResult<bool> {
        Ok(on_write!(self, |pool, DB| {
            sqlx::query::<DB>(
                "update jobs set state = 'pending', run_at = $3, attempts = attempts - 1, lease_token = null, lease_until = null, updated_at = $3 \
                 where id = $1 and lease_token = $2 and state = 'running'",
            )
            .bind(id)
            .bind(token)
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()
        }) > 0)
    }

    /// Removes a pending job by kind and key (a timeout that no longer applies).
    pub async fn cancel_job(&self, kind: &str, key: &str) -> StoreResult<bool> {
        Ok(on_write!(self, |pool, DB| {
            sqlx::query::<DB>("delete from jobs where kind = $1 and key = $2 and state = 'pending'").bind(kind).bind(key).execute(pool).await?.rows_affected()
        }) > 0)
    }

    /// Counts by kind and state (for `/metrics`).
    pub async fn job_counts(&self) -> StoreResult<Vec<JobCount>> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_as::<DB, JobCount>("select kind, state, count(*) as count, min(run_at) as oldest from jobs group by kind, state")
                .fetch_all(pool)
                .await?)
        })
    }

    /// Pending jobs due at `now` (for `/metrics`): their number and the earliest `run_at`.
    pub async fn jobs_due(&self, now: i64) -> StoreResult<(i64, Option<i64>)> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_as::<DB, (i64, Option<i64>)>("select count(*), min(run_at) from jobs where state = 'pending' and run_at <= $1")
                .bind(now)
                .fetch_one(pool)
                .await?)
        })
    }

    /// Newest first, filtered; `before`: the (created_at, id) of the last job of the
    /// previous page.
    pub async fn jobs_page(
        &self,
        org_id: Option<&str>,
        kind: Option<&str>,
        state: Option<JobState>,
        before: Option<(i64, &str)>,
        limit: i64,
    ) -> StoreResult<Vec<JobRow>> {
        let sql = format!(
            "select {COLS} from jobs where ($1 is null or org_id = $1) and ($2 is null or kind = $2) and ($3 is null or state = $3) \
             and ($4 is null or created_at < $4 or (created_at = $4 and id < $5)) order by created_at desc, id desc limit $6"
        );
        let (before_at, before_id) = before.map_or((None, ""), |(t, id)| (Some(t), id));
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_as::<DB, JobRow>(&sql)
                .bind(org_id)
                .bind(kind)
                .bind(state.map(|s| s.as_str()))
                .bind(before_at)
                .bind(before_id)
                .bind(limit)
                .fetch_all(pool)
                .await?)
        })
    }

    /// Makes a dead job due now with a fresh count of attempts (within `org_id` when given).
    pub async fn retry_dead_job(&self, org_id: Option<&str>, id: &str, now: i64) -> StoreResult<JobRow> {
        let sql = format!(
            "update jobs set state = 'pending', run_at = $3, attempts = 0, updated_at = $3 \
             where id = $1 and ($2 is null or org_id = $2) and state = 'dead' returning {COLS}"
        );
        on_write!(self, |pool, DB| {
            sqlx::query_as::<DB, JobRow>(&sql).bind(id).bind(org_id).bind(now).fetch_optional(pool).await.map_err(Into::into).found()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{jobs_json, NewJob};

    #[test]
    fn of_jobs_with_one_kind_and_key_only_the_last_is_inserted() {
        let job = |key: Option<&str>, payload: &str| NewJob { kind: "k", key: key.map(str::to_owned), org_id: None, payload: payload.into(), run_at: 0 };
        let json = jobs_json(&[job(Some("a"), "first"), job(None, "x"), job(Some("a"), "second"), job(None, "y"), job(Some("b"), "b")], 0);
        let rows: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
        let payloads: Vec<&str> = rows.iter().map(|r| r[4].as_str().unwrap()).collect();
        assert_eq!(payloads, ["x", "second", "y", "b"]);
    }
}
