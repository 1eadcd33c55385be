//! The knowledge base: articles, their texts per language, and the search index of the
//! published ones (SQLite FTS5 with BM25; PostgreSQL `tsvector` with each language's
//! dictionary), kept in the transaction of each change.

use super::{Found, Store, StoreError, StoreResult};
use crate::ids::new_id;

#[derive(sqlx::FromRow, Debug, Clone)]
pub struct ArticleRow {
    pub id: String,
    pub org_id: String,
    pub website_id: String,
    pub slug: String,
    pub category: String,
    pub status: String,
    pub default_language: String,
    pub created_by: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub published_at: Option<i64>,
}

impl ArticleRow {
    pub fn published(&self) -> bool {
        self.status == "published"
    }
}

#[derive(sqlx::FromRow, Debug, Clone)]
pub struct ArticleTextRow {
    pub article_id: String,
    pub language: String,
    pub title: String,
    pub body: String,
    pub plain: String,
    pub updated_at: i64,
}

/// One text's title of a published article: the help center's list reads these, never
/// the bodies.
#[derive(sqlx::FromRow, Debug, Clone)]
pub struct ArticleTitleRow {
    pub article_id: String,
    pub slug: String,
    pub category: String,
    pub default_language: String,
    pub language: String,
    pub title: String,
}

/// A published text that matched a search.
#[derive(sqlx::FromRow, Debug, Clone)]
pub struct ArticleHit {
    pub article_id: String,
    pub slug: String,
    pub category: String,
    pub language: String,
    pub title: String,
    pub plain: String,
    /// Higher is better; comparable within one search only.
    pub score: f64,
}

/// A new article, or a new text of one.
pub struct ArticleWrite<'a> {
    pub org_id: &'a str,
    pub website_id: &'a str,
    pub slug: &'a str,
    pub category: &'a str,
    pub language: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub plain: &'a str,
    pub created_by: Option<&'a str>,
}

const ARTICLE_COLS: &str = "id, org_id, website_id, slug, category, status, default_language, created_by, created_at, updated_at, published_at";
const TEXT_COLS: &str = "article_id, language, title, body, plain, updated_at";

/// PostgreSQL's text search dictionary for a language tag ('simple': none, no stemming).
const PG_CONFIG: &str = "(case split_part(t.language, '-', 1) when 'en' then 'english' when 'nb' then 'norwegian' when 'nn' then 'norwegian' \
     when 'no' then 'norwegian' when 'da' then 'danish' when 'sv' then 'swedish' when 'fi' then 'finnish' when 'de' then 'german' \
     when 'nl' then 'dutch' when 'fr' then 'french' when 'es' then 'spanish' when 'it' then 'italian' when 'pt' then 'portuguese' \
     when 'ru' then 'russian' else 'simple' end)::regconfig";

/// What FTS5 matches the website by (its id is `web_` and a ULID: letters and digits).
fn website_token(website_id: &str) -> String {
    website_id.strip_prefix("web_").unwrap_or(website_id).to_lowercase()
}

impl Store {
    /// The statements that delete, then rewrite (none unless it is published), the
    /// search rows of the article bound as `$1` (SQLite finds them by its texts' ids, so
    /// they go before the texts do).
    fn index_sql(&self) -> (&'static str, String) {
        match self {
            Store::Sqlite { .. } => (
                "delete from article_search where rowid in (select id from article_texts where article_id = $1)",
                "insert into article_search (rowid, article_id, website, language, is_default, title, plain) \
                 select t.id, t.article_id, lower(substr(a.website_id, 5)), t.language, t.language = a.default_language, t.title, t.plain \
                 from article_texts t join articles a on a.id = t.article_id where a.id = $1 and a.status = 'published'"
                    .to_owned(),
            ),
            Store::Postgres(_) => (
                "delete from article_search where article_id = $1",
                format!(
                    "insert into article_search (article_id, website_id, language, is_default, title, plain, doc) \
                     select t.article_id, a.website_id, t.language, t.language = a.default_language, t.title, t.plain, \
                     setweight(to_tsvector({PG_CONFIG}, t.title), 'A') || setweight(to_tsvector({PG_CONFIG}, t.plain), 'B') \
                     || array_to_tsvector(array['#' || a.website_id]) \
                     from article_texts t join articles a on a.id = t.article_id where a.id = $1 and a.status = 'published'"
                ),
            ),
        }
    }
}

