/**
 * A visitor on a customer's page chats with an agent who answers through the public API
 * (`@chinwag/sdk` in Node): privacy before the chat is used, live messages, typing and
 * "seen" both ways, safe links, the unread badge and sound, a returning visitor, the
 * rating prompt and several conversations.
 */
import type { AgentClient } from '@chinwag/sdk';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { listen, newContext, openChat, openShop, organization, say, shopUrl, until, useBrowser, widget } from './fixture.js';

useBrowser();

/** The conversation the visitor started, opened live on the agent's side. */
async function agentSide(owner: AgentClient) {
  let id: string | undefined;
  await until(async () => !!(id = (await owner.conversations({ first: 1 })).nodes[0]?.id), 'the conversation in the inbox');
  const conversation = owner.openConversation(id!);
  await until(() => !conversation.state.loading, 'the agent to load the conversation');
  return conversation;
}

/** Counts the new-message sounds the page plays (the oscillators it starts). */
async function countSounds(page: Page) {
  await page.addInitScript(() => {
    const w = window as unknown as { sounds: number };
    w.sounds = 0;
    const create = AudioContext.prototype.createOscillator;
    AudioContext.prototype.createOscillator = function (this: AudioContext) {
      w.sounds++;
      return create.call(this);
    };
  });
}
const sounds = (page: Page) => page.evaluate(() => (window as unknown as { sounds: number }).sounds);

/**
 * Resolves once the page's live connection delivers a message: the first visit's
 * subscriptions, which start with the visitor's first message, are in place.
 */
async function followed(page: Page): Promise<void> {
  const socket = await page.waitForEvent('websocket');
  await socket.waitForEvent('framereceived', { predicate: (f) => String(f.payload).includes('"MessageAdded"') });
}

