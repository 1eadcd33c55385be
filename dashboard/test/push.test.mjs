// Web Push in the dashboard (docs/dashboard.md, "Notifications on your phone"), in Debian's
// Chromium against a real `chinwag serve`. Headless Chromium reaches no push service, so
// the browser's PushManager is the one thing stood in for: its subscription carries a
// P-256 key made here and an endpoint on a small HTTP server of this test, which plays the
// push service. The server really encrypts and POSTs there (it runs with
// CHINWAG_OUTBOUND_ALLOW_PRIVATE, the endpoint being on 127.0.0.1); the test decrypts
// the message (RFC 8291) and hands it to the dashboard's real service worker the way the
// browser's push service would, through the DevTools protocol
// (`ServiceWorker.deliverPushMessage`); the notification it shows is read back with
// `getNotifications()`, and its click handler is run on it (nobody can click a
// notification in a headless browser).
// The service worker's own functions, called inside it (`worker.evaluate`):
/* global notificationClicked, notificationPath */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createDecipheriv, createECDH, createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import WebSocket from 'ws';
import { createVisitorClient, memoryStorage } from '@chinwag/sdk';
import {
  DESKTOP,
  PHONE,
  accessibilityViolations,
  gql,
  launchBrowser,
  shot,
  signIn,
  signUpOwner,
  startServer,
  until,
} from './harness.mjs';

const ANN = { org: 'Fir Teas', name: 'Ann Fir', email: 'ann@fir.test', password: 'green tea 1234' };
const SUBSCRIBE = 'mutation($e: String!, $p: String!, $a: String!) { subscribeWebPush(endpoint: $e, p256dh: $p, auth: $a) }';
const CONVERSATION = 'query($id: ID!) { conversation(id: $id) { offeredTo { id } assignee { id } } }';

/** A browser's push keys: the P-256 pair (public: 65 bytes, uncompressed) and the 16-byte auth secret. */
function pushKeys() {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const auth = randomBytes(16);
  return { ecdh, auth, p256dh: ecdh.getPublicKey().toString('base64url'), authText: auth.toString('base64url') };
}

const hmac = (key, ...data) => createHmac('sha256', key).update(Buffer.concat(data)).digest();

/** Decrypts an `aes128gcm` push message (RFC 8188 / RFC 8291, one record) with the browser's keys. */
function decrypt(body, { ecdh, auth }) {
  const salt = body.subarray(0, 16);
  const idlen = body[20];
  const serverKey = body.subarray(21, 21 + idlen);
  const sealed = body.subarray(21 + idlen);
  const secret = ecdh.computeSecret(serverKey);
  const ikm = hmac(hmac(auth, secret), Buffer.from('WebPush: info\0'), ecdh.getPublicKey(), serverKey, Buffer.from([1]));
  const prk = hmac(salt, ikm);
  const cek = hmac(prk, Buffer.from('Content-Encoding: aes128gcm\0\x01')).subarray(0, 16);
  const nonce = hmac(prk, Buffer.from('Content-Encoding: nonce\0\x01')).subarray(0, 12);
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(sealed.subarray(-16));
  const padded = Buffer.concat([decipher.update(sealed.subarray(0, -16)), decipher.final()]);
  // The last record: the data, the delimiter 2, then zeros.
  return JSON.parse(padded.subarray(0, padded.lastIndexOf(2)).toString('utf8'));
}

/**
 * Stands in for the page's PushManager: `subscribe` records the options it got and
 * returns a subscription with the given endpoint and keys, kept in localStorage across
 * reloads like a real one; `unsubscribe` drops it.
 */
function stubPushManager({ endpoint, p256dh, auth }) {
  const KEY = 'test:push';
  const make = () => ({
    endpoint,
    expirationTime: null,
    toJSON: () => ({ endpoint, expirationTime: null, keys: { p256dh, auth } }),
    unsubscribe: async () => (localStorage.removeItem(KEY), true),
  });
  PushManager.prototype.subscribe = async function (options) {
    const key = btoa(String.fromCharCode(...new Uint8Array(options.applicationServerKey)));
    localStorage.setItem(KEY, JSON.stringify({ userVisibleOnly: options.userVisibleOnly, key }));
    return make();
  };
  PushManager.prototype.getSubscription = async function () {
    return localStorage.getItem(KEY) ? make() : null;
  };
}

