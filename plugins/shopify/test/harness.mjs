/**
 * The fixture of the app's tests: a real `chinwag serve` (sdk-js/test/server.mjs: this
 * repository's debug build or $CHINWAG_BIN, a free port, a temporary data directory,
 * serving the built widget and dashboard) with an organization and the API key the app's
 * operator would make; a PostgreSQL database of the test's own on the shared server
 * ($CHINWAG_TEST_POSTGRES_URL), dropped afterwards; the fake Shopify (`fake-shopify.mjs`);
 * and the app itself, in this process, configured as in production except for
 * `SHOPIFY_BASE_URL`. Under CI=true a PostgreSQL that cannot be reached fails the suite;
 * otherwise the suite is skipped with a warning.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startServer } from '../../../sdk-js/test/server.mjs';
import { createApp } from '../src/app.js';
import { readConfig } from '../src/config.js';
import { startFakeShopify } from './fake-shopify.mjs';

export { until } from '../../../sdk-js/test/server.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const results = resolve(repo, 'plugins', 'shopify', 'test-results');
const postgresUrl = process.env.CHINWAG_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** The reason the suite cannot run here (no PostgreSQL), or null. Under CI=true, throws instead. */
export async function unavailable() {
  const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.end();
    return null;
  } catch (e) {
    const message = `PostgreSQL is not reachable at ${postgresUrl} (${e.message})`;
    if (process.env.CI === 'true') throw new Error(`${message}; under CI=true that fails the suite.`);
    console.warn(`!! ${message}: skipping the Shopify app's tests (CI=true would fail).`);
    return message;
  }
}

/** A GraphQL call to Chinwag with `token`; resolves to `data`, throws on errors. */
export async function gql(url, query, variables = {}, token, headers = {}) {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = await r.json();
  if (body.errors)
    throw Object.assign(new Error(`${body.errors[0].message} (${body.errors[0].extensions?.code})`), { errors: body.errors });
  return body.data;
}

export const SHOP = 'acme-outfitters.myshopify.com';
export const ADA = {
  id: '7001',
  firstName: 'Ada',
  lastName: 'Lovelace',
  email: 'ada@example.com',
  createdAt: '2023-03-14T10:00:00Z',
  orders: [
    { id: 1, name: '#1001', createdAt: '2024-11-02T09:00:00Z', total: 49.9, fulfillment: 'FULFILLED' },
    { id: 2, name: '#1002', createdAt: '2025-01-20T15:30:00Z', total: 120, fulfillment: 'FULFILLED' },
  ],
};
export const GRACE = {
  id: '7002',
  firstName: 'Grace',
  lastName: 'Hopper',
  email: 'grace@example.com',
  createdAt: '2024-01-01T00:00:00Z',
  orders: [],
};
export const OWNER = { org: 'Acme Outfitters', name: 'Ann Agent', email: 'ann@acme.test', password: 'correct horse battery' };

/** Starts everything; `stop()` ends it all and drops the database. */
export async function start({ dashboard = false, theme = {} } = {}) {
  const dist = (p) => join(repo, p, 'dist');
  if (!existsSync(join(dist('widget'), 'widget.js'))) throw new Error('No widget/dist: run `npm run build -w widget` first.');
  if (dashboard && !existsSync(join(dist('dashboard'), 'index.html')))
    throw new Error('No dashboard/dist: run `npm run build -w dashboard` first.');
  const stops = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch((e) => console.error('cleanup:', e));
  };
  try {
    const chinwag = await startServer(['--widget-dir', dist('widget'), '--dashboard-dir', dist('dashboard')]);
    stops.push(() => chinwag.stop());
    const owner = (
      await gql(chinwag.url, 'mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }', {
        i: { organizationName: OWNER.org, name: OWNER.name, email: OWNER.email, password: OWNER.password },
      })
    ).signUp.accessToken;
    const scopes = ['WEBSITES_MANAGE', 'VISITORS_WRITE', 'VISITORS_ERASE', 'VISITORS_EXPORT', 'CONVERSATIONS_READ'];
    const apiKey = (
      await gql(
        chinwag.url,
        'mutation($s: [ApiKeyScope!]) { createApiKey(name: "Shopify app", scopes: $s) { secret } }',
        { s: scopes },
        owner,
      )
    ).createApiKey.secret;

    // A database of our own on the shared server, dropped at the end.
    const database = `chinwag_shopify_test_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    await admin.query(`create database ${database}`);
    stops.push(async () => {
      await admin.query(`drop database if exists ${database} with (force)`);
      await admin.end();
    });
    const databaseUrl = Object.assign(new URL(postgresUrl), { pathname: `/${database}` }).href;

    const credentials = {
      apiKey: 'test-client-id',
      apiSecret: randomBytes(16).toString('hex'),
      scopes: ['read_customers', 'read_orders', 'write_app_proxy'],
    };
    const shopify = await startFakeShopify(credentials);
    stops.push(() => shopify.close());
    shopify.addShop(SHOP, { name: 'Acme Outfitters', customers: [ADA, GRACE] });
    const storefront = await shopify.startStorefront(SHOP, { theme });

    // The app listens first (its URL is in its configuration), then is configured.
    const http = await import('node:http');
    const server = http.createServer();
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const appUrl = `http://127.0.0.1:${server.address().port}`;
    const config = readConfig({
      SHOPIFY_API_KEY: credentials.apiKey,
      SHOPIFY_API_SECRET: credentials.apiSecret,
      SHOPIFY_APP_URL: appUrl,
      SHOPIFY_SCOPES: credentials.scopes.join(','),
      SHOPIFY_BASE_URL: shopify.adminUrl,
      CHINWAG_URL: chinwag.origin,
      CHINWAG_API_KEY: apiKey,
      DATABASE_URL: databaseUrl,
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    });
    const quiet = { error: () => {}, warn: () => {}, log: () => {} };
    const made = await createApp(config, { log: process.env.SHOPIFY_TEST_LOGS ? console : quiet });
    server.on('request', made.app);
    stops.push(async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await made.close();
    });
    shopify.setAppUrl(appUrl);
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    stops.push(() => db.end());
    return { chinwag, owner, apiKey, shopify, storefront, credentials, appUrl, config, db, ctx: made.ctx, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** The merchant's browser installing the app by OAuth: resolves to the final redirect's `Response`. */
export async function install(env, shop = SHOP) {
  const { signAdminQuery } = await import('./fake-shopify.mjs');
  const ua = {
    'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
  };
  const begin = await fetch(`${env.appUrl}/auth?${signAdminQuery(env.credentials.apiSecret, { shop })}`, {
    redirect: 'manual',
    headers: ua,
  });
  if (begin.status !== 302) throw new Error(`/auth answered ${begin.status}: ${await begin.text()}`);
  const cookies = begin.headers.getSetCookie().map((c) => c.split(';')[0]);
  // The grant screen is Shopify's: the browser goes to the fake's.
  const authorize = begin.headers.get('location').replace(`https://${shop}`, env.shopify.adminUrl.replace('{shop}', shop));
  const grant = await fetch(authorize, { redirect: 'manual' });
  const callback = grant.headers.get('location');
  return fetch(callback, { redirect: 'manual', headers: { ...ua, cookie: cookies.join('; ') } });
}
