//! The knowledge base (docs/assistant.md): help-center articles per website, written
//! in Markdown by the team, each with a text per language. Any agent (or an API key with
//! `websites:manage`) writes drafts; publishing, withdrawing, deleting and changing a
//! published article take an owner or admin (or that key). Published articles are
//! public: in the help center (`http::help`), in `articleSearch`, and in the widget's
//! suggestions.

use std::time::Duration;

use super::{not_found, staff, App};
use crate::auth::Principal;
use crate::domain::{articles, ApiKeyScope};
use crate::error::{ApiError, ApiResult};
use crate::ratelimit::Quota;
use crate::store::{ArticleHit, ArticleRow, ArticleTextRow, ArticleWrite, StoreError, WebsiteRow};

/// Help-center host names and their websites' public keys, with when they were read.
pub type HelpHosts = std::sync::Mutex<Option<(std::time::Instant, std::sync::Arc<std::collections::HashMap<String, String>>)>>;
/// How long a node serves help-center host names without reading them again.
const HELP_HOSTS_FRESH: Duration = Duration::from_secs(10);

/// Articles one website may hold.
pub const MAX_ARTICLES: i64 = 10_000;
/// Texts (languages) one article may have.
pub const MAX_LANGUAGES: usize = 20;
/// The most hits one search returns.
pub const MAX_HITS: i64 = 10;
/// The most matching texts the database ranks for one search (see
/// `Store::search_articles`).
pub const MAX_RANKED: i64 = 1_500;

/// An article with its texts.
#[derive(Debug, Clone)]
pub struct Article {
    pub row: ArticleRow,
    pub texts: Vec<ArticleTextRow>,
}

impl Article {
    /// The text in `language` (or its primary language: `pt` for `pt-br`), else the
    /// default language's.
    pub fn text_for(&self, language: Option<&str>) -> &ArticleTextRow {
        in_language(&self.texts, |t| &t.language, &self.row.default_language, language)
    }
}

/// A published article's titles in its languages, for the help center's list.
#[derive(Debug, Clone)]
pub struct ArticleTitles {
    pub slug: String,
    pub category: String,
    pub default_language: String,
    /// `(language, title)`, at least one.
    pub titles: Vec<(String, String)>,
}

impl ArticleTitles {
    /// The title in `language`, chosen as `Article::text_for` chooses a text.
    pub fn title_for(&self, language: Option<&str>) -> &str {
        &in_language(&self.titles, |t| &t.0, &self.default_language, language).1
    }
}

/// Of `items` (at least one), the one in `wanted` (or its primary language), else the
/// one in `default`, else the first.
pub(super) fn in_language<'a, T>(items: &'a [T], lang: impl Fn(&T) -> &str, default: &str, wanted: Option<&str>) -> &'a T {
    let wanted = wanted.map(|l| l.to_ascii_lowercase());
    let primary = wanted.as_deref().map(|l| l.split('-').next().unwrap_or(l).to_owned());
    wanted
        .as_deref()
        .and_then(|l| items.iter().find(|t| lang(t) == l))
        .or_else(|| primary.as_deref().and_then(|l| items.iter().find(|t| lang(t) == l)))
        .or_else(|| items.iter().find(|t| lang(t) == default))
        .unwrap_or(&items[0])
}

/// A new article's fields.
pub struct NewArticle<'a> {
    pub website_id: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub language: &'a str,
    pub slug: Option<&'a str>,
    pub category: Option<&'a str>,
}

/// A change to an article; absent fields stay as they are. A title or body writes the
/// text in `language` (the default language's when absent), creating it if new.
#[derive(Default)]
pub struct ArticlePatch<'a> {
    pub slug: Option<&'a str>,
    pub category: Option<&'a str>,
    pub default_language: Option<&'a str>,
    pub language: Option<&'a str>,
    pub title: Option<&'a str>,
    pub body: Option<&'a str>,
}

/// A search result for visitors: a published article in the asker's language where it
/// has one.
#[derive(Debug, Clone)]
pub struct ArticleMatch {
    pub hit: ArticleHit,
    pub excerpt: String,
}

/// Languages to search in, best first: the tag, then its primary language.
pub fn search_languages(language: Option<&str>, fallback: &str) -> Vec<String> {
    let tag = language.and_then(|l| articles::language(l).ok()).unwrap_or_else(|| fallback.to_owned());
    let primary = tag.split('-').next().unwrap_or(&tag).to_owned();
    if primary == tag {
        vec![tag]
    } else {
        vec![tag, primary]
    }
}

