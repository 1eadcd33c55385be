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
 *
 * The cart is not the app's: the visitor's browser sets it on its own session (the app
 * embed's script, `Chinwag('set')`), for logged-in and anonymous visitors alike.
 */
import { Router } from 'express';
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

  return router;
}
