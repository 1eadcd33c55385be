/**
 * How the widget looks and how it is used without a mouse: the desktop panel and the
 * phone's full screen (screenshots saved in test-results/ for a person to look at), a
 * hostile page's global CSS, keyboard only, languages, reduced motion, theming from
 * the website's settings and from the page, the site owner's JS API, and the demo page.
 */
import type { AgentClient } from '@chinwag/sdk';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  axe,
  chinwagOrigin,
  newContext,
  openChat,
  openShop,
  organization,
  say,
  screenshot,
  shopUrl,
  until,
  updateWebsite,
  useBrowser,
  widget,
} from './fixture.js';

useBrowser();

/** The element focused inside the widget's shadow root, as `tag.class`. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const el = document.querySelector('chinwag-widget')?.shadowRoot?.activeElement;
    return el ? `${el.tagName.toLowerCase()}.${el.className}` : `page:${document.activeElement?.tagName.toLowerCase()}`;
  });

/** A short exchange, with the agent typing, to look at. */
async function exchange(page: Page, owner: AgentClient) {
  await openChat(page);
  await say(page, 'Hi! Do you have the Ethiopia Guji in 1 kg bags? 😊');
  let id = '';
  await until(async () => !!(id = (await owner.conversations({ first: 1 })).nodes[0]?.id ?? ''), 'the conversation');
  const agent = owner.openConversation(id);
  await until(() => !agent.state.loading && owner.connectionState() === 'online', 'the agent side');
  await agent.send('We do! Here it is: https://example.com/guji-1kg');
  await expect.poll(() => widget(page).bubbles.count()).toBe(3);
  await agent.markRead();
  agent.typing();
  await expect.poll(() => widget(page).typing.textContent()).toContain('typing');
  await expect.poll(() => widget(page).root.locator('.seen').count()).toBe(1);
  return agent;
}

const box = async (page: Page, selector: string) => (await widget(page).root.locator(selector).boundingBox())!;