/// The writers of articles: staff of the organization (a key needs `websites:manage`).
fn writer(p: &Principal) -> ApiResult<&str> {
    match p {
        Principal::ApiKey(k) if !k.scopes.has(ApiKeyScope::WebsitesManage) => Err(ApiError::Forbidden("this API key does not have the scope websites:manage")),
        _ => Ok(staff(p)?.0),
    }
}

/// Who publishes: owners and admins, and keys with `websites:manage`.
fn publisher(p: &Principal) -> ApiResult<&str> {
    super::manager(p, ApiKeyScope::WebsitesManage).map_err(|e| match p {
        Principal::Agent(_) => ApiError::Forbidden("publishing, withdrawing and deleting articles, and changing published ones, take an owner or admin"),
        _ => e,
    })
}

impl App {
    async fn with_texts(&self, rows: Vec<ArticleRow>) -> ApiResult<Vec<Article>> {
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        let mut by_article: std::collections::HashMap<String, Vec<ArticleTextRow>> = std::collections::HashMap::new();
        for t in self.store.article_texts(&ids).await? {
            by_article.entry(t.article_id.clone()).or_default().push(t);
        }
        Ok(rows.into_iter().filter_map(|row| by_article.remove(&row.id).map(|texts| Article { row, texts })).collect())
    }

    /// An article of the caller's organization (on a website the caller sees).
    pub async fn article(&self, p: &Principal, id: &str) -> ApiResult<Article> {
        let (org, _, _) = staff(p)?;
        if let Principal::ApiKey(k) = p {
            if !k.scopes.has(ApiKeyScope::WebsitesRead) && !k.scopes.has(ApiKeyScope::WebsitesManage) {
                return Err(ApiError::Forbidden("this API key does not have the scope websites:read"));
            }
        }
        let row = self.store.article(org, id).await.map_err(|e| not_found(e, "article"))?;
        if !p.sees_website(&row.website_id) {
            return Err(ApiError::NotFound("article"));
        }
        self.with_texts(vec![row]).await?.pop().ok_or(ApiError::NotFound("article"))
    }

    /// A page of the organization's articles, most recently changed first.
    pub async fn articles(
        &self,
        p: &Principal,
        website_id: Option<&str>,
        status: Option<&str>,
        after: Option<(i64, &str)>,
        limit: i64,
    ) -> ApiResult<Vec<Article>> {
        let (org, _, _) = staff(p)?;
        if let Some(w) = website_id {
            self.website(p, w).await?;
        }
        let rows = self.store.articles(org, website_id, status, after, limit).await?;
        let rows = rows.into_iter().filter(|r| p.sees_website(&r.website_id)).collect();
        self.with_texts(rows).await
    }

    pub async fn create_article(&self, p: &Principal, a: NewArticle<'_>) -> ApiResult<Article> {
        let org = writer(p)?;
        let site = self.website(p, a.website_id).await?;
        let title = articles::title(a.title)?;
        let body = articles::body(a.body)?;
        let language = articles::language(a.language)?;
        let category = articles::category(a.category.unwrap_or(""))?;
        let slug = match a.slug {
            Some(s) => articles::Slug::parse(s)?,
            None => articles::Slug::from_title(&title),
        };
        if self.store.article_count(&site.id).await? >= MAX_ARTICLES {
            return Err(ApiError::PlanLimit("a website has at most 10,000 articles"));
        }
        let plain = articles::plain_text(&body);
        let by = match p {
            Principal::Agent(a) => Some(a.id.as_str()),
            _ => None,
        };
        let w = ArticleWrite {
            org_id: org,
            website_id: &site.id,
            slug: slug.as_str(),
            category: &category,
            language: &language,
            title: &title,
            body: &body,
            plain: &plain,
            created_by: by,
        };
        let row = self.store.create_article(&w, crate::time::now_ms()).await?;
        self.with_texts(vec![row]).await?.pop().ok_or(ApiError::NotFound("article"))
    }

