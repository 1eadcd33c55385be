/**
 * `Chinwag('track', ...)` against a real server (docs/widget.md, "Conversion tracking"):
 * events tracked before the visitor chats stay in the page's memory (never storage or
 * cookies) and go, dated, right after the first message; later ones go at once, batched;
 * purchases and the website's goals are recorded, other events are not; what the server
 * would refuse is left out rather than spoiling the batch; a refused batch is dropped and
 * a failed one sent again with the next flush.
 */
import type { AgentClient } from '@chinwag/sdk';
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { conversions, type Conversion } from '../../sdk-js/test/conversions.js';
import { listen, newContext, openChat, openShop, organization, say, until, updateWebsite, useBrowser } from './fixture.js';

useBrowser();

/** Calls `Chinwag('track', name, properties)` in the page for each event, in one task. */
const track = (page: Page, ...events: [string, unknown?][]) =>
  page.evaluate((list) => list.forEach(([name, properties]) => window.Chinwag!('track', name, properties as never)), events);

/** The id of the organization's only conversation, once the visitor has written. */
async function conversationId(owner: AgentClient): Promise<string> {
  let id = '';
  await until(async () => !!(id = (await owner.conversations({ first: 1 })).nodes[0]?.id ?? ''), 'the conversation');
  return id;
}

/** Waits until the visitor has `n` conversions; returns them, oldest first. */
async function recorded(owner: AgentClient, id: string, n: number): Promise<Conversion[]> {
  let list: Conversion[] = [];
  await until(async () => (list = await conversions(owner, id)).length >= n, `${n} conversions`);
  expect(list).toHaveLength(n);
  return list;
}

/** The `trackEvents` calls the page made, as the events each carried. */
function trackCalls(page: Page): { name: string; [field: string]: unknown }[][] {
  const calls: { name: string }[][] = [];
  page.on('request', (r) => {
    const body = r.postData() ?? '';
    if (body.includes('trackEvents')) calls.push(JSON.parse(body).variables.input.events);
  });
  return calls;
}

/** Everything the browser keeps for the page's origins: storage and cookies. */
async function kept(page: Page, context: BrowserContext): Promise<string> {
  const storage = await page.evaluate(
    () => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie,
  );
  return storage + JSON.stringify(await context.cookies());
}

/** A website with `signup` as a goal besides `purchase`, and the shop open on it. */
async function shop() {
  const { owner, websiteId, websiteKey } = await organization();
  await updateWebsite(owner, websiteId, { goals: ['signup'] });
  const context = await newContext();
  const page = await openShop(context, websiteKey);
  return { owner, websiteKey, context, page, calls: trackCalls(page) };
}

describe("Chinwag('track')", () => {
  it('keeps events in the page until the first message, then sends them dated; later ones at once', async () => {
    const { owner, context, page, calls } = await shop();
    await track(page, ['purchase', { value: 19.99, currency: 'EUR', order: 'A-1' }], ['scrolled', { depth: 50 }]);
    // No session: nothing sent, nothing kept in the browser.
    await openChat(page);
    expect(calls).toEqual([]);
    expect(await kept(page, context)).not.toMatch(/purchase|scrolled|A-1/);

    await say(page, 'Where is my order?');
    const id = await conversationId(owner);
    const [purchase] = await recorded(owner, id, 1);
    // Both went in one call, with the time each happened; the server kept the purchase only.
    // (Playwright may report the request after the server has recorded it: polled.)
    await expect.poll(() => calls.length).toBe(1);
    expect(calls[0]!.map((e) => e.name)).toEqual(['purchase', 'scrolled']);
    expect(calls[0]![0]).toMatchObject({ value: 19.99, currency: 'EUR', properties: [{ key: 'order', value: 'A-1' }] });
    const { messages } = await owner.messages(id);
    expect(Date.parse(purchase!.occurredAt)).toBeLessThan(Date.parse(messages[0]!.createdAt));
    expect(purchase).toMatchObject({
      name: 'purchase',
      value: 19.99,
      currency: 'EUR',
      verified: false,
      properties: [{ key: 'order', value: 'A-1' }],
      // Attribution goes to a conversation that started before the event
      // (docs/analytics.md#attribution): this one started after it.
      conversationId: null,
    });

    // Chatting now: sent at once, what comes within one task in one call.
    await track(page, ['signup', { plan: 'pro' }], ['purchase', { value: '5', currency: 'usd' }], ['newsletter']);
    const later = await recorded(owner, id, 3);
    await expect.poll(() => calls.length).toBe(2);
    // (Tracked in the same millisecond or not: in either order.)
    expect(later.slice(1)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'signup', value: null, conversationId: id, properties: [{ key: 'plan', value: 'pro' }] }),
        expect.objectContaining({ name: 'purchase', value: 5, currency: 'USD', conversationId: id }),
      ]),
    );
    // The browser keeps the session, nothing about the events.
    expect(await kept(page, context)).not.toMatch(/purchase|signup|scrolled|newsletter|A-1/);
  });

  it("sends a returning visitor's events with their session, without a message", async () => {
    const { owner, websiteKey, context, page } = await shop();
    await openChat(page);
    await say(page, 'Hello');
    const id = await conversationId(owner);
    const again = await openShop(context, websiteKey);
    await track(again, ['signup']);
    const [signup] = await recorded(owner, id, 1);
    expect(signup).toMatchObject({ name: 'signup', conversationId: id });
  });

  it('leaves out what the server would refuse; drops a refused batch; sends a failed one again', async () => {
    const { owner, page, calls } = await shop();
    const errors = await listen(page, 'error');
    await openChat(page);
    await say(page, 'Hi');
    const id = await conversationId(owner);

    const long = 'x'.repeat(201);
    await track(
      page,
      ['purchase', { value: 2e6, currency: 'EUR', 'bad key': 1, note: long, cart: { items: 2 }, vip: true, none: null }],
      ['not a name', {}],
    );
    const [first] = await recorded(owner, id, 1);
    // Too large a value stays a property, with its currency; the rest as the server takes them.
    expect(first!.value).toBeNull();
    expect(first!.properties).toEqual([
      { key: 'cart', value: '{"items":2}' },
      { key: 'currency', value: 'EUR' },
      { key: 'value', value: '2000000' },
      { key: 'vip', value: 'true' },
    ]);
    expect((await errors()).map((e) => e.code)).toEqual(['BAD_USER_INPUT']);

    // An unknown currency refuses the call: reported, and never sent again.
    await track(page, ['purchase', { value: 1, currency: 'XYZ' }], ['signup']);
    await expect.poll(async () => (await errors()).length).toBe(2);
    await expect.poll(() => calls.length).toBe(2);

    // A network failure: kept, and sent with the next flush.
    let fail = true;
    await page.route(/\/graphql/, (route) =>
      fail && route.request().postData()?.includes('trackEvents') ? ((fail = false), route.abort()) : route.continue(),
    );
    await track(page, ['signup', { step: '1' }]);
    await expect.poll(() => calls.length).toBe(3);
    await track(page, ['signup', { step: '2' }]);
    const all = await recorded(owner, id, 3);
    await expect.poll(() => calls.length).toBe(4);
    expect(calls[3]!.map((e) => e.properties)).toEqual([[{ key: 'step', value: '1' }], [{ key: 'step', value: '2' }]]);
    expect(all.map((c) => c.name)).toEqual(['purchase', 'signup', 'signup']);
  });
});
