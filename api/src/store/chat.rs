//! Conversations, messages and read positions: the hot path of the product.

use super::jobs::insert_jobs;
use super::rows::{conversation_cols, message_cols};
use super::{ConversationJobs, ConversationRow, Found, MessageRow, ReadRow, Store, StoreError, StoreResult};
use crate::domain::{ConversationStatus, SenderKind};
use crate::ids::new_id;
use crate::time::now_ms;

#[derive(Default, Debug)]
pub struct ConversationFilter {
    pub statuses: Vec<ConversationStatus>,
    /// Some(None): unassigned only; Some(Some(id)): assigned to that agent.
    pub assignee: Option<Option<String>>,
    pub department_id: Option<String>,
    pub website_id: Option<String>,
    /// Only these websites (a key limited to websites); none: all.
    pub website_ids: Option<Vec<String>>,
    pub visitor_id: Option<String>,
    /// Agents only see conversations with a visitor message; a visitor sees all of theirs.
    pub queued_only: bool,
    /// Full-text over message bodies, or a substring of the visitor's name or email.
    pub search: Option<String>,
    /// Whether the search may match private notes (staff); a visitor's never does.
    pub search_notes: bool,
    /// Only conversations with this tag.
    pub tag: Option<String>,
    /// Soonest SLA due time first (`ConversationRow::next_due_at`; none last), instead
    /// of the latest activity first. The cursor is then (due, id).
    pub due_first: bool,
}

/// The sort key of `due_first`, in SQL: the soonest due time still open, or `NO_DUE`.
macro_rules! next_due {
    (sqlite) => {
        "min(coalesce(case when first_response_at is null then first_response_due_at end, 9223372036854775807), \
         coalesce(next_response_due_at, 9223372036854775807), \
         coalesce(case when status <> 'resolved' then resolution_due_at end, 9223372036854775807))"
    };
    (postgres) => {
        "least(coalesce(case when first_response_at is null then first_response_due_at end, 9223372036854775807), \
         coalesce(next_response_due_at, 9223372036854775807), \
         coalesce(case when status <> 'resolved' then resolution_due_at end, 9223372036854775807))"
    };
}

/// `next_due!`'s value when nothing is due.
pub const NO_DUE: i64 = i64::MAX;

impl ConversationRow {
    /// The soonest due time still open (first response not given, next response
    /// awaited, resolution not reached), or `NO_DUE`: the key `due_first` sorts by.
    pub fn next_due_at(&self) -> i64 {
        let first = self.first_response_due_at.filter(|_| self.first_response_at.is_none());
        let resolution = self.resolution_due_at.filter(|_| self.status != ConversationStatus::Resolved);
        [first, self.next_response_due_at, resolution].into_iter().flatten().min().unwrap_or(NO_DUE)
    }
}

/// Words of a search, letters and digits only (so nothing reaches a query parser),
/// at most 8.
fn search_terms(q: &str) -> Vec<String> {
    q.split(|c: char| !c.is_alphanumeric()).filter(|t| !t.is_empty()).take(8).map(|t| t.to_lowercase()).collect()
}

#[derive(Clone, Copy, Debug)]
pub enum PageDirection {
    /// Messages with seq > cursor, oldest first.
    After(i64),
    /// Messages with seq < cursor, newest first (the caller reverses).
    Before(i64),
}

/// A status change's history (docs/analytics.md): a resolution, or leaving one by hand.
/// `$1` status, `$2` now, `$3` conversation, `$4` organization.
macro_rules! status_lifecycle_sql {
    () => {
        "insert into conversation_lifecycle (conversation_id, org_id, at, event) \
         select id, org_id, $2, case when $1 = 'resolved' then 'resolved' else 'reopened' end from conversations \
         where id = $3 and org_id = $4 and (status = 'resolved') <> ($1 = 'resolved')"
    };
}

/// The status change itself, with the same parameters.
macro_rules! status_update_sql {
    () => {
        concat!(
            "update conversations set status = $1, updated_at = $2, \
             resolved_at = case when $1 = 'resolved' then coalesce(resolved_at, $2) else null end \
             where id = $3 and org_id = $4 returning ",
            conversation_cols!()
        )
    };
}

