/**
 * The app against the fake Shopify and a real Chinwag server: install, webhooks, the app
 * proxy, the admin page, uninstall and the compliance webhooks, each with the forgeries
 * and replays an attacker would try.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { identityHash } from '../src/chinwag.js';
import { proxySignature, sessionToken, signAdminQuery } from './fake-shopify.mjs';
import { ADA, GRACE, SHOP, gql, install, start, unavailable, until } from './harness.mjs';

const skip = await unavailable();

describe('the Shopify app', { skip: skip ?? false }, () => {
  let env;
  before(async () => (env = await start()));
  after(() => env?.stop());

  const websites = () =>
    gql(env.chinwag.url, '{ websites { id name publicKey allowedOrigins identitySecret } }', {}, env.owner).then(
      (d) => d.websites,
    );
  /** A storefront request through Shopify's app proxy: `logged in as` a customer or not. */
  const viaProxy = async (path, customerId, init = {}) => {
    const cookie = customerId ? `customer_id=${customerId}` : '';
    return fetch(`${env.storefront}/apps/chinwag${path}`, { ...init, headers: { cookie, ...init.headers } });
  };
  /** The app's proxy endpoint called directly with the given query (as a forger would). */
  const direct = (path, params) => fetch(`${env.appUrl}/proxy${path}?${new URLSearchParams(params)}`);
  /** Identify as the widget would with the proxy's answer, write, and return the conversation as the team sees it. */
  async function chatAs(identity, body) {
    const [site] = await websites();
    const session = await gql(
      env.chinwag.url,
      'mutation($i: StartVisitorSessionInput!) { startVisitorSession(input: $i) { token } }',
      {
        i: {
          websiteKey: site.publicKey,
          externalId: identity.userId,
          userHash: identity.userHash,
          name: identity.name,
          email: identity.email,
          emailHash: identity.emailHash,
        },
      },
      undefined,
      { origin: env.storefront },
    );
    await gql(
      env.chinwag.url,
      'mutation($b: String) { startConversation(input: { body: $b }) { id } }',
      { b: body },
      session.startVisitorSession.token,
    );
    return visitorOf(identity.userId);
  }
  const visitorOf = async (externalId) => {
    const { conversations } = await gql(
      env.chinwag.url,
      '{ conversations(first: 50) { nodes { visitor { id name email externalId attributes { key value fromServer } } } } }',
      {},
      env.owner,
    );
    return conversations.nodes.map((c) => c.visitor).find((v) => v.externalId === externalId);
  };
  const attributes = (visitor) => Object.fromEntries(visitor.attributes.map((a) => [a.key, a.value]));

  test('an install request that Shopify did not sign, or for a shop outside myshopify.com, is refused', async () => {
    const ua = { 'user-agent': 'Mozilla/5.0 Chrome/126.0' };
    const forged = signAdminQuery('not-the-secret', { shop: SHOP });
    assert.equal((await fetch(`${env.appUrl}/auth?${forged}`, { redirect: 'manual', headers: ua })).status, 401);
    const old = signAdminQuery(env.credentials.apiSecret, { shop: SHOP }, { timestamp: Math.floor(Date.now() / 1000) - 3600 });
    assert.equal(
      (await fetch(`${env.appUrl}/auth?${old}`, { redirect: 'manual', headers: ua })).status,
      401,
      'an hour-old signed URL',
    );
    for (const shop of ['evil.example.com', 'acme.myshopify.com.evil.test', 'acme.shopify.com', 'acme.myshopify.io']) {
      const query = signAdminQuery(env.credentials.apiSecret, { shop });
      assert.equal((await fetch(`${env.appUrl}/auth?${query}`, { redirect: 'manual', headers: ua })).status, 400, shop);
    }
    assert.deepEqual(await websites(), []);
  });

  test('an OAuth callback without the install cookie, or with another state, is refused', async () => {
    const ua = { 'user-agent': 'Mozilla/5.0 Chrome/126.0' };
    const begin = await fetch(`${env.appUrl}/auth?${signAdminQuery(env.credentials.apiSecret, { shop: SHOP })}`, {
      redirect: 'manual',
      headers: ua,
    });
    assert.equal(begin.status, 302);
    const cookie = begin.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const callback = (state) =>
      `${env.appUrl}/auth/callback?${signAdminQuery(env.credentials.apiSecret, { code: 'x', shop: SHOP, state, host: 'YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvYWNtZQ' })}`;
    const state = new URL(begin.headers.get('location')).searchParams.get('state');
    assert.equal((await fetch(callback(state), { redirect: 'manual', headers: ua })).status, 401, 'no cookie');
    assert.equal(
      (await fetch(callback('another-state'), { redirect: 'manual', headers: { ...ua, cookie } })).status,
      401,
      'another state',
    );
    assert.deepEqual(await websites(), []);
  });

  test("installing creates the shop's Chinwag website with its domains, gives the theme its key, and keeps the token encrypted", async () => {
    const done = await install(env);
    assert.equal(done.status, 302);
    assert.equal(done.headers.get('location'), 'https://admin.shopify.com/store/acme-outfitters/apps/test-client-id');
    const [site, ...others] = await websites();
    assert.equal(others.length, 0);
    assert.equal(site.name, 'Acme Outfitters');
    assert.deepEqual(site.allowedOrigins.sort(), [`https://${SHOP}`, env.storefront].sort());
    assert.deepEqual(env.shopify.shop(SHOP).metafields, {
      'chinwag.website_key': site.publicKey,
      'chinwag.widget_src': `${env.chinwag.origin}/widget.js`,
    });
    const token = [...env.shopify.shop(SHOP).tokens][0];
    const rows = await env.db.query('select sealed from shopify_sessions union all select sealed from shopify_shops');
    assert.equal(rows.rows.length, 2);
    for (const { sealed } of rows.rows) {
      assert.ok(!sealed.toString('latin1').includes(token), 'the access token is not stored in clear');
      assert.ok(!sealed.toString('latin1').includes(site.publicKey), 'nor the connection');
    }
    // Installing again links the same website.
    await install(env);
    assert.equal((await websites()).length, 1);
  });

  test('the proxy refuses a bad signature, an old timestamp and a second customer id', async () => {
    const now = String(Math.floor(Date.now() / 1000));
    const params = [
      ['shop', SHOP],
      ['logged_in_customer_id', ADA.id],
      ['path_prefix', '/apps/chinwag'],
      ['timestamp', now],
    ];
    const good = proxySignature(env.credentials.apiSecret, params);
    assert.equal((await direct('/identity', [...params, ['signature', good]])).status, 200, 'the control: as Shopify signs it');
    assert.equal(
      (await direct('/identity', [...params, ['signature', good.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'))]])).status,
      401,
    );
    assert.equal((await direct('/identity', [...params, ['signature', proxySignature('guess', params)]])).status, 401);
    assert.equal((await direct('/identity', params)).status, 401, 'no signature');
    const forGrace = params.map(([k, v]) => [k, k === 'logged_in_customer_id' ? GRACE.id : v]);
    assert.equal((await direct('/identity', [...forGrace, ['signature', good]])).status, 401, "Ada's signature on Grace's id");
    const old = params.map(([k, v]) => [k, k === 'timestamp' ? String(Number(now) - 600) : v]);
    assert.equal(
      (await direct('/identity', [...old, ['signature', proxySignature(env.credentials.apiSecret, old)]])).status,
      401,
      'a replay ten minutes on',
    );
    // A visitor adding their own logged_in_customer_id: Shopify signs both values, joined; the app takes neither.
    const smuggled = await viaProxy(`/identity?logged_in_customer_id=${GRACE.id}`, ADA.id);
    assert.equal(smuggled.status, 401);
    const anonymous = await viaProxy(`/identity?logged_in_customer_id=${GRACE.id}`, null);
    assert.equal(anonymous.status, 401);
  });

  test('the proxy gives a logged-in customer their own identity hash, and nothing to anyone else', async () => {
    assert.deepEqual(await (await viaProxy('/identity', null)).json(), {});
    const response = await viaProxy('/identity', ADA.id);
    assert.equal(response.headers.get('cache-control'), 'private, no-store');
    const identity = await response.json();
    const [site] = await websites();
    assert.equal(identity.userId, `shopify:${SHOP}:${ADA.id}`);
    assert.equal(identity.userHash, identityHash(site.identitySecret, identity.userId));
    assert.equal(identity.emailHash, identityHash(site.identitySecret, `email:${ADA.email}`));
    assert.deepEqual([identity.name, identity.email], ['Ada Lovelace', ADA.email]);
    const text = JSON.stringify(identity);
    assert.ok(!text.includes(site.identitySecret) && !text.includes('shpat_'), 'no secret or token reaches the storefront');
    // Chinwag accepts it: the visitor is verified, with the customer's orders as attributes.
    const visitor = await chatAs(identity, 'Where is my order?');
    assert.equal(visitor.name, 'Ada Lovelace');
    await until(async () => attributes(await visitorOf(identity.userId)).orders_count === '2', 'the orders synced on identify');
    const attrs = attributes(await visitorOf(identity.userId));
    assert.equal(attrs.total_spent, '169.90 EUR');
    assert.match(attrs.last_orders, /^#1002 · 2025-01-20 · 120.00 EUR · fulfilled; #1001/);
  });

  test('a webhook with a forged HMAC is refused and changes nothing', async () => {
    const order = { id: 3, customer: { id: Number(ADA.id) } };
    ADA.orders.push({ id: 3, name: '#1003', createdAt: '2025-06-01T12:00:00Z', total: 30, fulfillment: 'UNFULFILLED' });
    for (const forged of [{ secret: 'guess' }, { hmac: '' }, { hmac: 'AAAA' }]) {
      const r = await env.shopify.webhook('orders/create', SHOP, order, forged);
      assert.equal(r.status, 401, JSON.stringify(forged));
    }
    assert.equal(attributes(await visitorOf(`shopify:${SHOP}:${ADA.id}`)).orders_count, '2');
  });

  test("an order webhook updates the customer's attributes in Chinwag; a replay is not acted on twice", async () => {
    // A cart the app itself set before carts were the browser's: the sync removes it.
    const [site] = await websites();
    await env.ctx.chinwag.setAttributes(site.id, `shopify:${SHOP}:${ADA.id}`, { cart_items: '1 × Old shirt' });
    assert.equal(attributes(await visitorOf(`shopify:${SHOP}:${ADA.id}`)).cart_items, '1 × Old shirt');
    const id = 'delivery-1';
    const r = await env.shopify.webhook('orders/create', SHOP, { id: 3, customer: { id: Number(ADA.id) } }, { id });
    assert.equal(r.status, 200);
    const attrs = attributes(await visitorOf(`shopify:${SHOP}:${ADA.id}`));
    assert.equal(attrs.orders_count, '3');
    assert.equal(attrs.total_spent, '199.90 EUR');
    assert.match(attrs.last_orders, /^#1003 · 2025-06-01 · 30.00 EUR · unfulfilled; #1002/);
    assert.equal(attrs.cart_items, undefined);
    const again = await env.shopify.webhook('orders/create', SHOP, { id: 3, customer: { id: Number(ADA.id) } }, { id });
    assert.equal(await again.text(), 'already handled');
    // customers/update: the name as Shopify has it now.
    ADA.firstName = 'Augusta Ada';
    assert.equal((await env.shopify.webhook('customers/update', SHOP, { id: Number(ADA.id) })).status, 200);
    assert.equal(attributes(await visitorOf(`shopify:${SHOP}:${ADA.id}`)).customer_name, 'Augusta Ada Lovelace');
  });

  test("the admin page needs Shopify's signature, and shows the connection", async () => {
    assert.equal((await fetch(`${env.appUrl}/?shop=${SHOP}`)).status, 401);
    assert.equal(
      (await fetch(`${env.appUrl}/?${signAdminQuery('guess', { shop: SHOP, host: 'x', embedded: '1' })}`)).status,
      401,
    );
    const page = await fetch(
      `${env.appUrl}/?${signAdminQuery(env.credentials.apiSecret, { shop: SHOP, host: 'x', embedded: '1' })}`,
    );
    assert.equal(page.status, 200);
    assert.match(
      page.headers.get('content-security-policy'),
      /frame-ancestors https:\/\/acme-outfitters.myshopify.com https:\/\/admin.shopify.com/,
    );
    const html = await page.text();
    assert.match(html, /Connected to Chinwag: website <strong>Acme Outfitters<\/strong>/);
    assert.match(html, /Customer verification: on/);
    assert.ok(html.includes(`href="${env.chinwag.origin}/app/"`));
    assert.ok(!html.includes('shpat_'));
  });

  test('a shop installed by Shopify (managed install) gets its token by token exchange on the admin page', async () => {
    const other = 'beta-boutique.myshopify.com';
    env.shopify.addShop(other, { name: 'Beta Boutique' });
    const forgedToken = sessionToken({ ...env.credentials, apiSecret: 'guess' }, other);
    const refused = await fetch(
      `${env.appUrl}/?${signAdminQuery(env.credentials.apiSecret, { shop: other, host: 'x', embedded: '1', id_token: forgedToken })}`,
    );
    assert.equal(refused.status, 401);
    const query = signAdminQuery(env.credentials.apiSecret, {
      shop: other,
      host: 'x',
      embedded: '1',
      id_token: sessionToken(env.credentials, other),
    });
    const page = await fetch(`${env.appUrl}/?${query}`);
    assert.match(await page.text(), /Connected to Chinwag: website <strong>Beta Boutique<\/strong>/);
    assert.ok((await websites()).some((w) => w.allowedOrigins.includes(`https://${other}`)));
  });

  test('compliance webhooks: a bad HMAC is 401; a data request exports the customer; a redact erases them', async () => {
    const ids = { shop_id: 1, shop_domain: SHOP };
    for (const topic of ['customers/data_request', 'customers/redact', 'shop/redact']) {
      assert.equal((await env.shopify.webhook(topic, SHOP, ids, { secret: 'guess' })).status, 401, topic);
    }
    const request = {
      ...ids,
      customer: { id: Number(ADA.id), email: ADA.email },
      orders_requested: [],
      data_request: { id: 99 },
    };
    assert.equal((await env.shopify.webhook('customers/data_request', SHOP, request)).status, 200);
    const { exports } = await gql(env.chinwag.url, '{ exports { id kind visitorIds } }', {}, env.owner);
    const visitor = await visitorOf(`shopify:${SHOP}:${ADA.id}`);
    assert.deepEqual(
      exports.map((e) => e.visitorIds),
      [[visitor.id]],
    );

    // Grace chats too; redacting Ada must leave her be.
    const grace = await (await viaProxy('/identity', GRACE.id)).json();
    await chatAs(grace, 'Hello');
    assert.equal(
      (await env.shopify.webhook('customers/redact', SHOP, { ...ids, customer: { id: Number(ADA.id) }, orders_to_redact: [] }))
        .status,
      200,
    );
    await until(async () => !(await visitorOf(`shopify:${SHOP}:${ADA.id}`)), "Ada's erasure");
    assert.ok(await visitorOf(grace.userId), 'Grace is still there');
    const rows = await env.db.query('select customer_id from shopify_customers where shop = $1', [SHOP]);
    assert.deepEqual(
      rows.rows.map((r) => r.customer_id),
      [GRACE.id],
    );
  });

  test('shop/redact cannot be replayed against another shop or an installed one; after uninstall it deletes the website and the shop', async () => {
    // A delivery signed for Beta, replayed with Acme's domain in the (unsigned) header.
    const beta = await env.shopify.webhook('shop/redact', SHOP, { shop_id: 2, shop_domain: 'beta-boutique.myshopify.com' });
    assert.equal(beta.status, 401);
    const early = await env.shopify.webhook('shop/redact', SHOP, { shop_id: 1, shop_domain: SHOP });
    assert.equal(early.status, 409, 'Acme is installed');
    const site = (await websites()).find((w) => w.allowedOrigins.includes(`https://${SHOP}`));
    assert.ok(site);

    // Uninstall: the tokens go at once; the storefront's proxy answers no more.
    assert.equal(
      (await env.shopify.webhook('app/uninstalled', SHOP, { id: 1, myshopify_domain: SHOP, domain: SHOP })).status,
      200,
    );
    assert.equal((await env.db.query('select 1 from shopify_sessions where shop = $1', [SHOP])).rowCount, 0);
    assert.equal((await viaProxy('/identity', GRACE.id)).status, 404);

    assert.equal((await env.shopify.webhook('shop/redact', SHOP, { shop_id: 1, shop_domain: SHOP })).status, 200);
    await until(async () => !(await visitorOf(`shopify:${SHOP}:${GRACE.id}`)), "Grace's erasure");
    // The website is deleted: gone from the organization's list, its key refused.
    assert.ok(!(await websites()).some((w) => w.id === site.id));
    await assert.rejects(
      gql(env.chinwag.url, 'query($k: String!) { widgetConfig(websiteKey: $k) { websiteName } }', { k: site.publicKey }),
      /NOT_FOUND/,
    );
    for (const table of ['shopify_sessions', 'shopify_shops', 'shopify_customers', 'shopify_privacy_requests']) {
      assert.equal((await env.db.query(`select 1 from ${table} where shop = $1`, [SHOP])).rowCount, 0, table);
    }
  });
});
