/**
 * Live visitors as the widget takes part (docs/widget.md, "Live visitors"): nothing sent
 * and nothing stored while the website has live presence off; a beacon per page load
 * (`PAGE_LOAD`, nothing stored) that agents see in `liveVisitors`; a first-party id
 * (`FIRST_PARTY_ID`) that tells a returning visitor and counts the visit's pages; an
 * agent's message to a live visitor, shown as a bubble with the next beacon, whose reply
 * starts the conversation with the agent's message first (or, answered meanwhile, a
 * conversation of its own); the first-party figures in triggers' conditions; and the
 * token of a visitor who chatted before, so that agents see who it is.
 */
import { createVisitorClient, type AgentClient } from '@chinwag/sdk';
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  axe,
  chinwagOrigin,
  chinwagUrl,
  newContext,
  openChat,
  openShop,
  organization,
  say,
  screenshot,
  shopUrl,
  updateWebsite,
  useBrowser,
  widget,
} from './fixture.js';

useBrowser();

interface LiveVisitor {
  presenceId: string;
  url: string;
  title: string | null;
  referrer: string | null;
  pagesViewed: number;
  returning: boolean;
  visitor: { id: string } | null;
}

/** The website's live visitors, as agents see them. */
async function liveVisitors(owner: AgentClient, websiteId: string): Promise<LiveVisitor[]> {
  const { liveVisitors: list } = await owner.request<{ liveVisitors: LiveVisitor[] }>(
    'query($w: ID!) { liveVisitors(websiteId: $w) { presenceId url title referrer pagesViewed returning visitor { id } } }',
    { w: websiteId },
  );
  return list;
}

/** Waits until a live visitor is on `path` of the shop, and returns it. */
async function visitorOn(owner: AgentClient, websiteId: string, path: string, extra: (v: LiveVisitor) => boolean = () => true) {
  let found: LiveVisitor | undefined;
  await expect
    .poll(
      async () => {
        found = (await liveVisitors(owner, websiteId)).find((v) => new URL(v.url).pathname === path && extra(v));
        return !!found;
      },
      { timeout: 15_000 },
    )
    .toBe(true);
  return found!;
}

/** Records the beacons `context` sends: their bodies, parsed. */
function beacons(context: BrowserContext): () => Record<string, unknown>[] {
  const sent: Record<string, unknown>[] = [];
  context.on('request', (r) => {
    if (r.url() === `${chinwagOrigin()}/presence`) sent.push(JSON.parse(r.postData() ?? '{}') as Record<string, unknown>);
  });
  return () => sent;
}

/** What the page has in its storage, both kinds. */
const storage = (page: Page) => page.evaluate(() => ({ local: Object.keys(localStorage), session: Object.keys(sessionStorage) }));

