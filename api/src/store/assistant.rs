//! The answer bot's settings per website, what it knows of the published articles, and
//! the record of its answers.

use super::{Store, StoreResult};

#[derive(sqlx::FromRow, Debug, Clone)]
pub struct AssistantRow {
    pub website_id: String,
    pub org_id: String,
    pub answer_bot: bool,
    pub mode: String,
    pub bot_name: String,
    pub threshold: f64,
    pub updated_at: i64,
}

impl AssistantRow {
    /// A website's settings before anyone changed them (the bot off).
    pub fn default_for(org_id: &str, website_id: &str) -> AssistantRow {
        AssistantRow {
            website_id: website_id.to_owned(),
            org_id: org_id.to_owned(),
            answer_bot: false,
            mode: "always".into(),
            bot_name: "Assistant".into(),
            threshold: crate::domain::assistant::DEFAULT_THRESHOLD,
            updated_at: 0,
        }
    }
}

/// A published text, as the bot reads it.
#[derive(sqlx::FromRow, Debug, Clone)]
pub struct PublishedText {
    pub article_id: String,
    pub title: String,
    pub plain: String,
}

#[derive(sqlx::FromRow, Debug, Clone)]
pub struct BotAnswerRow {
    pub id: String,
    pub conversation_id: String,
    pub question_message_id: String,
    pub answer_message_id: String,
    /// JSON array of article ids.
    pub article_ids: String,
    pub score: f64,
    pub outcome: Option<String>,
    pub created_at: i64,
}

const COLS: &str = "website_id, org_id, answer_bot, mode, bot_name, threshold, updated_at";
const ANSWER_COLS: &str = "id, conversation_id, question_message_id, answer_message_id, article_ids, score, outcome, created_at";

impl Store {
    pub async fn assistant(&self, org_id: &str, website_id: &str) -> StoreResult<AssistantRow> {
        let row = on_read!(self, |pool, DB| sqlx::query_as::<DB, AssistantRow>(&format!(
            "select {COLS} from assistant_settings where website_id = $1 and org_id = $2"
        ))
        .bind(website_id)
        .bind(org_id)
        .fetch_optional(pool)
        .await?);
        Ok(row.unwrap_or_else(|| AssistantRow::default_for(org_id, website_id)))
    }

    pub async fn put_assistant(&self, r: &AssistantRow) -> StoreResult<AssistantRow> {
        on_write!(self, |pool, DB| Ok(sqlx::query_as::<DB, AssistantRow>(&format!(
            "insert into assistant_settings ({COLS}) values ($1, $2, $3, $4, $5, $6, $7) on conflict (website_id) do update set \
             answer_bot = excluded.answer_bot, mode = excluded.mode, bot_name = excluded.bot_name, threshold = excluded.threshold, \
             updated_at = excluded.updated_at returning {COLS}"
        ))
        .bind(&r.website_id)
        .bind(&r.org_id)
        .bind(r.answer_bot)
        .bind(&r.mode)
        .bind(&r.bot_name)
        .bind(r.threshold)
        .bind(r.updated_at)
        .fetch_one(pool)
        .await?))
    }

    /// Whether any website of the organization has its answer bot on.
    pub async fn answer_bot_on(&self, org_id: &str) -> StoreResult<bool> {
        on_read!(self, |pool, DB| Ok(sqlx::query_scalar::<DB, i64>("select count(*) from assistant_settings where org_id = $1 and answer_bot")
            .bind(org_id)
            .fetch_one(pool)
            .await?
            > 0))
    }

    /// What changes when the website's published articles change: their number and the
    /// latest change.
    pub async fn published_version(&self, website_id: &str) -> StoreResult<(i64, i64)> {
        on_read!(self, |pool, DB| Ok(sqlx::query_as::<DB, (i64, i64)>(
            "select count(*), coalesce(max(updated_at), 0) from articles where website_id = $1 and status = 'published'"
        )
        .bind(website_id)
        .fetch_one(pool)
        .await?))
    }

    /// Every published text of the website (each article once per language).
    pub async fn published_texts(&self, website_id: &str) -> StoreResult<Vec<PublishedText>> {
        on_read!(self, |pool, DB| Ok(sqlx::query_as::<DB, PublishedText>(
            "select t.article_id, t.title, t.plain from article_texts t join articles a on a.id = t.article_id \
             where a.website_id = $1 and a.status = 'published' order by t.article_id"
        )
        .bind(website_id)
        .fetch_all(pool)
        .await?))
    }

