/**
 * `Chinwag('identify', ...)` with a user hash the server verifies: a good one makes the
 * customer's conversations follow them to another browser; a bad one is refused and
 * the visitor stays anonymous; `identify(null)` forgets the session.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { IdentifyUser } from '../src/api.js';
import {
  command,
  listen,
  mails,
  mailTo,
  newContext,
  openChat,
  openShop,
  organization,
  say,
  shopUrl,
  until,
  updateWebsite,
  userHash,
  useBrowser,
  widget,
} from './fixture.js';

useBrowser();

const identify = (page: Page, user: IdentifyUser | null) => command(page, 'identify', user);

describe('identity verification', () => {
  it('follows a verified customer to another browser, with their history', async () => {
    const { owner, websiteId, websiteKey } = await organization();
    const ada = {
      userId: 'customer-42',
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      userHash: await userHash(owner, websiteId, 'customer-42'),
    };

    // On the laptop: identify is queued by the stub before the script loads.
    const laptop = await openShop(await newContext(), websiteKey, { identify: JSON.stringify(ada) });
    await openChat(laptop);
    await say(laptop, 'Where is my order?');
    let conversationId = '';
    await until(
      async () => !!(conversationId = (await owner.conversations({ first: 1 })).nodes[0]?.id ?? ''),
      'the conversation',
    );
    const { nodes } = await owner.conversations({ first: 1 });
    expect(nodes[0]!.visitor).toMatchObject({ externalId: 'customer-42', name: 'Ada Lovelace', email: 'ada@example.com' });
    await owner.sendMessage(conversationId, 'It ships tomorrow.');

    // On the phone, a new browser: the same customer sees the same conversation.
    const phone = await openShop(await newContext(), websiteKey);
    expect(await identify(phone, ada)).toBe('ok');
    await openChat(phone);
    // The reply made the chat Ann's: her name shows.
    await expect
      .poll(() => widget(phone).bubbles.allTextContents())
      .toEqual(['Hi! How can we help?', 'You: Where is my order?', 'Ann: It ships tomorrow.']);

    // Signing out forgets the session: the next person starts afresh, and no session is
    // started for them until they write (the open panel must not reopen the old
    // conversation with the new client: that would start one for a new visitor).
    const started: string[] = [];
    phone.on('request', (r) => r.postData()?.includes('startVisitorSession') && started.push(r.url()));
    expect(await identify(phone, null)).toBe('ok');
    await expect.poll(() => widget(phone).bubbles.allTextContents()).toEqual(['Hi! How can we help?']);
    expect(await phone.evaluate((k) => localStorage.getItem(`chinwag:visitor:${k}`), websiteKey)).toBeNull();
    expect(started).toEqual([]);
  });

  it('refuses a bad hash and keeps the visitor anonymous', async () => {
    const { owner, websiteKey } = await organization();
    const page = await openShop(await newContext(), websiteKey);
    const errors = await listen(page, 'error');
    const forged = { userId: 'customer-42', name: 'Mallory', userHash: 'ab'.repeat(32) };
    expect(await identify(page, forged)).toBe('FORBIDDEN');
    expect((await errors()).map((e) => e.code)).toEqual(['FORBIDDEN']);
    expect(await identify(page, { userId: 'customer-42' })).toBe('BAD_USER_INPUT');

    // The chat still works, as an anonymous visitor.
    await openChat(page);
    await say(page, 'Hello');
    await until(async () => (await owner.conversations({ first: 1 })).nodes.length === 1, 'the conversation');
    const { nodes } = await owner.conversations({ first: 1 });
    expect(nodes[0]!.visitor.externalId).toBeNull();
    expect(nodes[0]!.visitor.name).toBeNull();
  });

  it('vouches for an email the site signs: the transcript goes to it without a confirmation link', async () => {
    const { owner, websiteId, websiteKey } = await organization();
    const page = await openShop(await newContext(), websiteKey);
    const kim = { userId: 'customer-8', email: 'kim@example.com', userHash: await userHash(owner, websiteId, 'customer-8') };
    // Computed like the user hash, over `email:` and the email, with the identity secret.
    expect(await identify(page, { ...kim, emailHash: 'ab'.repeat(32) })).toBe('FORBIDDEN');
    // A user hash over the bare email is no email hash.
    expect(await identify(page, { ...kim, emailHash: await userHash(owner, websiteId, kim.email) })).toBe('FORBIDDEN');
    expect(await identify(page, { ...kim, emailHash: await userHash(owner, websiteId, `email:${kim.email}`) })).toBe('ok');
    await openChat(page);
    await say(page, 'Please send me this chat');
    await until(async () => (await owner.conversations({ first: 1 })).nodes.length === 1, 'the conversation');
    const foot = widget(page).root.locator('.foot');
    await foot.getByRole('button', { name: 'Email me the transcript' }).click();
    await expect.poll(() => foot.locator('input').inputValue()).toBe('kim@example.com');
    await foot.getByRole('button', { name: 'Send', exact: true }).click();
    const mail = await mailTo('kim@example.com', 'Please send me this chat');
    expect(mail.subject).toBe('Your conversation with Acme shop');
    expect(mails().filter((m) => m.to.includes('kim@example.com'))).toEqual([mail]);
  });

  it('passes a name and email without a user id as unverified contact details', async () => {
    const { owner, websiteKey } = await organization();
    const page = await openShop(await newContext(), websiteKey);
    expect(await identify(page, { name: 'Vi', email: 'vi@example.com' })).toBe('ok');
    await openChat(page);
    await say(page, 'Hello');
    await until(async () => (await owner.conversations({ first: 1 })).nodes.length === 1, 'the conversation');
    const { nodes } = await owner.conversations({ first: 1 });
    expect(nodes[0]!.visitor).toMatchObject({ name: 'Vi', email: 'vi@example.com', externalId: null });
  });

  it('gives a customer without a conversation yet the first visit core: no live connection for the offline form', async () => {
    const { owner, websiteId, websiteKey } = await organization();
    await updateWebsite(owner, websiteId, { offlineMessages: true });
    const ada = { userId: 'customer-7', name: 'Ada', userHash: await userHash(owner, websiteId, 'customer-7') };
    const context = await newContext();
    const first = await openShop(context, websiteKey);
    expect(await identify(first, ada)).toBe('ok');
    const stored = (page: Page, suffix: string) =>
      page.evaluate((k) => localStorage.getItem(k), `chinwag:visitor:${websiteKey}${suffix}`);
    expect(await stored(first, '')).not.toBeNull();
    expect(await stored(first, ':talked')).toBeNull();

    // The next page, nobody available: a stored session, no conversation.
    const again = await context.newPage();
    const loaded: string[] = [];
    const sockets: string[] = [];
    again.on('request', (r) => loaded.push(new URL(r.url()).pathname));
    again.on('websocket', (ws) => sockets.push(ws.url()));
    await again.goto(shopUrl(websiteKey));
    await widget(again).launcher.click();
    await expect.poll(() => widget(again).root.locator('.card [name="email"]').count()).toBe(1);
    expect(loaded.some((p) => /^\/widget\/core-/.test(p))).toBe(true);
    expect(loaded.some((p) => /^\/widget\/returning-/.test(p))).toBe(false);
    expect(sockets).toEqual([]);
  });
});