describe('the widget, seen and used', () => {
  it('is a panel at the corner on a desktop', async () => {
    const { owner, websiteKey } = await organization();
    const page = await openShop(await newContext(), websiteKey);
    const launcher = await box(page, '.launcher');
    expect(launcher.height).toBe(56);
    expect(launcher.x + launcher.width).toBeCloseTo(1280 - 20, 0);
    expect(launcher.y + launcher.height).toBeCloseTo(800 - 20, 0);
    expect(await widget(page).launcher.textContent()).toBe('Chat with us');
    const agent = await exchange(page, owner);
    const panel = await box(page, '.panel');
    expect(panel).toMatchObject({ width: 380, height: 600 });
    expect(panel.x + panel.width).toBeCloseTo(1260, 0);
    await screenshot(page, 'desktop-panel');
    agent.close();
  });

  it('fills the screen on a phone', async () => {
    const { owner, websiteKey } = await organization();
    const context = await newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      deviceScaleFactor: 2,
    });
    const page = await openShop(context, websiteKey);
    await screenshot(page, 'phone-closed');
    const agent = await exchange(page, owner);
    expect(await box(page, '.panel')).toEqual({ x: 0, y: 0, width: 390, height: 844 });
    expect(await widget(page).launcher.isVisible()).toBe(false);
    await screenshot(page, 'phone-full-screen');
    // Tab stays inside while the page is hidden behind it.
    for (let i = 0; i < 12; i++) await page.keyboard.press('Tab');
    expect(await focused(page)).not.toMatch(/^page:/);
    await page.keyboard.press('Escape');
    expect(await widget(page).launcher.isVisible()).toBe(true);
    agent.close();
  });

  it('keeps its layout on a page with aggressive global CSS', async () => {
    const { owner, websiteKey } = await organization();
    const page = await openShop(await newContext(), websiteKey, { hostile: '1' });
    const launcher = await box(page, '.launcher');
    expect(launcher.height).toBe(56);
    expect(launcher.x + launcher.width).toBeCloseTo(1260, 0);
    const agent = await exchange(page, owner);
    expect(await box(page, '.panel')).toMatchObject({ width: 380, height: 600 });
    const style = await widget(page)
      .bubbles.last()
      .evaluate((el) => {
        const s = getComputedStyle(el);
        return {
          font: s.fontFamily,
          size: s.fontSize,
          color: s.color,
          transform: s.textTransform,
          background: s.backgroundColor,
        };
      });
    expect(style.font).not.toMatch(/comic/i);
    expect(style).toMatchObject({ size: '14px', color: 'rgb(31, 35, 40)', transform: 'none', background: 'rgb(240, 242, 245)' });
    expect(await box(page, '.composer textarea')).toMatchObject({ height: 36 });
    expect(
      await widget(page)
        .root.locator('.launcher svg')
        .first()
        .evaluate((el) => getComputedStyle(el).width),
    ).toBe('24px');
    // …and nothing of the widget's CSS leaks onto the page.
    expect(await page.locator('h1').evaluate((el) => getComputedStyle(el).boxSizing)).toBe('content-box');
    expect(await page.evaluate(() => document.styleSheets.length)).toBe(2);
    await screenshot(page, 'hostile-page');
    agent.close();
  });

  it('passes axe-core’s WCAG 2.1 A and AA checks: closed, chatting, rating, list', async () => {
    const { owner, websiteKey } = await organization();
    const page = await openShop(await newContext(), websiteKey);
    expect(await axe(page)).toEqual([]);
    const agent = await exchange(page, owner);
    expect(await axe(page)).toEqual([]);
    await owner.setConversationStatus(agent.id, 'RESOLVED');
    await expect.poll(() => widget(page).root.locator('.rating .stars button').count()).toBe(5);
    await widget(page).root.locator('.rating .stars button').nth(4).click();
    expect(await axe(page)).toEqual([]);
    await screenshot(page, 'rating');
    await widget(page).root.getByRole('button', { name: 'Show your conversations' }).click();
    await expect.poll(() => widget(page).root.locator('.list .item').count()).toBe(1);
    expect(await axe(page)).toEqual([]);
    await screenshot(page, 'conversations');
    agent.close();
  });

  it('works on a page with a strict Content-Security-Policy', async () => {
    const { owner, websiteKey } = await organization();
    const context = await newContext();
    const violations: string[] = [];
    context.on('console', (m) => /Content Security Policy/.test(m.text()) && violations.push(m.text()));
    const page = await openShop(context, websiteKey, { csp: '1' });
    expect((await box(page, '.launcher')).height).toBe(56);
    const agent = await exchange(page, owner); // over HTTP and the WebSocket
    expect(await box(page, '.panel')).toMatchObject({ width: 380, height: 600 });
    // The page's own inline <style> is refused, as the policy says; nothing of the widget's.
    expect(violations.filter((v) => !/inline style/.test(v) || /chinwag/i.test(v))).toEqual([]);
    expect(violations).toHaveLength(1);
    agent.close();
  });

  it('works with the keyboard alone', async () => {
    const { websiteKey } = await organization();
    const page = await openShop(await newContext(), websiteKey);
    const { launcher, panel, composer, bubbles, root } = widget(page);
    // Tab from the page's last field reaches the launcher.
    await page.locator('#search').focus();
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('button.launcher');
    expect(await launcher.getAttribute('aria-expanded')).toBe('false');

    await page.keyboard.press('Enter');
    await expect.poll(() => focused(page)).toBe('textarea.');
    expect(await launcher.getAttribute('aria-expanded')).toBe('true');
    expect(await launcher.getAttribute('aria-label')).toBe('Close chat');
    expect(await panel.getAttribute('role')).toBe('dialog');
    expect(await root.locator('#' + (await panel.getAttribute('aria-labelledby'))).textContent()).toBe('Acme shop');
    expect(await root.locator('[role=log]').count()).toBe(1);
    expect(await composer.getAttribute('aria-label')).toBe('Write a message…');

    await page.keyboard.type('Hello from the keyboard');
    await page.keyboard.press('Enter');
    await expect.poll(() => bubbles.count()).toBe(2);

    // The attach button comes first, then the emoji picker: open, move with the arrows,
    // pick, back in the text.
    await page.keyboard.press('Tab');
    expect(
      await root
        .getByRole('button', { name: 'Attach a file' })
        .evaluate((b) => b === (b.getRootNode() as ShadowRoot).activeElement),
    ).toBe(true);
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('button.icon');
    await page.keyboard.press('Enter');
    await expect.poll(() => focused(page)).toBe('button.'); // the first emoji
    expect(await root.locator('.emoji button').count()).toBeGreaterThan(30);
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Enter');
    await expect.poll(() => composer.inputValue()).toBe('😊');
    await expect.poll(() => focused(page)).toBe('textarea.');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Escape'); // closes the picker only
    expect(await root.locator('.emoji').count()).toBe(0);
    expect(await focused(page)).toBe('textarea.');
    await page.keyboard.press('Enter');
    await expect.poll(() => bubbles.count()).toBe(3);

    // Escape closes the panel and gives focus back to the launcher.
    await page.keyboard.press('Escape');
    await expect.poll(() => panel.isVisible()).toBe(false);
    expect(await focused(page)).toBe('button.launcher');
    expect(await launcher.getAttribute('aria-expanded')).toBe('false');
  });

  it('speaks the page’s language, or the one the site sets', async () => {
    const { websiteKey } = await organization();
    const page = await openShop(await newContext(), websiteKey, { lang: 'fr-CA' });
    const { launcher, composer, root } = widget(page);
    // The launcher's visible text is the site's own (not translated), and so its name.
    expect(await launcher.getAttribute('aria-label')).toBe('Chat with us');
    await openChat(page);
    expect(await launcher.getAttribute('aria-label')).toBe('Fermer le chat');
    expect(await composer.getAttribute('placeholder')).toBe('Écrivez un message…');
    expect(await root.locator('#cw-status').textContent()).toBe('Nous vous répondrons dès que possible');
    await page.evaluate(() => window.Chinwag!('setLocale', 'es'));
    await expect.poll(() => composer.getAttribute('placeholder')).toBe('Escribe un mensaje…');
    expect(await launcher.getAttribute('aria-label')).toBe('Cerrar el chat');
    // data-locale wins over the page; an unknown language falls back to English.
    const placeholder = async (options: Record<string, string>) => {
      const other = await openShop(await newContext(), websiteKey, options);
      await openChat(other);
      return widget(other).composer.getAttribute('placeholder');
    };
    expect(await placeholder({ lang: 'fr', locale: 'es' })).toBe('Escribe un mensaje…');
    expect(await placeholder({ lang: 'ja' })).toBe('Write a message…');
  });

  it('respects reduced motion', async () => {
    const { websiteKey } = await organization();
    const animation = async (reducedMotion: 'reduce' | 'no-preference') => {
      const page = await openShop(await newContext({ reducedMotion }), websiteKey);
      await openChat(page);
      return widget(page).panel.evaluate((el) => getComputedStyle(el).animationName);
    };
    expect(await animation('no-preference')).toBe('cw-open');
    expect(await animation('reduce')).toBe('none');
  });

  it("takes the website's colours, side and texts, and the page's --chinwag-* properties", async () => {
    const { owner, websiteId, websiteKey } = await organization();
    await owner.request('mutation($id: ID!, $input: UpdateWebsiteInput!) { updateWebsite(id: $id, input: $input) { id } }', {
      id: websiteId,
      input: { color: '#fde047', position: 'LEFT', launcherText: 'Ask us', greeting: 'Hej! Questions about beans?' },
    });
    const page = await openShop(await newContext(), websiteKey);
    const { launcher, bubbles } = widget(page);
    const colours = () => launcher.evaluate((el) => [getComputedStyle(el).backgroundColor, getComputedStyle(el).color]);
    // A light accent gets dark text.
    expect(await colours()).toEqual(['rgb(253, 224, 71)', 'rgb(17, 17, 17)']);
    expect(await launcher.textContent()).toBe('Ask us');
    expect((await box(page, '.launcher')).x).toBe(20);
    await openChat(page);
    expect((await box(page, '.panel')).x).toBe(20);
    expect(await bubbles.first().textContent()).toBe('Hej! Questions about beans?');
    // The site's own theme wins over the settings.
    await page.addStyleTag({
      content: 'chinwag-widget { --chinwag-accent: #0a7; --chinwag-accent-text: #fff; --chinwag-offset-x: 40px; }',
    });
    expect(await colours()).toEqual(['rgb(0, 170, 119)', 'rgb(255, 255, 255)']);
    expect((await box(page, '.panel')).x).toBe(40);
  });

  it("puts the launcher on the side the script tag's data-position says, whatever the website's setting", async () => {
    const { owner, websiteId, websiteKey } = await organization();
    // The website's setting is the right (the default): the page asks for the left.
    const left = await openShop(await newContext(), websiteKey, { position: 'left' });
    expect((await box(left, '.launcher')).x).toBe(20);
    await openChat(left);
    expect((await box(left, '.panel')).x).toBe(20);
    await screenshot(left, 'position-left');
    // And the other way round.
    await updateWebsite(owner, websiteId, { position: 'LEFT' });
    const right = await openShop(await newContext(), websiteKey, { position: 'right' });
    const launcher = await box(right, '.launcher');
    expect(launcher.x + launcher.width).toBeCloseTo(1280 - 20, 0);
    expect((await box(await openShop(await newContext(), websiteKey), '.launcher')).x).toBe(20);
  });

  it('answers the site owner’s JS API: open, close, on, track', async () => {
    const { websiteKey } = await organization();
    const page = await openShop(await newContext(), websiteKey);
    const graphql: string[] = [];
    page.on('request', (r) => r.url().includes('/graphql') && graphql.push(r.postData() ?? r.url()));
    const events = await page.evaluateHandle(() => {
      const seen: string[] = [];
      for (const e of ['open', 'close', 'track'] as const)
        window.Chinwag!('on', e, (p) => seen.push(`${e}${'name' in p ? `:${p.name}` : ''}`));
      return seen;
    });
    await page.evaluate(() => window.Chinwag!('open'));
    expect(await widget(page).panel.isVisible()).toBe(true);
    await expect.poll(() => focused(page)).toBe('textarea.');
    // The visitor went back to the page: a site's close does not take the focus from it.
    await page.locator('#search').focus();
    await page.evaluate(() => window.Chinwag!('close'));
    expect(await widget(page).panel.isVisible()).toBe(false);
    expect(await focused(page)).toBe('page:input');
    await page.evaluate(() => window.Chinwag!('track', 'add_to_cart', { sku: 'guji-1kg' }));
    expect(await events.evaluate((seen) => seen)).toEqual(['open', 'close', 'track:add_to_cart']);
    // Not sent anywhere yet (the server has no operation for events), and no session
    // made: opening only refreshed the public configuration.
    expect(graphql).toHaveLength(1);
    expect(graphql[0]).toMatch(/^\{"query":"query WidgetConfig/);
  });

  it('says so, and draws nothing, for an unknown website key', async () => {
    const page = await (await newContext()).newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.addInitScript(() => {
      const w = window as unknown as { Chinwag: { q?: unknown[] } & ((...a: unknown[]) => void); seen: unknown[] };
      w.seen = [];
      w.Chinwag = Object.assign((...a: unknown[]) => (w.Chinwag.q ??= []).push(a), {});
      w.Chinwag('on', 'error', (e: unknown) => w.seen.push(e));
    });
    await page.goto(shopUrl('wk_nonexistent'));
    await expect
      .poll(() => page.evaluate(() => (window as unknown as { seen: { code: string }[] }).seen.map((e) => e.code)))
      .toEqual(['NOT_FOUND']);
    expect(await page.locator('chinwag-widget').count()).toBe(0);
    expect(
      await page.evaluate(() =>
        window.Chinwag!('open').then(
          () => 'opened',
          (e: { code: string }) => e.code,
        ),
      ),
    ).toBe('NOT_FOUND');
    expect(errors).toEqual([]);
  });

  it('shows on the demo shop served by chinwag serve', async () => {
    const { websiteKey } = await organization();
    const page = await (await newContext()).newPage();
    await page.goto(`${chinwagOrigin()}/widget/demo.html?key=${websiteKey}`);
    await openChat(page);
    await say(page, 'Hello from the demo');
    await expect.poll(() => widget(page).bubbles.count()).toBe(2);
    await screenshot(page, 'demo');
  });
});