impl Store {
    pub async fn create_conversation(&self, org_id: &str, website_id: &str, visitor_id: &str, is_offline: bool) -> StoreResult<ConversationRow> {
        let now = now_ms();
        on_group!(self, atomic, |pool, DB| {
            Ok(sqlx::query_as::<DB, ConversationRow>(concat!(
                "insert into conversations (id, org_id, website_id, visitor_id, created_at, updated_at, last_activity_at, is_offline) values ($1, $2, $3, $4, $5, $5, $5, $6) returning ",
                conversation_cols!()
            ))
            .bind(new_id("cnv"))
            .bind(org_id)
            .bind(website_id)
            .bind(visitor_id)
            .bind(now)
            .bind(is_offline)
            .fetch_one(pool)
            .await?)
        })
    }

    pub async fn open_conversation_count(&self, visitor_id: &str) -> StoreResult<i64> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_scalar::<DB, i64>("select count(*) from conversations where visitor_id = $1 and status <> 'resolved'")
                .bind(visitor_id)
                .fetch_one(pool)
                .await?)
        })
    }

    /// A conversation of the organization (agents, API keys).
    pub async fn conversation(&self, org_id: &str, id: &str) -> StoreResult<ConversationRow> {
        on_read!(self, |pool, DB| {
            sqlx::query_as::<DB, ConversationRow>(concat!("select ", conversation_cols!(), " from conversations where id = $1 and org_id = $2"))
                .bind(id)
                .bind(org_id)
                .fetch_optional(pool)
                .await
                .map_err(Into::into)
                .found()
        })
    }

    /// A conversation by id alone, for a caller that proved it some other way (a signed
    /// reply address).
    pub async fn conversation_any(&self, id: &str) -> StoreResult<ConversationRow> {
        on_read!(self, |pool, DB| {
            sqlx::query_as::<DB, ConversationRow>(concat!("select ", conversation_cols!(), " from conversations where id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await
                .map_err(Into::into)
                .found()
        })
    }

    /// A conversation of the visitor: another visitor's id is simply not found.
    pub async fn visitor_conversation(&self, visitor_id: &str, id: &str) -> StoreResult<ConversationRow> {
        on_read!(self, |pool, DB| {
            sqlx::query_as::<DB, ConversationRow>(concat!("select ", conversation_cols!(), " from conversations where id = $1 and visitor_id = $2"))
                .bind(id)
                .bind(visitor_id)
                .fetch_optional(pool)
                .await
                .map_err(Into::into)
                .found()
        })
    }

    /// Newest activity first; the cursor is the last row's `(last_activity_at, id)`.
    pub async fn conversations(&self, org_id: &str, f: &ConversationFilter, after: Option<(i64, String)>, limit: i64) -> StoreResult<Vec<ConversationRow>> {
        on_read!(self, |pool, DB| {
            let mut q = sqlx::QueryBuilder::<DB>::new(concat!("select ", conversation_cols!(), " from conversations where org_id = "));
            q.push_bind(org_id);
            if f.queued_only {
                q.push(" and queued = ").push_bind(true);
            }
            if !f.statuses.is_empty() {
                q.push(" and status in (");
                let mut sep = q.separated(", ");
                for s in &f.statuses {
                    sep.push_bind(s.as_str());
                }
                q.push(")");
            }
            match &f.assignee {
                Some(Some(id)) => {
                    q.push(" and assignee_id = ").push_bind(id.clone());
                }
                Some(None) => {
                    q.push(" and assignee_id is null");
                }
                None => {}
            }
            if let Some(d) = &f.department_id {
                q.push(" and department_id = ").push_bind(d.clone());
            }
            if let Some(w) = &f.website_id {
                q.push(" and website_id = ").push_bind(w.clone());
            }
            if let Some(ws) = &f.website_ids {
                and_in!(q, "website_id", ws);
            }
            if let Some(v) = &f.visitor_id {
                q.push(" and visitor_id = ").push_bind(v.clone());
            }
            if let Some(t) = &f.tag {
                q.push(" and exists (select 1 from conversation_tags t where t.conversation_id = conversations.id and t.tag = ").push_bind(t.clone()).push(")");
            }
            if let Some(search) = &f.search {
                let terms = search_terms(search);
                if terms.is_empty() {
                    q.push(" and false");
                } else {
                    // Prefix match on every word: "refu pol" finds "refund policy". The
                    // organization is part of the match itself (a token of the index), so
                    // the index is read for this organization's messages only.
                    let postgres = matches!(self, Store::Postgres(_));
                    let words = if postgres {
                        terms.iter().map(|t| format!("{t}:*")).collect::<Vec<_>>().join(" & ")
                    } else {
                        terms.iter().map(|t| format!("body : \"{t}\"*")).collect::<Vec<_>>().join(" ")
                    };
                    // Organization ids are `org_` and a ULID (letters and digits only).
                    let org_token = org_id.strip_prefix("org_").unwrap_or(org_id).to_lowercase();
                    if postgres {
                        q.push(" and (id in (select conversation_id from messages where org_id = ").push_bind(org_id);
                        if !f.search_notes {
                            q.push(" and not is_private");
                        }
                        // The index's expression exactly (migrations/postgres/...0004).
                        q.push(" and (to_tsvector('simple', body) || array_to_tsvector(array['#' || org_id])) @@ (to_tsquery('simple', ").push_bind(words);
                        q.push(") && quote_literal('#' || ").push_bind(org_id).push(")::tsquery))");
                    } else {
                        q.push(" and (id in (select m.conversation_id from messages_fts f join messages m on m.rowid = f.rowid where m.org_id = ")
                            .push_bind(org_id);
                        if !f.search_notes {
                            q.push(" and m.is_private = 0");
                        }
                        q.push(" and messages_fts match ").push_bind(format!("org : \"{org_token}\" {words}")).push(")");
                    }
                    let like = format!("%{}%", search.trim().to_lowercase().replace(['%', '_'], ""));
                    q.push(" or visitor_id in (select id from visitors where org_id = ").push_bind(org_id);
                    q.push(" and (lower(coalesce(name, '')) like ").push_bind(like.clone());
                    q.push(" or lower(coalesce(email, '')) like ").push_bind(like).push(")))");
                }
            }
            let due = if matches!(self, Store::Postgres(_)) { next_due!(postgres) } else { next_due!(sqlite) };
            match (after, f.due_first) {
                (Some((ts, id)), false) => {
                    q.push(" and (last_activity_at < ").push_bind(ts);
                    q.push(" or (last_activity_at = ").push_bind(ts);
                    q.push(" and id < ").push_bind(id).push("))");
                }
                (Some((ts, id)), true) => {
                    q.push(format!(" and ({due} > ")).push_bind(ts);
                    q.push(format!(" or ({due} = ")).push_bind(ts);
                    q.push(" and id > ").push_bind(id).push("))");
                }
                (None, _) => {}
            }
            if f.due_first {
                q.push(format!(" order by {due} asc, id asc limit ")).push_bind(limit);
            } else {
                q.push(" order by last_activity_at desc, id desc limit ").push_bind(limit);
            }
            Ok(q.build_query_as::<ConversationRow>().fetch_all(pool).await?)
        })
    }

    pub async fn message_by_client_id(&self, conversation_id: &str, kind: SenderKind, sender_id: &str, key: &str) -> StoreResult<Option<MessageRow>> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_as::<DB, MessageRow>(concat!(
                "select ",
                message_cols!(),
                " from messages where conversation_id = $1 and sender_kind = $2 and sender_id = $3 and client_message_id = $4"
            ))
            .bind(conversation_id)
            .bind(kind.as_str())
            .bind(sender_id)
            .bind(key)
            .fetch_optional(pool)
            .await?)
        })
    }

    /// A message of the conversation (the conversation is already authorized).
    pub async fn message(&self, conversation_id: &str, id: &str) -> StoreResult<MessageRow> {
        on_read!(self, |pool, DB| {
            sqlx::query_as::<DB, MessageRow>(concat!(
                "select ",
                message_cols!(),
                " from messages where id = $1 and conversation_id = $2 and deleted_at is null"
            ))
            .bind(id)
            .bind(conversation_id)
            .fetch_optional(pool)
            .await
            .map_err(Into::into)
            .found()
        })
    }

    /// Messages with `after < seq <= upto`, in seq order: catch-up and gap filling.
    pub async fn messages_between(&self, conversation_id: &str, after: i64, upto: i64, limit: i64) -> StoreResult<Vec<MessageRow>> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_as::<DB, MessageRow>(concat!(
                "select ",
                message_cols!(),
                " from messages where conversation_id = $1 and seq > $2 and seq <= $3 and deleted_at is null order by seq limit $4"
            ))
            .bind(conversation_id)
            .bind(after)
            .bind(upto)
            .bind(limit)
            .fetch_all(pool)
            .await?)
        })
    }

    /// One page of history, always returned oldest first.
    pub async fn message_page(&self, conversation_id: &str, dir: PageDirection, limit: i64, include_private: bool) -> StoreResult<Vec<MessageRow>> {
        let mut rows = on_read!(self, |pool, DB| {
            let (cmp_sql, cursor) = match dir {
                PageDirection::After(s) => (
                    concat!(
                        "select ",
                        message_cols!(),
                        " from messages where conversation_id = $1 and seq > $2 and deleted_at is null and (is_private = $3 or $4) order by seq asc limit $5"
                    ),
                    s,
                ),
                PageDirection::Before(s) => (
                    concat!(
                        "select ",
                        message_cols!(),
                        " from messages where conversation_id = $1 and seq < $2 and deleted_at is null and (is_private = $3 or $4) order by seq desc limit $5"
                    ),
                    s,
                ),
            };
            sqlx::query_as::<DB, MessageRow>(cmp_sql).bind(conversation_id).bind(cursor).bind(false).bind(include_private).bind(limit).fetch_all(pool).await?
        });
        if matches!(dir, PageDirection::Before(_)) {
            rows.reverse();
        }
        Ok(rows)
    }

    /// Moves a reader's position forward (never back); returns whether it moved.
    pub async fn mark_read(&self, conversation_id: &str, reader_kind: &str, reader_id: &str, message_id: &str, seq: i64) -> StoreResult<bool> {
        on_write!(self, |pool, DB| {
            let n = sqlx::query::<DB>(
                "insert into read_positions (conversation_id, reader_kind, reader_id, message_id, seq, updated_at) values ($1, $2, $3, $4, $5, $6) \
                 on conflict (conversation_id, reader_kind, reader_id) do update set message_id = excluded.message_id, seq = excluded.seq, updated_at = excluded.updated_at \
                 where read_positions.seq < excluded.seq",
            )
            .bind(conversation_id)
            .bind(reader_kind)
            .bind(reader_id)
            .bind(message_id)
            .bind(seq)
            .bind(now_ms())
            .execute(pool)
            .await?
            .rows_affected();
            Ok(n > 0)
        })
    }

    /// Read positions; for a visitor, only those pointing at messages it may see.
    pub async fn read_positions(&self, conversation_id: &str, include_private: bool) -> StoreResult<Vec<ReadRow>> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_as::<DB, ReadRow>(
                "select r.reader_kind, r.reader_id, r.message_id, r.seq, r.updated_at from read_positions r \
                 join messages m on m.id = r.message_id where r.conversation_id = $1 and (m.is_private = $2 or $3)",
            )
            .bind(conversation_id)
            .bind(false)
            .bind(include_private)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Messages after the reader's position that the reader did not send (and may see).
    pub async fn unread_count(&self, conversation_id: &str, reader_kind: &str, reader_id: &str, include_private: bool) -> StoreResult<i64> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_scalar::<DB, i64>(
                "select count(*) from messages m where m.conversation_id = $1 and m.deleted_at is null \
                 and m.seq > coalesce((select seq from read_positions r where r.conversation_id = $1 and r.reader_kind = $2 and r.reader_id = $3), 0) \
                 and not (m.sender_kind = $2 and m.sender_id = $3) and (m.is_private = $4 or $5)",
            )
            .bind(conversation_id)
            .bind(reader_kind)
            .bind(reader_id)
            .bind(false)
            .bind(include_private)
            .fetch_one(pool)
            .await?)
        })
    }

    /// Sets assignee and department (each `None` clears it).
    pub async fn assign_conversation(
        &self,
        org_id: &str,
        id: &str,
        assignee_id: Option<&str>,
        department_id: Option<&str>,
        jobs: ConversationJobs<'_>,
    ) -> StoreResult<ConversationRow> {
        on_group!(self, atomic, |pool, DB| {
            let query = sqlx::query_as::<DB, ConversationRow>(concat!(
                "update conversations set assignee_id = $1, department_id = $2, updated_at = $3, \
                 waiting_since = case when $1 is null then coalesce(waiting_since, $3) else null end, routed_by = null where id = $4 and org_id = $5 returning ",
                conversation_cols!()
            ))
            .bind(assignee_id)
            .bind(department_id)
            .bind(now_ms())
            .bind(id)
            .bind(org_id);
            Ok(with_jobs!(pool, DB, jobs, query)).found()
        })
    }

    /// Gives an open conversation nobody has to the agent who just answered it (a
    /// person's assignment); `None` when it has an assignee or is not open.
    pub async fn take_on_reply(&self, id: &str, agent_id: &str, jobs: ConversationJobs<'_>) -> StoreResult<Option<ConversationRow>> {
        on_group!(self, atomic, |pool, DB| {
            let query = sqlx::query_as::<DB, ConversationRow>(concat!(
                "update conversations set assignee_id = $1, updated_at = $2, waiting_since = null, routed_by = null \
                 where id = $3 and assignee_id is null and status = 'open' returning ",
                conversation_cols!()
            ))
            .bind(agent_id)
            .bind(now_ms())
            .bind(id);
            Ok(with_jobs!(pool, DB, jobs, query))
        })
    }

    pub async fn set_conversation_status(
        &self,
        org_id: &str,
        id: &str,
        status: ConversationStatus,
        jobs: ConversationJobs<'_>,
    ) -> StoreResult<ConversationRow> {
        let now = now_ms();
        if let (Store::Sqlite { group, .. }, None) = (self, jobs) {
            // On SQLite's group connection each statement is a round trip to sqlx's
            // thread: the savepoint, both statements and the release go as one (a resolve
            // took four, the most of any write in a routed conversation's life). In a
            // task of its own: a caller that goes away cannot cut the command in half
            // (its savepoint would stay open in the group's transaction).
            let (group, id, org_id) = (group.clone(), id.to_owned(), org_id.to_owned());
            let written = tokio::spawn(async move {
                let mut turn = group.enter(false).await?;
                let outcome = {
                    let conn: &mut sqlx::sqlite::SqliteConnection = turn.connection();
                    let sql = concat!("savepoint status_change; ", status_lifecycle_sql!(), "; ", status_update_sql!(), "; release status_change");
                    match sqlx::query_as::<sqlx::Sqlite, ConversationRow>(sql)
                        .bind(status.as_str())
                        .bind(now)
                        .bind(&id)
                        .bind(&org_id)
                        .fetch_all(&mut *conn)
                        .await
                    {
                        Ok(rows) => Ok(rows.into_iter().next()),
                        Err(e) => {
                            // Whichever statement failed, nothing of this body stays.
                            let _ = sqlx::query::<sqlx::Sqlite>("rollback to status_change; release status_change").execute(&mut *conn).await;
                            Err(e.into())
                        }
                    }
                };
                turn.finish(outcome).await
            })
            .await;
            return written.map_err(|e| StoreError::Unavailable(sqlx::Error::Protocol(format!("the status change's task: {e}"))))?.found();
        }
        on_group!(self, atomic, |pool, DB| {
            let mut tx = sqlx::Acquire::begin(pool).await?;
            sqlx::query::<DB>(status_lifecycle_sql!()).bind(status.as_str()).bind(now).bind(id).bind(org_id).execute(&mut *tx).await?;
            let row = sqlx::query_as::<DB, ConversationRow>(status_update_sql!())
                .bind(status.as_str())
                .bind(now)
                .bind(id)
                .bind(org_id)
                .fetch_optional(&mut *tx)
                .await?;
            if let (Some(r), Some(make)) = (&row, jobs) {
                insert_jobs!(tx, DB, &make(r), now);
            }
            tx.commit().await?;
            Ok(row).found()
        })
    }

    /// Rates a resolved conversation, once per resolution; `None` if not rateable now.
    /// The team's replies in the visitor's conversation go to their email too.
    pub async fn follow_up_by_email(&self, visitor_id: &str, id: &str) -> StoreResult<ConversationRow> {
        on_write!(self, |pool, DB| {
            sqlx::query_as::<DB, ConversationRow>(concat!(
                "update conversations set is_offline = $1, updated_at = $2 where id = $3 and visitor_id = $4 returning ",
                conversation_cols!()
            ))
            .bind(true)
            .bind(now_ms())
            .bind(id)
            .bind(visitor_id)
            .fetch_optional(pool)
            .await
            .map_err(Into::into)
            .found()
        })
    }

    pub async fn rate_conversation(
        &self,
        visitor_id: &str,
        id: &str,
        rating: i64,
        comment: Option<&str>,
        jobs: ConversationJobs<'_>,
    ) -> StoreResult<Option<ConversationRow>> {
        let now = now_ms();
        on_write!(self, |pool, DB| {
            let query = sqlx::query_as::<DB, ConversationRow>(concat!(
                "update conversations set rating = $1, rating_comment = $2, rated_at = $3, updated_at = $3 \
                 where id = $4 and visitor_id = $5 and status = 'resolved' and (rated_at is null or rated_at < resolved_at) returning ",
                conversation_cols!()
            ))
            .bind(rating)
            .bind(comment)
            .bind(now)
            .bind(id)
            .bind(visitor_id);
            Ok(with_jobs!(pool, DB, jobs, query))
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::{NewAgent, NewVisitor, Store};
    use crate::domain::{ConversationStatus, Role};

    /// Resolves and reopenings whose callers go away at any point (a client that hangs
    /// up): each change is written whole or not at all (its status and its lifecycle
    /// row together), and the group's later writes go on.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_status_change_whose_caller_goes_away_is_written_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(None, dir.path()).await.unwrap();
        let owner = NewAgent { email: "o@t.test", name: "O", password_hash: "x", role: Role::Owner };
        let (org, _) = store.create_org_with_owner("T", owner).await.unwrap();
        let site = store.create_website(&org.id, "S", &[], "wk_cancel", "secret").await.unwrap();
        let visitor =
            NewVisitor { org_id: &org.id, website_id: &site.id, external_id: None, name: None, email: None, resume_hash: "", user_agent: None, ip: None };
        let v = store.create_visitor(visitor).await.unwrap();
        let c = store.create_conversation(&org.id, &site.id, &v.id, false).await.unwrap();
        for i in 0..600u64 {
            let status = if i % 2 == 0 { ConversationStatus::Resolved } else { ConversationStatus::Open };
            // From no time at all to long enough: some are cut before, during or after.
            let _ = tokio::time::timeout(Duration::from_micros(i * 7 % 400), store.set_conversation_status(&org.id, &c.id, status, None)).await;
        }
        // A change whose caller went away still lands, perhaps after a later one: each is
        // whole, in the order they were written (`rowid`).
        tokio::time::sleep(Duration::from_millis(500)).await;
        store.set_conversation_status(&org.id, &c.id, ConversationStatus::Pending, None).await.unwrap();
        let events: Vec<String> = on_read!(&store, |pool, DB| {
            sqlx::query_scalar::<DB, String>("select event from conversation_lifecycle where conversation_id = $1 order by rowid")
                .bind(&c.id)
                .fetch_all(pool)
                .await
                .unwrap()
        });
        // Each change of resolved-ness has its row, in turn: resolved, reopened, ...
        assert!(events.iter().enumerate().all(|(i, e)| e == if i % 2 == 0 { "resolved" } else { "reopened" }), "{events:?}");
        let last = store.conversation(&org.id, &c.id).await.unwrap();
        assert_eq!(last.status, ConversationStatus::Pending);
        assert_eq!(events.last().map(String::as_str), if events.is_empty() { None } else { Some("reopened") }, "{events:?}");
    }
}
