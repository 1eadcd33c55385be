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

/// A published text whose passages have no current vectors of a model.
#[derive(sqlx::FromRow, Debug, Clone)]
pub struct UnembeddedText {
    pub article_id: String,
    pub language: String,
    pub title: String,
    pub body: String,
    pub updated_at: i64,
}

/// A published text's passage vectors (`chinwag_embed::Quantized` bytes, one after another).
#[derive(sqlx::FromRow, Debug, Clone)]
pub struct ArticleVectors {
    pub article_id: String,
    pub language: String,
    pub vectors: Vec<u8>,
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

    /// Up to `limit` published texts of the website with no current vectors of `model`.
    pub async fn unembedded_texts(&self, website_id: &str, model: &str, limit: i64) -> StoreResult<Vec<UnembeddedText>> {
        on_read!(self, |pool, DB| Ok(sqlx::query_as::<DB, UnembeddedText>(
            "select t.article_id, t.language, t.title, t.body, t.updated_at from article_texts t join articles a on a.id = t.article_id \
             where a.website_id = $1 and a.status = 'published' and not exists (select 1 from article_vectors v \
             where v.article_id = t.article_id and v.language = t.language and v.model = $2 and v.text_updated_at = t.updated_at) \
             order by t.article_id, t.language limit $3"
        )
        .bind(website_id)
        .bind(model)
        .bind(limit)
        .fetch_all(pool)
        .await?))
    }

    /// Stores a text's vectors, replacing those of an earlier version and deleting the
    /// text's vectors of any other model (a server whose model changed re-embeds every
    /// published text, so the old model's vectors do not stay behind).
    pub async fn put_article_vectors(&self, article_id: &str, language: &str, model: &str, text_updated_at: i64, vectors: &[u8]) -> StoreResult<()> {
        on_write!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            sqlx::query::<DB>("delete from article_vectors where article_id = $1 and language = $2 and model <> $3")
                .bind(article_id)
                .bind(language)
                .bind(model)
                .execute(&mut *tx)
                .await?;
            sqlx::query::<DB>(
                "insert into article_vectors (article_id, language, model, text_updated_at, vectors) values ($1, $2, $3, $4, $5) \
                 on conflict (article_id, language, model) do update set text_updated_at = excluded.text_updated_at, vectors = excluded.vectors",
            )
            .bind(article_id)
            .bind(language)
            .bind(model)
            .bind(text_updated_at)
            .bind(vectors)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// The current vectors of `model` of the website's published texts.
    pub async fn article_vectors(&self, website_id: &str, model: &str) -> StoreResult<Vec<ArticleVectors>> {
        on_read!(self, |pool, DB| Ok(sqlx::query_as::<DB, ArticleVectors>(
            "select v.article_id, v.language, v.vectors from article_vectors v join article_texts t on t.article_id = v.article_id \
             and t.language = v.language and t.updated_at = v.text_updated_at join articles a on a.id = v.article_id \
             where a.website_id = $1 and a.status = 'published' and v.model = $2"
        )
        .bind(website_id)
        .bind(model)
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

/// A visitor's message in a resolved conversation.
#[derive(sqlx::FromRow, Debug, Clone)]
pub struct PastQuestion {
    pub conversation_id: String,
    pub seq: i64,
    pub body: String,
}

/// The team's first public reply after a message.
#[derive(sqlx::FromRow, Debug, Clone)]
pub struct FirstReply {
    pub id: String,
    pub body: String,
}

impl Store {
    /// The organization's `recent` latest visitors' messages that have any of `terms`
    /// (letters and digits), newest first, less those not in a resolved conversation or
    /// in `exclude`. The newest, not the best: the search reads a bounded number of
    /// rows however common the words are, and the caller ranks what it gets.
    pub async fn matching_questions(&self, org_id: &str, terms: &[String], exclude: &str, recent: i64) -> StoreResult<Vec<PastQuestion>> {
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        // The index holds every message; about half of the matches are the team's.
        let matches = recent * 2;
        Ok(match self {
            Store::Sqlite { read, .. } => {
                // The index holds the organization as a token (its id's ULID).
                let org = org_id.strip_prefix("org_").unwrap_or(org_id).to_lowercase();
                let words: Vec<String> = terms.iter().map(|t| format!("\"{t}\"")).collect();
                let matched = format!("org : \"{org}\" AND body : ({})", words.join(" OR "));
                sqlx::query_as::<_, PastQuestion>(
                    "select m.conversation_id, m.seq, m.body from \
                     (select rowid from messages_fts where messages_fts match $1 order by rowid desc limit $4) f \
                     join messages m on m.rowid = f.rowid join conversations c on c.id = m.conversation_id and c.status = 'resolved' \
                     where m.org_id = $2 and m.sender_kind = 'visitor' and m.is_private = 0 and m.deleted_at is null and m.conversation_id <> $3 \
                     order by m.rowid desc limit $5",
                )
                .bind(matched)
                .bind(org_id)
                .bind(exclude)
                .bind(matches)
                .bind(recent)
                .fetch_all(read)
                .await?
            }
            Store::Postgres(pool) => {
                // The index's expression exactly (migrations/postgres/...search_org_term...).
                // The words and the organization are two conditions on it, not one query:
                // GIN then skips through the words' postings to the organization's
                // messages, where one query with the words OR-ed read every posting of
                // each (24 ms against 2 ms for eight common words over 2,000,000 messages).
                sqlx::query_as::<_, PastQuestion>(
                    "select m.conversation_id, m.seq, m.body from \
                     (select m.conversation_id, m.seq, m.body, m.created_at from messages m, (select to_tsquery('simple', $1) as q) tq \
                      where (to_tsvector('simple', m.body) || array_to_tsvector(array['#' || m.org_id])) @@ tq.q \
                      and (to_tsvector('simple', m.body) || array_to_tsvector(array['#' || m.org_id])) @@ quote_literal('#' || $2)::tsquery \
                      and m.org_id = $2 and m.sender_kind = 'visitor' and not m.is_private and m.deleted_at is null and m.conversation_id <> $3 \
                      order by m.created_at desc limit $4) m \
                     join conversations c on c.id = m.conversation_id and c.status = 'resolved' \
                     order by m.created_at desc limit $5",
                )
                .bind(terms.join(" | "))
                .bind(org_id)
                .bind(exclude)
                .bind(matches)
                .bind(recent)
                .fetch_all(pool)
                .await?
            }
        })
    }

    /// The team's first public reply after the message `seq` of a conversation, if any.
    pub async fn first_reply(&self, conversation_id: &str, seq: i64) -> StoreResult<Option<FirstReply>> {
        Ok(on_read!(self, |pool, DB| sqlx::query_as::<DB, FirstReply>(
            "select id, body from messages where conversation_id = $1 and seq > $2 and sender_kind = 'agent' \
             and not is_private and deleted_at is null order by seq limit 1"
        )
        .bind(conversation_id)
        .bind(seq)
        .fetch_optional(pool)
        .await?))
    }
}
