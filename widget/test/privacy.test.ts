/**
 * The panel's privacy line against a real server: the website's privacy policy link
 * (only when set), and "Delete my conversations" where the website allows it: the
 * confirmation, the erasure as the team sees it, the old token refused, the session
 * forgotten and the chat back at its start. Screenshots of the line and the
 * confirmation (desktop and phone) go to test-results/.
 */
import type { AgentClient } from '@chinwag/sdk';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { WidgetEvents } from '../src/api.js';
import {
  axe,
  chinwagUrl,
  newContext,
  openChat,
  openShop,
  organization,
  say,
  screenshot,
  until,
  updateWebsite,
  useBrowser,
  widget,
} from './fixture.js';

useBrowser();

const POLICY = 'https://shop.example/privacy';

/** The element focused inside the widget's shadow root: its tag and text. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const el = document.querySelector('chinwag-widget')?.shadowRoot?.activeElement;
    return el ? `${el.tagName.toLowerCase()}: ${el.textContent}` : 'none';
  });

/** The session the widget stored for `key` (its token), or null. */
const session = (page: Page, key: string) =>
  page.evaluate((k) => JSON.parse(localStorage.getItem(`chinwag:visitor:${k}`) ?? 'null') as { token: string } | null, key);

/** The organization's conversations, newest first, with their visitor and messages as the team sees them. */
async function inbox(owner: AgentClient) {
  const { conversations } = await owner.request<{
    conversations: {
      nodes: {
        id: string;
        visitor: { id: string; name: string | null; email: string | null };
        messages: { nodes: { body: string; senderKind: string }[] };
      }[];
    };
  }>('{ conversations(first: 5) { nodes { id visitor { id name email } messages { nodes { body senderKind } } } } }');
  return conversations.nodes;
}

/** Opens the chat as a visitor who gave their name and email, and has one exchange with the team. */
async function chatted(page: Page, owner: AgentClient) {
  await page.evaluate(() => window.Chinwag!('identify', { name: 'Dee', email: 'dee@example.com' }));
  await openChat(page);
  await say(page, 'Please forget me');
  await until(async () => (await inbox(owner)).length === 1, 'the conversation');
  const [conversation] = await inbox(owner);
  await owner.sendMessage(conversation!.id, 'Of course.');
  await expect.poll(() => widget(page).bubbles.count()).toBe(3);
  return conversation!;
}

