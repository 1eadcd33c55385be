/**
 * The knowledge base (docs/assistant.md) through the agent client, and the public search
 * through `@chinwag/sdk/articles`, against the shared server: drafts, who may publish,
 * languages, paging, and what an anonymous search finds (and never finds).
 */
import { describe, expect, it } from 'vitest';
import { searchArticles } from '../src/articles.js';
import { isChinwagError, type AgentClient, type ChinwagError } from '../src/index.js';
import { agentClient, email, organization, serverUrl } from './helpers.js';

/** The rejection of `promise` (which must reject). */
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: ChinwagError) => e,
  );

/** An organization, its website, and an agent (role `AGENT`, not a manager) signed in. */
async function team() {
  const org = await organization();
  const { inviteAgent } = await org.owner.request<{ inviteAgent: { token: string } }>(
    'mutation($e: String!) { inviteAgent(input: { email: $e, role: AGENT }) { token } }',
    { e: email('bo') },
  );
  const { acceptInvite } = await agentClient().request<{ acceptInvite: { accessToken: string; refreshToken: string } }>(
    'mutation($t: String!) { acceptInvite(input: { token: $t, name: "Bo", password: "another good password" }) { accessToken refreshToken } }',
    { t: inviteAgent.token },
  );
  return { ...org, agent: agentClient({ session: acceptInvite }) };
}

/** Searches the website as a stranger would: no client, no token. */
const anonymous = (websiteKey: string, query: string, options?: { language?: string; first?: number }) =>
  searchArticles({ url: serverUrl(), websiteKey }, query, options);

/** A word no other article of the run contains, so searches find only this test's articles. */
let n = 0;
const word = () => `fjordwidget${process.pid}x${n++}`;

/** A draft about `topic` on the website. */
const draft = (by: AgentClient, websiteId: string, topic: string) =>
  by.createArticle({
    websiteId,
    language: 'en',
    title: `Shipping ${topic} to Norway`,
    body: `We ship every ${topic} to **Norway** with Posten. Parcels arrive in 2 to 4 working days.`,
    category: 'Shipping',
  });

