//! Appending messages, with group commit. Every message is durable before anyone is
//! told (SQLite `synchronous=FULL`, PostgreSQL `synchronous_commit=on`); what pays for
//! that is committing many messages per transaction. `Appender` queues sends, and each
//! executor takes everything queued into one transaction: under load batches grow,
//! at rest a message commits alone with no added wait.
//!
//! A batch costs the same few statements whatever its size: it locks its
//! conversations (the write lock on SQLite, `for no key update` in id order on
//! PostgreSQL, so concurrent batches cannot deadlock), looks up resent
//! `clientMessageId`s, inserts every message with one statement and updates every
//! conversation with one. `seq` is assigned in memory under the lock, so it is assigned
//! in the writing transaction and `seq` order is commit order. Rows travel as one JSON
//! parameter per statement, so each statement's text is fixed and stays prepared. On
//! SQLite the statements share two round trips to sqlx's SQLite thread (lock and keys;
//! writes and commit), since each trip is a cross-thread wake-up.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde::Serialize;
use tokio::sync::{mpsc, oneshot, Semaphore};

use super::jobs::{insert_jobs_json, jobs_json, NewJob};
use super::rows::message_cols;
use super::{ConversationRow, MessageRow, Store, StoreError, StoreResult};
use crate::domain::conversation::{self, Arrival, Thread};
use crate::domain::SenderKind;
use crate::ids::new_id;
use crate::jobs::Clock;
use crate::time::now_ms;

/// A message to append; the conversation is already checked to be the sender's.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub org_id: String,
    pub conversation_id: String,
    /// For a visitor sender: the conversation must be this visitor's, checked in the
    /// same statement that takes the lock (no separate read per send).
    pub visitor_id: Option<String>,
    pub sender_kind: SenderKind,
    pub sender_id: String,
    pub body: String,
    pub is_private: bool,
    pub client_message_id: Option<String>,
    /// Uploads (already checked to be the sender's, in this conversation) to attach.
    pub attachment_ids: Vec<String>,
    /// The jobs a new message causes (an email to an offline visitor), decided under the
    /// lock from the message and the conversation as written, and committed with them.
    pub follow_up: Option<FollowUp>,
}

/// Jobs for a message just planned: `(message, conversation after it, whether it put the
/// conversation in the queue, the job clock's now)`.
pub type FollowUp = fn(&MessageRow, &ConversationRow, bool, i64) -> Vec<NewJob>;

/// What an append did, so the caller publishes exactly the events that happened.
#[derive(Debug, Clone)]
pub struct Appended {
    pub message: MessageRow,
    /// The conversation after the write.
    pub conversation: ConversationRow,
    /// The key was seen before: `message` is the original and nothing was written.
    pub duplicate: bool,
    /// The first visitor message: the conversation enters agents' queues now.
    pub became_queued: bool,
    /// Status or first response changed (e.g. a visitor reopened a resolved conversation).
    pub conversation_changed: bool,
}

/// The most messages one transaction commits.
const MAX_BATCH: usize = 512;

/// The conversation columns as one JSON array per row, in `ConversationRow` field order.
macro_rules! conversation_json {
    ($f:literal) => {
        concat!(
            $f,
            "(id, org_id, website_id, visitor_id, department_id, assignee_id, status, last_seq, queued, last_message_preview, \
             created_at, updated_at, last_activity_at, first_response_at, resolved_at, rating, rating_comment, is_offline, priority, routed_by, waiting_since, \
             first_response_due_at, resolution_due_at, awaiting_since, next_response_seconds, next_response_due_at, offered_to, offer_expires_at)"
        )
    };
}

