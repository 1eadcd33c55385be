/**
 * Shopify's side: the `@shopify/shopify-api` instance (OAuth, token exchange, HMAC and
 * session-token checks, the Admin GraphQL client), the shop-domain rule, and the Admin
 * GraphQL operations the app runs. With `SHOPIFY_BASE_URL` set, the library's requests to
 * `https://{shop}/...` go to that server instead (tests and local development: Shopify
 * itself cannot be reached from there); nothing else changes.
 */
import '@shopify/shopify-api/adapters/node';
import { setAbstractFetchFunc } from '@shopify/shopify-api/runtime';
import { ApiVersion, LogSeverity, shopifyApi } from '@shopify/shopify-api';

/**
 * `acme.myshopify.com`, and nothing else: the library also accepts other Shopify domains
 * (`shopify.com`, `myshopify.io`, `shop.dev`), which a shop installing this app never has.
 */
const SHOP = /^[a-z0-9][a-z0-9-]{0,59}\.myshopify\.com$/;

/** The shop's domain when `value` is a single well-formed `*.myshopify.com`; null otherwise. */
export function cleanShop(value) {
  return typeof value === 'string' && SHOP.test(value) ? value : null;
}

/** The library instance for `config`. */
export function createShopify(config) {
  const app = new URL(config.appUrl);
  if (config.shopifyBaseUrl) {
    const base = config.shopifyBaseUrl;
    setAbstractFetchFunc((input, init) => {
      const url = new URL(typeof input === 'string' ? input : input.url);
      const shop = cleanShop(url.hostname);
      return globalThis.fetch(shop ? base.replace('{shop}', shop) + url.pathname + url.search : url, init);
    });
  }
  const version = Object.values(ApiVersion).includes(config.apiVersion) ? config.apiVersion : ApiVersion.July25;
  return shopifyApi({
    apiKey: config.apiKey,
    apiSecretKey: config.apiSecret,
    scopes: config.scopes,
    hostName: app.host,
    hostScheme: app.protocol.replace(':', ''),
    apiVersion: version,
    isEmbeddedApp: true,
    logger: { level: LogSeverity.Warning },
  });
}

const SHOP_QUERY = `query ChinwagShop {
  shop { name myshopifyDomain primaryDomain { url } }
  currentAppInstallation { id }
}`;

const SET_METAFIELDS = `mutation ChinwagMetafields($metafields: [MetafieldsSetInput!]!) {
  metafieldsSet(metafields: $metafields) { metafields { key } userErrors { field message } }
}`;

const CUSTOMER_QUERY = `query ChinwagCustomer($id: ID!) {
  customer(id: $id) {
    id displayName email verifiedEmail createdAt numberOfOrders
    amountSpent { amount currencyCode }
    orders(first: 3, sortKey: CREATED_AT, reverse: true) {
      nodes {
        name createdAt displayFinancialStatus displayFulfillmentStatus
        totalPriceSet { shopMoney { amount currencyCode } }
      }
    }
  }
}`;

/** The Admin GraphQL operations, run with the shop's offline session. */
export function adminApi(shopify, session) {
  const client = new shopify.clients.Graphql({ session });
  const run = async (query, variables) => {
    const answer = await client.request(query, { variables });
    if (answer.errors) throw new Error(`Shopify Admin API: ${JSON.stringify(answer.errors)}`);
    return answer.data;
  };
  return {
    /** `{ name, myshopifyDomain, origins, installationId }`: the storefront's origins for the widget. */
    async shop() {
      const { shop, currentAppInstallation } = await run(SHOP_QUERY);
      const origins = new Set([`https://${shop.myshopifyDomain}`]);
      if (shop.primaryDomain?.url) origins.add(new URL(shop.primaryDomain.url).origin);
      return {
        name: shop.name,
        myshopifyDomain: shop.myshopifyDomain,
        origins: [...origins],
        installationId: currentAppInstallation.id,
      };
    },
    /**
     * App-data metafields on the installation, which the theme app extension reads as
     * `app.metafields.chinwag.*`: the website's public key and the widget's address.
     */
    async setAppMetafields(installationId, values) {
      const metafields = Object.entries(values).map(([key, value]) => ({
        ownerId: installationId,
        namespace: 'chinwag',
        key,
        type: 'single_line_text_field',
        value,
      }));
      const { metafieldsSet } = await run(SET_METAFIELDS, { metafields });
      if (metafieldsSet.userErrors.length) throw new Error(`metafieldsSet: ${JSON.stringify(metafieldsSet.userErrors)}`);
    },
    /** The customer with their latest orders, or null if Shopify has no such customer. */
    async customer(customerId) {
      const { customer } = await run(CUSTOMER_QUERY, { id: `gid://shopify/Customer/${customerId}` });
      return customer;
    },
  };
}
