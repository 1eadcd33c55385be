//! Appending messages, with group commit. Every message is durable before anyone is
//! told (SQLite `synchronous=FULL`, PostgreSQL `synchronous_commit=on`); what pays for
//! that is committing many messages per transaction. `Appender` queues sends, and each
//! executor takes everything queued into one transaction: under load batches grow,
//! at rest a message commits alone with no added wait.
//!
//! Within a transaction each message takes its conversation's row lock (the write lock
//! on SQLite) with `update ... set last_seq = last_seq + 1`, so `seq` is assigned in
//! the writing transaction and `seq` order is commit order. A batch locks
//! conversations in id order, so concurrent batches (PostgreSQL) cannot deadlock.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot, Semaphore};

use super::rows::{conversation_cols, message_cols};
use super::{ConversationRow, MessageRow, Store, StoreError, StoreResult};
use crate::domain::SenderKind;
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

impl Store {
    /// Appends one message in its own transaction (no batching).
    pub async fn append_message(&self, m: NewMessage) -> StoreResult<Appended> {
        self.append_batch(vec![m]).await?.pop().expect("one result per message")
    }

    /// Appends messages in one transaction. The outer error fails the whole batch
    /// (nothing was written); inner errors are per message (a missing conversation).
    pub async fn append_batch(&self, batch: Vec<NewMessage>) -> StoreResult<Vec<StoreResult<Appended>>> {
        let mut order: Vec<usize> = (0..batch.len()).collect();
        order.sort_by(|a, b| batch[*a].conversation_id.cmp(&batch[*b].conversation_id));
        let mut out: Vec<Option<StoreResult<Appended>>> = (0..batch.len()).map(|_| None).collect();
        let now = now_ms();
        on_write!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            for i in order {
                let m = &batch[i];
                let is_visitor = m.sender_kind == SenderKind::Visitor;
                let is_public_reply = !is_visitor && !m.is_private && m.sender_kind != SenderKind::System;
                // Takes the lock; old status/queued/first_response come back unchanged.
                let locked = sqlx::query_as::<DB, (i64, String, bool, Option<i64>)>(
                    "update conversations set last_seq = last_seq + 1 where id = $1 and org_id = $2 and (visitor_id = $3 or $4) \
                     returning last_seq, status, queued, first_response_at",
                )
                .bind(&m.conversation_id)
                .bind(&m.org_id)
                .bind(m.visitor_id.as_deref().unwrap_or(""))
                .bind(m.visitor_id.is_none())
                .fetch_optional(&mut *tx)
                .await?;
                let Some((seq, old_status, old_queued, old_first)) = locked else {
                    out[i] = Some(Err(StoreError::NotFound));
                    continue;
                };
                if let Some(key) = &m.client_message_id {
                    // Under the lock: a concurrent resend has either committed or waits.
                    let existing = sqlx::query_as::<DB, MessageRow>(concat!(
                        "select ",
                        message_cols!(),
                        " from messages where conversation_id = $1 and sender_kind = $2 and sender_id = $3 and client_message_id = $4"
                    ))
                    .bind(&m.conversation_id)
                    .bind(m.sender_kind.as_str())
                    .bind(&m.sender_id)
                    .bind(key)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if let Some(message) = existing {
                        // Give the seq back: a duplicate writes nothing.
                        let conversation = sqlx::query_as::<DB, ConversationRow>(concat!("update conversations set last_seq = last_seq - 1 where id = $1 returning ", conversation_cols!()))
                            .bind(&m.conversation_id)
                            .fetch_one(&mut *tx)
                            .await?;
                        out[i] = Some(Ok(Appended { message, conversation, duplicate: true, became_queued: false, conversation_changed: false }));
                        continue;
                    }
                }
                let message = sqlx::query_as::<DB, MessageRow>(concat!(
                    "insert into messages (id, conversation_id, org_id, seq, sender_kind, sender_id, body, is_private, client_message_id, created_at) \
                     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning ",
                    message_cols!()
                ))
                .bind(new_id("msg"))
                .bind(&m.conversation_id)
                .bind(&m.org_id)
                .bind(seq)
                .bind(m.sender_kind.as_str())
                .bind(&m.sender_id)
                .bind(&m.body)
                .bind(m.is_private)
                .bind(&m.client_message_id)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                for att in &m.attachment_ids {
                    sqlx::query::<DB>("update attachments set message_id = $1 where id = $2 and conversation_id = $3 and uploader_id = $4 and message_id is null")
                        .bind(&message.id)
                        .bind(att)
                        .bind(&m.conversation_id)
                        .bind(&m.sender_id)
                        .execute(&mut *tx)
                        .await?;
                }
                let reopen = is_visitor && old_status != "open";
                let preview: Option<String> = (!m.is_private).then(|| m.body.chars().take(PREVIEW_CHARS).collect());
                let conversation = sqlx::query_as::<DB, ConversationRow>(concat!(
                    "update conversations set updated_at = $1, last_activity_at = $1, \
                     last_message_preview = coalesce($2, last_message_preview), \
                     queued = case when $3 then true else queued end, \
                     status = case when $4 then 'open' else status end, \
                     resolved_at = case when $4 then null else resolved_at end, \
                     first_response_at = case when $5 and first_response_at is null then $1 else first_response_at end \
                     where id = $6 returning ",
                    conversation_cols!()
                ))
                .bind(now)
                .bind(preview)
                .bind(is_visitor)
                .bind(reopen)
                .bind(is_public_reply)
                .bind(&m.conversation_id)
                .fetch_one(&mut *tx)
                .await?;
                out[i] = Some(Ok(Appended {
                    message,
                    became_queued: is_visitor && !old_queued,
                    conversation_changed: reopen || (is_public_reply && old_first.is_none()),
                    conversation,
                    duplicate: false,
                }));
            }
            tx.commit().await?;
        });
        Ok(out.into_iter().map(|o| o.expect("every message has a result")).collect())
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
                                let _ = reply.send(Err(if retry { StoreError::Unavailable(sqlx::Error::PoolTimedOut) } else { StoreError::Unavailable(sqlx::Error::WorkerCrashed) }));
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
