/**
 * A local stand-in for Shopify, written from its published documentation, since Shopify
 * cannot be reached from the tests: the OAuth grant screen and code exchange (and token
 * exchange), a subset of the Admin GraphQL API (shop, app installation, metafieldsSet,
 * customers with orders) executed by `graphql` against a schema copied from Shopify's
 * reference, webhooks signed as Shopify signs them (base64 HMAC-SHA256 of the body), and
 * a storefront: pages rendered from the theme app extension's Liquid with `liquidjs`,
 * `/cart.js`, customer log-in, and the app proxy (`/apps/chinwag/*` forwarded to the app
 * with `shop`, `logged_in_customer_id`, `path_prefix`, `timestamp` and `signature`).
 *
 * The app reaches it through `SHOPIFY_BASE_URL` (`http://127.0.0.1:<port>/{shop}`).
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSchema, graphql } from 'graphql';
import { Liquid, Tag } from 'liquidjs';

const extension = join(dirname(fileURLToPath(import.meta.url)), '..', 'extensions', 'chinwag-chat');

// From Shopify's Admin GraphQL reference: the types and fields the app reads, as declared there.
const schema = buildSchema(`
  scalar URL
  scalar DateTime
  scalar Decimal
  scalar UnsignedInt64
  enum CurrencyCode { EUR USD }
  enum OrderSortKeys { CREATED_AT ID }
  type Domain { url: URL! host: String! }
  type Shop { name: String! myshopifyDomain: String! primaryDomain: Domain! }
  type AppInstallation { id: ID! }
  type MoneyV2 { amount: Decimal! currencyCode: CurrencyCode! }
  type MoneyBag { shopMoney: MoneyV2! }
  type Order { id: ID! name: String! createdAt: DateTime! displayFinancialStatus: String displayFulfillmentStatus: String! totalPriceSet: MoneyBag! }
  type OrderConnection { nodes: [Order!]! }
  type Customer {
    id: ID! displayName: String! email: String verifiedEmail: Boolean! createdAt: DateTime!
    numberOfOrders: UnsignedInt64! amountSpent: MoneyV2!
    orders(first: Int, sortKey: OrderSortKeys, reverse: Boolean): OrderConnection!
  }
  type Query { shop: Shop! currentAppInstallation: AppInstallation! customer(id: ID!): Customer }
  input MetafieldsSetInput { ownerId: ID! namespace: String key: String! type: String value: String! }
  type Metafield { key: String! namespace: String! value: String! }
  type MetafieldsSetUserError { field: [String!] message: String! }
  type MetafieldsSetPayload { metafields: [Metafield!] userErrors: [MetafieldsSetUserError!]! }
  type Mutation { metafieldsSet(metafields: [MetafieldsSetInput!]!): MetafieldsSetPayload }
`);

const listen = (server) => new Promise((r) => server.listen(0, '127.0.0.1', () => r(server.address().port)));
const readBody = (req) =>
  new Promise((resolve) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks)));
  });
const sign = (secret, message, encoding) => createHmac('sha256', secret).update(message).digest(encoding);

/**
 * The admin's signed query (install request, OAuth callback, embedded page): the
 * parameters sorted, URL-encoded and joined with `&`, and their hex `hmac`.
 */
export function signAdminQuery(secret, params, { timestamp = Math.floor(Date.now() / 1000) } = {}) {
  const query = new URLSearchParams({ ...params, timestamp: String(timestamp) });
  query.sort();
  query.set('hmac', sign(secret, query.toString(), 'hex'));
  return query.toString();
}

/** The app proxy's signature: `key=value` pairs sorted by key and concatenated, repeated keys joined with `,`. */
export function proxySignature(secret, params) {
  const grouped = new Map();
  for (const [k, v] of params) grouped.set(k, [...(grouped.get(k) ?? []), v]);
  const message = [...grouped.keys()]
    .sort()
    .map((k) => `${k}=${grouped.get(k).join(',')}`)
    .join('');
  return sign(secret, message, 'hex');
}

/** An HS256 JWT, as Shopify's session tokens are made (signed with the app's secret). */
export function sessionToken(app, shop, overrides = {}) {
  const now = Math.floor(Date.now() / 1000);
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const payload = b64({
    iss: `https://${shop}/admin`,
    dest: `https://${shop}`,
    aud: app.apiKey,
    sub: '42',
    exp: now + 60,
    nbf: now - 1,
    iat: now,
    jti: randomUUID(),
    sid: randomUUID(),
    ...overrides,
  });
  const head = b64({ alg: 'HS256', typ: 'JWT' });
  return `${head}.${payload}.${sign(app.apiSecret, `${head}.${payload}`, 'base64url')}`;
}

