import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChinwagError, Message } from '../src/index.js';
import { agentClient, email, until, visitorClient } from './helpers.js';
import { startServer, type TestServer } from './server.mjs';

// Access tokens that live two seconds, so expiry happens within a test.
let server: TestServer;
beforeAll(async () => {
  server = await startServer(['--access-token-ttl', '2']);
});
afterAll(() => server?.stop());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fetch that records operation names and response codes. */
function recorder() {
  const calls: string[] = [];
  const f: typeof fetch = async (input, init) => {
    const name = /(?:query|mutation)\s+(\w+)/.exec(JSON.parse(String(init?.body)).query)?.[1] ?? 'anonymous';
    const r = await fetch(input, init);
    calls.push(`${name} ${r.status}`);
    return r;
  };
  return { calls, fetch: f };
}

async function owner(options: Parameters<typeof agentClient>[0] = {}) {
  const a = agentClient({ url: server.url, ...options });
  const me = await a.signUp({ organizationName: 'Acme', name: 'Ann', email: email('ann'), password: 'correct horse battery' });
  const { createWebsite } = await a.request<{ createWebsite: { publicKey: string } }>(
    'mutation { createWebsite(input: {name: "Shop"}) { publicKey } }',
  );
  return { a, me, websiteKey: createWebsite.publicKey };
}

describe('agent sessions', () => {
  it('refreshes the access token before it expires', async () => {
    const r = recorder();
    const { a } = await owner({ fetch: r.fetch });
    const before = a.session!.accessToken;
    await sleep(2_100);
    await a.me();
    await a.me();
    expect(a.session!.accessToken).not.toBe(before);
    expect(r.calls.filter((c) => c.startsWith('RefreshSession'))).toEqual(['RefreshSession 200']);
    expect(r.calls.filter((c) => c.endsWith(' 401'))).toEqual([]);
  });

  it('refreshes and retries when the server refuses the token', async () => {
    const { a } = await owner();
    const r = recorder();
    const b = agentClient({
      url: server.url,
      fetch: r.fetch,
      session: { accessToken: 'not.a.token', refreshToken: a.session!.refreshToken },
    });
    expect((await b.me()).name).toBe('Ann');
    expect(r.calls).toEqual(['Me 401', 'RefreshSession 200', 'Me 200']);
  });

  it('keeps the live stream going across 4403 expiries, losing and doubling nothing', async () => {
    const { a, websiteKey } = await owner();
    const chat = visitorClient(websiteKey, { url: server.url });
    const { id } = await chat.startConversation('m0');
    const got: Message[] = [];
    const [m0] = (await a.messages(id)).messages;
    a.conversationEvents(id, { message: (m) => got.push(m) }, { after: m0!.id });
    let drops = 0;
    a.onConnectionState((s) => s === 'offline' && drops++);
    await until(() => a.connectionState() === 'online', 'online');
    // Over about five seconds the socket's token expires at least twice.
    for (let i = 1; i <= 25; i++) {
      await chat.sendMessage(id, `m${i}`);
      await sleep(200);
    }
    await until(() => got.length >= 25, `25 messages (got ${got.length})`, 15_000);
    await sleep(300);
    expect(got.map((m) => m.body)).toEqual(Array.from({ length: 25 }, (_, i) => `m${i + 1}`));
    expect(drops).toBeGreaterThanOrEqual(2);
  });

  it('lets two tabs sharing storage refresh at the same time', async () => {
    const items = new Map<string, string>();
    const storage = {
      getItem: (k: string) => items.get(k) ?? null,
      setItem: (k: string, v: string) => void items.set(k, v),
      removeItem: (k: string) => void items.delete(k),
    };
    const { a } = await owner({ storage });
    const b = agentClient({ url: server.url, storage });
    await sleep(2_100);
    const [x, y] = await Promise.all([a.me(), b.me()]);
    expect(x.id).toBe(y.id);
    await sleep(2_100);
    expect((await b.me()).id).toBe(x.id);
    expect((await a.me()).id).toBe(x.id);
  });

  it('ends the session when the agent is removed: the stream fails and the UI is told', async () => {
    const { a, websiteKey } = await owner();
    const { inviteAgent } = await a.request<{ inviteAgent: { token: string } }>(
      'mutation($e: String!) { inviteAgent(input: {email: $e, role: AGENT}) { token } }',
      {
        e: email('bo'),
      },
    );
    const sessions: Array<string | null> = [];
    const bo = agentClient({ url: server.url, onSessionChange: (s) => sessions.push(s && 'session') });
    const { acceptInvite } = await bo.request<{
      acceptInvite: { accessToken: string; refreshToken: string; agent: { id: string } };
    }>(
      'mutation($t: String!) { acceptInvite(input: {token: $t, name: "Bo", password: "another good password"}) { accessToken refreshToken agent { id } } }',
      { t: inviteAgent.token },
    );
    const boClient = agentClient({
      url: server.url,
      session: { accessToken: acceptInvite.accessToken, refreshToken: acceptInvite.refreshToken },
      onSessionChange: (s) => sessions.push(s && 'session'),
    });
    const chat = visitorClient(websiteKey, { url: server.url });
    const { id } = await chat.startConversation('hi');
    let failure: ChinwagError | undefined;
    boClient.conversationEvents(id, { error: (e) => (failure = e) });
    await until(() => boClient.connectionState() === 'online', 'online');
    await a.request('mutation($id: ID!) { removeAgent(agentId: $id) { id } }', { id: acceptInvite.agent.id });
    await until(() => failure !== undefined, 'the stream to fail');
    expect(failure!.code).toBe('UNAUTHENTICATED');
    expect(boClient.session).toBeNull();
    expect(sessions.at(-1)).toBeNull();
    await expect(boClient.me()).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});
