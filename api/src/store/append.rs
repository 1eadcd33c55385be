//! Appending messages, with group commit. Every message is durable before anyone is
//! told (SQLite `synchronous=FULL`, PostgreSQL `synchronous_commit=on`); what pays for
//! that is committing many messages per transaction. `Appender` queues sends, and each
//! executor takes everything queued into one transaction: under load batches grow,
//! at rest a message commits alone with no added wait.
//!
//! A batch is four statements whatever its size: it locks its conversations (the write
//! lock on SQLite, `for update` in id order on PostgreSQL, so concurrent batches cannot
//! deadlock), looks up resent `clientMessageId`s, inserts every message with one
//! statement and updates every conversation with one. `seq` is assigned in memory
//! under the lock, so it is assigned in the writing transaction and `seq` order is
//! commit order. Rows travel as one JSON parameter per statement, so each statement's
//! text is fixed and stays prepared.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde::Serialize;
use tokio::sync::{mpsc, oneshot, Semaphore};

use super::rows::message_cols;
use super::{ConversationRow, MessageRow, Store, StoreError, StoreResult};
use crate::domain::{ConversationStatus, SenderKind};
use crate::ids::new_id;
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
}

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

const PREVIEW_CHARS: usize = 140;
/// The most messages one transaction commits.
const MAX_BATCH: usize = 512;

/// The batch statements, per dialect. Each takes its rows as one JSON parameter (an
/// array of arrays), so its text is the same whatever the batch size (one prepared
/// statement each, cached), and the locked conversations come back as one JSON value
/// (one row to hand over, however many conversations).
struct BatchSql {
    begin: &'static str,
    lock: &'static str,
    keys: &'static str,
    insert: &'static str,
    update: &'static str,
}

/// The conversation columns as one JSON array per row, in `ConversationRow` field order.
macro_rules! conversation_json {
    ($f:literal) => {
        concat!(
            $f,
            "(id, org_id, website_id, visitor_id, department_id, assignee_id, status, last_seq, queued, last_message_preview, \
             created_at, updated_at, last_activity_at, first_response_at, resolved_at, rating, rating_comment, is_offline)"
        )
    };
}

const SQLITE_SQL: BatchSql = BatchSql {
    // One writer: the write transaction, taken at `begin`, is the lock.
    begin: "begin immediate",
    lock: concat!(
        "select coalesce(json_group_array(",
        conversation_json!("json_array"),
        "), '[]') from conversations where id in (select value from json_each($1))"
    ),
    keys: "select m.id, m.conversation_id, m.org_id, m.seq, m.sender_kind, m.sender_id, m.body, m.is_private, m.client_message_id, m.created_at \
           from json_each($1) k join messages m on m.conversation_id = k.value->>0 and m.sender_kind = k.value->>1 \
           and m.sender_id = k.value->>2 and m.client_message_id = k.value->>3",
    insert: concat!(
        "insert into messages (",
        message_cols!(),
        ") select value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6, value->>7, value->>8, value->>9 from json_each($1)"
    ),
    update: "update conversations set last_seq = x.value->>1, updated_at = x.value->>2, last_activity_at = x.value->>2, \
             last_message_preview = x.value->>3, queued = x.value->>4, status = x.value->>5, resolved_at = x.value->>6, \
             first_response_at = x.value->>7 from json_each($1) as x where conversations.id = x.value->>0",
};

const POSTGRES_SQL: BatchSql = BatchSql {
    begin: "begin",
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
    insert: concat!(
        "insert into messages (",
        message_cols!(),
        ") select x->>0, x->>1, x->>2, (x->>3)::bigint, x->>4, x->>5, x->>6, (x->>7)::boolean, x->>8, (x->>9)::bigint from json_array_elements($1::json) x"
    ),
    update: "update conversations c set last_seq = (x->>1)::bigint, updated_at = (x->>2)::bigint, last_activity_at = (x->>2)::bigint, \
             last_message_preview = x->>3, queued = (x->>4)::boolean, status = x->>5, resolved_at = (x->>6)::bigint, \
             first_response_at = (x->>7)::bigint from json_array_elements($1::json) x where c.id = x->>0",
};

