/**
 * Page analytics (`pageAnalytics`, docs/integrations.md#page-analytics) against a real
 * server: with it on, the chat's events reach `window.dataLayer` in order, in Google Tag
 * Manager's custom-event shape, with no message text, name or email; with it off (the
 * default) the widget leaves `dataLayer` alone; on a page with GTM, GTM's own entries
 * and array stay, and the widget's events go through GTM's `push`. A reply to a trigger
 * (which starts its conversation its own way) pushes in the same order.
 */
import type { AgentClient } from '@chinwag/sdk';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  newContext,
  openChat,
  openShop,
  organization,
  say,
  shopUrl,
  until,
  updateWebsite,
  useBrowser,
  widget,
} from './fixture.js';

useBrowser();

declare global {
  interface Window {
    /** What the page's own `dataLayer.push` (GTM's, in the GTM test) was called with. */
    gtmSaw?: object[];
    /** The page's `dataLayer` array as GTM's snippet made it. */
    gtmArray?: object[];
  }
}

/** The page's `dataLayer` (a copy), or null when there is none. */
const dataLayer = (page: Page) => page.evaluate(() => (window.dataLayer ? JSON.parse(JSON.stringify(window.dataLayer)) : null));

/**
 * What GTM's snippet does before `gtm.js` arrives (the array and its first entry), then
 * what `gtm.js` does once loaded: its own `push`, which processes each event. Installed
 * before the page's scripts run.
 */
async function withTagManager(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const layer: object[] = (window.dataLayer = window.dataLayer || []);
    layer.push({ 'gtm.start': 1700000000000, event: 'gtm.js' });
    window.gtmArray = layer;
    window.gtmSaw = [];
    const push = layer.push.bind(layer);
    layer.push = (...items: object[]) => (window.gtmSaw!.push(...items), push(...items));
  });
}

/**
 * The whole visit: the visitor says who they are, opens the chat, writes, the agent
 * answers, the visitor writes again, the agent resolves and the visitor gives 4 stars
 * with a comment. Resolves to the conversation's id.
 */
async function chatAndRate(page: Page, owner: AgentClient): Promise<string> {
  const { root, bubbles } = widget(page);
  await page.evaluate(() => window.Chinwag!('identify', { name: 'Dee Visitor', email: 'dee@example.com' }));
  await openChat(page);
  await say(page, 'Do you ship to Norway?');
  let id = '';
  await until(async () => !!(id = (await owner.conversations({ first: 1 })).nodes[0]?.id ?? ''), 'the conversation');
  const agent = owner.openConversation(id);
  await until(() => !agent.state.loading, 'the agent to load the conversation');
  await agent.send('We do, in 3 days.');
  await expect.poll(() => bubbles.count()).toBe(3);
  await say(page, 'Lovely, thanks');
  await expect.poll(() => root.locator('.row.me .meta time').count()).toBe(2);
  await owner.setConversationStatus(id, 'RESOLVED');
  const stars = root.locator('.rating .stars button');
  await expect.poll(() => stars.count()).toBe(5);
  await stars.nth(3).click();
  await root.locator('.rating textarea').fill('Quick and kind');
  await root.locator('.rating button[type=submit]').click();
  await until(() => agent.state.conversation?.rating === 4, 'the rating to reach the agent');
  agent.close();
  return id;
}

/** The events a visit (`chatAndRate`) pushes, in order, for the conversation `id`. */
const visitEvents = (id: string) => [
  { event: 'chinwag_opened' },
  { event: 'chinwag_conversation_started', chinwag_conversation_id: id },
  { event: 'chinwag_message_sent', chinwag_conversation_id: id },
  { event: 'chinwag_message_sent', chinwag_conversation_id: id },
  { event: 'chinwag_rating_given', chinwag_conversation_id: id, chinwag_rating: 4 },
];