describe('the privacy line', () => {
  it('links the privacy policy in a new tab only when the website has one, and offers no deletion unless it allows it', async () => {
    const { owner, websiteId, websiteKey } = await organization();
    const page = await openShop(await newContext(), websiteKey);
    const foot = widget(page).root.locator('.foot');
    const link = foot.getByRole('link');
    await openChat(page);
    expect(await link.count()).toBe(0);

    // Set while the page is open: the panel reads the configuration again when it opens.
    await updateWebsite(owner, websiteId, { privacyPolicyUrl: POLICY });
    await page.keyboard.press('Escape');
    await openChat(page);
    await expect.poll(() => link.count()).toBe(1);
    expect(await link.textContent()).toBe('Privacy policy');
    expect(await link.getAttribute('href')).toBe(POLICY);
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer');

    // A visitor with a session and a conversation: still nothing to delete here.
    await say(page, 'Hello');
    await until(async () => (await inbox(owner)).length === 1, 'the conversation');
    await expect.poll(() => foot.getByRole('button').allTextContents()).toEqual(['Email me the transcript']);
    expect(await foot.textContent()).toBe('Email me the transcriptPrivacy policyPowered by Chinwag');
    expect(await axe(page)).toEqual([]);
    await screenshot(page, 'privacy-line');

    await page.evaluate(() => window.Chinwag!('setLocale', 'fr'));
    await expect.poll(() => link.textContent()).toBe('Politique de confidentialité');
    await page.evaluate(() => window.Chinwag!('setLocale', 'es'));
    await expect.poll(() => link.textContent()).toBe('Política de privacidad');

    // An empty string removes it.
    await updateWebsite(owner, websiteId, { privacyPolicyUrl: '' });
    await page.keyboard.press('Escape');
    await openChat(page);
    await expect.poll(() => link.count()).toBe(0);
  });

  it('lets a visitor delete their conversations where the website allows it, and starts the chat over', async () => {
    const { owner, websiteId, websiteKey } = await organization();
    await updateWebsite(owner, websiteId, { visitorDeletion: true, privacyPolicyUrl: POLICY });
    const page = await openShop(await newContext(), websiteKey);
    const { root, bubbles } = widget(page);
    const foot = root.locator('.foot');
    const action = foot.getByRole('button', { name: 'Delete my conversations' });
    const identified = await page.evaluateHandle(() => {
      const seen: WidgetEvents['identify'][] = [];
      window.Chinwag!('on', 'identify', (e) => seen.push(e));
      return seen;
    });

    // A first-time visitor has nothing to delete.
    await openChat(page);
    expect(await action.count()).toBe(0);
    await page.keyboard.press('Escape');

    const before = await chatted(page, owner);
    const { token } = (await session(page, websiteKey))!;
    await identified.evaluate((seen) => seen.splice(0));

    // The confirmation says what goes, and that it is for good; Escape closes only it.
    await action.click();
    const confirm = root.getByRole('group', { name: /cannot be undone/ });
    await expect.poll(() => confirm.count()).toBe(1);
    expect(await action.getAttribute('aria-expanded')).toBe('true');
    await expect
      .poll(() => focused(page))
      .toBe('p: Delete all your conversations and the details you gave us? This cannot be undone.');
    expect(await axe(page)).toEqual([]);
    await screenshot(page, 'delete-confirm');
    await page.keyboard.press('Escape');
    expect(await confirm.count()).toBe(0);
    expect(await widget(page).panel.isVisible()).toBe(true);
    expect(await focused(page)).toBe('button: Delete my conversations');
    await action.click();
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    expect(await confirm.count()).toBe(0);

    await action.click();
    await confirm.getByRole('button', { name: 'Delete', exact: true }).click();
    // The chat starts over, empty, says what happened, and the session is forgotten as
    // identify(null) forgets it.
    const notice = root.locator('.note[role=status]');
    await expect.poll(() => notice.textContent()).toBe('Your conversations were deleted.');
    expect(await bubbles.allTextContents()).toEqual(['Hi! How can we help?']);
    await expect.poll(() => focused(page)).toBe('p: Your conversations were deleted.');
    expect(await session(page, websiteKey)).toBeNull();
    expect(await page.evaluate((k) => localStorage.getItem(`chinwag:visitor:${k}:talked`), websiteKey)).toBe('');
    expect(await identified.evaluate((seen) => seen)).toEqual([{ visitorId: null, userId: null }]);
    expect(await action.count()).toBe(0);
    expect(await foot.getByRole('link', { name: 'Privacy policy' }).count()).toBe(1);
    expect(await axe(page)).toEqual([]);
    await screenshot(page, 'deleted');

    // The team keeps its own messages; the visitor's, and their name and email, are gone.
    await until(async () => {
      const [c] = await inbox(owner);
      return c!.visitor.email === null && c!.messages.nodes.length === 1;
    }, 'the erasure');
    const [erased] = await inbox(owner);
    expect(erased).toMatchObject({
      id: before.id,
      visitor: { name: null, email: null },
      messages: { nodes: [{ body: 'Of course.', senderKind: 'AGENT' }] },
    });
    // The old token no longer works.
    const refused = await fetch(chinwagUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ currentVisitor { id } }' }),
    }).then((r) => r.json() as Promise<{ errors?: { extensions?: { code?: string } }[] }>);
    expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    // A new message is a new visitor's first.
    await say(page, 'Hello again');
    await until(async () => (await inbox(owner)).length === 2, 'the new conversation');
    const [fresh] = await inbox(owner);
    expect(fresh!.visitor.id).not.toBe(before.visitor.id);
    expect(fresh!.messages.nodes.map((m) => m.body)).toEqual(['Hello again']);
    await expect.poll(() => notice.count()).toBe(0);
    expect((await session(page, websiteKey))!.token).not.toBe(token);
  });

  it('fits a phone, in French, and says so when the website has stopped allowing it', async () => {
    const { owner, websiteId, websiteKey } = await organization();
    await updateWebsite(owner, websiteId, { visitorDeletion: true, privacyPolicyUrl: POLICY });
    const context = await newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      deviceScaleFactor: 2,
    });
    const page = await openShop(context, websiteKey, { lang: 'fr' });
    const { root } = widget(page);
    await chatted(page, owner);
    const action = root.locator('.foot').getByRole('button', { name: 'Supprimer mes conversations' });
    await action.click();
    const confirm = root.getByRole('group', { name: /irréversible/ });
    await expect.poll(() => confirm.count()).toBe(1);
    // Everything in the footer is on screen, none of it cut or wider than the phone.
    for (const el of await root.locator('.foot a, .foot button, .foot .powered, .confirm').all()) {
      const box = (await el.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(390);
      expect(box.y + box.height).toBeLessThanOrEqual(844);
    }
    expect(await axe(page)).toEqual([]);
    await screenshot(page, 'delete-confirm-phone');

    // Switched off meanwhile: the server refuses, the widget says so and keeps the session.
    await updateWebsite(owner, websiteId, { visitorDeletion: false });
    await confirm.getByRole('button', { name: 'Supprimer', exact: true }).click();
    await expect
      .poll(() => confirm.getByRole('alert').textContent())
      .toBe('Vos conversations n’ont pas pu être supprimées. Veuillez réessayer.');
    expect(await session(page, websiteKey)).not.toBeNull();
    expect(await widget(page).bubbles.count()).toBe(3);
  });
});