fn json<T: Serialize>(rows: &[T]) -> String {
    serde_json::to_string(rows).expect("rows serialize")
}

/// Who a message is deduplicated by: conversation, sender and the client's key.
type Key<'a> = (&'a str, SenderKind, &'a str, &'a str);

fn key_of(m: &NewMessage) -> Option<Key<'_>> {
    m.client_message_id.as_deref().map(|k| (m.conversation_id.as_str(), m.sender_kind, m.sender_id.as_str(), k))
}

impl Store {
    /// Appends one message in its own transaction (no batching).
    pub async fn append_message(&self, m: NewMessage) -> StoreResult<Appended> {
        self.append_batch(vec![m]).await?.pop().expect("one result per message")
    }

    /// Appends messages in one transaction of four statements whatever their number:
    /// lock the conversations, look up resent keys, insert the messages, update the
    /// conversations. Sequence numbers and the conversations' new state are computed
    /// in memory under the lock. The outer error fails the whole batch (nothing was
    /// written); inner errors are per message (a missing or someone else's conversation).
    pub async fn append_batch(&self, batch: Vec<NewMessage>) -> StoreResult<Vec<StoreResult<Appended>>> {
        let sql = match self {
            Store::Sqlite { .. } => &SQLITE_SQL,
            Store::Postgres(_) => &POSTGRES_SQL,
        };
        let mut conversation_ids: Vec<&str> = batch.iter().map(|m| m.conversation_id.as_str()).collect();
        conversation_ids.sort_unstable();
        conversation_ids.dedup();
        let keys: Vec<(&str, &str, &str, &str)> =
            batch.iter().filter_map(key_of).map(|(conversation, kind, sender, key)| (conversation, kind.as_str(), sender, key)).collect();
        on_write!(self, |pool, DB| {
            let mut tx = pool.begin_with(sql.begin).await?;
            let (locked,): (String,) = sqlx::query_as::<DB, (String,)>(sql.lock).bind(json(&conversation_ids)).fetch_one(&mut *tx).await?;
            // Rows in `ConversationRow` field order, which reads them as sequences.
            let locked: Vec<ConversationRow> = serde_json::from_str(&locked).map_err(|e| sqlx::Error::Decode(e.into()))?;
            let mut conversations: HashMap<String, ConversationRow> = locked.into_iter().map(|c| (c.id.clone(), c)).collect();
            // Read under the lock, so a batch that waited for it never moves a
            // conversation's times backwards.
            let now = conversations.values().map(|c| c.updated_at).max().unwrap_or(0).max(now_ms());
            let earlier = if keys.is_empty() { Vec::new() } else { sqlx::query_as::<DB, MessageRow>(sql.keys).bind(json(&keys)).fetch_all(&mut *tx).await? };
            let mut seen: HashMap<Key, MessageRow> = earlier
                .iter()
                .filter_map(|e| Some(((e.conversation_id.as_str(), e.sender_kind, e.sender_id.as_deref()?, e.client_message_id.as_deref()?), e.clone())))
                .collect();
            let mut touched: HashSet<&str> = HashSet::new();
            let mut out = Vec::with_capacity(batch.len());
            let mut inserts: Vec<MessageRow> = Vec::with_capacity(batch.len());
            let mut attach: Vec<(usize, &str)> = Vec::new();
            for m in &batch {
                let conversation =
                    conversations.get_mut(&m.conversation_id).filter(|c| c.org_id == m.org_id && m.visitor_id.as_deref().is_none_or(|v| v == c.visitor_id));
                let Some(conv) = conversation else {
                    out.push(Err(StoreError::NotFound));
                    continue;
                };
                if let Some(message) = key_of(m).and_then(|k| seen.get(&k)) {
                    // A resend (of a committed message, or of one earlier in this batch).
                    out.push(Ok(Appended {
                        message: message.clone(),
                        conversation: conv.clone(),
                        duplicate: true,
                        became_queued: false,
                        conversation_changed: false,
                    }));
                    continue;
                }
                let is_visitor = m.sender_kind == SenderKind::Visitor;
                let is_public_reply = !is_visitor && !m.is_private && m.sender_kind != SenderKind::System;
                let reopen = is_visitor && conv.status != ConversationStatus::Open;
                let became_queued = is_visitor && !conv.queued;
                let first_response = is_public_reply && conv.first_response_at.is_none();
                conv.last_seq += 1;
                conv.updated_at = now;
                conv.last_activity_at = now;
                if !m.is_private {
                    conv.last_message_preview = Some(m.body.chars().take(PREVIEW_CHARS).collect());
                }
                conv.queued |= is_visitor;
                if reopen {
                    conv.status = ConversationStatus::Open;
                    conv.resolved_at = None;
                }
                if first_response {
                    conv.first_response_at = Some(now);
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
                touched.insert(&m.conversation_id);
                attach.extend(m.attachment_ids.iter().map(|a| (inserts.len(), a.as_str())));
                out.push(Ok(Appended {
                    message: message.clone(),
                    conversation: conv.clone(),
                    duplicate: false,
                    became_queued,
                    conversation_changed: reopen || first_response,
                }));
                inserts.push(message);
            }
            if !inserts.is_empty() {
                // In `message_cols!()` order.
                let rows: Vec<_> = inserts
                    .iter()
                    .map(|m| {
                        (
                            &m.id,
                            &m.conversation_id,
                            &m.org_id,
                            m.seq,
                            m.sender_kind.as_str(),
                            &m.sender_id,
                            &m.body,
                            m.is_private,
                            &m.client_message_id,
                            m.created_at,
                        )
                    })
                    .collect();
                sqlx::query::<DB>(sql.insert).bind(json(&rows)).execute(&mut *tx).await?;
                for (i, attachment_id) in attach {
                    let m = &inserts[i];
                    sqlx::query::<DB>(
                        "update attachments set message_id = $1 where id = $2 and conversation_id = $3 and uploader_id = $4 and message_id is null",
                    )
                    .bind(&m.id)
                    .bind(attachment_id)
                    .bind(&m.conversation_id)
                    .bind(&m.sender_id)
                    .execute(&mut *tx)
                    .await?;
                }
                // In the order the update statements read them.
                let changed: Vec<_> = conversations
                    .values()
                    .filter(|c| touched.contains(c.id.as_str()))
                    .map(|c| (&c.id, c.last_seq, c.updated_at, &c.last_message_preview, c.queued, c.status.as_str(), c.resolved_at, c.first_response_at))
                    .collect();
                sqlx::query::<DB>(sql.update).bind(json(&changed)).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(out)
        })
    }
}

type Job = (NewMessage, oneshot::Sender<StoreResult<Appended>>);

/// Group commit in front of `append_batch`: callers wait for their own result while
/// their messages share a transaction with whatever else was queued.
#[derive(Clone)]
pub struct Appender {
    tx: mpsc::Sender<Job>,
}

impl Appender {
    /// Starts the executors: one on SQLite (it has one writer), several on PostgreSQL.
    pub fn start(store: Store) -> Appender {
        let executors = match store {
            Store::Sqlite { .. } => 1,
            Store::Postgres(_) => 4,
        };
        let (tx, mut rx) = mpsc::channel::<Job>(16_384);
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
                let store = store.clone();
                tokio::spawn(async move {
                    let (messages, replies): (Vec<NewMessage>, Vec<_>) = jobs.into_iter().unzip();
                    match store.append_batch(messages).await {
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
                });
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
