/**
 * The waiting queue as a visitor sees it (docs/routing.md): "You are #2 in line" while
 * two chats wait for an agent at capacity, moving up live as the agent resolves one, gone
 * once the agent has the visitor's chat (their name shows then), and in the visitor's
 * language; "· about 10 min" once the line has a pace (chats answered in the last 30
 * minutes), scaled as the visitor moves up.
 */
import WebSocket from 'ws';
import { createVisitorClient, memoryStorage, type VisitorClient } from '@chinwag/sdk';
import { describe, expect, it } from 'vitest';
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
  useBrowser,
  widget,
} from './fixture.js';

useBrowser();

describe('the queue position', () => {
  it('shows the place in line, follows it live, and gives way to the agent who takes the chat', async () => {
    const { owner, me, websiteKey } = await organization();
    // Round robin with room for one chat: Ann's first chat fills her.
    await owner.updateRoutingSettings({ assignment: 'ROUND_ROBIN', defaultCapacity: 1 });
    await owner.setAgentStatus('ONLINE');
    owner.inboxEvents({ event: () => {} }); // her live connection: she counts as online
    const others = [0, 1].map(() =>
      createVisitorClient({ url: chinwagUrl(), websiteKey, storage: memoryStorage(), webSocketImpl: WebSocket }),
    );
    try {
      const first = await others[0]!.startConversation('first');
      await until(
        async () => (await owner.conversations()).nodes.find((c) => c.id === first.id)?.assignee?.id === me.id,
        'the first chat to be Ann’s',
      );
      const second = await others[1]!.startConversation('second');

      // The visitor in the browser is third: two chats wait, theirs second.
      const page = await openShop(await newContext(), websiteKey);
      const { root, panel } = widget(page);
      const line = root.locator('.queue');
      const asks: string[] = [];
      page.on('request', (r) => void (r.postData()?.includes('query QueuePosition') && asks.push(r.postData()!)));
      const answered = page.waitForResponse((r) => !!r.request().postData()?.includes('query QueuePosition'));
      await openChat(page);
      await say(page, 'Is anyone there?');
      await expect.poll(() => line.textContent()).toBe('You are #2 in line');
      expect(await line.getAttribute('role')).toBe('status');
      // The line has no pace yet (no chat answered in the last 30 minutes): no estimate.
      expect((await (await answered).json()).data.conversation).toEqual({ queuePosition: 2, estimatedWaitSeconds: null });
      expect(await line.textContent()).toBe('You are #2 in line');
      await screenshot(page, 'widget-queue-second');
      // Asked once: the visitor's later messages change nothing in line.
      await say(page, 'Hello?');
      await say(page, 'Anyone?');
      await expect.poll(() => root.locator('.row.me time').count()).toBe(3);

      // Ann resolves her chat: the second one is hers, the visitor moves up, live.
      await owner.setConversationStatus(first.id, 'RESOLVED');
      await expect.poll(() => line.textContent()).toBe('You are #1 in line');
      expect(asks).toHaveLength(1);
      // And again: the visitor's chat is Ann's; the line is gone and her name shows.
      await until(
        async () => (await owner.conversations()).nodes.find((c) => c.id === second.id)?.assignee?.id === me.id,
        'the second chat to be Ann’s',
      );
      await owner.setConversationStatus(second.id, 'RESOLVED');
      await expect.poll(() => line.count()).toBe(0);
      const { nodes } = await owner.conversations({ filter: { status: ['OPEN'] } });
      const mine = nodes.find((c) => c.lastMessagePreview === 'Anyone?')!;
      expect(mine).toMatchObject({ assignee: { id: me.id }, routedBy: 'round robin', queuePosition: null });
      await owner.sendMessage(mine.id, 'Hello, Ann here!');
      await expect.poll(() => panel.locator('.row.them .who').last().textContent()).toBe('AAnn');
      await screenshot(page, 'widget-queue-assigned');
    } finally {
      others.forEach((c) => c.dispose());
    }
  });

  it('speaks the visitor’s language', async () => {
    const { owner, websiteKey } = await organization();
    // Nobody is online: the chat waits, first in line.
    await owner.updateRoutingSettings({ assignment: 'ROUND_ROBIN' });
    const page = await openShop(await newContext(), websiteKey, { lang: 'fr' });
    await openChat(page);
    await say(page, 'Bonjour');
    await expect.poll(() => widget(page).root.locator('.queue').textContent()).toBe('Vous êtes n° 1 dans la file d’attente');
  });

  it('adds the estimated wait once the line has a pace, in the visitor’s language, and scales it as the line moves', async () => {
    const { owner, websiteKey } = await organization();
    // Ann is away for now: every chat waits. Round robin with room for one chat.
    await owner.updateRoutingSettings({ assignment: 'ROUND_ROBIN', defaultCapacity: 1 });
    const visitors: VisitorClient[] = [];
    const chat = async (text: string) => {
      const v = createVisitorClient({ url: chinwagUrl(), websiteKey, storage: memoryStorage(), webSocketImpl: WebSocket });
      visitors.push(v);
      return (await v.startConversation(text)).id;
    };
    try {
      // Three chats answered in the last 30 minutes: one every 10 minutes.
      for (const text of ['one', 'two', 'three']) {
        const id = await chat(text);
        await owner.sendMessage(id, 'Hello!');
        await owner.setConversationStatus(id, 'RESOLVED');
      }
      /** A visitor in the browser who writes, and the line they then read. */
      const waiting = async (lang: string, text: string) => {
        const page = await openShop(await newContext(), websiteKey, { lang });
        await openChat(page);
        await say(page, text);
        return widget(page).root.locator('.queue');
      };
      const en = await waiting('en', 'Is anyone there?');
      await expect.poll(() => en.textContent()).toBe('You are #1 in line · about 10 min');
      const fr = await waiting('fr', 'Il y a quelqu’un ?');
      await expect.poll(() => fr.textContent()).toBe('Vous êtes n° 2 dans la file d’attente · environ 20 min');
      const es = await waiting('es', '¿Hay alguien?');
      await expect.poll(() => es.textContent()).toBe('Eres el n.º 3 en la cola · aprox. 30 min');
      for (let i = 4; i <= 11; i++) await chat(`waiting ${i}`);
      const last = await waiting('en', 'Hello?');
      // 12 × 10 minutes: in hours from two of them.
      await expect.poll(() => last.textContent()).toBe('You are #12 in line · about 2 h');

      // Ann is back: the first chat is hers, and everyone moves up, the estimate with them.
      await owner.setAgentStatus('ONLINE');
      owner.inboxEvents({ event: () => {} }); // her live connection: she counts as online
      await expect.poll(() => en.count()).toBe(0);
      await expect.poll(() => fr.textContent()).toBe('Vous êtes n° 1 dans la file d’attente · environ 10 min');
      await expect.poll(() => es.textContent()).toBe('Eres el n.º 2 en la cola · aprox. 20 min');
      await expect.poll(() => last.textContent()).toBe('You are #11 in line · about 110 min');
    } finally {
      visitors.forEach((v) => v.dispose());
    }
  });

  it('offers the reply by email from a 5-minute wait, and the team’s replies then go there too', async () => {
    const { owner, websiteKey } = await organization();
    // Ann is away: every chat waits. Round robin with room for one chat.
    await owner.updateRoutingSettings({ assignment: 'ROUND_ROBIN', defaultCapacity: 1 });
    const visitors: VisitorClient[] = [];
    try {
      // Eight chats answered in the last 30 minutes: a pace of 225 s, 4 min at place 1.
      for (let i = 1; i <= 8; i++) {
        const v = createVisitorClient({ url: chinwagUrl(), websiteKey, storage: memoryStorage(), webSocketImpl: WebSocket });
        visitors.push(v);
        const { id } = await v.startConversation(`chat ${i}`);
        await owner.sendMessage(id, 'Hello!');
        await owner.setConversationStatus(id, 'RESOLVED');
      }
      const waiting = async (text: string, options: Parameters<typeof newContext>[0] = {}) => {
        const page = await openShop(await newContext(options), websiteKey);
        await openChat(page);
        await say(page, text);
        return page;
      };
      // First in line, about 4 minutes: no offer.
      const first = await waiting('Is anyone there?');
      const line = widget(first).root.locator('.queue');
      await expect.poll(() => line.textContent()).toBe('You are #1 in line · about 4 min');
      expect(await widget(first).root.locator('.queue-mail').count()).toBe(0);

      // Second, about 8 minutes: the offer.
      const page = await waiting('Hello?');
      const { root, panel } = widget(page);
      await expect.poll(() => root.locator('.queue').textContent()).toBe('You are #2 in line · about 8 min');
      const offer = panel.getByRole('button', { name: 'Get the reply by email' });
      await screenshot(page, 'widget-queue-email-offer');
      await offer.click();
      const email = panel.getByLabel('Your email');
      await expect
        .poll(() => page.evaluate(() => document.querySelector('chinwag-widget')!.shadowRoot!.activeElement?.id))
        .toBe('cw-follow-up-email');
      // A wrong address is said under the field; nothing is sent.
      await email.fill('not an email');
      await panel.getByRole('button', { name: 'Email me the reply' }).click();
      await expect
        .poll(() => panel.locator('.field-error').textContent())
        .toBe('Please enter an email address, like name@example.com.');
      await email.fill('bea@example.com');
      await screenshot(page, 'widget-queue-email');
      expect(await axe(page)).toEqual([]);
      await panel.getByRole('button', { name: 'Email me the reply' }).click();
      const done = root.locator('.queue-mail[role="status"]');
      await expect.poll(() => done.textContent()).toBe('We’ll also email you at bea@example.com.');
      // Still in line.
      expect(await root.locator('.queue').textContent()).toBe('You are #2 in line · about 8 min');
      await screenshot(page, 'widget-queue-email-sent');

      // The team sees it: the conversation is answered by email, the visitor has the address.
      const { nodes } = await owner.conversations({ filter: { status: ['OPEN'] } });
      const mine = nodes.find((c) => c.lastMessagePreview === 'Hello?')!;
      const { conversation } = await owner.request<{ conversation: { isOffline: boolean; visitor: { email: string | null } } }>(
        'query($id: ID!) { conversation(id: $id) { isOffline visitor { email } } }',
        { id: mine.id },
      );
      expect(conversation).toEqual({ isOffline: true, visitor: { email: 'bea@example.com' } });
      const other = nodes.find((c) => c.lastMessagePreview === 'Is anyone there?')!;
      const { conversation: firstOne } = await owner.request<{ conversation: { isOffline: boolean } }>(
        'query($id: ID!) { conversation(id: $id) { isOffline } }',
        { id: other.id },
      );
      expect(firstOne.isOffline).toBe(false);

      // On a phone, in French.
      const phone = await openShop(
        await newContext({ viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true }),
        websiteKey,
        {
          lang: 'fr',
        },
      );
      await openChat(phone);
      await say(phone, 'Bonjour');
      await widget(phone).panel.getByRole('button', { name: 'Recevoir la réponse par e-mail' }).click();
      await widget(phone).panel.getByLabel('Votre e-mail').waitFor();
      await screenshot(phone, 'widget-queue-email-phone');
    } finally {
      visitors.forEach((v) => v.dispose());
    }
  });
});
