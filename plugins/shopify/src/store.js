/**
 * What the app keeps, in PostgreSQL through `pg`: Shopify sessions (the offline access
 * token of each shop), each shop's Chinwag website, the customers it told Chinwag about
 * (so that `shop/redact` can erase them), webhook ids already handled (Shopify retries,
 * and anyone can replay a captured request) and the privacy requests answered. Tokens
 * and the shop's connection are sealed (`seal.js`); the tables are made at start.
 */
import pg from 'pg';
import { Session } from '@shopify/shopify-api';

const SCHEMA = `
create table if not exists shopify_sessions (
  id text primary key,
  shop text not null,
  sealed bytea not null,
  updated_at timestamptz not null default now()
);
create index if not exists shopify_sessions_shop on shopify_sessions (shop);
create table if not exists shopify_shops (
  shop text primary key,
  sealed bytea not null,
  installed boolean not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
-- Customers whose data this app sent to Chinwag: shop/redact erases each of them.
create table if not exists shopify_customers (
  shop text not null,
  customer_id text not null,
  synced_at timestamptz not null default now(),
  primary key (shop, customer_id)
);
-- X-Shopify-Webhook-Id of each delivery handled: a retry or a replay is acknowledged, not redone.
create table if not exists shopify_webhooks (
  webhook_id text primary key,
  shop text not null,
  topic text not null,
  created_at timestamptz not null default now()
);
create table if not exists shopify_privacy_requests (
  id bigserial primary key,
  shop text not null,
  topic text not null,
  shopify_request_id text,
  chinwag_id text not null,
  created_at timestamptz not null default now()
);
`;

/** Opens the pool, makes the tables, and returns the store. */
export async function openStore(databaseUrl, sealer) {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 5 });
  // An idle connection the server ends (a restart, a failover) is replaced on next use, not fatal.
  pool.on('error', () => {});
  const client = await pool.connect();
  try {
    // Two app processes starting at once must not race on `create table`.
    await client.query('select pg_advisory_lock(2325001)');
    await client.query(SCHEMA);
    await client.query('select pg_advisory_unlock(2325001)');
  } finally {
    client.release();
  }
  const q = (text, values) => pool.query(text, values);

  return {
    pool,
    close: () => pool.end(),

    async storeSession(session) {
      const sealed = sealer.seal(session.toObject(), `session:${session.id}`);
      await q(
        `insert into shopify_sessions (id, shop, sealed) values ($1, $2, $3)
         on conflict (id) do update set shop = excluded.shop, sealed = excluded.sealed, updated_at = now()`,
        [session.id, session.shop, sealed],
      );
    },
    async loadSession(id) {
      const { rows } = await q('select sealed from shopify_sessions where id = $1', [id]);
      return rows[0] ? new Session(sealer.open(rows[0].sealed, `session:${id}`)) : undefined;
    },
    async deleteSessions(shop) {
      await q('delete from shopify_sessions where shop = $1', [shop]);
    },

    /** The shop's connection (`{ websiteId, publicKey, websiteName }`) and whether it is installed. */
    async shop(shop) {
      const { rows } = await q('select sealed, installed from shopify_shops where shop = $1', [shop]);
      return rows[0] ? { ...sealer.open(rows[0].sealed, `shop:${shop}`), installed: rows[0].installed } : null;
    },
    async saveShop(shop, connection, installed = true) {
      await q(
        `insert into shopify_shops (shop, sealed, installed) values ($1, $2, $3)
         on conflict (shop) do update set sealed = excluded.sealed, installed = excluded.installed, updated_at = now()`,
        [shop, sealer.seal(connection, `shop:${shop}`), installed],
      );
    },
    async markUninstalled(shop) {
      await q('update shopify_shops set installed = false, updated_at = now() where shop = $1', [shop]);
    },
    /** Everything about the shop (`shop/redact`). */
    async forgetShop(shop) {
      for (const table of [
        'shopify_sessions',
        'shopify_shops',
        'shopify_customers',
        'shopify_webhooks',
        'shopify_privacy_requests',
      ]) {
        await q(`delete from ${table} where shop = $1`, [shop]);
      }
    },

    async rememberCustomer(shop, customerId) {
      await q(
        `insert into shopify_customers (shop, customer_id) values ($1, $2)
         on conflict (shop, customer_id) do update set synced_at = now()`,
        [shop, customerId],
      );
    },
    async forgetCustomer(shop, customerId) {
      await q('delete from shopify_customers where shop = $1 and customer_id = $2', [shop, customerId]);
    },
    async customers(shop) {
      const { rows } = await q('select customer_id from shopify_customers where shop = $1 order by customer_id', [shop]);
      return rows.map((r) => r.customer_id);
    },

    /** Records a webhook delivery; false when its id was handled before. */
    async firstDelivery(webhookId, shop, topic) {
      const { rowCount } = await q(
        'insert into shopify_webhooks (webhook_id, shop, topic) values ($1, $2, $3) on conflict do nothing',
        [webhookId, shop, topic],
      );
      return rowCount === 1;
    },
    /** Forgets a delivery whose handling failed, so that Shopify's retry is handled. */
    async forgetDelivery(webhookId) {
      await q('delete from shopify_webhooks where webhook_id = $1', [webhookId]);
    },

    async recordPrivacyRequest(shop, topic, shopifyRequestId, chinwagId) {
      await q('insert into shopify_privacy_requests (shop, topic, shopify_request_id, chinwag_id) values ($1, $2, $3, $4)', [
        shop,
        topic,
        shopifyRequestId,
        chinwagId,
      ]);
    },
    async privacyRequests(shop) {
      const { rows } = await q(
        'select topic, shopify_request_id, chinwag_id, created_at from shopify_privacy_requests where shop = $1 order by id desc limit 20',
        [shop],
      );
      return rows;
    },
  };
}
