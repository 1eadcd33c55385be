/**
 * `@chinwag/sdk/articles`: the public article search (docs/assistant.md, "Article
 * search") for a custom help widget, a search box or a bot that has no session. Its own
 * entry point, so such a page loads a request and this function, not a client: no
 * token, no socket.
 *
 * @packageDocumentation
 */
import { ArticleSearchDocument } from './generated/documents.js';
import { createRequester, rootField } from './http.js';
import type { ArticleHit } from './types.js';

export { ChinwagError, isChinwagError } from './errors.js';
export type { ErrorCode, GraphQLErrorEntry } from './errors.js';
export type { ArticleHit } from './types.js';

/** Whose help center {@link searchArticles} searches, and through which server. */
export interface HelpCenter {
  /** The GraphQL endpoint, like `https://chat.example.com/graphql` (or `/graphql` on the same origin). */
  url: string;
  /** The website's public key (`wk_...`), as the widget's snippet carries it. */
  websiteKey: string;
  /**
   * The `fetch` to use (tests, proxies, instrumentation).
   * @default globalThis.fetch
   */
  fetch?: typeof fetch;
}

/** How {@link searchArticles} (and `AgentClient.searchArticles`) searches. */
export interface ArticleSearchOptions {
  /**
   * The asker's language (`en`, `nb`, `pt-br`): each article answers in it when it has a
   * text in it, else in its default language.
   * @default the request's `Accept-Language` (a browser's own language)
   */
  language?: string;
  /**
   * How many articles at most (1 to 10).
   * @default 5
   */
  first?: number;
}

/**
 * A website's published articles that answer `query`, best first; drafts never appear.
 * No token: anyone may search (120 searches a minute per address, then `RATE_LIMITED`).
 * A query over 500 characters is `BAD_USER_INPUT`, an unknown website key `NOT_FOUND`;
 * failures are `ChinwagError`s, as everywhere in the SDK.
 *
 * @example
 * ```ts
 * import { searchArticles } from '@chinwag/sdk/articles'
 *
 * const hits = await searchArticles({ url: 'https://chat.example.com/graphql', websiteKey: 'wk_...' }, 'do you ship to Norway?', { first: 3 })
 * for (const hit of hits) console.log(hit.title, hit.excerpt, hit.url)
 * ```
 */
export async function searchArticles(
  { url, websiteKey, fetch: fetchImpl = (...args) => globalThis.fetch(...args) }: HelpCenter,
  query: string,
  { language, first }: ArticleSearchOptions = {},
): Promise<ArticleHit[]> {
  // Resolved against the page when relative, as the clients do.
  const endpoint = new URL(url, (globalThis as { location?: { href: string } }).location?.href).href;
  return rootField(createRequester(endpoint, fetchImpl)(ArticleSearchDocument, { websiteKey, query, language, first }));
}
