/**
 * The app: an Express server with Shopify's install (OAuth, and token exchange for the
 * embedded admin), its webhooks, the storefront's app proxy and the embedded admin page.
 * `createApp(config)` wires the parts (`shopify.js`, `chinwag.js`, `store.js`); the
 * routes live in `routes/`. `main.js` runs it.
 */
import express from 'express';
import { createChinwag } from './chinwag.js';
import { createSealer } from './seal.js';
import { adminApi, createShopify } from './shopify.js';
import { openStore } from './store.js';
import { authRoutes } from './routes/auth.js';
import { adminRoutes } from './routes/admin.js';
import { proxyRoutes } from './routes/proxy.js';
import { webhookRoutes } from './routes/webhooks.js';

/**
 * Connects the shop to Chinwag: reads the shop's name and domains from Shopify, makes
 * (or links) its website with those domains as allowed origins, hands the theme app
 * extension the website's key (app-data metafields) and keeps the connection, sealed.
 */
async function connectShop({ shopify, chinwag, store, config }, shop, session) {
  const admin = adminApi(shopify, session);
  const info = await admin.shop();
  const connection = await chinwag.linkWebsite(shop, info.name, info.origins);
  await admin.setAppMetafields(info.installationId, {
    website_key: connection.publicKey,
    widget_src: `${config.chinwagUrl}/widget.js`,
  });
  await store.saveShop(shop, { ...connection, origins: info.origins }, true);
  return connection;
}

/** Builds the app; resolves to `{ app, close }` (`app` is the Express application to `listen` with). */
export async function createApp(config, { log = console } = {}) {
  const shopify = createShopify(config);
  const store = await openStore(config.databaseUrl, createSealer(config.encryptionKey));
  const chinwag = createChinwag(config);
  const ctx = { config, shopify, store, chinwag, log };
  ctx.connectShop = (shop, session) => connectShop(ctx, shop, session);
  ctx.offlineSession = (shop) => store.loadSession(shopify.session.getOfflineId(shop));

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', true);
  app.get('/healthz', (_req, res) => res.send('ok'));
  // Webhooks first: their HMAC is over the raw bytes, which no JSON parser may touch.
  app.use('/webhooks', webhookRoutes(ctx));
  app.use('/auth', authRoutes(ctx));
  app.use('/proxy', proxyRoutes(ctx));
  app.use('/', adminRoutes(ctx));
  app.use((err, _req, res, _next) => {
    log.error?.('chinwag-shopify:', err);
    if (!res.headersSent) res.status(500).type('text').send('Something went wrong');
  });

  return {
    app,
    ctx,
    async close() {
      chinwag.dispose();
      await store.close();
    },
  };
}