// SQLite. Every statement takes its rows as one JSON parameter (an array of arrays),
// so its text is the same whatever the batch size and stays prepared; what comes back
// is one JSON value (one row to hand over from sqlx's SQLite thread, however many
// conversations). With one writer, the write transaction taken by `begin immediate`
// is the lock.
macro_rules! sqlite_lock {
    ($p:literal) => {
        concat!(
            "select coalesce(json_group_array(",
            conversation_json!("json_array"),
            "), '[]') from conversations where id in (select value from json_each(",
            $p,
            "))"
        )
    };
}
macro_rules! sqlite_keys {
    ($p:literal) => {
        concat!(
            "select coalesce(json_group_array(json_array(m.id, m.conversation_id, m.org_id, m.seq, m.sender_kind, m.sender_id, m.body, m.is_private, \
             m.client_message_id, m.created_at)), '[]') from json_each(",
            $p,
            ") k join messages m on m.conversation_id = k.value->>0 and m.sender_kind = k.value->>1 and m.sender_id = k.value->>2 \
             and m.client_message_id = k.value->>3"
        )
    };
}
macro_rules! sqlite_insert {
    ($p:literal) => {
        concat!(
            "insert into messages (",
            message_cols!(),
            ") select value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6, value->>7, value->>8, value->>9 from json_each(",
            $p,
            ")"
        )
    };
}
macro_rules! sqlite_update {
    ($p:literal) => {
        concat!(
            "update conversations set last_seq = x.value->>1, updated_at = x.value->>2, last_activity_at = x.value->>2, \
             last_message_preview = x.value->>3, queued = x.value->>4, status = x.value->>5, resolved_at = x.value->>6, \
             first_response_at = x.value->>7, awaiting_since = x.value->>8 from json_each(",
            $p,
            ") as x where conversations.id = x.value->>0"
        )
    };
}
const SQLITE_LOCK: &str = concat!("begin immediate; ", sqlite_lock!("$1"));
const SQLITE_LOCK_AND_KEYS: &str = concat!("begin immediate; ", sqlite_lock!("$1"), "; ", sqlite_keys!("$2"));
const SQLITE_INSERT: &str = sqlite_insert!("$1");
const SQLITE_UPDATE: &str = sqlite_update!("$1");
const SQLITE_WRITE_AND_COMMIT: &str = concat!(sqlite_insert!("$1"), "; ", sqlite_update!("$2"), "; commit");
const SQLITE_WRITE_JOBS_AND_COMMIT: &str = concat!(sqlite_insert!("$1"), "; ", sqlite_update!("$2"), "; ", insert_jobs_json!(sqlite, "$3"), "; commit");
const SQLITE_JOBS: &str = insert_jobs_json!(sqlite, "$1");

macro_rules! postgres_insert {
    () => {
        concat!(
            "insert into messages (",
            message_cols!(),
            ") select x->>0, x->>1, x->>2, (x->>3)::bigint, x->>4, x->>5, x->>6, (x->>7)::boolean, x->>8, (x->>9)::bigint from json_array_elements($1::json) x"
        )
    };
}

/// PostgreSQL's batch statements, with the same JSON parameters.
struct BatchSql {
    lock: &'static str,
    keys: &'static str,
    insert: &'static str,
    update: &'static str,
    insert_with_jobs: &'static str,
}

const POSTGRES_SQL: BatchSql = BatchSql {
    // Row locks in id order, so concurrent batches cannot deadlock; `no key update`
    // (as a plain `update` would take) so inserts referencing a conversation (read
    // positions, uploads) do not wait for the batch.
    lock: concat!(
        "select coalesce(json_agg(",
        conversation_json!("json_build_array"),
        " order by id), '[]')::text from (select * from conversations where id in (select json_array_elements_text($1::json)) order by id for no key update) c"
    ),
    keys: "select m.id, m.conversation_id, m.org_id, m.seq, m.sender_kind, m.sender_id, m.body, m.is_private, m.client_message_id, m.created_at \
           from json_array_elements($1::json) k join messages m on m.conversation_id = k->>0 and m.sender_kind = k->>1 \
           and m.sender_id = k->>2 and m.client_message_id = k->>3",
    insert: postgres_insert!(),
    // With follow-up jobs, one statement still (a data-modifying CTE): on PostgreSQL each
    // statement is a round trip, which costs more than the rows.
    insert_with_jobs: concat!("with m as (", postgres_insert!(), ") ", insert_jobs_json!(postgres, "$2")),
    update: "update conversations c set last_seq = (x->>1)::bigint, updated_at = (x->>2)::bigint, last_activity_at = (x->>2)::bigint, \
             last_message_preview = x->>3, queued = (x->>4)::boolean, status = x->>5, resolved_at = (x->>6)::bigint, \
             first_response_at = (x->>7)::bigint, awaiting_since = (x->>8)::bigint from json_array_elements($1::json) x where c.id = x->>0",
};

