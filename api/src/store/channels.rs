//! Channels beyond the widget: email replies held for an agent (docs/email.md), and the
//! Slack workspace, threads and seen events (docs/slack.md).

use super::{Found, Store, StoreResult};

#[derive(sqlx::FromRow, Debug, Clone)]
pub struct HeldEmailRow {
    pub id: String,
    pub org_id: String,
    pub conversation_id: String,
    pub message_key: String,
    pub from_address: String,
    pub subject: String,
    pub body: String,
    pub reason: String,
    pub storage_key: String,
    pub created_at: i64,
}

const HELD_COLS: &str = "id, org_id, conversation_id, message_key, from_address, subject, body, reason, storage_key, created_at";

#[derive(sqlx::FromRow, Debug, Clone)]
pub struct SlackRow {
    pub org_id: String,
    pub team_id: String,
    pub team_name: String,
    pub bot_user_id: String,
    pub bot_token: String,
    pub signing_secret: String,
    pub channel_id: String,
    pub mode: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const SLACK_COLS: &str = "org_id, team_id, team_name, bot_user_id, bot_token, signing_secret, channel_id, mode, created_at, updated_at";

#[derive(sqlx::FromRow, Debug, Clone)]
pub struct SlackThreadRow {
    pub conversation_id: String,
    pub org_id: String,
    pub channel_id: String,
    pub thread_ts: String,
    /// The last message (seq) the thread shows.
    pub last_seq: i64,
    /// The status and assignee the thread last told.
    pub last_status: String,
    pub last_assignee: Option<String>,
}

const THREAD_COLS: &str = "conversation_id, org_id, channel_id, thread_ts, last_seq, last_status, last_assignee";

impl Store {
    /// Holds an email; `false` if this message (by key) is already held.
    pub async fn hold_email(&self, h: &HeldEmailRow) -> StoreResult<bool> {
        on_write!(self, |pool, DB| Ok(sqlx::query::<DB>(&format!(
            "insert into held_emails ({HELD_COLS}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) on conflict (conversation_id, message_key) do nothing"
        ))
        .bind(&h.id)
        .bind(&h.org_id)
        .bind(&h.conversation_id)
        .bind(&h.message_key)
        .bind(&h.from_address)
        .bind(&h.subject)
        .bind(&h.body)
        .bind(&h.reason)
        .bind(&h.storage_key)
        .bind(h.created_at)
        .execute(pool)
        .await?
        .rows_affected()
            == 1))
    }

    pub async fn held_emails(&self, org_id: &str, conversation_id: &str) -> StoreResult<Vec<HeldEmailRow>> {
        on_read!(self, |pool, DB| Ok(sqlx::query_as::<DB, HeldEmailRow>(&format!(
            "select {HELD_COLS} from held_emails where org_id = $1 and conversation_id = $2 order by created_at, id"
        ))
        .bind(org_id)
        .bind(conversation_id)
        .fetch_all(pool)
        .await?))
    }

    pub async fn held_email(&self, org_id: &str, id: &str) -> StoreResult<HeldEmailRow> {
        on_read!(self, |pool, DB| sqlx::query_as::<DB, HeldEmailRow>(&format!("select {HELD_COLS} from held_emails where id = $1 and org_id = $2"))
            .bind(id)
            .bind(org_id)
            .fetch_optional(pool)
            .await
            .map_err(Into::into)
            .found())
    }

    /// Whether this message (by key) is held in the conversation.
    pub async fn is_held(&self, conversation_id: &str, message_key: &str) -> StoreResult<bool> {
        on_read!(self, |pool, DB| Ok(sqlx::query_scalar::<DB, i64>("select count(*) from held_emails where conversation_id = $1 and message_key = $2")
            .bind(conversation_id)
            .bind(message_key)
            .fetch_one(pool)
            .await?
            > 0))
    }

