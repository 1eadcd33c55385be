import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionState, Message } from '../src/index.js';
import { agentClient, email, organization, serverUrl, until, visitorClient } from './helpers.js';
import { startProxy, startServer, type Proxy, type TestServer } from './server.mjs';

const proxies: Proxy[] = [];
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

/** The shared server's port, behind a proxy the test can cut. */
async function proxied(url: string) {
  const port = Number(new URL(url).port);
  const proxy = await startProxy(port);
  proxies.push(proxy);
  return { proxy, url: `http://127.0.0.1:${proxy.port}/graphql` };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('reconnecting', () => {
  it('delivers every message exactly once, in order, while the socket keeps dropping', async () => {
    const { owner, websiteKey } = await organization();
    const { proxy, url } = await proxied(serverUrl());
    const chat = visitorClient(websiteKey, { url });
    const states: ConnectionState[] = [];
    chat.onConnectionState((s) => states.push(s));
    const first = await chat.startConversation('m0');
    const [m0] = (await chat.messages(first.id)).messages;

    const got: Message[] = [];
    const convo = chat.openConversation(first.id);
    chat.conversationEvents(first.id, { message: (m) => got.push(m) }, { after: m0!.id });
    await until(() => chat.connectionState() === 'online', 'online');

    // Five rounds: messages while live, the network drops, more messages while the
    // client is offline and reconnecting.
    const N = 40;
    let i = 0;
    for (let round = 0; round < 5; round++) {
      await until(() => chat.connectionState() === 'online', 'online again');
      for (let k = 0; k < 4; k++) await owner.sendMessage(first.id, `m${++i}`);
      proxy.drop();
      for (let k = 0; k < 4; k++) await owner.sendMessage(first.id, `m${++i}`);
    }
    const expected = Array.from({ length: N }, (_, i) => `m${i + 1}`);
    await until(() => got.length >= N, `${N} messages (got ${got.length})`, 20_000);
    await sleep(300); // anything doubled would show up now
    expect(got.map((m) => m.body)).toEqual(expected);
    expect(got.map((m) => m.seq)).toEqual(expected.map((_, i) => i + 2));
    await until(() => convo.state.messages.length === N + 1, 'the conversation state to catch up');
    expect(convo.state.messages.map((m) => m.body)).toEqual(['m0', ...expected]);
    expect(states.filter((s) => s === 'offline').length).toBeGreaterThanOrEqual(5);
    expect(chat.connectionState()).toBe('online');
    convo.close();
  });

  it("stores each of the visitor's sends once when answers are lost and sockets drop", async () => {
    const { owner, websiteKey } = await organization();
    // HTTP goes through a proxy that loses answers; the socket through one that drops.
    const http = await proxied(serverUrl());
    const ws = await proxied(serverUrl());
    let attempts = 0;
    const chat = visitorClient(websiteKey, {
      url: http.url,
      wsUrl: ws.url.replace('http', 'ws'),
      fetch: (input, init) => {
        if (String(init?.body).includes('SendMessage')) attempts++;
        return fetch(input, init);
      },
    });
    const { id } = await chat.startConversation();
    const convo = chat.openConversation(id);
    await until(() => !convo.state.loading && chat.connectionState() === 'online', 'load');
    const bodies = Array.from({ length: 15 }, (_, i) => `v${i + 1}`);
    for (const [i, body] of bodies.entries()) {
      if (i % 3 === 0) http.proxy.loseNextAnswers(1); // stored, but the answer never comes
      if (i % 5 === 0) ws.proxy.drop();
      await convo.send(body);
    }
    // At least one retry per lost answer (a reload after a drop may lose one instead).
    expect(attempts).toBeGreaterThanOrEqual(15 + 4);
    expect((await owner.messages(id)).messages.map((m) => m.body)).toEqual(bodies);
    await until(() => convo.state.messages.length === 15 && convo.state.messages.every((m) => m.status === 'sent'), 'all sent');
    await new Promise((r) => setTimeout(r, 200));
    expect(convo.state.messages.map((m) => m.body)).toEqual(bodies);
    convo.close();
  });

  it('catches up with what happened while it was offline for a while', async () => {
    const { owner, websiteKey } = await organization();
    const { proxy, url } = await proxied(serverUrl());
    const chat = visitorClient(websiteKey, { url });
    const { id } = await chat.startConversation('hello');
    const convo = chat.openConversation(id);
    await until(() => chat.connectionState() === 'online', 'online');
    // Hold the line down: drop every connection as soon as it opens.
    const holding = setInterval(() => proxy.drop(), 5);
    await until(() => chat.connectionState() !== 'online', 'offline');
    await owner.sendMessage(id, 'while you were away 1');
    await owner.sendMessage(id, 'while you were away 2');
    await owner.setConversationStatus(id, 'PENDING');
    clearInterval(holding);
    await until(() => convo.state.messages.length === 3, 'the missed messages', 20_000);
    await until(() => convo.state.conversation?.status === 'PENDING', 'the missed status change (refetched)');
    expect(convo.state.messages.map((m) => m.body)).toEqual(['hello', 'while you were away 1', 'while you were away 2']);
    convo.close();
  });
});

describe('a server restart', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server?.stop());

  it('is ridden out: the stream resumes and catches up', async () => {
    const owner = agentClient({ url: server.url });
    await owner.signUp({ organizationName: 'R', name: 'R', email: email('r'), password: 'correct horse battery' });
    const { createWebsite } = await owner.request<{ createWebsite: { publicKey: string } }>(
      'mutation { createWebsite(input: {name: "R"}) { publicKey } }',
    );
    const chat = visitorClient(createWebsite.publicKey, { url: server.url });
    const { id } = await chat.startConversation('before');
    const convo = chat.openConversation(id);
    await until(() => chat.connectionState() === 'online', 'online');
    await owner.sendMessage(id, 'm1');
    await server.restart();
    await owner.sendMessage(id, 'm2'); // sent before the visitor is back
    await until(() => convo.state.messages.length === 3, 'the catch-up after the restart', 20_000);
    expect(convo.state.messages.map((m) => m.body)).toEqual(['before', 'm1', 'm2']);
    await owner.sendMessage(id, 'm3');
    await until(() => convo.state.messages.length === 4, 'live again');
    convo.close();
  });
});