fn json<T: Serialize>(rows: &[T]) -> String {
    serde_json::to_string(rows).expect("rows serialize")
}

/// Who a message is deduplicated by: conversation, sender and the client's key.
type Key<'a> = (&'a str, SenderKind, &'a str, &'a str);

fn key_of(m: &NewMessage) -> Option<Key<'_>> {
    m.client_message_id.as_deref().map(|k| (m.conversation_id.as_str(), m.sender_kind, m.sender_id.as_str(), k))
}

/// A batch worked out in memory under the lock: each message's outcome, the rows to
/// insert, the attachments to link and the conversations that changed.
struct Plan<'a> {
    out: Vec<StoreResult<Appended>>,
    /// Follow-up jobs, to insert with the messages.
    jobs: Vec<NewJob>,
    inserts: Vec<MessageRow>,
    /// (index into `inserts`, attachment id).
    attach: Vec<(usize, &'a str)>,
    touched: HashSet<&'a str>,
}

impl<'a> Plan<'a> {
    /// `conversations`: the locked rows, updated in place; `earlier`: committed
    /// messages whose keys this batch resends.
    fn new(batch: &'a [NewMessage], conversations: &mut HashMap<String, ConversationRow>, earlier: Vec<MessageRow>, job_now: i64) -> Plan<'a> {
        // Read under the lock, so a batch that waited for it never moves a
        // conversation's times backwards.
        let now = conversations.values().map(|c| c.updated_at).max().unwrap_or(0).max(now_ms());
        let mut seen: HashMap<Key, MessageRow> = HashMap::with_capacity(earlier.len());
        for e in &earlier {
            if let (Some(sender), Some(key)) = (e.sender_id.as_deref(), e.client_message_id.as_deref()) {
                if let Some(m) = batch.iter().find(|m| {
                    m.conversation_id == e.conversation_id
                        && m.sender_kind == e.sender_kind
                        && m.sender_id == sender
                        && m.client_message_id.as_deref() == Some(key)
                }) {
                    seen.insert(key_of(m).expect("a keyed message"), e.clone());
                }
            }
        }
        let mut plan = Plan {
            out: Vec::with_capacity(batch.len()),
            jobs: Vec::new(),
            inserts: Vec::with_capacity(batch.len()),
            attach: Vec::new(),
            touched: HashSet::new(),
        };
        for m in batch {
            let conversation =
                conversations.get_mut(&m.conversation_id).filter(|c| c.org_id == m.org_id && m.visitor_id.as_deref().is_none_or(|v| v == c.visitor_id));
            let Some(conv) = conversation else {
                plan.out.push(Err(StoreError::NotFound));
                continue;
            };
            if let Some(message) = key_of(m).and_then(|k| seen.get(&k)) {
                // A resend (of a committed message, or of one earlier in this batch).
                plan.out.push(Ok(Appended {
                    message: message.clone(),
                    conversation: conv.clone(),
                    duplicate: true,
                    became_queued: false,
                    conversation_changed: false,
                }));
                continue;
            }
            // The rules are the domain's; the planner only applies and persists them.
            let (next, effects) = conversation::on_message(thread_of(conv), Arrival { sender_kind: m.sender_kind, is_private: m.is_private }, now);
            apply(conv, next);
            conv.updated_at = now;
            conv.last_activity_at = now;
            if let Some(preview) = conversation::preview_after(&m.body, m.is_private) {
                conv.last_message_preview = Some(preview);
            }
            let message = MessageRow {
                id: new_id("msg"),
                conversation_id: m.conversation_id.clone(),
                org_id: m.org_id.clone(),
                seq: conv.last_seq,
                sender_kind: m.sender_kind,
                sender_id: Some(m.sender_id.clone()),
                body: m.body.clone(),
                is_private: m.is_private,
                client_message_id: m.client_message_id.clone(),
                created_at: now,
            };
            if let Some(key) = key_of(m) {
                seen.insert(key, message.clone());
            }
            if let Some(follow_up) = m.follow_up {
                plan.jobs.extend(follow_up(&message, conv, effects.became_queued, job_now));
            }
            plan.touched.insert(&m.conversation_id);
            plan.attach.extend(m.attachment_ids.iter().map(|a| (plan.inserts.len(), a.as_str())));
            plan.out.push(Ok(Appended {
                message: message.clone(),
                conversation: conv.clone(),
                duplicate: false,
                became_queued: effects.became_queued,
                conversation_changed: effects.conversation_changed(),
            }));
            plan.inserts.push(message);
        }
        plan
    }

    /// The insert statement's parameter: rows in `message_cols!()` order.
    fn rows_json(&self) -> String {
        let rows: Vec<_> = self
            .inserts
            .iter()
            .map(|m| {
                (&m.id, &m.conversation_id, &m.org_id, m.seq, m.sender_kind.as_str(), &m.sender_id, &m.body, m.is_private, &m.client_message_id, m.created_at)
            })
            .collect();
        json(&rows)
    }

    /// The update statement's parameter, in the order it reads them.
    fn changed_json(&self, conversations: &HashMap<String, ConversationRow>) -> String {
        let changed: Vec<_> = conversations
            .values()
            .filter(|c| self.touched.contains(c.id.as_str()))
            .map(|c| {
                (&c.id, c.last_seq, c.updated_at, &c.last_message_preview, c.queued, c.status.as_str(), c.resolved_at, c.first_response_at, c.awaiting_since)
            })
            .collect();
        json(&changed)
    }
}

/// The part of a conversation the domain's rules read and write.
fn thread_of(c: &ConversationRow) -> Thread {
    Thread {
        status: c.status,
        last_seq: c.last_seq,
        queued: c.queued,
        first_response_at: c.first_response_at,
        resolved_at: c.resolved_at,
        awaiting_since: c.awaiting_since,
    }
}

fn apply(c: &mut ConversationRow, t: Thread) {
    c.status = t.status;
    c.last_seq = t.last_seq;
    c.queued = t.queued;
    c.first_response_at = t.first_response_at;
    c.awaiting_since = t.awaiting_since;
    c.resolved_at = t.resolved_at;
}

const ATTACH: &str = "update attachments set message_id = $1 where id = $2 and conversation_id = $3 and uploader_id = $4 and message_id is null";

fn parse_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, sqlx::Error> {
    serde_json::from_str(text).map_err(|e| sqlx::Error::Decode(e.into()))
}

impl Store {
    /// Appends one message in its own transaction (no batching).
    pub async fn append_message(&self, m: NewMessage, job_now: i64) -> StoreResult<Appended> {
        self.append_batch(vec![m], job_now).await?.pop().expect("one result per message")
    }