/** A promise and what settles it. */
function gate() {
  let open = () => {};
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

/**
 * Slows down the core's reads of the visitor's conversations (the unread counts) as a
 * busy network would, each step when its gate opens: `run`, the server reads (`read`
 * opens once it has), `answer`, the page gets the answer. The visitor's read receipts
 * wait for `receipts`. Every gate but `read` starts open unless `hold` names it.
 */
async function slowCounts(page: Page, hold: ('run' | 'answer' | 'receipts')[]) {
  const gates = { run: gate(), read: gate(), answer: gate(), receipts: gate() };
  for (const name of ['run', 'answer', 'receipts'] as const) if (!hold.includes(name)) gates[name].open();
  await page.route(
    (url) => url.pathname === '/graphql',
    async (route) => {
      const body = route.request().postData() ?? '';
      if (body.includes('mutation MarkRead')) await gates.receipts.opened;
      if (!body.includes('query VisitorConversations')) return route.continue();
      await gates.run.opened;
      const response = await route.fetch();
      gates.read.open();
      await gates.answer.opened;
      await route.fulfill({ response });
    },
  );
  return {
    ...gates,
    /** Lets the answer through; resolves once the page has it. */
    answered() {
      const got = page.waitForResponse((r) => !!r.request().postData()?.includes('query VisitorConversations'));
      gates.answer.open();
      return got;
    },
  };
}

describe('the widget on a customer page', () => {
  it('stores nothing and starts no session for a first-time visitor until they write', async () => {
    const { owner, websiteKey } = await organization();
    const context = await newContext();
    const page = await context.newPage();
    const calls: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/graphql')) calls.push(`${r.method()} ${r.postData() ?? decodeURIComponent(r.url())}`);
    });
    const { launcher, panel, bubbles } = widget(page);
    await page.goto(shopUrl(websiteKey));
    await launcher.waitFor();
    await page.waitForLoadState('networkidle');
    const stored = () =>
      page.evaluate(() => ({ local: localStorage.length, session: sessionStorage.length, cookies: document.cookie }));

    // The page view: the public configuration only (a GET, no preflight), nothing stored.
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatch(/^GET .*query WidgetConfig/);
    expect(await stored()).toEqual({ local: 0, session: 0, cookies: '' });
    expect(await context.cookies()).toEqual([]);

    // Opening the chat shows the greeting and still creates nothing.
    await openChat(page);
    await expect.poll(() => panel.isVisible()).toBe(true);
    expect(await bubbles.first().textContent()).toBe('Hi! How can we help?');
    expect(calls.some((c) => c.includes('startVisitorSession'))).toBe(false);
    expect(await stored()).toEqual({ local: 0, session: 0, cookies: '' });

    // The first message starts the session, stored where the loader looks for it.
    await say(page, 'Hello!');
    await expect.poll(() => page.evaluate((k) => !!localStorage.getItem(`chinwag:visitor:${k}`), websiteKey)).toBe(true);
    expect(calls.filter((c) => c.includes('startVisitorSession'))).toHaveLength(1);
    await expect.poll(() => widget(page).root.locator('.row.me .meta time').count()).toBe(1);

    // With a session, and only then, the team sees the page the visitor is on.
    const pages = async () => {
      const { conversations } = await owner.request<{
        conversations: {
          nodes: { visitor: { currentUrl: string | null; pageViews: { url: string; title: string | null }[] } }[];
        };
      }>('{ conversations(first: 1) { nodes { visitor { currentUrl pageViews(first: 5) { url title } } } } }');
      return conversations.nodes[0]?.visitor;
    };
    await until(async () => !!(await pages())?.currentUrl, 'the page view');
    expect(await pages()).toEqual({ currentUrl: page.url(), pageViews: [{ url: page.url(), title: 'Test shop' }] });
    expect(calls.filter((c) => c.includes('trackPageView'))).toHaveLength(1);
  });

  it('chats live with an agent: typing and "seen" both ways, links made safe', async () => {
    const { owner, websiteKey } = await organization();
    const page = await openShop(await newContext(), websiteKey);
    const { root, messages, typing } = widget(page);
    await openChat(page);
    await say(page, 'Do you ship to Norway?');

    const agent = await agentSide(owner);
    expect(agent.state.messages.map((m) => m.body)).toEqual(['Do you ship to Norway?']);
    await until(() => owner.connectionState() === 'online', 'the agent connection');

    // The agent types: the visitor sees it. (Typing is not replayed: until the visitor's
    // stream is listening, it is said again.)
    await expect
      .poll(async () => (await owner.setTyping(agent.id, true), typing.textContent()), { interval: 250 })
      .toBe('Acme shop is typing…');
    // The visitor types: the agent sees it.
    await widget(page).composer.fill('Also to Sweden');
    await until(() => agent.state.typing.some((t) => t.senderKind === 'VISITOR' && t.isTyping), 'the visitor typing');

    // The agent answers with a link and some markup: links open safely, markup stays text.
    await agent.send('Yes! See https://example.com/shipping. <img src=x onerror="window.pwned=1"> javascript:alert(1)');
    await expect.poll(() => messages.count()).toBe(3);
    await expect.poll(() => typing.textContent()).toBe('');
    const link = root.locator('.row.them a');
    expect(await link.count()).toBe(1);
    expect(await link.getAttribute('href')).toBe('https://example.com/shipping');
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await link.getAttribute('rel')).toContain('noopener');
    expect(await root.locator('.log img').count()).toBe(0);
    expect(await messages.nth(2).locator('.bubble').textContent()).toContain(
      '<img src=x onerror="window.pwned=1"> javascript:alert(1)',
    );
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();

    // The visitor has the reply on screen: the agent sees it read.
    const reply = agent.state.messages[1]!;
    await until(
      () => agent.state.readReceipts.some((r) => r.readerKind === 'VISITOR' && r.seq >= reply.seq),
      'the visitor read receipt',
    );

    // The agent reads the visitor's message: "Seen" under it.
    expect(await root.locator('.seen').count()).toBe(0);
    await agent.markRead();
    await expect.poll(() => root.locator('.row.me .seen').count()).toBe(1);
    expect(await root.locator('.row.me .seen').textContent()).toContain('Seen');

    // The visitor's draft, sent: one more message, in order.
    await widget(page).composer.press('Enter');
    await until(() => agent.state.messages.length === 3, 'the second visitor message');
    expect(agent.state.messages.map((m) => m.senderKind)).toEqual(['VISITOR', 'AGENT', 'VISITOR']);
    agent.close();
  });

  it('loads the new-message sound (an on-demand chunk) only for a visitor who needs it', async () => {
    const soundChunk = (paths: string[]) => paths.some((p) => /^\/widget\/sound-/.test(p));
    // A website each, so the agent's latest conversation is this visitor's.
    const visit = async (options: Record<string, string>) => {
      const { owner, websiteKey } = await organization();
      const page = await (await newContext()).newPage();
      const loaded: string[] = [];
      page.on('request', (r) => loaded.push(new URL(r.url()).pathname));
      await countSounds(page);
      await page.goto(shopUrl(websiteKey, options));
      await widget(page).launcher.waitFor();
      await openChat(page);
      await say(page, `Hello (${JSON.stringify(options)})`);
      return { page, loaded, agent: await agentSide(owner) };
    };

    // Reading along with the chat open: the reply makes no sound, and nothing is loaded for one.
    const { page, loaded, agent } = await visit({});
    await agent.send('Hello there!');
    await expect.poll(() => widget(page).bubbles.count()).toBe(3);
    expect(soundChunk(loaded)).toBe(false);
    // Closed: the next reply plays it, loading its chunk then.
    await page.keyboard.press('Escape');
    await agent.send('Still there?');
    await expect.poll(() => widget(page).badge.textContent()).toBe('1');
    await expect.poll(() => sounds(page)).toBeGreaterThanOrEqual(1);
    expect(soundChunk(loaded)).toBe(true);
    agent.close();

    // A website that turned the sound off: the badge counts, the chunk never comes.
    const quiet = await visit({ sound: 'off' });
    await quiet.page.keyboard.press('Escape');
    await quiet.agent.send('Hello there!');
    await expect.poll(() => widget(quiet.page).badge.textContent()).toBe('1');
    expect(await sounds(quiet.page)).toBe(0);
    expect(soundChunk(quiet.loaded)).toBe(false);
    quiet.agent.close();
  });

  it('shows unread messages on the launcher with a sound while closed, and again to a returning visitor', async () => {
    const { owner, websiteKey } = await organization();
    const context = await newContext();
    const page = await context.newPage();
    await countSounds(page);
    await page.goto(shopUrl(websiteKey));
    const { launcher, badge, panel, bubbles } = widget(page);
    await launcher.waitFor();
    const unread: number[] = await page.evaluate(() => {
      const seen: number[] = [];
      window.Chinwag!('on', 'unread', ({ count }) => seen.push(count));
      (window as unknown as { unread: number[] }).unread = seen;
      return seen;
    });
    expect(unread).toEqual([]);
    await openChat(page);
    const live = followed(page);
    await say(page, 'Is the grinder back in stock?');
    // The team writes once the page follows the conversation live (a reply that came
    // sooner would be counted from the server, without a sound).
    await live;
    const agent = await agentSide(owner);

    // Closed with Escape: focus back on the launcher.
    await page.keyboard.press('Escape');
    await expect.poll(() => panel.isVisible()).toBe(false);
    expect(await page.evaluate(() => document.querySelector('chinwag-widget')!.shadowRoot!.activeElement?.className)).toBe(
      'launcher',
    );

    await agent.send('Yes, since this morning.');
    await agent.send('Shall I reserve one?');
    await expect.poll(() => badge.textContent()).toBe('2');
    expect(await badge.isVisible()).toBe(true);
    expect(await launcher.getAttribute('aria-label')).toBe('Chat with us, 2 unread');
    expect(await sounds(page)).toBeGreaterThanOrEqual(1);
    expect(await page.evaluate(() => (window as unknown as { unread: number[] }).unread)).toEqual([1, 2]);

    // Opening reads them.
    await launcher.click();
    await expect.poll(() => badge.isVisible()).toBe(false);
    await expect.poll(() => bubbles.count()).toBe(4);
    await launcher.click();
    await agent.send('It is reserved for you.');
    await expect.poll(() => badge.textContent()).toBe('1');

    // A returning visitor (a new page, the same browser): the badge comes with the live
    // connection once the page is idle, before the chat is opened; the history is kept.
    const again = await context.newPage();
    const loaded: string[] = [];
    again.on('request', (r) => loaded.push(new URL(r.url()).pathname));
    await again.goto(shopUrl(websiteKey));
    await expect.poll(() => widget(again).badge.textContent()).toBe('1');
    // (Their core has the live connection built in: it is needed at once.)
    expect(loaded.some((p) => /^\/widget\/returning-/.test(p))).toBe(true);
    expect(loaded.some((p) => /^\/widget\/core-/.test(p))).toBe(false);
    expect(loaded.some((p) => /^\/widget\/panel-/.test(p))).toBe(false);
    await openChat(again);
    // Ann's first reply made the chat hers: her name shows with her messages.
    await expect
      .poll(() => widget(again).bubbles.allTextContents())
      .toEqual([
        'Hi! How can we help?',
        'You: Is the grinder back in stock?',
        'Ann: Yes, since this morning.',
        'Ann: Shall I reserve one?',
        'Ann: It is reserved for you.',
      ]);
    await expect.poll(() => widget(again).badge.isVisible()).toBe(false);
    agent.close();
  });

  it('keeps the newer unread count when live messages overtake a read of the counts', async () => {
    const { owner, websiteKey } = await organization();
    const page = await openShop(await newContext(), websiteKey);
    const slow = await slowCounts(page, ['answer']);
    await openChat(page);
    await say(page, 'Is the grinder back in stock?');
    // The live connection is up: the counts were read (none unread), the answer is late.
    await slow.read.opened;
    const agent = await agentSide(owner);
    await page.keyboard.press('Escape');
    await agent.send('Yes, since this morning.');
    await agent.send('Shall I reserve one?');
    await expect.poll(() => widget(page).badge.textContent()).toBe('2');
    await slow.answered();
    // The late answer said 0; the live count, newer, stays and goes on.
    await agent.send('It is reserved for you.');
    await expect.poll(() => widget(page).badge.textContent()).toBe('3');
    agent.close();
  });

  it('does not count again what the visitor read while a read of the counts was on its way', async () => {
    const { owner, websiteKey } = await organization();
    const page = await openShop(await newContext(), websiteKey);
    const slow = await slowCounts(page, ['run', 'answer', 'receipts']);
    const heard = await listen(page, 'message');
    await openChat(page);
    await say(page, 'Is the grinder back in stock?');
    const agent = await agentSide(owner);
    await agent.send('Yes, since this morning.');
    // Shown, and heard by the core, which counts: nothing unread, the chat is open.
    await expect.poll(() => widget(page).bubbles.count()).toBe(3);
    await expect.poll(async () => (await heard()).map((m) => m.body)).toEqual(['Yes, since this morning.']);
    // Read on the page; the server reads the counts before it has the visitor's receipt.
    slow.run.open();
    await slow.read.opened;
    await page.keyboard.press('Escape');
    await slow.answered();
    slow.receipts.open();
    // The answer said 1 unread, of the same messages the page has seen read: 0 stays.
    await agent.send('Still there?');
    await expect.poll(() => widget(page).badge.textContent()).toBe('1');
    agent.close();
  });

  it('counts a reply the server stored after the read of the counts, before the live subscription', async () => {
    const { owner, websiteKey } = await organization();
    const page = await openShop(await newContext(), websiteKey);
    const slow = await slowCounts(page, []);
    // The socket's subscriptions reach the server late (the read of the counts, at the
    // socket's acknowledgement, does not wait for them).
    const subscribe = gate();
    await page.routeWebSocket(
      (url) => url.pathname === '/graphql',
      (ws) => {
        const server = ws.connectToServer();
        ws.onMessage(async (m) => {
          if (String(m).includes('"subscribe"')) await subscribe.opened;
          server.send(m);
        });
      },
    );
    await openChat(page);
    await say(page, 'Is the grinder back in stock?');
    await page.keyboard.press('Escape');
    await slow.read.opened;
    const agent = await agentSide(owner);
    await agent.send('Yes, since this morning.');
    subscribe.open();
    await expect.poll(() => widget(page).badge.textContent()).toBe('1');
    agent.close();
  });

  it('asks for a rating when the agent resolves the conversation', async () => {
    const { owner, websiteKey } = await organization();
    const page = await openShop(await newContext(), websiteKey);
    const { root } = widget(page);
    await openChat(page);
    await say(page, 'Thanks, that is all.');
    const agent = await agentSide(owner);
    await agent.send('Glad to help!');
    // The reply on screen: the visitor's stream is live (status changes are not replayed).
    await expect.poll(() => widget(page).bubbles.count()).toBe(3);
    await owner.setConversationStatus(agent.id, 'RESOLVED');

    const stars = root.locator('.rating .stars button');
    await expect.poll(() => stars.count()).toBe(5);
    expect(await root.locator('.rating').textContent()).toContain('How was this conversation?');
    await stars.nth(3).click();
    expect(await stars.nth(3).getAttribute('aria-pressed')).toBe('true');
    expect(await stars.nth(3).getAttribute('aria-label')).toBe('4 out of 5');
    await root.locator('.rating textarea').fill('Quick and kind');
    await root.locator('.rating button[type=submit]').click();
    await until(() => agent.state.conversation?.rating === 4, 'the rating to reach the agent');
    expect(agent.state.conversation?.ratingComment).toBe('Quick and kind');
    await expect.poll(() => root.locator('.resolved').textContent()).toContain('You rated this conversation 4 out of 5.');
    agent.close();
  });

  it('lists past conversations and starts a new one', async () => {
    const { owner, websiteKey } = await organization();
    const page = await openShop(await newContext(), websiteKey);
    const { root, bubbles } = widget(page);
    await openChat(page);
    await say(page, 'First question');
    const first = await agentSide(owner);
    await first.send('First answer');
    await expect.poll(() => bubbles.count()).toBe(3);
    await owner.setConversationStatus(first.id, 'RESOLVED');
    await expect.poll(() => root.locator('.resolved').count()).toBe(1);

    // "New conversation" from the resolved one.
    await root.getByRole('button', { name: 'New conversation' }).click();
    await expect.poll(() => bubbles.allTextContents()).toEqual(['Hi! How can we help?']);
    await say(page, 'Second question');
    await until(async () => (await owner.conversations({ first: 5 })).nodes.length === 2, 'the second conversation');

    // The list has both, newest first; opening the first shows its history.
    await root.getByRole('button', { name: 'Show your conversations' }).click();
    const items = root.locator('.list .item');
    await expect.poll(() => items.count()).toBe(2);
    expect(await items.nth(0).locator('.preview').textContent()).toBe('Second question');
    expect(await items.nth(1).textContent()).toContain('Resolved');
    await items.nth(1).click();
    // The answer made the chat Ann's: her name shows.
    await expect
      .poll(() => bubbles.allTextContents())
      .toEqual(['Hi! How can we help?', 'You: First question', 'Ann: First answer']);
    first.close();
  });

  it('pages back through a long conversation, and shows who is online', async () => {
    const { owner, websiteKey } = await organization();
    const page = await openShop(await newContext(), websiteKey);
    const { root, bubbles } = widget(page);
    await openChat(page);
    expect(await root.locator('#cw-status').textContent()).toBe('We will reply as soon as we can');
    await say(page, 'Tell me everything');
    const agent = await agentSide(owner);
    for (let i = 1; i <= 60; i++) await owner.sendMessage(agent.id, `Fact ${i}`);
    await owner.setAgentStatus('ONLINE'); // and the agent has a live socket: online

    // A returning visitor loads the latest 50, then the rest on demand.
    const again = await openShop(page.context(), websiteKey);
    await openChat(again);
    const all = widget(again).bubbles;
    await expect.poll(() => all.count()).toBe(51); // the greeting and 50 messages
    expect(await widget(again).root.locator('#cw-status').textContent()).toBe('We are online');
    await widget(again).root.getByRole('button', { name: 'Show earlier messages' }).click();
    await expect.poll(() => all.count()).toBe(62);
    expect(await all.nth(1).textContent()).toBe('You: Tell me everything');
    expect(await widget(again).root.getByRole('button', { name: 'Show earlier messages' }).count()).toBe(0);
    expect(await bubbles.count()).toBeGreaterThan(1);
    agent.close();
  });

  it('opens to a chat the visitor can type in and send from, on a first visit and when they return', async () => {
    // How fast it opens is measured by `npm run bench:open` (docs/benchmarks.md), not here.
    const { websiteKey } = await organization();
    const context = await newContext();
    // The second time, the page loads with the session the first message started.
    for (const text of ['Hello', 'Hello again']) {
      const page = await openShop(context, websiteKey);
      const { panel, composer, root } = widget(page);
      await openChat(page); // the composer has the focus
      expect(await panel.isVisible()).toBe(true);
      await page.keyboard.type(text);
      expect(await composer.inputValue()).toBe(text);
      await page.keyboard.press('Enter');
      await expect.poll(() => root.locator('.row.me').last().textContent()).toContain(text);
      await expect.poll(() => root.locator('.row.me').last().locator('time').count()).toBe(1); // stored
      expect(await composer.inputValue()).toBe('');
    }
  });
});
