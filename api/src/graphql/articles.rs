//! The knowledge base: articles for the team, and `articleSearch` for anyone (the
//! widget's suggestions, a custom help page).

use async_graphql::{Context, Enum, InputObject, Object, SimpleObject, ID};

use super::conversation::{decode_cursor, encode_cursor, forward_page, page_first};
use super::guards::{Allow, Scope};
use super::types::{DateTime, PageInfo};
use super::{ContextExt as _, GqlResult};
use crate::app::articles::{Article as ArticleData, ArticlePatch, NewArticle};
use crate::domain::articles::render;
use crate::store::ArticleTextRow;

/// Whether visitors can read an article.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum ArticleStatus {
    /// Seen by the team only; never in the help center, search or the widget.
    Draft,
    /// In the help center, search and the widget.
    Published,
}

impl ArticleStatus {
    fn as_str(self) -> &'static str {
        match self {
            ArticleStatus::Draft => "draft",
            ArticleStatus::Published => "published",
        }
    }
}

/// A help-center article.
pub struct Article(pub ArticleData);

#[Object]
impl Article {
    async fn id(&self) -> ID {
        ID(self.0.row.id.clone())
    }
    async fn website_id(&self) -> ID {
        ID(self.0.row.website_id.clone())
    }
    /// Its address in the help center: `/help/<website key>/<slug>`.
    async fn slug(&self) -> &str {
        &self.0.row.slug
    }
    /// Empty for none.
    async fn category(&self) -> &str {
        &self.0.row.category
    }
    async fn status(&self) -> ArticleStatus {
        if self.0.row.published() {
            ArticleStatus::Published
        } else {
            ArticleStatus::Draft
        }
    }
    /// The language visitors get when the article has no text in theirs.
    async fn default_language(&self) -> &str {
        &self.0.row.default_language
    }
    /// The text in `language` (or its primary language), else the default language's.
    async fn text(&self, language: Option<String>) -> ArticleText {
        ArticleText(self.0.text_for(language.as_deref()).clone())
    }
    /// Every language's text.
    async fn texts(&self) -> Vec<ArticleText> {
        self.0.texts.iter().cloned().map(ArticleText).collect()
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.row.created_at)
    }
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.row.updated_at)
    }
    /// When it was first published.
    async fn published_at(&self) -> Option<DateTime> {
        self.0.row.published_at.map(DateTime)
    }
}

/// An article's text in one language.
pub struct ArticleText(pub ArticleTextRow);

#[Object]
impl ArticleText {
    async fn language(&self) -> &str {
        &self.0.language
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Markdown, as written.
    async fn body(&self) -> &str {
        &self.0.body
    }
    /// The body as the help center shows it: HTML from an allow-list (no raw HTML; links
    /// only to http, https and mailto).
    async fn html(&self) -> String {
        render(&self.0.body)
    }
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }
}

#[derive(SimpleObject)]
pub struct ArticleEdge {
    pub cursor: String,
    pub node: Article,
}

#[derive(SimpleObject)]
pub struct ArticleConnection {
    pub edges: Vec<ArticleEdge>,
    pub page_info: PageInfo,
}

/// A published article that answers a search.
#[derive(SimpleObject)]
pub struct ArticleHit {
    pub id: ID,
    pub slug: String,
    pub category: String,
    /// The language of the text that matched.
    pub language: String,
    pub title: String,
    /// Plain text around the first matching word.
    pub excerpt: String,
    /// The article in the help center (absolute when the server knows its public URL).
    pub url: String,
    /// How well it matched, comparable within one search only.
    pub score: f64,
}

#[derive(InputObject)]
pub struct CreateArticleInput {
    pub website_id: ID,
    /// 1 to 200 characters.
    pub title: String,
    /// Markdown, at most 100,000 characters. Raw HTML shows as text.
    pub body: String,
    /// The text's language, which becomes the article's default (`en`, `nb`, `pt-br`).
    pub language: String,
    /// Made from the title when absent.
    pub slug: Option<String>,
    pub category: Option<String>,
}

#[derive(InputObject, Default)]
pub struct UpdateArticleInput {
    pub slug: Option<String>,
    pub category: Option<String>,
    pub default_language: Option<String>,
    /// Which text `title` and `body` write (a new language needs both); the default
    /// language's when absent.
    pub language: Option<String>,
    pub title: Option<String>,
    pub body: Option<String>,
}

#[derive(Default)]
pub struct ArticleQuery;