    /// Appends messages in one transaction whatever their number: lock the
    /// conversations, look up resent keys, insert the messages, update the
    /// conversations. Sequence numbers and the conversations' new state are computed
    /// in memory under the lock. The outer error fails the whole batch (nothing was
    /// written); inner errors are per message (a missing or someone else's conversation).
    /// `job_now`: the job clock's time, for follow-up jobs.
    pub async fn append_batch(&self, batch: Vec<NewMessage>, job_now: i64) -> StoreResult<Vec<StoreResult<Appended>>> {
        let mut conversation_ids: Vec<&str> = batch.iter().map(|m| m.conversation_id.as_str()).collect();
        conversation_ids.sort_unstable();
        conversation_ids.dedup();
        let keys: Vec<(&str, &str, &str, &str)> =
            batch.iter().filter_map(key_of).map(|(conversation, kind, sender, key)| (conversation, kind.as_str(), sender, key)).collect();
        match self {
            Store::Sqlite { write, .. } => append_sqlite(write, &batch, json(&conversation_ids), (!keys.is_empty()).then(|| json(&keys)), job_now).await,
            Store::Postgres(pool) => append_postgres(pool, &batch, json(&conversation_ids), (!keys.is_empty()).then(|| json(&keys)), job_now).await,
        }
    }
}

/// SQLite: two round trips to sqlx's SQLite thread for the whole batch (each costs a
/// cross-thread wake-up, which at low load is most of a batch's time besides fsync):
/// `begin immediate` with the lock and key lookups, then the writes with `commit`.
/// The transaction is managed by hand so that the statements can share those trips;
/// on any failure it is rolled back, and a connection whose state is unknown is closed.
async fn append_sqlite(
    pool: &sqlx::SqlitePool,
    batch: &[NewMessage],
    ids: String,
    keys: Option<String>,
    job_now: i64,
) -> StoreResult<Vec<StoreResult<Appended>>> {
    let mut conn = pool.acquire().await?;
    let result = append_sqlite_in(&mut conn, batch, ids, keys, job_now).await;
    if result.is_err() && sqlx::query("rollback").execute(&mut *conn).await.is_err() {
        conn.close_on_drop();
    }
    result
}

async fn append_sqlite_in(
    conn: &mut sqlx::pool::PoolConnection<sqlx::Sqlite>,
    batch: &[NewMessage],
    ids: String,
    keys: Option<String>,
    job_now: i64,
) -> StoreResult<Vec<StoreResult<Appended>>> {
    use sqlx::Row as _;
    // The first trip: the write lock, the conversations, the resent keys.
    let first = match keys {
        Some(keys) => sqlx::query(SQLITE_LOCK_AND_KEYS).bind(ids).bind(keys),
        None => sqlx::query(SQLITE_LOCK).bind(ids),
    };
    let rows = first.fetch_all(&mut **conn).await?;
    let mut texts = rows.iter().map(|r| r.try_get::<String, _>(0));
    let locked: Vec<ConversationRow> = parse_json(&texts.next().ok_or(sqlx::Error::RowNotFound)??)?;
    let earlier: Vec<MessageRow> = match texts.next() {
        // Rows in `MessageRow` field order, which reads them as sequences.
        Some(t) => parse_json(&t?)?,
        None => Vec::new(),
    };
    let mut conversations: HashMap<String, ConversationRow> = locked.into_iter().map(|c| (c.id.clone(), c)).collect();
    let plan = Plan::new(batch, &mut conversations, earlier, job_now);
    if !plan.inserts.is_empty() {
        if plan.attach.is_empty() {
            // The second trip: the writes (with the follow-up jobs) and the commit.
            let (rows, changed) = (plan.rows_json(), plan.changed_json(&conversations));
            let write = if plan.jobs.is_empty() {
                sqlx::query(SQLITE_WRITE_AND_COMMIT).bind(rows).bind(changed)
            } else {
                sqlx::query(SQLITE_WRITE_JOBS_AND_COMMIT).bind(rows).bind(changed).bind(jobs_json(&plan.jobs, job_now))
            };
            write.execute(&mut **conn).await?;
            return Ok(plan.out);
        }
        sqlx::query(SQLITE_INSERT).bind(plan.rows_json()).execute(&mut **conn).await?;
        for &(i, attachment_id) in &plan.attach {
            let m = &plan.inserts[i];
            sqlx::query(ATTACH).bind(&m.id).bind(attachment_id).bind(&m.conversation_id).bind(&m.sender_id).execute(&mut **conn).await?;
        }
        sqlx::query(SQLITE_UPDATE).bind(plan.changed_json(&conversations)).execute(&mut **conn).await?;
        if !plan.jobs.is_empty() {
            sqlx::query(SQLITE_JOBS).bind(jobs_json(&plan.jobs, job_now)).execute(&mut **conn).await?;
        }
    }
    sqlx::query("commit").execute(&mut **conn).await?;
    Ok(plan.out)
}

/// PostgreSQL: a transaction of separate statements (a prepared statement holds one),
/// the keys looked up only after the lock is held, so a concurrent resend is seen.
async fn append_postgres(
    pool: &sqlx::PgPool,
    batch: &[NewMessage],
    ids: String,
    keys: Option<String>,
    job_now: i64,
) -> StoreResult<Vec<StoreResult<Appended>>> {
    let sql = &POSTGRES_SQL;
    let mut tx = pool.begin().await?;
    let (locked,): (String,) = sqlx::query_as(sql.lock).bind(ids).fetch_one(&mut *tx).await?;
    let locked: Vec<ConversationRow> = parse_json(&locked)?;
    let earlier = match keys {
        Some(keys) => sqlx::query_as::<_, MessageRow>(sql.keys).bind(keys).fetch_all(&mut *tx).await?,
        None => Vec::new(),
    };
    let mut conversations: HashMap<String, ConversationRow> = locked.into_iter().map(|c| (c.id.clone(), c)).collect();
    let plan = Plan::new(batch, &mut conversations, earlier, job_now);
    if !plan.inserts.is_empty() {
        let insert = if plan.jobs.is_empty() {
            sqlx::query(sql.insert).bind(plan.rows_json())
        } else {
            sqlx::query(sql.insert_with_jobs).bind(plan.rows_json()).bind(jobs_json(&plan.jobs, job_now))
        };
        insert.execute(&mut *tx).await?;
        for &(i, attachment_id) in &plan.attach {
            let m = &plan.inserts[i];
            sqlx::query(ATTACH).bind(&m.id).bind(attachment_id).bind(&m.conversation_id).bind(&m.sender_id).execute(&mut *tx).await?;
        }
        sqlx::query(sql.update).bind(plan.changed_json(&conversations)).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(plan.out)
}

type Queued = (NewMessage, oneshot::Sender<StoreResult<Appended>>);

/// Group commit in front of `append_batch`: callers wait for their own result while
/// their messages share a transaction with whatever else was queued.
#[derive(Clone)]
pub struct Appender {
    tx: mpsc::Sender<Queued>,
}

/// Commits one batch and answers each sender; frees the executor's permit at the end.
async fn run_batch(store: Store, jobs: Vec<Queued>, job_now: i64, permit: tokio::sync::OwnedSemaphorePermit) {
    let (messages, replies): (Vec<NewMessage>, Vec<_>) = jobs.into_iter().unzip();
    match store.append_batch(messages, job_now).await {
        Ok(results) => {
            for (r, reply) in results.into_iter().zip(replies) {
                let _ = reply.send(r);
            }
        }
        Err(e) => {
            let retry = matches!(e, StoreError::Unavailable(_));
            tracing::warn!(error = ?e, "message batch failed; every sender gets a retryable error");
            for reply in replies {
                let _ = reply.send(Err(if retry {
                    StoreError::Unavailable(sqlx::Error::PoolTimedOut)
                } else {
                    StoreError::Unavailable(sqlx::Error::WorkerCrashed)
                }));
            }
        }
    }
    drop(permit);
}

impl Appender {
    /// Starts the executors: one on SQLite (it has one writer), several on PostgreSQL.
    /// `clock`: the job clock, for follow-up jobs' times.
    pub fn start(store: Store, clock: Arc<dyn Clock>) -> Appender {
        let executors = match store {
            Store::Sqlite { .. } => 1,
            Store::Postgres(_) => 4,
        };
        let (tx, mut rx) = mpsc::channel::<Queued>(16_384);
        let permits = Arc::new(Semaphore::new(executors));
        tokio::spawn(async move {
            loop {
                // Wait for a free executor first, so jobs pile up into the next batch.
                let Ok(permit) = permits.clone().acquire_owned().await else { return };
                let Some(first) = rx.recv().await else { return };
                let mut jobs = vec![first];
                while jobs.len() < MAX_BATCH {
                    match rx.try_recv() {
                        Ok(j) => jobs.push(j),
                        Err(_) => break,
                    }
                }
                let batch = run_batch(store.clone(), jobs, clock.now_ms(), permit);
                if executors == 1 {
                    // SQLite's one writer: the batch runs in this task, no task spawned
                    // (and woken) per batch; the next batch collects meanwhile.
                    batch.await;
                } else {
                    tokio::spawn(batch);
                }
            }
        });
        Appender { tx }
    }

    /// Appends `m`; returns once it is committed (or failed).
    pub async fn append(&self, m: NewMessage) -> StoreResult<Appended> {
        let (reply, rx) = oneshot::channel();
        self.tx.send((m, reply)).await.map_err(|_| StoreError::Unavailable(sqlx::Error::PoolClosed))?;
        rx.await.map_err(|_| StoreError::Unavailable(sqlx::Error::WorkerCrashed))?
    }
}