    pub async fn record_bot_answer(&self, org_id: &str, r: &BotAnswerRow) -> StoreResult<()> {
        on_write!(self, |pool, DB| {
            sqlx::query::<DB>(&format!("insert into bot_answers (org_id, {ANSWER_COLS}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)"))
                .bind(org_id)
                .bind(&r.id)
                .bind(&r.conversation_id)
                .bind(&r.question_message_id)
                .bind(&r.answer_message_id)
                .bind(&r.article_ids)
                .bind(r.score)
                .bind(&r.outcome)
                .bind(r.created_at)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    /// The bot's answers in a conversation, oldest first.
    pub async fn bot_answers(&self, conversation_id: &str) -> StoreResult<Vec<BotAnswerRow>> {
        on_read!(self, |pool, DB| Ok(sqlx::query_as::<DB, BotAnswerRow>(&format!(
            "select {ANSWER_COLS} from bot_answers where conversation_id = $1 order by created_at, id"
        ))
        .bind(conversation_id)
        .fetch_all(pool)
        .await?))
    }

    /// Records what the visitor made of an answer (once).
    pub async fn set_bot_outcome(&self, id: &str, outcome: &str) -> StoreResult<bool> {
        on_write!(self, |pool, DB| Ok(sqlx::query::<DB>("update bot_answers set outcome = $1 where id = $2 and outcome is null")
            .bind(outcome)
            .bind(id)
            .execute(pool)
            .await?
            .rows_affected()
            > 0))
    }

    /// The first visitor message of the website's most recent conversations (newest
    /// first), for previewing the bot on past questions.
    pub async fn recent_questions(&self, org_id: &str, website_id: &str, limit: i64) -> StoreResult<Vec<(String, String)>> {
        on_read!(self, |pool, DB| Ok(sqlx::query_as::<DB, (String, String)>(
            "select c.id, (select m.body from messages m where m.conversation_id = c.id and m.sender_kind = 'visitor' and not m.is_private \
             order by m.seq limit 1) as body from conversations c where c.org_id = $1 and c.website_id = $2 \
             and exists (select 1 from messages m where m.conversation_id = c.id and m.sender_kind = 'visitor') \
             order by c.created_at desc limit $3"
        )
        .bind(org_id)
        .bind(website_id)
        .bind(limit)
        .fetch_all(pool)
        .await?))
    }
}

/// A visitor's past question and the team's first public reply after it.
#[derive(sqlx::FromRow, Debug, Clone)]
pub struct PastReply {
    pub conversation_id: String,
    pub question: String,
    pub reply_id: String,
    pub reply: String,
}

impl Store {
    /// Visitors' messages of the organization's resolved conversations (other than
    /// `exclude`) matching any of `terms` (letters and digits), best first, each with the
    /// team's first public reply after it: what the team answered to such a question.
    pub async fn past_replies(&self, org_id: &str, terms: &[String], exclude: &str, limit: i64) -> StoreResult<Vec<PastReply>> {
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        Ok(match self {
            Store::Sqlite { read, .. } => {
                // The index holds the organization as a token (its id's ULID).
                let org = org_id.strip_prefix("org_").unwrap_or(org_id).to_lowercase();
                let words: Vec<String> = terms.iter().map(|t| format!("\"{t}\"")).collect();
                let matched = format!("org : \"{org}\" AND body : ({})", words.join(" OR "));
                sqlx::query_as::<_, PastReply>(
                    "select q.conversation_id, q.body as question, r.id as reply_id, r.body as reply from \
                     (select m.conversation_id, m.seq, m.body, bm25(messages_fts) as rank from messages_fts f join messages m on m.rowid = f.rowid \
                      where messages_fts match $1 and m.org_id = $2 and m.sender_kind = 'visitor' and m.is_private = 0 and m.conversation_id <> $3 \
                      order by rank limit 40) q \
                     join conversations c on c.id = q.conversation_id and c.status = 'resolved' \
                     join messages r on r.id = (select r2.id from messages r2 where r2.conversation_id = q.conversation_id and r2.seq > q.seq \
                      and r2.sender_kind = 'agent' and r2.is_private = 0 and r2.deleted_at is null order by r2.seq limit 1) \
                     order by q.rank limit $4",
                )
                .bind(matched)
                .bind(org_id)
                .bind(exclude)
                .bind(limit)
                .fetch_all(read)
                .await?
            }
            Store::Postgres(pool) => {
                // The index's expression exactly (migrations/postgres/...search_org_term...).
                sqlx::query_as::<_, PastReply>(
                    "select q.conversation_id, q.body as question, r.id as reply_id, r.body as reply from \
                     (select m.conversation_id, m.seq, m.body, ts_rank(to_tsvector('simple', m.body), tq.q) as rank \
                      from messages m, (select to_tsquery('simple', $1) as q) tq \
                      where (to_tsvector('simple', m.body) || array_to_tsvector(array['#' || m.org_id])) @@ (tq.q && quote_literal('#' || $2)::tsquery) \
                      and m.org_id = $2 and m.sender_kind = 'visitor' and not m.is_private and m.conversation_id <> $3 \
                      order by rank desc limit 40) q \
                     join conversations c on c.id = q.conversation_id and c.status = 'resolved' \
                     join lateral (select r2.id, r2.body from messages r2 where r2.conversation_id = q.conversation_id and r2.seq > q.seq \
                      and r2.sender_kind = 'agent' and not r2.is_private and r2.deleted_at is null order by r2.seq limit 1) r on true \
                     order by q.rank desc limit $4",
                )
                .bind(terms.join(" | "))
                .bind(org_id)
                .bind(exclude)
                .bind(limit)
                .fetch_all(pool)
                .await?
            }
        })
    }
}
