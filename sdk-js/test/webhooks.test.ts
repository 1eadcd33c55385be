/**
 * Webhooks against a real server (docs/webhooks.md): the agent client's endpoint
 * methods, and every delivery checked twice, by `standardwebhooks` (the Standard
 * Webhooks reference library, an implementation independent of ours and of the server's)
 * and by our `verifyWebhook`. The server may deliver to 127.0.0.1 and retries after 1 s.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isChinwagError, type AgentClient, type WebhookAttempt, type WebhookEndpoint } from '../src/index.js';
import { verifyWebhook, type WebhookEvent } from '../src/webhooks.js';
import { agentClient, organization, until, visitorClient } from './helpers.js';
import { startServer, type TestServer } from './server.mjs';

let server: TestServer;
beforeAll(async () => {
  server = await startServer(['--outbound-allow-private', 'true', '--webhook-schedule', '0,1s,1s']);
});
afterAll(() => server?.stop());

/** `until`, typed as what the check finally returns (never `false` or `undefined`). */
const found = <T>(check: () => T | false | undefined | Promise<T | false | undefined>, what: string, ms?: number) =>
  until(check, what, ms) as Promise<T>;

/** One request the receiver got. */
interface Delivery {
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** `webhook-id` */
  id: string;
  event: WebhookEvent<Record<string, unknown>>;
}

/**
 * A local HTTP receiver: records every delivery and answers with `answer(n)`'s status
 * (`n` counts from 1), 204 by default.
 */
async function receiver(answer: (n: number) => number = () => 204) {
  const deliveries: Delivery[] = [];
  const http: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    deliveries.push({ headers: req.headers, body, id: String(req.headers['webhook-id']), event: JSON.parse(body.toString()) });
    res.writeHead(answer(deliveries.length)).end();
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  receivers.push(http);
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    deliveries,
    /** The first delivery whose event is of `type` (waited for). */
    of: (type: string) => found(() => deliveries.find((d) => d.event.type === type), `a ${type} delivery`),
  };
}
const receivers: Server[] = [];
afterEach(async () => {
  // The server keeps its connections to a receiver alive: close them too.
  await Promise.all(
    receivers.splice(0).map(
      (s) =>
        new Promise((r) => {
          s.close(r);
          s.closeAllConnections();
        }),
    ),
  );
});

/** The events' published JSON Schema (docs/webhooks/events.v1.schema.json). */
const schema = JSON.parse(readFileSync(new URL('../../docs/webhooks/events.v1.schema.json', import.meta.url), 'utf8'));
const validate = new Ajv({ allErrors: true, format: 'full' }).compile(schema);

/**
 * Both implementations accept the delivery with `secret`, our parsed event equals
 * theirs, and it matches the published schema.
 */
