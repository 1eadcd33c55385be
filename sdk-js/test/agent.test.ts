import { describe, expect, it } from 'vitest';
import { AgentsDocument, type InboxEvent } from '../src/index.js';
import { agentClient, email, organization, until, visitorClient } from './helpers.js';

describe('the agent client', () => {
  it('logs in, pages the queue and filters it', async () => {
    const { owner, me, websiteKey } = await organization();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const v = visitorClient(websiteKey);
      ids.push((await v.startConversation(`question ${i}`)).id);
    }
    // A second client logs in with the same account.
    const again = agentClient();
    const who = await again.logIn(me.email, 'correct horse battery');
    expect(who.id).toBe(me.id);
    expect(again.session?.refreshToken).toEqual(expect.any(String));

    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await again.conversations({ first: 2, after });
      seen.push(...page.nodes.map((c) => c.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor!;
    }
    expect(seen).toEqual([...ids].reverse());

    await owner.setConversationStatus(ids[0]!, 'RESOLVED');
    const resolved = await owner.conversations({ filter: { status: ['RESOLVED'] } });
    expect(resolved.nodes.map((c) => c.id)).toEqual([ids[0]]);
    expect(resolved.nodes[0]!.visitor.id).toEqual(expect.any(String));
  });

  it('follows the inbox, assigns, sets status, writes notes the visitor never sees', async () => {
    const { owner, me, websiteKey } = await organization();
    const events: InboxEvent[] = [];
    owner.inboxEvents({ event: (e) => events.push(e) });
    await until(() => owner.connectionState() === 'online', 'the inbox stream');

    const chat = visitorClient(websiteKey);
    const { id } = await chat.startConversation('I need help');
    await until(() => events.some((e) => e.__typename === 'ConversationCreated'), 'ConversationCreated');
    await until(
      () => events.some((e) => e.__typename === 'InboxMessageAdded' && e.preview === 'I need help'),
      'InboxMessageAdded',
    );

    const assigned = await owner.assignConversation(id, { agentId: me.id });
    expect(assigned.assignee?.id).toBe(me.id);
    const pending = await owner.setConversationStatus(id, 'PENDING');
    expect(pending.status).toBe('PENDING');
    await until(
      () => events.some((e) => e.__typename === 'ConversationUpdated' && e.conversation.status === 'PENDING'),
      'the status update in the inbox',
    );

    const visitorSide = chat.openConversation(id);
    const agentSide = owner.openConversation(id);
    await until(() => !visitorSide.state.loading && !agentSide.state.loading, 'both sides to load');
    await until(() => chat.connectionState() === 'online', 'the visitor stream');
    const note = await owner.sendNote(id, 'VIP customer');
    expect(note.isPrivate).toBe(true);
    await agentSide.send('How can I help?');
    await until(() => visitorSide.state.messages.length === 2, 'the public reply');
    await until(() => agentSide.state.messages.length === 3, 'the agent to see the note');
    expect(visitorSide.state.messages.map((m) => m.body)).toEqual(['I need help', 'How can I help?']);
    expect(agentSide.state.messages.map((m) => m.body)).toEqual(['I need help', 'VIP customer', 'How can I help?']);
    expect(visitorSide.state.conversation?.assigneeName).toBe('Ann');
    const { messages } = await chat.messages(id);
    expect(messages.some((m) => m.isPrivate)).toBe(false);
    visitorSide.close();
    agentSide.close();
  });

  it('manages canned responses, agent status and the team', async () => {
    const { owner } = await organization();
    const created = await owner.createCannedResponse({ shortcut: '/ship', title: 'Shipping', body: 'We ship worldwide.' });
    expect(created.shortcut).toBe('ship');
    const updated = await owner.updateCannedResponse(created.id, { body: 'Free shipping over 50.' });
    expect(updated.body).toBe('Free shipping over 50.');
    expect((await owner.cannedResponses()).map((c) => c.body)).toEqual(['Free shipping over 50.']);
    expect(await owner.deleteCannedResponse(created.id)).toBe(true);
    expect(await owner.cannedResponses()).toEqual([]);

    const away = await owner.setAgentStatus('AWAY');
    expect(away.status).toBe('AWAY');
    expect((await owner.me()).status).toBe('AWAY');
    expect(await owner.agents()).toHaveLength(1);
    expect(await owner.departments()).toEqual([]);
    // The generic request, typed by the document.
    const { agents } = await owner.request(AgentsDocument);
    expect(agents[0]!.name).toBe('Ann');
    const raw = await owner.request<{ me: { email: string } }>('{ me { email } }');
    expect(raw.me.email).toMatch(/@example.com$/);
  });

  it('keeps the session in storage and signs out for good', async () => {
    const { me } = await organization();
    const items = new Map<string, string>();
    const storage = {
      getItem: (k: string) => items.get(k) ?? null,
      setItem: (k: string, v: string) => void items.set(k, v),
      removeItem: (k: string) => void items.delete(k),
    };
    const changes: Array<string | null> = [];
    const a = agentClient({ storage, onSessionChange: (s) => changes.push(s?.accessToken ?? null) });
    await a.logIn(me.email, 'correct horse battery');
    expect(items.size).toBe(1);
    // A second tab (or a reload) picks the session up from storage.
    const b = agentClient({ storage });
    expect((await b.me()).id).toBe(me.id);
    a.logOut();
    expect(items.size).toBe(0);
    expect(a.session).toBeNull();
    expect(changes.at(-1)).toBeNull();
    await expect(a.me()).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('acts as a bot with an API key', async () => {
    const { owner, websiteKey } = await organization();
    const { createApiKey } = await owner.request<{ createApiKey: { secret: string } }>(
      'mutation { createApiKey(name: "bot") { secret } }',
    );
    const bot = agentClient({ apiKey: createApiKey.secret });
    const chat = visitorClient(websiteKey);
    const { id } = await chat.startConversation('hello bot');
    const m = await bot.sendMessage(id, 'Beep boop');
    expect(m.senderKind).toBe('BOT');
    expect((await bot.conversations()).nodes.map((c) => c.id)).toContain(id);
  });

  it('deletes a website: its key stops at once, and a second delete is NOT_FOUND', async () => {
    const { owner, websiteKey, websiteId } = await organization();
    expect((await visitorClient(websiteKey).widgetConfig()).websiteName).toBe('Acme shop');
    await owner.deleteWebsite(websiteId);
    await expect(visitorClient(websiteKey).widgetConfig()).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(owner.deleteWebsite(websiteId)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('signs up with a clear error for a taken email', async () => {
    const a = agentClient();
    const address = email('dup');
    await a.signUp({ organizationName: 'X', name: 'X', email: address, password: 'long enough pw' });
    await expect(
      agentClient().signUp({ organizationName: 'Y', name: 'Y', email: address, password: 'long enough pw' }),
    ).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
    });
  });
});
