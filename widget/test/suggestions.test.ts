/**
 * Suggested articles as a visitor meets them (docs/widget.md, "Suggested articles"): a
 * published article that answers what they type in their first message, linked to its
 * help-center page, never a draft; searches only once they pause, not again for the same
 * words; gone once the message is sent, the field emptied or the list dismissed; in the
 * visitor's language; and a website without published articles, which loads none of its
 * code and searches nothing.
 */
import type { AgentClient } from '@chinwag/sdk';
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { axe, chinwagOrigin, newContext, openChat, openShop, organization, screenshot, useBrowser, widget } from './fixture.js';

useBrowser();

/** Writes an article on the website (as its owner), in English, published unless `draft`. */
async function article(
  owner: AgentClient,
  websiteId: string,
  title: string,
  body: string,
  { draft = false } = {},
): Promise<{ id: string; slug: string }> {
  const { createArticle } = await owner.request<{ createArticle: { id: string; slug: string } }>(
    'mutation($input: CreateArticleInput!) { createArticle(input: $input) { id slug } }',
    { input: { websiteId, title, body, language: 'en' } },
  );
  if (!draft) await owner.request('mutation($id: ID!) { publishArticle(id: $id) { id } }', { id: createArticle.id });
  return createArticle;
}

/** The suggestions chunk's and the searches' requests from `context`, as they happen. */
function watch(context: BrowserContext) {
  const chunks: string[] = [];
  const searches: URLSearchParams[] = [];
  context.on('request', (r) => {
    const url = new URL(r.url());
    if (/\/widget\/suggest-\w+\.js$/.test(url.pathname)) chunks.push(url.href);
    if (url.searchParams.get('query')?.includes('articleSearch') || r.postData()?.includes('articleSearch'))
      searches.push(url.searchParams);
  });
  return { chunks, searches };
}

/** The suggestions' parts. */
const suggestions = (page: Page) => {
  const root = widget(page).root.locator('.suggest');
  return {
    root,
    box: root.locator('.suggest-box'),
    heading: root.locator('.suggest-h'),
    links: root.locator('a'),
    titles: root.locator('a b'),
    status: root.locator('[role=status]'),
    hide: root.locator('.suggest-x'),
  };
};

/** Lets the debounce pass and any search answer: a search that should not happen has had its chance. */
const settle = (page: Page) => page.waitForTimeout(1000);

const SHIPPING = {
  title: 'Shipping to Norway',
  body: 'We ship to Norway, Sweden and Denmark. Orders to Norway arrive within 5 working days; customs are included in the price.',
};

