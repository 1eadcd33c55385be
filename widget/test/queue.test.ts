/**
 * The waiting queue as a visitor sees it (docs/routing.md): "You are #2 in line" while
 * two chats wait for an agent at capacity, moving up live as the agent resolves one, gone
 * once the agent has the visitor's chat (their name shows then), and in the visitor's
 * language.
 */
import WebSocket from 'ws';
import { createVisitorClient, memoryStorage } from '@chinwag/sdk';
import { describe, expect, it } from 'vitest';
import {
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
      await openChat(page);
      await say(page, 'Is anyone there?');
      await expect.poll(() => line.textContent()).toBe('You are #2 in line');
      expect(await line.getAttribute('role')).toBe('status');
      await screenshot(page, 'widget-queue-second');

      // Ann resolves her chat: the second one is hers, the visitor moves up, live.
      await owner.setConversationStatus(first.id, 'RESOLVED');
      await expect.poll(() => line.textContent()).toBe('You are #1 in line');
      // And again: the visitor's chat is Ann's; the line is gone and her name shows.
      await until(
        async () => (await owner.conversations()).nodes.find((c) => c.id === second.id)?.assignee?.id === me.id,
        'the second chat to be Ann’s',
      );
      await owner.setConversationStatus(second.id, 'RESOLVED');
      await expect.poll(() => line.count()).toBe(0);
      const { nodes } = await owner.conversations({ filter: { status: ['OPEN'] } });
      const mine = nodes.find((c) => c.lastMessagePreview === 'Is anyone there?')!;
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
});
