/**
 * The GraphQL documents of the Help center (docs/assistant.md): a website's articles, one
 * article with its texts, the mutations that draft, publish and delete them, and where the
 * help center is served (its own host name); typed by hand against `schema/schema.graphql`
 * like `api.ts` (test/documents.test.mjs checks them), and kept apart from it so that they
 * load with the section, not with the inbox.
 */
import type { TypedDocument } from '@chinwag/sdk';
import type { Connection } from './api';

const doc = <R, V = Record<string, never>>(text: string) => text as TypedDocument<R, V>;

/** Drafts are seen by the team only; published articles are in the help center, search and the widget. */
export type ArticleStatus = 'DRAFT' | 'PUBLISHED';

/** One language's text of an article. */
export interface ArticleText {
  /** A tag like `en`, `nb` or `pt-br`. */
  language: string;
  title: string;
  /** Markdown, as written. */
  body: string;
  /** The body as the help center shows it, through the server's allow-list. */
  html: string;
  updatedAt: string;
}

export interface Article {
  id: string;
  websiteId: string;
  /** Its address in the help center: `/help/<website key>/<slug>`. */
  slug: string;
  /** Empty for none. */
  category: string;
  status: ArticleStatus;
  defaultLanguage: string;
  texts: ArticleText[];
  createdAt: string;
  updatedAt: string;
  publishedAt: string | null;
}

/** What the list shows of an article: the default language's title and which languages it has. */
export interface ArticleSummary {
  id: string;
  slug: string;
  category: string;
  status: ArticleStatus;
  defaultLanguage: string;
  text: { title: string };
  texts: { language: string }[];
  updatedAt: string;
}

/** The websites an article can belong to, with the key their help center is addressed by. */
export interface HelpWebsite {
  id: string;
  name: string;
  publicKey: string;
}

const ARTICLE =
  'id websiteId slug category status defaultLanguage texts { language title body html updatedAt } createdAt updatedAt publishedAt';

export const HelpWebsitesDocument = doc<{ websites: HelpWebsite[] }>('query HelpWebsites { websites { id name publicKey } }');

/** A website's articles, the most recently changed first (`first` at most 100). */
export const ArticlesDocument = doc<
  { articles: Connection<ArticleSummary> },
  { websiteId: string; status?: ArticleStatus | null; first: number; after?: string | null }
>(
  `query Articles($websiteId: ID, $status: ArticleStatus, $first: Int, $after: String) {
  articles(websiteId: $websiteId, status: $status, first: $first, after: $after) {
    edges { cursor node { id slug category status defaultLanguage text { title } texts { language } updatedAt } }
    pageInfo { hasNextPage endCursor } } }`,
);

export const ArticleDocument = doc<{ article: Article }, { id: string }>(
  `query Article($id: ID!) { article(id: $id) { ${ARTICLE} } }`,
);

export interface CreateArticleInput {
  websiteId: string;
  title: string;
  body: string;
  language: string;
  /** Made from the title when absent. */
  slug?: string;
  category?: string;
}

/** A new draft (any agent). */
export const CreateArticleDocument = doc<{ createArticle: Article }, { input: CreateArticleInput }>(
  `mutation CreateArticle($input: CreateArticleInput!) { createArticle(input: $input) { ${ARTICLE} } }`,
);

export interface UpdateArticleInput {
  slug?: string;
  category?: string;
  defaultLanguage?: string;
  /** Which text `title` and `body` write (a new language needs both); the default's when absent. */
  language?: string;
  title?: string;
  body?: string;
}

/** Changes a draft (any agent) or a published article (owners and admins). */
export const UpdateArticleDocument = doc<{ updateArticle: Article }, { id: string; input: UpdateArticleInput }>(
  `mutation UpdateArticle($id: ID!, $input: UpdateArticleInput!) { updateArticle(id: $id, input: $input) { ${ARTICLE} } }`,
);

/** Removes a language's text (never the default language's). */
export const DeleteArticleTextDocument = doc<{ deleteArticleText: Article }, { id: string; language: string }>(
  `mutation DeleteArticleText($id: ID!, $language: String!) { deleteArticleText(id: $id, language: $language) { ${ARTICLE} } }`,
);

/** Owners and admins. */
export const PublishArticleDocument = doc<{ publishArticle: Article }, { id: string }>(
  `mutation PublishArticle($id: ID!) { publishArticle(id: $id) { ${ARTICLE} } }`,
);

/** Back to a draft. Owners and admins. */
export const UnpublishArticleDocument = doc<{ unpublishArticle: Article }, { id: string }>(
  `mutation UnpublishArticle($id: ID!) { unpublishArticle(id: $id) { ${ARTICLE} } }`,
);

/** Owners and admins. */
export const DeleteArticleDocument = doc<{ deleteArticle: boolean }, { id: string }>(
  'mutation DeleteArticle($id: ID!) { deleteArticle(id: $id) }',
);

/** Where a website's help center is (docs/assistant.md, "Its own host name"). */
export interface HelpCenterAddress {
  id: string;
  /** The help center's own host name (`help.example.com`), if it has one. */
  helpCenterDomain: string | null;
  /** On its own host name when it has one, else `/help/<website key>` on this server. */
  helpCenterUrl: string;
}

const ADDRESS = 'id helpCenterDomain helpCenterUrl';

export const HelpCenterAddressDocument = doc<{ website: HelpCenterAddress }, { id: string }>(
  `query HelpCenterAddress($id: ID!) { website(id: $id) { ${ADDRESS} } }`,
);

/** Owners and admins; `null` or `""` removes the name. A name another website uses is refused (BAD_USER_INPUT). */
export const SetHelpCenterDomainDocument = doc<
  { setHelpCenterDomain: HelpCenterAddress },
  { websiteId: string; domain: string | null }
>(
  `mutation SetHelpCenterDomain($websiteId: ID!, $domain: String) { setHelpCenterDomain(websiteId: $websiteId, domain: $domain) { ${ADDRESS} } }`,
);
