//! Erasure (a visitor's personal data removed everywhere the database keeps it) and the
//! receipts that record it; exports' records; retention's deletes.

use super::jobs::insert_jobs;
use super::rows::visitor_cols;
use super::{Found, NewJob, Store, StoreResult, VisitorRow};
use crate::time::now_ms;

/// How the visitors of an erasure or export request are found.
pub enum VisitorLookup<'a> {
    Id(&'a str),
    /// A verified customer's id, on every website of the organization.
    ExternalId(&'a str),
    /// Stored lowercased, like the address given.
    Email(&'a str),
}

/// At most this many visitors answer one request (an email typed by many anonymous
/// visitors finds them all; past this, the request is refused as too broad).
pub const MAX_VISITORS_PER_REQUEST: i64 = 200;

/// What erasing visitors removed: the receipt's counts.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ErasedCounts {
    pub visitors: i64,
    pub conversations: i64,
    pub messages: i64,
    pub files: i64,
    pub page_views: i64,
    pub jobs: i64,
}

#[derive(sqlx::FromRow, Debug, Clone)]
pub struct ErasureRow {
    pub id: String,
    pub org_id: String,
    pub visitor_ids: String,
    pub mode: String,
    pub requested_by_kind: String,
    pub requested_by: String,
    pub status: String,
    pub visitors: i64,
    pub conversations: i64,
    pub messages: i64,
    pub files: i64,
    pub page_views: i64,
    pub jobs: i64,
    pub created_at: i64,
    pub completed_at: Option<i64>,
}

macro_rules! erasure_cols {
    () => {
        "id, org_id, visitor_ids, mode, requested_by_kind, requested_by, status, visitors, conversations, messages, files, page_views, jobs, created_at, completed_at"
    };
}

pub struct NewErasure<'a> {
    pub id: &'a str,
    pub org_id: &'a str,
    pub visitor_ids: &'a [String],
    pub mode: &'a str,
    pub by_kind: &'a str,
    pub by: &'a str,
    /// The visitors' tokens issued until then (unix ms) stop working.
    pub revoke_until: i64,
    pub job: NewJob,
}

/// `like` pattern for a JSON string value inside a payload, quotes included (so
/// `ann@x.test` does not match `joann@x.test`); `%`, `_` and the escape itself escaped.
fn contains_pattern(s: &str) -> String {
    let mut p = String::from("%\"");
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push_str("\"%");
    p
}

/// Deletes one conversation and what hangs off it (files' rows, read positions,
/// messages, which leave the search index by trigger or expression index), inside the
/// transaction `$tx`; adds to the counts `$c`.
macro_rules! delete_conversation_rows {
    ($tx:ident, $db:ty, $conv:expr, $c:ident) => {
        $c.files += sqlx::query::<$db>("delete from attachments where conversation_id = $1").bind($conv).execute(&mut *$tx).await?.rows_affected() as i64;
        sqlx::query::<$db>("delete from read_positions where conversation_id = $1").bind($conv).execute(&mut *$tx).await?;
        sqlx::query::<$db>("delete from conversation_tags where conversation_id = $1").bind($conv).execute(&mut *$tx).await?;
        sqlx::query::<$db>("delete from sla_breaches where conversation_id = $1").bind($conv).execute(&mut *$tx).await?;
        $c.files += sqlx::query::<$db>("delete from held_emails where conversation_id = $1").bind($conv).execute(&mut *$tx).await?.rows_affected() as i64;
        sqlx::query::<$db>("delete from slack_threads where conversation_id = $1").bind($conv).execute(&mut *$tx).await?;
        sqlx::query::<$db>("delete from conversation_lifecycle where conversation_id = $1").bind($conv).execute(&mut *$tx).await?;
        sqlx::query::<$db>("delete from bot_answers where conversation_id = $1").bind($conv).execute(&mut *$tx).await?;
        sqlx::query::<$db>("delete from analytics_facts where conversation_id = $1").bind($conv).execute(&mut *$tx).await?;
        // A conversion outlives the conversation it was attributed to (its agent and
        // department stay on it); the visitor's erasure deletes it.
        sqlx::query::<$db>("update conversions set conversation_id = null where conversation_id = $1").bind($conv).execute(&mut *$tx).await?;
        $c.messages += sqlx::query::<$db>("delete from messages where conversation_id = $1").bind($conv).execute(&mut *$tx).await?.rows_affected() as i64;
        $c.conversations += sqlx::query::<$db>("delete from conversations where id = $1").bind($conv).execute(&mut *$tx).await?.rows_affected() as i64;
    };
}

