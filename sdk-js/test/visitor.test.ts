import { describe, expect, it, vi } from 'vitest';
import { memoryStorage, SendTranscriptDocument, type ConnectionState } from '../src/index.js';
import { organization, until, visitorClient } from './helpers.js';

describe('the visitor client', () => {
  it('reads the widget config without starting a session', async () => {
    const { websiteKey } = await organization();
    const storage = memoryStorage();
    const chat = visitorClient(websiteKey, { storage });
    const config = await chat.widgetConfig();
    expect(config.websiteName).toBe('Acme shop');
    expect(config.agentOnline).toBe(false);
    expect(config.appearance.greeting).toEqual(expect.any(String));
    expect(storage.getItem(`chinwag:visitor:${websiteKey}`)).toBeNull();
  });

  it('chats with an agent end to end: history, live replies, typing, receipts, rating', async () => {
    const { owner, websiteKey } = await organization();
    const chat = visitorClient(websiteKey, { name: 'Vi' });
    const states: ConnectionState[] = [];
    chat.onConnectionState((s) => states.push(s));

    const started = await chat.startConversation('Do you ship to Norway?');
    expect(started.status).toBe('OPEN');
    const convo = chat.openConversation(started.id);
    await until(() => !convo.state.loading, 'the conversation to load');
    expect(convo.state.messages.map((m) => m.body)).toEqual(['Do you ship to Norway?']);
    await until(() => chat.connectionState() === 'online', 'the live connection');

    // The agent sees it, types, and answers.
    const agentSide = owner.openConversation(started.id);
    await until(() => agentSide.state.messages.length === 1, 'the agent to load the conversation');
    await until(() => owner.connectionState() === 'online', 'the agent connection');
    agentSide.typing();
    await until(() => convo.state.typing.length === 1, 'the agent typing to show');
    expect(convo.state.typing[0]!.senderKind).toBe('AGENT');
    expect(agentSide.state.typing).toEqual([]); // never your own
    convo.typing();
    await until(() => agentSide.state.typing.length === 1, 'the visitor typing to show');
    expect(agentSide.state.typing[0]!.senderKind).toBe('VISITOR');
    expect(convo.state.typing.map((t) => t.senderKind)).toEqual(['AGENT']);
    await agentSide.send('Yes, we do!');
    await until(() => convo.state.messages.length === 2, 'the reply');
    expect(convo.state.messages[1]).toMatchObject({ body: 'Yes, we do!', senderKind: 'AGENT', status: 'sent' });
    await until(() => convo.state.typing.length === 0, 'typing to stop when the reply lands');
    // An agent's first reply to a chat nobody has makes it theirs (0689d4d).
    await until(() => convo.state.conversation?.assigneeName === 'Ann', 'the chat to be Ann’s');

    // The visitor reads it: the agent sees the receipt.
    await convo.markRead();
    await until(() => agentSide.state.readReceipts.some((r) => r.readerKind === 'VISITOR' && r.seq === 2), 'the read receipt');

    // The agent resolves; the visitor rates.
    await owner.setConversationStatus(started.id, 'RESOLVED');
    await until(() => convo.state.conversation?.status === 'RESOLVED', 'the status update');
    const rated = await chat.rateConversation(started.id, 5, 'quick!');
    expect(rated.rating).toBe(5);
    expect(states).toContain('online');
    convo.close();
    agentSide.close();
  });

  it('shows a send at once and settles it when stored', async () => {
    const { websiteKey } = await organization();
    const chat = visitorClient(websiteKey);
    const { id } = await chat.startConversation();
    const convo = chat.openConversation(id);
    await until(() => !convo.state.loading, 'load');
    const sending = convo.send('  hello  ');
    expect(convo.state.messages).toHaveLength(1);
    expect(convo.state.messages[0]).toMatchObject({ body: 'hello', status: 'sending', seq: 0 });
    const key = convo.state.messages[0]!.key;
    const stored = await sending;
    expect(stored.clientMessageId).toBe(key);
    expect(convo.state.messages).toHaveLength(1);
    expect(convo.state.messages[0]).toMatchObject({ key, id: stored.id, seq: 1, status: 'sent' });
    // The stream's copy of the same message does not double it.
    await new Promise((r) => setTimeout(r, 200));
    expect(convo.state.messages).toHaveLength(1);
    convo.close();
  });

  it('lets a returning visitor resume with their history', async () => {
    const { websiteKey } = await organization();
    const storage = memoryStorage();
    const first = visitorClient(websiteKey, { storage });
    const c = await first.startConversation('first visit');
    const visitor = await first.visitor();
    first.dispose();

    const back = visitorClient(websiteKey, { storage });
    expect((await back.visitor()).id).toBe(visitor.id);
    const { nodes } = await back.conversations();
    expect(nodes.map((n) => n.id)).toEqual([c.id]);
    const { messages } = await back.messages(c.id);
    expect(messages.map((m) => m.body)).toEqual(['first visit']);
  });

  it('resumes with the resume token when the stored token is no longer good', async () => {
    const { websiteKey } = await organization();
    const storage = memoryStorage();
    const first = visitorClient(websiteKey, { storage });
    const c = await first.startConversation('hello');
    const key = `chinwag:visitor:${websiteKey}`;
    const saved = JSON.parse(storage.getItem(key)!);
    storage.setItem(key, JSON.stringify({ ...saved, token: 'expired.or.forged' }));

    const back = visitorClient(websiteKey, { storage });
    const { nodes } = await back.conversations();
    expect(nodes.map((n) => n.id)).toEqual([c.id]);
    expect(JSON.parse(storage.getItem(key)!).token).not.toBe('expired.or.forged');
    // And over the socket: a 4403 at connection_init resumes too.
    storage.setItem(key, JSON.stringify({ ...saved, token: 'expired.or.forged' }));
    const live = visitorClient(websiteKey, { storage });
    const convo = live.openConversation(c.id);
    await until(() => live.connectionState() === 'online', 'the socket after a resume');
    convo.close();
  });

  it('throttles typing and only sends "stopped" after "typing"', async () => {
    const { websiteKey } = await organization();
    const sent: string[] = [];
    const chat = visitorClient(websiteKey, {
      fetch: (input, init) => {
        const body = JSON.parse(String(init?.body));
        if (String(body.query).includes('SetTyping')) sent.push(String(body.variables.isTyping));
        return fetch(input, init);
      },
    });
    const { id } = await chat.startConversation('hi');
    const convo = chat.openConversation(id);
    convo.stopTyping();
    for (let i = 0; i < 20; i++) convo.typing();
    convo.stopTyping();
    convo.stopTyping();
    await until(() => sent.length === 2, 'the typing calls');
    await new Promise((r) => setTimeout(r, 100));
    expect(sent).toEqual(['true', 'false']);
    convo.close();
  });

  it('retries a send on network failure with the same clientMessageId, storing it once', async () => {
    const { owner, websiteKey } = await organization();
    let failures = 2;
    const ids: string[] = [];
    const chat = visitorClient(websiteKey, {
      // The request reaches the server and is stored, but the answer is lost.
      fetch: async (input, init) => {
        const body = JSON.parse(String(init?.body));
        const response = await fetch(input, init);
        if (String(body.query).includes('SendMessage')) {
          ids.push(body.variables.input.clientMessageId);
          if (failures-- > 0) throw new TypeError('network connection lost');
        }
        return response;
      },
    });
    const { id } = await chat.startConversation();
    const m = await chat.sendMessage(id, 'only once please');
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(1);
    expect(m.clientMessageId).toBe(ids[0]);
    const { messages } = await owner.messages(id);
    expect(messages.map((x) => x.body)).toEqual(['only once please']);
  });

  it('marks a send failed when retries give up, and retries it on demand', async () => {
    const { websiteKey } = await organization();
    let offline = true;
    const chat = visitorClient(websiteKey, {
      sendAttempts: 2,
      fetch: (input, init) =>
        offline && String(init?.body).includes('SendMessage') ? Promise.reject(new TypeError('offline')) : fetch(input, init),
    });
    const { id } = await chat.startConversation();
    const convo = chat.openConversation(id);
    await until(() => !convo.state.loading, 'load');
    await expect(convo.send('are you there?')).rejects.toMatchObject({ code: 'NETWORK_ERROR' });
    const failed = convo.state.messages[0]!;
    expect(failed.status).toBe('failed');
    expect(failed.error?.code).toBe('NETWORK_ERROR');
    offline = false;
    const m = await convo.retry(failed.key);
    expect(m.clientMessageId).toBe(failed.key);
    expect(convo.state.messages.map((x) => [x.key, x.status])).toEqual([[failed.key, 'sent']]);
    convo.close();
  });

  it('loads older history a page at a time', async () => {
    const { owner, websiteKey } = await organization();
    const chat = visitorClient(websiteKey);
    const { id } = await chat.startConversation('m1');
    for (let i = 2; i <= 55; i++) await owner.sendMessage(id, `m${i}`);
    const convo = chat.openConversation(id);
    await until(() => !convo.state.loading, 'load');
    expect(convo.state.messages).toHaveLength(50);
    expect(convo.state.hasOlder).toBe(true);
    await convo.loadOlder();
    expect(convo.state.messages.map((m) => m.body)).toEqual(Array.from({ length: 55 }, (_, i) => `m${i + 1}`));
    expect(convo.state.hasOlder).toBe(false);
    convo.close();
  });

  it('tells the UI when an agent is online', async () => {
    const { owner, websiteKey } = await organization();
    await owner.setAgentStatus('ONLINE');
    const stop = owner.inboxEvents({ event: vi.fn() });
    const chat = visitorClient(websiteKey);
    await until(async () => (await chat.widgetConfig()).agentOnline, 'agentOnline');
    stop();
  });

  it('replays a conversation from the start with afterSeq: 0, then resumes after what it delivered', async () => {
    const { owner, websiteKey } = await organization();
    const chat = visitorClient(websiteKey);
    const { id } = await chat.startConversation('One');
    await owner.sendMessage(id, 'Two');
    const got: string[] = [];
    const stop = chat.conversationEvents(id, { message: (m) => got.push(m.body) }, { afterSeq: 0 });
    await until(() => got.length === 2, 'the replay');
    await until(() => chat.connectionState() === 'online', 'the live connection');
    await owner.sendMessage(id, 'Three');
    await until(() => got.length === 3, 'the live message');
    expect(got).toEqual(['One', 'Two', 'Three']);
    stop();
  });

  it('neither starts nor stores a session once disposed, even one on its way', async () => {
    const { websiteKey } = await organization();
    const storage = memoryStorage();
    const chat = visitorClient(websiteKey, { storage, name: 'Signed out soon' });
    const late = chat.visitor(); // starts the session
    chat.forget();
    chat.dispose();
    await expect(late).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(chat.conversations()).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(storage.getItem(`chinwag:visitor:${websiteKey}`)).toBeNull();
  });

  it('introduces the visitor with attributes, leaves an offline message and asks for its transcript', async () => {
    const { owner, websiteKey } = await organization();
    const chat = visitorClient(websiteKey, { attributes: { plan: 'pro' } });
    const config = await chat.widgetConfig();
    expect(config).toMatchObject({ offlineMessages: true, poweredBy: true, businessHours: null, preChatFields: [] });

    // An offline message needs the visitor's email.
    await expect(chat.startConversation('Do you ship to Bergen?', { offline: true })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
    });
    const visitor = await chat.introduce({ name: 'Vi', email: 'vi@example.com', attributes: { order: 'A-1' } });
    expect(visitor).toMatchObject({ name: 'Vi', email: 'vi@example.com' });
    const left = await chat.startConversation('Do you ship to Bergen?', { offline: true });

    const { conversation } = await owner.request<{
      conversation: { isOffline: boolean; visitor: { id: string; attributes: { key: string; value: string }[] } };
    }>('query($id: ID!) { conversation(id: $id) { isOffline visitor { id attributes { key value } } } }', { id: left.id });
    expect(conversation.isOffline).toBe(true);
    expect(conversation.visitor.id).toBe(visitor.id);
    expect(Object.fromEntries(conversation.visitor.attributes.map((a) => [a.key, a.value]))).toEqual({
      plan: 'pro',
      order: 'A-1',
    });

    // The transcript goes to the visitor's own email, or the one given.
    expect(await chat.request(SendTranscriptDocument, { conversationId: left.id })).toEqual({ sendTranscript: true });
    await expect(chat.request(SendTranscriptDocument, { conversationId: left.id, email: 'not an email' })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
    });
  });

  it("sets and removes its own attributes, which agents see as the browser's, and refuses a bad key", async () => {
    const { owner, websiteKey } = await organization();
    const chat = visitorClient(websiteKey, { attributes: { plan: 'free' } });
    const { id } = await chat.startConversation('Is this in stock?');
    const attributes = async () => {
      const { conversation } = await owner.request<{
        conversation: { visitor: { attributes: { key: string; value: string; fromServer: boolean }[] } };
      }>('query($id: ID!) { conversation(id: $id) { visitor { attributes { key value fromServer } } } }', { id });
      return conversation.visitor.attributes;
    };
    expect(await attributes()).toEqual([{ key: 'plan', value: 'free', fromServer: false }]);

    const visitor = await chat.setAttributes({ cart: '3 items', plan: 'pro' });
    expect(visitor.id).toBe((await chat.visitor()).id);
    await chat.setAttributes({ total: '42.00' }, ['cart']);
    // Introducing the visitor later starts the session again: the option's `plan` is not sent twice.
    await chat.introduce({ name: 'Vi' });
    expect(await attributes()).toEqual([
      { key: 'plan', value: 'pro', fromServer: false },
      { key: 'total', value: '42.00', fromServer: false },
    ]);

    await expect(chat.setAttributes({ 'not a key': 'x' })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await expect(chat.setAttributes({ long: 'x'.repeat(501) })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(await attributes()).toHaveLength(2);
  });
});