/** A trigger on the website that shows at once on every page, from its owner `agentId`. */
async function welcomeTrigger(owner: AgentClient, websiteId: string, agentId: string): Promise<void> {
  await owner.request(
    `mutation($w: ID!, $a: ID) {
      createTrigger(websiteId: $w, input: { name: "Welcome", enabled: true, message: "Need a hand?", agentId: $a, openPanel: false,
        conditions: [{ field: REFERRER, operator: NOT_EQUALS, value: "https://example.com/" }] }) { id }
    }`,
    { w: websiteId, a: agentId },
  );
}

describe('page analytics', () => {
  it('pushes the chat’s events to a new dataLayer in order, without text, names or emails', async () => {
    const { owner, websiteId, websiteKey } = await organization();
    await updateWebsite(owner, websiteId, { pageAnalytics: true });
    const page = await openShop(await newContext(), websiteKey);
    // Nothing before the visitor does something: the array comes with the first event.
    expect(await dataLayer(page)).toBeNull();

    const id = await chatAndRate(page, owner);
    await expect.poll(() => dataLayer(page)).toStrictEqual(visitEvents(id));
    const pushed = JSON.stringify(await dataLayer(page));
    for (const personal of ['Dee', 'dee@example.com', 'Norway', 'thanks', 'Quick and kind', 'We do'])
      expect(pushed).not.toContain(personal);

    // Each opening counts: closed, then opened again.
    await widget(page).launcher.click();
    await expect.poll(() => widget(page).panel.isVisible()).toBe(false);
    await widget(page).launcher.click();
    await expect.poll(async () => (await dataLayer(page)).at(-1)).toStrictEqual({ event: 'chinwag_opened' });
    expect(await dataLayer(page)).toHaveLength(6);
  });

  it('a reply to a trigger pushes the opening, then the conversation’s start, then the message', async () => {
    const { owner, me, websiteId, websiteKey } = await organization();
    await updateWebsite(owner, websiteId, { pageAnalytics: true });
    await welcomeTrigger(owner, websiteId, me.id);
    const page = await openShop(await newContext(), websiteKey);
    const { root, panel } = widget(page);
    await root.locator('.tg .tg-open').click();
    await expect.poll(() => panel.isVisible()).toBe(true);
    await say(page, 'Yes please');
    await expect.poll(() => root.locator('.row.me .meta time').count()).toBe(1);
    const [conversation] = (await owner.conversations()).nodes;
    await expect.poll(() => dataLayer(page)).toStrictEqual(visitEvents(conversation!.id).slice(0, 3));
  });

  it('pushes nothing when the website has it off (the default), not even an empty dataLayer', async () => {
    const { owner, websiteKey } = await organization();
    const page = await openShop(await newContext(), websiteKey);
    await chatAndRate(page, owner);
    expect(await dataLayer(page)).toBeNull();
  });

  it('keeps the page’s own dataLayer when off: GTM’s entries alone, none from the widget', async () => {
    const { owner, websiteKey } = await organization();
    const page = await (await newContext()).newPage();
    await withTagManager(page);
    await page.goto(shopUrl(websiteKey));
    await widget(page).launcher.waitFor();
    await chatAndRate(page, owner);
    expect(await dataLayer(page)).toStrictEqual([{ 'gtm.start': 1700000000000, event: 'gtm.js' }]);
    expect(await page.evaluate(() => window.gtmSaw)).toStrictEqual([]);
  });

  it('on a page with Google Tag Manager, keeps its array and entries and pushes through its push', async () => {
    const { owner, websiteId, websiteKey } = await organization();
    await updateWebsite(owner, websiteId, { pageAnalytics: true });
    const page = await (await newContext()).newPage();
    await withTagManager(page);
    await page.goto(shopUrl(websiteKey));
    await widget(page).launcher.waitFor();

    const id = await chatAndRate(page, owner);
    await expect.poll(() => dataLayer(page)).toStrictEqual([{ 'gtm.start': 1700000000000, event: 'gtm.js' }, ...visitEvents(id)]);
    // The same array GTM's snippet made, and every event went through GTM's push.
    expect(await page.evaluate(() => window.dataLayer === window.gtmArray)).toBe(true);
    expect(await page.evaluate(() => window.gtmSaw)).toStrictEqual(visitEvents(id));
  });
});