impl Store {
    /// The organization's visitors that a request names (not yet erased ones too: an
    /// erasure is idempotent), at most `MAX_VISITORS_PER_REQUEST + 1`.
    /// Of `websites` only, when given (a key limited to websites).
    pub async fn find_visitors(&self, org_id: &str, by: VisitorLookup<'_>, websites: Option<&[String]>) -> StoreResult<Vec<VisitorRow>> {
        let (column, value) = match by {
            VisitorLookup::Id(v) => ("id", v),
            VisitorLookup::ExternalId(v) => ("external_id", v),
            VisitorLookup::Email(v) => ("email", v),
        };
        on_read!(self, |pool, DB| {
            let mut q = sqlx::QueryBuilder::<DB>::new(format!("select {} from visitors where org_id = ", visitor_cols!()));
            q.push_bind(org_id);
            q.push(format!(" and {column} = ")).push_bind(value);
            if let Some(ws) = websites {
                and_in!(q, "website_id", ws);
            }
            q.push(" order by created_at, id limit ").push_bind(MAX_VISITORS_PER_REQUEST + 1);
            Ok(q.build_query_as::<VisitorRow>().fetch_all(pool).await?)
        })
    }

    /// Records an erasure request, revokes its visitors' tokens and commits the job
    /// that carries it out, in one transaction.
    pub async fn create_erasure(&self, e: NewErasure<'_>) -> StoreResult<ErasureRow> {
        let now = now_ms();
        let ids = serde_json::to_string(e.visitor_ids).expect("strings serialize");
        on_write!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            let row = sqlx::query_as::<DB, ErasureRow>(concat!(
                "insert into erasures (id, org_id, visitor_ids, mode, requested_by_kind, requested_by, created_at) values ($1, $2, $3, $4, $5, $6, $7) returning ",
                erasure_cols!()
            ))
            .bind(e.id)
            .bind(e.org_id)
            .bind(&ids)
            .bind(e.mode)
            .bind(e.by_kind)
            .bind(e.by)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            for v in e.visitor_ids {
                sqlx::query::<DB>("update visitors set tokens_revoked_at = $1 where id = $2 and org_id = $3")
                    .bind(e.revoke_until)
                    .bind(v)
                    .bind(e.org_id)
                    .execute(&mut *tx)
                    .await?;
            }
            insert_jobs!(tx, DB, std::slice::from_ref(&e.job), now);
            tx.commit().await?;
            Ok(row)
        })
    }

    pub async fn erasure(&self, org_id: &str, id: &str) -> StoreResult<ErasureRow> {
        on_read!(self, |pool, DB| {
            sqlx::query_as::<DB, ErasureRow>(concat!("select ", erasure_cols!(), " from erasures where id = $1 and org_id = $2"))
                .bind(id)
                .bind(org_id)
                .fetch_optional(pool)
                .await
                .map_err(Into::into)
                .found()
        })
    }

    /// The organization's erasures, newest first; of one requester when given.
    pub async fn erasures(&self, org_id: &str, requested_by: Option<&str>, limit: i64) -> StoreResult<Vec<ErasureRow>> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_as::<DB, ErasureRow>(concat!(
                "select ",
                erasure_cols!(),
                " from erasures where org_id = $1 and ($2 is null or requested_by = $2) order by created_at desc, id desc limit $3"
            ))
            .bind(org_id)
            .bind(requested_by)
            .bind(limit)
            .fetch_all(pool)
            .await?)
        })
    }

    pub async fn finish_erasure(&self, id: &str) -> StoreResult<()> {
        on_write!(self, |pool, DB| {
            sqlx::query::<DB>("update erasures set status = 'done', completed_at = $1 where id = $2").bind(now_ms()).bind(id).execute(pool).await?;
        });
        Ok(())
    }

    /// The stored files an erasure of the visitor removes (deleted from storage before
    /// `erase_visitor` deletes their rows, so a failure in between leaves rows that a
    /// retry deletes, never files nobody points at): in `delete` mode every file of its
    /// conversations, otherwise the files it uploaded.
    pub async fn erasable_files(&self, org_id: &str, visitor_id: &str, delete: bool) -> StoreResult<Vec<String>> {
        let sql = if delete {
            "select storage_key from attachments where org_id = $1 and conversation_id in (select id from conversations where visitor_id = $2) \
             union all select storage_key from held_emails where org_id = $1 and conversation_id in (select id from conversations where visitor_id = $2)"
        } else {
            "select storage_key from attachments where org_id = $1 and uploader_kind = 'visitor' and uploader_id = $2 \
             union all select storage_key from held_emails where org_id = $1 and conversation_id in (select id from conversations where visitor_id = $2)"
        };
        on_read!(self, |pool, DB| Ok(sqlx::query_scalar::<DB, String>(sql).bind(org_id).bind(visitor_id).fetch_all(pool).await?))
    }

    /// Removes one visitor's personal data in one transaction: in `delete` mode its
    /// conversations (messages, files' rows, read positions) and the visitor row; else
    /// its messages emptied (a tombstone: `deleted_at` set, the body gone from the search
    /// index too), its rating comments and previews cleared, and the visitor row
    /// stripped to its id. Always: its page views, blocks, read positions, and the
    /// pending emails about it or its conversations. Running it again finds nothing
    /// more to remove.
    /// The counts are added to the receipt `erasure_id` (when there is one) in the same
    /// transaction, so a retried job's receipt counts each removal once.
    pub async fn erase_visitor(&self, org_id: &str, visitor_id: &str, delete: bool, erasure_id: Option<&str>) -> StoreResult<ErasedCounts> {
        let now = now_ms();
        on_write!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            let mut c = ErasedCounts::default();
            let visitor: Option<(Option<String>, Option<i64>)> =
                sqlx::query_as::<DB, (Option<String>, Option<i64>)>("select email, erased_at from visitors where id = $1 and org_id = $2")
                    .bind(visitor_id)
                    .bind(org_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some((email, erased_at)) = visitor else {
                return Ok(c);
            };
            let conversations: Vec<String> = sqlx::query_scalar::<DB, String>("select id from conversations where visitor_id = $1 and org_id = $2")
                .bind(visitor_id)
                .bind(org_id)
                .fetch_all(&mut *tx)
                .await?;
            // Pending emails (transcripts, replies to offline messages, confirmations)
            // about the visitor or its conversations; a running one finishes.
            let mut needles: Vec<String> = conversations.clone();
            needles.push(visitor_id.to_owned());
            needles.extend(email);
            for n in &needles {
                c.jobs += sqlx::query::<DB>("delete from jobs where org_id = $1 and state <> 'running' and payload like $2 escape '\\'")
                    .bind(org_id)
                    .bind(contains_pattern(n))
                    .execute(&mut *tx)
                    .await?
                    .rows_affected() as i64;
                // Webhook events kept for replays (their messages, name, email).
                sqlx::query::<DB>("delete from webhook_events where org_id = $1 and payload like $2 escape '\\'")
                    .bind(org_id)
                    .bind(contains_pattern(n))
                    .execute(&mut *tx)
                    .await?;
            }
            if delete {
                for conv in &conversations {
                    delete_conversation_rows!(tx, DB, conv, c);
                }
            } else {
                c.files += sqlx::query::<DB>("delete from attachments where org_id = $1 and uploader_kind = 'visitor' and uploader_id = $2")
                    .bind(org_id)
                    .bind(visitor_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected() as i64;
                for conv in &conversations {
                    c.messages += sqlx::query::<DB>(
                        "update messages set body = '', deleted_at = coalesce(deleted_at, $1) where conversation_id = $2 and sender_kind = 'visitor' and body <> ''",
                    )
                    .bind(now)
                    .bind(conv)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected() as i64;
                    c.conversations += sqlx::query::<DB>(
                        "update conversations set rating_comment = null, last_message_preview = null where id = $1 and (rating_comment is not null or last_message_preview is not null)",
                    )
                    .bind(conv)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected() as i64;
                    sqlx::query::<DB>("delete from read_positions where conversation_id = $1 and reader_kind = 'visitor'").bind(conv).execute(&mut *tx).await?;
                    c.files +=
                        sqlx::query::<DB>("delete from held_emails where conversation_id = $1").bind(conv).execute(&mut *tx).await?.rows_affected() as i64;
                    sqlx::query::<DB>("delete from slack_threads where conversation_id = $1").bind(conv).execute(&mut *tx).await?;
                }
            }
            c.page_views += sqlx::query::<DB>("delete from page_views where visitor_id = $1").bind(visitor_id).execute(&mut *tx).await?.rows_affected() as i64;
            sqlx::query::<DB>("delete from visitor_blocks where visitor_id = $1").bind(visitor_id).execute(&mut *tx).await?;
            if delete {
                sqlx::query::<DB>("delete from conversions where visitor_id = $1").bind(visitor_id).execute(&mut *tx).await?;
                c.visitors += sqlx::query::<DB>("delete from visitors where id = $1").bind(visitor_id).execute(&mut *tx).await?.rows_affected() as i64;
            } else {
                sqlx::query::<DB>(
                    "update visitors set external_id = null, name = null, email = null, email_verified_at = null, user_agent = null, ip = null, \
                     current_url = null, language = null, attributes = '{}', server_attributes = '{}', resume_hash = $1, erased_at = coalesce(erased_at, $2) where id = $3",
                )
                .bind(format!("erased:{visitor_id}"))
                .bind(now)
                .bind(visitor_id)
                .execute(&mut *tx)
                .await?;
                // Conversions stay in the reports as what, how much and when; their
                // properties (an order's details) go.
                sqlx::query::<DB>("update conversions set properties = '{}', idempotency_key = null where visitor_id = $1")
                    .bind(visitor_id)
                    .execute(&mut *tx)
                    .await?;
                c.visitors += i64::from(erased_at.is_none());
            }
            if let Some(erasure_id) = erasure_id {
                sqlx::query::<DB>(
                    "update erasures set visitors = visitors + $1, conversations = conversations + $2, messages = messages + $3, files = files + $4, \
                     page_views = page_views + $5, jobs = jobs + $6 where id = $7",
                )
                .bind(c.visitors)
                .bind(c.conversations)
                .bind(c.messages)
                .bind(c.files)
                .bind(c.page_views)
                .bind(c.jobs)
                .bind(erasure_id)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(c)
        })
    }

    /// `tombstone` or `delete`.
    pub async fn erasure_mode(&self, org_id: &str) -> StoreResult<String> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_scalar::<DB, String>("select erasure_mode from organizations where id = $1").bind(org_id).fetch_one(pool).await?)
        })
    }

    pub async fn set_erasure_mode(&self, org_id: &str, mode: &str) -> StoreResult<()> {
        on_write!(self, |pool, DB| {
            sqlx::query::<DB>("update organizations set erasure_mode = $1 where id = $2").bind(mode).bind(org_id).execute(pool).await?;
        });
        Ok(())
    }
}

