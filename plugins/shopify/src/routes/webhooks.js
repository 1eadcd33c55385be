/**
 * Shopify's webhooks, all at `POST /webhooks` (declared in shopify.app.toml, compliance
 * topics included). Each one's `X-Shopify-Hmac-Sha256` is checked over the raw body in
 * constant time (401 otherwise). The shop named by the unsigned `X-Shopify-Shop-Domain`
 * header must be the one the signed body names, where the body names one, so that a
 * captured delivery cannot be replayed against another shop; a delivery id seen before
 * is acknowledged and not acted on again. What each topic does:
 *
 * - `app/uninstalled`: the shop's access tokens are deleted; its website stays until `shop/redact`.
 * - `orders/create`, `customers/update`: the customer's attributes in Chinwag are read afresh from Shopify.
 * - `customers/data_request`: Chinwag exports the customer's data (`exportVisitor`); the admin page lists it.
 * - `customers/redact`: Chinwag erases the customer (`eraseVisitor` by their id).
 * - `shop/redact`: every customer and visitor of the shop's website is erased, the website
 *   deleted, and everything this app kept about the shop deleted.
 */
import express, { Router } from 'express';
import { isChinwagError } from '@chinwag/sdk';
import { externalId } from '../chinwag.js';
import { syncCustomer } from '../customers.js';
import { cleanShop } from '../shopify.js';

/** The shop domain the signed body names, for the topics whose body names one. */
function bodyShop(topic, body) {
  if (topic === 'APP_UNINSTALLED') return body.myshopify_domain;
  if (topic.startsWith('CUSTOMERS_DATA_REQUEST') || topic === 'CUSTOMERS_REDACT' || topic === 'SHOP_REDACT')
    return body.shop_domain;
  return undefined;
}

/** A customer id from a body: digits only. */
const customerId = (value) => (/^\d{1,20}$/.test(String(value ?? '')) ? String(value) : null);

/** Erasing someone Chinwag does not know is not a failure. */
const tolerateMissing = (e) => {
  if (!isChinwagError(e, 'NOT_FOUND')) throw e;
  return null;
};

export function webhookRoutes(ctx) {
  const { shopify, store, chinwag, log } = ctx;
  const router = Router();

  const handlers = {
    async APP_UNINSTALLED(shop) {
      await store.deleteSessions(shop);
      await store.markUninstalled(shop);
    },
    async ORDERS_CREATE(shop, body) {
      await sync(shop, customerId(body.customer?.id));
    },
    async CUSTOMERS_UPDATE(shop, body) {
      await sync(shop, customerId(body.id));
    },
    async CUSTOMERS_DATA_REQUEST(shop, body) {
      const id = customerId(body.customer?.id);
      const connection = await store.shop(shop);
      if (!id || !connection) return;
      const exportId = await chinwag.export({ externalId: externalId(shop, id) }).catch(tolerateMissing);
      if (exportId)
        await store.recordPrivacyRequest(shop, 'customers/data_request', String(body.data_request?.id ?? ''), exportId);
    },
    async CUSTOMERS_REDACT(shop, body) {
      const id = customerId(body.customer?.id);
      if (!id) return;
      const erasureId = await chinwag.erase({ externalId: externalId(shop, id) }).catch(tolerateMissing);
      await store.forgetCustomer(shop, id);
      if (erasureId) await store.recordPrivacyRequest(shop, 'customers/redact', id, erasureId);
    },
    async SHOP_REDACT(shop) {
      const connection = await store.shop(shop);
      // Shopify sends it 48 hours after an uninstall: a shop that is installed now is a replay.
      if (connection?.installed) throw Object.assign(new Error('shop/redact for an installed shop'), { status: 409 });
      if (connection) {
        for (const id of await store.customers(shop))
          await chinwag.erase({ externalId: externalId(shop, id) }).catch(tolerateMissing);
        for (const visitorId of await chinwag.visitorsWithConversations(connection.websiteId)) {
          await chinwag.erase({ visitorId }).catch(tolerateMissing);
        }
        // Gone already when a retry follows a run that failed after the deletion.
        await chinwag.deleteWebsite(connection.websiteId).catch(tolerateMissing);
      }
      await store.forgetShop(shop);
    },
  };

  async function sync(shop, id) {
    const connection = await store.shop(shop);
    const session = await ctx.offlineSession(shop);
    if (!id || !connection?.installed || !session) return;
    await syncCustomer(ctx, shop, session, connection, id);
  }

  router.post('/', express.raw({ type: '*/*', limit: '1mb' }), async (req, res) => {
    const rawBody = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    const check = await shopify.webhooks.validate({ rawBody, rawRequest: req, rawResponse: res });
    if (!check.valid) {
      const unsigned = check.reason !== 'missing_headers';
      return res
        .status(unsigned ? 401 : 400)
        .type('text')
        .send(unsigned ? 'Unauthorized' : 'Missing headers');
    }
    const shop = cleanShop(check.domain);
    let body;
    try {
      body = JSON.parse(rawBody);
    } catch {
      return res.status(400).type('text').send('Not JSON');
    }
    const named = bodyShop(check.topic, body);
    if (!shop || (named !== undefined && named !== shop)) return res.status(401).type('text').send('Shop does not match');
    const handler = handlers[check.topic];
    if (!handler) return res.status(200).send('ignored');
    if (!(await store.firstDelivery(check.webhookId, shop, check.topic))) return res.status(200).send('already handled');
    try {
      await handler(shop, body);
      res.status(200).send('ok');
    } catch (e) {
      await store.forgetDelivery(check.webhookId);
      if (e.status === 409) return res.status(409).type('text').send(e.message);
      log.error?.(`chinwag-shopify: webhook ${check.topic} for ${shop} failed:`, e);
      // Shopify retries a failed delivery.
      res.status(500).type('text').send('Failed; retry');
    }
  });

  return router;
}