describe('web push', () => {
  let server, browser, receiver, token, meId, websiteKey, publicKey, context, page, cdp, registrationId;
  const keys = pushKeys();
  /** The POSTs the server made to the test's push service: `{ path, headers, body }`. */
  const received = [];
  const visitors = [];
  let endpoint;

  before(async () => {
    receiver = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        received.push({ path: req.url, headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(201).end();
      });
    });
    await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${receiver.address().port}/push/phone`;
    server = await startServer({ env: { CHINWAG_OUTBOUND_ALLOW_PRIVATE: 'true' } });
    browser = await launchBrowser();
    token = await signUpOwner(server, ANN);
    meId = (await gql(server, 'query { me { id } }', {}, token)).data.me.id;
    publicKey = (await gql(server, 'query { webPushPublicKey }', {}, token)).data.webPushPublicKey;
    const site = await gql(server, 'mutation { createWebsite(input: { name: "Fir shop" }) { publicKey } }', {}, token);
    websiteKey = site.data.createWebsite.publicKey;
    const routing = 'mutation { updateRoutingSettings(input: { assignment: ROUND_ROBIN, offerSeconds: 120 }) { offerSeconds } }';
    assert.equal((await gql(server, routing, {}, token)).data.updateRoutingSettings.offerSeconds, 120);

    page = await signIn(browser, server, ANN, PHONE);
    context = page.context();
    await context.grantPermissions(['notifications'], { origin: server.origin });
    await context.addInitScript(stubPushManager, { endpoint, p256dh: keys.p256dh, auth: keys.authText });
    await page.reload();
    await page.getByRole('link', { name: 'Settings', exact: true }).waitFor();
    // The built dashboard registers its service worker on load.
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
    cdp = await context.newCDPSession(page);
    const registrations = [];
    cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => registrations.push(...e.registrations));
    await cdp.send('ServiceWorker.enable');
    registrationId = (
      await until(
        () => registrations.find((r) => r.scopeURL === `${server.origin}/app/` && !r.isDeleted),
        'the service worker registration',
      )
    ).registrationId;
  });
  after(async () => {
    visitors.forEach((v) => v.dispose());
    await browser?.close();
    await server?.stop();
    receiver?.close();
  });

  const testPushes = async () => (await gql(server, 'mutation { testWebPush }', {}, token)).data.testWebPush;
  const toSettings = async () => {
    await page.goto(`${server.origin}/app/settings/account`);
    return page.getByRole('switch', { name: 'Push notifications' });
  };
  /** The service worker, as Playwright reaches it (to read its notifications, run its handlers). */
  const worker = async () => context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
  const notifications = async () =>
    (await worker()).evaluate(async () =>
      (await self.registration.getNotifications()).map((n) => ({
        title: n.title,
        body: n.body,
        tag: n.tag,
        requireInteraction: n.requireInteraction,
        actions: n.actions.map((a) => a.action),
        data: n.data,
      })),
    );
  /** Delivers `payload` to the service worker as the browser does a push message. */
  const deliver = (payload) =>
    cdp.send('ServiceWorker.deliverPushMessage', { origin: server.origin, registrationId, data: JSON.stringify(payload) });
  const pushesTo = (path) => received.filter((r) => r.path === path);
  /** Waits for the `n`th push to the phone's endpoint and decrypts it. */
  const nthPush = async (n) => decrypt((await until(() => pushesTo('/push/phone')[n - 1], `push ${n}`)).body, keys);

  test('the switch subscribes this device with the server key, and Send a test makes the server push to it', async () => {
    const toggle = await toSettings();
    await until(
      async () => (await toggle.isEnabled()) && (await toggle.getAttribute('aria-checked')) === 'false',
      'the switch, off',
    );
    assert.match(await page.locator('#push-state').textContent(), /^Off\./);
    await shot(page, 'push-settings-phone-off');

    await toggle.click();
    await until(async () => (await toggle.getAttribute('aria-checked')) === 'true', 'the switch, on');
    assert.match(await page.locator('#push-state').textContent(), /^On:/);
    // Subscribed with the server's key, for notifications the agent sees.
    const options = JSON.parse(await page.evaluate(() => localStorage.getItem('test:push')));
    assert.deepEqual(options, { userVisibleOnly: true, key: Buffer.from(publicKey, 'base64url').toString('base64') });

    // A second device of the agent's.
    const laptop = pushKeys();
    const second = `http://127.0.0.1:${receiver.address().port}/push/laptop`;
    assert.equal(
      (await gql(server, SUBSCRIBE, { e: second, p: laptop.p256dh, a: laptop.authText }, token)).data.subscribeWebPush,
      true,
    );

    await page.getByRole('button', { name: 'Send a test' }).click();
    await page.getByText('Sent to 2 devices').waitFor();
    const [push] = await until(() => (pushesTo('/push/phone').length ? pushesTo('/push/phone') : null), 'a push to the phone');
    await until(() => pushesTo('/push/laptop').length, 'a push to the laptop');
    assert.equal(push.headers['content-encoding'], 'aes128gcm');
    const vapid = push.headers.authorization.match(/^vapid t=([\w-]+\.[\w-]+\.[\w-]+), k=([\w-]+)$/);
    assert.ok(vapid, push.headers.authorization);
    assert.equal(vapid[2], publicKey);
    const claims = JSON.parse(Buffer.from(vapid[1].split('.')[1], 'base64url').toString());
    assert.equal(claims.aud, `http://127.0.0.1:${receiver.address().port}`);
    const message = decrypt(push.body, keys);
    assert.equal(message.kind, 'test');
    assert.equal(message.expiresAt, null);
    await shot(page, 'push-settings-phone-on');
    assert.deepEqual(await accessibilityViolations(page), []);
    assert.deepEqual(page.errors, []);
  });

  test('on load the dashboard gives the server this device again; off unsubscribes both sides', async () => {
    const forget = 'mutation($e: String!) { unsubscribeWebPush(endpoint: $e) }';
    assert.equal((await gql(server, forget, { e: endpoint }, token)).data.unsubscribeWebPush, true);
    assert.equal(await testPushes(), 1);
    // As after the service worker renewed the subscription with no dashboard open.
    const toggle = await toSettings();
    await until(async () => (await testPushes()) === 2, 'the subscription saved again on load');
    await until(async () => (await toggle.getAttribute('aria-checked')) === 'true', 'the switch, on');

    await toggle.click();
    await until(async () => (await toggle.getAttribute('aria-checked')) === 'false', 'the switch, off');
    assert.equal(await page.evaluate(() => localStorage.getItem('test:push')), null);
    assert.equal(await testPushes(), 1);
    assert.equal(await page.getByRole('button', { name: 'Send a test' }).count(), 0);

    await toggle.click();
    await until(async () => (await toggle.getAttribute('aria-checked')) === 'true', 'the switch, on again');
    assert.equal(await testPushes(), 2);
    assert.deepEqual(page.errors, []);
  });

  test('the service worker shows a push: title, body, a tag per conversation; an offer past its time is not shown', async () => {
    await page.goto(`${server.origin}/healthz`); // no dashboard window in front
    await deliver({ kind: 'test', conversationId: null, title: 'Test from Chinwag', body: 'It works', expiresAt: null });
    const [shown] = await until(async () => {
      const list = await notifications();
      return list.length ? list : null;
    }, 'the test notification');
    assert.deepEqual(shown, {
      title: 'Test from Chinwag',
      body: 'It works',
      tag: 'test',
      requireInteraction: false,
      actions: [],
      data: { kind: 'test', conversationId: null, expiresAt: null },
    });
    await deliver({ kind: 'assigned', conversationId: 'cnv_x', title: 'First', body: 'one', expiresAt: null });
    await deliver({ kind: 'assigned', conversationId: 'cnv_x', title: 'Second', body: 'two', expiresAt: null });
    await deliver({ kind: 'offer', conversationId: 'cnv_old', title: 'Old', body: 'gone', expiresAt: Date.now() - 1000 });
    await until(async () => (await notifications()).some((n) => n.title === 'Second'), 'the second notification');
    // The second replaced the first (one tag); the offer past its time is not there.
    const list = await notifications();
    assert.deepEqual(list.map((n) => [n.tag, n.title]).sort(), [
      ['cnv_x', 'Second'],
      ['test', 'Test from Chinwag'],
    ]);
    await (await worker()).evaluate(async () => (await self.registration.getNotifications()).forEach((n) => n.close()));
    await until(async () => (await notifications()).length === 0, 'the notifications closed');
  });

  test("with a dashboard window in front, a chat's push is left to the page; a test still shows", async () => {
    await page.goto(`${server.origin}/app/inbox/unassigned`);
    await page.getByRole('link', { name: 'Settings', exact: true }).waitFor();
    await until(() => page.evaluate(() => document.hasFocus()), 'the window focused');
    await deliver({ kind: 'assigned', conversationId: 'cnv_y', title: 'Assigned', body: 'in front', expiresAt: null });
    await deliver({ kind: 'test', conversationId: null, title: 'Test', body: 'in front', expiresAt: null });
    await until(async () => (await notifications()).some((n) => n.tag === 'test'), 'the test notification');
    assert.deepEqual(
      (await notifications()).map((n) => n.tag),
      ['test'],
    );
    await (await worker()).evaluate(async () => (await self.registration.getNotifications()).forEach((n) => n.close()));
    await until(async () => (await notifications()).length === 0, 'the notifications closed');
    await page.goto(`${server.origin}/healthz`);
  });

  test("an offer's notification, with the dashboard closed; its Accept opens the dashboard and the chat is the agent's", async () => {
    // Online with the dashboard open on another computer: the router offers chats to Ann.
    const desk = await signIn(browser, server, ANN, DESKTOP);
    await gql(server, 'mutation { setAgentStatus(status: ONLINE) { status } }', {}, token);
    await until(
      async () => (await gql(server, 'query { agents { isOnline } }', {}, token)).data.agents[0].isOnline,
      'Ann online',
    );
    const before = pushesTo('/push/phone').length;
    const v = createVisitorClient({ url: server.graphql, websiteKey, storage: memoryStorage(), webSocketImpl: WebSocket });
    visitors.push(v);
    const id = (await v.startConversation('Do you sell sencha?')).id;
    const offer = await nthPush(before + 1);
    assert.equal(offer.kind, 'offer');
    assert.equal(offer.conversationId, id);
    assert.ok(offer.expiresAt > Date.now() && offer.expiresAt <= Date.now() + 121_000, `expiresAt ${offer.expiresAt}`);
    assert.match(`${offer.title} ${offer.body}`, /sencha/);

    await deliver(offer);
    const shown = await until(async () => (await notifications()).find((n) => n.tag === id), 'the offer notification');
    assert.deepEqual(shown, {
      title: offer.title,
      body: offer.body,
      tag: id,
      requireInteraction: true,
      actions: ['accept'],
      data: { kind: 'offer', conversationId: id, expiresAt: offer.expiresAt },
    });

    // The agent opens the dashboard on the phone later; Accept on the notification
    // moves that window to the offer, which it accepts.
    await page.goto(`${server.origin}/app/inbox/unassigned`);
    await page.getByRole('link', { name: 'Settings', exact: true }).waitFor();
    await (await worker()).evaluate(async () => notificationClicked((await self.registration.getNotifications())[0]));
    await page.waitForURL(new RegExp(`/app/inbox/mine/${id}$`));
    await page.getByText(/is yours$/).waitFor();
    const c = (await gql(server, CONVERSATION, { id }, token)).data.conversation;
    assert.equal(c.assignee?.id, meId);
    assert.equal(c.offeredTo, null);
    assert.deepEqual(await notifications(), []);
    await shot(page, 'push-accepted-phone');

    // Opened from the notification with no window (the path it opens), once taken: the
    // server's answer is shown.
    const path = await (await worker()).evaluate((data) => notificationPath(data), shown.data);
    assert.equal(path, `inbox/unassigned?accept=${id}`);
    await page.goto(`${server.origin}/app/${path}`);
    await page.waitForURL(/\/app\/inbox\/unassigned$/);
    const refused = await gql(server, 'mutation($id: ID!) { acceptOffer(conversationId: $id) { id } }', { id }, token);
    const toast = page.locator('.toast-error');
    await toast.waitFor();
    assert.equal(await toast.textContent(), `Could not accept the chat: ${refused.errors[0].message}`);
    assert.deepEqual(page.errors, []);
    assert.deepEqual(desk.errors, []);
    await desk.context().close();
  });

  test('signing out stops notifications to this device', async () => {
    await page.goto(`${server.origin}/app/inbox/unassigned`);
    await until(async () => (await testPushes()) === 2, 'both devices subscribed');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Email').waitFor();
    assert.equal(await testPushes(), 1);
    assert.equal(await page.evaluate(() => localStorage.getItem('test:push')), null);
    assert.deepEqual(page.errors, []);
  });

  test('on an iPhone outside the installed app, the page says to add it to the Home Screen first', async () => {
    const iphone = await browser.newContext({
      ...PHONE,
      userAgent:
        'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
    });
    // Safari outside a Home Screen app has no Push API.
    await iphone.addInitScript(() => {
      delete window.PushManager;
    });
    const safari = await iphone.newPage();
    safari.errors = [];
    safari.on('pageerror', (e) => safari.errors.push(e));
    await safari.goto(`${server.origin}/app/`);
    await safari.getByLabel('Email').fill(ANN.email);
    await safari.getByLabel('Password').fill(ANN.password);
    await safari.getByRole('button', { name: 'Sign in' }).click();
    await safari.getByRole('link', { name: 'Settings', exact: true }).click();
    await safari.getByRole('link', { name: 'Account & notifications' }).click();
    await safari.getByText(/add Chinwag to your Home Screen first/).waitFor();
    assert.equal(await safari.getByRole('switch', { name: 'Push notifications' }).isDisabled(), true);
    await shot(safari.locator('.push'), 'push-settings-iphone');
    assert.deepEqual(safari.errors, []);
    await iphone.close();
  });

  test('the settings on a desktop', async () => {
    const desk = await signIn(browser, server, ANN, DESKTOP);
    await desk.context().grantPermissions(['notifications'], { origin: server.origin });
    await desk.goto(`${server.origin}/app/settings/account`);
    const toggle = desk.getByRole('switch', { name: 'Push notifications' });
    await until(async () => await toggle.isEnabled(), 'the switch');
    await shot(desk, 'push-settings-desktop');
    await desk.context().close();
  });
});
