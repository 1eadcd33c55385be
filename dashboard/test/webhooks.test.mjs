// Settings › Webhooks, in Debian's Chromium against a real `chinwag serve` that may deliver
// to 127.0.0.1 (CHINWAG_OUTBOUND_ALLOW_PRIVATE): the owner opens /app/webhooks (the link
// of the server's "endpoint disabled" email), adds an endpoint for a local receiver with two
// event types, sends a test event, and the receiver gets it signed per Standard Webhooks
// (checked here with the secret the page reveals) while the log shows it succeeded with
// 204. An invalid URL is refused beside its field, the 21st endpoint under the form, and
// nothing is stored. The endpoint is disabled and enabled again with its switch, its secret
// rotated through the dialog, an attempt replayed (a manual one appears), older attempts
// paged in with "Load more", events missed while disabled recovered, a refused test's
// answer shown, the endpoint edited and deleted. The pages fit 390 px; an agent sees no
// Webhooks entry. Every screen passes axe. A second server, without the switch, refuses a
// private address beside the URL field.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import {
  DESKTOP,
  PHONE,
  accessibilityViolations,
  addAgent,
  gql,
  launchBrowser,
  logInToken,
  shot,
  signIn,
  signUpOwner,
  startServer,
  until,
} from './harness.mjs';

const OWNER = { org: 'Lund Lamps', name: 'Lene Lund', email: 'lene@lamps.test', password: 'brass shades and bulbs' };
const AGENT = { name: 'Ole Olsen', email: 'ole@lamps.test', password: 'wicks and wax candles' };
const ENDPOINTS = 'query { webhookEndpoints { id url description eventTypes secret enabled disabledReason } }';
const SESSION = 'mutation($i: StartVisitorSessionInput!) { startVisitorSession(input: $i) { token } }';

/**
 * A local receiver: records each request (headers and raw body) and answers `status`
 * (204 unless a test changes it).
 */
async function startReceiver() {
  const requests = [];
  const receiver = { requests, status: 204, body: '' };
  const http = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    requests.push({ path: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
    res.writeHead(receiver.status, { 'content-type': 'text/plain' }).end(receiver.body);
  });
  await new Promise((r) => http.listen(0, '127.0.0.1', r));
  receiver.url = `http://127.0.0.1:${http.address().port}/hooks`;
  // The server keeps its connections to a receiver alive: close them too.
  receiver.close = () =>
    new Promise((r) => {
      http.close(r);
      http.closeAllConnections();
    });
  return receiver;
}

/** Whether `secret` signed the delivery (Standard Webhooks: HMAC-SHA256 of `id.timestamp.body`). */
function signedBy(secret, { headers, body }) {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key)
    .update(`${headers['webhook-id']}.${headers['webhook-timestamp']}.${body}`)
    .digest('base64');
  return headers['webhook-signature'].split(' ').includes(`v1,${expected}`);
}

