/**
 * The agent client's knowledge base (docs/assistant.md): articles, their texts per
 * language, publishing, and the public search. Apart from `agent.ts`, which merges
 * these methods into its client; the types say who may call what.
 */
import type { ArticleSearchOptions } from './articles.js';
import {
  ArticleDocument,
  ArticleSearchDocument,
  ArticlesDocument,
  CreateArticleDocument,
  DeleteArticleDocument,
  DeleteArticleTextDocument,
  PublishArticleDocument,
  UnpublishArticleDocument,
  UpdateArticleDocument,
} from './generated/documents.js';
import type { ArticleStatus, CreateArticleInput, UpdateArticleInput } from './generated/types.js';
import { rootField, type Requester } from './http.js';
import type { Article, ArticleHit, ArticleSummary, Page } from './types.js';

/** The article methods of an `AgentClient`. */
export interface ArticleMethods {
  /**
   * The organization's articles, drafts included, most recently changed first, a page at
   * a time (25 unless `first` says otherwise, at most 100): pass `pageInfo.endCursor` as
   * `after` for the next. `websiteId` and `status` narrow the list. Each comes with its
   * languages' titles; read one with {@link ArticleMethods.article} for the bodies. Any
   * agent; API keys need `websites:read`.
   *
   * @example
   * ```ts
   * const drafts = await agent.articles({ websiteId, status: 'DRAFT' })
   * for (const a of drafts.nodes) console.log(a.slug, a.texts.map((t) => t.language))
   * ```
   */
  articles(options?: {
    websiteId?: string;
    status?: ArticleStatus;
    first?: number;
    after?: string;
  }): Promise<Page<ArticleSummary>>;
  /** One article with every language's text (Markdown and HTML). An unknown id is `NOT_FOUND`. */
  article(id: string): Promise<Article>;
  /**
   * A new draft with one text, in `language`, which becomes the article's default. The
   * slug is made from the title when left out; a taken slug, a title over 200 characters
   * or a body over 100,000 is `BAD_USER_INPUT`; a website holds at most 10,000 articles
   * (`PLAN_LIMIT`). Any agent; API keys need `websites:manage`.
   *
   * @example
   * ```ts
   * const draft = await agent.createArticle({ websiteId, language: 'en', title: 'Shipping to Norway', body: 'We ship with **Posten**.', category: 'Shipping' })
   * ```
   */
  createArticle(input: CreateArticleInput): Promise<Article>;
  /**
   * Changes an article: its slug, category or default language, and the text in
   * `language` (the default language's when left out). A language it has no text in yet
   * adds one, which needs both `title` and `body`. Any agent may change a draft; a
   * published article only owners and admins (others get `FORBIDDEN`).
   *
   * @example
   * ```ts
   * await agent.updateArticle(id, { language: 'nb', title: 'Frakt til Norge', body: 'Vi sender med Posten.' })
   * ```
   */
  updateArticle(id: string, input: UpdateArticleInput): Promise<Article>;
  /** Removes one language's text; the default language's cannot be removed (`BAD_USER_INPUT`). */
  deleteArticleText(id: string, language: string): Promise<Article>;
  /**
   * Makes an article public: in the help center, search and the widget's suggestions.
   * Owners and admins (API keys: `websites:manage`); others get `FORBIDDEN`.
   */
  publishArticle(id: string): Promise<Article>;
  /** Takes an article back to a draft, out of the help center and search (owners and admins). */
  unpublishArticle(id: string): Promise<Article>;
  /** Deletes an article and its texts (owners and admins); resolves `true`. An unknown id is `NOT_FOUND`. */
  deleteArticle(id: string): Promise<boolean>;
  /**
   * Searches a website's published articles as a visitor would, with no token (see
   * `searchArticles` from `@chinwag/sdk/articles`, the same search for code without a
   * client): best first, drafts never.
   */
  searchArticles(websiteKey: string, query: string, options?: ArticleSearchOptions): Promise<ArticleHit[]>;
}

/** The article methods over an agent client's requester. Internal. */
export function articleMethods(http: Requester): ArticleMethods {
  return {
    articles: async ({ websiteId, status, first, after } = {}) => {
      const { edges, pageInfo } = await rootField(http(ArticlesDocument, { websiteId, status, first, after }));
      return { nodes: edges.map((e) => e.node), pageInfo };
    },
    article: (id) => rootField(http(ArticleDocument, { id })),
    createArticle: (input) => rootField(http(CreateArticleDocument, { input })),
    updateArticle: (id, input) => rootField(http(UpdateArticleDocument, { id, input })),
    deleteArticleText: (id, language) => rootField(http(DeleteArticleTextDocument, { id, language })),
    publishArticle: (id) => rootField(http(PublishArticleDocument, { id })),
    unpublishArticle: (id) => rootField(http(UnpublishArticleDocument, { id })),
    deleteArticle: (id) => rootField(http(DeleteArticleDocument, { id })),
    searchArticles: (websiteKey, query, { language, first } = {}) =>
      rootField(http(ArticleSearchDocument, { websiteKey, query, language, first }, false)),
  };
}