    pub async fn update_article(&self, p: &Principal, id: &str, patch: ArticlePatch<'_>) -> ApiResult<Article> {
        let org = writer(p)?.to_owned();
        let current = self.article(p, id).await?;
        if current.row.published() {
            publisher(p)?;
        }
        let slug = patch.slug.map(articles::Slug::parse).transpose()?;
        let category = patch.category.map(articles::category).transpose()?;
        let default_language = patch.default_language.map(articles::language).transpose()?;
        let language = patch.language.map(articles::language).transpose()?;
        let title = patch.title.map(articles::title).transpose()?;
        let body = patch.body.map(articles::body).transpose()?;
        // The text written: in `language`, else the default language's.
        let lang = language.clone().unwrap_or_else(|| current.row.default_language.clone());
        let existing = current.texts.iter().find(|t| t.language == lang);
        if existing.is_none() && (title.is_none() || body.is_none()) && (title.is_some() || body.is_some() || language.is_some()) {
            return Err(ApiError::BadInput(format!("a new language ({lang}) needs a title and a body")));
        }
        if existing.is_none() && language.is_some() && current.texts.len() >= MAX_LANGUAGES {
            return Err(ApiError::PlanLimit("an article has at most 20 languages"));
        }
        if let Some(d) = &default_language {
            let has = current.texts.iter().any(|t| &t.language == d) || (d == &lang && title.is_some());
            if !has {
                return Err(ApiError::BadInput(format!("the article has no text in {d} to make its default")));
            }
        }
        let text = match (&title, &body) {
            (None, None) => None,
            _ => {
                let title = title.clone().unwrap_or_else(|| existing.map(|t| t.title.clone()).unwrap_or_default());
                let body = body.clone().unwrap_or_else(|| existing.map(|t| t.body.clone()).unwrap_or_default());
                let plain = articles::plain_text(&body);
                Some((title, body, plain))
            }
        };
        let row = self
            .store
            .update_article(
                &org,
                id,
                slug.as_ref().map(|s| s.as_str()),
                category.as_deref(),
                default_language.as_deref(),
                text.as_ref().map(|(t, b, pl)| (lang.as_str(), t.as_str(), b.as_str(), pl.as_str())),
                crate::time::now_ms(),
            )
            .await
            .map_err(|e| not_found(e, "article"))?;
        if row.published() {
            self.audit(p, "article.update", Some(id)).await?;
            self.embed_later(&row.website_id);
        }
        self.with_texts(vec![row]).await?.pop().ok_or(ApiError::NotFound("article"))
    }

    /// Removes one language's text (never the default language's).
    pub async fn delete_article_text(&self, p: &Principal, id: &str, language: &str) -> ApiResult<Article> {
        let org = writer(p)?.to_owned();
        let current = self.article(p, id).await?;
        if current.row.published() {
            publisher(p)?;
        }
        let language = articles::language(language)?;
        if language == current.row.default_language {
            return Err(ApiError::BadInput("the default language's text stays: make another language the default first".into()));
        }
        if !self.store.delete_article_text(&org, id, &language, crate::time::now_ms()).await? {
            return Err(ApiError::NotFound("article text"));
        }
        self.article(p, id).await
    }

    /// Publishes (`true`) or withdraws to a draft (`false`).
    pub async fn set_article_published(&self, p: &Principal, id: &str, published: bool) -> ApiResult<Article> {
        let org = publisher(p)?.to_owned();
        self.article(p, id).await?;
        let row = self
            .store
            .set_article_status(&org, id, if published { "published" } else { "draft" }, crate::time::now_ms())
            .await
            .map_err(|e| not_found(e, "article"))?;
        self.audit(p, if published { "article.publish" } else { "article.unpublish" }, Some(id)).await?;
        if published {
            self.embed_later(&row.website_id);
        }
        self.with_texts(vec![row]).await?.pop().ok_or(ApiError::NotFound("article"))
    }

    pub async fn delete_article(&self, p: &Principal, id: &str) -> ApiResult<()> {
        let org = publisher(p)?.to_owned();
        self.article(p, id).await?;
        self.store.delete_article(&org, id).await.map_err(|e| not_found(e, "article"))?;
        self.audit(p, "article.delete", Some(id)).await?;
        Ok(())
    }