    /// Removes a held email; `false` if it was already gone.
    pub async fn delete_held_email(&self, org_id: &str, id: &str) -> StoreResult<bool> {
        on_write!(self, |pool, DB| Ok(sqlx::query::<DB>("delete from held_emails where id = $1 and org_id = $2")
            .bind(id)
            .bind(org_id)
            .execute(pool)
            .await?
            .rows_affected()
            == 1))
    }

    pub async fn slack(&self, org_id: &str) -> StoreResult<SlackRow> {
        on_read!(self, |pool, DB| sqlx::query_as::<DB, SlackRow>(&format!("select {SLACK_COLS} from slack_integrations where org_id = $1"))
            .bind(org_id)
            .fetch_optional(pool)
            .await
            .map_err(Into::into)
            .found())
    }

    /// Connects (or reconnects) the organization's workspace.
    pub async fn put_slack(&self, s: &SlackRow) -> StoreResult<SlackRow> {
        on_write!(self, |pool, DB| Ok(sqlx::query_as::<DB, SlackRow>(&format!(
            "insert into slack_integrations ({SLACK_COLS}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             on conflict (org_id) do update set team_id = excluded.team_id, team_name = excluded.team_name, bot_user_id = excluded.bot_user_id, \
             bot_token = excluded.bot_token, signing_secret = excluded.signing_secret, channel_id = excluded.channel_id, mode = excluded.mode, \
             updated_at = excluded.updated_at returning {SLACK_COLS}"
        ))
        .bind(&s.org_id)
        .bind(&s.team_id)
        .bind(&s.team_name)
        .bind(&s.bot_user_id)
        .bind(&s.bot_token)
        .bind(&s.signing_secret)
        .bind(&s.channel_id)
        .bind(&s.mode)
        .bind(s.created_at)
        .bind(s.updated_at)
        .fetch_one(pool)
        .await?))
    }