describe('articles', () => {
  it('lets an agent draft but only the owner publish; published, anyone finds it; unpublished, nobody does', async () => {
    const { owner, agent, websiteId, websiteKey } = await team();
    const topic = word();

    const article = await draft(agent, websiteId, topic);
    expect(article).toMatchObject({ websiteId, status: 'DRAFT', defaultLanguage: 'en', category: 'Shipping', publishedAt: null });
    expect(article.slug).toMatch(/^shipping-/);
    expect(article.texts).toHaveLength(1);
    expect(article.texts[0]).toMatchObject({ language: 'en', title: `Shipping ${topic} to Norway` });
    expect(article.texts[0]!.html).toContain('<strong>Norway</strong>');
    // The agent edits their draft.
    const edited = await agent.updateArticle(article.id, { category: 'Delivery' });
    expect(edited.category).toBe('Delivery');

    const refused = await failure(agent.publishArticle(article.id));
    expect(isChinwagError(refused, 'FORBIDDEN')).toBe(true);
    expect(refused.code).toBe('FORBIDDEN');
    expect((await owner.article(article.id)).status).toBe('DRAFT');
    expect(await anonymous(websiteKey, topic)).toEqual([]);

    const published = await owner.publishArticle(article.id);
    expect(published.status).toBe('PUBLISHED');
    expect(Date.parse(published.publishedAt!)).toBeGreaterThan(0);

    const [hit, ...rest] = await anonymous(websiteKey, `do you ship ${topic} to Norway?`);
    expect(rest).toEqual([]);
    expect(hit).toMatchObject({ id: article.id, slug: article.slug, language: 'en', title: `Shipping ${topic} to Norway` });
    expect(hit!.excerpt).toContain(topic);
    expect(hit!.excerpt).not.toContain('**'); // plain text, not Markdown
    expect(hit!.url).toMatch(new RegExp(`/help/${websiteKey}/${article.slug}$`));
    expect(hit!.score).toBeGreaterThan(0);
    // The url is the help center's page, there while published.
    expect((await fetch(new URL(hit!.url, serverUrl()))).status).toBe(200);
    // The agent client searches the same way, without its token.
    expect((await agent.searchArticles(websiteKey, topic)).map((h) => h.id)).toEqual([article.id]);

    // Published, the article is the managers' to change: the agent may not any more.
    expect(isChinwagError(await failure(agent.updateArticle(article.id, { category: 'Other' })), 'FORBIDDEN')).toBe(true);
    expect(isChinwagError(await failure(agent.unpublishArticle(article.id)), 'FORBIDDEN')).toBe(true);

    const withdrawn = await owner.unpublishArticle(article.id);
    expect(withdrawn.status).toBe('DRAFT');
    expect(await anonymous(websiteKey, topic)).toEqual([]);
    expect((await fetch(new URL(hit!.url, serverUrl()))).status).toBe(404);
  });

  it('adds a language, which search answers in, and removes it again', async () => {
    const { owner, websiteId, websiteKey } = await organization();
    const topic = word();
    const article = await draft(owner, websiteId, topic);

    // A new language needs a title and a body.
    const half = await failure(owner.updateArticle(article.id, { language: 'nb', title: 'Frakt til Norge' }));
    expect(isChinwagError(half, 'BAD_USER_INPUT')).toBe(true);

    const both = await owner.updateArticle(article.id, {
      language: 'nb',
      title: `Frakt av ${topic} til Norge`,
      body: `Vi sender hver ${topic} med Posten.`,
    });
    expect(both.texts.map((t) => [t.language, t.title]).sort()).toEqual([
      ['en', `Shipping ${topic} to Norway`],
      ['nb', `Frakt av ${topic} til Norge`],
    ]);
    expect(both.defaultLanguage).toBe('en');
    await owner.publishArticle(article.id);

    expect((await anonymous(websiteKey, topic, { language: 'nb' })).map((h) => [h.language, h.title])).toEqual([
      ['nb', `Frakt av ${topic} til Norge`],
    ]);
    expect((await anonymous(websiteKey, topic, { language: 'en' })).map((h) => h.language)).toEqual(['en']);

    // The default language's text stays; another goes.
    expect(isChinwagError(await failure(owner.deleteArticleText(article.id, 'en')), 'BAD_USER_INPUT')).toBe(true);
    const back = await owner.deleteArticleText(article.id, 'nb');
    expect(back.texts.map((t) => t.language)).toEqual(['en']);
    // Asked in Norwegian, it answers in its default language now.
    expect((await anonymous(websiteKey, topic, { language: 'nb' })).map((h) => h.language)).toEqual(['en']);
  });

  it('never shows a draft in search, beside a published article with the same words', async () => {
    const { owner, websiteId, websiteKey } = await organization();
    const topic = word();
    const published = await draft(owner, websiteId, topic);
    await owner.publishArticle(published.id);
    const hidden = await owner.createArticle({
      websiteId,
      language: 'en',
      title: `Returning ${topic} from Norway`,
      body: `Send any ${topic} back within 30 days.`,
    });

    const hits = await anonymous(websiteKey, topic, { first: 10 });
    expect(hits.map((h) => h.id)).toEqual([published.id]);
    expect((await owner.searchArticles(websiteKey, `returning ${topic}`)).map((h) => h.id)).not.toContain(hidden.id);
    // The team still sees it, as a draft.
    expect((await owner.articles({ websiteId, status: 'DRAFT' })).nodes.map((a) => a.id)).toEqual([hidden.id]);
  });

  it('lists the articles a page at a time, most recently changed first, by website and status', async () => {
    const { owner, websiteId } = await organization();
    const made = [];
    for (let i = 0; i < 3; i++) made.push(await draft(owner, websiteId, word()));
    await owner.publishArticle(made[0]!.id);

    const first = await owner.articles({ websiteId, first: 2 });
    expect(first.nodes.map((a) => a.id)).toEqual([made[0]!.id, made[2]!.id]);
    expect(first.pageInfo.hasNextPage).toBe(true);
    expect(first.nodes[1]!.texts).toEqual([{ language: 'en', title: made[2]!.texts[0]!.title }]);
    const second = await owner.articles({ websiteId, first: 2, after: first.pageInfo.endCursor! });
    expect(second.nodes.map((a) => a.id)).toEqual([made[1]!.id]);
    expect(second.pageInfo.hasNextPage).toBe(false);

    expect((await owner.articles({ status: 'PUBLISHED' })).nodes.map((a) => a.id)).toEqual([made[0]!.id]);
    expect((await owner.articles({ status: 'DRAFT' })).nodes).toHaveLength(2);
  });

  it('deletes for the owner only; then the article is NOT_FOUND', async () => {
    const { owner, agent, websiteId } = await team();
    const article = await draft(agent, websiteId, word());
    expect(isChinwagError(await failure(agent.deleteArticle(article.id)), 'FORBIDDEN')).toBe(true);
    expect((await owner.article(article.id)).texts[0]!.body).toBe(article.texts[0]!.body);
    expect(await owner.deleteArticle(article.id)).toBe(true);
    expect(isChinwagError(await failure(owner.article(article.id)), 'NOT_FOUND')).toBe(true);
    expect(isChinwagError(await failure(owner.deleteArticle(article.id)), 'NOT_FOUND')).toBe(true);
  });

  it('refuses an unknown website key and an overlong question as ChinwagErrors', async () => {
    const { websiteKey } = await organization();
    const unknown = await failure(anonymous('wk_no_such_website', 'shipping'));
    expect(isChinwagError(unknown, 'NOT_FOUND')).toBe(true);
    const long = await failure(anonymous(websiteKey, 'shipping '.repeat(60)));
    expect(isChinwagError(long, 'BAD_USER_INPUT')).toBe(true);
  });
});
