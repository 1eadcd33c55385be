/**
 * The app's settings, read once from the environment (docs/shopify.md lists them): one
 * place for every default, and a clear error for what is missing or malformed.
 */

/** The settings `createApp` runs with. */
export function readConfig(env = process.env) {
  const missing = [];
  const need = (name) => {
    const value = env[name]?.trim();
    if (!value) missing.push(name);
    return value ?? '';
  };
  const config = {
    /** The app's client id and secret (Partner Dashboard › the app › Client credentials). */
    apiKey: need('SHOPIFY_API_KEY'),
    apiSecret: need('SHOPIFY_API_SECRET'),
    /** Where Shopify reaches this app (`application_url` in shopify.app.toml), https in production. */
    appUrl: need('SHOPIFY_APP_URL').replace(/\/+$/, ''),
    scopes: (env.SHOPIFY_SCOPES ?? 'read_customers,read_orders,write_app_proxy').split(',').map((s) => s.trim()),
    /**
     * Shopify's Admin and OAuth endpoints, `https://{shop}` unless set: a local server
     * stands in for Shopify in tests and development (`{shop}` is replaced by the shop's
     * domain). Leave unset in production.
     */
    shopifyBaseUrl: env.SHOPIFY_BASE_URL?.trim() || null,
    /** The Chinwag server, as browsers reach it: `/graphql`, `/widget.js` and `/app/` hang off it. */
    chinwagUrl: need('CHINWAG_URL').replace(/\/+$/, ''),
    /** An API key of the Chinwag organization the shops' websites belong to (scopes: docs/shopify.md). */
    chinwagApiKey: need('CHINWAG_API_KEY'),
    /** PostgreSQL for sessions, shops and privacy requests. */
    databaseUrl: need('DATABASE_URL'),
    /** 32 bytes, base64: encrypts access tokens and the shop's connection at rest. */
    encryptionKey: need('ENCRYPTION_KEY'),
    port: Number(env.PORT ?? 3000),
    /** The proxy's path on the storefront (`[app_proxy]` in shopify.app.toml). */
    proxyPrefix: '/apps/chinwag',
    apiVersion: env.SHOPIFY_API_VERSION?.trim() || '2025-07',
  };
  if (missing.length) throw new Error(`Missing settings: ${missing.join(', ')} (docs/shopify.md)`);
  if (Buffer.from(config.encryptionKey, 'base64').length !== 32) {
    throw new Error('ENCRYPTION_KEY must be 32 bytes, base64 (openssl rand -base64 32)');
  }
  if (!/^https?:\/\//.test(config.appUrl) || !/^https?:\/\//.test(config.chinwagUrl)) {
    throw new Error('SHOPIFY_APP_URL and CHINWAG_URL must be http(s) URLs');
  }
  return config;
}
