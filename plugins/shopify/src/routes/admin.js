/**
 * The embedded admin page (the app's `application_url`, shown inside the Shopify admin by
 * App Bridge): whether the shop is connected to Chinwag, its website and widget key,
 * whether customers can be verified, the privacy requests answered, and a link to the
 * Chinwag dashboard. Shopify's `hmac` on the query is checked first (401 otherwise).
 *
 * A shop without a session here gets one by token exchange when Shopify passes an
 * `id_token` (its managed install), or is sent to `/auth` (OAuth) at the top level,
 * outside the admin's iframe.
 */
import { Router } from 'express';
import { RequestedTokenType } from '@shopify/shopify-api';
import { cleanShop } from '../shopify.js';
import { escapeHtml as esc, signed, signQuery } from './verify.js';

export function adminRoutes(ctx) {
  const { shopify, store, chinwag, config, log } = ctx;
  const router = Router();

  router.get('/', async (req, res) => {
    const shop = cleanShop(req.query.shop);
    if (!shop) return res.status(400).type('text').send('Open this app from your Shopify admin.');
    if (!(await signed(shopify, req.query))) return res.status(401).type('text').send('This request is not signed by Shopify.');
    res.set('content-security-policy', `frame-ancestors https://${shop} https://admin.shopify.com;`);

    let session = await ctx.offlineSession(shop);
    if (!session && req.query.id_token) {
      try {
        ({ session } = await shopify.auth.tokenExchange({
          shop,
          sessionToken: req.query.id_token,
          requestedTokenType: RequestedTokenType.OfflineAccessToken,
        }));
        await store.storeSession(session);
      } catch (e) {
        log.warn?.('chinwag-shopify: token exchange failed:', e.message);
        return res.status(401).type('text').send('This session could not be verified.');
      }
    }
    if (!session) {
      const auth = `${config.appUrl}/auth?${signQuery(config.apiSecret, { shop })}`;
      return res.type('html').send(
        page(
          config,
          'Install',
          `<p>Finishing the install…</p>
<script>open(${JSON.stringify(auth)}, '_top');</script>`,
        ),
      );
    }

    let connection = await store.shop(shop);
    let problem = null;
    if (!connection?.installed) {
      try {
        await ctx.connectShop(shop, session);
        connection = await store.shop(shop);
      } catch (e) {
        problem = `Could not reach Chinwag: ${e.message}`;
      }
    }
    let verification = 'unknown';
    if (connection) {
      verification = await chinwag.identitySecret(connection.websiteId).then(
        () => 'on: logged-in customers are verified',
        (e) => `off: ${e.message}`,
      );
    }
    const requests = connection ? await store.privacyRequests(shop) : [];
    const rows = requests
      .map(
        (r) =>
          `<tr><td>${esc(r.topic)}</td><td>${esc(r.chinwag_id)}</td><td>${esc(r.created_at.toISOString().slice(0, 16))}</td></tr>`,
      )
      .join('');
    res.type('html').send(
      page(
        config,
        'Chinwag',
        `<h1>Chinwag live chat</h1>
${
  connection
    ? `<p class="ok" role="status">Connected to Chinwag: website <strong>${esc(connection.websiteName)}</strong> (widget key <code>${esc(connection.publicKey)}</code>).</p>
<ul><li>Allowed origins: ${connection.origins.map((o) => `<code>${esc(o)}</code>`).join(', ')}</li>
<li>Customer verification: ${esc(verification)}</li></ul>
<p>Turn the chat on in <strong>Online Store › Themes › Customize › App embeds › Chinwag chat</strong>.</p>`
    : `<p class="bad" role="status">Not connected. ${esc(problem ?? '')}</p>`
}
<p><a href="${esc(config.chinwagUrl)}/app/" target="_blank" rel="noopener">Open the Chinwag dashboard</a> to answer your customers.</p>
${rows ? `<h2>Privacy requests</h2><table><tr><th>request</th><th>Chinwag id</th><th>when (UTC)</th></tr>${rows}</table>` : ''}`,
      ),
    );
  });

  return router;
}

/** The page around `body`: App Bridge first (Shopify requires it to load before other scripts), then plain HTML. */
function page(config, title, body) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="shopify-api-key" content="${esc(config.apiKey)}">
<script src="https://cdn.shopify.com/shopifycloud/app-bridge.js"></script>
<title>${esc(title)}</title>
<style>body{font:14px/1.5 system-ui,sans-serif;margin:24px;color:#202223}.ok{color:#007f5f}.bad{color:#d72c0d}code{background:#f1f2f3;padding:0 4px}td,th{padding:4px 12px 4px 0;text-align:left}</style>
</head><body>${body}</body></html>`;
}
