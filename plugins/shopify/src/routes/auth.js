/**
 * Install by OAuth (authorization code grant), as Shopify documents it: `/auth` checks
 * the install request's HMAC and the shop's domain, then the library sends the merchant
 * to Shopify's grant screen with a nonce in a signed cookie; `/auth/callback` checks the
 * callback's HMAC and that its `state` is that nonce, trades the code for the shop's
 * offline token, and connects the shop to Chinwag. (The embedded page's token exchange,
 * Shopify's managed install, is in `admin.js`.)
 */
import { Router } from 'express';
import { cleanShop } from '../shopify.js';
import { signed } from './verify.js';

export function authRoutes(ctx) {
  const { shopify, store, log } = ctx;
  const router = Router();

  router.get('/', async (req, res) => {
    const shop = cleanShop(req.query.shop);
    if (!shop) return res.status(400).type('text').send('Not a Shopify shop (expected a single *.myshopify.com domain).');
    if (!(await signed(shopify, req.query)))
      return res.status(401).type('text').send('This install request is not signed by Shopify.');
    await shopify.auth.begin({ shop, callbackPath: '/auth/callback', isOnline: false, rawRequest: req, rawResponse: res });
  });

  router.get('/callback', async (req, res) => {
    if (!cleanShop(req.query.shop)) return res.status(400).type('text').send('Not a Shopify shop.');
    let result;
    try {
      // HMAC of the query, `state` equal to the signed cookie's nonce, then the code traded.
      result = await shopify.auth.callback({ rawRequest: req, rawResponse: res });
    } catch (e) {
      log.warn?.('chinwag-shopify: OAuth callback refused:', e.message);
      return res.status(401).type('text').send('This install could not be verified; start again from the Shopify admin.');
    }
    const { session, headers } = result;
    await store.storeSession(session);
    try {
      await ctx.connectShop(session.shop, session);
    } catch (e) {
      // The shop is installed; the admin page shows the failure and tries again on each visit.
      log.error?.('chinwag-shopify: connecting the shop to Chinwag failed:', e);
    }
    res.set(headers);
    let target = `/?shop=${encodeURIComponent(session.shop)}`;
    try {
      target = await shopify.auth.getEmbeddedAppUrl({ rawRequest: req, rawResponse: res });
    } catch {
      // No `host`: the app's own page, outside the admin.
    }
    res.redirect(target);
  });

  return router;
}
