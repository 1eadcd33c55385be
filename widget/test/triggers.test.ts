/**
 * Triggers (proactive messages) as a visitor meets them (docs/widget.md, "Triggers"): the
 * bubble by the launcher when the page's conditions hold, not before and not elsewhere,
 * once per page load; the server's side of the conditions (business hours); a reply that
 * stores the trigger's message first, as the team's BOT message; a trigger that opens the
 * chat; and a website without triggers, which loads none of their code.
 */
import type { AgentClient } from '@chinwag/sdk';
import type { BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  axe,
  chinwagOrigin,
  listen,
  newContext,
  openChat,
  openShop,
  organization,
  say,
  screenshot,
  shopUrl,
  useBrowser,
  widget,
} from './fixture.js';

useBrowser();

interface Condition {
  field: string;
  operator: string;
  value?: string;
  values?: string[];
}

/** Creates a trigger on the website (as its owner), after its others. */
async function createTrigger(
  owner: AgentClient,
  websiteId: string,
  input: { name: string; message: string; conditions: Condition[]; agentId?: string; openPanel?: boolean },
): Promise<string> {
  const { createTrigger: t } = await owner.request<{ createTrigger: { id: string } }>(
    `mutation($w: ID!, $name: String!, $message: String!, $conditions: [TriggerConditionInput!]!, $agentId: ID, $openPanel: Boolean!) {
      createTrigger(websiteId: $w, input: { name: $name, enabled: true, conditions: $conditions, message: $message, agentId: $agentId, openPanel: $openPanel }) { id }
    }`,
    { w: websiteId, openPanel: false, ...input },
  );
  return t.id;
}

/** The bubble's parts. */
const bubble = (page: Page) => {
  const root = widget(page).root.locator('.tg');
  return {
    root,
    who: root.locator('.tg-who'),
    message: root.locator('.tg-msg'),
    close: root.locator('.tg-x'),
    open: root.locator('.tg-open'),
  };
};

/**
 * Records, from the page's start in every page of `context` (the stub queues the call
 * for the loader), each trigger shown: its id and when (ms since the page's start).
 */
async function recordTriggers(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const seen: [string, number][] = ((window as unknown as { shownTriggers: [string, number][] }).shownTriggers = []);
    const stub = function (...args: unknown[]) {
      (stub.q = stub.q || []).push(args as unknown as IArguments);
    } as unknown as NonNullable<Window['Chinwag']> & { q: IArguments[] };
    window.Chinwag = stub;
    stub('on', 'trigger', ({ id }) => void seen.push([id, performance.now()]));
  });
}

/** The triggers shown on `page` so far (see `recordTriggers`). */
const shownOn = (page: Page): Promise<[string, number][]> =>
  page.evaluate(() => (window as unknown as { shownTriggers: [string, number][] }).shownTriggers);