#[Object]
impl ArticleQuery {
    /// The organization's articles (one website's, one status), most recently changed
    /// first.
    #[graphql(guard = "Allow::Staff(Scope::WebsitesRead)", complexity = "super::page_cost(first, 25, 100, child_complexity)")]
    async fn articles(
        &self,
        ctx: &Context<'_>,
        website_id: Option<ID>,
        status: Option<ArticleStatus>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<ArticleConnection> {
        let first = page_first(first)?;
        let after = after.as_deref().map(decode_cursor).transpose()?;
        let rows = ctx
            .app()
            .articles(
                ctx.viewer()?,
                website_id.as_ref().map(|w| w.as_str()),
                status.map(ArticleStatus::as_str),
                after.as_ref().map(|(t, i)| (*t, i.as_str())),
                first as i64 + 1,
            )
            .await?;
        let bytes = rows.iter().flat_map(|a| &a.texts).map(|t| t.body.len() + t.title.len() + crate::graphql::budget::ROW_OVERHEAD).sum();
        crate::graphql::budget::charge(ctx, rows.iter().map(|a| a.texts.len()).sum(), bytes)?;
        let (edges, page_info) =
            forward_page(rows, first, |a| encode_cursor(a.row.updated_at, &a.row.id), |cursor, a| ArticleEdge { cursor, node: Article(a) });
        Ok(ArticleConnection { edges, page_info })
    }

    #[graphql(guard = "Allow::Staff(Scope::WebsitesRead)")]
    async fn article(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Article> {
        crate::graphql::budget::charge(ctx, 1, crate::graphql::budget::ROW_OVERHEAD)?;
        let a = ctx.app().article(ctx.viewer()?, &id).await?;
        crate::graphql::budget::charge(ctx, a.texts.len(), a.texts.iter().map(|t| t.body.len() + t.title.len()).sum())?;
        Ok(Article(a))
    }

    /// A website's published articles matching a question, best first (at most 10). No
    /// token needed: the widget suggests articles with it as a visitor types.
    async fn article_search(
        &self,
        ctx: &Context<'_>,
        website_key: String,
        query: String,
        language: Option<String>,
        #[graphql(default = 5)] first: i32,
    ) -> GqlResult<Vec<ArticleHit>> {
        crate::graphql::budget::charge(ctx, 1, crate::graphql::budget::ROW_OVERHEAD + query.len())?;
        let app = ctx.app();
        let site = app.website_by_key(&website_key).await?;
        let meta = ctx.meta();
        let language = language.or(meta.language.clone());
        let hits = app.search_articles(&site, &query, language.as_deref(), first as i64, meta.ip.as_deref()).await?;
        crate::graphql::budget::charge(ctx, hits.len(), hits.iter().map(|h| h.excerpt.len() + h.hit.title.len() + crate::graphql::budget::ROW_OVERHEAD).sum())?;
        let base = app.settings.public_url.clone().unwrap_or_default();
        let base = base.trim_end_matches('/');
        Ok(hits
            .into_iter()
            .map(|m| ArticleHit {
                id: ID(m.hit.article_id),
                url: format!("{base}/help/{}/{}", site.public_key, m.hit.slug),
                slug: m.hit.slug,
                category: m.hit.category,
                language: m.hit.language,
                title: m.hit.title,
                excerpt: m.excerpt,
                score: m.hit.score,
            })
            .collect())
    }
}

#[derive(Default)]
pub struct ArticleMutation;

#[Object]
impl ArticleMutation {
    /// A new draft. Any agent; API keys need `websites:manage`.
    #[graphql(guard = "Allow::Staff(Scope::WebsitesManage)")]
    async fn create_article(&self, ctx: &Context<'_>, input: CreateArticleInput) -> GqlResult<Article> {
        let a = NewArticle {
            website_id: &input.website_id,
            title: &input.title,
            body: &input.body,
            language: &input.language,
            slug: input.slug.as_deref(),
            category: input.category.as_deref(),
        };
        Ok(Article(ctx.app().create_article(ctx.viewer()?, a).await?))
    }

    /// Changes a draft (any agent), or a published article (owners and admins).
    #[graphql(guard = "Allow::Staff(Scope::WebsitesManage)")]
    async fn update_article(&self, ctx: &Context<'_>, id: ID, input: UpdateArticleInput) -> GqlResult<Article> {
        let patch = ArticlePatch {
            slug: input.slug.as_deref(),
            category: input.category.as_deref(),
            default_language: input.default_language.as_deref(),
            language: input.language.as_deref(),
            title: input.title.as_deref(),
            body: input.body.as_deref(),
        };
        Ok(Article(ctx.app().update_article(ctx.viewer()?, &id, patch).await?))
    }

    /// Removes one language's text (not the default language's).
    #[graphql(guard = "Allow::Staff(Scope::WebsitesManage)")]
    async fn delete_article_text(&self, ctx: &Context<'_>, id: ID, language: String) -> GqlResult<Article> {
        Ok(Article(ctx.app().delete_article_text(ctx.viewer()?, &id, &language).await?))
    }

    /// Makes an article public. Owners and admins.
    #[graphql(guard = "Allow::Managers(Scope::WebsitesManage)")]
    async fn publish_article(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Article> {
        Ok(Article(ctx.app().set_article_published(ctx.viewer()?, &id, true).await?))
    }

    /// Takes an article back to a draft. Owners and admins.
    #[graphql(guard = "Allow::Managers(Scope::WebsitesManage)")]
    async fn unpublish_article(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Article> {
        Ok(Article(ctx.app().set_article_published(ctx.viewer()?, &id, false).await?))
    }

    /// Owners and admins.
    #[graphql(guard = "Allow::Managers(Scope::WebsitesManage)")]
    async fn delete_article(&self, ctx: &Context<'_>, id: ID) -> GqlResult<bool> {
        ctx.app().delete_article(ctx.viewer()?, &id).await?;
        Ok(true)
    }
}
