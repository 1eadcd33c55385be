/**
 * A customer's Shopify facts as Chinwag visitor attributes (agents see them beside the
 * chat): name, email, order count, total spent, the last orders and a link to the
 * customer in the Shopify admin. Always read afresh from the Admin API, never taken from
 * a webhook's body, so that a retried or replayed webhook can only make them current.
 * The cart, which only the browser knows, is set by the visitor's own browser (the app embed's script).
 */
import { adminApi } from './shopify.js';
import { externalId } from './chinwag.js';

/**
 * The cart keys the app itself once set (as the server's, which win over the browser's on
 * the same key): each sync removes them, so a customer's own cart report shows instead.
 */
const SERVER_CART_KEYS = ['cart_items', 'cart_count', 'cart_total', 'cart_updated_at'];

/** `59.90 EUR` */
const money = (m) => (m ? `${Number(m.amount).toFixed(2)} ${m.currencyCode}` : '');
const day = (iso) => String(iso ?? '').slice(0, 10);

/** The attributes for a customer of the Admin API (`shopify.js`'s `customer`). */
export function customerAttributes(shop, customer) {
  const orders = customer.orders?.nodes ?? [];
  const last = orders.map((o) =>
    [o.name, day(o.createdAt), money(o.totalPriceSet?.shopMoney), (o.displayFulfillmentStatus ?? '').toLowerCase()]
      .filter(Boolean)
      .join(' · '),
  );
  const id = customer.id.split('/').pop();
  return {
    customer_name: customer.displayName ?? '',
    customer_email: customer.email ?? '',
    orders_count: String(customer.numberOfOrders ?? 0),
    total_spent: money(customer.amountSpent),
    last_orders: last.join('; ') || 'none',
    customer_since: day(customer.createdAt),
    shopify_customer: `https://admin.shopify.com/store/${shop.replace(/\.myshopify\.com$/, '')}/customers/${id}`,
  };
}

/**
 * Reads the customer from Shopify and sets their attributes in Chinwag; remembers that
 * Chinwag has them (for `shop/redact`). Resolves to the customer (null if Shopify has none).
 */
export async function syncCustomer({ shopify, chinwag, store }, shop, session, connection, customerId) {
  const customer = await adminApi(shopify, session).customer(customerId);
  if (!customer) return null;
  await store.rememberCustomer(shop, customerId);
  const attributes = customerAttributes(shop, customer);
  await chinwag.setAttributes(connection.websiteId, externalId(shop, customerId), attributes, SERVER_CART_KEYS);
  return customer;
}