#[derive(sqlx::FromRow, Debug, Clone)]
pub struct ExportRow {
    pub id: String,
    pub org_id: String,
    /// `visitor` or `organization`.
    pub kind: String,
    /// JSON: `{"visitorIds": [...]}` for a visitor export.
    pub subject: String,
    pub requested_by_kind: String,
    pub requested_by: String,
    /// `pending`, `done` or `expired`.
    pub status: String,
    pub storage_key: Option<String>,
    pub size: Option<i64>,
    pub created_at: i64,
    pub completed_at: Option<i64>,
    pub expires_at: Option<i64>,
}

macro_rules! export_cols {
    () => {
        "id, org_id, kind, subject, requested_by_kind, requested_by, status, storage_key, size, created_at, completed_at, expires_at"
    };
}

pub struct NewExport<'a> {
    pub id: &'a str,
    pub org_id: &'a str,
    pub kind: &'a str,
    pub subject: &'a str,
    pub by_kind: &'a str,
    pub by: &'a str,
    pub job: NewJob,
}

/// What retention removes from one website.
#[derive(sqlx::FromRow, Debug, Clone)]
pub struct RetentionRule {
    pub id: String,
    pub org_id: String,
    pub retain_resolved_days: Option<i64>,
    pub retain_idle_visitor_days: Option<i64>,
}