    /// Disconnects the workspace (its threads are forgotten: new conversations start new ones).
    pub async fn delete_slack(&self, org_id: &str) -> StoreResult<bool> {
        on_write!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            sqlx::query::<DB>("delete from slack_threads where org_id = $1").bind(org_id).execute(&mut *tx).await?;
            let n = sqlx::query::<DB>("delete from slack_integrations where org_id = $1").bind(org_id).execute(&mut *tx).await?.rows_affected();
            tx.commit().await?;
            Ok(n == 1)
        })
    }

    /// Forgets the organization's threads (the channel changed: new conversations start
    /// new threads there).
    pub async fn delete_slack_threads(&self, org_id: &str) -> StoreResult<()> {
        on_write!(self, |pool, DB| {
            sqlx::query::<DB>("delete from slack_threads where org_id = $1").bind(org_id).execute(pool).await?;
            Ok(())
        })
    }

    /// Held emails in the conversation (a cap on what one conversation may hold).
    pub async fn held_email_count(&self, conversation_id: &str) -> StoreResult<i64> {
        on_read!(self, |pool, DB| Ok(sqlx::query_scalar::<DB, i64>("select count(*) from held_emails where conversation_id = $1")
            .bind(conversation_id)
            .fetch_one(pool)
            .await?))
    }

    pub async fn slack_thread(&self, conversation_id: &str) -> StoreResult<Option<SlackThreadRow>> {
        on_read!(self, |pool, DB| Ok(sqlx::query_as::<DB, SlackThreadRow>(&format!("select {THREAD_COLS} from slack_threads where conversation_id = $1"))
            .bind(conversation_id)
            .fetch_optional(pool)
            .await?))
    }

    /// The conversation whose thread starts at `thread_ts` in the channel.
    pub async fn slack_thread_by_ts(&self, org_id: &str, channel_id: &str, thread_ts: &str) -> StoreResult<Option<SlackThreadRow>> {
        on_read!(self, |pool, DB| Ok(sqlx::query_as::<DB, SlackThreadRow>(&format!(
            "select {THREAD_COLS} from slack_threads where org_id = $1 and channel_id = $2 and thread_ts = $3"
        ))
        .bind(org_id)
        .bind(channel_id)
        .bind(thread_ts)
        .fetch_optional(pool)
        .await?))
    }

    /// Records the conversation's thread; the one already recorded wins (two posts racing).
    pub async fn put_slack_thread(&self, t: &SlackThreadRow, now: i64) -> StoreResult<SlackThreadRow> {
        on_write!(self, |pool, DB| {
            sqlx::query::<DB>(&format!(
                "insert into slack_threads ({THREAD_COLS}, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict (conversation_id) do nothing"
            ))
            .bind(&t.conversation_id)
            .bind(&t.org_id)
            .bind(&t.channel_id)
            .bind(&t.thread_ts)
            .bind(t.last_seq)
            .bind(&t.last_status)
            .bind(&t.last_assignee)
            .bind(now)
            .execute(pool)
            .await?;
            Ok(sqlx::query_as::<DB, SlackThreadRow>(&format!("select {THREAD_COLS} from slack_threads where conversation_id = $1"))
                .bind(&t.conversation_id)
                .fetch_one(pool)
                .await?)
        })
    }

    /// Moves the thread's mirror forward (never back: two syncs racing).
    pub async fn advance_slack_thread(&self, conversation_id: &str, last_seq: i64, status: &str, assignee: Option<&str>) -> StoreResult<()> {
        on_write!(self, |pool, DB| {
            sqlx::query::<DB>(
                "update slack_threads set last_seq = case when last_seq > $1 then last_seq else $1 end, last_status = $2, last_assignee = $3 where conversation_id = $4",
            )
            .bind(last_seq)
            .bind(status)
            .bind(assignee)
            .bind(conversation_id)
            .execute(pool)
            .await?;
            Ok(())
        })
    }

    /// Takes (or, with the same token, extends) the lease on syncing the conversation's
    /// thread until `until`; `false` while another token holds it past `now`.
    pub async fn lease_slack_sync(&self, conversation_id: &str, token: &str, now: i64, until: i64) -> StoreResult<bool> {
        on_write!(self, |pool, DB| Ok(sqlx::query::<DB>(
            "insert into slack_sync_leases (conversation_id, token, lease_until) values ($1, $2, $3) \
             on conflict (conversation_id) do update set token = excluded.token, lease_until = excluded.lease_until \
             where slack_sync_leases.token = excluded.token or slack_sync_leases.lease_until < $4",
        )
        .bind(conversation_id)
        .bind(token)
        .bind(until)
        .bind(now)
        .execute(pool)
        .await?
        .rows_affected()
            > 0))
    }

    /// Gives the lease back (a no-op if it lapsed and another worker holds it now).
    pub async fn release_slack_sync(&self, conversation_id: &str, token: &str) -> StoreResult<()> {
        on_write!(self, |pool, DB| {
            sqlx::query::<DB>("delete from slack_sync_leases where conversation_id = $1 and token = $2")
                .bind(conversation_id)
                .bind(token)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    /// Records a Slack event id with the job that handles it, in one transaction; `false`
    /// (and no job) if the id was seen already (Slack's retry of a delivery).
    pub async fn slack_event_once(&self, org_id: &str, event_id: &str, job: &super::NewJob, now: i64) -> StoreResult<bool> {
        on_write!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            // A day is longer than Slack's retries (three, within about an hour).
            sqlx::query::<DB>("delete from slack_events where created_at < $1").bind(now - 86_400_000).execute(&mut *tx).await?;
            let n = sqlx::query::<DB>("insert into slack_events (org_id, event_id, created_at) values ($1, $2, $3) on conflict (org_id, event_id) do nothing")
                .bind(org_id)
                .bind(event_id)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 1 {
                super::jobs::insert_jobs!(tx, DB, std::slice::from_ref(job), now);
            }
            tx.commit().await?;
            Ok(n == 1)
        })
    }
}
