/**
 * `Chinwag('set', ...)`: attributes set before the visitor writes stay in the page and go
 * with the session's start; once there is a session they are sent at once; bad ones
 * reject and fire `error`. And the `send` event, once for each message the server took.
 */
import type { AgentClient } from '@chinwag/sdk';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Attributes } from '../src/api.js';
import { command, listen, newContext, openChat, openShop, organization, say, until, useBrowser, widget } from './fixture.js';

useBrowser();

const set = (page: Page, attributes: Attributes) => command(page, 'set', attributes);

/** The id of the organization's only conversation, once the visitor has written. */
async function conversationId(owner: AgentClient): Promise<string> {
  let id = '';
  await until(async () => !!(id = (await owner.conversations({ first: 1 })).nodes[0]?.id ?? ''), 'the conversation');
  return id;
}

/** The visitor's attributes as an agent sees them, as `key=value` (`!` marks the site server's). */
async function attributes(owner: AgentClient, id: string): Promise<string[]> {
  const { conversation } = await owner.request<{
    conversation: { visitor: { attributes: { key: string; value: string; fromServer: boolean }[] } };
  }>('query($id: ID!) { conversation(id: $id) { visitor { attributes { key value fromServer } } } }', { id });
  return conversation.visitor.attributes.map((a) => `${a.fromServer ? '!' : ''}${a.key}=${a.value}`);
}

describe("Chinwag('set')", () => {
  it('keeps attributes in the page until the visitor writes, then sends them with the session; later ones at once', async () => {
    const { owner, websiteKey } = await organization();
    const page = await openShop(await newContext(), websiteKey);
    const graphql: string[] = [];
    page.on('request', (r) => r.url().includes('/graphql') && graphql.push(r.postData() ?? ''));

    expect(await set(page, { plan: 'pro', cartTotal: 42, vip: true, coupon: 'SPRING' })).toBe('ok');
    // Later calls add to them; null removes.
    expect(await set(page, { cartTotal: 43.5, coupon: null })).toBe('ok');
    // No session, nothing stored, nothing sent.
    expect(graphql).toEqual([]);
    expect(await page.evaluate(() => Object.keys(localStorage))).toEqual([]);

    await openChat(page);
    await say(page, 'Is the grinder back in stock?');
    const id = await conversationId(owner);
    expect(graphql.filter((q) => q.includes('startVisitorSession'))).toHaveLength(1);
    expect(await attributes(owner, id)).toEqual(['cartTotal=43.5', 'plan=pro', 'vip=true']);

    // With a session: at once, and only what changed.
    expect(await set(page, { plan: 'business', vip: null })).toBe('ok');
    expect(await attributes(owner, id)).toEqual(['cartTotal=43.5', 'plan=business']);
    expect(graphql.filter((q) => q.includes('startVisitorSession'))).toHaveLength(1);
  });

  it('refuses a bad key or value, or too many, with an error event, and keeps what it had', async () => {
    const { owner, websiteKey } = await organization();
    const page = await openShop(await newContext(), websiteKey);
    const errors = await listen(page, 'error');
    const codes = async () => (await errors()).map((e) => e.code);

    expect(await set(page, { plan: 'pro' })).toBe('ok');
    expect(await set(page, { 'not a key': 'x', plan: 'free' })).toBe('BAD_USER_INPUT');
    expect(await codes()).toEqual(['BAD_USER_INPUT']);
    expect(await set(page, { note: 'x'.repeat(501) })).toBe('BAD_USER_INPUT');
    // The server's start takes 20 at most: more are refused before they could spoil it.
    const many = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, 'v']));
    expect(await set(page, many)).toBe('BAD_USER_INPUT');
    expect(await codes()).toEqual(['BAD_USER_INPUT', 'BAD_USER_INPUT', 'BAD_USER_INPUT']);

    // The chat works, with what was accepted.
    await openChat(page);
    await say(page, 'Hello');
    const id = await conversationId(owner);
    expect(await attributes(owner, id)).toEqual(['plan=pro']);

    // With a session the server says no (20 at once at most): the same code, the same event.
    expect(await set(page, { ...many, k20: 'v' })).toBe('BAD_USER_INPUT');
    expect(await set(page, { 'a.b': 'x' })).toBe('BAD_USER_INPUT');
    expect(await codes()).toHaveLength(5);
    expect(await attributes(owner, id)).toEqual(['plan=pro']);
  });
});

describe('the send event', () => {
  it('fires once for each message the server took, the first included, with its body', async () => {
    const { owner, websiteKey } = await organization();
    const page = await openShop(await newContext(), websiteKey);
    const sent = await listen(page, 'send');
    await openChat(page);
    await say(page, 'Is the grinder back in stock?');
    const id = await conversationId(owner);
    await say(page, 'The red one');
    await until(async () => (await owner.messages(id)).messages.length === 2, 'both messages');
    const expected = [
      { conversationId: id, body: 'Is the grinder back in stock?' },
      { conversationId: id, body: 'The red one' },
    ];
    await expect.poll(sent).toEqual(expected);
    // Once each: the live stream's copies of the same messages, which come before a reply
    // in it, fire nothing more; neither does the reply.
    await owner.sendMessage(id, 'Yes, since this morning.');
    await expect.poll(() => widget(page).bubbles.count()).toBe(4);
    expect(await sent()).toEqual(expected);
  });
});