impl Store {
    /// Records an export request with the job that builds it, in one transaction.
    pub async fn create_export(&self, e: NewExport<'_>) -> StoreResult<ExportRow> {
        let now = now_ms();
        on_write!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            let row = sqlx::query_as::<DB, ExportRow>(concat!(
                "insert into exports (id, org_id, kind, subject, requested_by_kind, requested_by, created_at) values ($1, $2, $3, $4, $5, $6, $7) returning ",
                export_cols!()
            ))
            .bind(e.id)
            .bind(e.org_id)
            .bind(e.kind)
            .bind(e.subject)
            .bind(e.by_kind)
            .bind(e.by)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            insert_jobs!(tx, DB, std::slice::from_ref(&e.job), now);
            tx.commit().await?;
            Ok(row)
        })
    }

    /// An export by id alone (its signed link is the credential).
    pub async fn export(&self, id: &str) -> StoreResult<ExportRow> {
        on_read!(self, |pool, DB| {
            sqlx::query_as::<DB, ExportRow>(concat!("select ", export_cols!(), " from exports where id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await
                .map_err(Into::into)
                .found()
        })
    }

    /// The organization's exports, newest first; of one requester when given, and
    /// without the whole organization's unless `whole`.
    pub async fn exports(&self, org_id: &str, requested_by: Option<&str>, whole: bool, limit: i64) -> StoreResult<Vec<ExportRow>> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_as::<DB, ExportRow>(concat!(
                "select ",
                export_cols!(),
                " from exports where org_id = $1 and ($2 is null or requested_by = $2) and ($3 or kind = 'visitor') order by created_at desc, id desc limit $4"
            ))
            .bind(org_id)
            .bind(requested_by)
            .bind(whole)
            .bind(limit)
            .fetch_all(pool)
            .await?)
        })
    }

    /// False when the export was ended meanwhile (its person erased): the caller deletes
    /// the archive.
    pub async fn finish_export(&self, id: &str, storage_key: &str, size: i64, expires_at: i64) -> StoreResult<bool> {
        Ok(on_write!(self, |pool, DB| {
            sqlx::query::<DB>(
                "update exports set status = 'done', storage_key = $1, size = $2, completed_at = $3, expires_at = $4 where id = $5 and status = 'pending'",
            )
            .bind(storage_key)
            .bind(size)
            .bind(now_ms())
            .bind(expires_at)
            .bind(id)
            .execute(pool)
            .await?
            .rows_affected()
                == 1
        }))
    }

    /// Done exports whose link expired before `now`: their archives are deleted.
    pub async fn expired_exports(&self, now: i64) -> StoreResult<Vec<ExportRow>> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_as::<DB, ExportRow>(concat!("select ", export_cols!(), " from exports where status = 'done' and expires_at < $1 limit 1000"))
                .bind(now)
                .fetch_all(pool)
                .await?)
        })
    }

    /// A person's exports, built or not, that name the visitor (an erasure ends them).
    pub async fn exports_naming(&self, org_id: &str, visitor_id: &str) -> StoreResult<Vec<ExportRow>> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_as::<DB, ExportRow>(concat!(
                "select ",
                export_cols!(),
                " from exports where org_id = $1 and kind = 'visitor' and status <> 'expired' and subject like $2 escape '\\'"
            ))
            .bind(org_id)
            .bind(contains_pattern(visitor_id))
            .fetch_all(pool)
            .await?)
        })
    }

    pub async fn expire_export(&self, id: &str) -> StoreResult<()> {
        on_write!(self, |pool, DB| {
            sqlx::query::<DB>("update exports set status = 'expired', storage_key = null where id = $1").bind(id).execute(pool).await?;
        });
        Ok(())
    }

    /// A page of the organization's visitors, by id.
    pub async fn visitors_after(&self, org_id: &str, after: &str, limit: i64) -> StoreResult<Vec<VisitorRow>> {
        let sql = format!("select {} from visitors where org_id = $1 and id > $2 order by id limit $3", visitor_cols!());
        on_read!(self, |pool, DB| Ok(sqlx::query_as::<DB, VisitorRow>(&sql).bind(org_id).bind(after).bind(limit).fetch_all(pool).await?))
    }

    /// Every conversation of a visitor, oldest first.
    pub async fn visitor_conversations(&self, visitor_id: &str) -> StoreResult<Vec<super::ConversationRow>> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_as::<DB, super::ConversationRow>(concat!(
                "select ",
                super::rows::conversation_cols!(),
                " from conversations where visitor_id = $1 order by created_at, id"
            ))
            .bind(visitor_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// The files attached in a conversation (sent ones), oldest first.
    pub async fn conversation_attachments(&self, conversation_id: &str) -> StoreResult<Vec<super::AttachmentRow>> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_as::<DB, super::AttachmentRow>(concat!(
                "select ",
                super::attachments::attachment_cols!(),
                " from attachments where conversation_id = $1 and message_id is not null order by created_at, id"
            ))
            .bind(conversation_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// The websites with a retention rule.
    pub async fn retention_rules(&self) -> StoreResult<Vec<RetentionRule>> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_as::<DB, RetentionRule>(
                "select id, org_id, retain_resolved_days, retain_idle_visitor_days from websites \
                 where retain_resolved_days is not null or retain_idle_visitor_days is not null",
            )
            .fetch_all(pool)
            .await?)
        })
    }

    /// Conversations of the website resolved before `before` (at most `limit`).
    pub async fn resolved_before(&self, website_id: &str, before: i64, limit: i64) -> StoreResult<Vec<String>> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_scalar::<DB, String>("select id from conversations where website_id = $1 and status = 'resolved' and resolved_at < $2 limit $3")
                .bind(website_id)
                .bind(before)
                .bind(limit)
                .fetch_all(pool)
                .await?)
        })
    }

    /// Visitors of the website last seen before `before` with no conversation and no
    /// block in force (a block is kept on purpose), at most `limit`.
    pub async fn idle_visitors(&self, website_id: &str, before: i64, limit: i64) -> StoreResult<Vec<String>> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_scalar::<DB, String>(
                "select id from visitors v where website_id = $1 and last_seen_at < $2 \
                 and not exists (select 1 from conversations c where c.visitor_id = v.id) \
                 and not exists (select 1 from visitor_blocks b where b.visitor_id = v.id and b.lifted_at is null) limit $3",
            )
            .bind(website_id)
            .bind(before)
            .bind(limit)
            .fetch_all(pool)
            .await?)
        })
    }

    /// The stored files of one conversation (deleted from storage before its rows).
    pub async fn conversation_files(&self, conversation_id: &str) -> StoreResult<Vec<String>> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_scalar::<DB, String>(
                "select storage_key from attachments where conversation_id = $1 union all select storage_key from held_emails where conversation_id = $1",
            )
            .bind(conversation_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Deletes one conversation (retention) if it is still resolved before `before` (it
    /// may have been reopened since it was found), with the pending emails about it.
    pub async fn delete_conversation(&self, org_id: &str, conversation_id: &str, before: i64) -> StoreResult<ErasedCounts> {
        on_write!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            let mut c = ErasedCounts::default();
            let still: Option<String> =
                sqlx::query_scalar::<DB, String>("select id from conversations where id = $1 and status = 'resolved' and resolved_at < $2")
                    .bind(conversation_id)
                    .bind(before)
                    .fetch_optional(&mut *tx)
                    .await?;
            if still.is_none() {
                return Ok(c);
            }
            c.jobs += sqlx::query::<DB>("delete from jobs where org_id = $1 and state <> 'running' and payload like $2 escape '\\'")
                .bind(org_id)
                .bind(contains_pattern(conversation_id))
                .execute(&mut *tx)
                .await?
                .rows_affected() as i64;
            sqlx::query::<DB>("delete from webhook_events where org_id = $1 and payload like $2 escape '\\'")
                .bind(org_id)
                .bind(contains_pattern(conversation_id))
                .execute(&mut *tx)
                .await?;
            delete_conversation_rows!(tx, DB, conversation_id, c);
            tx.commit().await?;
            Ok(c)
        })
    }

    /// Deletes audit entries older than `before` (every organization's).
    pub async fn prune_audit_log(&self, before: i64) -> StoreResult<u64> {
        on_write!(self, |pool, DB| Ok(sqlx::query::<DB>("delete from audit_log where created_at < $1").bind(before).execute(pool).await?.rows_affected()))
    }
}