describe('Webhooks', () => {
  let server, browser, page, token, receiver;

  before(async () => {
    receiver = await startReceiver();
    server = await startServer({ env: { CHINWAG_OUTBOUND_ALLOW_PRIVATE: 'true' } });
    browser = await launchBrowser();
    token = await signUpOwner(server, OWNER);
    await addAgent(server, token, AGENT);
    page = await signIn(browser, server, OWNER, DESKTOP);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await receiver?.close();
  });

  const endpoints = async () => (await gql(server, ENDPOINTS, {}, token)).data.webhookEndpoints;
  const rows = (p) => p.getByRole('table', { name: 'Delivery attempts' }).locator('tbody tr:not(.delivery-detail)');
  const secretOf = async (p) => (await p.getByLabel('Secret', { exact: true }).innerText()).trim();

  test('added from /app/webhooks, a test event arrives signed and the log shows it succeeded with 204', async () => {
    await page.goto(`${server.origin}/app/webhooks`);
    await page.getByRole('heading', { name: 'Webhooks', exact: true }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/app/settings/webhooks', 'the emailed link opens the section');
    await page.getByRole('heading', { name: 'No endpoints yet' }).waitFor();
    assert.equal(
      await page
        .getByRole('navigation', { name: 'Settings' })
        .getByRole('link', { name: 'Webhooks' })
        .getAttribute('aria-current'),
      'page',
    );
    await shot(page, 'webhooks-empty');
    assert.deepEqual(await accessibilityViolations(page), [], 'no endpoints yet');

    const form = page.getByRole('form', { name: 'Add an endpoint' });
    await form.getByLabel('Endpoint URL').fill(receiver.url);
    await form.getByLabel('Description (optional)').fill('Order system');
    await form.getByRole('checkbox', { name: 'conversation.created' }).check();
    await form.getByRole('checkbox', { name: 'message.created' }).check();
    assert.equal(await form.getByRole('checkbox', { name: 'webhook.test' }).count(), 0, 'test events are not a filter choice');
    await form.getByRole('button', { name: 'Add endpoint' }).click();

    // The new endpoint's page.
    await page.getByRole('heading', { name: receiver.url }).waitFor();
    const [stored] = await endpoints();
    assert.equal(new URL(page.url()).pathname, `/app/settings/webhooks/${stored.id}`);
    assert.deepEqual(
      { url: stored.url, description: stored.description, eventTypes: stored.eventTypes, enabled: stored.enabled },
      { url: receiver.url, description: 'Order system', eventTypes: ['CONVERSATION_CREATED', 'MESSAGE_CREATED'], enabled: true },
    );
    await page.getByText('conversation.created, message.created').waitFor();
    await page.getByRole('heading', { name: 'No deliveries yet' }).waitFor();

    // The secret is hidden until revealed.
    assert.equal(await page.getByText(stored.secret).count(), 0, 'hidden at first');
    await page.getByRole('button', { name: 'Reveal' }).click();
    const secret = await secretOf(page);
    assert.match(secret, /^whsec_/);
    assert.equal(secret, stored.secret);
    await page.getByRole('button', { name: 'Hide' }).click();
    assert.notEqual(await secretOf(page), secret);

    await page.getByRole('button', { name: 'Send test event' }).click();
    const delivery = await until(() => receiver.requests[0], 'the test delivery');
    for (const header of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
      assert.ok(delivery.headers[header], `${header}: ${JSON.stringify(delivery.headers)}`);
    }
    assert.ok(signedBy(secret, delivery), `signed with the revealed secret: ${delivery.headers['webhook-signature']}`);
    assert.equal(JSON.parse(delivery.body).type, 'webhook.test');

    // The attempt appears in the log by itself.
    const row = rows(page).first();
    await row.getByText('Succeeded').waitFor();
    const cells = await row.locator('td').allInnerTexts();
    assert.match(cells[1], /webhook\.test\s+Attempt #1/);
    assert.match(cells[2], /Succeeded/);
    assert.match(cells[3], /204/);
    assert.match(cells[4], /\d+ ms/);
    assert.equal(await rows(page).count(), 1);
    await shot(page, 'webhooks-endpoint');
    assert.deepEqual(await accessibilityViolations(page), [], 'the endpoint with its log');
    assert.deepEqual(page.errors, []);
  });

  test('an invalid URL is refused beside its field, and nothing is stored', async () => {
    await page.goto(`${server.origin}/app/settings/webhooks`);
    const list = page.getByRole('list', { name: 'Webhook endpoints' });
    const card = list.getByRole('listitem').filter({ hasText: receiver.url });
    await card.getByText('Order system').waitFor();
    await card.getByText('conversation.created, message.created').waitFor();
    await card.getByText('Enabled').waitFor();

    const form = page.getByRole('form', { name: 'Add an endpoint' });
    const url = form.getByLabel('Endpoint URL');
    await url.fill('ftp://x');
    await form.getByRole('button', { name: 'Add endpoint' }).click();
    const error = form.getByText('The URL must be an absolute http or https URL.');
    await error.waitFor();
    assert.equal(await url.getAttribute('aria-invalid'), 'true');
    // Beside the field: its description names the error, and focus went back to it.
    const described = await url.getAttribute('aria-describedby');
    assert.ok(described.split(' ').includes(await error.getAttribute('id')), `aria-describedby: ${described}`);
    assert.equal(await url.evaluate((i) => i === document.activeElement), true);
    assert.equal((await endpoints()).length, 1, 'nothing stored');
    assert.equal(new URL(page.url()).pathname, '/app/settings/webhooks');
    await shot(page, 'webhooks-invalid-url');
    assert.deepEqual(await accessibilityViolations(page), [], 'the refused form');

    // At 20 endpoints the 21st is refused under the form (no field is at fault).
    const extra = [];
    for (let i = 0; i < 19; i++) {
      const r = await gql(
        server,
        'mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { id } }',
        { i: { url: `${receiver.url}/extra-${i}` } },
        token,
      );
      extra.push(r.data.createWebhookEndpoint.id);
    }
    await url.fill(`${receiver.url}/one-too-many`);
    await form.getByRole('button', { name: 'Add endpoint' }).click();
    await form.getByRole('alert').filter({ hasText: 'An organization has at most 20 webhook endpoints' }).waitFor();
    assert.equal(await url.getAttribute('aria-invalid'), null, 'not the URL’s fault');
    assert.equal((await endpoints()).length, 20);
    for (const id of extra) await gql(server, 'mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }', { id }, token);
    assert.deepEqual(page.errors, []);
  });

  test('disabled and enabled again, its secret rotated, an attempt replayed, older attempts paged in', async () => {
    const [endpoint] = await endpoints();
    await page.goto(`${server.origin}/app/settings/webhooks/${endpoint.id}`);
    const switchOn = page.getByRole('switch', { name: 'Send events to this endpoint' });
    await switchOn.click();
    const head = page.locator('.endpoint-head');
    await head.getByText('Disabled', { exact: true }).waitFor();
    await head.getByText('Disabled by hand').waitFor();
    assert.equal(await switchOn.getAttribute('aria-checked'), 'false');
    assert.deepEqual(
      (await endpoints()).map((e) => [e.enabled, e.disabledReason]),
      [[false, 'disabled by hand']],
    );
    await shot(page, 'webhooks-disabled');
    // And on the list.
    await page.getByRole('link', { name: 'All endpoints' }).click();
    const card = page.getByRole('list', { name: 'Webhook endpoints' }).getByRole('listitem').first();
    await card.getByText('Disabled by hand').waitFor();
    await card.getByRole('link').click();
    await switchOn.click();
    await head.getByText('Enabled', { exact: true }).waitFor();
    assert.equal((await endpoints())[0].enabled, true);

    // Rotation, asked first.
    await page.getByRole('button', { name: 'Reveal' }).click();
    const before = await secretOf(page);
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    const dialog = page.getByRole('dialog', { name: 'Rotate the signing secret?' });
    await dialog.getByText('For the next 24 hours', { exact: false }).waitFor();
    assert.deepEqual(await accessibilityViolations(page), [], 'the rotate dialog');
    await dialog.getByRole('button', { name: 'Rotate secret' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await until(async () => (await secretOf(page)) !== before, 'the new secret shown');
    const rotated = await secretOf(page);
    assert.match(rotated, /^whsec_/);
    assert.equal(rotated, (await endpoints())[0].secret);
    await page.getByText('The previous secret also signs deliveries until').waitFor();

    // Replay: the same event again, by hand, signed by both secrets.
    const sent = receiver.requests.length;
    await rows(page)
      .first()
      .getByRole('button', { name: /^Replay webhook\.test attempt #1/ })
      .click();
    await page.getByRole('table', { name: 'Delivery attempts' }).getByText('manual', { exact: true }).waitFor();
    const replayed = await until(() => receiver.requests[sent], 'the replayed delivery');
    assert.equal(replayed.headers['webhook-id'], receiver.requests[0].headers['webhook-id'], 'the same event');
    assert.ok(signedBy(rotated, replayed) && signedBy(before, replayed), 'both secrets sign during the overlap');
    assert.equal(await rows(page).count(), 2);

    // 20 more tests: the log shows the newest 20, and "Load more" the rest.
    for (let i = 0; i < 20; i++) {
      const r = await gql(server, 'mutation($id: ID!) { testWebhookEndpoint(id: $id) }', { id: endpoint.id }, token);
      assert.ok(r.data, JSON.stringify(r));
    }
    await until(() => receiver.requests.length >= sent + 21, 'the 20 deliveries');
    await until(async () => {
      const r = await gql(
        server,
        'query($id: ID!) { webhookEndpoint(id: $id) { attempts(first: 30) { edges { cursor } } } }',
        { id: endpoint.id },
        token,
      );
      return r.data.webhookEndpoint.attempts.edges.length === 22;
    }, 'the 22 attempts recorded');
    await page.reload();
    await rows(page).first().waitFor();
    assert.equal(await rows(page).count(), 20);
    await page.getByText('Showing the newest 20 attempts.').waitFor();
    await page.getByRole('button', { name: 'Load more' }).click();
    await page.getByText('Showing all 22 attempts.').waitFor();
    assert.equal(await rows(page).count(), 22);
    assert.equal(await page.getByRole('button', { name: 'Load more' }).count(), 0);
    await shot(page, 'webhooks-log');
    assert.deepEqual(await accessibilityViolations(page), [], 'the full log');
    assert.deepEqual(page.errors, []);
  });

  test('events missed while disabled are recovered (the page says how many), and a refused test shows its answer', async () => {
    const [endpoint] = await endpoints();
    const enable = (enabled) =>
      gql(
        server,
        'mutation($id: ID!, $on: Boolean!) { updateWebhookEndpoint(id: $id, input: { enabled: $on }) { id } }',
        {
          id: endpoint.id,
          on: enabled,
        },
        token,
      );
    // A second endpoint, always on, shows when the chat's events have been handed to the
    // endpoints (that happens in the background): only then may the first be on again.
    const witness = await gql(
      server,
      'mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { id } }',
      { i: { url: `${receiver.url}/witness`, eventTypes: ['MESSAGE_CREATED'] } },
      token,
    );
    const seenBy = (path) => receiver.requests.filter((r) => r.path === path && !JSON.parse(r.body).type.startsWith('webhook.'));
    // A chat while the endpoint is off: its conversation.created and message.created are missed.
    await enable(false);
    const site = (await gql(server, 'mutation { createWebsite(input: { name: "Lamps" }) { publicKey } }', {}, token)).data
      .createWebsite;
    const visitor = (await gql(server, SESSION, { i: { websiteKey: site.publicKey, name: 'Vera' } })).data.startVisitorSession;
    await gql(server, 'mutation { startConversation(input: { body: "Do you ship lamps?" }) { id } }', {}, visitor.token);
    await until(() => seenBy('/hooks/witness').length, 'message.created at the other endpoint');
    await gql(
      server,
      'mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }',
      { id: witness.data.createWebhookEndpoint.id },
      token,
    );
    await enable(true);
    const chatEvents = () => seenBy('/hooks');
    assert.equal(chatEvents().length, 0, 'nothing delivered while off');

    await page.goto(`${server.origin}/app/settings/webhooks/${endpoint.id}`);
    const since = page.getByLabel('Recover failed events since');
    assert.ok(await since.inputValue(), 'a day ago by default');
    await page.getByRole('button', { name: 'Recover', exact: true }).click();
    await page.getByText('Resent 2 events.').waitFor();
    await until(() => chatEvents().length === 2, 'the two events delivered');
    assert.deepEqual(
      chatEvents()
        .map((r) => JSON.parse(r.body).type)
        .sort(),
      ['conversation.created', 'message.created'],
    );
    // Their attempts come into the log, marked manual.
    const table = page.getByRole('table', { name: 'Delivery attempts' });
    await table.getByRole('row').filter({ hasText: 'message.created' }).getByText('manual', { exact: true }).waitFor();
    await table.getByRole('row').filter({ hasText: 'conversation.created' }).getByText('manual', { exact: true }).waitFor();
    await page.getByLabel('Recover failed events since').scrollIntoViewIfNeeded();
    await shot(page, 'webhooks-recovered');
    assert.deepEqual(await accessibilityViolations(page), [], 'after recovering');

    // A refused test: failed, with the receiver's status, the next attempt's time and its answer.
    receiver.status = 500;
    receiver.body = 'Upstream database is down';
    await page.getByRole('button', { name: 'Send test event' }).click();
    const failed = rows(page).first();
    await failed.getByText('Failed', { exact: true }).waitFor();
    receiver.status = 204;
    receiver.body = '';
    const cells = await failed.locator('td').allInnerTexts();
    assert.match(cells[3], /500/);
    assert.ok(await failed.locator('td').nth(5).locator('time').getAttribute('datetime'), 'a next attempt');
    const toggle = failed.getByRole('button', { name: 'Response' });
    await toggle.click();
    assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
    await page.getByRole('table', { name: 'Delivery attempts' }).getByText('Upstream database is down').waitFor();
    await page.getByText('Failing since', { exact: false }).first().waitFor();
    await failed.scrollIntoViewIfNeeded();
    await shot(page, 'webhooks-failed-attempt');
    assert.deepEqual(await accessibilityViolations(page), [], 'a failed attempt, its response open');
    assert.deepEqual(page.errors, []);
  });

  test('edited and deleted, after asking', async () => {
    const [endpoint] = await endpoints();
    await page.goto(`${server.origin}/app/settings/webhooks/${endpoint.id}`);
    await page.getByRole('button', { name: 'Edit', exact: true }).click();
    const form = page.getByRole('form', { name: 'Edit endpoint' });
    assert.equal(await form.getByLabel('Endpoint URL').inputValue(), receiver.url);
    assert.equal(await form.getByRole('checkbox', { name: 'message.created' }).isChecked(), true);
    await form.getByLabel('Description (optional)').fill('Order system (staging)');
    await form.getByRole('checkbox', { name: 'conversation.created' }).uncheck();
    await form.getByRole('checkbox', { name: 'message.created' }).uncheck();
    await form.getByLabel('Rate limit (optional)').fill('0');
    await form.getByRole('button', { name: 'Save endpoint' }).click();
    await form.getByText('The rate limit must be between 1 and 10000', { exact: false }).waitFor();
    assert.equal(await form.getByLabel('Rate limit (optional)').getAttribute('aria-invalid'), 'true');
    await form.getByLabel('Rate limit (optional)').fill('50');
    await form.getByRole('button', { name: 'Save endpoint' }).click();
    await form.waitFor({ state: 'detached' });
    await page.getByText('Order system (staging)').waitFor();
    await page.getByText('All events').waitFor();
    await page.getByText('50 per second').waitFor();
    const [edited] = await endpoints();
    assert.deepEqual([edited.description, edited.eventTypes], ['Order system (staging)', []]);

    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete this endpoint?' });
    await dialog.getByText('This cannot be undone.', { exact: false }).waitFor();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('heading', { name: 'No endpoints yet' }).waitFor();
    assert.deepEqual(await endpoints(), []);
    assert.deepEqual(page.errors, []);
  });

  test('at 390 px the list and an endpoint fit', async () => {
    const made = await gql(
      server,
      'mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { id } }',
      { i: { url: `${receiver.url}/a-rather-long-path/for-the-phone`, description: 'Phone check' } },
      token,
    );
    const id = made.data.createWebhookEndpoint.id;
    await gql(server, 'mutation($id: ID!) { testWebhookEndpoint(id: $id) }', { id }, token);
    const phone = await signIn(browser, server, OWNER, PHONE);
    await phone.goto(`${server.origin}/app/webhooks`);
    await phone.getByRole('list', { name: 'Webhook endpoints' }).waitFor();
    const fits = async (what) => {
      const width = await phone.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 390, `${what}: no sideways scroll (${width})`);
    };
    await fits('the list');
    await shot(phone, 'webhooks-phone-list');
    assert.deepEqual(await accessibilityViolations(phone), [], 'the list at 390 px');
    await phone.getByRole('link', { name: /a-rather-long-path/ }).click();
    await rows(phone).first().getByText('Succeeded').waitFor();
    await fits('the endpoint');
    await rows(phone).first().scrollIntoViewIfNeeded();
    await shot(phone, 'webhooks-phone-endpoint');
    assert.deepEqual(await accessibilityViolations(phone), [], 'the endpoint at 390 px');
    assert.deepEqual(phone.errors, []);
    await phone.context().close();
  });

  test('an agent sees no Webhooks entry, and /app/webhooks says who may open it', async () => {
    const agent = await signIn(browser, server, AGENT, DESKTOP);
    await agent.goto(`${server.origin}/app/settings`);
    await agent.getByRole('link', { name: 'Blocked visitors' }).waitFor();
    assert.equal(await agent.getByRole('link', { name: 'Webhooks' }).count(), 0);
    await agent.goto(`${server.origin}/app/webhooks`);
    await agent.getByRole('heading', { name: 'Webhooks is for owners and admins' }).waitFor();
    assert.equal(await agent.getByRole('form', { name: 'Add an endpoint' }).count(), 0);
    // The server agrees.
    const refused = await gql(server, ENDPOINTS, {}, await logInToken(server, AGENT));
    assert.equal(refused.errors?.[0]?.extensions?.code, 'FORBIDDEN', JSON.stringify(refused));
    assert.deepEqual(await accessibilityViolations(agent), [], 'the barred section');
    assert.deepEqual(agent.errors, []);
    await agent.context().close();
  });
});

describe('Webhooks on a server that keeps to public addresses', () => {
  let server, browser;
  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    await signUpOwner(server, OWNER);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('a private address is refused beside the URL field, and nothing is stored', async () => {
    const page = await signIn(browser, server, OWNER, DESKTOP);
    await page.goto(`${server.origin}/app/webhooks`);
    const form = page.getByRole('form', { name: 'Add an endpoint' });
    const url = form.getByLabel('Endpoint URL');
    await url.fill('http://127.0.0.1:9/hooks');
    await form.getByRole('button', { name: 'Add endpoint' }).click();
    await form.getByText('The URL resolves to 127.0.0.1, a private address; webhooks go to public addresses.').waitFor();
    assert.equal(await url.getAttribute('aria-invalid'), 'true');
    await page.getByRole('heading', { name: 'No endpoints yet' }).waitFor();
    const token = await logInToken(server, OWNER);
    assert.deepEqual((await gql(server, ENDPOINTS, {}, token)).data.webhookEndpoints, []);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });
});
