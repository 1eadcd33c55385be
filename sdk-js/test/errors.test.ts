import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  ChinwagError,
  createVisitorClient,
  isChinwagError,
  memoryStorage,
  SendMessageDocument,
  StartConversationDocument,
} from '../src/index.js';
import { agentClient, email, organization, until, visitorClient } from './helpers.js';
import { freePort, startServer, type TestServer } from './server.mjs';

/** The `ChinwagError` a promise rejects with. */
async function failure(p: Promise<unknown>): Promise<ChinwagError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ChinwagError);
    return e as ChinwagError;
  }
  throw new Error('expected a rejection');
}

/** A fetch answering every operation with `body` (for codes a healthy server never sends). */
const answering =
  (status: number, body: unknown, contentType = 'application/graphql-response+json'): typeof fetch =>
  async () =>
    new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { 'content-type': contentType } });

describe("errors carry the server's code", () => {
  it('UNAUTHENTICATED: a wrong password, or no session', async () => {
    const { me } = await organization();
    const e = await failure(agentClient().logIn(me.email, 'not the password'));
    expect(e.code).toBe('UNAUTHENTICATED');
    expect(isChinwagError(e, 'UNAUTHENTICATED')).toBe(true);
    expect((await failure(agentClient().me())).code).toBe('UNAUTHENTICATED');
  });

  it('FORBIDDEN: a visitor asking for a private note or for agent data', async () => {
    const { websiteKey } = await organization();
    const chat = visitorClient(websiteKey);
    const { id } = await chat.startConversation('hi');
    const e = await failure(
      chat.request(SendMessageDocument, { input: { conversationId: id, body: 'sneaky', isPrivate: true } }),
    );
    expect(e.code).toBe('FORBIDDEN');
    expect((await failure(chat.request('{ agents { id } }'))).code).toBe('FORBIDDEN');
  });

  it('NOT_FOUND: over HTTP, in a live stream and in a live conversation', async () => {
    const { websiteKey } = await organization();
    const chat = visitorClient(websiteKey);
    expect((await failure(chat.messages('conv_does_not_exist'))).code).toBe('NOT_FOUND');
    let streamError: ChinwagError | undefined;
    await chat.startConversation('hi'); // a session, so the socket opens
    chat.conversationEvents('conv_does_not_exist', { error: (e) => (streamError = e) });
    await until(() => streamError !== undefined, 'the stream error');
    expect(streamError!.code).toBe('NOT_FOUND');
    const convo = chat.openConversation('conv_does_not_exist');
    await until(() => convo.state.error !== null, 'the state error');
    expect(convo.state.error!.code).toBe('NOT_FOUND');
    convo.close();
  });

  it('BAD_USER_INPUT: an empty message, sent once and not retried', async () => {
    const { websiteKey } = await organization();
    let sends = 0;
    const chat = visitorClient(websiteKey, {
      fetch: (input, init) => (String(init?.body).includes('SendMessage') && sends++, fetch(input, init)),
    });
    const { id } = await chat.startConversation();
    expect((await failure(chat.sendMessage(id, '   '))).code).toBe('BAD_USER_INPUT');
    expect(sends).toBe(1);
  });

  it('GRAPHQL_PARSE_FAILED and GRAPHQL_VALIDATION_FAILED, over HTTP and the socket', async () => {
    const { owner } = await organization();
    const parse = await failure(owner.request('{ me {'));
    expect([parse.code, parse.status]).toEqual(['GRAPHQL_PARSE_FAILED', 400]);
    const invalid = await failure(owner.request('{ noSuchField }'));
    expect([invalid.code, invalid.status]).toEqual(['GRAPHQL_VALIDATION_FAILED', 400]);
    const errors: ChinwagError[] = [];
    owner.subscribe('subscription { nope }', {}, { next: () => {}, error: (e) => errors.push(e) });
    owner.subscribe('subscription {', {}, { next: () => {}, error: (e) => errors.push(e) });
    await until(() => errors.length === 2, 'both subscription errors');
    expect(errors.map((e) => e.code).sort()).toEqual(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED']);
  });

  it('NETWORK_ERROR: nothing listening', async () => {
    const port = await freePort();
    const chat = createVisitorClient({
      url: `http://127.0.0.1:${port}/graphql`,
      websiteKey: 'wk_x',
      storage: memoryStorage(),
      webSocketImpl: WebSocket,
    });
    const e = await failure(chat.widgetConfig());
    expect(e.code).toBe('NETWORK_ERROR');
    chat.dispose();
  });

  it('UNAVAILABLE and INTERNAL, and a proxy error page without GraphQL', async () => {
    const unavailable = { errors: [{ message: 'store unavailable', extensions: { code: 'UNAVAILABLE' } }] };
    const a = createVisitorClient({
      url: 'http://chat.test/graphql',
      websiteKey: 'wk',
      storage: memoryStorage(),
      fetch: answering(200, unavailable),
    });
    expect((await failure(a.widgetConfig())).code).toBe('UNAVAILABLE');
    const internal = { errors: [{ message: 'boom', extensions: { code: 'INTERNAL' } }] };
    const b = createVisitorClient({
      url: 'http://chat.test/graphql',
      websiteKey: 'wk',
      storage: memoryStorage(),
      fetch: answering(200, internal),
    });
    expect((await failure(b.widgetConfig())).code).toBe('INTERNAL');
    const c = createVisitorClient({
      url: 'http://chat.test/graphql',
      websiteKey: 'wk',
      storage: memoryStorage(),
      fetch: answering(502, '<h1>Bad gateway</h1>', 'text/html'),
    });
    const e = await failure(c.widgetConfig());
    expect([e.code, e.status]).toEqual(['UNAVAILABLE', 502]);
  });

  it('UNAVAILABLE on a send is retried with the same clientMessageId', async () => {
    const { owner, websiteKey } = await organization();
    const ids: string[] = [];
    let outage = 2;
    const chat = visitorClient(websiteKey, {
      fetch: (input, init) => {
        const body = JSON.parse(String(init?.body));
        if (!String(body.query).includes('SendMessage')) return fetch(input, init);
        ids.push(body.variables.input.clientMessageId);
        return outage-- > 0
          ? answering(200, { errors: [{ message: 'down', extensions: { code: 'UNAVAILABLE' } }] })(input, init)
          : fetch(input, init);
      },
    });
    const { id } = await chat.startConversation();
    await chat.sendMessage(id, 'after the outage');
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(1);
    expect((await owner.messages(id)).messages).toHaveLength(1);
  });

  describe('with limits on', () => {
    let limited: TestServer;
    beforeAll(async () => {
      limited = await startServer(['--send-burst', '2', '--send-per-second', '1', '--max-open-conversations', '1'], {
        CHINWAG_RATE_LIMITS: 'on',
      });
    });
    afterAll(() => limited?.stop());

    it('RATE_LIMITED with retryAfter, and sends wait it out', async () => {
      const owner = agentClient({ url: limited.url });
      await owner.signUp({ organizationName: 'L', name: 'L', email: email('l'), password: 'correct horse battery' });
      const { createWebsite } = await owner.request<{ createWebsite: { publicKey: string } }>(
        'mutation { createWebsite(input: {name: "L"}) { publicKey } }',
      );
      const chat = visitorClient(createWebsite.publicKey, { url: limited.url });
      const { id } = await chat.startConversation();
      const send = (body: string) => chat.request(SendMessageDocument, { input: { conversationId: id, body } });
      await send('one');
      await send('two');
      const e = await failure(send('three'));
      expect(e.code).toBe('RATE_LIMITED');
      expect(e.retryAfter).toBeGreaterThanOrEqual(1);
      // The helper waits `retryAfter` and tries again, with the same key.
      const m = await chat.sendMessage(id, 'patient');
      expect(m.body).toBe('patient');
    });

    it('PLAN_LIMIT: too many open conversations', async () => {
      const owner = agentClient({ url: limited.url });
      await owner.signUp({ organizationName: 'P', name: 'P', email: email('p'), password: 'correct horse battery' });
      const { createWebsite } = await owner.request<{ createWebsite: { publicKey: string } }>(
        'mutation { createWebsite(input: {name: "P"}) { publicKey } }',
      );
      const chat = visitorClient(createWebsite.publicKey, { url: limited.url });
      await chat.startConversation('first');
      expect((await failure(chat.startConversation('second'))).code).toBe('PLAN_LIMIT');
      expect((await failure(chat.request(StartConversationDocument, { input: {} }))).code).toBe('PLAN_LIMIT');
    });
  });
});