/// Runs one of `Store::index_sql`'s statements for the article `$id` in `$tx`.
macro_rules! index {
    ($db:ident, $tx:ident, $sql:expr, $id:expr) => {
        sqlx::query::<$db>($sql).bind($id).execute(&mut *$tx).await?
    };
}

impl Store {
    /// A new draft with its first text (in its default language).
    pub async fn create_article(&self, w: &ArticleWrite<'_>, now: i64) -> StoreResult<ArticleRow> {
        let id = new_id("art");
        on_write!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            let row = sqlx::query_as::<DB, ArticleRow>(&format!(
                "insert into articles ({ARTICLE_COLS}) values ($1, $2, $3, $4, $5, 'draft', $6, $7, $8, $8, null) returning {ARTICLE_COLS}"
            ))
            .bind(&id)
            .bind(w.org_id)
            .bind(w.website_id)
            .bind(w.slug)
            .bind(w.category)
            .bind(w.language)
            .bind(w.created_by)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query::<DB>(&format!("insert into article_texts ({TEXT_COLS}) values ($1, $2, $3, $4, $5, $6)"))
                .bind(&id)
                .bind(w.language)
                .bind(w.title)
                .bind(w.body)
                .bind(w.plain)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(row)
        })
    }

    pub async fn article(&self, org_id: &str, id: &str) -> StoreResult<ArticleRow> {
        on_read!(self, |pool, DB| sqlx::query_as::<DB, ArticleRow>(&format!("select {ARTICLE_COLS} from articles where id = $1 and org_id = $2"))
            .bind(id)
            .bind(org_id)
            .fetch_optional(pool)
            .await
            .map_err(Into::into)
            .found())
    }

    /// A published article of the website by its slug.
    pub async fn published_article(&self, website_id: &str, slug: &str) -> StoreResult<ArticleRow> {
        on_read!(self, |pool, DB| sqlx::query_as::<DB, ArticleRow>(&format!(
            "select {ARTICLE_COLS} from articles where website_id = $1 and slug = $2 and status = 'published'"
        ))
        .bind(website_id)
        .bind(slug)
        .fetch_optional(pool)
        .await
        .map_err(Into::into)
        .found())
    }

    /// Articles of the organization (of one website, in one status), most recently
    /// changed first, after the cursor `(updated_at, id)`.
    pub async fn articles(
        &self,
        org_id: &str,
        website_id: Option<&str>,
        status: Option<&str>,
        after: Option<(i64, &str)>,
        limit: i64,
    ) -> StoreResult<Vec<ArticleRow>> {
        let (at, aid) = after.map_or((i64::MAX, ""), |(t, i)| (t, i));
        on_read!(self, |pool, DB| Ok(sqlx::query_as::<DB, ArticleRow>(&format!(
            "select {ARTICLE_COLS} from articles where org_id = $1 and ($2 is null or website_id = $2) and ($3 is null or status = $3) \
             and (updated_at < $4 or (updated_at = $4 and id < $5)) order by updated_at desc, id desc limit $6"
        ))
        .bind(org_id)
        .bind(website_id)
        .bind(status)
        .bind(at)
        .bind(aid)
        .bind(limit)
        .fetch_all(pool)
        .await?))
    }

    /// The titles of a website's published articles (at most `limit` articles), by
    /// category then slug, each article's texts together.
    pub async fn published_titles(&self, website_id: &str, limit: i64) -> StoreResult<Vec<ArticleTitleRow>> {
        on_read!(self, |pool, DB| Ok(sqlx::query_as::<DB, ArticleTitleRow>(
            "select a.id as article_id, a.slug, a.category, a.default_language, t.language, t.title \
             from (select id, slug, category, default_language from articles where website_id = $1 and status = 'published' \
             order by category, slug limit $2) a join article_texts t on t.article_id = a.id order by a.category, a.slug, t.language"
        )
        .bind(website_id)
        .bind(limit)
        .fetch_all(pool)
        .await?))
    }

    /// Whether the website has a published article.
    pub async fn website_has_articles(&self, website_id: &str) -> StoreResult<bool> {
        on_read!(self, |pool, DB| Ok(sqlx::query_scalar::<DB, i64>(
            "select count(*) from (select 1 from articles where website_id = $1 and status = 'published' limit 1) x"
        )
        .bind(website_id)
        .fetch_one(pool)
        .await?
            > 0))
    }

    /// Articles of a website (`count`, for the plan's limit).
    pub async fn article_count(&self, website_id: &str) -> StoreResult<i64> {
        on_read!(self, |pool, DB| Ok(sqlx::query_scalar::<DB, i64>("select count(*) from articles where website_id = $1")
            .bind(website_id)
            .fetch_one(pool)
            .await?))
    }

    /// The texts of the articles `ids`, by article then language.
    pub async fn article_texts(&self, ids: &[String]) -> StoreResult<Vec<ArticleTextRow>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids = serde_json::to_string(ids).expect("strings serialize");
        let listed = match self {
            Store::Sqlite { .. } => "select value from json_each($1)",
            Store::Postgres(_) => "select json_array_elements_text($1::json)",
        };
        on_read!(self, |pool, DB| Ok(sqlx::query_as::<DB, ArticleTextRow>(&format!(
            "select {TEXT_COLS} from article_texts where article_id in ({listed}) order by article_id, language"
        ))
        .bind(ids)
        .fetch_all(pool)
        .await?))
    }

    /// Changes an article's slug, category or default language (`None` keeps it) and
    /// writes one text (`Some((language, title, body, plain))`); the search index follows.
    #[allow(clippy::too_many_arguments)]
    pub async fn update_article(
        &self,
        org_id: &str,
        id: &str,
        slug: Option<&str>,
        category: Option<&str>,
        default_language: Option<&str>,
        text: Option<(&str, &str, &str, &str)>,
        now: i64,
    ) -> StoreResult<ArticleRow> {
        let (unindex, reindex) = self.index_sql();
        on_write!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            let row = sqlx::query_as::<DB, ArticleRow>(&format!(
                "update articles set slug = coalesce($1, slug), category = coalesce($2, category), default_language = coalesce($3, default_language), \
             updated_at = $4 where id = $5 and org_id = $6 returning {ARTICLE_COLS}"
            ))
            .bind(slug)
            .bind(category)
            .bind(default_language)
            .bind(now)
            .bind(id)
            .bind(org_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
            if let Some((language, title, body, plain)) = text {
                sqlx::query::<DB>(&format!(
                    "insert into article_texts ({TEXT_COLS}) values ($1, $2, $3, $4, $5, $6) on conflict (article_id, language) do update set \
                 title = excluded.title, body = excluded.body, plain = excluded.plain, updated_at = excluded.updated_at"
                ))
                .bind(id)
                .bind(language)
                .bind(title)
                .bind(body)
                .bind(plain)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            index!(DB, tx, unindex, id);
            index!(DB, tx, &reindex, id);
            tx.commit().await?;
            Ok(row)
        })
    }

    /// Deletes one text of an article (never its default language's).
    pub async fn delete_article_text(&self, org_id: &str, id: &str, language: &str, now: i64) -> StoreResult<bool> {
        let (unindex, reindex) = self.index_sql();
        on_write!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            let n = sqlx::query::<DB>("update articles set updated_at = $1 where id = $2 and org_id = $3 and default_language <> $4")
                .bind(now)
                .bind(id)
                .bind(org_id)
                .bind(language)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Ok(false);
            }
            index!(DB, tx, unindex, id);
            let gone = sqlx::query::<DB>("delete from article_texts where article_id = $1 and language = $2")
                .bind(id)
                .bind(language)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            // The text's vectors go with it (an article's go with the article).
            sqlx::query::<DB>("delete from article_vectors where article_id = $1 and language = $2").bind(id).bind(language).execute(&mut *tx).await?;
            index!(DB, tx, &reindex, id);
            tx.commit().await?;
            Ok(gone > 0)
        })
    }

    /// Publishes (`published`) or withdraws (`draft`) an article.
    pub async fn set_article_status(&self, org_id: &str, id: &str, status: &str, now: i64) -> StoreResult<ArticleRow> {
        let (unindex, reindex) = self.index_sql();
        on_write!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            let row = sqlx::query_as::<DB, ArticleRow>(&format!(
                "update articles set status = $1, updated_at = $2, \
             published_at = case when $1 = 'published' then coalesce(published_at, $2) else published_at end \
             where id = $3 and org_id = $4 returning {ARTICLE_COLS}"
            ))
            .bind(status)
            .bind(now)
            .bind(id)
            .bind(org_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
            index!(DB, tx, unindex, id);
            index!(DB, tx, &reindex, id);
            tx.commit().await?;
            Ok(row)
        })
    }

    pub async fn delete_article(&self, org_id: &str, id: &str) -> StoreResult<()> {
        let (unindex, _) = self.index_sql();
        on_write!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            let found = sqlx::query_scalar::<DB, String>("select id from articles where id = $1 and org_id = $2")
                .bind(id)
                .bind(org_id)
                .fetch_optional(&mut *tx)
                .await?;
            if found.is_none() {
                return Err(StoreError::NotFound);
            }
            index!(DB, tx, unindex, id);
            sqlx::query::<DB>("delete from article_texts where article_id = $1").bind(id).execute(&mut *tx).await?;
            sqlx::query::<DB>("delete from articles where id = $1").bind(id).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// The website's published texts matching any of `terms` (all of them with `all`;
    /// words of letters and digits, from `domain::articles::query_terms`), best first:
    /// each article in the first of `languages` it has, else in its default language.
    ///
    /// The database ranks at most `ranked` of the matching texts (the first it finds,
    /// in its own order): what one search costs stays bounded when its words are in
    /// most of a large website's articles.
    pub async fn search_articles(
        &self,
        website_id: &str,
        terms: &[String],
        all: bool,
        languages: &[String],
        limit: i64,
        ranked: i64,
    ) -> StoreResult<Vec<ArticleHit>> {
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        let langs = serde_json::to_string(languages).expect("strings serialize");
        let hits = match self {
            Store::Sqlite { read, .. } => {
                let words: Vec<String> = terms.iter().map(|t| format!("\"{t}\"")).collect();
                let matched = format!("website : \"{}\" AND {{title plain}} : ({})", website_token(website_id), words.join(if all { " AND " } else { " OR " }));
                sqlx::query_as::<_, ArticleHit>(
                    "select s.article_id, a.slug, a.category, s.language, s.title, s.plain, s.score from ( \
                     select s.article_id, s.language, s.title, s.plain, -bm25(article_search, 0.0, 0.0, 0.0, 0.0, 4.0, 1.0) as score \
                     from article_search s where article_search match $1 \
                     and (s.language in (select value from json_each($3)) or (s.is_default = 1 and not exists \
                     (select 1 from article_texts t where t.article_id = s.article_id and t.language in (select value from json_each($3))))) \
                     limit $5) s join articles a on a.id = s.article_id where a.website_id = $2 \
                     order by s.score desc, a.slug limit $4",
                )
                .bind(matched)
                .bind(website_id)
                .bind(&langs)
                .bind(limit * 2)
                .bind(ranked)
                .fetch_all(read)
                .await?
            }
            Store::Postgres(pool) => {
                let words = terms.join(if all { " & " } else { " | " });
                let lang = languages.first().map(String::as_str).unwrap_or("en");
                // Ranked and cut on the search rows alone; only the best are joined to
                // their articles (a join per match cost as much as the ranking). The
                // website is a condition of its own on the index, so GIN skips through
                // the words' postings to its rows (see `matching_questions`).
                sqlx::query_as::<_, ArticleHit>(&format!(
                    "select s.article_id, a.slug, a.category, s.language, s.title, s.plain, s.score from ( \
                     select s.article_id, s.language, s.title, s.plain, ts_rank(s.doc, q.terms, 1)::float8 as score \
                     from (select to_tsquery({cfg}, $1) || to_tsquery('simple', $1) as terms) q, lateral ( \
                     select * from article_search s where s.doc @@ q.terms and s.doc @@ quote_literal('#' || $2)::tsquery and s.website_id = $2 \
                     and (s.language in (select json_array_elements_text($3::json)) or (s.is_default and not exists \
                     (select 1 from article_texts t where t.article_id = s.article_id and t.language in (select json_array_elements_text($3::json))))) \
                     limit $6) s \
                     order by score desc, s.article_id limit $4) s join articles a on a.id = s.article_id order by s.score desc, a.slug",
                    cfg = PG_CONFIG.replace("t.language", "$5")
                ))
                .bind(words)
                .bind(website_id)
                .bind(&langs)
                .bind(limit * 2)
                .bind(lang)
                .bind(ranked)
                .fetch_all(pool)
                .await?
            }
        };
        // One hit per article (a region's text and its language's may both match).
        let mut seen = std::collections::HashSet::new();
        Ok(hits.into_iter().filter(|h| seen.insert(h.article_id.clone())).take(limit as usize).collect())
    }

    /// The website's published articles among `ids`, each as one text: the first of
    /// `languages` it has, else its default language's (score 0).
    pub async fn article_hits(&self, website_id: &str, ids: &[&str], languages: &[String]) -> StoreResult<Vec<ArticleHit>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids = serde_json::to_string(ids).expect("strings serialize");
        type Row = (String, String, String, String, String, String, String);
        let rows: Vec<Row> = on_read!(self, |pool, DB| sqlx::query_as::<DB, Row>(&format!(
            // From the ids to their articles by primary key: SQLite keeps a cross join's
            // order, PostgreSQL looks up `= any(array)` in the index (it hashed every
            // article of the website against `in (select ...)`).
            "select a.id, a.slug, a.category, t.language, t.title, t.plain, a.default_language from {from} \
             join article_texts t on t.article_id = a.id where {ids} a.website_id = $1 and a.status = 'published'",
            from = if matches!(self, Store::Sqlite { .. }) {
                "(select value as id from json_each($2)) j cross join articles a on a.id = j.id"
            } else {
                "articles a"
            },
            ids = if matches!(self, Store::Sqlite { .. }) { "" } else { "a.id = any(array(select json_array_elements_text($2::json))) and" },
        ))
        .bind(website_id)
        .bind(&ids)
        .fetch_all(pool)
        .await?);
        let rank = |language: &str, default: &str| {
            languages.iter().position(|l| l == language).unwrap_or(if language == default { languages.len() } else { usize::MAX })
        };
        let mut best: std::collections::HashMap<String, (usize, ArticleHit)> = std::collections::HashMap::new();
        for (article_id, slug, category, language, title, plain, default) in rows {
            let r = rank(&language, &default);
            if r == usize::MAX || best.get(&article_id).is_some_and(|(b, _)| *b <= r) {
                continue;
            }
            best.insert(article_id.clone(), (r, ArticleHit { article_id, slug, category, language, title, plain, score: 0.0 }));
        }
        Ok(best.into_values().map(|(_, h)| h).collect())
    }
}
