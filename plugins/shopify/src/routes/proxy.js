/**
 * The app proxy: the storefront's `/apps/chinwag/*`, which Shopify forwards here with
 * the shop, the logged-in customer's id and a `signature` over them. Nothing is answered
 * without a good signature (401), and the customer is only ever the one Shopify names in
 * `logged_in_customer_id`: nothing the browser sends can choose whose identity hash it
 * gets. Access tokens and the identity secret never leave the app; the storefront gets a
 * hash for its own customer and nothing else.
 *
 * - `GET identity`: `{ userId, userHash, name, email, emailHash? }` for `Chinwag('identify')`
 *   (`{}` for a visitor who is not logged in); the customer's attributes are brought up to
 *   date at most every few minutes on the way.
 * - `POST cart`: the cart the visitor's browser reports when they write to the team,
 *   set as `cart_*` attributes of that customer.
 */
import express, { Router } from 'express';
import { externalId, identityHash } from '../chinwag.js';
import { syncCustomer } from '../customers.js';
import { adminApi, cleanShop } from '../shopify.js';
import { signed } from './verify.js';

/** How long a customer's name and email (for `identify`) and a sync are good for. */
const FRESH_MS = 10 * 60_000;

export function proxyRoutes(ctx) {
  const { shopify, store, chinwag, log } = ctx;
  const router = Router();
  /** `shop/customer` -> `{ until, customer }`: what identify needs, without a Shopify call per page. */
  const recent = new Map();

  router.use(async (req, res, next) => {
    // Never cached: the answer is one customer's.
    res.set('cache-control', 'private, no-store');
    if (!(await signed(shopify, req.query, 'appProxy'))) return res.status(401).json({ error: 'bad signature' });
    const shop = cleanShop(req.query.shop);
    const connection = shop && (await store.shop(shop));
    if (!connection?.installed) return res.status(404).json({ error: 'not installed' });
    const customer = req.query.logged_in_customer_id;
    req.chinwag = { shop, connection, customerId: /^\d{1,20}$/.test(customer) ? customer : null };
    next();
  });

  /** The customer's name and email (and whether Shopify verified the email), synced into Chinwag now and then. */
  async function customerFor(shop, connection, customerId) {
    const key = `${shop}/${customerId}`;
    const hit = recent.get(key);
    if (hit && hit.until > Date.now()) return hit.customer;
    const session = await ctx.offlineSession(shop);
    if (!session) return null;
    const customer = await adminApi(shopify, session).customer(customerId);
    recent.set(key, { until: Date.now() + FRESH_MS, customer });
    if (recent.size > 10_000) recent.delete(recent.keys().next().value);
    // The attributes too, so that a customer who has not ordered since the install has them.
    if (customer)
      syncCustomer(ctx, shop, session, connection, customerId).catch((e) =>
        log.warn?.('chinwag-shopify: sync failed:', e.message),
      );
    return customer;
  }

  router.get('/identity', async (req, res) => {
    const { shop, connection, customerId } = req.chinwag;
    if (!customerId) return res.json({});
    const customer = await customerFor(shop, connection, customerId);
    if (!customer) return res.json({});
    const secret = await chinwag.identitySecret(connection.websiteId);
    const userId = externalId(shop, customerId);
    const answer = { userId, userHash: identityHash(secret, userId), name: customer.displayName || undefined };
    if (customer.email) {
      answer.email = customer.email;
      // Only an address Shopify verified is vouched for; another gets Chinwag's confirmation link first.
      if (customer.verifiedEmail) answer.emailHash = identityHash(secret, `email:${customer.email}`);
    }
    res.json(answer);
  });

  router.post('/cart', express.json({ limit: '16kb', type: () => true }), async (req, res) => {
    const { shop, connection, customerId } = req.chinwag;
    // An anonymous visitor's attributes can only be set by their own browser session, which the widget does not offer yet.
    if (!customerId) return res.status(204).end();
    const attributes = cartAttributes(req.body);
    if (!attributes) return res.status(400).json({ error: 'not a cart' });
    await store.rememberCustomer(shop, customerId);
    await chinwag.setAttributes(connection.websiteId, externalId(shop, customerId), attributes);
    res.status(204).end();
  });

  return router;
}

/**
 * The `cart_*` attributes for a cart as the storefront's `/cart.js` describes it
 * (`items[].title/quantity`, `total_price` in the currency's minor unit, `currency`),
 * or null for anything else. Values are the visitor's report, bounded in size.
 */
export function cartAttributes(cart) {
  if (!cart || typeof cart !== 'object' || !Array.isArray(cart.items)) return null;
  const total = Number(cart.total_price);
  const currency = String(cart.currency ?? '').slice(0, 3);
  if (!Number.isFinite(total) || total < 0 || !/^[A-Z]{3}$/.test(currency)) return null;
  const items = cart.items
    .slice(0, 50)
    .map((i) => `${Math.max(0, Math.trunc(Number(i?.quantity) || 0))} × ${String(i?.title ?? '').slice(0, 80)}`);
  const count = cart.items.reduce((n, i) => n + Math.max(0, Math.trunc(Number(i?.quantity) || 0)), 0);
  return {
    cart_items: items.join('; ').slice(0, 500) || 'empty',
    cart_count: String(count),
    cart_total: `${(total / 100).toFixed(2)} ${currency}`,
    cart_updated_at: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
  };
}