    /// The website's published articles matching a question, best first (anyone may
    /// ask; rate limited per address and per website).
    pub async fn search_articles(
        &self,
        site: &WebsiteRow,
        question: &str,
        language: Option<&str>,
        limit: i64,
        ip: Option<&str>,
    ) -> ApiResult<Vec<ArticleMatch>> {
        if question.chars().count() > 500 {
            return Err(ApiError::BadInput("a search is at most 500 characters".into()));
        }
        if let Some(ip) = ip {
            self.limit(&format!("article-search-ip:{ip}"), Quota::per_window(120, Duration::from_secs(60))).await?;
        }
        self.limit(&format!("article-search:{}", site.id), Quota::per_window(6_000, Duration::from_secs(60))).await?;
        let terms = articles::query_terms(question);
        let languages = search_languages(language, "en");
        let hits = self.store.search_articles(&site.id, &terms, false, &languages, limit.clamp(1, MAX_HITS), MAX_RANKED).await?;
        Ok(hits
            .into_iter()
            .map(|hit| {
                let excerpt = articles::excerpt(&hit.plain, &terms, 160);
                ArticleMatch { hit, excerpt }
            })
            .collect())
    }

    /// A published article of a website by slug, for the help center.
    pub async fn published_article(&self, site: &WebsiteRow, slug: &str) -> ApiResult<Article> {
        let row = match self.store.published_article(&site.id, slug).await {
            Ok(r) => r,
            Err(StoreError::NotFound) => return Err(ApiError::NotFound("article")),
            Err(e) => return Err(e.into()),
        };
        self.with_texts(vec![row]).await?.pop().ok_or(ApiError::NotFound("article"))
    }

    /// The help center's list: the titles of a website's published articles (at most
    /// 1,000), by category then slug. Bodies stay unread: at the limits (10,000 articles
    /// of 100,000 characters in 20 languages) they would be gigabytes per page.
    pub async fn published_titles(&self, site: &WebsiteRow) -> ApiResult<Vec<ArticleTitles>> {
        let mut out: Vec<ArticleTitles> = Vec::new();
        for r in self.store.published_titles(&site.id, 1_000).await? {
            match out.last_mut() {
                Some(last) if last.slug == r.slug => last.titles.push((r.language, r.title)),
                _ => out.push(ArticleTitles { slug: r.slug, category: r.category, default_language: r.default_language, titles: vec![(r.language, r.title)] }),
            }
        }
        Ok(out)
    }

    /// Whether the website has a published article (`WidgetConfig.hasArticles`).
    pub async fn website_has_articles(&self, site: &WebsiteRow) -> ApiResult<bool> {
        Ok(self.store.website_has_articles(&site.id).await?)
    }

    /// Serves the website's help center on its own host name as well (`None` or an
    /// empty name: only under `/help/<key>`). Owners, admins and keys with
    /// `websites:manage`; a name another website uses is refused; audited.
    pub async fn set_help_center_domain(&self, p: &Principal, website_id: &str, domain: Option<&str>) -> ApiResult<WebsiteRow> {
        let org = super::manager(p, ApiKeyScope::WebsitesManage)?.to_owned();
        let site = self.website(p, website_id).await?;
        let domain = domain.filter(|d| !d.trim().is_empty()).map(articles::help_domain).transpose()?;
        if let (Some(d), Some(own)) = (&domain, self.settings.public_url.as_deref().and_then(|u| reqwest::Url::parse(u).ok())) {
            if own.host_str().is_some_and(|h| h.eq_ignore_ascii_case(d)) {
                return Err(ApiError::BadInput("that is this server's own host name: give the help center a name of its own".into()));
            }
        }
        let row = self.store.set_help_domain(&org, &site.id, domain.as_deref()).await.map_err(|e| not_found(e, "website"))?;
        *self.help_hosts.lock().expect("help hosts lock") = None;
        self.audit(p, "website.help_domain", Some(&site.id)).await?;
        Ok(row)
    }

    /// The public key of the website whose help center is served at `host` (a `Host`
    /// header: a port is ignored), if any. The names are read at most every 10 s per node.
    pub async fn help_host(&self, host: &str) -> Option<String> {
        let name = match host.rsplit_once(':') {
            Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
            _ => host,
        };
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        let cached = self.help_hosts.lock().expect("help hosts lock").clone().filter(|(at, _)| at.elapsed() < HELP_HOSTS_FRESH);
        let hosts = match cached {
            Some((_, hosts)) => hosts,
            None => {
                // A failed read serves no help center for now (and is tried again next time).
                let read = self.store.help_domains().await.ok()?;
                let hosts = std::sync::Arc::new(read.into_iter().collect::<std::collections::HashMap<_, _>>());
                *self.help_hosts.lock().expect("help hosts lock") = Some((std::time::Instant::now(), hosts.clone()));
                hosts
            }
        };
        hosts.get(&name).cloned()
    }
}