describe('suggested articles', () => {
  it('suggest a published article as the visitor types a first message, never a draft, until the message is sent', async () => {
    const { owner, websiteId, websiteKey } = await organization();
    const published = await article(owner, websiteId, SHIPPING.title, SHIPPING.body);
    // A draft matching better still: never shown.
    await article(owner, websiteId, 'Do you ship to Norway? (draft)', 'Yes, we ship to Norway: do you ship to norway', {
      draft: true,
    });
    await article(owner, websiteId, 'Delivery times', 'We ship every weekday: Norway and Sweden in 5 days, Europe in 3.');
    await article(owner, websiteId, 'Returns', 'Send the parcel back within 30 days for a full refund.');

    const browser = await newContext();
    const { chunks, searches } = watch(browser);
    // A strict Content-Security-Policy: the suggestions' stylesheet applies all the same.
    const page = await openShop(browser, websiteKey, { csp: '1' });
    await openChat(page);
    // Opening the chat loads nothing of it: typing does.
    expect(chunks).toEqual([]);

    const { composer } = widget(page);
    const { box, heading, links, titles, status } = suggestions(page);
    await composer.pressSequentially('do you ship to norway', { delay: 40 });
    await titles.first().waitFor();
    expect(chunks).toHaveLength(1);
    // The best first; the draft never; nothing about returns.
    expect(await titles.allTextContents()).toEqual([SHIPPING.title, 'Delivery times']);
    expect(await heading.textContent()).toBe('Suggested articles');
    expect(await status.textContent()).toBe('2 suggested articles');
    expect(await links.first().textContent()).toContain('customs are included');
    const href = new URL((await links.first().getAttribute('href'))!);
    expect(href.origin).toBe(chinwagOrigin());
    expect(href.pathname).toBe(`/help/${websiteKey}/${published.slug}`);
    expect(await links.first().getAttribute('target')).toBe('_blank');
    expect(await links.first().getAttribute('rel')).toBe('noopener');
    // Searched once the visitor paused, not on every key (21 of them), in their language.
    expect(searches.length).toBeGreaterThanOrEqual(1);
    expect(searches.length).toBeLessThanOrEqual(3);
    expect(JSON.parse(searches.at(-1)!.get('variables')!)).toMatchObject({ q: 'do you ship to norway', l: 'en' });
    // The page goes to the help center, in a new tab.
    const [tab] = await Promise.all([browser.waitForEvent('page'), links.first().click()]);
    await tab.waitForLoadState();
    expect(tab.url()).toBe(href.href);
    expect(await tab.locator('h1').textContent()).toBe(SHIPPING.title);
    await tab.close();
    // Above the field, inside the panel, styled (its own stylesheet, under the CSP).
    const [suggestBox, field, panel] = await Promise.all([
      box.boundingBox(),
      composer.boundingBox(),
      widget(page).panel.boundingBox(),
    ]);
    expect(suggestBox!.y + suggestBox!.height).toBeLessThanOrEqual(field!.y + 1);
    expect(suggestBox!.x).toBeGreaterThanOrEqual(panel!.x);
    expect(suggestBox!.x + suggestBox!.width).toBeLessThanOrEqual(panel!.x + panel!.width);
    expect(await titles.first().evaluate((b) => getComputedStyle(b).whiteSpace)).toBe('nowrap');
    await page.mouse.move(0, 0);
    await screenshot(page, 'suggestions');
    expect(await axe(page)).toEqual([]);

    // The same words again (a space more) ask nothing more.
    const asked = searches.length;
    await composer.press('End');
    await composer.pressSequentially(' ');
    await settle(page);
    expect(searches).toHaveLength(asked);

    // Sent: gone, and the next message suggests nothing.
    await composer.press('Enter');
    await widget(page).bubbles.filter({ hasText: 'do you ship to norway' }).waitFor();
    await expect.poll(() => box.count()).toBe(0);
    await composer.pressSequentially('and to sweden?', { delay: 20 });
    await settle(page);
    expect(await box.count()).toBe(0);
    expect(searches).toHaveLength(asked);
  });

  it('go when the field is emptied or they are dismissed, speak the visitor’s language, and fit a phone', async () => {
    const { owner, websiteId, websiteKey } = await organization();
    await article(owner, websiteId, SHIPPING.title, SHIPPING.body);
    // On a narrow phone (a folded one is 280 px wide): the chat fills the screen, the
    // buttons stay on the field's row.
    const browser = await newContext({ viewport: { width: 280, height: 640 }, isMobile: true, hasTouch: true });
    const { searches } = watch(browser);
    const page = await openShop(browser, websiteKey, { locale: 'fr' });
    await openChat(page);
    const { composer } = widget(page);
    const { root, box, heading, hide, status } = suggestions(page);

    await composer.fill('norway');
    await box.waitFor();
    const [field, send, card] = await Promise.all([
      composer.boundingBox(),
      widget(page).root.locator('.composer .send').boundingBox(),
      box.boundingBox(),
    ]);
    expect(send!.y).toBeLessThan(field!.y + field!.height);
    expect(card!.y + card!.height).toBeLessThanOrEqual(field!.y + 1);
    expect(card!.x).toBeGreaterThanOrEqual(0);
    expect(card!.x + card!.width).toBeLessThanOrEqual(280);
    await screenshot(page, 'suggestions-phone');
    expect(await heading.textContent()).toBe('Articles suggérés');
    expect(await status.textContent()).toBe('1 article suggéré');
    expect(JSON.parse(searches.at(-1)!.get('variables')!)).toMatchObject({ q: 'norway', l: 'fr' });
    // Emptied: gone.
    await composer.fill('');
    await expect.poll(() => root.count()).toBe(0);
    // Under 3 characters: nothing.
    await composer.fill('no');
    await settle(page);
    expect(await box.count()).toBe(0);

    // Dismissed with its button: gone, the focus back in the field, not back while typing on.
    await composer.fill('norway');
    await box.waitFor();
    expect(await hide.getAttribute('aria-label')).toBe('Masquer les articles suggérés');
    await hide.click();
    await expect.poll(() => box.count()).toBe(0);
    expect(await page.evaluate(() => document.querySelector('chinwag-widget')!.shadowRoot!.activeElement?.tagName)).toBe(
      'TEXTAREA',
    );
    const asked = searches.length;
    await composer.pressSequentially(' sweden');
    await settle(page);
    expect(await box.count()).toBe(0);
    expect(searches).toHaveLength(asked);

    // The keyboard reaches them from the field (Shift+Tab); Escape there hides them too,
    // and leaves the chat open.
    await composer.fill('');
    await composer.fill('shipping norway');
    await box.waitFor();
    await composer.press('Shift+Tab');
    expect(await page.evaluate(() => document.querySelector('chinwag-widget')!.shadowRoot!.activeElement?.textContent)).toContain(
      'Shipping to Norway',
    );
    await page.keyboard.press('Escape');
    await expect.poll(() => box.count()).toBe(0);
    expect(await widget(page).panel.isVisible()).toBe(true);
  });

  it('load nothing and search nothing on a website without published articles', async () => {
    const { owner, websiteId, websiteKey } = await organization();
    // A draft is not published: the website has no articles to suggest.
    await article(owner, websiteId, SHIPPING.title, SHIPPING.body, { draft: true });
    const browser = await newContext();
    const { chunks, searches } = watch(browser);
    const page = await openShop(browser, websiteKey);
    await openChat(page);
    const { composer } = widget(page);
    await composer.pressSequentially('do you ship to norway', { delay: 20 });
    await settle(page);
    expect(await suggestions(page).root.count()).toBe(0);
    await composer.press('Enter');
    await widget(page).bubbles.filter({ hasText: 'do you ship to norway' }).waitFor();
    expect(chunks).toEqual([]);
    expect(searches).toEqual([]);
  });
});