async function verifiedByBoth(d: Delivery, secret: string) {
  const theirs = new Webhook(secret).verify(d.body, d.headers as Record<string, string>);
  const ours = await verifyWebhook(secret, d.headers, d.body);
  expect(ours).toEqual(theirs);
  expect(validate(ours), JSON.stringify(validate.errors)).toBe(true);
  return ours;
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

/** The endpoint's attempts, waited for until `done` holds. */
const attemptsUntil = (a: AgentClient, e: WebhookEndpoint, done: (n: WebhookAttempt[]) => boolean) =>
  found(async () => {
    const { attempts } = await a.webhookEndpoint(e.id);
    return done(attempts.nodes) && attempts.nodes;
  }, 'the attempts log');

describe('the published event schema', () => {
  it('refuses what the server would never send', () => {
    const conversation = {
      id: 'cnv_1',
      websiteId: 'web_1',
      visitorId: 'vis_1',
      status: 'OPEN',
      assigneeId: null,
      departmentId: null,
      priority: 'NORMAL',
      routedBy: null,
      isOffline: false,
      createdAt: '2026-12-06T10:00:00Z',
      firstResponseAt: null,
      resolvedAt: null,
      rating: null,
    };
    const ok = { type: 'conversation.created', timestamp: '2026-12-06T10:00:00Z', data: { conversation } };
    expect(validate(ok)).toBe(true);
    expect(validate({ ...ok, data: { conversation: { ...conversation, status: 'CLOSED' } } })).toBe(false);
    expect(validate({ ...ok, type: 'rating.received' })).toBe(false);
    expect(validate({ type: 'message.created', timestamp: 'yesterday', data: {} })).toBe(false);
  });
});

describe('webhooks', () => {
  it('delivers test, conversation.created and message.created events, signed so standardwebhooks and verifyWebhook accept them', async () => {
    const { owner, websiteKey } = await organization({ url: server.url });
    const r = await receiver();
    expect(await owner.webhookEventTypes()).toEqual(
      expect.arrayContaining(['MESSAGE_CREATED', 'CONVERSATION_CREATED', 'WEBHOOK_TEST']),
    );
    const endpoint = await owner.createWebhookEndpoint({ url: r.url, description: 'CRM' });
    expect(endpoint).toMatchObject({ url: r.url, description: 'CRM', eventTypes: [], enabled: true, rateLimit: null });
    expect(endpoint.secret).toMatch(/^whsec_/);
    expect((await owner.webhookEndpoints()).map((e) => e.id)).toEqual([endpoint.id]);

    const testId = await owner.testWebhookEndpoint(endpoint.id);
    expect(testId).toMatch(/^evt_/);
    const test = await r.of('webhook.test');
    expect(test.id).toBe(testId);
    expect((await verifiedByBoth(test, endpoint.secret)).data).toMatchObject({ endpointId: endpoint.id });

    const chat = visitorClient(websiteKey, { url: server.url });
    const conversation = await chat.startConversation('Hello, webhooks');
    const created = await r.of('conversation.created');
    const message = await r.of('message.created');
    for (const d of [created, message]) {
      const event = await verifiedByBoth(d, endpoint.secret);
      expect(event.timestamp).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(d.headers['content-type']).toBe('application/json');
      expect(Math.abs(Number(d.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    }
    expect(created.event.data).toMatchObject({ conversation: { id: conversation.id } });
    expect(message.event.data).toMatchObject({
      message: { body: 'Hello, webhooks', senderKind: 'VISITOR', conversationId: conversation.id, bodyTruncated: false },
      conversation: { id: conversation.id },
    });

    // The log names each event by the id the receiver got in `webhook-id`.
    const log = await attemptsUntil(owner, endpoint, (n) => n.length >= 3);
    const byType = (t: string) => log.filter((a) => a.eventType === t);
    expect(byType('WEBHOOK_TEST').map((a) => [a.eventId, a.outcome])).toEqual([[test.id, 'SUCCEEDED']]);
    expect(byType('CONVERSATION_CREATED').map((a) => [a.eventId, a.outcome])).toEqual([[created.id, 'SUCCEEDED']]);
    expect(byType('MESSAGE_CREATED').map((a) => [a.eventId, a.outcome])).toEqual([[message.id, 'SUCCEEDED']]);
  });

  it('retries a failing receiver with the same webhook-id, and logs each attempt', async () => {
    const { owner } = await organization({ url: server.url });
    const r = await receiver((n) => (n <= 2 ? 500 : 204));
    const endpoint = await owner.createWebhookEndpoint({ url: r.url });
    const eventId = await owner.testWebhookEndpoint(endpoint.id);
    await until(() => r.deliveries.length >= 3, 'three deliveries');
    expect(r.deliveries.map((d) => d.id)).toEqual([eventId, eventId, eventId]);
    for (const d of r.deliveries) await verifiedByBoth(d, endpoint.secret);

    const { attempts, failingSince } = await found(async () => {
      const e = await owner.webhookEndpoint(endpoint.id);
      return e.attempts.nodes.length === 3 && e;
    }, 'three attempts logged');
    // Newest first.
    expect(attempts.nodes.map((a) => [a.attempt, a.outcome, a.status, a.eventId, a.manual])).toEqual([
      [3, 'SUCCEEDED', 204, eventId, false],
      [2, 'FAILED', 500, eventId, false],
      [1, 'FAILED', 500, eventId, false],
    ]);
    expect(attempts.nodes[1]!.nextAttemptAt).not.toBeNull();
    expect(failingSince).toBeNull();

    // A replay is one more, manual, attempt of the same event.
    const replayed = await owner.replayWebhookAttempt(attempts.nodes[2]!.id);
    expect(replayed.eventId).toBe(eventId);
    await until(() => r.deliveries.length === 4, 'the replay');
    expect(r.deliveries[3]!.id).toBe(eventId);
    const log = await attemptsUntil(owner, endpoint, (n) => n.length === 4);
    expect(log[0]).toMatchObject({ eventId, outcome: 'SUCCEEDED', manual: true });
  });

  it('disables an endpoint whose receiver answers 410 Gone; enabled again, it recovers what it missed', async () => {
    const { owner, websiteKey } = await organization({ url: server.url });
    let gone = true;
    const r = await receiver(() => (gone ? 410 : 204));
    const endpoint = await owner.createWebhookEndpoint({ url: r.url, eventTypes: ['MESSAGE_CREATED'] });
    // Another integration keeps receiving meanwhile (see the test below for why it matters).
    const other = await receiver();
    const otherEndpoint = await owner.createWebhookEndpoint({ url: other.url });
    const since = new Date(Date.now() - 60_000);
    await owner.testWebhookEndpoint(endpoint.id);
    const disabled = await found(async () => {
      const e = await owner.webhookEndpoint(endpoint.id);
      return !e.enabled && e;
    }, 'the endpoint to be disabled');
    expect(disabled.disabledReason).toMatch(/410/);
    expect(disabled.disabledAt).not.toBeNull();
    expect(disabled.attempts.nodes.map((a) => [a.outcome, a.status])).toEqual([['GONE', 410]]);
    // The other endpoint hears of it.
    const notice = await verifiedByBoth(await other.of('endpoint.disabled'), otherEndpoint.secret);
    expect(notice.data).toMatchObject({ endpointId: endpoint.id, url: r.url });

    // Disabled: no deliveries, and no recovery until it is enabled again.
    await visitorClient(websiteKey, { url: server.url }).startConversation('While you were away');
    await other.of('message.created');
    expect(r.deliveries).toHaveLength(1);
    expect(isChinwagError(await failure(owner.recoverWebhookEndpoint(endpoint.id, since)), 'BAD_USER_INPUT')).toBe(true);
    gone = false;
    const enabled = await owner.updateWebhookEndpoint(endpoint.id, { enabled: true });
    expect(enabled).toMatchObject({ enabled: true, disabledReason: null, disabledAt: null });
    // The message, not the test event nor conversation.created (not in its filter).
    expect(await owner.recoverWebhookEndpoint(endpoint.id, since)).toBe(1);
    const missed = await r.of('message.created');
    expect((await verifiedByBoth(missed, endpoint.secret)).data).toMatchObject({ message: { body: 'While you were away' } });
    const log = await attemptsUntil(owner, endpoint, (n) => n.length === 2);
    expect(log[0]).toMatchObject({ eventId: missed.id, outcome: 'SUCCEEDED', manual: true });
  });

  // Events are recorded while an endpoint is disabled, so that it can recover them.
  it("recovers what happened while the organization's only endpoint was disabled", async () => {
    const { owner, websiteKey } = await organization({ url: server.url });
    let gone = true;
    const r = await receiver(() => (gone ? 410 : 204));
    const endpoint = await owner.createWebhookEndpoint({ url: r.url, eventTypes: ['MESSAGE_CREATED'] });
    const since = new Date(Date.now() - 60_000);
    await owner.testWebhookEndpoint(endpoint.id);
    await until(async () => !(await owner.webhookEndpoint(endpoint.id)).enabled, 'the endpoint to be disabled');
    // A second endpoint witnesses that the event was recorded (a job stores it with its
    // deliveries) before the first is enabled again.
    const witness = await receiver();
    await owner.createWebhookEndpoint({ url: witness.url, eventTypes: ['MESSAGE_CREATED'] });
    await visitorClient(websiteKey, { url: server.url }).startConversation('While you were away');
    await witness.of('message.created');
    gone = false;
    await owner.updateWebhookEndpoint(endpoint.id, { enabled: true });
    expect(await owner.recoverWebhookEndpoint(endpoint.id, since)).toBe(1);
    const recovered = await r.of('message.created');
    expect(recovered.event.data).toMatchObject({ message: { body: 'While you were away' } });
  });

  it('signs with the old and the new secret after a rotation, and standardwebhooks accepts either', async () => {
    const { owner } = await organization({ url: server.url });
    const r = await receiver();
    const endpoint = await owner.createWebhookEndpoint({ url: r.url });
    await owner.testWebhookEndpoint(endpoint.id);
    await until(() => r.deliveries.length === 1, 'the first delivery');
    expect(String(r.deliveries[0]!.headers['webhook-signature']).split(' ')).toHaveLength(1);

    const rotated = await owner.rotateWebhookSecret(endpoint.id, 1);
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(endpoint.secret);
    const overlap = Date.parse(rotated.previousSecretExpiresAt!) - Date.now();
    expect(overlap).toBeGreaterThan(3_500_000);
    expect(overlap).toBeLessThanOrEqual(3_600_000);

    await owner.testWebhookEndpoint(endpoint.id);
    await until(() => r.deliveries.length === 2, 'the delivery after the rotation');
    const d = r.deliveries[1]!;
    expect(String(d.headers['webhook-signature']).split(' ')).toHaveLength(2);
    await verifiedByBoth(d, endpoint.secret);
    await verifiedByBoth(d, rotated.secret);
    // Without an overlap the old secret stops at once; left out, the server's default is a day.
    const again = await owner.rotateWebhookSecret(endpoint.id, 0);
    expect(again.previousSecretExpiresAt).toBeNull();
    const byDefault = await owner.rotateWebhookSecret(endpoint.id);
    expect(Date.parse(byDefault.previousSecretExpiresAt!) - Date.now()).toBeGreaterThan(23.9 * 3_600_000);
  });

  it("refuses an agent without a manager's role; an API key with WEBHOOKS_MANAGE subscribes and unsubscribes", async () => {
    const { owner } = await organization({ url: server.url });
    const r = await receiver();
    const { inviteAgent } = await owner.request<{ inviteAgent: { token: string } }>(
      'mutation { inviteAgent(input: { email: "bo@acme.test", role: AGENT }) { token } }',
    );
    const { acceptInvite } = await agentClient({ url: server.url }).request<{
      acceptInvite: { accessToken: string; refreshToken: string };
    }>(
      'mutation($t: String!) { acceptInvite(input: { token: $t, name: "Bo", password: "another good password" }) { accessToken refreshToken } }',
      {
        t: inviteAgent.token,
      },
    );
    const agent = agentClient({ url: server.url, session: acceptInvite });
    const refused = await failure(agent.createWebhookEndpoint({ url: r.url }));
    expect(isChinwagError(refused, 'FORBIDDEN')).toBe(true);
    expect(isChinwagError(await failure(agent.webhookEndpoints()), 'FORBIDDEN')).toBe(true);

    const key = async (scopes: string) =>
      (
        await owner.request<{ createApiKey: { secret: string } }>(
          `mutation { createApiKey(name: "integration", scopes: [${scopes}]) { secret } }`,
        )
      ).createApiKey.secret;
    const unscoped = agentClient({ url: server.url, apiKey: await key('CONVERSATIONS_READ') });
    expect(isChinwagError(await failure(unscoped.createWebhookEndpoint({ url: r.url })), 'FORBIDDEN')).toBe(true);

    // How Zapier, Make or n8n subscribe and unsubscribe.
    const zap = agentClient({ url: server.url, apiKey: await key('WEBHOOKS_MANAGE') });
    const hook = await zap.createWebhookEndpoint({ url: r.url, eventTypes: ['CONVERSATION_CREATED'] });
    expect(hook.eventTypes).toEqual(['CONVERSATION_CREATED']);
    expect((await owner.webhookEndpoints()).map((e) => e.id)).toEqual([hook.id]);
    expect(await zap.deleteWebhookEndpoint(hook.id)).toBe(true);
    expect(await owner.webhookEndpoints()).toEqual([]);
    expect(isChinwagError(await failure(zap.deleteWebhookEndpoint(hook.id)), 'NOT_FOUND')).toBe(true);
  });
});