/**
 * Starts the fake. `app` is `{ apiKey, apiSecret, scopes }` (the app's credentials, as
 * registered with Shopify); `shops` are added with `addShop`. Resolves to its controls.
 */
export async function startFakeShopify(app) {
  const shops = new Map();
  let appUrl = null;

  function addShop(domain, { name, customers = [] }) {
    const shop = {
      domain,
      name,
      storefront: `https://${domain}`,
      customers: new Map(customers.map((c) => [String(c.id), c])),
      metafields: {},
      tokens: new Set(),
      codes: new Map(),
      installationId: `gid://shopify/AppInstallation/${shops.size + 1}`,
    };
    shops.set(domain, shop);
    return shop;
  }

  // ---------------------------------------------------------------- Admin and OAuth
  const root = {
    shop: (_args, { shop }) => ({
      name: shop.name,
      myshopifyDomain: shop.domain,
      primaryDomain: { url: shop.storefront, host: new URL(shop.storefront).host },
    }),
    currentAppInstallation: (_args, { shop }) => ({ id: shop.installationId }),
    customer: ({ id }, { shop }) => {
      const c = shop.customers.get(String(id).replace('gid://shopify/Customer/', ''));
      if (!c) return null;
      const spent = c.orders.reduce((n, o) => n + o.total, 0);
      const sorted = [...c.orders].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
      return {
        id: `gid://shopify/Customer/${c.id}`,
        displayName: `${c.firstName} ${c.lastName}`,
        email: c.email,
        verifiedEmail: c.verifiedEmail ?? true,
        createdAt: c.createdAt,
        numberOfOrders: String(c.orders.length),
        amountSpent: { amount: spent.toFixed(2), currencyCode: c.currency ?? 'EUR' },
        orders: ({ first = 10, reverse }) => ({
          nodes: (reverse ? sorted.reverse() : sorted).slice(0, first).map((o) => ({
            id: `gid://shopify/Order/${o.id}`,
            name: o.name,
            createdAt: o.createdAt,
            displayFinancialStatus: 'PAID',
            displayFulfillmentStatus: o.fulfillment ?? 'UNFULFILLED',
            totalPriceSet: { shopMoney: { amount: o.total.toFixed(2), currencyCode: c.currency ?? 'EUR' } },
          })),
        }),
      };
    },
    metafieldsSet: ({ metafields }, { shop }) => {
      for (const m of metafields) {
        if (m.ownerId !== shop.installationId)
          return { metafields: null, userErrors: [{ field: ['ownerId'], message: 'Owner does not exist' }] };
        shop.metafields[`${m.namespace}.${m.key}`] = m.value;
      }
      return { metafields: metafields.map((m) => ({ key: m.key, namespace: m.namespace, value: m.value })), userErrors: [] };
    },
  };

  const calls = [];
  const admin = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    const [, domain, ...rest] = url.pathname.split('/');
    const path = '/' + rest.join('/');
    const shop = shops.get(domain);
    const send = (status, body, headers = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (!shop) return send(404, { errors: 'Not Found' });
    calls.push({ shop: domain, method: req.method, path });

    if (req.method === 'GET' && path === '/admin/oauth/authorize') {
      // The merchant approves the grant: back to the app's redirect_uri, signed.
      const q = url.searchParams;
      if (q.get('client_id') !== app.apiKey) return send(400, { error: 'invalid client_id' });
      const code = randomBytes(16).toString('hex');
      shop.codes.set(code, q.get('scope'));
      const host = Buffer.from(`admin.shopify.com/store/${domain.replace('.myshopify.com', '')}`).toString('base64url');
      const query = signAdminQuery(app.apiSecret, { code, host, shop: domain, state: q.get('state') });
      return send(302, '', { location: `${q.get('redirect_uri')}?${query}` });
    }
    if (req.method === 'POST' && path === '/admin/oauth/access_token') {
      const body = JSON.parse((await readBody(req)).toString() || '{}');
      if (body.client_id !== app.apiKey || body.client_secret !== app.apiSecret) return send(401, { error: 'invalid_client' });
      let scope;
      if (body.grant_type === 'urn:ietf:params:oauth:grant-type:token-exchange') {
        // The session token must be Shopify's for this shop and app (the library checked it too).
        const [h, p, s] = String(body.subject_token).split('.');
        const claims = JSON.parse(Buffer.from(p ?? '', 'base64url').toString() || '{}');
        if (sign(app.apiSecret, `${h}.${p}`, 'base64url') !== s || claims.dest !== `https://${domain}`)
          return send(400, { error: 'invalid_subject_token' });
        scope = app.scopes.join(',');
      } else {
        scope = shop.codes.get(body.code);
        shop.codes.delete(body.code);
        if (!scope)
          return send(400, {
            error: 'invalid_request',
            error_description: 'The authorization code was not found or was already used',
          });
      }
      const token = `shpat_${randomBytes(16).toString('hex')}`;
      shop.tokens.add(token);
      return send(200, { access_token: token, scope });
    }
    const api = path.match(/^\/admin\/api\/([\d-]+)\/graphql\.json$/);
    if (req.method === 'POST' && api) {
      if (!shop.tokens.has(req.headers['x-shopify-access-token']))
        return send(401, { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' });
      const { query, variables } = JSON.parse((await readBody(req)).toString());
      const result = await graphql({ schema, source: query, rootValue: root, contextValue: { shop }, variableValues: variables });
      return send(200, JSON.parse(JSON.stringify(result)));
    }
    send(404, { errors: 'Not Found' });
  });
  const adminPort = await listen(admin);

  // ---------------------------------------------------------------- Webhooks
  /**
   * Delivers a webhook to the app as Shopify does; `secret`, `hmac`, `domain` and `id`
   * override what Shopify would send (a forger's, a replay's).
   */
  async function webhook(
    topic,
    domain,
    payload,
    { secret = app.apiSecret, hmac, headerDomain = domain, id = randomUUID() } = {},
  ) {
    const body = JSON.stringify(payload);
    return fetch(`${appUrl}/webhooks`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-shopify-topic': topic,
        'x-shopify-hmac-sha256': hmac ?? sign(secret, body, 'base64'),
        'x-shopify-shop-domain': headerDomain,
        'x-shopify-api-version': '2025-07',
        'x-shopify-webhook-id': id,
        'x-shopify-event-id': randomUUID(),
        'x-shopify-triggered-at': new Date().toISOString(),
      },
      body,
    });
  }

  // ---------------------------------------------------------------- Storefront
  const liquid = new Liquid({ root: join(extension, 'blocks'), extname: '.liquid' });
  // `{% schema %}` is Shopify's: its JSON is for the theme editor, and renders nothing.
  liquid.registerTag(
    'schema',
    class extends Tag {
      constructor(token, remain, engine) {
        super(token, remain, engine);
        remain.shift();
        while (remain.length) {
          const t = remain.shift();
          if (t.name === 'endschema') return;
        }
      }
      render() {}
    },
  );
  const blockSource = await readFile(join(extension, 'blocks', 'chat.liquid'), 'utf8');
  const blockSettings = (source) => {
    const json = JSON.parse(source.match(/{% schema %}([\s\S]*){% endschema %}/)[1]);
    return { schema: json, defaults: Object.fromEntries(json.settings.filter((s) => s.id).map((s) => [s.id, s.default ?? ''])) };
  };
  const { schema: blockSchema, defaults } = blockSettings(blockSource);

  async function startStorefront(domain, { theme = {} } = {}) {
    const shop = shops.get(domain);
    const carts = new Map();
    const server = http.createServer(async (req, res) => {
      const url = new URL(req.url, 'http://x');
      const cookies = Object.fromEntries(
        (req.headers.cookie ?? '')
          .split(/;\s*/)
          .filter(Boolean)
          .map((c) => c.split('=')),
      );
      const customerId = cookies.customer_id && shop.customers.has(cookies.customer_id) ? cookies.customer_id : null;
      const cart = carts.get(cookies.cart) ?? { items: [], currency: 'EUR' };
      if (url.pathname === '/account/login') {
        res.writeHead(302, {
          location: '/',
          'set-cookie': [`customer_id=${url.searchParams.get('id')}; Path=/`, `cart=${randomUUID()}; Path=/`],
        });
        return res.end();
      }
      if (url.pathname === '/cart/add') {
        // Anyone may fill a cart: the first item gives the browser its `cart` cookie.
        const token = cookies.cart ?? randomUUID();
        carts.set(token, {
          ...cart,
          items: [
            ...cart.items,
            {
              title: url.searchParams.get('title'),
              quantity: Number(url.searchParams.get('quantity')),
              price: Number(url.searchParams.get('price')),
            },
          ],
        });
        res.writeHead(204, cookies.cart ? {} : { 'set-cookie': `cart=${token}; Path=/` });
        return res.end();
      }
      if (url.pathname === '/cart.js') {
        res.writeHead(200, { 'content-type': 'application/json' });
        const total = cart.items.reduce((n, i) => n + i.quantity * i.price, 0);
        return res.end(
          JSON.stringify({
            token: cookies.cart,
            items: cart.items,
            item_count: cart.items.reduce((n, i) => n + i.quantity, 0),
            total_price: total,
            currency: cart.currency,
          }),
        );
      }
      if (url.pathname === `/extensions/chinwag-chat/assets/${blockSchema.javascript}`) {
        res.writeHead(200, { 'content-type': 'text/javascript' });
        return res.end(await readFile(join(extension, 'assets', blockSchema.javascript)));
      }
      if (url.pathname.startsWith('/apps/chinwag')) return forwardToProxy(shop, req, res, url, customerId);
      // A theme page with the app embed: the block rendered into the body and its JavaScript in the head, deferred, as Shopify does.
      const pageType =
        url.pathname === '/'
          ? 'index'
          : url.pathname.startsWith('/products/')
            ? 'product'
            : url.pathname === '/cart'
              ? 'cart'
              : 'page';
      const customer = customerId ? shop.customers.get(customerId) : null;
      const embed = await liquid.parseAndRender(blockSource, {
        app: {
          metafields: {
            chinwag: Object.fromEntries(
              Object.entries(shop.metafields)
                .filter(([k]) => k.startsWith('chinwag.'))
                .map(([k, v]) => [k.slice(8), { value: v }]),
            ),
          },
        },
        block: { settings: { ...defaults, ...theme } },
        request: { page_type: pageType, path: url.pathname },
        customer: customer ? { id: Number(customer.id), first_name: customer.firstName, email: customer.email } : null,
      });
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${shop.name}</title>
<script src="/extensions/chinwag-chat/assets/${blockSchema.javascript}" defer></script>
<style>body{font:16px system-ui;margin:0}header{background:#222;color:#fff;padding:16px 32px}main{padding:32px}</style></head>
<body><header>${shop.name}${customer ? ` · Hi ${customer.firstName}` : ''}</header><main><h1>${pageType === 'product' ? 'Blue linen shirt' : 'Welcome'}</h1><p>Summer collection.</p></main>
${embed}</body></html>`);
    });
    const port = await listen(server);
    shop.storefront = `http://127.0.0.1:${port}`;
    shop.storefrontServer = server;
    return shop.storefront;
  }

  /** Shopify's app proxy: the visitor's query plus Shopify's own parameters, signed; cookies are not forwarded. */
  async function forwardToProxy(shop, req, res, url, customerId) {
    const params = [...url.searchParams];
    params.push(
      ['shop', shop.domain],
      ['logged_in_customer_id', customerId ?? ''],
      ['path_prefix', '/apps/chinwag'],
      ['timestamp', String(Math.floor(Date.now() / 1000))],
    );
    const query = new URLSearchParams(params);
    query.append('signature', proxySignature(app.apiSecret, params));
    const upstream = await fetch(`${appUrl}/proxy${url.pathname.slice('/apps/chinwag'.length)}?${query}`, {
      method: req.method,
      headers: { 'content-type': req.headers['content-type'] ?? 'text/plain', 'x-forwarded-for': '203.0.113.7' },
      body: req.method === 'GET' || req.method === 'HEAD' ? undefined : await readBody(req),
    });
    res.writeHead(upstream.status, {
      'content-type': upstream.headers.get('content-type') ?? 'text/plain',
      'cache-control': upstream.headers.get('cache-control') ?? '',
    });
    res.end(Buffer.from(await upstream.arrayBuffer()));
  }

  return {
    adminUrl: `http://127.0.0.1:${adminPort}/{shop}`,
    addShop,
    shop: (domain) => shops.get(domain),
    startStorefront,
    setAppUrl: (url) => (appUrl = url),
    webhook,
    calls,
    async close() {
      admin.closeAllConnections();
      await new Promise((r) => admin.close(r));
      for (const shop of shops.values()) {
        if (!shop.storefrontServer) continue;
        shop.storefrontServer.closeAllConnections();
        await new Promise((r) => shop.storefrontServer.close(r));
      }
    },
  };
}