/** A fresh browser profile that records the triggers shown. */
async function context(options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const c = await newContext(options);
  await recordTriggers(c);
  return c;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('triggers', () => {
  it('show on the page they are for once its time has come, never elsewhere, once per page load', async () => {
    const { owner, me, websiteId, websiteKey } = await organization();
    const id = await createTrigger(owner, websiteId, {
      name: 'Pricing',
      message: 'Questions about our plans? Ann can help.',
      agentId: me.id,
      conditions: [
        { field: 'PAGE_URL', operator: 'CONTAINS', value: '/PRICING' },
        { field: 'TIME_ON_PAGE', operator: 'AT_LEAST', value: '2' },
      ],
    });
    const browser = await context();
    const chunks: string[] = [];
    browser.on('request', (r) => void (/\/widget\/visit-\w+\.js$/.test(r.url()) && chunks.push(r.url())));

    const page = await openShop(browser, websiteKey, {}, '/shop/pricing');
    const shown = () => shownOn(page);
    const { root, who, message, close } = bubble(page);
    // Not before two seconds on the page.
    await page.waitForFunction(() => performance.now() > 1500);
    expect(await root.count()).toBe(0);
    await root.waitFor();
    const [[shownId, at]] = (await shown()) as [[string, number]];
    expect(shownId).toBe(id);
    expect(at).toBeGreaterThanOrEqual(2000);
    expect(chunks).toHaveLength(1);
    expect(await who.textContent()).toBe('AAnn');
    expect(await message.textContent()).toBe('Questions about our plans? Ann can help.');
    expect(await close.getAttribute('aria-label')).toBe('Dismiss');
    // Beside the launcher, above it.
    const [b, l] = [await root.boundingBox(), await widget(page).launcher.boundingBox()];
    expect(b!.y + b!.height).toBeLessThanOrEqual(l!.y);
    expect(Math.round(b!.x + b!.width)).toBe(Math.round(l!.x + l!.width));
    expect(await axe(page)).toEqual([]);
    await screenshot(page, 'trigger-bubble');

    // Dismissed, it does not come back on this page.
    await close.click();
    expect(await root.count()).toBe(0);
    await sleep(2500);
    expect(await root.count()).toBe(0);
    expect(await shown()).toHaveLength(1);
    // Nothing was stored: no session, in the browser or on the server.
    expect(await page.evaluate(() => Object.keys(localStorage))).toEqual([]);
    expect((await owner.conversations()).nodes).toEqual([]);

    // Another page: nothing, however long the visitor stays.
    const about = await openShop(browser, websiteKey, {}, '/shop/about');
    const aboutShown = () => shownOn(about);
    await about.waitForFunction(() => performance.now() > 3500);
    expect(await bubble(about).root.count()).toBe(0);
    expect(await aboutShown()).toEqual([]);
    // Until the single-page app moves to the pricing page: two seconds from then.
    const moved = await about.evaluate(
      (url) => (history.pushState(null, '', url), performance.now()),
      shopUrl(websiteKey, {}, '/shop/pricing'),
    );
    await bubble(about).root.waitFor();
    expect((await aboutShown())[0]![1] - moved).toBeGreaterThanOrEqual(2000);
  });

  it('on a phone, the bubble fits beside the launcher, and it follows the launcher to the left', async () => {
    const { owner, me, websiteId, websiteKey } = await organization();
    await createTrigger(owner, websiteId, {
      name: 'Everywhere',
      message: 'Hi! Looking for the right beans? We roast every morning and ship the same day — ask us anything.',
      agentId: me.id,
      conditions: [],
    });
    const page = await openShop(
      await context({ viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true }),
      websiteKey,
    );
    const { root } = bubble(page);
    await root.waitFor();
    const b = (await root.boundingBox())!;
    expect(b.x).toBeGreaterThanOrEqual(0);
    expect(b.x + b.width).toBeLessThanOrEqual(375);
    expect(b.y + b.height).toBeLessThanOrEqual((await widget(page).launcher.boundingBox())!.y);
    await screenshot(page, 'trigger-bubble-phone');

    // On the left, where the page puts the launcher: the bubble goes with it.
    const left = await openShop(await context(), websiteKey, { position: 'left' });
    await bubble(left).root.waitFor();
    const [lb, ll] = [await bubble(left).root.boundingBox(), await widget(left).launcher.boundingBox()];
    expect(Math.round(lb!.x)).toBe(Math.round(ll!.x));
    await screenshot(left, 'trigger-bubble-left');
  });

  it('leave business hours and agents online to the server', async () => {
    const { owner, websiteId, websiteKey } = await organization();
    // A website without business hours is open around the clock.
    await createTrigger(owner, websiteId, {
      name: 'After hours',
      message: 'We are closed, but leave a message.',
      conditions: [{ field: 'BUSINESS_HOURS', operator: 'IS_FALSE' }],
    });
    const open = await createTrigger(owner, websiteId, {
      name: 'Open',
      message: 'We are here!',
      conditions: [{ field: 'BUSINESS_HOURS', operator: 'IS_TRUE' }],
    });
    const page = await openShop(await context(), websiteKey);
    const shown = () => shownOn(page);
    // The first that may fire now is the second: the server listed only it.
    await bubble(page).root.waitFor();
    expect(await bubble(page).message.textContent()).toBe('We are here!');
    expect((await shown()).map(([id]) => id)).toEqual([open]);
    expect(await bubble(page).who.textContent()).toBe('AAcme shop');
  });

  it('a reply starts the conversation with the trigger’s message first, from its sender', async () => {
    const { owner, me, websiteId, websiteKey } = await organization();
    await createTrigger(owner, websiteId, {
      name: 'Welcome',
      message: 'Hello! Need a hand choosing?',
      agentId: me.id,
      conditions: [{ field: 'REFERRER', operator: 'NOT_EQUALS', value: 'https://example.com/' }],
    });
    const page = await openShop(await context(), websiteKey);
    const sends = await listen(page, 'send');
    const { root, open } = bubble(page);
    await root.waitFor();
    await open.click();
    const { panel, messages, composer } = widget(page);
    await expect.poll(() => panel.isVisible()).toBe(true);
    expect(await root.count()).toBe(0);
    // The greeting, then the trigger's message from Ann; the composer ready.
    await expect.poll(() => messages.count()).toBe(2);
    await expect.poll(() => messages.nth(1).locator('.who').textContent()).toBe('AAnn');
    expect(await messages.nth(1).locator('.bubble').textContent()).toBe('Ann: Hello! Need a hand choosing?');
    await expect
      .poll(() => page.evaluate(() => document.querySelector('chinwag-widget')?.shadowRoot?.activeElement?.tagName))
      .toBe('TEXTAREA');
    await screenshot(page, 'trigger-opened');
    // Still nothing stored until the visitor replies.
    expect(await page.evaluate(() => Object.keys(localStorage))).toEqual([]);
    await say(page, 'Yes, something fruity');
    await expect.poll(() => page.locator('chinwag-widget .row.me time').count()).toBe(1);
    await composer.waitFor();

    const [conversation] = (await owner.conversations()).nodes;
    expect(conversation).toBeDefined();
    const { messages: stored } = await owner.messages(conversation!.id);
    expect(stored.map((m) => [m.senderKind, m.senderName, m.body])).toEqual([
      ['BOT', 'Ann', 'Hello! Need a hand choosing?'],
      ['VISITOR', null, 'Yes, something fruity'],
    ]);
    expect(await sends()).toEqual([{ conversationId: conversation!.id, body: 'Yes, something fruity' }]);
    // In the widget: the stored messages, each once.
    await expect.poll(() => messages.count()).toBe(3);
    expect(await messages.nth(1).locator('.bubble').textContent()).toBe('Ann: Hello! Need a hand choosing?');
  });

  it('with openPanel, open the chat with the message', async () => {
    const { owner, websiteId, websiteKey } = await organization();
    await createTrigger(owner, websiteId, { name: 'Open', message: 'Welcome back!', conditions: [], openPanel: true });
    const page = await openShop(await context(), websiteKey);
    const shown = () => shownOn(page);
    const { panel, messages } = widget(page);
    await expect.poll(() => panel.isVisible()).toBe(true);
    await expect.poll(() => messages.count()).toBe(2);
    expect(await messages.nth(1).locator('.bubble').textContent()).toBe('Acme shop: Welcome back!');
    expect(await bubble(page).root.count()).toBe(0);
    expect(await shown()).toHaveLength(1);
  });

  it('stay away while the visitor’s conversation goes on, and start a new one once it is resolved', async () => {
    const { owner, websiteId, websiteKey } = await organization();
    const browser = await context();
    const page = await openShop(browser, websiteKey);
    await openChat(page);
    await say(page, 'Is the grinder back?');
    await expect.poll(() => page.locator('chinwag-widget .row.me time').count()).toBe(1);
    await createTrigger(owner, websiteId, { name: 'Hello', message: 'Anything else?', conditions: [] });

    // The next page: the conversation is open, so no trigger.
    const again = await openShop(browser, websiteKey);
    await sleep(2500);
    expect(await bubble(again).root.count()).toBe(0);
    expect(await shownOn(again)).toEqual([]);

    // Resolved: the next page shows it, and a click opens a new conversation with it.
    const [first] = (await owner.conversations()).nodes;
    await owner.setConversationStatus(first!.id, 'RESOLVED');
    const third = await openShop(browser, websiteKey);
    await bubble(third).root.waitFor();
    await bubble(third).open.click();
    const { messages } = widget(third);
    await expect.poll(() => messages.allTextContents()).toHaveLength(2);
    expect(await messages.nth(1).locator('.bubble').textContent()).toBe('Acme shop: Anything else?');
    await say(third, 'One more thing');
    await expect.poll(async () => (await owner.conversations()).nodes.length).toBe(2);
    const { messages: stored } = await owner.messages((await owner.conversations()).nodes[0]!.id);
    expect(stored.map((m) => [m.senderKind, m.body])).toEqual([
      ['BOT', 'Anything else?'],
      ['VISITOR', 'One more thing'],
    ]);
  });

  it('a website without triggers loads none of their code', async () => {
    const { websiteKey } = await organization();
    const browser = await newContext();
    const requests: string[] = [];
    browser.on('request', (r) => void requests.push(r.url()));
    const page = await openShop(browser, websiteKey);
    await page.waitForLoadState('networkidle');
    await sleep(1500);
    const fromChinwag = requests.filter((u) => u.startsWith(chinwagOrigin()));
    // The loader and its configuration, nothing more.
    expect(fromChinwag.map((u) => new URL(u).pathname)).toEqual(['/widget.js', '/graphql']);
    expect(requests.some((u) => u.includes('/widget/visit-') || u.includes('widgetTriggers'))).toBe(false);
  });
});