const START = 'mutation($i: StartConversationInput!) { startConversation(input: $i) { id } }';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('live visitors', () => {
  it('off (the default): no beacon, nothing stored, no code loaded', async () => {
    const { websiteKey } = await organization();
    const browser = await newContext();
    const requests: string[] = [];
    browser.on('request', (r) => void requests.push(r.url()));
    const page = await openShop(browser, websiteKey);
    await page.waitForLoadState('networkidle');
    await sleep(1500);
    expect(requests.filter((u) => u.includes('/presence'))).toEqual([]);
    expect(requests.some((u) => /\/widget\/visit-\w+\.js$/.test(u))).toBe(false);
    expect(await storage(page)).toEqual({ local: [], session: [] });
  });

  it('PAGE_LOAD: agents see the page within seconds; nothing is stored', async () => {
    const { owner, websiteId, websiteKey } = await organization();
    await updateWebsite(owner, websiteId, { livePresence: 'PAGE_LOAD' });
    const browser = await newContext();
    const sent = beacons(browser);
    const page = await openShop(browser, websiteKey, {}, '/shop/pricing');
    const live = await visitorOn(owner, websiteId, '/shop/pricing');
    expect(live).toMatchObject({ title: 'Test shop', pagesViewed: 1, returning: false, visitor: null });
    expect(live.url).toBe(shopUrl(websiteKey, {}, '/shop/pricing'));
    expect(live.presenceId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    // The browser's request event reaches this process after the server may have
    // handled the beacon (and answered the poll above): wait for it.
    await expect.poll(() => sent().length, { timeout: 5000 }).toBeGreaterThan(0);
    const [first] = sent();
    expect(first).toEqual({
      websiteKey,
      presenceId: live.presenceId,
      url: live.url,
      title: 'Test shop',
      pagesViewed: 1,
      returning: false,
    });
    expect(await storage(page)).toEqual({ local: [], session: [] });

    // Another page load: another presence (nothing ties the two together).
    const again = await openShop(browser, websiteKey, {}, '/shop/about');
    const other = await visitorOn(owner, websiteId, '/shop/about');
    expect(other.presenceId).not.toBe(live.presenceId);
    expect(other).toMatchObject({ pagesViewed: 1, returning: false });
    expect(await storage(again)).toEqual({ local: [], session: [] });
  });

  it('FIRST_PARTY_ID: the next page is the same visitor, returning, with two pages viewed', async () => {
    const { owner, websiteId, websiteKey } = await organization();
    await updateWebsite(owner, websiteId, { livePresence: 'FIRST_PARTY_ID' });
    const browser = await newContext();
    const page = await openShop(browser, websiteKey);
    const first = await visitorOn(owner, websiteId, '/shop');
    expect(first).toMatchObject({ pagesViewed: 1, returning: false });
    expect((await storage(page)).local).toEqual([`chinwag:presence:${websiteKey}`]);

    await page.goto(shopUrl(websiteKey, {}, '/shop/beans'));
    const second = await visitorOn(owner, websiteId, '/shop/beans');
    expect(second).toMatchObject({ presenceId: first.presenceId, pagesViewed: 2, returning: true });
    expect((await liveVisitors(owner, websiteId)).map((v) => v.presenceId)).toEqual([first.presenceId]);
  });

  it('an agent’s message shows with the next beacon; the reply starts the conversation with it, as the agent’s', async () => {
    const { owner, me, websiteId, websiteKey } = await organization();
    await updateWebsite(owner, websiteId, { livePresence: 'PAGE_LOAD' });
    const browser = await newContext();
    const sent = beacons(browser);
    const page = await openShop(browser, websiteKey);
    const { presenceId } = await visitorOn(owner, websiteId, '/shop');
    await owner.request<{ messageLiveVisitor: string }>(
      'mutation($w: ID!, $p: ID!, $b: String!) { messageLiveVisitor(websiteId: $w, presenceId: $p, body: $b) }',
      { w: websiteId, p: presenceId, b: 'Hi! Can I help you find a roast?' },
    );

    // A single-page app's change of address sends the next beacon (no sooner than 10 s
    // after the last), whose answer carries the message.
    await page.evaluate((url) => history.pushState(null, '', url), shopUrl(websiteKey, {}, '/shop/roasts'));
    const root = widget(page).root.locator('.tg');
    await root.waitFor({ timeout: 20_000 });
    expect(sent().at(-1)).toMatchObject({ presenceId, url: shopUrl(websiteKey, {}, '/shop/roasts'), pagesViewed: 1 });
    expect(await root.locator('.tg-who').textContent()).toBe('AAnn');
    expect(await root.locator('.tg-msg').textContent()).toBe('Hi! Can I help you find a roast?');
    expect(await axe(page)).toEqual([]);
    await screenshot(page, 'presence-bubble');
    expect(await storage(page)).toEqual({ local: [], session: [] });

    await root.locator('.tg-open').click();
    const { panel, messages, composer } = widget(page);
    await expect.poll(() => panel.isVisible()).toBe(true);
    await expect.poll(() => messages.count()).toBe(2);
    expect(await messages.nth(1).locator('.bubble').textContent()).toBe('Ann: Hi! Can I help you find a roast?');
    await screenshot(page, 'presence-opened');
    await say(page, 'Yes, something fruity');
    await expect.poll(() => page.locator('chinwag-widget .row.me time').count()).toBe(1);
    await composer.waitFor();

    const [conversation] = (await owner.conversations()).nodes;
    expect(conversation).toBeDefined();
    const { messages: stored } = await owner.messages(conversation!.id);
    expect(stored.map((m) => [m.senderKind, m.senderId, m.body])).toEqual([
      ['AGENT', me.id, 'Hi! Can I help you find a roast?'],
      ['VISITOR', expect.any(String), 'Yes, something fruity'],
    ]);
    await expect.poll(() => messages.count()).toBe(3);
  });

  it('a reply to a message answered meanwhile (NOT_FOUND) starts a conversation of its own', async () => {
    const { owner, websiteId, websiteKey } = await organization();
    await updateWebsite(owner, websiteId, { livePresence: 'PAGE_LOAD' });
    const page = await openShop(await newContext(), websiteKey);
    const { presenceId } = await visitorOn(owner, websiteId, '/shop');
    const { messageLiveVisitor: id } = await owner.request<{ messageLiveVisitor: string }>(
      'mutation($w: ID!, $p: ID!, $b: String!) { messageLiveVisitor(websiteId: $w, presenceId: $p, body: $b) }',
      { w: websiteId, p: presenceId, b: 'Need a hand?' },
    );
    await page.evaluate((url) => history.pushState(null, '', url), shopUrl(websiteKey, {}, '/shop/cart'));
    const root = widget(page).root.locator('.tg');
    await root.waitFor({ timeout: 20_000 });
    await root.locator('.tg-open').click();
    const { messages } = widget(page);
    await expect.poll(() => messages.count()).toBe(2);
    // Someone else answers it first (the server takes a message once).
    const other = createVisitorClient({ url: chinwagUrl(), websiteKey });
    await other.request(START, { i: { body: 'Me first', proactiveMessageId: id } });
    other.dispose();

    await say(page, 'Still there?');
    await expect.poll(() => page.locator('chinwag-widget .row.me time').count()).toBe(1);
    await expect.poll(async () => (await owner.conversations()).nodes.length).toBe(2);
    const bodies = await Promise.all(
      (await owner.conversations()).nodes.map(async (c) =>
        (await owner.messages(c.id)).messages.map((m) => [m.senderKind, m.body]),
      ),
    );
    expect(bodies).toContainEqual([['VISITOR', 'Still there?']]);
    expect(bodies).toContainEqual([
      ['AGENT', 'Need a hand?'],
      ['VISITOR', 'Me first'],
    ]);
    // In the widget: the visitor's message, stored, and no error.
    await expect.poll(() => messages.count()).toBe(2);
    expect(await messages.nth(1).textContent()).toContain('Still there?');
  });

  it('a message shows once; a dismissed one does not come back with the next beacons', async () => {
    const { owner, websiteId, websiteKey } = await organization();
    await updateWebsite(owner, websiteId, { livePresence: 'FIRST_PARTY_ID' });
    const browser = await newContext();
    const page = await openShop(browser, websiteKey);
    const { presenceId } = await visitorOn(owner, websiteId, '/shop');
    await owner.request(
      'mutation($w: ID!, $p: ID!, $b: String!) { messageLiveVisitor(websiteId: $w, presenceId: $p, body: $b) }',
      {
        w: websiteId,
        p: presenceId,
        b: 'Welcome back!',
      },
    );
    // The next page load: its beacon carries the message at once.
    await page.goto(shopUrl(websiteKey, {}, '/shop/beans'));
    const root = widget(page).root.locator('.tg');
    await root.waitFor();
    expect(await root.locator('.tg-msg').textContent()).toBe('Welcome back!');
    await root.locator('.tg-x').click();
    expect(await root.count()).toBe(0);
    // The server still holds it (unanswered): the next page does not show it again.
    await page.goto(shopUrl(websiteKey, {}, '/shop/about'));
    await visitorOn(owner, websiteId, '/shop/about', (v) => v.pagesViewed === 3);
    await sleep(1000);
    expect(await widget(page).root.locator('.tg').count()).toBe(0);
  });

  it('FIRST_PARTY_ID gives triggers the visit’s pages and tells a returning visitor; PAGE_LOAD does not', async () => {
    const { owner, websiteId, websiteKey } = await organization();
    await owner.request(
      `mutation($w: ID!) { createTrigger(websiteId: $w, input: { name: "Again", enabled: true, message: "Back again?", openPanel: false,
        conditions: [{ field: PAGES_VIEWED, operator: AT_LEAST, value: "2" }, { field: RETURNING, operator: IS_TRUE }] }) { id } }`,
      { w: websiteId },
    );
    const tg = (page: Page) => widget(page).root.locator('.tg');
    for (const mode of ['PAGE_LOAD', 'FIRST_PARTY_ID']) {
      await updateWebsite(owner, websiteId, { livePresence: mode });
      const page = await openShop(await newContext(), websiteKey);
      await visitorOn(owner, websiteId, '/shop', (v) => v.pagesViewed === 1);
      await sleep(1500);
      expect(await tg(page).count()).toBe(0);
      await page.goto(shopUrl(websiteKey, {}, '/shop/beans'));
      if (mode === 'PAGE_LOAD') {
        // Each page load is a visit of its own: one page, nobody returning.
        await sleep(2500);
        expect(await tg(page).count()).toBe(0);
      } else {
        await tg(page).waitFor();
        expect(await tg(page).locator('.tg-msg').textContent()).toBe('Back again?');
        // Once per visitor with a first-party id: the next page does not show it again.
        await page.goto(shopUrl(websiteKey, {}, '/shop/cart'));
        await visitorOn(owner, websiteId, '/shop/cart', (v) => v.pagesViewed === 3);
        await sleep(2500);
        expect(await tg(page).count()).toBe(0);
      }
    }
  });

  it('a visitor who chatted before sends their token: agents see who it is', async () => {
    const { owner, websiteId, websiteKey } = await organization();
    await updateWebsite(owner, websiteId, { livePresence: 'PAGE_LOAD' });
    const browser = await newContext();
    const page = await openShop(browser, websiteKey);
    expect((await visitorOn(owner, websiteId, '/shop')).visitor).toBeNull();
    await openChat(page);
    await say(page, 'Hello there');
    await expect.poll(() => page.locator('chinwag-widget .row.me time').count()).toBe(1);
    const [conversation] = (await owner.conversations()).nodes;
    const visitorId = conversation!.visitor.id;

    const next = await openShop(browser, websiteKey, {}, '/shop/cart');
    const live = await visitorOn(owner, websiteId, '/shop/cart');
    expect(live.visitor).toEqual({ id: visitorId });
    await next.close();
  });
});
